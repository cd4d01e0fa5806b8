import { Chart, Testing } from 'cdk8s';
import { MonitoringChart } from '../../main';
import { NetworkPeer, ThanosStack } from '../../src';
import { stacks } from '../support/shipped';
import { validateManifestsDetailed } from '../harness';
import { find, Manifest } from '../support/util';

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Job'];

function subset(selector: Record<string, string>, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

describe.each(stacks())('%s', (_, objects, secrets) => {
  const pods = objects.filter((o) => WORKLOAD_KINDS.includes(o.kind));
  const longRunning = pods.filter((o) => o.kind !== 'Job');

  test('passes the restricted profile, credential and integrity checks of the harness', () => {
    const { problems } = validateManifestsDetailed(objects, { externalSecrets: secrets });
    expect(problems).toEqual([]);
  });

  test('every pod: non-root numeric user, RuntimeDefault seccomp, no privilege escalation, ALL capabilities dropped, read-only root', () => {
    for (const w of pods) {
      const spec = w.spec.template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
      expect(spec.securityContext.fsGroup).toBeGreaterThan(0);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect({ pod: w.metadata.name, c: c.name, sc: c.securityContext }).toMatchObject({
          sc: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
        });
      }
    }
  });

  test('every container has requests and a memory limit; long-running ones have liveness and readiness probes', () => {
    for (const w of pods) {
      for (const c of w.spec.template.spec.containers) {
        expect({ c: c.name, requests: Object.keys(c.resources?.requests ?? {}).sort(), limits: Object.keys(c.resources?.limits ?? {}) }).toMatchObject({
          requests: ['cpu', 'memory'],
          limits: expect.arrayContaining(['memory']),
        });
        if (w.kind !== 'Job')
          expect({ c: `${w.metadata.name}/${c.name}`, live: !!c.livenessProbe, ready: !!c.readinessProbe }).toMatchObject({ live: true, ready: true });
      }
    }
  });

  test('replicated workloads have a PodDisruptionBudget and spread over nodes and zones', () => {
    for (const w of longRunning.filter((x) => (x.spec.replicas ?? 1) > 1)) {
      const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget' && subset(o.spec.selector.matchLabels, w.spec.template.metadata.labels));
      expect({ w: w.metadata.name, pdbs: pdbs.length }).toEqual({ w: w.metadata.name, pdbs: 1 });
      const keys = (w.spec.template.spec.topologySpreadConstraints ?? []).map((t: any) => t.topologyKey);
      expect({ w: w.metadata.name, keys }).toEqual({ w: w.metadata.name, keys: ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'] });
    }
  });

  test('StatefulSets keep their volumes on scale-down and delete', () => {
    for (const s of objects.filter((o) => o.kind === 'StatefulSet')) {
      expect(s.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    }
  });

  test('every pod is isolated by exactly one NetworkPolicy, ingress and egress', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    for (const w of pods) {
      const mine = policies.filter((p) => subset(p.spec.podSelector.matchLabels, w.spec.template.metadata.labels));
      expect({ w: w.metadata.name, policies: mine.map((p) => p.spec.policyTypes) }).toEqual({ w: w.metadata.name, policies: [['Ingress', 'Egress']] });
    }
  });

  test('no Secret is rendered and no credential is a literal', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const w of pods) {
      for (const c of [...(w.spec.template.spec.initContainers ?? []), ...w.spec.template.spec.containers]) {
        for (const e of c.env ?? []) {
          if (/(PASSWORD|SECRET|ACCESS_KEY|TOKEN|CREDENTIAL)/i.test(e.name) && !/(_FILE|_PATH|_DIR)$/.test(e.name))
            expect({ env: e.name, value: e.value }).toEqual({ env: e.name, value: undefined });
        }
      }
    }
  });
});

describe('the traffic each component accepts follows the wiring', () => {
  const objects = Testing.synth(new MonitoringChart(Testing.app(), 'monitoring')) as Manifest[];
  const from = (policy: string, port: number) =>
    find(objects, 'NetworkPolicy', policy)
      .spec.ingress.filter((r: any) => r.ports.some((p: any) => p.port === port))
      .flatMap((r: any) => r.from.map((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/name'] ?? f.ipBlock?.cidr))
      .sort();

  test('Grafana -> query frontend -> querier -> sidecars, store and ruler', () => {
    expect(from('thanos-query-frontend', 10902)).toEqual(['grafana', 'prometheus']);
    expect(from('thanos-query', 10902)).toEqual(['prometheus', 'thanos-query-frontend', 'thanos-rule']);
    expect(from('prometheus', 10901)).toEqual(['thanos-query']);
    expect(from('thanos-store', 10901)).toEqual(['thanos-query']);
    expect(from('thanos-rule', 10901)).toEqual(['thanos-query']);
  });

  test('only bucket users reach MinIO', () => {
    // The bucket Job's pods (minio-client), the uploaders and readers; Prometheus both uploads and scrapes.
    expect(from('minio', 9000)).toEqual(['minio-client', 'prometheus', 'thanos-bucketweb', 'thanos-compact', 'thanos-rule', 'thanos-store']);
  });

  test('Prometheus scrapes every component; the Alertmanager accepts alerts from Prometheus and the ruler', () => {
    expect(from('thanos-compact', 10902)).toEqual(['prometheus']);
    expect(from('alertmanager', 9093)).toEqual(['prometheus', 'thanos-rule']);
  });

  test('every component, Prometheus included, has egress only to the cluster DNS and its peers', () => {
    const kubeDns = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    };
    for (const p of objects.filter((o) => o.kind === 'NetworkPolicy')) {
      expect(p.spec.egress[0]).toEqual({
        to: [kubeDns],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      });
      for (const rule of p.spec.egress.slice(1)) {
        expect(rule.to.length).toBeGreaterThan(0);
        // "Anywhere" only with ports; every-port rules only to pods (annotated scrape targets).
        if (!rule.ports) expect({ p: p.metadata.name, to: rule.to }).toEqual({ p: p.metadata.name, to: [{ namespaceSelector: {} }] });
      }
    }
  });

  test('extra sources are allowed through the component connections', () => {
    const chart = new Chart(Testing.app(), 'monitoring', { namespace: 'monitoring' });
    const stack = new ThanosStack(chart, 'Thanos');
    stack.grafana!.connections.allowFrom(NetworkPeer.namespaces({ 'kubernetes.io/metadata.name': 'ingress-nginx' }), 3000);
    const grafana = find(Testing.synth(chart) as Manifest[], 'NetworkPolicy', 'grafana');
    expect(grafana.spec.ingress).toContainEqual({
      from: expect.arrayContaining([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]),
      ports: [{ port: 3000, protocol: 'TCP' }],
    });
  });
});
