import { Chart, Duration, Size, Testing } from 'cdk8s';
import { Secret, ServiceType } from 'cdk8s-plus-27';
import {
  InClusterObjectStore, IndexCache, LocalCompaction, Receiver, SizePreset, Route, Rule, RuleGroup, S3Credentials, S3ObjectStorage, StoreEndpoint, ThanosCompactor,
  ThanosStack, ThanosStackProps, TimePartition,
} from '../../src';

/** What validation reports for a chart built by `build`, one problem per line. */
function problemsOf(build: (chart: Chart) => void): string[] {
  const chart = new Chart(Testing.app(), 'monitoring', { namespace: 'monitoring' });
  build(chart);
  try {
    Testing.synth(chart);
    return [];
  } catch (e) {
    const message = (e as Error).message;
    expect(message).toMatch(/^Validation failed with the following errors:/);
    return message.split('\n').slice(1).map((l) => l.trim());
  }
}

const stack = (props: ThanosStackProps) => (chart: Chart) => new ThanosStack(chart, 'Thanos', props);

function bucket(chart: Chart, id: string, name: string, endpoint = 's3.eu-west-1.amazonaws.com'): S3ObjectStorage {
  return new S3ObjectStorage(chart, id, {
    bucket: name, endpoint, configMapName: `objstore-${id.toLowerCase()}`,
    credentials: S3Credentials.fromSecret(Secret.fromSecretName(chart, `${id}Secret`, 'thanos-objstore')),
  });
}

