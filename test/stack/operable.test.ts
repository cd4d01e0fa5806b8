import { Chart, Duration, Size, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Rule, RuleGroup, ThanosStack, ThanosStackProps } from '../../src';
import { Manifest, containerOf, find, flag, flags } from '../support/util';

function stack(props: ThanosStackProps = {}): Manifest[] {
  const chart = new Chart(Testing.app(), 'monitoring', { namespace: 'monitoring' });
  new ThanosStack(chart, 'Thanos', props);
  return Testing.synth(chart) as Manifest[];
}

const objects = stack();
const args = (kind: string, name: string, container = name) => containerOf(find(objects, kind, name), container).args as string[];

test('Alertmanager gossip carries a cluster label, so two clusters cannot merge', () => {
  expect(flag(args('StatefulSet', 'alertmanager'), '--cluster.label')).toBe('monitoring/alertmanager');
});

test('the ruler links alerts to the query frontend', () => {
  expect(flag(args('StatefulSet', 'thanos-rule'), '--alert.query-url')).toBe('http://thanos-query-frontend.monitoring.svc:10902');
});

test('with two Prometheus replicas the compactor deduplicates their blocks (penalty), and a prop turns it off', () => {
  const compact = args('StatefulSet', 'thanos-compact');
  expect(flags(compact, '--deduplication.replica-label')).toEqual(['replica']);
  expect(flag(compact, '--deduplication.func')).toBe('penalty');
  const off = containerOf(find(stack({ compactor: { deduplicationReplicaLabels: [] } }), 'StatefulSet', 'thanos-compact'), 'thanos-compact').args;
  expect(flags(off, '--deduplication.replica-label')).toEqual([]);
  const single = containerOf(find(stack({ prometheus: { replicas: 1 } }), 'StatefulSet', 'thanos-compact'), 'thanos-compact').args;
  expect(flags(single, '--deduplication.replica-label')).toEqual([]);
});

test("Grafana's datasource follows the scrape interval and the querier timeout", () => {
  const datasource = (o: Manifest[]) => {
    const cm = o.find((x) => x.kind === 'ConfigMap' && x.data?.['datasources.yaml'])!;
    return parse(cm.data['datasources.yaml']).datasources[0].jsonData;
  };
  expect(datasource(objects)).toMatchObject({ timeInterval: '30s', timeout: 125 });
  expect(datasource(stack({ prometheus: { scrapeInterval: Duration.minutes(1) }, query: { timeout: Duration.minutes(5) } }))).toMatchObject({
    timeInterval: '1m',
    timeout: 305,
  });
});

test('Prometheus and the store start up on /-/ready (what waits for WAL replay and the initial sync)', () => {
  expect(containerOf(find(objects, 'StatefulSet', 'prometheus'), 'prometheus').startupProbe.httpGet.path).toBe('/-/ready');
  expect(containerOf(find(objects, 'StatefulSet', 'thanos-store'), 'thanos-store').startupProbe.httpGet.path).toBe('/-/ready');
});

test("placement: stack-wide for every workload, a component's own replaces it", () => {
  const placed = stack({
    placement: {
      nodeSelector: { pool: 'monitoring' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'monitoring', effect: 'NoSchedule' }],
      priorityClassName: 'monitoring',
    },
    store: {
      placement: {
        nodeSelector: { pool: 'storage' },
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] },
          },
        },
      },
    },
  });
  const workloads = placed.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Deployment');
  expect(workloads.length).toBeGreaterThanOrEqual(10);
  for (const w of workloads.filter((x) => x.metadata.name !== 'thanos-store')) {
    expect(w.spec.template.spec).toMatchObject({ nodeSelector: { pool: 'monitoring' }, priorityClassName: 'monitoring', tolerations: [{ key: 'dedicated' }] });
  }
  const store = find(placed, 'StatefulSet', 'thanos-store').spec.template.spec;
  expect(store.nodeSelector).toEqual({ pool: 'storage' });
  expect(store.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values).toEqual(['ssd']);
  expect(store.priorityClassName).toBeUndefined();
});

