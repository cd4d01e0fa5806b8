import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Chart, Duration, Size, Testing } from 'cdk8s';
import { Cpu, Secret, ServiceType } from 'cdk8s-plus-27';
import {
  AzureObjectStorage,
  GcsObjectStorage,
  InClusterObjectStore,
  IndexCache,
  LocalCompaction,
  NetworkPeer,
  prerequisiteSecrets,
  Prometheus,
  PrometheusOperator,
  Receiver,
  Resources,
  Route,
  Rule,
  RuleGroup,
  S3Credentials,
  S3ObjectStorage,
  ScrapeJob,
  SizePreset,
  StoreEndpoint,
  ThanosCompactor,
  ThanosStack,
  ThanosStackProps,
  TimePartition,
} from '../../src';
import { appApiServerProblems } from '../../src/private/api-server-rules';
import { validateManifests } from '../harness';

/**
 * What validation reports for a chart built by `build`, one problem per line: the constructs' own
 * validation, then synthesize()'s final pass (the API server's field rules).
 */
function problemsOf(build: (chart: Chart) => void, namespace = 'monitoring'): string[] {
  const app = Testing.app();
  const chart = new Chart(app, 'monitoring', { namespace });
  build(chart);
  try {
    Testing.synth(chart);
  } catch (e) {
    const message = (e as Error).message;
    expect(message).toMatch(/^Validation failed with the following errors:/);
    return message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
  }
  return appApiServerProblems(app);
}

/** A valid neighbour passes validation, the final pass and the whole harness (but promtool/amtool, which need binaries). */
function expectAccepted(build: (chart: Chart) => void, namespace = 'monitoring'): void {
  const app = Testing.app();
  const chart = new Chart(app, 'monitoring', { namespace });
  build(chart);
  const objects = app.charts.flatMap((c) => Testing.synth(c));
  expect(appApiServerProblems(app)).toEqual([]);
  expect(validateManifests(objects, { externalSecrets: prerequisiteSecrets(app), skip: ['configs'] })).toEqual([]);
}

const stack = (props: ThanosStackProps) => (chart: Chart) => new ThanosStack(chart, 'Thanos', props);
/** What a stack on an external (shareable) bucket must choose: its identity and whether it compacts. */
const SHARED: ThanosStackProps = { prometheus: { externalLabels: { cluster: 'eu1' } }, compactor: { enabled: true } };
const stackOf = (props: (chart: Chart) => ThanosStackProps) => (chart: Chart) => new ThanosStack(chart, 'Thanos', props(chart));

function bucket(chart: Chart, id: string, name: string, endpoint = 's3.eu-west-1.amazonaws.com'): S3ObjectStorage {
  return new S3ObjectStorage(chart, id, {
    bucket: name,
    endpoint,
    configMapName: `objstore-${id.toLowerCase()}`,
    credentials: S3Credentials.fromSecret(Secret.fromSecretName(chart, `${id}Secret`, 'thanos-objstore')),
  });
}

/** Compactors `compact-a` and `compact-b` on the bucket `thanos`, each where `a` and `b` say (endpoint, prefix). */
function twoCompactors(a: { endpoint?: string; prefix?: string }, b: { endpoint?: string; prefix?: string }) {
  return (c: Chart) => {
    const credentials = S3Credentials.workloadIdentity();
    for (const [id, place] of [
      ['a', a],
      ['b', b],
    ] as const) {
      new ThanosCompactor(c, id.toUpperCase(), {
        name: `compact-${id}`,
        objectStorage: new S3ObjectStorage(c, `B${id}`, {
          bucket: 'thanos',
          endpoint: 's3.eu-west-1.amazonaws.com',
          ...place,
          configMapName: `objstore-${id}`,
          credentials,
        }),
      });
    }
  };
}

/** [what is wrong, how the app is built, construct path, the bad value as reported, the fix it suggests, chart namespace]. */
type Case = [string, (chart: Chart) => void, string, string, RegExp, string?];

const DIGEST = `sha256:${'a'.repeat(64)}`;
const anyValue = (v: unknown) => v as any;

