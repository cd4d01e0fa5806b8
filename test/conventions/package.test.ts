/**
 * The npm package as a consumer gets it: pack (which builds), install the tarball and its peers in a
 * fresh project, offline, from the npm cache `npm ci` filled, then synthesize a stack from plain
 * JavaScript through the public exports only, and type-check a TypeScript consumer against the
 * shipped declarations. Every TypeScript block of README.md and docs/*.md and every example's main.ts
 * is compiled there as a complete program, with the tsconfig `cdk8s init` writes, and synthesized.
 */
import { spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { Rule, RuleGroup, ThanosStack } from '../../src';
import { Manifest } from '../support/util';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const PEERS = ['cdk8s', 'cdk8s-plus-27', 'constructs'];
const work = mkdtempSync(join(tmpdir(), 'package-test-'));
const consumer = join(work, 'consumer');

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

function mustRun(cmd: string, args: string[], cwd: string) {
  const r = run(cmd, args, cwd);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.all}`);
  return r;
}

/**
 * A lockfile for the consumer holding the peers exactly as this project locks them (so every tarball
 * is in the npm cache `npm ci` filled) plus the packed tarball. Without it npm needs each peer's
 * packument, which `npm ci` never fetches: `--offline` would fail on a fresh machine.
 */
function consumerLockfile(tarball: string, dependencies: { [name: string]: string }) {
  const locked = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')).packages as { [path: string]: any };
  const resolve = (name: string, from: string): string | undefined => {
    for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
      const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (locked[key]) return key;
      if (!dir) return undefined;
    }
  };
  const packages: { [path: string]: any } = {};
  // The peers (with their dependencies). The package's own dependencies come in its tarball's bundle.
  const queue = PEERS.map((p) => resolve(p, ''));
  while (queue.length) {
    const key = queue.shift();
    if (!key || packages[key]) continue;
    const { dev, devOptional, ...entry } = locked[key];
    packages[key] = devOptional ? { ...entry, optional: true } : entry;
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies })) queue.push(resolve(dep, key));
  }
  const integrity = `sha512-${createHash('sha512')
    .update(readFileSync(join(work, tarball)))
    .digest('base64')}`;
  packages['node_modules/cdk8s-thanos'] = {
    version: PKG.version,
    resolved: `file:../${tarball}`,
    integrity,
    license: PKG.license,
    dependencies: PKG.dependencies,
    peerDependencies: PKG.peerDependencies,
    // npm ci links bins from the lockfile's record.
    bin: PKG.bin,
  };
  // How npm records a bundle: the tarball carries the files, so no resolved or integrity of their own.
  for (const dep of PKG.bundledDependencies) {
    const { version, license, dependencies: deps, peerDependencies } = locked[`node_modules/${dep}`];
    packages[`node_modules/cdk8s-thanos/node_modules/${dep}`] = { version, inBundle: true, license, dependencies: deps, peerDependencies };
  }
  return {
    name: 'consumer',
    version: '0.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'consumer', version: '0.0.0', dependencies }, ...packages },
  };
}

/** The consumer app: plain JavaScript, the package's public exports only. */
const APP = `
const { App, Chart, Duration } = require('cdk8s');
const { ThanosStack, Rule, RuleGroup, OutputLayout, synthesizeOrExit, prerequisiteSecrets } = require('cdk8s-thanos');

const [outdir, layout] = process.argv.slice(2);
synthesizeOrExit((o) => {
  const app = new App({ outdir: o });
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const stack = new ThanosStack(chart, 'Thanos', {
    prometheus: { externalLabels: { cluster: 'eu1' }, retention: Duration.days(2) },
    prometheusOperator: true,
    createNamespace: true,
  });
  stack.prometheus.addRuleGroup(new RuleGroup({
    name: 'availability',
    rules: [Rule.alert({ alert: 'QueryDown', expr: 'absent(up{job="thanos-query"} == 1)', pendingFor: Duration.minutes(5) })],
  }));
  process.stdout.write(JSON.stringify(prerequisiteSecrets(app).map((s) => s.name)));
  return app;
}, outdir, { layout: OutputLayout[layout] });
`;

/** A TypeScript consumer: the declarations must be complete, and hide the internals. */
const CHECK = `
import { App, Chart } from 'cdk8s';
import { OutputLayout, PrometheusOperator, RuleGroup, ThanosStack, synthesize } from 'cdk8s-thanos';
const chart = new Chart(new App(), 'monitoring', { namespace: 'monitoring' });
const stack = new ThanosStack(chart, 'Thanos', { prometheusOperator: true });
const operator: PrometheusOperator | undefined = stack.prometheusOperator;
const layout: OutputLayout = OutputLayout.FOLDER_PER_COMPONENT;
synthesize(() => chart.node.root as App, 'out', { layout, kustomization: operator !== undefined });
declare const group: RuleGroup;
// @ts-expect-error internals (@internal) are not in the declarations
group._problems();
`;

/** A documented program: where it comes from, and its source. */
interface Program {
  readonly name: string;
  readonly source: string;
  readonly from: string;
}

/** Every ```ts block of README.md and docs/*.md, and every example's main.ts, as written. */
function documentedPrograms(): Program[] {
  const docs = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const blocks = docs.flatMap((doc) =>
    [...readFileSync(join(ROOT, doc), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m, i) => ({
      name: `${doc
        .replace(/^docs\//, '')
        .replace(/\.md$/, '')
        .toLowerCase()}-${i + 1}`,
      source: m[1],
      from: `${doc} block ${i + 1}`,
    })),
  );
  const examples = readdirSync(join(ROOT, 'examples'))
    .filter((d) => existsSync(join(ROOT, 'examples', d, 'main.ts')))
    .sort()
    .map((d) => ({ name: `example-${d}`, source: readFileSync(join(ROOT, 'examples', d, 'main.ts'), 'utf8'), from: `examples/${d}/main.ts` }));
  return [...blocks, ...examples];
}
const PROGRAMS = documentedPrograms();

/** The tsconfig `cdk8s init typescript-app` writes, with this project's @types/node (the scaffold installs its own). */
function cdk8sInitTsconfig(): object {
  const template = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app', 'tsconfig.json'), 'utf8'));
  return {
    ...template,
    compilerOptions: { ...template.compilerOptions, outDir: 'out', types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] },
    include: ['programs/*.ts', 'check.ts'],
  };
}

