import { parse } from 'yaml';
import { MinIO } from '../../src/components/minio';
import { Prometheus } from '../../src/components/prometheus';
import { prerequisiteSecrets } from '../../src/output/prerequisites';
import { ThanosCompactor } from '../../src/components/thanos-compactor';
import { ThanosStore } from '../../src/components/thanos-store';
import { expectValid } from '../harness';
import { describeStoreContract, STORE_HARNESS, storeBuilder } from '../support/in-cluster-store';
import { containerOf, find, Manifest, STORE_OPTIONS, synth, ownEnv } from '../support/util';

/** Every NetworkPolicy's DNS egress goes to the cluster DNS pods only. */
const KUBE_DNS = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
};

const minio = storeBuilder(MinIO, 'MinIO');

const secretRef = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: 'thanos-objstore', key } } });

describe('MinIO defaults', () => {
  const objects = synth((c) => minio(c));
  const sts = find(objects, 'StatefulSet', 'minio');
  const server = containerOf(sts, 'minio');
  const job = objects.find((o) => o.kind === 'Job')!;
  const mc = containerOf(job, 'mc');

  test('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('passes the manifest validation harness', () => {
    expectValid(objects, STORE_HARNESS);
  });

  test('the bucket Job is named after its container, so a new image is a new Job, not an immutable-field error', () => {
    expect(job.metadata.name).toMatch(/^minio-bucket-[0-9a-f]{8}$/);
    const again = synth((c) => minio(c)).find((o) => o.kind === 'Job')!;
    expect(again.metadata.name).toBe(job.metadata.name);
    const bumped = synth((c) => minio(c, { clientImage: 'quay.io/minio/mc:RELEASE.2025-09-01T00-00-00Z' })).find((o) => o.kind === 'Job')!;
    expect(bumped.metadata.name).not.toBe(job.metadata.name);
  });

  test('renders exactly the expected objects', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/thanos-objstore',
      `Job/${job.metadata.name}`,
      'NetworkPolicy/minio',
      'NetworkPolicy/minio-create-bucket',
      'Service/minio',
      'Service/minio-headless',
      'ServiceAccount/minio',
      'StatefulSet/minio',
    ]);
    for (const o of objects) expect(o.metadata.namespace).toBe('monitoring');
  });

  test('one replica with a 50Gi data claim at /data, claims retained', () => {
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe('minio-headless');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    const claim = sts.spec.volumeClaimTemplates[0];
    expect(claim.metadata.name).toBe('data');
    expect(claim.spec.resources.requests.storage).toBe('50Gi');
    expect(claim.spec.storageClassName).toBeUndefined();
    expect(server.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(sts.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('server args: data dir, fixed API and console ports, certs in the writable emptyDir', () => {
    expect(server.image).toBe('quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z');
    expect(server.command).toBeUndefined();
    expect(server.args).toEqual(['server', '/data', '--address=:9000', '--console-address=:9001', '--certs-dir=/tmp/certs']);
    expect(server.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(sts.spec.template.spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    expect(server.ports).toEqual([{ name: 's3', containerPort: 9000, protocol: 'TCP' }]);
  });

  test('root credentials come from the Secret; metrics are public; HOME is writable', () => {
    expect(ownEnv(server)).toEqual([
      secretRef('MINIO_ROOT_USER', 'access_key'),
      secretRef('MINIO_ROOT_PASSWORD', 'secret_key'),
      { name: 'MINIO_PROMETHEUS_AUTH_TYPE', value: 'public' },
      { name: 'HOME', value: '/tmp' },
    ]);
  });

  test('liveness and readiness probe the MinIO health endpoints', () => {
    expect(server.livenessProbe.httpGet).toEqual({ path: '/minio/health/live', port: 's3', scheme: 'HTTP' });
    expect(server.readinessProbe.httpGet).toEqual({ path: '/minio/health/ready', port: 's3', scheme: 'HTTP' });
  });

  test('restricted security as a non-root user with a writable volume group', () => {
    const pod = sts.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(server.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('minio');
  });

  test('resources from the small preset', () => {
    expect(server.resources).toEqual({ requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '512Mi' } });
  });

  test('a headless governing Service and a ClusterIP Service, both on the named s3 port', () => {
    const svc = find(objects, 'Service', 'minio');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.clusterIP).toBeUndefined();
    expect(svc.spec.ports).toEqual([{ name: 's3', port: 9000, targetPort: 's3', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'minio', 'app.kubernetes.io/instance': 'minio' });
    expect(find(objects, 'Service', 'minio-headless').spec.clusterIP).toBe('None');
  });

  test('the bucket Job runs mc without a shell, alias from env assembled by Kubernetes', () => {
    expect(mc.image).toBe('quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z');
    expect(mc.command).toBeUndefined();
    expect(mc.args).toEqual(['mb', '--ignore-existing', 'minio/thanos']);
    expect(ownEnv(mc)).toEqual([
      secretRef('MINIO_ACCESS_KEY', 'access_key'),
      secretRef('MINIO_SECRET_KEY', 'secret_key'),
      { name: 'MC_HOST_minio', value: 'http://$(MINIO_ACCESS_KEY):$(MINIO_SECRET_KEY)@minio.monitoring.svc:9000' },
      { name: 'MC_CONFIG_DIR', value: '/tmp/.mc' },
    ]);
    // $(VAR) expands only from variables defined earlier in the list.
    const names = mc.env.map((e: any) => e.name);
    expect(names.indexOf('MC_HOST_minio')).toBeGreaterThan(names.indexOf('MINIO_SECRET_KEY'));
    expect(mc.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  test('the bucket Job first waits for MinIO with mc ready (it repeats until MinIO answers), same alias, no shell', () => {
    const init = job.spec.template.spec.initContainers;
    expect(init.map((c: any) => c.name)).toEqual(['wait-for-minio']);
    expect(init[0].image).toBe(mc.image);
    expect(init[0].command).toBeUndefined();
    expect(init[0].args).toEqual(['ready', 'minio']);
    expect(init[0].env).toEqual(mc.env);
    expect(init[0].securityContext).toEqual(mc.securityContext);
  });

  test('the bucket Job retries until MinIO is up, restricted, small, without probes', () => {
    expect(job.spec.backoffLimit).toBe(20);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('OnFailure');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(mc.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(mc.resources).toEqual({ requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '64Mi' } });
    expect(mc.livenessProbe).toBeUndefined();
    expect(mc.readinessProbe).toBeUndefined();
    // The Job's pods are not selected by MinIO's Services.
    expect(job.spec.template.metadata.labels['app.kubernetes.io/instance']).toBe('minio-create-bucket');
    expect(job.spec.selector).toBeUndefined();
  });

  test('the Job may reach MinIO on 9000, and MinIO admits it', () => {
    const jobPeer = {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'minio-client', 'app.kubernetes.io/instance': 'minio-create-bucket' } },
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
    };
    const minioPeer = {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'minio', 'app.kubernetes.io/instance': 'minio' } },
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
    };
    const jobPolicy = find(objects, 'NetworkPolicy', 'minio-create-bucket').spec;
    expect(jobPolicy.podSelector.matchLabels).toEqual(jobPeer.podSelector.matchLabels);
    expect(jobPolicy.egress).toContainEqual({ to: [minioPeer], ports: [{ protocol: 'TCP', port: 9000 }] });
    expect(jobPolicy.ingress).toEqual([]);
    const minioPolicy = find(objects, 'NetworkPolicy', 'minio').spec;
    expect(minioPolicy.ingress).toEqual([{ from: [jobPeer], ports: [{ protocol: 'TCP', port: 9000 }] }]);
    expect(minioPolicy.egress).toEqual([
      {
        to: [KUBE_DNS],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ]);
  });

  test('objectStorage: plain-HTTP path-style S3 on the Service, credentials only as placeholders', () => {
    const cfg = parse(find(objects, 'ConfigMap', 'thanos-objstore').data['objstore.yml']);
    expect(cfg).toEqual({
      type: 'S3',
      config: {
        bucket: 'thanos',
        endpoint: 'minio.monitoring.svc:9000',
        insecure: true,
        bucket_lookup_type: 'path',
        access_key: '$(OBJSTORE_ACCESS_KEY)',
        secret_key: '$(OBJSTORE_SECRET_KEY)',
      },
    });
  });
});

describe('MinIO wiring', () => {
  test('a Thanos component bound to objectStorage gets egress to MinIO and MinIO admits it', () => {
    const objects = synth((c) => new ThanosStore(c, 'Store', { objectStorage: minio(c).objectStorage }));
    const storePeer = {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'thanos-store', 'app.kubernetes.io/instance': 'thanos-store' } },
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
    };
    const minioIngress = find(objects, 'NetworkPolicy', 'minio').spec.ingress;
    expect(minioIngress).toHaveLength(1);
    expect(minioIngress[0].ports).toEqual([{ protocol: 'TCP', port: 9000 }]);
    expect(minioIngress[0].from).toContainEqual(storePeer);
    const storeEgress = find(objects, 'NetworkPolicy', 'thanos-store').spec.egress;
    expect(storeEgress).toContainEqual({
      to: [expect.objectContaining({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'minio', 'app.kubernetes.io/instance': 'minio' } } })],
      ports: [{ protocol: 'TCP', port: 9000 }],
    });
    const store = containerOf(find(objects, 'StatefulSet', 'thanos-store'), 'thanos-store');
    expect(ownEnv(store)).toEqual([secretRef('OBJSTORE_ACCESS_KEY', 'access_key'), secretRef('OBJSTORE_SECRET_KEY', 'secret_key')]);
  });

  test('Prometheus scrapes the public cluster metrics path', () => {
    const objects = synth((c) => {
      const m = minio(c);
      new Prometheus(c, 'P', { annotationDiscovery: false }).scrape(m);
    });
    const cfg = parse(find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
    const job = cfg.scrape_configs.find((j: any) => j.job_name === 'minio');
    expect(job.metrics_path).toBe('/minio/v2/metrics/cluster');
    expect(job.relabel_configs[0]).toMatchObject({ regex: 'minio;s3', action: 'keep' });
    expect(find(objects, 'NetworkPolicy', 'minio').spec.ingress).toContainEqual(expect.objectContaining({ ports: [{ protocol: 'TCP', port: 9000 }] }));
  });

  test('the Secret is a declared prerequisite with both keys', () => {
    let m!: MinIO;
    synth((c) => {
      m = minio(c, { accessKeyKey: 'user', secretKeyKey: 'password' });
    });
    expect(prerequisiteSecrets(m)).toEqual([expect.objectContaining({ name: 'thanos-objstore', keys: ['password', 'user'] })]);
  });

  test('nothing in the output carries a credential literal', () => {
    const objects = synth((c) => minio(c));
    const env = objects.flatMap((o) => o.spec?.template?.spec?.containers ?? []).flatMap((c: any) => c.env ?? []);
    const credentials = env.filter((e: any) => /USER|PASSWORD|KEY|MC_HOST/.test(e.name));
    expect(credentials).toHaveLength(5);
    for (const e of credentials) {
      // Either a Secret reference, or a value built only from such references.
      if (e.value !== undefined) expect(e.value).toBe('http://$(MINIO_ACCESS_KEY):$(MINIO_SECRET_KEY)@minio.monitoring.svc:9000');
      else expect(e.valueFrom.secretKeyRef.name).toBe('thanos-objstore');
    }
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('MinIO and a compactor on its bucket synthesize together', () => {
    const objects: Manifest[] = synth((c) => {
      const m = minio(c);
      new ThanosCompactor(c, 'Compact', { objectStorage: m.objectStorage });
      new ThanosStore(c, 'Store', { objectStorage: m.objectStorage });
    });
    expect(find(objects, 'StatefulSet', 'thanos-compact')).toBeDefined();
    expectValid(objects, STORE_HARNESS);
  });
});

describe('MinIO options', () => {
  const objects = synth((c) =>
    minio(c, {
      ...STORE_OPTIONS,
      image: 'example.com/minio:1',
      clientImage: 'example.com/mc:1',
    }),
  );
  const sts = find(objects, 'StatefulSet', 'objects');
  const job = objects.find((o) => o.kind === 'Job')!;

  test('names, images, storage, keys and bucket follow the props', () => {
    expect(sts.spec.serviceName).toBe('objects-headless');
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '200Gi' } } });
    const server = containerOf(sts, 'minio');
    expect(server.image).toBe('example.com/minio:1');
    expect(server.env[0]).toEqual({ name: 'MINIO_ROOT_USER', valueFrom: { secretKeyRef: { name: 'thanos-objstore', key: 'user' } } });
    expect(server.resources.requests).toEqual({ cpu: '1000m', memory: '4096Mi' });
    const mc = containerOf(job, 'mc');
    expect(mc.image).toBe('example.com/mc:1');
    expect(mc.args).toEqual(['mb', '--ignore-existing', 'minio/metrics-eu1']);
    expect(mc.env[2].value).toBe('http://$(MINIO_ACCESS_KEY):$(MINIO_SECRET_KEY)@objects.monitoring.svc:9000');
    expect(sts.metadata.labels['app.kubernetes.io/version']).toBe('1');
  });
});

describeStoreContract({ label: 'MinIO', name: 'minio', s3Port: 9000, maxName: 47, build: minio });
