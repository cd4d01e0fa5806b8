/**
 * The invariants that span constructs live in src/private/invariants.ts (#12): every message of one comes from
 * there, only it validates a whole chart or app, each check is armed once per chart and app and computed
 * afresh in each validation pass, and the name limits components derive from it are exactly Kubernetes'.
 */
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { Secret, ServiceType } from 'cdk8s-plus-27';
import { IConstruct, Node } from 'constructs';
import { MonitoringChart } from '../../main';
import { buildFleet } from '../../bench/fleet';
import {
  Alertmanager,
  Memcached,
  MinIO,
  Prometheus,
  S3Credentials,
  S3ObjectStorage,
  SeaweedFS,
  ThanosCompactor,
  ThanosQuery,
  ThanosRuler,
  ThanosStore,
} from '../../src';
import { MAX_STATEFULSET_NAME } from '../../src/private/invariants';
import { Manifest, problems } from '../support/util';

const SRC = join(__dirname, '..', '..', 'src');
const INVARIANTS = 'private/invariants.ts';

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && e.name !== 'flags.generated.ts' ? [path] : [];
  });
}

describe('one place to grep', () => {
  // A distinctive part of each invariant's message.
  test.each([
    ['unique object names per chart', 'is defined by both'],
    ['unique external label sets', 'are the same as those of'],
    ['replica labels apart from external labels', 'where it tells Prometheus instances apart'],
    ['one compactor per bucket', 'is also compacted by'],
    ['shards on one label', 'split on different labels'],
    ['disjoint shards', 'give each value to one shard only'],
    ['shards cover the bucket', 'no compactor shard'],
    ['unique scrape job names per Prometheus', 'Prometheus refuses to load a config with duplicate job_name'],
  ])('%s: its message is written only in invariants.ts', (_, fragment) => {
    const files = sources()
      .filter((f) => readFileSync(f, 'utf8').includes(fragment))
      .map((f) => relative(SRC, f));
    expect(files).toEqual([INVARIANTS]);
  });

  /** The construct of a node. */
  const constructOf = (n: Node): IConstruct => (n.scope ? n.scope.node.findChild(n.id) : n.root);

  /** Where each validation added to a Chart or an App while building every shipped stack was added from. */
  function chartAndAppValidations(): Map<IConstruct, string[]> {
    const callers = new Map<IConstruct, string[]>();
    const original = Node.prototype.addValidation;
    const spy = jest.spyOn(Node.prototype, 'addValidation').mockImplementation(function (this: Node, validation) {
      const c = constructOf(this);
      if (Chart.isChart(c) || c instanceof App) {
        // The first frame in src/ is the code that asked (ts-jest maps frames to the .ts sources).
        const frame = (new Error().stack ?? '').split('\n').find((l) => l.includes(SRC));
        const where = frame ? relative(SRC, /\((.*):\d+:\d+\)$/.exec(frame)?.[1] ?? frame) : '(not src)';
        callers.set(c, [...(callers.get(c) ?? []), where]);
      }
      return original.call(this, validation);
    });
    try {
      Testing.synth(new MonitoringChart(Testing.app(), 'monitoring'));
      buildFleet(3).charts.forEach((c) => c.toJson());
      const examples = join(__dirname, '..', '..', 'examples');
      for (const name of readdirSync(examples).filter((d) => existsSync(join(examples, d, 'cdk8s.yaml')))) {
        (require(join(examples, name, 'main.ts')).buildApp() as App).charts.forEach((c) => c.toJson());
      }
    } finally {
      spy.mockRestore();
    }
    return callers;
  }

  test('only invariants.ts validates a whole chart or app, once per chart and once per app', () => {
    const callers = chartAndAppValidations();
    const charts = [...callers.keys()].filter((c) => Chart.isChart(c));
    const apps = [...callers.keys()].filter((c) => c instanceof App);
    expect(charts.length).toBeGreaterThan(5);
    expect(apps.length).toBeGreaterThan(2);
    for (const where of callers.values()) expect(where).toEqual([INVARIANTS]);
  });

  test('no source adds a validation to a chart or app outside invariants.ts', () => {
    // Every addValidation call in src/ and what it is called on: a new one is reviewed here.
    const calls = sources().flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/([\w.()]+)\.node\.addValidation\(/g)].map((m) => `${relative(SRC, f)}: ${m[1]}`),
    );
    expect(calls.sort()).toEqual([
      `${INVARIANTS}: chart`,
      `${INVARIANTS}: root`,
      'private/kubernetes.ts: first', // renderFirst: one object, ordering (no check)
      'private/problems.ts: scope', // validateWith: one construct's own problems
      'private/problems.ts: scope',
      'private/warnings.ts: scope', // warnAtSynth: one construct's warning
    ]);
  });
});

