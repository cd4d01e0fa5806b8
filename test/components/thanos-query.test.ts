import { Chart, Duration, Testing } from 'cdk8s';
import { Secret, ServiceType, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { IStoreApi, isStoreApi } from '../../src/wiring/apis';
import { Connections, NetworkPeer } from '../../src/wiring/connections';
import { prerequisiteSecrets } from '../../src/output/prerequisites';
import { Prometheus } from '../../src/components/prometheus';
import { Rule, RuleGroup } from '../../src/config/rules';
import { GrpcClientTls, StoreEndpoint } from '../../src/wiring/store-endpoint';
import { ThanosQuery, ThanosQueryProps } from '../../src/components/thanos-query';
import { ThanosRuler } from '../../src/components/thanos-ruler';
import { AlertmanagerEndpoint } from '../../src/wiring/alertmanager-endpoint';
import { validateManifests } from '../harness';
import { containerOf, find, flag, flags, Manifest, problems, synth } from '../support/util';

/** A StoreAPI that is neither a Prometheus nor a Thanos component (e.g. a receiver), found by discovery. */
class FakeStore extends Construct implements IStoreApi {
  public readonly storeApiPort = 10901;
  public readonly replicaLabels = ['receive_replica'];
  public readonly storeApiAddress: string;
  public readonly connections: Connections;

  constructor(scope: Construct, id: string, name: string) {
    super(scope, id);
    this.storeApiAddress = `dnssrv+_grpc._tcp.${name}.monitoring.svc`;
    const selector = { 'app.kubernetes.io/name': name };
    this.connections = new Connections(this, 'NetworkPolicy', { name, labels: selector, selector, namespace: 'monitoring' });
  }

  public toNetworkPolicyPeer(): k8s.NetworkPolicyPeer {
    return this.connections.toNetworkPolicyPeer();
  }
}

const ALERTS = new RuleGroup({
  name: 'meta',
  rules: [Rule.alert({ alert: 'PrometheusDown', expr: 'absent(up{job=~"prometheus.*"} == 1)', pendingFor: Duration.minutes(5) })],
});

const RECORDS = new RuleGroup({ name: 'up', rules: [Rule.record({ record: 'job:up:sum', expr: 'sum by (job) (up)' })] });

/** Two Prometheus, a ruler and a fake receiver: every kind of StoreAPI the querier must find. */
function world(c: Chart, props: ThanosQueryProps = {}, fake = true): ThanosQuery {
  new Prometheus(c, 'EU1', { name: 'prometheus-eu1', externalLabels: { cluster: 'eu1' } }).addRuleGroup(RECORDS);
  new Prometheus(c, 'EU2', { name: 'prometheus-eu2', externalLabels: { cluster: 'eu2' }, replicaLabel: 'prometheus_replica' }).addRuleGroup(RECORDS);
  if (fake) new FakeStore(c, 'Receive', 'thanos-receive');
  const query = new ThanosQuery(c, 'Query', props);
  new ThanosRuler(c, 'Ruler', { query, ruleGroups: [ALERTS], alertmanagers: [AlertmanagerEndpoint.url('https://alertmanager.example.com')] });
  return query;
}

function endpointConfig(objects: Manifest[], name = 'thanos-query'): any {
  return parse(find(objects, 'ConfigMap', `${name}-endpoints`).data['endpoints.yaml']);
}

function addresses(objects: Manifest[], name = 'thanos-query'): string[] {
  return endpointConfig(objects, name).endpoints.map((e: any) => e.address);
}

function queryArgs(objects: Manifest[], name = 'thanos-query'): string[] {
  return containerOf(find(objects, 'Deployment', name), 'thanos-query').args;
}

/** Egress rules of a NetworkPolicy as `port -> peers`. */
function egress(objects: Manifest[], name: string): Map<number, any[]> {
  const rules = new Map<number, any[]>();
  for (const r of find(objects, 'NetworkPolicy', name).spec.egress) {
    for (const p of r.ports ?? []) rules.set(p.port, [...(rules.get(p.port) ?? []), ...(r.to ?? [])]);
  }
  return rules;
}

function ingress(objects: Manifest[], name: string): Map<number, any[]> {
  const rules = new Map<number, any[]>();
  for (const r of find(objects, 'NetworkPolicy', name).spec.ingress) {
    for (const p of r.ports ?? []) rules.set(p.port, [...(rules.get(p.port) ?? []), ...(r.from ?? [])]);
  }
  return rules;
}

/**
 * Harness problems, minus one false positive: its input-file check takes the ruler's `--rule-file` glob
 * for a literal path (its own rule-file check handles globs).
 */
function harness(objects: Manifest[], chart: Chart, externalServices: string[] = []): void {
  const found = validateManifests(objects, { externalSecrets: prerequisiteSecrets(chart), externalServices }).filter(
    (p) => !/--rule-file=\S*\*\S*: no volume of the container provides that file/.test(p),
  );
  expect(found).toEqual([]);
}

const podsOf = (instance: string, name = instance) => ({
  podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance } },
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
});

