import { Chart, Duration, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ThanosStack, ThanosStackProps } from '../../src';
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

test('Grafana\'s datasource follows the scrape interval and the querier timeout', () => {
  const datasource = (o: Manifest[]) => {
    const cm = o.find((x) => x.kind === 'ConfigMap' && x.data?.['datasources.yaml'])!;
    return parse(cm.data['datasources.yaml']).datasources[0].jsonData;
  };
  expect(datasource(objects)).toMatchObject({ timeInterval: '30s', timeout: 125 });
  expect(datasource(stack({ prometheus: { scrapeInterval: Duration.minutes(1) }, query: { timeout: Duration.minutes(5) } }))).toMatchObject({ timeInterval: '1m', timeout: 305 });
});

test('Prometheus and the store start up on /-/ready (what waits for WAL replay and the initial sync)', () => {
  expect(containerOf(find(objects, 'StatefulSet', 'prometheus'), 'prometheus').startupProbe.httpGet.path).toBe('/-/ready');
  expect(containerOf(find(objects, 'StatefulSet', 'thanos-store'), 'thanos-store').startupProbe.httpGet.path).toBe('/-/ready');
});

test('placement: stack-wide for every workload, a component\'s own replaces it', () => {
  const placed = stack({
    placement: { nodeSelector: { pool: 'monitoring' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'monitoring', effect: 'NoSchedule' }], priorityClassName: 'monitoring' },
    store: { placement: { nodeSelector: { pool: 'storage' }, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] } } } } },
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
