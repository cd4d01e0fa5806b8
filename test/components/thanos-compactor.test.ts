import { Chart, Duration, Size } from 'cdk8s';
import { Cpu, Secret } from 'cdk8s-plus-27';
import { GcsObjectStorage, IObjectStorage, S3Credentials, S3ObjectStorage } from '../../src/wiring/object-storage';
import { Prometheus } from '../../src/components/prometheus';
import { Resources, SizePreset } from '../../src/config/resources';
import { DeduplicationFunc, ThanosCompactor, ThanosCompactorProps } from '../../src/components/thanos-compactor';
import { expectValid } from '../harness';
import { containerOf, find, flag, flags, problems, synth, ownEnv } from '../support/util';

const HARNESS = { externalSecrets: [{ name: 'thanos-objstore', keys: ['access_key', 'secret_key'] }], externalServices: ['minio.monitoring'] };

function bucket(chart: Chart, id = 'Bucket', name = 'thanos'): IObjectStorage {
  return new S3ObjectStorage(chart, id, {
    bucket: name,
    endpoint: 'minio.monitoring.svc:9000',
    insecure: true,
    configMapName: `objstore-${name}`,
    credentials: S3Credentials.fromSecret(Secret.fromSecretName(chart, `${id}Secret`, 'thanos-objstore')),
  });
}

function compactor(chart: Chart, props: Partial<ThanosCompactorProps> = {}): ThanosCompactor {
  return new ThanosCompactor(chart, 'Compactor', { objectStorage: bucket(chart), ...props });
}

const SELECTOR = { 'app.kubernetes.io/name': 'thanos-compact', 'app.kubernetes.io/instance': 'thanos-compact' };

describe('ThanosCompactor defaults', () => {
  let construct!: ThanosCompactor;
  const objects = synth((c) => {
    construct = compactor(c);
  });
  const sts = find(objects, 'StatefulSet', 'thanos-compact');
  const c = containerOf(sts, 'thanos-compact');

  test('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('passes the manifest validation harness', () => {
    expectValid(objects, HARNESS);
  });

  test('renders exactly the expected objects', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/objstore-thanos',
      'NetworkPolicy/thanos-compact',
      'Service/thanos-compact',
      'ServiceAccount/thanos-compact',
      'StatefulSet/thanos-compact',
    ]);
  });

  test('args: exactly the compact flags expected', () => {
    expect(c.image).toBe('quay.io/thanos/thanos:v0.42.4');
    expect(c.args).toEqual([
      'compact',
      '--wait',
      '--data-dir=/var/thanos/compact',
      '--http-address=0.0.0.0:10902',
      '--objstore.config-file=/etc/thanos/objstore/objstore.yml',
      '--retention.resolution-raw=30d',
      '--retention.resolution-5m=90d',
      '--retention.resolution-1h=365d',
    ]);
  });

  test('a single replica with a 100Gi claim at the data dir, claims retained, no PDB', () => {
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '100Gi' } } } });
    expect(c.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/thanos/compact' });
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
    expect(sts.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('a headless http-only Service named for the mixin governs it', () => {
    const svc = find(objects, 'Service', 'thanos-compact');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 10902, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual(SELECTOR);
    expect(sts.spec.serviceName).toBe('thanos-compact');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 10902, protocol: 'TCP' }]);
    expect(construct.scrapeEndpoints).toEqual([
      { jobName: 'thanos-compact', serviceName: 'thanos-compact', namespace: 'monitoring', port: { name: 'http', port: 10902 } },
    ]);
  });

  test('liveness and readiness probes, no startup probe', () => {
    expect(c.livenessProbe.httpGet).toEqual({ path: '/-/healthy', port: 'http', scheme: 'HTTP' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/-/ready', port: 'http', scheme: 'HTTP' });
    expect(c.startupProbe).toBeUndefined();
  });

  test("the grace period covers its HTTP server's (SIGTERM abandons a compaction, it does not finish it); no drain", () => {
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(130);
    expect(c.lifecycle).toBeUndefined();
  });

  test('restricted security, compactor resources, objstore wiring', () => {
    expect(sts.spec.template.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65534,
      fsGroup: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '1024Mi' }, limits: { memory: '1024Mi' } });
    expect(ownEnv(c).map((e: any) => e.name)).toEqual(['OBJSTORE_ACCESS_KEY', 'OBJSTORE_SECRET_KEY']);
    expect(sts.spec.template.spec.volumes).toEqual([{ name: 'objstore', configMap: { name: 'objstore-thanos' } }]);
    expect(sts.spec.template.metadata.annotations['checksum/objstore']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('NetworkPolicy: egress to the bucket only (plus DNS), no ingress until scraped', () => {
    const np = find(objects, 'NetworkPolicy', 'thanos-compact').spec;
    expect(np.podSelector.matchLabels).toEqual(SELECTOR);
    expect(np.egress).toHaveLength(2);
    expect(np.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      ports: [{ protocol: 'TCP', port: 9000 }],
    });
    expect(np.ingress).toEqual([]);
  });
});