/** [what is wrong, how the app is built, construct path, the bad value as reported, the fix it suggests]. */
const CASES: Array<[string, (chart: Chart) => void, string, string, RegExp]> = [
  // Names
  ['invalid Prometheus name', stack({ prometheus: { name: 'Prometheus_Main' } }), 'Thanos/Prometheus', '"Prometheus_Main"', /use at most 48 lower-case letters/],
  ['Prometheus name too long for its Services', stack({ prometheus: { name: 'p'.repeat(49) } }), 'Thanos/Prometheus', 'p'.repeat(49), /use at most 48/],
  ['ruler name too long for a StatefulSet', stack({ ruler: { name: 'r'.repeat(53) } }), 'Thanos/Ruler', 'r'.repeat(53), /use at most 52/],
  ['Prometheus name too long for its external sidecar Service', stack({ prometheus: { name: 'p'.repeat(40), sidecarServiceType: ServiceType.LOAD_BALANCER } }), 'Thanos/Prometheus', 'p'.repeat(40), /use at most 39/],
  ['invalid querier name', stack({ query: { name: 'thanos query' } }), 'Thanos/Query', '"thanos query"', /lower-case letters, digits and '-'/],
  ['invalid store name', stack({ store: { name: '-store' } }), 'Thanos/Store', '"-store"', /starting and ending with a letter or digit/],
  ['invalid MinIO bucket name', stack({ minio: { bucket: 'Thanos_Bucket' } }), 'Thanos/MinIO/ObjectStorage', '"Thanos_Bucket"', /3-63 lower-case letters/],
  // Label keys
  ['external label with a dash', stack({ prometheus: { externalLabels: { 'k8s-cluster': 'eu1' } } }), 'Thanos/Prometheus', '"k8s-cluster"', /match \[a-zA-Z_\]/],
  ['reserved replica label', stack({ prometheus: { replicaLabel: '__replica__' } }), 'Thanos/Prometheus', '"__replica__"', /do not start with "__"/],
  ['empty external labels', stack({ prometheus: { externalLabels: {} } }), 'Thanos/Prometheus', 'externalLabels is empty', /set e\.g\. \{ cluster: "eu1" \}/],
  ['replica label also an external label', stack({ prometheus: { externalLabels: { cluster: 'eu1', replica: 'a' } } }), 'Thanos/Prometheus', '"replica"', /remove it from externalLabels/],
  ['empty external label value', stack({ prometheus: { externalLabels: { cluster: '' } } }), 'Thanos/Prometheus', '"cluster"', /give it a value or remove it/],
  ['invalid querier replica label', stack({ query: { replicaLabels: ['replica-id'] } }), 'Thanos/Query', '"replica-id"', /match \[a-zA-Z_\]/],
  ['invalid compactor dedup label', stack({ compactor: { deduplicationReplicaLabels: ['0replica'] } }), 'Thanos/Compactor', '"0replica"', /match \[a-zA-Z_\]/],
  ['ruler external labels equal to Prometheus', stack({ prometheus: { externalLabels: { cluster: 'eu1' } }, ruler: { externalLabels: { cluster: 'eu1' } } }), 'Thanos/Ruler', '{"cluster":"eu1"}', /change a label value/],
  ['two Prometheus with one label set', (c) => new ThanosStack(c, 'Thanos').addPrometheus('Twin', { name: 'prometheus-twin', externalLabels: { cluster: 'prometheus' } }), 'Thanos/Twin', '{"cluster":"prometheus"}', /change a label value \(e\.g\. cluster\)/],
  // Durations
  ['retention under 3 block durations', stack({ prometheus: { retention: Duration.hours(4) } }), 'Thanos/Prometheus', 'retention 4h', /raise retention/],
  ['5m retention shorter than raw', stack({ compactor: { retentionRaw: Duration.days(90), retention5m: Duration.days(30) } }), 'Thanos/Compactor', 'retention5m 30d', /set retention5m to at least 90d/],
  ['1h retention shorter than 5m', stack({ compactor: { retention5m: Duration.days(180), retention1h: Duration.days(90) } }), 'Thanos/Compactor', 'retention1h 90d', /set retention1h to at least 180d/],
  ['raw retention too short to downsample', stack({ compactor: { retentionRaw: Duration.hours(24) } }), 'Thanos/Compactor', 'retentionRaw 1d', /raise retentionRaw to at least/],
  ['ruler evaluation under a second', stack({ ruler: { evaluationInterval: Duration.millis(100) } }), 'Thanos/Ruler', 'evaluationInterval 100ms', /use e\.g\. Duration\.seconds\(30\)/],
  ['ruler retention too short', stack({ ruler: { retention: Duration.hours(2) } }), 'Thanos/Ruler', 'retention 2h', /use at least Duration\.hours\(6\)/],
  ['zero Alertmanager group interval', stack({ alertmanager: { receivers: [Receiver.none('null')], route: new Route({ receiver: 'null', groupInterval: Duration.seconds(0) }) } }), 'Thanos/Alertmanager', 'groupInterval 0s', /use a positive duration/],
  ['bucket web refresh under a second', stack({ bucketWeb: { refresh: Duration.millis(10) } }), 'Thanos/BucketWeb', 'refresh 10ms', /use e\.g\. Duration\.minutes\(30\)/],
  // Sizes
  ['store index cache as large as its memory', stack({ store: { indexCache: IndexCache.inMemory(Size.gibibytes(4)) } }), 'Thanos/Store', '4096MiB', /lower the cache size or raise resources/],
  // Replicas
  ['two compactors in one StatefulSet', stack({ compactor: { replicas: 2 } }), 'Thanos/Compactor', 'replicas 2', /use replicas: 1/],
  ['zero Prometheus replicas', stack({ prometheus: { replicas: 0 } }), 'Thanos/Prometheus', 'replicas 0', /use a whole number >= 1/],
  ['fractional querier replicas', stack({ query: { replicas: 1.5 } }), 'Thanos/Query', 'replicas 1.5', /use a whole number >= 1/],
  ['zero store shards', stack({ store: { shards: 0 } }), 'Thanos/Store', 'shards 0', /use a whole number >= 1/],
  ['two Grafana replicas', stack({ grafana: { replicas: 2 } }), 'Thanos/Grafana', 'replicas 2', /use replicas: 1/],
  // Endpoints
  ['remote endpoint without a port', stack({ query: { endpoints: [StoreEndpoint.staticAddress('prometheus-eu1.example.com')] } }), 'Thanos/Query', '"prometheus-eu1.example.com"', /has no port/],
  ['remote endpoint with a scheme', stack({ query: { endpoints: [StoreEndpoint.staticAddress('grpc://prometheus-eu1.example.com:10901')] } }), 'Thanos/Query', 'grpc://prometheus-eu1.example.com:10901', /gRPC endpoints take none/],
  ['remote endpoint port out of range', stack({ query: { endpoints: [StoreEndpoint.staticAddress('prometheus-eu1.example.com:70000')] } }), 'Thanos/Query', '70000', /outside 1-65535/],
  ['S3 endpoint with a scheme', (c) => new ThanosStack(c, 'Thanos', { objectStorage: bucket(c, 'Bucket', 'thanos', 'https://s3.amazonaws.com') }), 'Bucket', '"https://s3.amazonaws.com"', /give host or host:port without scheme/],
  ['webhook receiver without a URL', stack({ alertmanager: { receivers: [Receiver.webhook('team', {})] } }), 'Thanos/Alertmanager', '"team"', /needs exactly one of url and urlSecret/],
  ['route to an unknown receiver', stack({ alertmanager: { receivers: [Receiver.none('null')], route: new Route({ receiver: 'pager' }) } }), 'Thanos/Alertmanager', '"pager"', /add it to receivers or use one of \["null"\]/],
  // Conflicting options
  ['ExternalName Service for the querier', stack({ query: { serviceType: ServiceType.EXTERNAL_NAME } }), 'Thanos/Query', 'ExternalName', /use CLUSTER_IP, NODE_PORT or LOAD_BALANCER/],
  ['store on without a bucket', stack({ minio: { enabled: false }, store: { enabled: true } }), 'Thanos', 'store.enabled is true', /give objectStorage or enable the in-cluster store/],
  ['frontend on without a querier', stack({ query: { enabled: false }, queryFrontend: { enabled: true } }), 'Thanos', 'queryFrontend.enabled is true', /enable query, or drop queryFrontend/],
  ['MinIO and an external bucket', (c) => new ThanosStack(c, 'Thanos', { objectStorage: bucket(c, 'Bucket', 'thanos'), minio: { enabled: true } }), 'Thanos', 'minio.enabled is true', /drop objectStorage, or drop minio/],
  ['delayed compaction without uploads', stack({ minio: { enabled: false }, prometheus: { localCompaction: LocalCompaction.DELAYED } }), 'Thanos/Prometheus', 'localCompaction DELAYED', /set objectStorage or drop localCompaction/],
  ['ruler options while the querier is off', stack({ query: { enabled: false }, ruler: { replicas: 2 } }), 'Thanos', 'ruler options are set but ruler is off', /enable query, or drop them/],
  ['store options without a bucket', stack({ minio: { enabled: false }, store: { shards: 3 } }), 'Thanos', 'store options are set but store is off', /give objectStorage or enable the in-cluster store, or drop them/],
  ['MinIO credentials with an external bucket', (c) => new ThanosStack(c, 'Thanos', { objectStorage: bucket(c, 'Bucket', 'thanos'), objectStorageSecret: Secret.fromSecretName(c, 'Creds', 'minio-root') }), 'Thanos', 'objectStorageSecret is set but the in-cluster store is off', /drop objectStorageSecret/],
  ['SeaweedFS options while MinIO is the in-cluster store', stack({ seaweedfs: { bucket: 'metrics' } }), 'Thanos', 'seaweedfs options are set but seaweedfs is off because inClusterObjectStore is minio', /set inClusterObjectStore: InClusterObjectStore.SEAWEEDFS, or drop them/],
  ['MinIO on while SeaweedFS is the in-cluster store', stack({ inClusterObjectStore: InClusterObjectStore.SEAWEEDFS, minio: { enabled: true } }), 'Thanos', 'minio.enabled is true but inClusterObjectStore is seaweedfs', /set inClusterObjectStore: InClusterObjectStore.MINIO, or drop minio/],
  ['invalid SeaweedFS bucket name', stack({ inClusterObjectStore: InClusterObjectStore.SEAWEEDFS, seaweedfs: { bucket: 'Thanos_Bucket' } }), 'Thanos/SeaweedFS/ObjectStorage', '"Thanos_Bucket"', /3-63 lower-case letters/],
  ['a Grafana secret with Grafana off', (c) => new ThanosStack(c, 'Thanos', { grafana: { enabled: false }, grafanaAdminSecret: Secret.fromSecretName(c, 'Admin', 'admin') }), 'Thanos', 'grafanaAdminSecret is set but Grafana is off', /drop grafanaAdminSecret/],
  ['block duration without uploads', stack({ minio: { enabled: false }, prometheus: { blockDuration: Duration.hours(4) } }), 'Thanos/Prometheus', 'blockDuration 4h has no effect without objectStorage', /drop blockDuration/],
  ['a storage class for an ephemeral store', stack({ store: { ephemeralStorage: true, storageClassName: 'fast' } }), 'Thanos/Store', 'storageClassName is set with ephemeralStorage', /drop one of them/],
  ['two compactors on one bucket', (c) => {
    const s = new ThanosStack(c, 'Thanos', {});
    new ThanosCompactor(c, 'SecondCompactor', { name: 'thanos-compact-2', objectStorage: s.objectStorage! });
  }, 'SecondCompactor', 's3://minio.monitoring.svc:9000/thanos/', /keep one ThanosCompactor per bucket/],
  ['store time partitions with a gap', stack({ store: { timePartitions: [TimePartition.of({ maxTime: '-8w' }), TimePartition.of({ minTime: '-6w' })] } }), 'Thanos/Store', 'leave a gap', /extend one so they meet or overlap/],
  ['rule group without rules', stack({ ruler: { ruleGroups: [new RuleGroup({ name: 'empty', rules: [] })] } }), 'Thanos/Ruler', '"empty"', /add at least one Rule\.alert\(\)/],
  ['two Prometheus with one name', (c) => {
    new ThanosStack(c, 'Thanos', { prometheus: { externalLabels: { cluster: 'eu1' } } }).addPrometheus('Us1', { name: 'prometheus', externalLabels: { cluster: 'us1' } });
  }, '', 'StatefulSet "prometheus" is defined by both monitoring/Thanos/Prometheus/Resource and monitoring/Thanos/Us1/Resource', /give one of them another name/],
  ['two buckets with one config ConfigMap', (c) => {
    bucket(c, 'Eu', 'thanos-eu');
    new S3ObjectStorage(c, 'Us', { bucket: 'thanos-us', endpoint: 's3.amazonaws.com', configMapName: 'objstore-eu', credentials: S3Credentials.workloadIdentity() });
  }, '', 'ConfigMap "objstore-eu"', /give one of them another name/],
  // Receive
  ['replication factor above the ingestors', stack({ receive: { ingestors: 3, replicationFactor: 4 } }), 'Thanos/Receive', 'replicationFactor 4', /raise ingestors to at least 4 or lower replicationFactor/],
  ['invalid Receive tenant header', stack({ receive: { tenantHeader: 'THANOS TENANT' } }), 'Thanos/Receive', '"THANOS TENANT"', /use letters, digits and '-'/],
  ['sidecar option on a remote-writing Prometheus', stack({ receive: {}, prometheus: { blockDuration: Duration.hours(2) } }), 'Thanos/Prometheus', 'blockDuration', /drop blockDuration, or drop remoteWrite/],
  ['caches with nothing to use them', stack({ caches: SizePreset.SMALL, minio: { enabled: false }, queryFrontend: { enabled: false } }), 'Thanos', 'caches', /turn one of them on, or drop caches/],
  ['alert with an invalid name', stack({ ruler: { ruleGroups: [new RuleGroup({ name: 'g', rules: [Rule.alert({ alert: 'Prometheus Down', expr: 'up == 0' })] })] } }), 'Thanos/Ruler', '"Prometheus Down"', /match \[a-zA-Z_:\]/],
];

describe('bad input is rejected at synth time', () => {
  test(`the table has at least 30 cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  test.each(CASES)('%s', (_, build, path, value, fix) => {
    const found = problemsOf(build);
    const prefix = path ? `[monitoring/${path}] ` : '[monitoring] ';
    const line = found.find((p) => p.startsWith(prefix) && p.includes(value));
    // The problem names the construct path and the bad value...
    expect({ line, found }).toEqual({ line: expect.any(String), found });
    // ...and says how to fix it.
    expect(line).toMatch(fix);
  });

  test('every problem of an app is reported at once', () => {
    const found = problemsOf(stack({
      prometheus: { name: 'Bad', retention: Duration.hours(1) },
      compactor: { replicas: 3 },
      query: { endpoints: [StoreEndpoint.staticAddress('no-port.example.com')] },
      grafana: { replicas: 2 },
    }));
    expect(found.length).toBeGreaterThanOrEqual(5);
    for (const path of ['Prometheus', 'Compactor', 'Query', 'Grafana']) {
      expect(found.some((p) => p.startsWith(`[monitoring/Thanos/${path}] `))).toBe(true);
    }
  });
});