/** The same app, built here from the sources. */
function expectedObjects(): Manifest[] {
  const chart = new Chart(new App(), 'monitoring', { namespace: 'monitoring' });
  const stack = new ThanosStack(chart, 'Thanos', {
    prometheus: { externalLabels: { cluster: 'eu1' }, retention: Duration.days(2) },
    prometheusOperator: true,
    createNamespace: true,
  });
  stack.prometheus.addRuleGroup(
    new RuleGroup({
      name: 'availability',
      rules: [Rule.alert({ alert: 'QueryDown', expr: 'absent(up{job="thanos-query"} == 1)', pendingFor: Duration.minutes(5) })],
    }),
  );
  return Testing.synth(chart) as Manifest[];
}

const timings: { [step: string]: number } = {};
function timed<T>(step: string, f: () => T): T {
  const start = Date.now();
  try {
    return f();
  } finally {
    timings[step] = Date.now() - start;
  }
}

let packed: { filename: string; files: Array<{ path: string }>; bundled: string[] };
let typeCheck: Promise<{ status: number | null; output: string }>;
/** Output of the offline install when it failed, for the assertion message. */
let offlineFailure: string | undefined;

beforeAll(() => {
  // `npm pack` runs `prepack`, which is the clean build.
  const pack = timed('pack (build)', () => mustRun('npm', ['pack', '--json', '--pack-destination', work], ROOT));
  // The build (jsii) reports on stdout too; the JSON comes last.
  packed = JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[/m)))[0];

  mkdirSync(consumer);
  const dependencies = { 'cdk8s-thanos': `file:../${packed.filename}`, ...Object.fromEntries(PEERS.map((p) => [p, PKG.devDependencies[p]])) };
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '0.0.0', private: true, dependencies }, null, 2));
  writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify(consumerLockfile(packed.filename, dependencies), null, 2));
  // cdk8s-plus-27's optional `backport` (a release tool of theirs) is left out: it adds 190 packages.
  const install = ['--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund'];
  timed('install', () => {
    const offline = run('npm', ['ci', '--offline', ...install], consumer);
    // A cache that lacks a tarball (cleaned, or another npm's) may still reach the registry.
    if (offline.status !== 0) {
      offlineFailure = offline.all;
      mustRun('npm', ['ci', '--prefer-offline', ...install], consumer);
    }
  });
  writeFileSync(join(consumer, 'app.js'), APP);
  // The type check (and compile) is the slowest step: it runs while the JavaScript tests do.
  writeFileSync(join(consumer, 'check.ts'), CHECK);
  mkdirSync(join(consumer, 'programs'));
  for (const p of PROGRAMS) writeFileSync(join(consumer, 'programs', `${p.name}.ts`), p.source);
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify(cdk8sInitTsconfig(), null, 2));
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const started = Date.now();
  typeCheck = new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', '.'], { cwd: consumer });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (status) => {
      timings['tsc consumer (parallel)'] = Date.now() - started;
      resolve({ status, output });
    });
  });
});