describe('ThanosCompactor options', () => {
  test('retention, downsampling off, storage, image, resources', () => {
    const o = synth((c) =>
      compactor(c, {
        name: 'thanos-compact-eu1',
        retentionRaw: Duration.days(400),
        retention5m: Duration.days(10),
        retention1h: Duration.seconds(0),
        downsampling: false,
        storageSize: Size.gibibytes(500),
        storageClassName: 'ssd',
        image: 'example.com/thanos:v1',
        resources: Resources.of({ cpu: Cpu.units(1), memory: Size.gibibytes(4) }),
        networkPolicy: false,
      }),
    );
    const sts = find(o, 'StatefulSet', 'thanos-compact-eu1');
    const args = containerOf(sts, 'thanos-compact').args;
    expect(flag(args, '--retention.resolution-raw')).toBe('400d');
    expect(flag(args, '--retention.resolution-5m')).toBe('10d');
    expect(flag(args, '--retention.resolution-1h')).toBe('0s');
    expect(flag(args, '--downsampling.disable')).toBe(true);
    expect(args.filter((a: string) => a.startsWith('--downsampling'))).toEqual(['--downsampling.disable']);
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'ssd', resources: { requests: { storage: '500Gi' } } });
    expect(containerOf(sts, 'thanos-compact').image).toBe('example.com/thanos:v1');
    expect(containerOf(sts, 'thanos-compact').resources.limits.memory).toBe('4096Mi');
    expect(o.filter((x) => x.kind === 'NetworkPolicy')).toEqual([]);
  });

  test('forever (0) retention is accepted and outlives any finite one', () => {
    const o = synth((c) => compactor(c, { retentionRaw: Duration.days(60), retention5m: Duration.seconds(0), retention1h: Duration.seconds(0) }));
    expect(flag(containerOf(find(o, 'StatefulSet', 'thanos-compact'), 'thanos-compact').args, '--retention.resolution-5m')).toBe('0s');
  });

  test('deduplication labels: one flag each, penalty merge by default', () => {
    const o = synth((c) => {
      // The replica labels exist: the harness checks that they are some Prometheus' external labels.
      new Prometheus(c, 'A', { name: 'prometheus-a', externalLabels: { cluster: 'a' } });
      new Prometheus(c, 'B', { name: 'prometheus-b', externalLabels: { cluster: 'b' }, replicaLabel: 'prometheus_replica' });
      compactor(c, { deduplicationReplicaLabels: ['replica', 'prometheus_replica'], storageSize: Size.gibibytes(300), size: SizePreset.MEDIUM });
    });
    // 'configs' is left out: it flags Prometheus' rule_files glob with no rule groups, not the compactor.
    expectValid(o, { ...HARNESS, skip: ['configs'] });
    const args = containerOf(find(o, 'StatefulSet', 'thanos-compact'), 'thanos-compact').args;
    expect(flags(args, '--deduplication.replica-label')).toEqual(['replica', 'prometheus_replica']);
    expect(flag(args, '--deduplication.func')).toBe('penalty');
  });

  test('deduplication with the 1:1 merger emits no func flag', () => {
    const o = synth((c) => compactor(c, { deduplicationReplicaLabels: ['receive_replica'], deduplicationFunc: DeduplicationFunc.ONE_TO_ONE }));
    const args = containerOf(find(o, 'StatefulSet', 'thanos-compact'), 'thanos-compact').args;
    expect(flags(args, '--deduplication.replica-label')).toEqual(['receive_replica']);
    expect(flag(args, '--deduplication.func')).toBeUndefined();
  });

  test('workload identity annotates the ServiceAccount', () => {
    const o = synth(
      (c) =>
        new ThanosCompactor(c, 'C', {
          objectStorage: new GcsObjectStorage(c, 'B', { bucket: 'metrics', workloadIdentityServiceAccount: 'thanos@p.iam.gserviceaccount.com' }),
        }),
    );
    expect(find(o, 'ServiceAccount', 'thanos-compact').metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': 'thanos@p.iam.gserviceaccount.com' });
  });

  test('one compactor per bucket: two buckets may each have one', () => {
    expect(
      problems((c) => {
        new ThanosCompactor(c, 'A', { name: 'thanos-compact-a', objectStorage: bucket(c, 'BucketA', 'bucket-a') });
        new ThanosCompactor(c, 'B', { name: 'thanos-compact-b', objectStorage: bucket(c, 'BucketB', 'bucket-b') });
      }),
    ).toEqual([]);
  });

  test('Prometheus scraping the compactor opens its NetworkPolicy on http', () => {
    const o = synth((c) => new Prometheus(c, 'P', { annotationDiscovery: false }).scrape(compactor(c)));
    expect(find(o, 'NetworkPolicy', 'thanos-compact').spec.ingress).toEqual([
      {
        from: [
          expect.objectContaining({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': 'prometheus' } } }),
        ],
        ports: [{ protocol: 'TCP', port: 10902 }],
      },
    ]);
  });
});

describe('ThanosCompactor validation', () => {
  const cases: Array<[string, (c: Chart) => void, RegExp]> = [
    ['replicas 2', (c) => compactor(c, { replicas: 2 }), /replicas 2 is not allowed: compactors take no lock on the bucket.*use replicas: 1/],
    ['replicas 0', (c) => compactor(c, { replicas: 0 }), /replicas 0 is not allowed/],
    [
      'two compactors on one bucket',
      (c) => {
        const b = bucket(c);
        new ThanosCompactor(c, 'First', { name: 'thanos-compact-1', objectStorage: b });
        new ThanosCompactor(c, 'Second', { name: 'thanos-compact-2', objectStorage: b });
      },
      /bucket s3:\/\/minio.monitoring.svc:9000\/thanos\/ in cluster test is also compacted by test\/First: two compactors on one bucket corrupt it/,
    ],
    [
      'two compactors on two definitions of the same bucket',
      (c) => {
        new ThanosCompactor(c, 'First', { name: 'thanos-compact-1', objectStorage: bucket(c, 'B1') });
        new ThanosCompactor(c, 'Second', { name: 'thanos-compact-2', objectStorage: bucket(c, 'B2') });
      },
      /is also compacted by test\/Second/,
    ],
    [
      '5m retention shorter than raw',
      (c) => compactor(c, { retentionRaw: Duration.days(60), retention5m: Duration.days(30) }),
      /retention5m 30d is shorter than retentionRaw 60d: .*set retention5m to at least 60d/,
    ],
    ['1h retention shorter than 5m', (c) => compactor(c, { retention1h: Duration.days(60) }), /retention1h 60d is shorter than retention5m 90d/],
    [
      'finite 5m retention under forever raw',
      (c) => compactor(c, { retentionRaw: Duration.seconds(0) }),
      /retention5m 90d is shorter than retentionRaw forever/,
    ],
    [
      'raw retention under 40h',
      (c) => compactor(c, { retentionRaw: Duration.days(1), retention5m: Duration.days(30) }),
      /retentionRaw 1d is shorter than 40h.*the compactor refuses to start/,
    ],
    [
      '5m retention under 10 days',
      (c) => compactor(c, { retentionRaw: Duration.days(2), retention5m: Duration.days(5) }),
      /retention5m 5d is shorter than 10d/,
    ],
    [
      'a bad dedup label',
      (c) => compactor(c, { deduplicationReplicaLabels: ['prometheus-replica'] }),
      /deduplicationReplicaLabels entry "prometheus-replica" is not a valid Prometheus label name/,
    ],
    ['a reserved dedup label', (c) => compactor(c, { deduplicationReplicaLabels: ['__replica__'] }), /"__replica__" is not a valid Prometheus label name/],
    [
      'a dedup func without labels',
      (c) => compactor(c, { deduplicationFunc: DeduplicationFunc.PENALTY }),
      /deduplicationFunc is set without deduplicationReplicaLabels/,
    ],
    ['an invalid name', (c) => compactor(c, { name: 'Thanos.Compact' }), /name "Thanos.Compact" is not a valid name/],
    [
      'a bad resource limit',
      (c) =>
        compactor(c, { size: SizePreset.LARGE, resources: Resources.of({ cpu: Cpu.units(1), memory: Size.gibibytes(2), memoryLimit: Size.gibibytes(1) }) }),
      /memory limit 1024Mi is below the request/,
    ],
  ];

  test.each(cases)('rejects %s', (_, build, message) => {
    expect(() => synth(build)).toThrow(message);
  });

  test('retention order is not checked with downsampling off', () => {
    expect(problems((c) => compactor(c, { downsampling: false, retentionRaw: Duration.days(400), retention5m: Duration.days(1) }))).toEqual([]);
  });

  test('reports every problem at once', () => {
    const found = problems((c) => compactor(c, { replicas: 3, deduplicationReplicaLabels: ['a-b'], retention1h: Duration.days(1) }));
    expect(found).toHaveLength(3);
  });
});