/** Rejected inputs by category; the README lists the categories with these counts. */
const CATEGORIES: { [category: string]: Case[] } = {
  Names: [
    [
      'invalid Prometheus name',
      stack({ prometheus: { name: 'Prometheus_Main' } }),
      'Thanos/Prometheus',
      '"Prometheus_Main"',
      /use at most 48 lower-case letters/,
    ],
    ['Prometheus name too long for its Services', stack({ prometheus: { name: 'p'.repeat(49) } }), 'Thanos/Prometheus', 'p'.repeat(49), /use at most 48/],
    ['ruler name too long for a StatefulSet', stack({ ruler: { name: 'r'.repeat(53) } }), 'Thanos/Ruler', 'r'.repeat(53), /use at most 52/],
    [
      'Prometheus name too long for its external sidecar Service',
      stack({ prometheus: { name: 'p'.repeat(40), sidecarServiceType: ServiceType.LOAD_BALANCER } }),
      'Thanos/Prometheus',
      'p'.repeat(40),
      /use at most 39/,
    ],
    ['invalid querier name', stack({ query: { name: 'thanos query' } }), 'Thanos/Query', '"thanos query"', /lower-case letters, digits and '-'/],
    ['invalid store name', stack({ store: { name: '-store' } }), 'Thanos/Store', '"-store"', /starting and ending with a letter or digit/],
    ['invalid MinIO bucket name', stack({ minio: { bucket: 'Thanos_Bucket' } }), 'Thanos/MinIO/ObjectStorage', '"Thanos_Bucket"', /3-63 lower-case letters/],
  ],
  'Label keys': [
    [
      'external label with a dash',
      stack({ prometheus: { externalLabels: { 'k8s-cluster': 'eu1' } } }),
      'Thanos/Prometheus',
      '"k8s-cluster"',
      /match \[a-zA-Z_\]/,
    ],
    ['reserved replica label', stack({ prometheus: { replicaLabel: '__replica__' } }), 'Thanos/Prometheus', '"__replica__"', /do not start with "__"/],
    ['empty external labels', stack({ prometheus: { externalLabels: {} } }), 'Thanos/Prometheus', 'externalLabels is empty', /set e\.g\. \{ cluster: "eu1" \}/],
    [
      'replica label also an external label',
      stack({ prometheus: { externalLabels: { cluster: 'eu1', replica: 'a' } } }),
      'Thanos/Prometheus',
      '"replica"',
      /remove it from externalLabels/,
    ],
    [
      'empty external label value',
      stack({ prometheus: { externalLabels: { cluster: '' } } }),
      'Thanos/Prometheus',
      '"cluster"',
      /give it a value or remove it/,
    ],
    ['invalid querier replica label', stack({ query: { replicaLabels: ['replica-id'] } }), 'Thanos/Query', '"replica-id"', /match \[a-zA-Z_\]/],
    [
      'invalid compactor dedup label',
      stack({ compactor: { deduplicationReplicaLabels: ['0replica'] } }),
      'Thanos/Compactor',
      '"0replica"',
      /match \[a-zA-Z_\]/,
    ],
    [
      'ruler external labels equal to Prometheus',
      stack({ prometheus: { externalLabels: { cluster: 'eu1' } }, ruler: { externalLabels: { cluster: 'eu1' } } }),
      'Thanos/Ruler',
      '{"cluster":"eu1"}',
      /change a label value/,
    ],
    [
      'two Prometheus with one label set',
      (c) => new ThanosStack(c, 'Thanos').addPrometheus('Twin', { name: 'prometheus-twin', externalLabels: { cluster: 'prometheus' } }),
      'Thanos/Twin',
      '{"cluster":"prometheus"}',
      /change a label value \(e\.g\. cluster\)/,
    ],
  ],
  Durations: [
    ['retention under 3 block durations', stack({ prometheus: { retention: Duration.hours(4) } }), 'Thanos/Prometheus', 'retention 4h', /raise retention/],
    [
      '5m retention shorter than raw',
      stack({ compactor: { retentionRaw: Duration.days(90), retention5m: Duration.days(30) } }),
      'Thanos/Compactor',
      'retention5m 30d',
      /set retention5m to at least 90d/,
    ],
    [
      '1h retention shorter than 5m',
      stack({ compactor: { retention5m: Duration.days(180), retention1h: Duration.days(90) } }),
      'Thanos/Compactor',
      'retention1h 90d',
      /set retention1h to at least 180d/,
    ],
    [
      'raw retention too short to downsample',
      stack({ compactor: { retentionRaw: Duration.hours(24) } }),
      'Thanos/Compactor',
      'retentionRaw 1d',
      /raise retentionRaw to at least/,
    ],
    [
      'ruler evaluation under a second',
      stack({ ruler: { evaluationInterval: Duration.millis(100) } }),
      'Thanos/Ruler',
      'evaluationInterval 100ms',
      /use e\.g\. Duration\.seconds\(30\)/,
    ],
    ['ruler retention too short', stack({ ruler: { retention: Duration.hours(2) } }), 'Thanos/Ruler', 'retention 2h', /use at least Duration\.hours\(6\)/],
    [
      'zero Alertmanager group interval',
      stack({ alertmanager: { receivers: [Receiver.none('null')], route: new Route({ receiver: 'null', groupInterval: Duration.seconds(0) }) } }),
      'Thanos/Alertmanager',
      'groupInterval 0s',
      /use a positive duration/,
    ],
    [
      'bucket web refresh under a second',
      stack({ bucketWeb: { refresh: Duration.millis(10) } }),
      'Thanos/BucketWeb',
      'refresh 10ms',
      /use e\.g\. Duration\.minutes\(30\)/,
    ],
  ],
  Sizes: [
    [
      'store index cache as large as its memory',
      stack({ store: { indexCache: IndexCache.inMemory(Size.gibibytes(4)) } }),
      'Thanos/Store',
      '4096MiB',
      /lower the cache sizes or raise resources/,
    ],
  ],
  Replicas: [
    ['two compactors in one StatefulSet', stack({ compactor: { replicas: 2 } }), 'Thanos/Compactor', 'replicas 2', /use replicas: 1/],
    ['zero Prometheus replicas', stack({ prometheus: { replicas: 0 } }), 'Thanos/Prometheus', 'replicas 0', /use a whole number in 1-100/],
    ['fractional querier replicas', stack({ query: { replicas: 1.5 } }), 'Thanos/Query', 'replicas 1.5', /use a whole number in 1-100/],
    ['zero store shards', stack({ store: { shards: 0 } }), 'Thanos/Store', 'shards 0', /use a whole number >= 1/],
    ['two Grafana replicas', stack({ grafana: { replicas: 2 } }), 'Thanos/Grafana', 'replicas 2', /use replicas: 1/],
  ],
  Endpoints: [
    [
      'remote endpoint without a port',
      stack({ query: { endpoints: [StoreEndpoint.staticAddress('prometheus-eu1.example.com')] } }),
      'Thanos/Query',
      '"prometheus-eu1.example.com"',
      /has no port/,
    ],
    [
      'remote endpoint with a scheme',
      stack({ query: { endpoints: [StoreEndpoint.staticAddress('grpc://prometheus-eu1.example.com:10901')] } }),
      'Thanos/Query',
      'grpc://prometheus-eu1.example.com:10901',
      /gRPC endpoints take none/,
    ],
    [
      'remote endpoint port out of range',
      stack({ query: { endpoints: [StoreEndpoint.staticAddress('prometheus-eu1.example.com:70000')] } }),
      'Thanos/Query',
      '70000',
      /outside 1-65535/,
    ],
    [
      'S3 endpoint with a scheme',
      (c) => new ThanosStack(c, 'Thanos', { objectStorage: bucket(c, 'Bucket', 'thanos', 'https://s3.amazonaws.com') }),
      'Bucket',
      '"https://s3.amazonaws.com"',
      /give host or host:port without scheme/,
    ],
    [
      'webhook receiver without a URL',
      stack({ alertmanager: { receivers: [Receiver.webhook('team', {})] } }),
      'Thanos/Alertmanager',
      '"team"',
      /needs exactly one of url and urlSecret/,
    ],
    [
      'route to an unknown receiver',
      stack({ alertmanager: { receivers: [Receiver.none('null')], route: new Route({ receiver: 'pager' }) } }),
      'Thanos/Alertmanager',
      '"pager"',
      /add it to receivers or use one of \["null"\]/,
    ],
  ],
  'Conflicting options': [
    [
      'ExternalName Service for the querier',
      stack({ query: { serviceType: ServiceType.EXTERNAL_NAME } }),
      'Thanos/Query',
      'ExternalName',
      /use CLUSTER_IP, NODE_PORT or LOAD_BALANCER/,
    ],
    [
      'store on without a bucket',
      stack({ minio: { enabled: false }, store: { enabled: true } }),
      'Thanos',
      'store.enabled is true',
      /give objectStorage or enable the in-cluster store/,
    ],
    [
      'frontend on without a querier',
      stack({ query: { enabled: false }, queryFrontend: { enabled: true } }),
      'Thanos',
      'queryFrontend.enabled is true',
      /enable query, or drop queryFrontend/,
    ],
    [
      'MinIO and an external bucket',
      (c) => new ThanosStack(c, 'Thanos', { objectStorage: bucket(c, 'Bucket', 'thanos'), minio: { enabled: true } }),
      'Thanos',
      'minio.enabled is true',
      /drop objectStorage, or drop minio/,
    ],
    [
      'delayed compaction without uploads',
      stack({ minio: { enabled: false }, prometheus: { localCompaction: LocalCompaction.DELAYED } }),
      'Thanos/Prometheus',
      'localCompaction DELAYED',
      /set objectStorage or drop localCompaction/,
    ],
    [
      'ruler options while the querier is off',
      stack({ query: { enabled: false }, ruler: { replicas: 2 } }),
      'Thanos',
      'ruler options are set but ruler is off',
      /enable query, or drop them/,
    ],
    [
      'store options without a bucket',
      stack({ minio: { enabled: false }, store: { shards: 3 } }),
      'Thanos',
      'store options are set but store is off',
      /give objectStorage or enable the in-cluster store, or drop them/,
    ],
    [
      'MinIO credentials with an external bucket',
      (c) =>
        new ThanosStack(c, 'Thanos', { objectStorage: bucket(c, 'Bucket', 'thanos'), objectStorageSecret: Secret.fromSecretName(c, 'Creds', 'minio-root') }),
      'Thanos',
      'objectStorageSecret is set but the in-cluster store is off',
      /drop objectStorageSecret/,
    ],
    [
      'SeaweedFS options while MinIO is the in-cluster store',
      stack({ seaweedfs: { bucket: 'metrics' } }),
      'Thanos',
      'seaweedfs options are set but seaweedfs is off because inClusterObjectStore is minio',
      /set inClusterObjectStore: InClusterObjectStore.SEAWEEDFS, or drop them/,
    ],
    [
      'MinIO on while SeaweedFS is the in-cluster store',
      stack({ inClusterObjectStore: InClusterObjectStore.SEAWEEDFS, minio: { enabled: true } }),
      'Thanos',
      'minio.enabled is true but inClusterObjectStore is seaweedfs',
      /set inClusterObjectStore: InClusterObjectStore.MINIO, or drop minio/,
    ],
    [
      'invalid SeaweedFS bucket name',
      stack({ inClusterObjectStore: InClusterObjectStore.SEAWEEDFS, seaweedfs: { bucket: 'Thanos_Bucket' } }),
      'Thanos/SeaweedFS/ObjectStorage',
      '"Thanos_Bucket"',
      /3-63 lower-case letters/,
    ],
    [
      'a Grafana secret with Grafana off',
      (c) => new ThanosStack(c, 'Thanos', { grafana: { enabled: false }, grafanaAdminSecret: Secret.fromSecretName(c, 'Admin', 'admin') }),
      'Thanos',
      'grafanaAdminSecret is set but Grafana is off',
      /drop grafanaAdminSecret/,
    ],
    [
      'block duration without uploads',
      stack({ minio: { enabled: false }, prometheus: { blockDuration: Duration.hours(4) } }),
      'Thanos/Prometheus',
      'blockDuration 4h has no effect without objectStorage',
      /drop blockDuration/,
    ],
    [
      'a storage class for an ephemeral store',
      stack({ store: { ephemeralStorage: true, storageClassName: 'fast' } }),
      'Thanos/Store',
      'storageClassName is set with ephemeralStorage',
      /drop one of them/,
    ],
    [
      'two compactors on one bucket',
      (c) => {
        const s = new ThanosStack(c, 'Thanos', {});
        new ThanosCompactor(c, 'SecondCompactor', { name: 'thanos-compact-2', objectStorage: s.objectStorage! });
      },
      'SecondCompactor',
      's3://minio.monitoring.svc:9000/thanos/ in cluster monitoring',
      /keep one ThanosCompactor per bucket/,
    ],
    [
      'store time partitions with a gap',
      stack({ store: { timePartitions: [TimePartition.of({ maxTime: '-8w' }), TimePartition.of({ minTime: '-6w' })] } }),
      'Thanos/Store',
      'leave a gap',
      /extend one so they meet or overlap/,
    ],
    [
      'rule group without rules',
      stack({ ruler: { ruleGroups: [new RuleGroup({ name: 'empty', rules: [] })] } }),
      'Thanos/Ruler',
      '"empty"',
      /add at least one Rule\.alert\(\)/,
    ],
    [
      'two Prometheus with one name',
      (c) => {
        new ThanosStack(c, 'Thanos', { prometheus: { externalLabels: { cluster: 'eu1' } } }).addPrometheus('Us1', {
          name: 'prometheus',
          externalLabels: { cluster: 'us1' },
        });
      },
      '',
      'StatefulSet "prometheus" is defined by both monitoring/Thanos/Prometheus/Resource and monitoring/Thanos/Us1/Resource',
      /give one of them another name/,
    ],
    [
      'two buckets with one config ConfigMap',
      (c) => {
        bucket(c, 'Eu', 'thanos-eu');
        new S3ObjectStorage(c, 'Us', {
          bucket: 'thanos-us',
          endpoint: 's3.amazonaws.com',
          configMapName: 'objstore-eu',
          credentials: S3Credentials.workloadIdentity(),
        });
      },
      '',
      'ConfigMap "objstore-eu"',
      /give one of them another name/,
    ],
    // Receive
    [
      'replication factor above the ingestors',
      stack({ receive: { ingestors: 3, replicationFactor: 4 } }),
      'Thanos/Receive',
      'replicationFactor 4',
      /raise ingestors to at least 4 or lower replicationFactor/,
    ],
    [
      'invalid Receive tenant header',
      stack({ receive: { tenantHeader: 'THANOS TENANT' } }),
      'Thanos/Receive',
      '"THANOS TENANT"',
      /use letters, digits and '-'/,
    ],
    [
      'sidecar option on a remote-writing Prometheus',
      stack({ receive: {}, prometheus: { blockDuration: Duration.hours(2) } }),
      'Thanos/Prometheus',
      'blockDuration',
      /drop blockDuration, or drop remoteWrite/,
    ],
    [
      'caches with nothing to use them',
      stack({ caches: SizePreset.SMALL, minio: { enabled: false }, queryFrontend: { enabled: false } }),
      'Thanos',
      'caches',
      /turn one of them on, or drop caches/,
    ],
    // Shared buckets (#14.4, #14.5)
    [
      'an external bucket with default external labels',
      stackOf((c) => ({ objectStorage: bucket(c, 'Bucket', 'thanos'), compactor: { enabled: true } })),
      'Thanos',
      'prometheus has no externalLabels',
      /set externalLabels that name this cluster/,
    ],
    [
      'an external bucket without a compactor decision',
      stackOf((c) => ({ objectStorage: bucket(c, 'Bucket', 'thanos'), prometheus: { externalLabels: { cluster: 'eu1' } } })),
      'Thanos',
      'compactor.enabled is not set',
      /set compactor: \{ enabled: true \} in the one cluster/,
    ],
    [
      'alert with an invalid name',
      stack({ ruler: { ruleGroups: [new RuleGroup({ name: 'g', rules: [Rule.alert({ alert: 'Prometheus Down', expr: 'up == 0' })] })] } }),
      'Thanos/Ruler',
      '"Prometheus Down"',
      /match \[a-zA-Z_:\]/,
    ],
  ],
  'Alerts and PromQL': [
    ['alert error ratio above 1', stack({ alerts: { errorRatio: 5 } }), 'Thanos', 'alerts.errorRatio is 5', /give a share between 0 and 1/],
    [
      'alert bucket latency under a second',
      stack({ alerts: { bucketLatency: Duration.millis(10) } }),
      'Thanos',
      'alerts.bucketLatency is 10ms',
      /give at least one second/,
    ],
    [
      'user rule with invalid PromQL',
      stack({ ruler: { ruleGroups: [new RuleGroup({ name: 'mine', rules: [Rule.alert({ alert: 'Broken', expr: 'up ==' })] })] } }),
      'Thanos/Ruler',
      'line 1, column 6 in "up =="',
      /fix the expression/,
    ],
  ],
  'Kubernetes field grammar': [
    [
      'namespace with a dot',
      stack({}),
      'Thanos/Namespace',
      'Namespace name "monitoring.prod" must be a DNS label',
      /the API server refuses it/,
      'monitoring.prod',
    ],
    [
      'upper-case namespace',
      stack({}),
      'Thanos/Namespace',
      'metadata.name "Monitoring" is not a valid DNS subdomain',
      /the API server refuses it/,
      'Monitoring',
    ],
    ['64-character namespace', stack({}), 'Thanos/Namespace', `"${'m'.repeat(64)}"`, /the API server refuses it/, 'm'.repeat(64)],
    [
      'storage class with a space',
      stack({ prometheus: { storageClassName: 'Fast SSD' } }),
      'Thanos/Prometheus',
      'storageClassName "Fast SSD" is not valid',
      /lower-case letters, digits, '-' and '\.'/,
    ],
    [
      'operator label key with a space',
      (c) => new PrometheusOperator(c, 'Operator', { labels: { 'team name': 'sre' } }),
      'Operator',
      'labels key "team name" is not valid',
      /use \[prefix\/\]name/,
    ],
    [
      'selector label value with a space',
      (c) => new PrometheusOperator(c, 'Operator', { labels: { team: 'site reliability' } }),
      'Operator',
      'labels.team "site reliability" is not valid',
      /at most 63 letters/,
    ],
    [
      'ipBlock prefix /33',
      (c) => new Prometheus(c, 'P').connections.allowFrom(NetworkPeer.ipBlock('10.0.0.0/33'), 9090),
      'P/NetworkPolicy',
      '"10.0.0.0/33" is not valid',
      /prefix 0-32 for IPv4/,
    ],
    [
      'ipBlock that is not a CIDR',
      (c) => new Prometheus(c, 'P').connections.allowFrom(NetworkPeer.ipBlock('not-a-cidr'), 9090),
      'P/NetworkPolicy',
      '"not-a-cidr" is not valid',
      /use an IPv4 or IPv6 CIDR/,
    ],
    [
      'ipBlock except outside its CIDR',
      (c) => new Prometheus(c, 'P').connections.allowFrom(NetworkPeer.ipBlock('10.0.0.0/8', ['192.168.0.0/16']), 9090),
      'P/NetworkPolicy',
      '"192.168.0.0/16" is not valid',
      /must lie inside its cidr 10\.0\.0\.0\/8/,
    ],
    [
      'port 70000',
      (c) => new Prometheus(c, 'P').connections.allowFrom(NetworkPeer.anywhere(), 70000),
      'P/NetworkPolicy',
      'port 70000 is not in 1-65535',
      /the API server refuses it/,
    ],
    [
      'service type with a trailing space',
      stack({ query: { serviceType: anyValue('LoadBalancer ') } }),
      'Thanos/Query',
      'serviceType "LoadBalancer " is not valid',
      /use "LoadBalancer" exactly/,
    ],
    ['Secret key with a slash', stack({ minio: { accessKeyKey: 'aws/access' } }), 'Thanos/MinIO', '"aws/access"', /use letters, digits, '-', '_' and '\.'/],
    [
      'negative CPU request',
      stack({ query: { resources: Resources.of({ cpu: Cpu.millis(-100), memory: Size.mebibytes(256) }) } }),
      'Thanos/Query',
      'resources cpu "-100m" is not valid',
      /use a positive quantity/,
    ],
    [
      'CPU limit below its request',
      stack({ query: { resources: Resources.of({ cpu: Cpu.millis(500), cpuLimit: Cpu.millis(200), memory: Size.mebibytes(256) }) } }),
      'Thanos/Query',
      'cpu limit 200m is below the request 500m',
      /raise cpuLimit/,
    ],
    ['0Gi volume', stack({ prometheus: { storageSize: Size.gibibytes(0) } }), 'Thanos/Prometheus', 'storageSize Size 0MiB is not valid', /use a positive size/],
  ],
  Images: [
    ['empty image', stack({ query: { image: '' } }), 'Thanos/Query', 'image "" is not valid', /registry\/repository:tag/],
    [
      'upper-case repository',
      stack({ query: { image: 'quay.io/Thanos/thanos:v0.42.4' } }),
      'Thanos/Query',
      '"quay.io/Thanos/thanos:v0.42.4"',
      /lower-case repository/,
    ],
    [
      'trailing space',
      stack({ query: { image: 'quay.io/thanos/thanos:v0.42.4 ' } }),
      'Thanos/Query',
      '"quay.io/thanos/thanos:v0.42.4 "',
      /registry\/repository:tag/,
    ],
    [
      'no tag',
      stack({ prometheus: { thanosImage: 'quay.io/thanos/thanos' } }),
      'Thanos/Prometheus',
      'thanosImage "quay.io/thanos/thanos" is not valid',
      /pin a tag or digest/,
    ],
    [
      ':latest',
      stack({ grafana: { image: 'docker.io/grafana/grafana:latest' } }),
      'Thanos/Grafana',
      '"docker.io/grafana/grafana:latest"',
      /instead of 'latest'/,
    ],
    [
      '+ in a tag',
      stack({ store: { image: 'quay.io/thanos/thanos:v0.42.4+build1' } }),
      'Thanos/Store',
      '"quay.io/thanos/thanos:v0.42.4+build1"',
      /a tag of letters, digits, '_', '\.', '-'/,
    ],
    [
      'upper-case MinIO client image',
      stack({ minio: { clientImage: 'quay.io/minio/MC:RELEASE.2025-08-13T08-35-41Z' } }),
      'Thanos/MinIO',
      'clientImage',
      /lower-case repository/,
    ],
  ],
  'Types at the boundary': [
    [
      'storageSize as a string',
      stack({ prometheus: { storageSize: anyValue('10Gi') } }),
      'Thanos/Prometheus',
      'storageSize "10Gi" is not valid: expected a Size, got a string',
      /use e\.g\. Size\.gibibytes\(20\)/,
    ],
    [
      'storageSize as a number',
      stack({ store: { storageSize: anyValue(10) } }),
      'Thanos/Store',
      'storageSize 10 is not valid: expected a Size, got a number',
      /Size\.gibibytes/,
    ],
    [
      'size preset as an unknown string',
      stack({ query: { size: anyValue('xl') } }),
      'Thanos/Query',
      'size "xl" is not valid',
      /use one of \["small","medium","large"\]/,
    ],
    [
      'replicas as a string',
      stack({ query: { replicas: anyValue('2') } }),
      'Thanos/Query',
      'replicas "2" is not valid: expected a number, got a string',
      /use a whole number in 1-100/,
    ],
    [
      'externalLabels as a string',
      stack({ prometheus: { externalLabels: anyValue('cluster=eu1') } }),
      'Thanos/Prometheus',
      'externalLabels "cluster=eu1" is not valid: expected a map',
      /use e\.g\. \{ key: "value" \}/,
    ],
    [
      'retention as a string',
      stack({ prometheus: { retention: anyValue('1d') } }),
      'Thanos/Prometheus',
      'retention "1d" is not valid: expected a Duration, got a string',
      /Duration\.minutes\(5\)/,
    ],
    [
      'resources as a plain object',
      stack({ ruler: { resources: anyValue({ cpu: '100m', memory: '256Mi' }) } }),
      'Thanos/Ruler',
      'resources {"cpu":"100m","memory":"256Mi"} is not valid: expected Resources',
      /Resources\.of/,
    ],
    [
      'Resources.of with a string memory',
      stack({ query: { resources: Resources.of({ cpu: Cpu.millis(100), memory: anyValue('256Mi') }) } }),
      'Thanos/Query',
      'resources memory "256Mi" is not valid: expected a Size',
      /Size\.gibibytes/,
    ],
    [
      'networkPolicy as the string "false"',
      stack({ store: { networkPolicy: anyValue('false') } }),
      'Thanos/Store',
      'networkPolicy "false" is not valid: expected true or false',
      /got a string/,
    ],
  ],
  'Values that change meaning': [
    [
      'label value with a trailing space',
      stack({ prometheus: { externalLabels: { cluster: 'eu1 ' } } }),
      'Thanos/Prometheus',
      '"eu1 "',
      /remove the leading\/trailing whitespace and line breaks/,
    ],
    ['label value with a line break', stack({ ruler: { externalLabels: { ruler: 'global\n' } } }), 'Thanos/Ruler', '"global\\n"', /line breaks/],
    [
      'replica label that tells clusters apart',
      (c) =>
        new ThanosStack(c, 'Thanos', { prometheus: { externalLabels: { cluster: 'eu1' } } }).addPrometheus('Us1', {
          externalLabels: { region: 'us' },
          replicaLabel: 'cluster',
        }),
      'Thanos/Us1',
      'replicaLabel "cluster" is an external label of monitoring/Thanos/Prometheus',
      /use another replica label/,
    ],
    [
      'scrape interval 0s',
      stack({ prometheus: { scrapeInterval: Duration.seconds(0) } }),
      'Thanos/Prometheus',
      'scrapeInterval Duration 0s is not valid',
      /use a positive duration/,
    ],
    [
      'evaluation interval 0s',
      stack({ prometheus: { evaluationInterval: Duration.seconds(0) } }),
      'Thanos/Prometheus',
      'evaluationInterval Duration 0s is not valid',
      /use a positive duration/,
    ],
    [
      'block duration 0s',
      stack({ prometheus: { blockDuration: Duration.seconds(0) } }),
      'Thanos/Prometheus',
      'blockDuration Duration 0s is not valid',
      /use a positive duration/,
    ],
    [
      '0 MiB index cache',
      stack({ store: { indexCache: IndexCache.inMemory(Size.mebibytes(0)) } }),
      'Thanos/Store',
      'indexCache in-memory maxSize Size 0MiB is not valid',
      /use a positive size/,
    ],
    [
      'retentionSize larger than the volume',
      stack({ prometheus: { retentionSize: Size.gibibytes(50), storageSize: Size.gibibytes(20) } }),
      'Thanos/Prometheus',
      'retentionSize 51200MiB is larger than storageSize 20480MiB',
      /lower retentionSize or raise storageSize/,
    ],
  ],
  'Credentials in output': [
    [
      'webhook URL with a password',
      stack({
        alertmanager: { receivers: [Receiver.webhook('team', { url: 'https://bot:s3cret@hooks.example.com/alerts' })], route: new Route({ receiver: 'team' }) },
      }),
      'Thanos/Alertmanager',
      '"https://bot:***@hooks.example.com/alerts"',
      /carries a credential \(userinfo\).*use urlSecret/,
    ],
    [
      'webhook URL with a token query',
      stack({
        alertmanager: {
          receivers: [Receiver.webhook('team', { url: 'https://hooks.example.com/alerts?token=abc123' })],
          route: new Route({ receiver: 'team' }),
        },
      }),
      'Thanos/Alertmanager',
      'token=***',
      /query parameter token.*use urlSecret/,
    ],
    [
      'Grafana database password as env',
      stack({ grafana: { env: { GF_DATABASE_PASSWORD: 'hunter2' } } }),
      'Thanos/Grafana',
      'env.GF_DATABASE_PASSWORD is not valid',
      /credential-shaped variable.*from a Secret/,
    ],
    [
      'Grafana OAuth client secret as env',
      stack({ grafana: { env: { GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: 'x' } } }),
      'Thanos/Grafana',
      'env.GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET',
      /credential-shaped/,
    ],
    [
      'Grafana API token as env',
      stack({ grafana: { env: { GF_RENDERING_RENDERER_TOKEN: 'x' } } }),
      'Thanos/Grafana',
      'env.GF_RENDERING_RENDERER_TOKEN',
      /credential-shaped/,
    ],
  ],
  'Literal Secrets': [
    [
      'literal MinIO credentials',
      (c) => new ThanosStack(c, 'Thanos', { objectStorageSecret: new Secret(c, 'Root', { stringData: { 'access-key': 'minio', 'secret-key': 'minio123' } }) }),
      'Thanos/MinIO',
      'credentials Secret',
      /literal data that would be written to the output; create the Secret outside the output/,
    ],
    [
      'literal Grafana admin Secret',
      (c) => new ThanosStack(c, 'Thanos', { grafanaAdminSecret: new Secret(c, 'Admin', { stringData: { 'admin-user': 'admin', 'admin-password': 'x' } }) }),
      'Thanos/Grafana',
      'adminSecret Secret',
      /Secret\.fromSecretName/,
    ],
    [
      'literal GCS key Secret',
      (c) =>
        new GcsObjectStorage(c, 'Gcs', { bucket: 'thanos', serviceAccountKeySecret: new Secret(c, 'Key', { stringData: { 'service-account.json': '{}' } }) }),
      'Gcs',
      'serviceAccountKeySecret Secret',
      /literal data/,
    ],
  ],
  'Random stacks that break': [
    [
      'user scrape job named like a generated one',
      (c) => new ThanosStack(c, 'Thanos').prometheus.addScrapeJob(ScrapeJob.staticTargets('prometheus', ['app.apps.svc:8080'])),
      'Thanos/Prometheus',
      'scrape job "prometheus" is defined twice',
      /give the job you added another name/,
    ],
    [
      'user scrape job named like MinIO',
      (c) => new ThanosStack(c, 'Thanos').prometheus.addScrapeJob(ScrapeJob.staticTargets('minio', ['app.apps.svc:8080'])),
      'Thanos/Prometheus',
      'scrape job "minio"',
      /give the job you added another name/,
    ],
    [
      'two rule groups with one name',
      (c) => {
        const p = new ThanosStack(c, 'Thanos').prometheus;
        for (let i = 0; i < 2; i++) p.addRuleGroup(new RuleGroup({ name: 'team', rules: [Rule.alert({ alert: 'Up', expr: 'up == 0' })] }));
      },
      'Thanos/Prometheus',
      'two rule groups render to team.rules.yaml',
      /give them different names/,
    ],
  ],
  'Dangerous combinations': [
    [
      'a Namespace object for kube-system',
      stack({}),
      'Thanos',
      'namespace "kube-system" is not valid for a Namespace object',
      /use a namespace of its own, or set createNamespace: false/,
      'kube-system',
    ],
    ['a Namespace object for default', stack({}), 'Thanos', 'namespace "default"', /set createNamespace: false/, 'default'],
  ],
  'App-wide': [
    [
      'compactors on one bucket spelled with and without slashes',
      twoCompactors({ prefix: 'eu1' }, { prefix: '/eu1/' }),
      'B',
      's3://s3.eu-west-1.amazonaws.com/thanos/eu1',
      /keep one ThanosCompactor per bucket/,
    ],
    [
      'compactors on one bucket with and without :443',
      twoCompactors({ endpoint: 's3.eu-west-1.amazonaws.com:443' }, { endpoint: 'S3.eu-west-1.amazonaws.com' }),
      'B',
      's3://s3.eu-west-1.amazonaws.com/thanos/',
      /keep one ThanosCompactor per bucket/,
    ],
  ],
  Contradictions: [
    [
      'GCS key and workload identity',
      (c) =>
        new GcsObjectStorage(c, 'Gcs', {
          bucket: 'thanos',
          serviceAccountKeySecret: Secret.fromSecretName(c, 'Key', 'gcs-key'),
          workloadIdentityServiceAccount: 'thanos@p.iam.gserviceaccount.com',
        }),
      'Gcs',
      'serviceAccountKeySecret "gcs-key" and workloadIdentityServiceAccount',
      /drop one of them/,
    ],
    [
      'Azure key and managed identity',
      (c) =>
        new AzureObjectStorage(c, 'Az', {
          storageAccount: 'acct',
          container: 'thanos',
          accountKeySecret: Secret.fromSecretName(c, 'Key', 'az-key'),
          workloadIdentityClientId: '00000000-0000-0000-0000-000000000000',
        }),
      'Az',
      'accountKeySecret "az-key" and workloadIdentityClientId',
      /Thanos refuses a config with both.*drop one of them/,
    ],
    [
      'S3 region contradicting an AWS endpoint',
      (c) =>
        new S3ObjectStorage(c, 'S3', {
          bucket: 'thanos',
          endpoint: 's3.eu-west-1.amazonaws.com',
          region: 'us-east-1',
          credentials: S3Credentials.workloadIdentity(),
        }),
      'S3',
      'region "us-east-1" contradicts endpoint "s3.eu-west-1.amazonaws.com"',
      /use region "eu-west-1" or drop region/,
    ],
  ],
  Limits: [
    [
      '2**31 Alertmanager replicas',
      stack({ alertmanager: { replicas: 2 ** 31 } }),
      'Thanos/Alertmanager',
      'replicas 2147483648 is not valid',
      /use a whole number in 1-100/,
    ],
    ['1000 querier replicas', stack({ query: { replicas: 1000 } }), 'Thanos/Query', 'replicas 1000 is not valid', /use a whole number in 1-100/],
    ['2**31 Prometheus replicas', stack({ prometheus: { replicas: 2 ** 31 } }), 'Thanos/Prometheus', 'replicas 2147483648', /use a whole number in 1-100/],
  ],
  'Over-rejection': [],
};

