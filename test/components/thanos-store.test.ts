import { Chart, Size } from 'cdk8s';
import { Cpu, Secret } from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { NetworkPeer } from '../../src/wiring/connections';
import { S3Credentials, S3ObjectStorage, IObjectStorage } from '../../src/wiring/object-storage';
import { Prometheus } from '../../src/components/prometheus';
import { Resources, SizePreset } from '../../src/config/resources';
import { IndexCache, ThanosStore, ThanosStoreProps, TimePartition } from '../../src/components/thanos-store';
import { expectValid } from '../harness';
import { containerOf, find, flag, flags, Manifest, problems, synth, ownEnv } from '../support/util';

const HARNESS = {
  externalSecrets: [{ name: 'thanos-objstore', keys: ['access_key', 'secret_key'] }],
  externalServices: ['minio.monitoring', 'memcached.monitoring'],
};

function bucket(chart: Chart): IObjectStorage {
  return new S3ObjectStorage(chart, 'Bucket', {
    bucket: 'thanos',
    endpoint: 'minio.monitoring.svc:9000',
    insecure: true,
    credentials: S3Credentials.fromSecret(Secret.fromSecretName(chart, 'S', 'thanos-objstore')),
  });
}

function store(chart: Chart, props: Partial<ThanosStoreProps> = {}): ThanosStore {
  return new ThanosStore(chart, 'Store', { objectStorage: bucket(chart), ...props });
}

const statefulSets = (objects: Manifest[]) => objects.filter((o) => o.kind === 'StatefulSet');
const argsOf = (sts: Manifest): string[] => containerOf(sts, 'thanos-store').args;
const SELECTOR = { 'app.kubernetes.io/name': 'thanos-store', 'app.kubernetes.io/instance': 'thanos-store' };

