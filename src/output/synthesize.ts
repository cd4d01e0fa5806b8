import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { App, Yaml } from 'cdk8s';

const VALIDATION_HEADER = 'Validation failed with the following errors:';

/**
 * The problems in a synthesis error, one per line, without a stack trace: construct path, bad
 * value and fix come from the validators.
 */
export function formatSynthError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!message.startsWith(VALIDATION_HEADER)) return `cdk8s-thanos: synthesis failed: ${message}\n`;
  const problems = message.slice(VALIDATION_HEADER.length).split('\n').map((l) => l.trim()).filter(Boolean);
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
 * Synthesizes the app `build` creates into `outdir`, all or nothing: it is written to a staging
 * folder first and moved to `outdir` only when every validation passed, so a failed run leaves
 * `outdir` as it was. Throws the validation error (format it with `formatSynthError`).
 *
 * Each top-level entry written (a chart file, a component folder, `kustomization.yaml`) replaces
 * the one in `outdir`; other entries in `outdir` are left alone (`cdk8s synth` empties it first).
 */
export function synthesize(build: (outdir: string) => App, outdir: string, options: SynthesizeOptions = {}): void {
  const staging = mkdtempSync(join(tmpdir(), 'cdk8s-thanos-'));
  try {
    const layout = options.layout ?? OutputLayout.FILE_PER_CHART;
    const app = build(staging);
    const files = layout === OutputLayout.FOLDER_PER_COMPONENT ? writeFolderPerComponent(app, staging) : writeFilePerChart(app, staging);
    if (options.kustomization ?? layout === OutputLayout.FOLDER_PER_COMPONENT) {
      writeFileSync(join(staging, KUSTOMIZATION_FILE), Yaml.stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: files,
      }));
    }
    mkdirSync(outdir, { recursive: true });
    for (const entry of readdirSync(staging).sort()) {
      const target = join(outdir, entry);
      rmSync(target, { recursive: true, force: true });
      try {
        renameSync(join(staging, entry), target);
      } catch {
        // A rename cannot cross file systems; copy instead.
        cpSync(join(staging, entry), target, { recursive: true });
      }
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * `synthesize`, for an app's entry point: on bad input it prints every problem (construct path, bad
 * value, fix) without a stack trace, writes nothing, and exits with status 1.
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
    throw new Error(`${VALIDATION_HEADER}\n  ${clashes.map((c) => `[layout] two objects would be written to ${c}; synthesize each namespace to its own outdir, rename one, or use OutputLayout.FILE_PER_CHART`).join('\n  ')}`);
  }
  for (const [path, o] of paths) {
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), Yaml.stringify(o));
  }
  return [...paths.keys()];
}

/** Built-in kinds that live outside namespaces. */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition',
  'PriorityClass', 'IngressClass', 'RuntimeClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
  'APIService', 'CSIDriver',
]);

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
      synthesize((staging) => {
        writable.outdir = staging;
        return app;
      }, outdir, options);
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