/** Objects of one component instance (snapshots stay independent of the other components). */
function own(objects: Manifest[], instance: string): Manifest[] {
  return objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/instance'] === instance);
}

describe('ThanosQuery defaults', () => {
  const objects = synth((c) => world(c));
  const deployment = find(objects, 'Deployment', 'thanos-query');
  const query = containerOf(deployment, 'thanos-query');

  test('matches the snapshot', () => {
    expect(own(objects, 'thanos-query')).toMatchSnapshot();
  });

  test('args: endpoints from a config file, derived replica labels, never --store', () => {
    expect(query.args).toEqual([
      'query',
      '--grpc-address=0.0.0.0:10901',
      '--http-address=0.0.0.0:10902',
      '--endpoint.sd-config-file=/etc/thanos/query/endpoints.yaml',
      '--query.replica-label=prometheus_replica',
      '--query.replica-label=receive_replica',
      '--query.replica-label=replica',
      '--query.replica-label=rule_replica',
      '--query.auto-downsampling',
    ]);
    expect(query.args.some((a: string) => a.startsWith('--store') || a.startsWith('--endpoint='))).toBe(false);
  });

  test('discovers both Prometheus, the ruler and the fake store, sorted', () => {
    expect(addresses(objects)).toEqual([
      'dnssrv+_grpc._tcp.prometheus-eu1-thanos-sidecar.monitoring.svc',
      'dnssrv+_grpc._tcp.prometheus-eu2-thanos-sidecar.monitoring.svc',
      'dnssrv+_grpc._tcp.thanos-receive.monitoring.svc',
      'dnssrv+_grpc._tcp.thanos-rule.monitoring.svc',
    ]);
    expect(endpointConfig(objects).endpoints.every((e: any) => e.client_config === undefined)).toBe(true);
  });

  test('the config file is mounted and rolls pods through a checksum', () => {
    expect(query.volumeMounts).toEqual([{ name: 'endpoints', mountPath: '/etc/thanos/query', readOnly: true }]);
    expect(deployment.spec.template.spec.volumes).toEqual([{ name: 'endpoints', configMap: { name: 'thanos-query-endpoints' } }]);
    expect(deployment.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('two spread replicas with a PodDisruptionBudget', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    expect(find(objects, 'PodDisruptionBudget', 'thanos-query').spec.maxUnavailable).toBe(1);
    // 10s preStop drain + 2m gRPC + 2m HTTP grace, shut down one after the other, + 10s to exit.
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(260);
    expect(containerOf(deployment, 'thanos-query').lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '10'] } } });
  });

  test('Service thanos-query: ClusterIP with grpc and http', () => {
    const svc = find(objects, 'Service', 'thanos-query');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.clusterIP).toBeUndefined();
    expect(svc.spec.ports).toEqual([
      { name: 'grpc', port: 10901, targetPort: 'grpc', protocol: 'TCP' },
      { name: 'http', port: 10902, targetPort: 'http', protocol: 'TCP' },
    ]);
  });

  test('probes, restricted security and resources', () => {
    expect(query.livenessProbe.httpGet).toEqual({ path: '/-/healthy', port: 'http', scheme: 'HTTP' });
    expect(query.readinessProbe.httpGet).toEqual({ path: '/-/ready', port: 'http', scheme: 'HTTP' });
    expect(query.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65534,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(deployment.spec.template.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(query.resources).toEqual({ requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '512Mi' } });
    expect(query.image).toBe('quay.io/thanos/thanos:v0.42.4');
  });

  test('NetworkPolicy: egress to every StoreAPI on gRPC, and each of them admits the querier', () => {
    const out = egress(objects, 'thanos-query').get(10901)!;
    expect(out).toEqual(
      expect.arrayContaining([
        podsOf('prometheus-eu1', 'prometheus'),
        podsOf('prometheus-eu2', 'prometheus'),
        podsOf('thanos-rule'),
        {
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'thanos-receive' } },
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
        },
      ]),
    );
    expect(out).toHaveLength(4);
    for (const store of ['prometheus-eu1', 'prometheus-eu2', 'thanos-rule', 'thanos-receive']) {
      expect(ingress(objects, store).get(10901)).toContainEqual(podsOf('thanos-query'));
    }
  });

  test('implements IQueryApi, not IStoreApi (queriers never discover each other)', () => {
    let q!: ThanosQuery;
    synth((c) => {
      q = world(c);
    });
    expect(q.queryUrl).toBe('http://thanos-query.monitoring.svc:10902');
    expect(q.queryPort).toBe(10902);
    expect(isStoreApi(q)).toBe(false);
    expect(q.stores).toHaveLength(4);
    expect(q.scrapeEndpoints).toEqual([{ jobName: 'thanos-query', serviceName: 'thanos-query', namespace: 'monitoring', port: { name: 'http', port: 10902 } }]);
  });

  test('passes the manifest harness (without the fake store, which has no pods)', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
    world(chart, {}, false);
    harness(Testing.synth(chart) as Manifest[], chart);
  });
});

