import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { InClusterObjectStore, prerequisiteSecrets, ThanosStack, ThanosStackProps } from '../../src';
import { validateManifestsDetailed } from '../harness';
import { find, Manifest } from '../support/util';

function synthStack(props: ThanosStackProps): { objects: Manifest[]; stack: ThanosStack; problems: unknown[] } {
  const app = Testing.app();
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const stack = new ThanosStack(chart, 'Thanos', props);
  const objects = Testing.synth(chart) as Manifest[];
  return { objects, stack, problems: validateManifestsDetailed(objects, { externalSecrets: prerequisiteSecrets(app) }).problems };
}

const workloads = (objects: Manifest[]) => objects.filter((o) => ['StatefulSet', 'Deployment', 'Job'].includes(o.kind));
const inNamespace = (name: string) => ({
  podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name } },
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
});

/** Each container that reads a bucket config, with the config parsed from the ConfigMap mounted at its path. */
function objstoreConfigs(objects: Manifest[]): Array<{ workload: string; container: string; config: any }> {
  return workloads(objects).flatMap((w) => {
    const pod = w.spec.template.spec;
    return [...(pod.initContainers ?? []), ...pod.containers].flatMap((c: any) => {
      const arg: string | undefined = (c.args ?? []).find((a: string) => a.startsWith('--objstore.config-file='));
      if (!arg) return [];
      const path = arg.split('=')[1];
      const mount = c.volumeMounts.find((m: any) => path.startsWith(`${m.mountPath}/`));
      const volume = pod.volumes.find((v: any) => v.name === mount.name);
      const cm = find(objects, 'ConfigMap', volume.configMap.name);
      return [{ workload: w.metadata.name, container: c.name, config: parse(cm.data[path.slice(mount.mountPath.length + 1)]) }];
    });
  });
}

