import { parse } from 'yaml';
import { SeaweedFS } from '../../src/components/seaweedfs';
import { Prometheus } from '../../src/components/prometheus';
import { prerequisiteSecrets } from '../../src/output/prerequisites';
import { ThanosCompactor } from '../../src/components/thanos-compactor';
import { ThanosStore } from '../../src/components/thanos-store';
import { expectValid } from '../harness';
import { describeStoreContract, STORE_HARNESS, storeBuilder } from '../support/in-cluster-store';
import { containerOf, find, Manifest, ownEnv, STORE_OPTIONS, synth } from '../support/util';

const seaweedfs = storeBuilder(SeaweedFS, 'SeaweedFS');

const secretRef = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: 'thanos-objstore', key } } });
const inNamespace = (matchLabels: Record<string, string>) => ({
  podSelector: { matchLabels },
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
});
const seaweedPeer = inNamespace({ 'app.kubernetes.io/name': 'seaweedfs', 'app.kubernetes.io/instance': 'seaweedfs' });

describe('SeaweedFS defaults', () => {
  const objects = synth((c) => seaweedfs(c));
  const sts = find(objects, 'StatefulSet', 'seaweedfs');
  const server = containerOf(sts, 'seaweedfs');

  test('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('passes the manifest validation harness', () => {
    expectValid(objects, STORE_HARNESS);
  });

  test('renders exactly the expected objects: no bootstrap Job, the server creates the bucket', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/thanos-objstore',
      'NetworkPolicy/seaweedfs',
      'Service/seaweedfs',
      'Service/seaweedfs-headless',
      'ServiceAccount/seaweedfs',
      'StatefulSet/seaweedfs',
    ]);
    for (const o of objects) expect(o.metadata.namespace).toBe('monitoring');
  });

  test('one replica with a 50Gi data claim at /data, claims retained', () => {
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe('seaweedfs-headless');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    const claim = sts.spec.volumeClaimTemplates[0];
    expect(claim.metadata.name).toBe('data');
    expect(claim.spec.resources.requests.storage).toBe('50Gi');
    expect(claim.spec.storageClassName).toBeUndefined();
    expect(server.volumeMounts).toEqual([
      { name: 'data', mountPath: '/data' },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(sts.spec.template.spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
  });

  test('weed mini runs directly: all-in-one on /data, loopback identity, fixed S3 and metrics ports, logs to stderr', () => {
    expect(server.image).toBe('docker.io/chrislusf/seaweedfs:4.48');
    expect(server.command).toEqual(['/usr/bin/weed']);
    expect(server.args).toEqual(['-logtostderr=true', 'mini', '-dir=/data', '-ip=127.0.0.1', '-ip.bind=0.0.0.0', '-s3.port=8333', '-metricsPort=9327']);
    expect(server.ports).toEqual([
      { name: 's3', containerPort: 8333, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9327, protocol: 'TCP' },
    ]);
  });

  test('credentials come from the Secret, the bucket is created at start, HOME is writable', () => {
    expect(ownEnv(server)).toEqual([
      secretRef('AWS_ACCESS_KEY_ID', 'access_key'),
      secretRef('AWS_SECRET_ACCESS_KEY', 'secret_key'),
      { name: 'S3_BUCKET', value: 'thanos' },
      { name: 'HOME', value: '/tmp' },
    ]);
  });

  test('liveness and readiness probe the S3 gateway health endpoints', () => {
    expect(server.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 's3', scheme: 'HTTP' });
    expect(server.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 's3', scheme: 'HTTP' });
  });

  test('restricted security as the image user 1000 with a writable volume group', () => {
    const pod = sts.spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(server.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('seaweedfs');
  });

  test('resources from the small preset', () => {
    expect(server.resources).toEqual({ requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '512Mi' } });
  });

  test('a headless governing Service on S3 and a ClusterIP Service on S3 and metrics', () => {
    const svc = find(objects, 'Service', 'seaweedfs');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toEqual([
      { name: 's3', port: 8333, targetPort: 's3', protocol: 'TCP' },
      { name: 'metrics', port: 9327, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'seaweedfs', 'app.kubernetes.io/instance': 'seaweedfs' });
    expect(find(objects, 'Service', 'seaweedfs-headless').spec.clusterIP).toBe('None');
  });

  test('alone, it admits nobody and reaches only DNS', () => {
    const policy = find(objects, 'NetworkPolicy', 'seaweedfs').spec;
    expect(policy.ingress).toEqual([]);
    // DNS to the cluster DNS pods only.
    expect(policy.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ]);
  });

  test('objectStorage: plain-HTTP path-style S3 on the Service port 8333, credentials only as placeholders', () => {
    const cfg = parse(find(objects, 'ConfigMap', 'thanos-objstore').data['objstore.yml']);
    expect(cfg).toEqual({
      type: 'S3',
      config: {
        bucket: 'thanos',
        endpoint: 'seaweedfs.monitoring.svc:8333',
        insecure: true,
        bucket_lookup_type: 'path',
        access_key: '$(OBJSTORE_ACCESS_KEY)',
        secret_key: '$(OBJSTORE_SECRET_KEY)',
      },
    });
  });
});