describe('ThanosStore defaults', () => {
  let construct!: ThanosStore;
  const objects = synth((c) => {
    construct = store(c);
  });
  const sts = find(objects, 'StatefulSet', 'thanos-store');
  const c = containerOf(sts, 'thanos-store');

  test('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('passes the manifest validation harness', () => {
    expectValid(objects, HARNESS);
  });

  test('renders exactly the expected objects', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/thanos-objstore',
      'NetworkPolicy/thanos-store',
      'PodDisruptionBudget/thanos-store',
      'Service/thanos-store',
      'ServiceAccount/thanos-store',
      'StatefulSet/thanos-store',
    ]);
  });

  test('args: exactly the store flags expected', () => {
    expect(c.image).toBe('quay.io/thanos/thanos:v0.42.4');
    expect(c.args).toEqual([
      'store',
      '--data-dir=/var/thanos/store',
      '--grpc-address=0.0.0.0:10901',
      '--http-address=0.0.0.0:10902',
      '--objstore.config-file=/etc/thanos/objstore/objstore.yml',
      '--index-cache.config=type: IN-MEMORY\nconfig:\n  max_size: 256MiB\n',
      '--chunk-pool-size=256MiB',
      '--store.enable-index-header-lazy-reader',
      // 40% of the 1024Mi limit at 1 KiB per series; the 256MiB chunk pool at 2 bytes per sample.
      '--store.limits.request-series=418816',
      '--store.limits.request-samples=134217728',
    ]);
  });

  test("the chunk pool is a quarter of the memory limit, not Thanos' 2GB default", () => {
    const large = synth((chart) =>
      store(chart, { resources: Resources.of({ cpu: Cpu.millis(500), memory: Size.gibibytes(4), memoryLimit: Size.gibibytes(8) }) }),
    );
    expect(flag(containerOf(find(large, 'StatefulSet', 'thanos-store'), 'thanos-store').args, '--chunk-pool-size')).toBe('2048MiB');
  });

  test('the index cache config is valid YAML Thanos understands', () => {
    expect(parse(flag(c.args, '--index-cache.config') as string)).toEqual({ type: 'IN-MEMORY', config: { max_size: '256MiB' } });
  });

  test('two replicas with a PDB and spread, claims retained, 10Gi data claim at the data dir', () => {
    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(find(objects, 'PodDisruptionBudget', 'thanos-store').spec.maxUnavailable).toBe(1);
    expect(sts.spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    expect(sts.spec.volumeClaimTemplates).toHaveLength(1);
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    expect(c.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/thanos/store' });
    expect(sts.spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['objstore']);
  });

  test('one headless Service with grpc and http, governing the StatefulSet', () => {
    const svc = find(objects, 'Service', 'thanos-store');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['grpc', 10901],
      ['http', 10902],
    ]);
    expect(svc.spec.selector).toEqual(SELECTOR);
    expect(sts.spec.serviceName).toBe('thanos-store');
    expect(sts.spec.selector.matchLabels).toEqual(SELECTOR);
  });

  test('StoreAPI: dnssrv address of the headless Service, no replica labels', () => {
    expect(construct.storeApiAddress).toBe('dnssrv+_grpc._tcp.thanos-store.monitoring.svc');
    expect(construct.storeApiPort).toBe(10901);
    expect(construct.replicaLabels).toEqual([]);
    expect(construct.statefulSetNames).toEqual(['thanos-store']);
    expect(construct.scrapeEndpoints).toEqual([
      { jobName: 'thanos-store', serviceName: 'thanos-store', namespace: 'monitoring', port: { name: 'http', port: 10902 } },
    ]);
  });

  test('probes: slow startup on /-/ready (the initial block sync), then liveness and readiness', () => {
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/-/ready', port: 'http' }, periodSeconds: 10, failureThreshold: 60 });
    expect(c.livenessProbe.httpGet.path).toBe('/-/healthy');
    expect(c.readinessProbe.httpGet.path).toBe('/-/ready');
  });

  test('credentials from the Secret, objstore mounted, pods roll when the objstore config changes', () => {
    expect(ownEnv(c).map((e: any) => e.valueFrom.secretKeyRef)).toEqual([
      { name: 'thanos-objstore', key: 'access_key' },
      { name: 'thanos-objstore', key: 'secret_key' },
    ]);
    expect(c.volumeMounts).toContainEqual({ name: 'objstore', mountPath: '/etc/thanos/objstore', readOnly: true });
    expect(sts.spec.template.metadata.annotations['checksum/objstore']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('restricted security, small resources, grace period for in-flight queries', () => {
    const pod = sts.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, fsGroup: 65534 });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '1024Mi' }, limits: { memory: '1024Mi' } });
    // 40s drain (queriers re-resolve dnssrv+ every 30s) + 2m gRPC + 2m HTTP grace + 10s to exit.
    expect(pod.terminationGracePeriodSeconds).toBe(290);
    expect(pod.containers[0].lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '40'] } } });
    expect(pod.serviceAccountName).toBe('thanos-store');
  });

  test('NetworkPolicy: egress to the bucket port, no ingress until wired', () => {
    const np = find(objects, 'NetworkPolicy', 'thanos-store').spec;
    expect(np.podSelector.matchLabels).toEqual(SELECTOR);
    // minio.monitoring.svc is a cluster DNS name: its namespace by selector (ipBlock does not match pods on Cilium).
    expect(np.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      ports: [{ protocol: 'TCP', port: 9000 }],
    });
    expect(np.ingress).toEqual([]);
  });
});