describe('ThanosStack with SeaweedFS as the in-cluster store', () => {
  const { objects, stack, problems } = synthStack({ inClusterObjectStore: InClusterObjectStore.SEAWEEDFS });

  test('synthesizes and passes every harness check', () => {
    expect(problems).toEqual([]);
  });

  test('SeaweedFS replaces MinIO: no MinIO object, no bucket Job, stack.seaweedfs set', () => {
    expect(stack.minio).toBeUndefined();
    expect(stack.seaweedfs?.name).toBe('seaweedfs');
    expect(stack.objectStorage).toBe(stack.seaweedfs?.objectStorage);
    expect(JSON.stringify(objects)).not.toMatch(/minio/);
    expect(objects.filter((o) => o.kind === 'Job')).toEqual([]);
    expect(find(objects, 'StatefulSet', 'seaweedfs').spec.template.spec.containers[0].env).toContainEqual({ name: 'S3_BUCKET', value: 'thanos' });
  });

  test('every Thanos component reads one objstore config pointing at the SeaweedFS Service on 8333', () => {
    const configs = objstoreConfigs(objects);
    expect(configs.map((c) => `${c.workload}/${c.container}`).sort()).toEqual([
      'prometheus/thanos-sidecar',
      'thanos-bucketweb/thanos-bucketweb',
      'thanos-compact/thanos-compact',
      'thanos-rule/thanos-rule',
      'thanos-store/thanos-store',
    ]);
    // The config's fields are SeaweedFS' own test (test/components/seaweedfs.test.ts): here, one config for all.
    for (const { config } of configs) expect(config).toEqual(configs[0].config);
    expect(configs[0].config).toMatchObject({ type: 'S3', config: { bucket: 'thanos', endpoint: 'seaweedfs.monitoring.svc:8333' } });
    const svc = find(objects, 'Service', 'seaweedfs');
    expect(svc.spec.ports).toContainEqual({ name: 's3', port: 8333, targetPort: 's3', protocol: 'TCP' });
  });

  test('the NetworkPolicies admit exactly the bucket users on 8333 and Prometheus on the metrics port', () => {
    const users = ['prometheus', 'thanos-bucketweb', 'thanos-compact', 'thanos-rule', 'thanos-store'];
    const ingress = find(objects, 'NetworkPolicy', 'seaweedfs').spec.ingress;
    expect(ingress).toHaveLength(2);
    const s3 = ingress.find((r: any) => r.ports[0].port === 8333);
    expect(s3.ports).toEqual([{ protocol: 'TCP', port: 8333 }]);
    expect(s3.from.map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name']).sort()).toEqual(users);
    const metrics = ingress.find((r: any) => r.ports[0].port === 9327);
    expect(metrics).toEqual({ from: [inNamespace('prometheus')], ports: [{ protocol: 'TCP', port: 9327 }] });
    // Each bucket user may reach SeaweedFS on 8333, and nothing else may reach it at all
    // (Prometheus' egress is open by design: it scrapes and discovers across the cluster).
    const seaweed = inNamespace('seaweedfs');
    for (const policy of objects.filter((o) => o.kind === 'NetworkPolicy' && !['seaweedfs', 'prometheus'].includes(o.metadata.name))) {
      const toSeaweed = (policy.spec.egress ?? []).filter((r: any) =>
        (r.to ?? []).some((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'seaweedfs'),
      );
      const name = policy.metadata.name;
      if (!users.includes(name)) expect({ name, toSeaweed }).toEqual({ name, toSeaweed: [] });
      else expect({ name, toSeaweed }).toEqual({ name, toSeaweed: [{ to: [seaweed], ports: [{ protocol: 'TCP', port: 8333 }] }] });
    }
  });

  test('no Secret is rendered and every secret reference names the Secrets you create', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const refs = [...JSON.stringify(objects).matchAll(/"secretKeyRef":\{"key":"([^"]+)","name":"([^"]+)"\}/g)].map((m) => `${m[2]}/${m[1]}`);
    expect([...new Set(refs)].sort()).toEqual(['thanos-objstore/access_key', 'thanos-objstore/secret_key']);
  });

  test('Pod Security restricted on the SeaweedFS pod', () => {
    const pod = find(objects, 'StatefulSet', 'seaweedfs').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
    // The Namespace warns and audits (enforcing is opt-in, for namespaces the stack owns alone).
    expect(find(objects, 'Namespace', 'monitoring').metadata.labels['pod-security.kubernetes.io/warn']).toBe('restricted');
  });

  test('Prometheus scrapes SeaweedFS', () => {
    const jobs = parse(find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml']).scrape_configs.map((j: any) => j.job_name);
    expect(jobs).toContain('seaweedfs');
  });

  test('seaweedfs options reach the component; the objectStorageSecret is its credentials', () => {
    const { objects: custom, problems: p } = synthStack({
      inClusterObjectStore: InClusterObjectStore.SEAWEEDFS,
      seaweedfs: { name: 'objects', bucket: 'metrics' },
    });
    expect(p).toEqual([]);
    const cfg = objstoreConfigs(custom)[0].config.config;
    expect(cfg).toMatchObject({ bucket: 'metrics', endpoint: 'objects.monitoring.svc:8333' });
  });

  test('seaweedfs off: no bucket, so no store, compactor or bucket web, and nothing names SeaweedFS', () => {
    const { objects: off, problems: p } = synthStack({ inClusterObjectStore: InClusterObjectStore.SEAWEEDFS, seaweedfs: { enabled: false } });
    expect(p).toEqual([]);
    expect(
      workloads(off)
        .map((w) => w.metadata.name)
        .sort(),
    ).toEqual(['alertmanager', 'grafana', 'prometheus', 'thanos-query', 'thanos-query-frontend', 'thanos-rule']);
    expect(JSON.stringify(off)).not.toMatch(/seaweedfs/);
  });
});

describe('MinIO stays the default in-cluster store', () => {
  test('no inClusterObjectStore gives MinIO, and stack.minio still works', () => {
    const { objects, stack, problems } = synthStack({});
    expect(problems).toEqual([]);
    expect(stack.minio?.name).toBe('minio');
    expect(stack.seaweedfs).toBeUndefined();
    expect(objects.some((o) => o.metadata.name === 'seaweedfs')).toBe(false);
    expect(synthStack({ inClusterObjectStore: InClusterObjectStore.MINIO }).objects).toEqual(objects);
  });
});
