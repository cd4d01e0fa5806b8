import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { basename, dirname, join, resolve } from 'path';
import { ApiObject, App, Yaml } from 'cdk8s';
import { appApiServerProblems } from '../private/api-server-rules';
import { CLUSTER_SCOPED } from '../private/invariants';
import { keepingResults } from '../private/kept';
import { renderingFromKept } from '../private/kept-yaml';

const VALIDATION_HEADER = 'Validation failed with the following errors:';

/**
 * The problems in a synthesis error, one per line, without a stack trace: construct path, bad
 * value and fix come from the validators.
 */
export function formatSynthError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!message.startsWith(VALIDATION_HEADER)) return `cdk8s-thanos: synthesis failed: ${message}\n`;
  const problems = message
    .slice(VALIDATION_HEADER.length)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return `cdk8s-thanos: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the stack, nothing was written:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`;
}

/** How the synthesized objects are laid out in the output folder. */
export enum OutputLayout {
  /**
   * One `<chart>.k8s.yaml` per chart (cdk8s' own output), objects in apply order with the Namespace
   * first: `kubectl apply -f dist/` works in one pass.
   */
  FILE_PER_CHART = 'file-per-chart',
  /**
   * One folder per component, one file per object: `<component>/<Kind>-<name>.yaml`, where the
   * component is the object's `app.kubernetes.io/name` label. Cluster-scoped objects (the Namespace,
   * ClusterRoles and their bindings) go to `cluster/`, namespaced objects without the label to
   * `namespace/`. Small, reviewable diffs, and one folder per Argo CD / Flux application if you
   * want one. Apply with `kubectl apply -k dist/` (see `kustomization`).
   */
  FOLDER_PER_COMPONENT = 'folder-per-component',
}

/** Options of `synthesize` and `synthesizeOrExit`. */
export interface SynthesizeOptions {
  /**
   * How the objects are laid out in the output folder.
   * @default OutputLayout.FILE_PER_CHART
   */
  readonly layout?: OutputLayout;
  /**
   * Also write a `kustomization.yaml` listing every written file once, in apply order (Namespace
   * first), for `kubectl apply -k` and GitOps tools. With FILE_PER_CHART it is off by default because
   * `kubectl apply -f dist/` would read it as a manifest.
   * @default - true with OutputLayout.FOLDER_PER_COMPONENT, false with OutputLayout.FILE_PER_CHART
   */
  readonly kustomization?: boolean;
}

/** The file every layout may add, listing the others. */
export const KUSTOMIZATION_FILE = 'kustomization.yaml';

/**
 * Synthesizes the app `build` creates into `outdir`, all or nothing: it is written to a fresh folder
 * beside `outdir` and renamed to `outdir` only when every validation passed, so a failed run leaves
 * `outdir` as it was, and a successful one leaves exactly this synthesis (no file of a renamed or removed
 * chart survives). Throws the validation error (format it with `formatSynthError`).
 *
 * `outdir` is replaced as a whole, so it must hold nothing but YAML: a folder with other files in it is
 * refused. (`cdk8s synth` empties the output folder before the app even runs; see `npm run synth`
 * in the README for a synth that keeps the last good output.)
 */