describe('ThanosStore shards, partitions and replicas', () => {
  let construct!: ThanosStore;
  const objects = synth((c) => {
    construct = store(c, {
      shards: 3,
      replicas: 2,
      timePartitions: [TimePartition.of({ maxTime: '-2w' }), TimePartition.of({ minTime: '-3w' })],
      indexCache: IndexCache.memcached({ addresses: ['dnssrvnoa+_memcached._tcp.memcached.monitoring.svc'] }),
    });
  });

  test('passes the manifest validation harness', () => {
    expectValid(objects, HARNESS);
  });

  test('one StatefulSet per partition x shard, named t<partition>-<shard>', () => {
    expect(statefulSets(objects).map((s) => s.metadata.name)).toEqual([
      'thanos-store-t0-0',
      'thanos-store-t0-1',
      'thanos-store-t0-2',
      'thanos-store-t1-0',
      'thanos-store-t1-1',
      'thanos-store-t1-2',
    ]);
    expect(construct.statefulSetNames).toHaveLength(6);
  });

  test('each shard keeps its hashmod share of __block_id', () => {
    const sts = find(objects, 'StatefulSet', 'thanos-store-t1-2');
    const relabel = parse(flag(argsOf(sts), '--selector.relabel-config') as string);
    expect(relabel).toEqual([
      { action: 'hashmod', source_labels: ['__block_id'], target_label: 'shard', modulus: 3 },
      { action: 'keep', source_labels: ['shard'], regex: '2' },
    ]);
  });

  test('each partition serves its time range', () => {
    const t0 = argsOf(find(objects, 'StatefulSet', 'thanos-store-t0-0'));
    const t1 = argsOf(find(objects, 'StatefulSet', 'thanos-store-t1-0'));
    expect(flag(t0, '--max-time')).toBe('-2w');
    expect(flag(t0, '--min-time')).toBeUndefined();
    expect(flag(t1, '--min-time')).toBe('-3w');
    expect(flag(t1, '--max-time')).toBeUndefined();
  });

  test('one shared headless Service selects every shard; shard labels only on StatefulSets and pods', () => {
    expect(objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name)).toEqual(['thanos-store']);
    expect(find(objects, 'Service', 'thanos-store').spec.selector).toEqual(SELECTOR);
    for (const sts of statefulSets(objects)) {
      expect(sts.spec.serviceName).toBe('thanos-store');
      const own = { 'store.thanos.io/time-partition': sts.metadata.name.split('-')[2], 'store.thanos.io/shard': `shard-${sts.metadata.name.split('-')[3]}` };
      expect(sts.spec.selector.matchLabels).toEqual({ ...SELECTOR, ...own });
      expect(sts.spec.template.metadata.labels).toMatchObject({ ...SELECTOR, ...own });
      expect(sts.metadata.labels).toMatchObject(own);
    }
  });

  test('replicas > 1: a PDB and spread per StatefulSet, on its own selector', () => {
    const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
    expect(pdbs.map((p) => p.metadata.name)).toEqual(statefulSets(objects).map((s) => s.metadata.name));
    const sts = find(objects, 'StatefulSet', 'thanos-store-t0-1');
    expect(sts.spec.replicas).toBe(2);
    expect(find(objects, 'PodDisruptionBudget', 'thanos-store-t0-1').spec.selector.matchLabels).toEqual(sts.spec.selector.matchLabels);
    expect(sts.spec.template.spec.topologySpreadConstraints[0].labelSelector.matchLabels).toEqual(sts.spec.selector.matchLabels);
  });

  test('the scrape job covers every shard through the one Service', () => {
    expect(construct.scrapeEndpoints).toHaveLength(1);
  });

  test('shards alone: thanos-store-<i>, no time flags', () => {
    const o = synth((c) => store(c, { shards: 2 }));
    expect(statefulSets(o).map((s) => s.metadata.name)).toEqual(['thanos-store-0', 'thanos-store-1']);
    expect(flag(argsOf(statefulSets(o)[0]), '--min-time')).toBeUndefined();
    expect(statefulSets(o)[1].spec.selector.matchLabels).toEqual({ ...SELECTOR, 'store.thanos.io/shard': 'shard-1' });
  });

  test('partitions alone: thanos-store-t<i>, no shard selector', () => {
    const o = synth((c) =>
      store(c, { timePartitions: [TimePartition.of({ maxTime: '2024-01-01T00:00:00Z' }), TimePartition.of({ minTime: '2023-12-31T00:00:00Z' })] }),
    );
    expect(statefulSets(o).map((s) => s.metadata.name)).toEqual(['thanos-store-t0', 'thanos-store-t1']);
    expect(flag(argsOf(statefulSets(o)[0]), '--selector.relabel-config')).toBeUndefined();
    expect(flag(argsOf(statefulSets(o)[1]), '--min-time')).toBe('2023-12-31T00:00:00Z');
  });

  test('a single partition keeps the plain name and gets its flags', () => {
    const o = synth((c) => store(c, { timePartitions: [TimePartition.of({ minTime: '-26w', maxTime: '-1h' })] }));
    const sts = find(o, 'StatefulSet', 'thanos-store');
    expect(flags(argsOf(sts), '--min-time')).toEqual(['-26w']);
    expect(flags(argsOf(sts), '--max-time')).toEqual(['-1h']);
  });
});