test('a rule change reloads the ruler in place: its pod template does not change, a reloader POSTs /-/reload', () => {
  const template = (o: Manifest[]) => find(o, 'StatefulSet', 'thanos-rule').spec.template;
  const chart = new Chart(Testing.app(), 'monitoring', { namespace: 'monitoring' });
  const more = new ThanosStack(chart, 'Thanos');
  more.ruler!.addRuleGroup(new RuleGroup({ name: 'extra', rules: [Rule.record({ record: 'job:up:sum', expr: 'sum by (job) (up)' })] }));
  const changed = Testing.synth(chart) as Manifest[];
  expect(find(changed, 'ConfigMap', 'thanos-rule-rules').data).not.toEqual(find(objects, 'ConfigMap', 'thanos-rule-rules').data);
  expect(template(changed)).toEqual(template(objects));
  expect(flag(containerOf(find(objects, 'StatefulSet', 'thanos-rule'), 'config-reloader').args, '--reload-url')).toBe('http://127.0.0.1:10902/-/reload');
});

describe('graceful shutdown', () => {
  const pod = (kind: string, name: string, o = objects) => find(o, kind, name).spec.template.spec;
  const preStop = (kind: string, name: string, container = name, o = objects) => containerOf(find(o, kind, name), container).lifecycle?.preStop.exec.command;

  test.each([
    // [kind, name, preStop sleep, grace]: drain + the servers' grace periods in turn (2m each) + 10s to exit.
    ['Deployment', 'thanos-query', '10', 10 + 120 + 120 + 10],
    ['Deployment', 'thanos-query-frontend', '10', 10 + 120 + 10],
    ['StatefulSet', 'thanos-store', '40', 40 + 120 + 120 + 10],
    ['StatefulSet', 'thanos-rule', '40', 40 + 120 + 120 + 10],
    ['Deployment', 'thanos-bucketweb', '10', 10 + 120 + 10],
  ])('%s %s drains for %ss, then has time for each of its Thanos servers in turn', (kind, name, sleep, grace) => {
    expect(preStop(kind, name)).toEqual(['sleep', sleep]);
    expect(pod(kind, name).terminationGracePeriodSeconds).toBe(grace);
  });

  test("Prometheus drains as long as its sidecar; the pod's grace covers the sidecar's", () => {
    expect(preStop('StatefulSet', 'prometheus')).toEqual(['sleep', '40']);
    expect(preStop('StatefulSet', 'prometheus', 'thanos-sidecar')).toEqual(['sleep', '40']);
    expect(pod('StatefulSet', 'prometheus').terminationGracePeriodSeconds).toBeGreaterThanOrEqual(40 + 240 + 10);
  });

  test("grace periods given in extraArgs set the pod's grace period", () => {
    const o = stack({ query: { extraArgs: ['--http-grace-period=5m', '--grpc-grace-period=30s'] } });
    expect(pod('Deployment', 'thanos-query', o).terminationGracePeriodSeconds).toBe(10 + 300 + 30 + 10);
  });
});

test("Grafana: an emptyDir by default (the field guide's setup), a PVC with persistence", () => {
  const data = (o: Manifest[]) => find(o, 'Deployment', 'grafana').spec.template.spec.volumes.find((v: any) => v.name === 'data');
  expect(data(objects)).toEqual({ name: 'data', emptyDir: {} });
  const kept = stack({ grafana: { persistence: Size.gibibytes(1), storageClassName: 'fast' } });
  expect(data(kept)).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'grafana' } });
  expect(find(kept, 'PersistentVolumeClaim', 'grafana').spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '1Gi' } } });
  expect(find(kept, 'Deployment', 'grafana').spec.strategy).toEqual({ type: 'Recreate' });
});
