import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import { buildApp } from '../../main';
import { OutputLayout, Prometheus, Rule, RuleGroup, SynthesizeOptions, synthesize } from '../../src';
import { keepingResults } from '../../src/private/kept';
import { renderingFromKept } from '../../src/private/kept-yaml';
import { scratchDir } from '../support/scratch';

const project = scratchDir('kept-test-test-');
const elsewhere = scratchDir('kept-test-elsewhere-');
const cacheFile = join(project, 'node_modules', '.cache', 'cdk8s-thanos', 'kept.json');
const YAML = `yaml cdk8s@${require('cdk8s/package.json').version}`;

/** The kept tables, or one of them. */
function keptTables(): { [table: string]: { [key: string]: string } } {
  return JSON.parse(readFileSync(cacheFile, 'utf8'));
}
const home = process.cwd();
beforeAll(() => {
  mkdirSync(join(project, 'node_modules'));
  process.chdir(project);
});
afterAll(() => {
  process.chdir(home);
  for (const dir of [project, elsewhere]) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => jest.restoreAllMocks());

let runs = 0;
/** Synthesizes into a fresh folder under `root`; returns every file's text by relative path. */
function synth(build: (outdir: string) => App, root = project, options: SynthesizeOptions = {}): Map<string, string> {
  const outdir = join(root, `out-${runs++}`);
  synthesize(build, outdir, options);
  const files = readdirSync(outdir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return new Map(files.map((e) => [join(e.parentPath, e.name).slice(outdir.length + 1), readFileSync(join(e.parentPath, e.name), 'utf8')]));
}

/** Counts the documents cdk8s' own Yaml.stringify renders. */
function countRenders(): { documents: number } {
  const count = { documents: 0 };
  const render = Yaml.stringify.bind(Yaml);
  jest.spyOn(Yaml, 'stringify').mockImplementation((...docs: unknown[]) => {
    count.documents += docs.length;
    return render(...docs);
  });
  return count;
}

const examples = join(home, 'examples');
/** Each shipped app, with its committed dist/ (what a synthesis without the cache wrote). */
const builds: Array<[string, (outdir: string) => App, string]> = [
  ['default', buildApp, join(home, 'dist')],
  ...readdirSync(examples)
    .sort()
    .map((name): [string, (outdir: string) => App, string] => [
      `example ${name}`,
      require(join(examples, name, 'main.ts')).buildApp,
      join(examples, name, 'dist'),
    ]),
];

function filesOf(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

test.each(builds)('%s synthesizes its committed dist/ byte for byte with a cold cache and a warm one', (_name, build, dist) => {
  rmSync(cacheFile, { force: true });
  const cold = synth(build);
  const renders = countRenders();
  const warm = synth(build);
  expect(cold).toEqual(filesOf(dist));
  expect(warm).toEqual(filesOf(dist));
  expect(renders.documents).toBe(0);
});

test('the folder-per-component layout is the same with a warm cache and none', () => {
  const layout = OutputLayout.FOLDER_PER_COMPONENT;
  const uncached = synth(buildApp, elsewhere, { layout });
  synth(buildApp, project, { layout });
  const renders = countRenders();
  expect(synth(buildApp, project, { layout })).toEqual(uncached);
  // Only the kustomization (rendered by synthesize itself, outside the cache) is rendered again.
  expect(renders.documents).toBe(1);
});

test('answers every unchanged document from the cache', () => {
  rmSync(cacheFile, { force: true });
  synth(buildApp);
  // Mark every kept object (not the config files inside ConfigMaps, which would change them): output that
  // carries the mark came from the cache.
  const tables = keptTables();
  for (const [key, yaml] of Object.entries(tables[YAML])) if (/^apiVersion: \S+\nkind: /.test(yaml)) tables[YAML][key] = `# kept\n${yaml}`;
  writeFileSync(cacheFile, JSON.stringify(tables));

  const again = synth(buildApp).get('monitoring.k8s.yaml')!;
  expect(again.split('---\n').every((doc) => doc.startsWith('# kept\n'))).toBe(true);

  const renders = countRenders();
  expect(synth(buildApp).get('monitoring.k8s.yaml')).toBe(again);
  expect(renders.documents).toBe(0);
});

test('renders a changed object anew and keeps only the documents of the last synthesis', () => {
  const labelled = (outdir: string) => {
    const app = buildApp(outdir);
    const namespace = app.charts[0].node.findAll().find((c) => c instanceof ApiObject && c.kind === 'Namespace') as ApiObject;
    namespace.metadata.addLabel('team', 'observability');
    return app;
  };
  rmSync(cacheFile, { force: true });
  const plain = synth(labelled, elsewhere);
  synth(buildApp);
  const before = Object.keys(keptTables()[YAML]);
  const renders = countRenders();
  expect(synth(labelled)).toEqual(plain);
  expect(renders.documents).toBe(1);
  const after = Object.keys(keptTables()[YAML]);
  expect(after.length).toBe(before.length);
  expect(after.filter((k) => !before.includes(k))).toHaveLength(1);
});

test('renders every time what JSON does not encode exactly, and joins documents as cdk8s does', () => {
  class Point {
    constructor(readonly x: number) {}
  }
  const inexact = [
    { a: undefined },
    { b: NaN },
    { c: -0 },
    { d: Infinity },
    { e: new Date(0) },
    { f: new Point(1) },
    { g: { toJSON: () => 'x' } },
    [1, undefined, 3],
  ];
  const docs = [...inexact, undefined, { plain: ['a', 1, true, null] }];
  const expected = Yaml.stringify(...docs);
  const renders = countRenders();
  const spied = Object.getOwnPropertyDescriptor(Yaml, 'stringify');
  for (let i = 0; i < 2; i++) expect(keepingResults(join(project, 'out'), () => renderingFromKept(() => Yaml.stringify(...docs)))).toBe(expected);
  // Each inexact document and the undefined one twice, the plain one once.
  expect(renders.documents).toBe(2 * (inexact.length + 1) + 1);
  expect(Object.getOwnPropertyDescriptor(Yaml, 'stringify')).toEqual(spied);
});

test('a failed synthesis leaves the cache as it was', () => {
  synth(buildApp);
  const kept = readFileSync(cacheFile, 'utf8');
  expect(() =>
    synth((outdir) => {
      const app = buildApp(outdir);
      new Prometheus(new Chart(app, 'bad', { namespace: 'monitoring' }), 'Prometheus', { name: 'Prometheus_US1' });
      return app;
    }),
  ).toThrow();
  expect(readFileSync(cacheFile, 'utf8')).toBe(kept);
});

test('keeps nothing for outdirs outside the working directory, nor without node_modules there', () => {
  rmSync(cacheFile, { force: true });
  synth(buildApp, elsewhere);
  expect(() => readFileSync(cacheFile)).toThrow();
  // A folder whose name merely starts with two dots is inside.
  mkdirSync(join(project, '..staging'));
  synth(buildApp, join(project, '..staging'));
  expect(Object.keys(keptTables())).toContain(YAML);
  const bare = scratchDir('kept-test-bare-');
  try {
    process.chdir(bare);
    synth(buildApp, bare);
    expect(readdirSync(bare).sort()).toEqual(['out-' + (runs - 1)]);
  } finally {
    process.chdir(project);
    rmSync(bare, { recursive: true, force: true });
  }
});

test('does not use results kept with another version of cdk8s', () => {
  synth(buildApp);
  const tables = keptTables();
  const { [YAML]: yaml, ...others } = tables;
  const older = Object.fromEntries(Object.keys(yaml).map((key) => [key, '# kept\n']));
  writeFileSync(cacheFile, JSON.stringify({ ...others, 'yaml cdk8s@2.0.0': older }));
  expect(synth(buildApp).get('monitoring.k8s.yaml')).not.toContain('# kept');
  expect(Object.keys(keptTables())).not.toContain('yaml cdk8s@2.0.0');
});

describe('PromQL', () => {
  const withRule = (expr: string) => (outdir: string) => {
    const app = buildApp(outdir);
    const prometheus = app.charts[0].node.findAll().find((c): c is Prometheus => c instanceof Prometheus)!;
    prometheus.addRuleGroup(new RuleGroup({ name: 'team', rules: [Rule.record({ record: 'team:up:sum', expr })] }));
    return app;
  };
  const promqlTable = () => Object.entries(keptTables()).find(([name]) => name.startsWith('promql @prometheus-io/lezer-promql@'))!;

  test('keeps every expression that parsed, and only those', () => {
    rmSync(cacheFile, { force: true });
    synth(withRule('sum(up)'));
    const [name, parsed] = promqlTable();
    expect(name).toMatch(/^promql @prometheus-io\/lezer-promql@\S+ @lezer\/lr@\S+$/);
    expect(Object.keys(parsed).length).toBeGreaterThan(50);
    expect(() => synth(withRule('sum(up'))).toThrow(/PromQL syntax error at line 1, column 7 in "sum\(up"/);
    expect(() => synth(withRule('sum(up'))).toThrow(/PromQL syntax error/);
  });

  test('takes a kept pass for the pass', () => {
    rmSync(cacheFile, { force: true });
    synth(withRule('sum(up)'));
    const tables = keptTables();
    const [name] = promqlTable();
    // A kept pass is believed: planted for an expression that does not parse, it lets it through.
    const key = require('crypto').createHash('sha1').update('sum(up').digest('base64');
    writeFileSync(cacheFile, JSON.stringify({ ...tables, [name]: { ...tables[name], [key]: '' } }));
    expect(synth(withRule('sum(up')).get('monitoring.k8s.yaml')).toContain('expr: sum(up\n');
  });

  test('an unchanged stack does not load the parser', () => {
    synth(buildApp);
    jest.isolateModules(() => {
      jest.doMock('@prometheus-io/lezer-promql', () => {
        throw new Error('the PromQL parser was loaded');
      });
      const fresh = require('../../main') as typeof import('../../main');
      const { synthesize: synthesizeFresh } = require('../../src') as typeof import('../../src');
      expect(() => synthesizeFresh(fresh.buildApp, join(project, `out-${runs++}`))).not.toThrow();
      // The same stack with one new expression needs it.
      const withNew = (outdir: string) => {
        const app = fresh.buildApp(outdir);
        const prometheus = app.charts[0].node.findAll().find((c) => c.constructor.name === 'Prometheus') as any;
        const src = require('../../src') as typeof import('../../src');
        prometheus.addRuleGroup(new src.RuleGroup({ name: 'team', rules: [src.Rule.record({ record: 'team:up:count', expr: 'count(up)' })] }));
        return app;
      };
      expect(() => synthesizeFresh(withNew, join(project, `out-${runs++}`))).toThrow(/the PromQL parser was loaded/);
    });
    jest.dontMock('@prometheus-io/lezer-promql');
  });
});