describe('ThanosStore options', () => {
  test('memcached index cache: config, egress to the peer on the address ports', () => {
    const memcached = NetworkPeer.pods({ app: 'memcached' });
    const o = synth((c) =>
      store(c, {
        indexCache: IndexCache.memcached({ addresses: ['dnssrvnoa+_memcached._tcp.memcached.monitoring.svc', 'cache-0.cache:11311'], networkPeer: memcached }),
      }),
    );
    const args = argsOf(find(o, 'StatefulSet', 'thanos-store'));
    expect(parse(flag(args, '--index-cache.config') as string)).toEqual({
      type: 'MEMCACHED',
      config: { addresses: ['dnssrvnoa+_memcached._tcp.memcached.monitoring.svc', 'cache-0.cache:11311'] },
    });
    expect(flag(args, '--index-cache-size')).toBeUndefined();
    const egress = find(o, 'NetworkPolicy', 'thanos-store').spec.egress;
    expect(egress).toContainEqual({ to: [{ podSelector: { matchLabels: { app: 'memcached' } } }], ports: [{ protocol: 'TCP', port: 11211 }] });
    expect(egress).toContainEqual({ to: [{ podSelector: { matchLabels: { app: 'memcached' } } }], ports: [{ protocol: 'TCP', port: 11311 }] });
    expect(o.filter((x) => /memcached/.test(x.metadata.name))).toEqual([]);
  });

  test('in-memory cache size', () => {
    const o = synth((c) => store(c, { indexCache: IndexCache.inMemory(Size.gibibytes(1)), size: SizePreset.MEDIUM }));
    expect(parse(flag(argsOf(find(o, 'StatefulSet', 'thanos-store')), '--index-cache.config') as string).config.max_size).toBe('1024MiB');
  });

  test('ephemeral storage: an emptyDir sized storageSize, no claim template', () => {
    const o = synth((c) => store(c, { ephemeralStorage: true, storageSize: Size.gibibytes(5) }));
    const sts = find(o, 'StatefulSet', 'thanos-store');
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'data', emptyDir: { sizeLimit: '5Gi' } });
    expect(containerOf(sts, 'thanos-store').volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/thanos/store' });
  });

  test('name, image, storage class, resources, no NetworkPolicy', () => {
    let s!: ThanosStore;
    const o = synth((c) => {
      s = store(c, {
        name: 'thanos-store-eu1',
        image: 'example.com/thanos:v1',
        storageClassName: 'ssd',
        storageSize: Size.gibibytes(30),
        networkPolicy: false,
        resources: Resources.of({ cpu: Cpu.millis(500), memory: Size.gibibytes(2) }),
      });
    });
    const sts = find(o, 'StatefulSet', 'thanos-store-eu1');
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'ssd', resources: { requests: { storage: '30Gi' } } });
    expect(containerOf(sts, 'thanos-store').image).toBe('example.com/thanos:v1');
    expect(containerOf(sts, 'thanos-store').resources.requests).toEqual({ cpu: '500m', memory: '2048Mi' });
    expect(o.filter((x) => x.kind === 'NetworkPolicy')).toEqual([]);
    expect(s.storeApiAddress).toBe('dnssrv+_grpc._tcp.thanos-store-eu1.monitoring.svc');
  });

  test('Prometheus scraping the store opens the store NetworkPolicy on http', () => {
    const o = synth((c) => new Prometheus(c, 'P', { annotationDiscovery: false }).scrape(store(c)));
    const ingress = find(o, 'NetworkPolicy', 'thanos-store').spec.ingress;
    expect(ingress).toEqual([
      {
        from: [
          expect.objectContaining({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': 'prometheus' } } }),
        ],
        ports: [{ protocol: 'TCP', port: 10902 }],
      },
    ]);
  });
});