/** Runs a compiled program of the consumer into its own outdir; resolves with its status and output. */
function runProgram(p: Program): Promise<{ status: number | null; output: string; outdir: string }> {
  const outdir = join(consumer, 'synth', p.name);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join('out', 'programs', `${p.name}.js`)], { cwd: consumer, env: { ...process.env, CDK8S_OUTDIR: outdir } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (status) => resolve({ status, output, outdir }));
  });
}

afterAll(async () => {
  await typeCheck;
  rmSync(work, { recursive: true, force: true });
  process.stdout.write(`package test timings (ms): ${JSON.stringify(timings)}\n`);
});

/** What a synth printed but its warnings (the stack's advice, e.g. a receiver that notifies nobody). */
const errorsOf = (text: string): string =>
  text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('[WARNING] '))
    .join('\n');

describe('the tarball', () => {
  const files = () => packed.files.map((f) => f.path).sort();

  test('holds the compiled library (lib/src, lib/imports: JS and declarations), its jsii assembly, the docs, the synth command, README, LICENSE, package.json and the bundled parser only', () => {
    const bundled = (f: string) => PKG.bundledDependencies.some((d: string) => f.startsWith(`node_modules/${d}/`));
    const unexpected = files().filter(
      (f) =>
        !/^lib\/(src|imports)\/.+\.(js|d\.ts)$/.test(f) &&
        !/^docs\/.+\.md$/.test(f) &&
        !bundled(f) &&
        !['.jsii', 'API.md', 'README.md', 'LICENSE', 'package.json', 'scripts/synth.js'].includes(f),
    );
    expect(unexpected).toEqual([]);
    expect(files()).toEqual(
      expect.arrayContaining([
        '.jsii',
        'LICENSE',
        'README.md',
        'package.json',
        'lib/src/index.js',
        'lib/src/index.d.ts',
        'lib/src/thanos-stack.js',
        'lib/imports/servicemonitor-monitoring.coreos.com.js',
        'lib/imports/prometheusrule-monitoring.coreos.com.d.ts',
        'API.md',
        'docs/migration-from-bitnami.md',
        'scripts/synth.js',
      ]),
    );
  });

  test('ships every source module, and nothing of tests, dist/, examples or the app', () => {
    const modules = readdirSync(join(ROOT, 'src'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `lib/src/${f.replace(/\.ts$/, '')}`);
    for (const m of modules) expect(files()).toEqual(expect.arrayContaining([`${m}.js`, `${m}.d.ts`]));
    expect(
      files().filter((f) => !f.startsWith('docs/') && !f.startsWith('node_modules/') && /test|dist\/|examples|main\.|bench|\.map$|\.ts$(?<!\.d\.ts)/.test(f)),
    ).toEqual([]);
  });

  test('declares cdk8s, cdk8s-plus-27 and constructs as peers and bundles its one runtime dependency, the PromQL parser, with its peers', () => {
    const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules', 'cdk8s-thanos', 'package.json'), 'utf8'));
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(PEERS);
    // Rules and dashboard queries are parsed at synth in the user's app. jsii takes only jsii modules as
    // plain dependencies, and the Python and Go runtimes load nothing but the tarball and its bundle, so
    // the parser comes bundled, with the @lezer packages it imports (its peers; @lezer/common is theirs).
    const parser = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@prometheus-io', 'lezer-promql', 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@lezer/common', ...Object.keys(parser.peerDependencies), '@prometheus-io/lezer-promql'].sort());
    expect([...manifest.bundledDependencies].sort()).toEqual(Object.keys(manifest.dependencies).sort());
    expect([...packed.bundled].sort()).toEqual(Object.keys(manifest.dependencies).sort());
    expect(manifest.devDependencies).toBeDefined(); // npm keeps them; they are never installed for consumers
  });
});