describe('ThanosQuery store selection', () => {
  test('autoDiscover false: only the stores given', () => {
    const objects = synth((c) => {
      const eu1 = new Prometheus(c, 'EU1', { name: 'prometheus-eu1', externalLabels: { cluster: 'eu1' } });
      new Prometheus(c, 'EU2', { name: 'prometheus-eu2', externalLabels: { cluster: 'eu2' } });
      new ThanosQuery(c, 'Query', { autoDiscover: false, stores: [eu1] });
    });
    expect(addresses(objects)).toEqual(['dnssrv+_grpc._tcp.prometheus-eu1-thanos-sidecar.monitoring.svc']);
    expect(egress(objects, 'thanos-query').get(10901)).toEqual([podsOf('prometheus-eu1', 'prometheus')]);
    expect(ingress(objects, 'prometheus-eu2').get(10901)).toBeUndefined();
  });

  test('addStore after construction, and a store both added and discovered appears once', () => {
    const objects = synth((c) => {
      const query = new ThanosQuery(c, 'Query');
      const p = new Prometheus(c, 'P', { name: 'prometheus' });
      query.addStore(p);
      query.addStore(p);
    });
    expect(addresses(objects)).toEqual(['dnssrv+_grpc._tcp.prometheus-thanos-sidecar.monitoring.svc']);
    expect(flags(queryArgs(objects), '--query.replica-label')).toEqual(['replica']);
  });

  test('finds StoreAPIs in other charts of the app, with their namespace', () => {
    const app = Testing.app();
    const other = new Chart(app, 'other', { namespace: 'team-a' });
    new Prometheus(other, 'P', { name: 'prometheus-team-a', externalLabels: { cluster: 'team-a' } });
    const chart = new Chart(app, 'test', { namespace: 'monitoring' });
    new ThanosQuery(chart, 'Query');
    const objects = Testing.synth(chart) as Manifest[];
    expect(addresses(objects)).toEqual(['dnssrv+_grpc._tcp.prometheus-team-a-thanos-sidecar.team-a.svc']);
    expect(egress(objects, 'thanos-query').get(10901)).toEqual([
      {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': 'prometheus-team-a' } },
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } },
      },
    ]);
  });

  test('replicaLabels given replace the derived ones', () => {
    const objects = synth((c) => world(c, { replicaLabels: ['replica', 'cluster_replica'] }));
    expect(flags(queryArgs(objects), '--query.replica-label')).toEqual(['cluster_replica', 'replica']);
  });

  test('the checksum follows the discovered stores', () => {
    const one = synth((c) => {
      new Prometheus(c, 'P');
      new ThanosQuery(c, 'Query');
    });
    const two = synth((c) => {
      new Prometheus(c, 'P');
      new Prometheus(c, 'P2', { name: 'prometheus-b' });
      new ThanosQuery(c, 'Query');
    });
    const sum = (o: Manifest[]) => find(o, 'Deployment', 'thanos-query').spec.template.metadata.annotations['checksum/config'];
    expect(sum(one)).not.toEqual(sum(two));
  });
});