describe('ThanosStore validation', () => {
  const cases: Array<[string, Partial<ThanosStoreProps>, RegExp]> = [
    ['zero replicas', { replicas: 0 }, /replicas 0 is not valid: use a whole number in 1-100/],
    ['fractional shards', { shards: 1.5 }, /shards 1.5 is not a valid shard count: use a whole number >= 1/],
    ['zero shards', { shards: 0 }, /shards 0 is not a valid shard count/],
    ['an invalid name', { name: 'Thanos_Store' }, /name "Thanos_Store" is not a valid name/],
    ['a name too long for its shard suffixes', { name: 's'.repeat(50), shards: 12 }, /is not a valid name: use at most 49/],
    ['a malformed time', { timePartitions: [TimePartition.of({ minTime: '2 weeks ago' })] }, /time partition minTime "2 weeks ago" is not a Thanos time/],
    [
      'a date without time zone',
      { timePartitions: [TimePartition.of({ maxTime: '2024-01-01T00:00:00' })] },
      /maxTime "2024-01-01T00:00:00" is not a Thanos time/,
    ],
    [
      'an empty partition',
      { timePartitions: [TimePartition.of({ minTime: '-1w', maxTime: '-2w' })] },
      /time partition \{minTime: -1w, maxTime: -2w\} is empty: minTime must be before maxTime/,
    ],
    [
      'a gap between partitions',
      { timePartitions: [TimePartition.of({ maxTime: '-4w' }), TimePartition.of({ minTime: '-2w' })] },
      /leave a gap no store serves/,
    ],
    [
      'a gap between mixed absolute and relative bounds',
      {
        timePartitions: [TimePartition.of({ maxTime: '2000-01-01T00:00:00Z' }), TimePartition.of({ minTime: '-1w' })],
      },
      /leave a gap/,
    ],
    ['memcached without addresses', { indexCache: IndexCache.memcached({ addresses: [] }) }, /indexCache memcached has no addresses/],
    [
      'a memcached address without a port',
      { indexCache: IndexCache.memcached({ addresses: ['memcached.monitoring.svc'] }) },
      /has no port: write "memcached.monitoring.svc:11211"/,
    ],
    [
      'an in-memory cache as large as the memory limit',
      { indexCache: IndexCache.inMemory(Size.gibibytes(1)) },
      /indexCache \(in memory\) 1024MiB \+ chunk pool 256MiB = 1280MiB of in-memory caches do not fit a 1024Mi memory limit: caches may hold at most 512MiB/,
    ],
    [
      'a memory limit under the request',
      { resources: Resources.of({ cpu: Cpu.millis(100), memory: Size.gibibytes(2), memoryLimit: Size.gibibytes(1) }) },
      /memory limit 1024Mi is below the request 2048Mi/,
    ],
  ];

  test.each(cases)('rejects %s', (_, props, message) => {
    expect(() => synth((c) => store(c, props))).toThrow(message);
  });

  test('accepts overlapping partitions (upstream recommends a little overlap)', () => {
    expect(
      problems((c) => store(c, { timePartitions: [TimePartition.of({ maxTime: '-2w' }), TimePartition.of({ minTime: '-3w' }), TimePartition.of({})] })),
    ).toEqual([]);
  });

  test('accepts every Thanos time syntax', () => {
    const ok = ['-1d', '2h45m', '-1y2w', '0', '-90s', '2024-02-29T12:00:00.5+02:00'];
    for (const t of ok) expect(problems((c) => store(c, { timePartitions: [TimePartition.of({ minTime: t })] }))).toEqual([]);
  });

  test('reports every problem at once', () => {
    const found = problems((c) => store(c, { replicas: 0, shards: 0, timePartitions: [TimePartition.of({ minTime: 'x' })] }));
    expect(found).toHaveLength(3);
  });
});