describe('SeaweedFS wiring', () => {
  test('a Thanos component bound to objectStorage gets egress to S3 only, and SeaweedFS admits it there', () => {
    const objects = synth((c) => new ThanosStore(c, 'Store', { objectStorage: seaweedfs(c).objectStorage }));
    const storePeer = inNamespace({ 'app.kubernetes.io/name': 'thanos-store', 'app.kubernetes.io/instance': 'thanos-store' });
    expect(find(objects, 'NetworkPolicy', 'seaweedfs').spec.ingress).toEqual([{ from: [storePeer], ports: [{ protocol: 'TCP', port: 8333 }] }]);
    const storeEgress = find(objects, 'NetworkPolicy', 'thanos-store').spec.egress;
    expect(storeEgress).toContainEqual({ to: [seaweedPeer], ports: [{ protocol: 'TCP', port: 8333 }] });
    const store = containerOf(find(objects, 'StatefulSet', 'thanos-store'), 'thanos-store');
    expect(ownEnv(store)).toEqual([secretRef('OBJSTORE_ACCESS_KEY', 'access_key'), secretRef('OBJSTORE_SECRET_KEY', 'secret_key')]);
  });

  test('Prometheus scrapes /metrics on the metrics port, and only there', () => {
    const objects = synth((c) => {
      const s = seaweedfs(c);
      new Prometheus(c, 'P', { annotationDiscovery: false }).scrape(s);
    });
    const cfg = parse(find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
    const job = cfg.scrape_configs.find((j: any) => j.job_name === 'seaweedfs');
    expect(job.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job.relabel_configs[0]).toMatchObject({ regex: 'seaweedfs;metrics', action: 'keep' });
    const ingress = find(objects, 'NetworkPolicy', 'seaweedfs').spec.ingress;
    expect(ingress).toHaveLength(1);
    expect(ingress[0].ports).toEqual([{ protocol: 'TCP', port: 9327 }]);
  });

  test('the Secret is a declared prerequisite with both keys', () => {
    let s!: SeaweedFS;
    synth((c) => {
      s = seaweedfs(c, { accessKeyKey: 'user', secretKeyKey: 'password' });
    });
    expect(prerequisiteSecrets(s)).toEqual([expect.objectContaining({ name: 'thanos-objstore', keys: ['password', 'user'] })]);
  });

  test('nothing in the output carries a credential literal', () => {
    const objects = synth((c) => seaweedfs(c));
    const env = objects.flatMap((o) => o.spec?.template?.spec?.containers ?? []).flatMap((c: any) => c.env ?? []);
    const credentials = env.filter((e: any) => /KEY/.test(e.name));
    expect(credentials).toHaveLength(2);
    for (const e of credentials) expect(e).toEqual({ name: e.name, valueFrom: { secretKeyRef: { name: 'thanos-objstore', key: expect.any(String) } } });
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('SeaweedFS with a compactor and a store on its bucket synthesize together', () => {
    const objects: Manifest[] = synth((c) => {
      const s = seaweedfs(c);
      new ThanosCompactor(c, 'Compact', { objectStorage: s.objectStorage });
      new ThanosStore(c, 'Store', { objectStorage: s.objectStorage });
    });
    expect(find(objects, 'StatefulSet', 'thanos-compact')).toBeDefined();
    expectValid(objects, STORE_HARNESS);
  });
});

describe('SeaweedFS options', () => {
  const objects = synth((c) =>
    seaweedfs(c, {
      ...STORE_OPTIONS,
      image: 'example.com/seaweedfs:1',
    }),
  );
  const sts = find(objects, 'StatefulSet', 'objects');
  const server = containerOf(sts, 'seaweedfs');

  test('names, image, storage, keys and bucket follow the props', () => {
    expect(sts.spec.serviceName).toBe('objects-headless');
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '200Gi' } } });
    expect(server.image).toBe('example.com/seaweedfs:1');
    expect(server.env.slice(0, 3)).toEqual([
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'thanos-objstore', key: 'user' } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'thanos-objstore', key: 'password' } } },
      { name: 'S3_BUCKET', value: 'metrics-eu1' },
    ]);
    expect(server.resources.requests).toEqual({ cpu: '1000m', memory: '4096Mi' });
    expect(sts.metadata.labels['app.kubernetes.io/version']).toBe('1');
  });
});

describeStoreContract({ label: 'SeaweedFS', name: 'seaweedfs', s3Port: 8333, maxName: 52, build: seaweedfs });