/** Valid neighbours of each category: accepted by validation, the final pass and the harness. */
const VALID: { [category: string]: Array<[string, (chart: Chart) => void, string?]> } = {
  Names: [['the longest Prometheus name', stack({ prometheus: { name: 'p'.repeat(48) } })]],
  'Label keys': [['an external label with an underscore', stack({ prometheus: { externalLabels: { k8s_cluster: 'eu1' } } })]],
  Durations: [['retention of exactly 3 block durations', stack({ prometheus: { retention: Duration.hours(6) } })]],
  Sizes: [['an index cache below the memory limit', stack({ store: { indexCache: IndexCache.inMemory(Size.mebibytes(256)) } })]],
  Replicas: [['one querier', stack({ query: { replicas: 1 } })]],
  Endpoints: [['a remote endpoint with a port', stack({ query: { endpoints: [StoreEndpoint.staticAddress('prometheus-eu1.example.com:10901')] } })]],
  'Conflicting options': [['no bucket and no store', stack({ minio: { enabled: false }, store: { enabled: false } })]],
  'Alerts and PromQL': [['alert thresholds inside their bounds', stack({ alerts: { errorRatio: 0.5, bucketLatency: Duration.seconds(1) } })]],
  'Kubernetes field grammar': [
    ['a dotted storage class', stack({ prometheus: { storageClassName: 'fast.ssd-1' } })],
    ['prefixed operator labels', (c) => new PrometheusOperator(c, 'Operator', { labels: { 'example.com/team': 'sre_1' } })],
    ['an IPv6 ipBlock with an except inside it', (c) => new Prometheus(c, 'P').connections.allowFrom(NetworkPeer.ipBlock('fd00::/8', ['fd00:1::/32']), 9090)],
    [
      'a CPU limit equal to its request',
      stack({ query: { resources: Resources.of({ cpu: Cpu.millis(500), cpuLimit: Cpu.millis(500), memory: Size.mebibytes(256) }) } }),
    ],
    ['a 63-character namespace', stack({}), 'm'.repeat(63)],
  ],
  Images: [
    ['a registry with a port', stack({ query: { image: 'localhost:5000/thanos/thanos:v0.42.4' } })],
    ['a digest', stack({ query: { image: `quay.io/thanos/thanos@${DIGEST}` } })],
    ['a tag and a digest', stack({ query: { image: `quay.io/thanos/thanos:v0.42.4@${DIGEST}` } })],
  ],
  'Types at the boundary': [
    [
      'every typed value',
      stack({ prometheus: { storageSize: Size.gibibytes(10), retention: Duration.days(2), externalLabels: { cluster: 'eu1' } }, query: { replicas: 2 } }),
    ],
  ],
  'Values that change meaning': [
    ['a $ in a label value (escaped in the config)', stack({ prometheus: { externalLabels: { cluster: 'eu1', cost: 'cost$center' } } })],
    ['retentionSize equal to the volume', stack({ prometheus: { retentionSize: Size.gibibytes(20), storageSize: Size.gibibytes(20) } })],
  ],
  'Credentials in output': [
    [
      'a webhook URL without credentials',
      stack({
        alertmanager: { receivers: [Receiver.webhook('team', { url: 'https://hooks.example.com/alerts?team=sre' })], route: new Route({ receiver: 'team' }) },
      }),
    ],
    ['a Grafana setting that is no credential', stack({ grafana: { env: { GF_SERVER_DOMAIN: 'grafana.example.com' } } })],
  ],
  'Literal Secrets': [['a Secret reference', (c) => new ThanosStack(c, 'Thanos', { objectStorageSecret: Secret.fromSecretName(c, 'Root', 'minio-root') })]],
  'Random stacks that break': [
    [
      'a user job with a name of its own',
      (c) => new ThanosStack(c, 'Thanos').prometheus.addScrapeJob(ScrapeJob.staticTargets('app', ['app.example.com:8080'])),
    ],
  ],
  'Dangerous combinations': [['kube-system without a Namespace object', stack({ createNamespace: false }), 'kube-system']],
  'App-wide': [
    [
      'two charts of one app (two clusters) with the same object names',
      (c) => {
        new ThanosStack(c, 'Thanos', { createNamespace: false, prometheus: { externalLabels: { cluster: 'eu1' } } });
        new ThanosStack(new Chart(App.of(c), 'again', { namespace: 'monitoring' }), 'Thanos', {
          createNamespace: false,
          prometheus: { externalLabels: { cluster: 'us1' } },
        });
      },
    ],
    [
      'two stacks in two namespaces',
      (c) => {
        new ThanosStack(c, 'Thanos');
        new ThanosStack(new Chart(App.of(c), 'other', { namespace: 'monitoring-2' }), 'Thanos', { prometheus: { externalLabels: { cluster: 'other' } } });
      },
    ],
    ['compactors on two prefixes of one bucket', twoCompactors({ prefix: 'eu1' }, { prefix: 'us1' })],
  ],
  Contradictions: [
    [
      'S3 region matching its endpoint',
      (c) =>
        new ThanosStack(c, 'Thanos', {
          objectStorage: new S3ObjectStorage(c, 'S3', {
            bucket: 'thanos',
            endpoint: 's3.eu-west-1.amazonaws.com',
            region: 'eu-west-1',
            credentials: S3Credentials.workloadIdentity(),
          }),
          ...SHARED,
        }),
    ],
    [
      'GCS workload identity alone',
      (c) =>
        new ThanosStack(c, 'Thanos', {
          objectStorage: new GcsObjectStorage(c, 'Gcs', { bucket: 'thanos', workloadIdentityServiceAccount: 'thanos@p.iam.gserviceaccount.com' }),
          ...SHARED,
        }),
    ],
  ],
  Limits: [['100 querier replicas', stack({ query: { replicas: 100 } })]],
  'Over-rejection': [['no bucket and retention 4h', stack({ minio: { enabled: false }, prometheus: { retention: Duration.hours(4) } })]],
};

