import { App, Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ScrapeJob, ThanosStack, ThanosStackProps, prerequisiteSecrets } from '../../src';
import { validateManifestsDetailed } from '../harness';
import { Manifest, find } from '../support/util';

function build(props: ThanosStackProps = {}): { app: App; objects: Manifest[]; stack: ThanosStack } {
  const app = Testing.app();
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const stack = new ThanosStack(chart, 'Thanos', props);
  return { app, stack, objects: Testing.synth(chart) as Manifest[] };
}
const config = (o: Manifest[]) => parse(find(o, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
const job = (o: Manifest[], name: string) => config(o).scrape_configs.find((j: any) => j.job_name === name);
const rules = (o: Manifest[]) => find(o, 'ClusterRole', 'monitoring-prometheus').rules;

const plain = build();
const cluster = build({ prometheus: { clusterMetrics: true } });

test('by default the ClusterRole grants only what the generated jobs read: no nodes, ingresses or /metrics', () => {
  expect(rules(plain.objects)).toEqual([
    { apiGroups: [''], resources: ['pods', 'services'], verbs: ['list', 'watch'] },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
  ]);
  expect(config(plain.objects).scrape_configs.map((j: any) => j.job_name)).not.toContain('kubelet');
});

test('clusterMetrics scrapes kubelet and cAdvisor on :10250 with the token and the cluster CA, and grants nodes + get nodes/metrics', () => {
  for (const [name, path] of [
    ['kubelet', '/metrics'],
    ['cadvisor', '/metrics/cadvisor'],
  ]) {
    expect(job(cluster.objects, name)).toMatchObject({
      metrics_path: path,
      scheme: 'https',
      authorization: { credentials_file: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
      tls_config: { ca_file: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' },
      kubernetes_sd_configs: [{ role: 'node' }],
    });
  }
  expect(rules(cluster.objects)).toEqual([
    { apiGroups: [''], resources: ['nodes', 'pods', 'services'], verbs: ['list', 'watch'] },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
  ]);
  // Never nodes/proxy (the API server proxy path), which also reaches the kubelet's exec and logs.
  expect(JSON.stringify(rules(cluster.objects))).not.toContain('proxy');
});

test("clusterMetrics finds node-exporter and kube-state-metrics by their Services' app.kubernetes.io/name, plain HTTP ports only", () => {
  const keep = (name: string) => job(cluster.objects, name).relabel_configs.find((r: any) => r.action === 'keep');
  expect(keep('node-exporter')).toEqual({
    source_labels: ['__meta_kubernetes_service_label_app_kubernetes_io_name'],
    regex: '(prometheus-)?node-exporter',
    action: 'keep',
  });
  expect(keep('kube-state-metrics').regex).toBe('kube-state-metrics');
  expect(job(cluster.objects, 'kube-state-metrics').relabel_configs).toContainEqual({
    source_labels: ['__meta_kubernetes_endpointslice_port_name'],
    regex: 'https.*|.*telemetry.*|.*self.*',
    action: 'drop',
  });
  expect(job(cluster.objects, 'kube-state-metrics').honor_labels).toBe(true);
});

test('every generated job has a sample_limit and a label_limit', () => {
  const jobs = config(cluster.objects).scrape_configs;
  expect(jobs.length).toBeGreaterThan(10);
  for (const j of jobs) {
    expect([j.job_name, j.sample_limit > 0, j.label_limit]).toEqual([j.job_name, true, 64]);
  }
  expect(job(cluster.objects, 'kubernetes-pods').sample_limit).toBe(50000);
  expect(job(cluster.objects, 'cadvisor').sample_limit).toBe(500000);
});

test('annotation discovery keeps only Running pods', () => {
  expect(job(plain.objects, 'kubernetes-pods').relabel_configs[0]).toEqual({
    source_labels: ['__meta_kubernetes_pod_phase'],
    regex: 'Running',
    action: 'keep',
  });
  expect(job(plain.objects, 'kubernetes-service-endpoints').relabel_configs[0]).toEqual({
    source_labels: ['__meta_kubernetes_pod_phase'],
    regex: 'Pending|Succeeded|Failed|Unknown',
    action: 'drop',
  });
});

test('a kubelet job added by hand adds its RBAC; verifyTls: false skips verification', () => {
  const { objects } = (() => {
    const app = Testing.app();
    const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
    new ThanosStack(chart, 'Thanos').prometheus.addScrapeJob(ScrapeJob.kubelet('kubelet', { verifyTls: false, sampleLimit: 1000 }));
    return { objects: Testing.synth(chart) as Manifest[] };
  })();
  expect(job(objects, 'kubelet')).toMatchObject({ tls_config: { insecure_skip_verify: true }, sample_limit: 1000 });
  expect(rules(objects)[2]).toEqual({ apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] });
});

test('the generated config passes the pinned promtool, and the stack every other check', () => {
  const { problems, stats } = validateManifestsDetailed(cluster.objects, { externalSecrets: prerequisiteSecrets(cluster.app) });
  expect(problems).toEqual([]);
  if (!stats.missingTools.includes('promtool')) expect(stats.configs.prometheusConfigs).toBe(1);
});