describe('each validation pass checks the app as it is then', () => {
  test('a twin added after a passing synth fails the next one', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
    new Prometheus(chart, 'Eu1', { name: 'eu1', externalLabels: { cluster: 'eu1' } });
    expect(() => Testing.synth(chart)).not.toThrow();
    new Prometheus(chart, 'Eu1Again', { name: 'eu1-again', externalLabels: { cluster: 'eu1' } });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/Eu1Again\] external labels \{"cluster":"eu1"\} are the same as those of test\/Eu1/);
  });

  test('a twin removed after a failing synth lets the next one pass', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
    const bucket = (id: string) =>
      new S3ObjectStorage(chart, id, {
        bucket: 'thanos',
        endpoint: 'minio.monitoring.svc:9000',
        insecure: true,
        configMapName: `objstore-${id.toLowerCase()}`,
        credentials: S3Credentials.fromSecret(Secret.fromSecretName(chart, `${id}Secret`, 'thanos-objstore')),
      });
    new ThanosCompactor(chart, 'First', { name: 'first', objectStorage: bucket('A') });
    new ThanosCompactor(chart, 'Second', { name: 'second', objectStorage: bucket('B') });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/First\] bucket .* is also compacted by test\/Second/);
    chart.node.tryRemoveChild('Second');
    expect(() => Testing.synth(chart)).not.toThrow();
  });
});

describe('name limits are the Kubernetes rules', () => {
  // Written out here, not imported, so that a wrong constant in invariants.ts cannot agree with itself.
  const LABEL_VALUE = 63;
  const DNS_LABEL = 63;
  // kubernetes/kubernetes#64023: a StatefulSet's pods are labelled controller-revision-hash: <name>-<hash of a uint32>.
  const revisionHashLabel = (statefulSet: string) => `${statefulSet}-${2 ** 32 - 1}`;

  test('a StatefulSet name leaves room for "-" and the 10-digit revision hash in a label value', () => {
    expect(revisionHashLabel('a'.repeat(MAX_STATEFULSET_NAME)).length).toBe(LABEL_VALUE);
    expect(MAX_STATEFULSET_NAME).toBe(52);
  });

  const bucket = (c: Chart) =>
    new S3ObjectStorage(c, 'Bucket', {
      bucket: 'thanos',
      endpoint: 'minio.monitoring.svc:9000',
      insecure: true,
      credentials: S3Credentials.fromSecret(Secret.fromSecretName(c, 'S', 'thanos-objstore')),
    });
  const credentials = (c: Chart) => Secret.fromSecretName(c, 'Creds', 'thanos-objstore');

  /** How far an object's name is from the rule its kind is under: a StatefulSet's revision label, a Job's pods' job-name label, a Service's DNS label. */
  const nameSlack = (o: Manifest): number => {
    if (o.kind === 'StatefulSet') return LABEL_VALUE - revisionHashLabel(o.metadata.name).length;
    if (o.kind === 'Job') return LABEL_VALUE - o.metadata.name.length;
    if (o.kind === 'Service') return DNS_LABEL - o.metadata.name.length;
    return Infinity;
  };
  /** Longest label value of an object and its pod template. */
  const longestLabel = (o: Manifest): number =>
    Math.max(0, ...[o.metadata.labels, o.spec?.template?.metadata?.labels].flatMap((l) => Object.values(l ?? {}) as string[]).map((v) => v.length));

  test.each<[string, (c: Chart, name: string) => void]>([
    ['Prometheus', (c, name) => new Prometheus(c, 'P', { name })],
    [
      'Prometheus with an external sidecar Service',
      (c, name) =>
        new Prometheus(c, 'P', { name, sidecarServiceType: ServiceType.LOAD_BALANCER, sourceRanges: ['198.51.100.0/24'], acknowledgePlaintextExposure: true }),
    ],
    ['Alertmanager', (c, name) => new Alertmanager(c, 'AM', { name })],
    ['ThanosRuler', (c, name) => new ThanosRuler(c, 'Ruler', { name, query: new ThanosQuery(c, 'Query') })],
    ['ThanosCompactor', (c, name) => new ThanosCompactor(c, 'Compactor', { name, objectStorage: bucket(c) })],
    ['ThanosStore with 12 shards', (c, name) => new ThanosStore(c, 'Store', { name, objectStorage: bucket(c), shards: 12 })],
    ['Memcached', (c, name) => new Memcached(c, 'Cache', { name })],
    ['MinIO', (c, name) => new MinIO(c, 'MinIO', { name, credentials: credentials(c) })],
    ['SeaweedFS', (c, name) => new SeaweedFS(c, 'SeaweedFS', { name, credentials: credentials(c) })],
  ])('%s: the longest name it accepts fits every rule, and one of them exactly', (_, build) => {
    const refused = (n: number) => problems((c) => build(c, 'a'.repeat(n))).some((p) => p.includes('is not a valid name'));
    let longest = DNS_LABEL + 1;
    while (refused(longest)) longest--;
    expect(refused(longest + 1)).toBe(true);
    expect(problems((c) => build(c, 'a'.repeat(longest)))).toEqual([]);

    const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
    build(chart, 'a'.repeat(longest));
    const objects = Testing.synth(chart) as Manifest[];
    const slack = objects.map((o) => Math.min(nameSlack(o), LABEL_VALUE - longestLabel(o)));
    expect(Math.min(...slack)).toBe(0);
  });
});