const CASES: Case[] = Object.values(CATEGORIES).flat();

describe('bad input is rejected at synth time', () => {
  test(`the table has at least 30 cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  test('the README lists every category with its count of rejected cases and valid neighbours', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const m = /<!-- bad-input:start -->([\s\S]*?)<!-- bad-input:end -->/.exec(readme);
    const rows = m![1]
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| category') && !l.startsWith('| ---'))
      .map((l) =>
        l
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    expect(rows).toEqual(Object.keys(CATEGORIES).map((k) => [k, String(CATEGORIES[k].length), String(VALID[k]?.length ?? 0)]));
  });

  // A rest parameter: with six named ones Jest would take the sixth as `done` on five-element rows.
  test.each(CASES)('%s', (...row: Case) => {
    const [, build, path, value, fix, namespace] = row;
    const found = problemsOf(build, namespace);
    const prefix = path ? `[monitoring/${path}] ` : '[monitoring] ';
    // The final pass names the emitted object's construct, below the component's path.
    const line = found.find((p) => (p.startsWith(prefix) || (path !== '' && p.startsWith(`[monitoring/${path}/`))) && p.includes(value));
    // The problem names the construct path and the bad value...
    expect({ line, found }).toEqual({ line: expect.any(String), found });
    // ...and says how to fix it.
    expect(line).toMatch(fix);
  });

  const valid = Object.entries(VALID).flatMap(([category, cases]) =>
    cases.map(([what, build, ns]): [string, (c: Chart) => void, string | undefined] => [`${category}: ${what}`, build, ns]),
  );
  test.each(valid)('valid neighbour accepted: %s', (_, build, namespace) => {
    expectAccepted(build, namespace);
  });

  test('every problem of an app is reported at once', () => {
    const found = problemsOf(
      stack({
        prometheus: { name: 'Bad', retention: Duration.hours(1) },
        compactor: { replicas: 3 },
        query: { endpoints: [StoreEndpoint.staticAddress('no-port.example.com')] },
        grafana: { replicas: 2 },
      }),
    );
    expect(found.length).toBeGreaterThanOrEqual(5);
    for (const path of ['Prometheus', 'Compactor', 'Query', 'Grafana']) {
      expect(found.some((p) => p.startsWith(`[monitoring/Thanos/${path}] `))).toBe(true);
    }
  });
});