describe('ThanosQuery remote endpoints', () => {
  let chart: Chart;
  const objects = synth((c) => {
    chart = c;
    new Prometheus(c, 'P').addRuleGroup(RECORDS);
    const tls = GrpcClientTls.fromSecret(Secret.fromSecretName(c, 'TLS', 'eu1-querier-tls'), { serverName: 'sidecar.eu1.example.com' });
    new ThanosQuery(c, 'Query', {
      endpoints: [
        StoreEndpoint.staticAddress('sidecar.eu1.example.com:443', { tls, replicaLabels: ['replica'] }),
        StoreEndpoint.staticAddress('10.20.0.7:10901'),
        StoreEndpoint.dnsSrv('_grpc._tcp.thanos-store.archive.svc'),
      ],
    });
  });
  const deployment = find(objects, 'Deployment', 'thanos-query');
  const query = containerOf(deployment, 'thanos-query');

  test('static and SRV endpoints next to the discovered ones, sorted', () => {
    expect(addresses(objects)).toEqual([
      '10.20.0.7:10901',
      'dnssrv+_grpc._tcp.prometheus-thanos-sidecar.monitoring.svc',
      'dnssrv+_grpc._tcp.thanos-store.archive.svc',
      'sidecar.eu1.example.com:443',
    ]);
  });

  test('a TLS endpoint gets a client_config with the mounted files', () => {
    const tlsEntry = endpointConfig(objects).endpoints.find((e: any) => e.address === 'sidecar.eu1.example.com:443');
    expect(tlsEntry.client_config).toEqual({
      tls_config: {
        enabled: true,
        ca_file: '/etc/thanos/tls/eu1-querier-tls/ca.crt',
        cert_file: '/etc/thanos/tls/eu1-querier-tls/tls.crt',
        key_file: '/etc/thanos/tls/eu1-querier-tls/tls.key',
      },
      server_name: 'sidecar.eu1.example.com',
    });
    expect(query.volumeMounts).toContainEqual({ name: 'tls-eu1-querier-tls', mountPath: '/etc/thanos/tls/eu1-querier-tls', readOnly: true });
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'tls-eu1-querier-tls', secret: { secretName: 'eu1-querier-tls' } });
  });

  test('the TLS Secret is declared as a prerequisite', () => {
    expect(prerequisiteSecrets(chart)).toContainEqual({
      name: 'eu1-querier-tls',
      keys: ['ca.crt', 'tls.crt', 'tls.key'],
      purpose: 'gRPC client TLS of the Thanos querier',
    });
  });

  test('endpoint replica labels join the derived ones, de-duplicated', () => {
    expect(flags(query.args, '--query.replica-label')).toEqual(['replica']);
    const o = synth((c) => {
      new Prometheus(c, 'P');
      new ThanosQuery(c, 'Query', { endpoints: [StoreEndpoint.staticAddress('a.example.com:10901', { replicaLabels: ['eu1_replica'] })] });
    });
    expect(flags(queryArgs(o), '--query.replica-label')).toEqual(['eu1_replica', 'replica']);
  });

  test('NetworkPolicy egress: an IP endpoint as /32, a named one anywhere, each on its port', () => {
    const out = egress(objects, 'thanos-query');
    expect(out.get(443)).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }]);
    expect(out.get(10901)).toEqual(
      expect.arrayContaining([{ ipBlock: { cidr: '10.20.0.7/32' } }, { ipBlock: { cidr: '0.0.0.0/0' } }, podsOf('prometheus', 'prometheus')]),
    );
  });

  test('passes the manifest harness', () => {
    harness(objects, chart, ['thanos-store.archive']);
  });

  test('endpoints alone are enough (no StoreAPI in the app)', () => {
    const o = synth((c) => new ThanosQuery(c, 'Query', { endpoints: [StoreEndpoint.staticAddress('[fd00::7]:10901')] }));
    expect(addresses(o)).toEqual(['[fd00::7]:10901']);
    expect(egress(o, 'thanos-query').get(10901)).toEqual([{ ipBlock: { cidr: 'fd00::7/128' } }]);
  });

  test('a Secret shared by two endpoints is mounted once; long names get a hashed volume name', () => {
    const long = 'a'.repeat(40) + '.tls.example-secret-name';
    const o = synth((c) => {
      const tls = GrpcClientTls.fromSecret(Secret.fromSecretName(c, 'TLS', long), { caKey: 'ca.pem' });
      new ThanosQuery(c, 'Query', {
        endpoints: [StoreEndpoint.staticAddress('a.example.com:10901', { tls }), StoreEndpoint.staticAddress('b.example.com:10901', { tls })],
      });
    });
    const volumes = find(o, 'Deployment', 'thanos-query').spec.template.spec.volumes.filter((v: any) => v.secret);
    expect(volumes).toHaveLength(1);
    expect(volumes[0].name.length).toBeLessThanOrEqual(63);
    expect(volumes[0].name).toMatch(/^tls-[a-z0-9-]+-[0-9a-f]{16}$/);
    expect(endpointConfig(o).endpoints[0].client_config.tls_config.ca_file).toBe(`/etc/thanos/tls/${long}/ca.pem`);
  });
});

