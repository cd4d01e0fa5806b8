import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { parseAllDocuments } from 'yaml';
import { MonitoringChart, buildApp } from '../../main';
import { KUSTOMIZATION_FILE } from '../../src/output/synthesize';
import { OutputLayout, SynthesizeOptions, ThanosStack, synthesize, synthesizeOrExit } from '../../src';
import { Manifest } from '../support/util';
import { scratchDir } from '../support/scratch';

const work = scratchDir('gitops-test-');
afterAll(() => rmSync(work, { recursive: true, force: true }));
let runs = 0;

/** Synthesizes `build` into a fresh folder. */
function synthTo(options: SynthesizeOptions = {}, build: (outdir: string) => App = buildApp): string {
  const outdir = join(work, `out-${runs++}`);
  synthesize(build, outdir, options);
  return outdir;
}

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(dir, `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

function readObjects(path: string): Manifest[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJSON());
}

function kustomizationOf(dir: string): { apiVersion: string; kind: string; resources: string[] } {
  return readObjects(join(dir, KUSTOMIZATION_FILE))[0] as any;
}

/** The default app's objects, in synthesis order. */
const expected = Testing.synth(new MonitoringChart(Testing.app(), 'monitoring')) as Manifest[];

describe('OutputLayout.FILE_PER_CHART (the default)', () => {
  const dir = synthTo();

  test('writes one file per chart and nothing else', () => {
    expect(filesUnder(dir)).toEqual(['monitoring.k8s.yaml']);
  });

  test('holds every object in apply order, the Namespace first, so `kubectl apply -f dist/` works in one pass', () => {
    const objects = readObjects(join(dir, 'monitoring.k8s.yaml'));
    expect(objects).toEqual(expected);
    expect(objects[0].kind).toBe('Namespace');
  });

  test("is byte-identical to what cdk8s writes on its own (today's dist/)", () => {
    const plain = join(work, 'plain');
    buildApp(plain).synth();
    expect(readFileSync(join(dir, 'monitoring.k8s.yaml'), 'utf8')).toBe(readFileSync(join(plain, 'monitoring.k8s.yaml'), 'utf8'));
  });

  test('adds a kustomization listing the chart file when asked', () => {
    const withKustomization = synthTo({ kustomization: true });
    expect(filesUnder(withKustomization)).toEqual([KUSTOMIZATION_FILE, 'monitoring.k8s.yaml']);
    expect(kustomizationOf(withKustomization)).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['monitoring.k8s.yaml'],
    });
  });

  test('lists the chart holding the Namespace first when there are several charts', () => {
    const out = synthTo({ kustomization: true }, (outdir) => {
      const app = new App({ outdir });
      const extra = new Chart(app, 'aaa-extra', { namespace: 'monitoring' });
      new k8s.KubeConfigMap(extra, 'Config', { metadata: { name: 'extra' }, data: { a: 'b' } });
      new ThanosStack(new Chart(app, 'monitoring', { namespace: 'monitoring' }), 'Thanos');
      return app;
    });
    expect(kustomizationOf(out).resources).toEqual(['monitoring.k8s.yaml', 'aaa-extra.k8s.yaml']);
  });
});

describe('OutputLayout.FOLDER_PER_COMPONENT', () => {
  const dir = synthTo({ layout: OutputLayout.FOLDER_PER_COMPONENT });
  const files = filesUnder(dir).filter((f) => f !== KUSTOMIZATION_FILE);

  test('writes one file per object, <component>/<Kind>-<name>.yaml, holding exactly that object', () => {
    expect(files).toHaveLength(expected.length);
    for (const o of expected) {
      const component = o.metadata.labels?.['app.kubernetes.io/name'];
      const folder = ['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind) ? 'cluster' : (component ?? 'namespace');
      expect(readObjects(join(dir, folder, `${o.kind}-${o.metadata.name}.yaml`))).toEqual([o]);
    }
  });

  test('has one folder per component, cluster/ for cluster-scoped objects, namespace/ for shared ones', () => {
    const folders = [...new Set(files.map((f) => f.split('/')[0]))].sort();
    expect(folders).toEqual([
      'alertmanager',
      'cluster',
      'grafana',
      'minio',
      'minio-client',
      'namespace',
      'prometheus',
      'thanos-bucketweb',
      'thanos-compact',
      'thanos-query',
      'thanos-query-frontend',
      'thanos-rule',
      'thanos-store',
    ]);
    // The objstore config every Thanos component reads belongs to none of them.
    expect(filesUnder(join(dir, 'namespace'))).toEqual(['ConfigMap-thanos-objstore.yaml']);
    expect(filesUnder(join(dir, 'cluster'))).toEqual([
      'ClusterRole-monitoring-prometheus.yaml',
      'ClusterRoleBinding-monitoring-prometheus.yaml',
      'Namespace-monitoring.yaml',
    ]);
    expect(files).toContain('prometheus/StatefulSet-prometheus.yaml');
    expect(files).toContain('thanos-query/Deployment-thanos-query.yaml');
  });

  test('writes a kustomization listing every object file once, in apply order, the Namespace first', () => {
    const { apiVersion, kind, resources } = kustomizationOf(dir);
    expect({ apiVersion, kind }).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' });
    expect(resources[0]).toBe('cluster/Namespace-monitoring.yaml');
    expect(new Set(resources).size).toBe(resources.length);
    expect([...resources].sort()).toEqual(files);
    // The synthesis order (dependencies first) is kept after the Namespace.
    const synthOrder = expected.filter((o) => o.kind !== 'Namespace').map((o) => `${o.kind}-${o.metadata.name}.yaml`);
    expect(resources.slice(1).map((r) => r.split('/')[1])).toEqual(synthOrder);
  });

  test('kustomize builds exactly the synthesized objects from it (when kubectl is installed)', () => {
    const kubectl = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    if (kubectl.error) return console.warn('kubectl not found: the kustomization was not built');
    expect(kubectl.stderr).toBe('');
    const key = (o: Manifest) => `${o.kind}/${o.metadata.name}`;
    const built = parseAllDocuments(kubectl.stdout).map((d) => d.toJSON() as Manifest);
    expect(built.map(key).sort()).toEqual(expected.map(key).sort());
    for (const o of built) expect(o).toEqual(expected.find((e) => key(e) === key(o)));
  });

  test('can leave the kustomization out', () => {
    expect(filesUnder(synthTo({ layout: OutputLayout.FOLDER_PER_COMPONENT, kustomization: false }))).toEqual(files);
  });

  test('puts namespaced objects without a component label in namespace/', () => {
    const out = synthTo({ layout: OutputLayout.FOLDER_PER_COMPONENT }, (outdir) => {
      const app = new App({ outdir });
      const chart = new Chart(app, 'extra', { namespace: 'monitoring' });
      new k8s.KubeConfigMap(chart, 'Config', { metadata: { name: 'dashboards-extra' }, data: { a: 'b' } });
      return app;
    });
    expect(filesUnder(out)).toEqual([KUSTOMIZATION_FILE, 'namespace/ConfigMap-dashboards-extra.yaml']);
  });
});

describe('determinism and all-or-nothing writes', () => {
  test.each([OutputLayout.FILE_PER_CHART, OutputLayout.FOLDER_PER_COMPONENT])('two runs of %s are byte-identical', (layout) => {
    const a = synthTo({ layout, kustomization: true });
    const b = synthTo({ layout, kustomization: true });
    expect(filesUnder(b)).toEqual(filesUnder(a));
    for (const f of filesUnder(a)) expect(readFileSync(join(b, f), 'utf8')).toBe(readFileSync(join(a, f), 'utf8'));
  });

  test('a second run leaves exactly its own output (no stale object file, folder or chart file)', () => {
    const dir = synthTo({ layout: OutputLayout.FOLDER_PER_COMPONENT });
    const fresh = filesUnder(dir);
    writeFileSync(join(dir, 'prometheus', 'ConfigMap-removed.yaml'), 'stale');
    mkdirSync(join(dir, 'removed-component'));
    writeFileSync(join(dir, 'removed-component', 'Service-old.yaml'), 'stale');
    writeFileSync(join(dir, 'renamed-chart.k8s.yaml'), 'stale');
    synthesize(buildApp, dir, { layout: OutputLayout.FOLDER_PER_COMPONENT });
    expect(filesUnder(dir)).toEqual(fresh);
  });

  test('an outdir holding anything but YAML is refused and left as it was (it is replaced as a whole)', () => {
    const dir = synthTo();
    writeFileSync(join(dir, 'README.md'), 'mine');
    expect(() => synthesize(buildApp, dir)).toThrow(/out-\d+ holds README\.md, which synthesis does not write; .*give synthesize a folder of its own/);
    expect(filesUnder(dir)).toEqual(['README.md', 'monitoring.k8s.yaml']);
  });

  test('a build function that ignores the outdir it is given is an error, and nothing is written', () => {
    const outdir = join(work, 'ignored');
    expect(() => synthesize(() => new App({ outdir: join(work, 'elsewhere') }), outdir)).toThrow(
      /created its App with outdir .*elsewhere, not the one it was given/,
    );
    expect(existsSync(outdir)).toBe(false);
    expect(existsSync(join(work, 'elsewhere'))).toBe(false);
  });

  test('no staging folder is left beside the outdir', () => {
    synthTo();
    expect(readdirSync(work).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  test.each([OutputLayout.FILE_PER_CHART, OutputLayout.FOLDER_PER_COMPONENT])('bad input with %s writes nothing and reports every problem', (layout) => {
    const outdir = join(work, `bad-${layout}`);
    mkdirSync(outdir);
    writeFileSync(join(outdir, 'monitoring.k8s.yaml'), 'previous');
    const bad = (o: string) => {
      const app = new App({ outdir: o });
      new ThanosStack(new Chart(app, 'monitoring', { namespace: 'monitoring' }), 'Thanos', { compactor: { replicas: 2 }, query: { replicas: 0 } });
      return app;
    };
    expect(() => synthesize(bad, outdir, { layout })).toThrow(/Validation failed[\s\S]*Compactor\] replicas 2[\s\S]*Query\] replicas 0/);
    expect(readdirSync(outdir)).toEqual(['monitoring.k8s.yaml']);
    expect(readFileSync(join(outdir, 'monitoring.k8s.yaml'), 'utf8')).toBe('previous');
  });

  test('two objects that would share a file are reported, and nothing is written', () => {
    const outdir = join(work, 'clash');
    const twoNamespaces = (o: string) => {
      const app = new App({ outdir: o });
      new ThanosStack(new Chart(app, 'eu1', { namespace: 'eu1' }), 'Thanos', {
        prometheus: { externalLabels: { cluster: 'eu1' } },
        ruler: { externalLabels: { ruler: 'eu1' } },
      });
      new ThanosStack(new Chart(app, 'us1', { namespace: 'us1' }), 'Thanos', {
        prometheus: { externalLabels: { cluster: 'us1' } },
        ruler: { externalLabels: { ruler: 'us1' } },
      });
      return app;
    };
    expect(() => synthesize(twoNamespaces, outdir, { layout: OutputLayout.FOLDER_PER_COMPONENT })).toThrow(
      /\[layout\] two objects would be written to prometheus\/StatefulSet-prometheus\.yaml: StatefulSet eu1\/prometheus and StatefulSet us1\/prometheus; synthesize each namespace to its own outdir/,
    );
    expect(existsSync(outdir)).toBe(false);
    // One file per chart has no such clash.
    synthesize(twoNamespaces, outdir);
    expect(filesUnder(outdir)).toEqual(['eu1.k8s.yaml', 'us1.k8s.yaml']);
  });

  test('synthesizeOrExit takes the layout and exits 1 on bad input without writing', () => {
    const outdir = join(work, 'or-exit');
    synthesizeOrExit(buildApp, outdir, { layout: OutputLayout.FOLDER_PER_COMPONENT });
    expect(readdirSync(outdir)).toContain(KUSTOMIZATION_FILE);

    const exit = jest.spyOn(process, 'exit').mockImplementation((() => {
      throw new Error('exit');
    }) as never);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const failed = join(work, 'or-exit-bad');
      expect(() =>
        synthesizeOrExit(
          (o) => {
            const app = new App({ outdir: o });
            new ThanosStack(new Chart(app, 'monitoring', { namespace: 'monitoring' }), 'Thanos', { compactor: { replicas: 2 } });
            return app;
          },
          failed,
          { layout: OutputLayout.FOLDER_PER_COMPONENT },
        ),
      ).toThrow('exit');
      expect(exit).toHaveBeenCalledWith(1);
      // A warning (this stack's alerts reach nobody) may come first.
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(
        /^cdk8s-thanos: 1 problem in the stack, nothing was written:\n {2}- \[monitoring\/Thanos\/Compactor\] replicas 2/m,
      );
      expect(existsSync(failed)).toBe(false);
    } finally {
      exit.mockRestore();
      stderr.mockRestore();
    }
  });
});

describe('work done once per synthesis', () => {
  test.each([OutputLayout.FILE_PER_CHART, OutputLayout.FOLDER_PER_COMPONENT])(
    '%s validates each construct once and renders each object once, over several charts, and the tree is left as it was',
    (layout) => {
      let validations = 0;
      let renders = 0;
      let app: App | undefined;
      const counted: k8s.KubeConfigMap[] = [];
      const outdir = synthTo({ layout }, (dir) => {
        app = new App({ outdir: dir });
        for (const name of ['one', 'two']) {
          const chart = new Chart(app, name, { namespace: name });
          chart.node.addValidation({ validate: () => (validations++, []) });
          const cm = new k8s.KubeConfigMap(chart, 'Counted', { metadata: { name: 'counted', labels: { 'app.kubernetes.io/name': name } } });
          const toJson = cm.toJson.bind(cm);
          cm.toJson = () => (renders++, toJson());
          counted.push(cm);
        }
        return app;
      });
      expect({ validations, renders }).toEqual({ validations: 2, renders: 2 });
      expect(filesUnder(outdir).length).toBeGreaterThan(0);
      // Outside synthesize, validation and rendering are as the app left them.
      app!.node.findAll().forEach((c) => c.node.validate());
      counted.forEach((cm) => cm.toJson());
      expect({ validations, renders }).toEqual({ validations: 4, renders: 4 });
    },
  );
});