export function synthesize(build: (outdir: string) => App, outdir: string, options: SynthesizeOptions = {}): void {
  const foreign = existsSync(outdir) ? filesUnder(outdir).filter((f) => !/\.ya?ml$/.test(f)) : [];
  if (foreign.length) {
    throw new Error(
      `${outdir} holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}, which synthesis does not write; ` +
        'the output folder is replaced as a whole: give synthesize a folder of its own',
    );
  }
  mkdirSync(dirname(resolve(outdir)), { recursive: true });
  // A sibling of outdir, so the final rename stays on one file system.
  const staging = mkdtempSync(join(dirname(resolve(outdir)), `.${basename(resolve(outdir))}.synth-`));
  try {
    const layout = options.layout ?? OutputLayout.FILE_PER_CHART;
    const files = keepingResults(outdir, () =>
      renderingFromKept(() => {
        const app = build(staging);
        if (resolve(app.outdir) !== staging) {
          throw new Error(
            `the build function created its App with outdir ${app.outdir}, not the one it was given; ` + 'write `(outdir) => new App({ outdir })`',
          );
        }
        return computingEachOnce(app, () => {
          const written = layout === OutputLayout.FOLDER_PER_COMPONENT ? writeFolderPerComponent(app, staging) : writeFilePerChart(app, staging);
          checkApiServerRules(app);
          return written;
        });
      }),
    );
    if (options.kustomization ?? layout === OutputLayout.FOLDER_PER_COMPONENT) {
      writeFileSync(
        join(staging, KUSTOMIZATION_FILE),
        Yaml.stringify({
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          resources: files,
        }),
      );
    }
    swap(staging, outdir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Renames `staging` to `outdir`: the old output moves aside, the new one takes its name, the old one goes. */
function swap(staging: string, outdir: string): void {
  const old = `${staging}.old`;
  if (existsSync(outdir)) renameSync(outdir, old);
  try {
    renameSync(staging, outdir);
  } catch (error) {
    if (existsSync(old)) renameSync(old, outdir);
    throw error;
  }
  rmSync(old, { recursive: true, force: true });
}

/**
 * Runs `f` with each construct validated once and each ApiObject rendered once. cdk8s validates the whole
 * app again for every chart it renders (`App._synthChart`), and the API-server pass reads every object
 * again: within one synthesis the tree no longer changes, so the first result of each is the result.
 */
function computingEachOnce<T>(app: App, f: () => T): T {
  const constructs = app.node.findAll();
  const restores = [
    ...constructs.map((c) => once(c.node, 'validate')),
    ...constructs.filter((c): c is ApiObject => c instanceof ApiObject).map((o) => once(o, 'toJson')),
  ];
  try {
    return f();
  } finally {
    for (const restore of restores) restore();
  }
}

/**
 * Shadows `target[method]` with an own property that calls it the first time and returns that result after;
 * returns what puts the method back as it was (an own property the app set included).
 */
function once<K extends string>(target: { [key in K]: () => unknown }, method: K): () => void {
  const own = Object.getOwnPropertyDescriptor(target, method);
  const call = target[method].bind(target);
  let result: unknown;
  let called = false;
  const value = () => {
    if (!called) {
      result = call();
      called = true;
    }
    return result;
  };
  Object.defineProperty(target, method, { configurable: true, writable: true, value });
  return () => (own ? Object.defineProperty(target, method, own) : delete target[method]);
}

/**
 * The final pass, after the constructs' own validation: what the API server would refuse in any
 * emitted object (the app's own objects too), reported like a validation error and before anything
 * leaves the staging folder.
 */
function checkApiServerRules(app: App): void {
  const problems = appApiServerProblems(app);
  if (problems.length) throw new Error(`${VALIDATION_HEADER}\n  ${problems.join('\n  ')}`);
}

/**
 * `synthesize`, for an app's entry point: on bad input it prints every problem (construct path, bad
 * value, fix) without a stack trace, leaves `outdir` as it was, and exits with status 1.
 *
 * What it cannot guarantee: under `cdk8s synth` the CLI deletes the output folder before the app
 * runs, so a failure there leaves no output at all. Run the app through a synth that stages and swaps
 * (this project's `npm run synth`, scripts/synth.js) to keep the last good output.
 */
export function synthesizeOrExit(build: (outdir: string) => App, outdir: string = process.env.CDK8S_OUTDIR ?? 'dist', options: SynthesizeOptions = {}): void {
  try {
    synthesize(build, outdir, options);
  } catch (error) {
    process.stderr.write(formatSynthError(error));
    process.exit(1);
  }
}

/** A synthesized object, as far as the layouts need to know it. */
interface Manifest {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: { [key: string]: string } };
}

/** cdk8s' own output; returns the files written, in apply order (files holding a Namespace first). */
function writeFilePerChart(app: App, dir: string): string[] {
  app.synth();
  const files = filesUnder(dir);
  // The output is cdk8s' YAML, so a top-level `kind:` line is an object's kind.
  const holdsNamespace = (f: string) => /^kind: Namespace$/m.test(readFileSync(join(dir, f), 'utf8'));
  return [...files.filter(holdsNamespace), ...files.filter((f) => !holdsNamespace(f))];
}

/** Files under `dir`, as sorted relative paths (the app may use a folder-per-chart output type). */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? filesUnder(dir, `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

/** `<component>/<Kind>-<name>.yaml` per object; returns the files in apply order (Namespaces first). */
function writeFolderPerComponent(app: App, dir: string): string[] {
  // The first toJson() resolves the app's chart dependencies; `app.charts` is then in dependency order.
  const json = new Map(app.charts.map((chart) => [chart, chart.toJson() as Manifest[]]));
  const objects = app.charts.flatMap((chart) => json.get(chart)!);
  const ordered = [...objects.filter((o) => o.kind === 'Namespace'), ...objects.filter((o) => o.kind !== 'Namespace')];
  const paths = new Map<string, Manifest>();
  const clashes: string[] = [];
  for (const o of ordered) {
    const path = `${folderOf(o)}/${o.kind}-${o.metadata.name}.yaml`;
    const other = paths.get(path);
    if (other) clashes.push(`${path}: ${describe(other)} and ${describe(o)}`);
    paths.set(path, o);
  }
  if (clashes.length) {
    throw new Error(
      `${VALIDATION_HEADER}\n  ${clashes.map((c) => `[layout] two objects would be written to ${c}; synthesize each namespace to its own outdir, rename one, or use OutputLayout.FILE_PER_CHART`).join('\n  ')}`,
    );
  }
  for (const [path, o] of paths) {
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), Yaml.stringify(o));
  }
  return [...paths.keys()];
}

function folderOf(o: Manifest): string {
  if (CLUSTER_SCOPED.has(o.kind)) return 'cluster';
  return o.metadata.labels?.['app.kubernetes.io/name'] || 'namespace';
}

function describe(o: Manifest): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/**
 * `synthesize` and `synthesizeOrExit` for an app you built, in every language: jsii gives other
 * languages classes, not free functions, and no function-typed parameters.
 */
export class Synth {
  /**
   * Synthesizes `app` into its `outdir`, all or nothing, like `synthesize`. Throws the validation error.
   */
  public static synthesize(app: App, options: SynthesizeOptions = {}): void {
    const outdir = app.outdir;
    // cdk8s writes to `app.outdir`, readonly only in its typings: point it at the staging folder
    // for this synth, so nothing reaches `outdir` unless every validation passed.
    const writable = app as { outdir: string };
    try {
      synthesize(
        (staging) => {
          writable.outdir = staging;
          return app;
        },
        outdir,
        options,
      );
    } finally {
      writable.outdir = outdir;
    }
  }

  /**
   * `Synth.synthesize` for an app's entry point in any language: returns every problem (construct
   * path, bad value, fix) as `formatSynthError` prints them, having written nothing, or nothing when
   * the output was written. Print it and exit non-zero: exiting is the caller's, because a jsii
   * runtime whose JavaScript process exits fails with its own stack trace.
   */
  public static trySynthesize(app: App, options: SynthesizeOptions = {}): string | undefined {
    try {
      Synth.synthesize(app, options);
      return undefined;
    } catch (error) {
      return formatSynthError(error);
    }
  }

  private constructor() {}
}
