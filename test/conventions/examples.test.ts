import { existsSync, readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { prerequisiteSecrets } from '../../src';
import { KUBERNETES_VERSIONS, expectValid } from '../harness';
import { containerOf, find, flag, flags, Manifest } from '../support/util';

const EXAMPLES_DIR = join(__dirname, '..', '..', 'examples');
const EXAMPLES = readdirSync(EXAMPLES_DIR)
  .filter((d) => existsSync(join(EXAMPLES_DIR, d, 'cdk8s.yaml')))
  .sort();

/** An example built in-process: its charts by id, synthesized with validations. */
function build(name: string): { app: App; charts: Map<string, Manifest[]> } {
  const { buildApp } = require(join(EXAMPLES_DIR, name, 'main.ts')) as { buildApp: (outdir?: string) => App };
  const app = buildApp();
  const charts = new Map(app.charts.map((c: Chart) => [c.node.id, Testing.synth(c) as Manifest[]]));
  return { app, charts };
}

function endpointConfig(objects: Manifest[]): any {
  return parse(find(objects, 'ConfigMap', 'thanos-query-endpoints').data['endpoints.yaml']);
}

function queryArgs(objects: Manifest[]): string[] {
  return containerOf(find(objects, 'Deployment', 'thanos-query'), 'thanos-query').args;
}

function names(objects: Manifest[], kind: string): string[] {
  return objects
    .filter((o) => o.kind === kind)
    .map((o) => o.metadata.name)
    .sort();
}

test('the five scenarios are there', () => {
  expect(EXAMPLES).toEqual(['global-view', 'helm-values', 'leaf-and-observer', 'long-term-storage', 'receive']);
});

describe.each(EXAMPLES)('examples/%s', (name) => {
  const { app, charts } = build(name);
  const dir = join(EXAMPLES_DIR, name);

  test.each([...charts.keys()])('chart %s passes the whole validation harness (Kubernetes 1.27, 1.30, 1.33, 1.36)', (chart) => {
    expectValid(charts.get(chart)!, { externalSecrets: prerequisiteSecrets(app), kubernetesVersions: KUBERNETES_VERSIONS });
  });

  test('a chart that creates its Namespace lists it first, so `kubectl apply -f` works in one pass', () => {
    for (const objects of charts.values()) {
      const ns = objects.findIndex((o) => o.kind === 'Namespace');
      if (ns >= 0) expect(ns).toBe(0);
    }
  });

  test('the committed dist/ is what the example synthesizes, one file per chart', () => {
    expect(readdirSync(join(dir, 'dist')).sort()).toEqual([...charts.keys()].map((c) => `${c}.k8s.yaml`).sort());
    for (const [chart, objects] of charts) {
      const committed = parseAllDocuments(readFileSync(join(dir, 'dist', `${chart}.k8s.yaml`), 'utf8')).map((d) => d.toJSON());
      expect(committed).toEqual(objects);
    }
  });

  test('cdk8s.yaml runs main.ts into dist, and main.ts synthesizes only when run directly', () => {
    const config = parse(readFileSync(join(dir, 'cdk8s.yaml'), 'utf8'));
    expect(config).toMatchObject({ app: 'node ../../scripts/run-ts.js main.ts', output: 'dist' });
    expect(readFileSync(join(dir, 'main.ts'), 'utf8')).toMatch(/if \(require\.main === module\) \{\n {2}synthesizeOrExit\(buildApp/);
  });

  test('the README names every Secret to create, with its keys and a kubectl command', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const s of prerequisiteSecrets(app)) {
      expect(readme).toContain(`create secret generic ${s.name}`);
      for (const k of s.keys) expect(readme).toMatch(new RegExp(`--from-(literal|file)=${k.replace('.', '\\.')}=`));
    }
  });
});

describe('global-view: two clusters, one deduplicating querier, no bucket', () => {
  const objects = build('global-view').charts.get('global-view')!;

  test('the querier fans out to both sidecars and deduplicates on replica', () => {
    expect(endpointConfig(objects).endpoints).toEqual([
      { address: 'dnssrv+_grpc._tcp.prometheus-eu1-thanos-sidecar.monitoring.svc' },
      { address: 'dnssrv+_grpc._tcp.prometheus-us1-thanos-sidecar.monitoring.svc' },
    ]);
    expect(flags(queryArgs(objects), '--query.replica-label')).toEqual(['replica']);
  });

  test('each cluster has its own external label', () => {
    for (const cluster of ['eu1', 'us1']) {
      const config = parse(find(objects, 'ConfigMap', `prometheus-${cluster}-config`).data['prometheus.yml']);
      expect(config.global.external_labels).toEqual({ cluster, replica: '${POD_NAME}' });
    }
  });

  test('no bucket: no MinIO, store or compactor, and the sidecars do not upload', () => {
    expect(names(objects, 'StatefulSet')).toEqual(['prometheus-eu1', 'prometheus-us1']);
    expect(names(objects, 'Deployment')).toEqual(['thanos-query']);
    for (const cluster of ['eu1', 'us1']) {
      expect(flag(containerOf(find(objects, 'StatefulSet', `prometheus-${cluster}`), 'thanos-sidecar').args, '--objstore.config-file')).toBeUndefined();
    }
  });
});

describe('long-term-storage: a day in Prometheus, history in the bucket', () => {
  const objects = build('long-term-storage').charts.get('long-term-storage')!;

  test('Prometheus keeps a day in 2h blocks the sidecar ships to MinIO', () => {
    const sts = find(objects, 'StatefulSet', 'prometheus');
    const args = containerOf(sts, 'prometheus').args;
    expect(flag(args, '--storage.tsdb.retention.time')).toBe('1d');
    expect([flag(args, '--storage.tsdb.min-block-duration'), flag(args, '--storage.tsdb.max-block-duration')]).toEqual(['2h', '2h']);
    expect(flag(containerOf(sts, 'thanos-sidecar').args, '--objstore.config-file')).toBe('/etc/thanos/objstore/objstore.yml');
    expect(parse(find(objects, 'ConfigMap', 'thanos-objstore').data['objstore.yml']).config.endpoint).toBe('minio.monitoring.svc:9000');
  });

  test('the compactor downsamples and keeps raw 30d, 5m 120d, 1h 365d', () => {
    const args = containerOf(find(objects, 'StatefulSet', 'thanos-compact'), 'thanos-compact').args;
    expect([flag(args, '--retention.resolution-raw'), flag(args, '--retention.resolution-5m'), flag(args, '--retention.resolution-1h')]).toEqual([
      '30d',
      '120d',
      '365d',
    ]);
    expect(args).not.toContain('--downsampling.disable');
    expect(args).toContain('--wait');
  });

  test('the querier reads recent data from the sidecar and history from the store gateway', () => {
    expect(endpointConfig(objects).endpoints.map((e: any) => e.address)).toEqual([
      'dnssrv+_grpc._tcp.prometheus-thanos-sidecar.monitoring.svc',
      'dnssrv+_grpc._tcp.thanos-store.monitoring.svc',
    ]);
  });
});

describe('helm-values: the seed values.yaml topology', () => {
  const objects = build('helm-values').charts.get('helm-values')!;

  test('the querier has the seven remote stores as typed host:port, plus the in-cluster StoreAPIs', () => {
    const addresses: string[] = endpointConfig(objects).endpoints.map((e: any) => e.address);
    const remote = addresses.filter((a) => a.endsWith('.example.com:10901'));
    expect(remote).toHaveLength(7);
    expect(remote.every((a) => /^prometheus-[a-z-]+\.example\.com:10901$/.test(a))).toBe(true);
    expect(addresses.filter((a) => a.startsWith('dnssrv+'))).toEqual([
      'dnssrv+_grpc._tcp.prometheus-thanos-sidecar.monitoring.svc',
      'dnssrv+_grpc._tcp.thanos-rule.monitoring.svc',
      'dnssrv+_grpc._tcp.thanos-store.monitoring.svc',
    ]);
  });

  test('the query frontend is a NodePort and Grafana a LoadBalancer', () => {
    expect(find(objects, 'Service', 'thanos-query-frontend').spec.type).toBe('NodePort');
    expect(find(objects, 'Service', 'grafana').spec.type).toBe('LoadBalancer');
  });

  test('the ruler evaluates PrometheusDown and alerts through Alertmanager', () => {
    const group = parse(find(objects, 'ConfigMap', 'thanos-rule-rules').data['prometheus-availability.rules.yaml']).groups[0];
    expect(group.rules[0]).toMatchObject({
      alert: 'PrometheusDown',
      expr: 'sum by (job) (up{job="prometheus"}) == 0 or absent(up{job="prometheus"})',
      for: '5m',
    });
    expect(flag(containerOf(find(objects, 'StatefulSet', 'thanos-rule'), 'thanos-rule').args, '--alertmanagers.url')).toBe(
      'dns+http://alertmanager-cluster.monitoring.svc:9093',
    );
  });

  test('every component of the values file is there', () => {
    expect(names(objects, 'StatefulSet')).toEqual(['alertmanager', 'minio', 'prometheus', 'thanos-compact', 'thanos-rule', 'thanos-store']);
    expect(names(objects, 'Deployment')).toEqual(['grafana', 'thanos-bucketweb', 'thanos-query', 'thanos-query-frontend']);
  });
});

describe('leaf-and-observer: two clusters, TLS gRPC between them', () => {
  const { charts } = build('leaf-and-observer');
  const leaf = charts.get('leaf-eu1')!;
  const observer = charts.get('observer')!;

  test('the leaf exposes its sidecar gRPC through a LoadBalancer, with mutual TLS', () => {
    expect(find(leaf, 'Service', 'prometheus-thanos-sidecar-external').spec).toMatchObject({
      type: 'LoadBalancer',
      ports: [expect.objectContaining({ name: 'grpc', port: 10901 })],
    });
    const args = containerOf(find(leaf, 'StatefulSet', 'prometheus'), 'thanos-sidecar').args;
    expect(flag(args, '--grpc-server-tls-cert')).toBe('/etc/thanos/grpc-server-tls/tls.crt');
    expect(flag(args, '--grpc-server-tls-key')).toBe('/etc/thanos/grpc-server-tls/tls.key');
    expect(flag(args, '--grpc-server-tls-client-ca')).toBe('/etc/thanos/grpc-server-tls/ca.crt');
  });

  test('the leaf only collects and uploads to the external S3 bucket', () => {
    expect(names(leaf, 'StatefulSet')).toEqual(['prometheus']);
    expect(names(leaf, 'Deployment')).toEqual([]);
    expect(parse(find(leaf, 'ConfigMap', 'thanos-objstore').data['objstore.yml'])).toMatchObject({
      type: 'S3',
      config: { bucket: 'example-thanos-metrics', endpoint: 's3.eu-west-1.amazonaws.com', access_key: '$(OBJSTORE_ACCESS_KEY)' },
    });
  });

  test('the observer querier reaches the leaf with client TLS, and its own StoreAPIs by DNS', () => {
    const { endpoints } = endpointConfig(observer);
    expect(endpoints.map((e: any) => e.address)).toEqual([
      'dnssrv+_grpc._tcp.prometheus-thanos-sidecar.monitoring.svc',
      'dnssrv+_grpc._tcp.thanos-store.monitoring.svc',
      'thanos-sidecar.eu1.example.com:10901',
    ]);
    expect(endpoints[2].client_config.tls_config).toEqual({
      enabled: true,
      ca_file: '/etc/thanos/tls/thanos-query-client-tls/ca.crt',
      cert_file: '/etc/thanos/tls/thanos-query-client-tls/tls.crt',
      key_file: '/etc/thanos/tls/thanos-query-client-tls/tls.key',
    });
    expect(flags(queryArgs(observer), '--query.replica-label')).toEqual(['replica']);
  });

  test('the observer serves and compacts the shared bucket without MinIO, with its own cluster label', () => {
    expect(names(observer, 'StatefulSet')).toEqual(['prometheus', 'thanos-compact', 'thanos-store']);
    expect(names(observer, 'Deployment')).toEqual(['grafana', 'thanos-query', 'thanos-query-frontend']);
    const bucket = (o: Manifest[]) => parse(find(o, 'ConfigMap', 'thanos-objstore').data['objstore.yml']).config.bucket;
    expect(bucket(observer)).toBe(bucket(leaf));
    expect(parse(find(observer, 'ConfigMap', 'prometheus-config').data['prometheus.yml']).global.external_labels.cluster).toBe('observer');
  });
});

describe('receive: a leaf pushes to a central Receive', () => {
  const { charts } = build('receive');
  const central = charts.get('central')!;
  const leaf = charts.get('leaf-eu1')!;

  test('the leaf is one Prometheus without a sidecar, remote-writing to the central router as its tenant', () => {
    const sts = find(leaf, 'StatefulSet', 'prometheus');
    expect(sts.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['prometheus']);
    const config = parse(find(leaf, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
    expect(config.remote_write).toEqual([{ url: 'http://receive.central.example.com:19291/api/v1/receive', headers: { 'THANOS-TENANT': 'eu1' } }]);
  });

  test('the central router takes remote writes from outside through a LoadBalancer and routes by ketama with RF 3', () => {
    expect(find(central, 'Service', 'thanos-receive-router').spec).toMatchObject({
      type: 'LoadBalancer',
      ports: expect.arrayContaining([expect.objectContaining({ port: 19291 })]),
    });
    const args = containerOf(find(central, 'Deployment', 'thanos-receive-router'), 'thanos-receive').args;
    expect(flag(args, '--receive.hashrings-algorithm')).toBe('ketama');
    expect(flag(args, '--receive.replication-factor')).toBe('3');
    const policy = find(central, 'NetworkPolicy', 'thanos-receive-router').spec;
    const remoteWrite = policy.ingress.find((r: any) => r.ports.some((p: any) => p.port === 19291));
    // Only the leaves' addresses (sourceRanges), not the whole internet.
    expect(remoteWrite.from).toContainEqual({ ipBlock: { cidr: '203.0.113.0/24' } });
  });

  test('the central querier reads the ingestors and deduplicates ingestor and writer replicas', () => {
    expect(endpointConfig(central).endpoints.map((e: any) => e.address)).toContain('dnssrv+_grpc._tcp.thanos-receive-ingestor.monitoring.svc');
    expect(flags(queryArgs(central), '--query.replica-label')).toEqual(['receive_replica', 'replica']);
  });
});