describe('ThanosQuery options', () => {
  test('LoadBalancer Service admits its source ranges on http and grpc', () => {
    const objects = synth((c) => world(c, { serviceType: ServiceType.LOAD_BALANCER, sourceRanges: ['0.0.0.0/0'], acknowledgePlaintextExposure: true }));
    expect(find(objects, 'Service', 'thanos-query').spec.type).toBe('LoadBalancer');
    const from = ingress(objects, 'thanos-query');
    expect(from.get(10902)).toContainEqual({ ipBlock: { cidr: '0.0.0.0/0' } });
    expect(from.get(10901)).toContainEqual({ ipBlock: { cidr: '0.0.0.0/0' } });
  });

  test('name, replicas, timeout and no auto-downsampling', () => {
    const objects = synth((c) => world(c, { name: 'global-query', replicas: 1, timeout: Duration.minutes(5), autoDownsampling: false }));
    const args = queryArgs(objects, 'global-query');
    expect(flag(args, '--query.timeout')).toBe('5m');
    expect(flag(args, '--query.auto-downsampling')).toBeUndefined();
    expect(flag(args, '--endpoint.sd-config-file')).toBe('/etc/thanos/query/endpoints.yaml');
    const d = find(objects, 'Deployment', 'global-query');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'global-query')).toHaveLength(0);
  });

  test('the scrape job keeps the mixin substring for any name', () => {
    let q!: ThanosQuery;
    synth((c) => {
      q = world(c, { name: 'global' });
    });
    expect(q.scrapeEndpoints[0]).toMatchObject({ jobName: 'thanos-query-global', serviceName: 'global' });
  });

  test('networkPolicy false renders none', () => {
    const objects = synth((c) => world(c, { networkPolicy: false }));
    expect(objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'thanos-query')).toHaveLength(0);
  });
});

describe('StoreEndpoint', () => {
  test.each([['sidecar.eu1.example.com:10901'], ['Sidecar-1.EU1.example.com:1'], ['10.0.0.1:65535'], ['[2001:db8::1]:10901'], ['localhost:10901']])(
    'accepts %s',
    (address) => {
      expect(StoreEndpoint.staticAddress(address)._problems()).toEqual([]);
    },
  );

  test.each([
    ['sidecar.example.com', /has no port/],
    ['sidecar.example.com:0', /port 0 outside 1-65535/],
    ['sidecar.example.com:70000', /port 70000 outside 1-65535/],
    ['grpc://sidecar.example.com:10901', /has a scheme/],
    ['dnssrv+_grpc._tcp.sidecar.example.com', /DNS discovery address: use StoreEndpoint.dnsSrv/],
    ['-bad-.example.com:10901', /invalid host/],
    ['300.1.1.1:10901', /invalid host/],
    ['side car:10901', /invalid host/],
    ['[not-ipv6]:10901', /invalid host/],
    [':10901', /invalid host/],
  ])('rejects %s', (address, message) => {
    const found = StoreEndpoint.staticAddress(address)._problems();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
    expect(found[0]).toContain(JSON.stringify(address));
  });

  test('dnsSrv writes dnssrv+ and takes the name with or without the prefix', () => {
    expect(StoreEndpoint.dnsSrv('_grpc._tcp.thanos-store.archive.svc').address).toBe('dnssrv+_grpc._tcp.thanos-store.archive.svc');
    expect(StoreEndpoint.dnsSrv('dnssrv+_grpc._tcp.thanos-store.archive.svc').address).toBe('dnssrv+_grpc._tcp.thanos-store.archive.svc');
    expect(StoreEndpoint.dnsSrv('_grpc._tcp.x.svc', { port: 20901 }).port).toBe(20901);
    expect(StoreEndpoint.dnsSrv('_grpc._tcp.bad name.svc')._problems()[0]).toMatch(/is not a DNS name/);
    expect(StoreEndpoint.dnsSrv('_grpc._tcp.x.svc', { port: 0 })._problems()[0]).toMatch(/not a valid port/);
  });

  test('a given peer replaces the default', () => {
    const peer = NetworkPeer.ipBlock('192.168.0.0/16');
    expect(StoreEndpoint.staticAddress('a.example.com:10901', { peer }).peer).toBe(peer);
  });
});