describe('a fresh consumer project', () => {
  test('installs the tarball and the peers offline, from the cache `npm ci` filled', () => {
    // Outside CI the cache may predate `npm ci` (or be another npm's): the registry fallback is fine there.
    if (offlineFailure && process.env.CI !== 'true') console.warn(`offline install failed, installed with --prefer-offline:\n${offlineFailure}`);
    else expect(offlineFailure).toBeUndefined();
    expect(
      readdirSync(join(consumer, 'node_modules'))
        .filter((d) => !d.startsWith('.'))
        .sort(),
    ).toEqual(['cdk8s', 'cdk8s-plus-27', 'cdk8s-thanos', 'constructs']);
    expect(readdirSync(join(consumer, 'node_modules', 'cdk8s-thanos', 'node_modules')).sort()).toEqual(['@lezer', '@prometheus-io']);
  });

  test("synthesizes a ThanosStack from plain JavaScript, identical to the sources' output", () => {
    const r = mustRun(process.execPath, ['app.js', 'dist', 'FILE_PER_CHART'], consumer);
    expect(JSON.parse(r.stdout)).toEqual(['grafana-admin', 'thanos-objstore']);
    expect(readdirSync(join(consumer, 'dist'))).toEqual(['monitoring.k8s.yaml']);
    const objects = parseAllDocuments(readFileSync(join(consumer, 'dist', 'monitoring.k8s.yaml'), 'utf8')).map((d) => d.toJSON() as Manifest);
    expect(objects[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'monitoring' } });
    const names = (kind: string) =>
      objects
        .filter((o) => o.kind === kind)
        .map((o) => o.metadata.name)
        .sort();
    expect(names('StatefulSet')).toEqual(['alertmanager', 'minio', 'prometheus', 'thanos-compact', 'thanos-rule', 'thanos-store']);
    expect(names('Deployment')).toEqual(['grafana', 'thanos-bucketweb', 'thanos-query', 'thanos-query-frontend']);
    expect(names('PrometheusRule')).toEqual(['prometheus', 'thanos-rule', 'thanos-stack-alerts']);
    expect(names('ServiceMonitor')).toContain('thanos-query');
    expect(objects).toEqual(expectedObjects());
  });

  test('writes the folder-per-component layout with its kustomization', () => {
    mustRun(process.execPath, ['app.js', 'gitops', 'FOLDER_PER_COMPONENT'], consumer);
    const kustomization = parseAllDocuments(readFileSync(join(consumer, 'gitops', 'kustomization.yaml'), 'utf8'))[0].toJSON();
    expect(kustomization.resources[0]).toBe('cluster/Namespace-monitoring.yaml');
    expect(existsSync(join(consumer, 'gitops', 'thanos-query', 'ServiceMonitor-thanos-query.yaml'))).toBe(true);
  });

  test('reports bad input through the compiled validators: exit 1, every problem, nothing written', () => {
    writeFileSync(
      join(consumer, 'bad.js'),
      `
      const { App, Chart } = require('cdk8s');
      const { ThanosStack, synthesizeOrExit } = require('cdk8s-thanos');
      synthesizeOrExit((o) => {
        const app = new App({ outdir: o });
        new ThanosStack(new Chart(app, 'monitoring', { namespace: 'monitoring' }), 'Thanos', { compactor: { replicas: 2 } });
        return app;
      }, 'bad-out');
    `,
    );
    const r = run(process.execPath, ['bad.js'], consumer);
    expect(r.status).toBe(1);
    // The stack's alerts reach nobody in this app: a warning line may precede the problems.
    expect(r.stderr).toMatch(/^cdk8s-thanos: 1 problem in the stack, nothing was written:\n {2}- \[monitoring\/Thanos\/Compactor\] replicas 2/m);
    expect(existsSync(join(consumer, 'bad-out'))).toBe(false);
  });

  test("cannot reach into the package's internals: only the index is exported", () => {
    const r = run(process.execPath, ['-e', 'require("cdk8s-thanos/lib/src/workload")'], consumer);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  test('type-checks a TypeScript consumer and every documented program with the tsconfig of `cdk8s init` (strict, declarations included)', async () => {
    const r = await typeCheck;
    expect(r.output.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  test("has the package's metadata: repository, homepage, bugs", () => {
    const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules', 'cdk8s-thanos', 'package.json'), 'utf8'));
    expect(manifest.repository.url).toBe('git+https://github.com/cdk8s-thanos/cdk8s-thanos.git');
    expect(manifest.homepage).toMatch(/^https:\/\/github\.com\/cdk8s-thanos\/cdk8s-thanos/);
    expect(manifest.bugs.url).toBe('https://github.com/cdk8s-thanos/cdk8s-thanos/issues');
    // The README's links to docs/ and to the API reference resolve inside the installed package.
    const readme = readFileSync(join(consumer, 'node_modules', 'cdk8s-thanos', 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(((?:docs\/|API\.md)[^)#]*)/g)].map((m) => m[1]);
    expect(links).toEqual(expect.arrayContaining(['API.md', 'docs/migration-from-bitnami.md']));
    for (const l of links) expect(existsSync(join(consumer, 'node_modules', 'cdk8s-thanos', l))).toBe(true);
  });
});

describe('every TypeScript block of README.md and docs/*.md, and every example, pasted into a fresh consumer', () => {
  let runs: Map<string, { status: number | null; output: string; outdir: string }>;
  beforeAll(async () => {
    const compiled = await typeCheck;
    if (compiled.status !== 0) return;
    // Two at a time: this machine has two cores.
    runs = new Map();
    for (let i = 0; i < PROGRAMS.length; i += 2) {
      const batch = PROGRAMS.slice(i, i + 2);
      const results = await Promise.all(batch.map(runProgram));
      batch.forEach((p, j) => runs.set(p.name, results[j]));
    }
  });

  test("the package's cdk8s-thanos-synth runs a consumer's cdk8s.yaml app and swaps its output in", async () => {
    expect((await typeCheck).status).toBe(0);
    writeFileSync(join(consumer, 'cdk8s.yaml'), 'app: node out/programs/readme-1.js\noutput: synth-bin\n');
    const r = run(process.execPath, [join(consumer, 'node_modules', '.bin', 'cdk8s-thanos-synth')], consumer);
    expect(errorsOf(r.stderr)).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(join(consumer, 'synth-bin'))).toEqual(['monitoring.k8s.yaml']);
  });

  test('there are programs from the README, the migration guide and the examples', () => {
    expect(PROGRAMS.filter((p) => p.from.startsWith('README.md')).length).toBeGreaterThanOrEqual(3);
    expect(PROGRAMS.filter((p) => p.from.startsWith('docs/')).length).toBeGreaterThanOrEqual(1);
    expect(PROGRAMS.filter((p) => p.from.startsWith('examples/')).length).toBe(
      readdirSync(join(ROOT, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory()).length,
    );
  });

  test.each(PROGRAMS.map((p) => [p.from, p] as const))('%s compiles and synthesizes', async (_from, p) => {
    expect((await typeCheck).status).toBe(0);
    const r = runs.get(p.name)!;
    expect(errorsOf(r.output)).toBe('');
    expect(r.status).toBe(0);
    const files = readdirSync(r.outdir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    if (p.from.startsWith('examples/')) {
      // What a user gets from the copied example is the committed dist/, byte for byte.
      const dist = join(ROOT, p.from.replace(/main\.ts$/, 'dist'));
      expect(files.sort()).toEqual(readdirSync(dist).sort());
      for (const f of files) expect(readFileSync(join(r.outdir, f), 'utf8')).toBe(readFileSync(join(dist, f), 'utf8'));
    }
  });
});