describe('ThanosQuery validation', () => {
  const cases: Array<[string, (c: Chart) => void, RegExp]> = [
    [
      'no StoreAPI at all',
      (c) => {
        new ThanosQuery(c, 'Query');
      },
      /a querier with no StoreAPI returns nothing: add a Prometheus, store, ruler, or endpoints/,
    ],
    [
      'auto-discovery off and nothing given',
      (c) => {
        new Prometheus(c, 'P');
        new ThanosQuery(c, 'Query', { autoDiscover: false });
      },
      /no StoreAPI returns nothing/,
    ],
    [
      'a bad endpoint',
      (c) => {
        new ThanosQuery(c, 'Query', { endpoints: [StoreEndpoint.staticAddress('sidecar:99999')] });
      },
      /endpoint "sidecar:99999" has port 99999 outside 1-65535/,
    ],
    ['a bad replica label', (c) => world(c, { replicaLabels: ['bad-label'] }), /replica label "bad-label" is not a valid Prometheus label name/],
    [
      'a bad endpoint replica label',
      (c) => {
        new ThanosQuery(c, 'Query', { endpoints: [StoreEndpoint.staticAddress('a.example.com:1', { replicaLabels: ['__x'] })] });
      },
      /replica label of endpoint a.example.com:1 "__x"/,
    ],
    ['zero replicas', (c) => world(c, { replicas: 0 }), /replicas 0 is not valid: use a whole number in 1-100/],
    ['an invalid name', (c) => world(c, { name: 'Thanos_Query' }), /name "Thanos_Query" is not a valid name/],
    ['an ExternalName Service', (c) => world(c, { serviceType: ServiceType.EXTERNAL_NAME }), /serviceType ExternalName cannot expose pods/],
    ['a zero timeout', (c) => world(c, { timeout: Duration.seconds(0) }), /timeout 0 would fail every query/],
    [
      'one address with two TLS settings',
      (c) => {
        const a = GrpcClientTls.fromSecret(Secret.fromSecretName(c, 'A', 'tls-a'));
        const b = GrpcClientTls.fromSecret(Secret.fromSecretName(c, 'B', 'tls-b'));
        new ThanosQuery(c, 'Query', {
          endpoints: [StoreEndpoint.staticAddress('x.example.com:1', { tls: a }), StoreEndpoint.staticAddress('x.example.com:1', { tls: b })],
        });
      },
      /endpoint x.example.com:1 is given twice with different TLS settings/,
    ],
    [
      'a bad TLS server name',
      (c) => {
        const tls = GrpcClientTls.fromSecret(Secret.fromSecretName(c, 'A', 'tls-a'), { serverName: 'not a name' });
        new ThanosQuery(c, 'Query', { endpoints: [StoreEndpoint.staticAddress('x.example.com:1', { tls })] });
      },
      /TLS serverName "not a name" is not a DNS name/,
    ],
    [
      'a bad TLS key',
      (c) => {
        const tls = GrpcClientTls.fromSecret(Secret.fromSecretName(c, 'A', 'tls-a'), { keyKey: 'key/file' });
        new ThanosQuery(c, 'Query', { endpoints: [StoreEndpoint.staticAddress('x.example.com:1', { tls })] });
      },
      /TLS keyKey "key\/file" is not a valid Secret key/,
    ],
  ];

  test.each(cases)('%s', (_, build, message) => {
    const found = problems(build);
    expect(found.join('\n')).toMatch(message);
    for (const p of found) expect(p).toMatch(/^\[test\//);
  });

  test('reports every problem at once', () => {
    const found = problems((c) => new ThanosQuery(c, 'Query', { name: 'Bad', replicas: 0, endpoints: [StoreEndpoint.staticAddress('nope')] }));
    expect(found).toHaveLength(3);
  });
});
