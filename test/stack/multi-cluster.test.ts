import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { Secret, ServiceType } from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { GrpcServerTls } from '../../src/wiring/tls';
import { MinIO } from '../../src/components/minio';
import { prerequisiteSecrets } from '../../src/output/prerequisites';
import { Prometheus } from '../../src/components/prometheus';
import { GrpcClientTls, StoreEndpoint } from '../../src/wiring/store-endpoint';
import { ThanosQuery } from '../../src/components/thanos-query';
import { ThanosRuler } from '../../src/components/thanos-ruler';
import { ThanosStack } from '../../src/thanos-stack';
import { ThanosStore } from '../../src/components/thanos-store';
import { expectValid } from '../harness';
import { containerOf, find, flag, flags, Manifest, problems, synth } from '../support/util';

const THANOS_FLAGS = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'thanos-flags.json'), 'utf8')).commands as Record<
  string,
  Record<string, { takesValue: boolean }>
>;

/** A stack with one Prometheus per cluster: eu1 (the stack's), us1 and ap1. */
function threeClusters(): { app: App; chart: Chart; stack: ThanosStack; objects: Manifest[] } {
  const app = Testing.app();
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const stack = new ThanosStack(chart, 'Thanos', { prometheus: { name: 'prometheus-eu1', externalLabels: { cluster: 'eu1' } } });
  stack.addPrometheus('Us1', { name: 'prometheus-us1', externalLabels: { cluster: 'us1' } });
  stack.addPrometheus('Ap1', { name: 'prometheus-ap1', externalLabels: { cluster: 'ap1' } });
  return { app, chart, stack, objects: Testing.synth(chart) as Manifest[] };
}

function endpointAddresses(objects: Manifest[], name = 'thanos-query'): string[] {
  return parse(find(objects, 'ConfigMap', `${name}-endpoints`).data['endpoints.yaml']).endpoints.map((e: any) => e.address);
}

/** The peers (by `app.kubernetes.io/instance`) of a NetworkPolicy's rules on exactly `port`. */
function peersOnPort(policy: Manifest, direction: 'ingress' | 'egress', port: number): string[] {
  const key = direction === 'ingress' ? 'from' : 'to';
  return policy.spec[direction]
    .filter((r: any) => r.ports?.length === 1 && r.ports[0].port === port)
    .flatMap((r: any) => r[key].map((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/instance'] ?? JSON.stringify(p)));
}

describe('three clusters behind one querier', () => {
  const { app, objects } = threeClusters();
  const sidecars = ['prometheus-ap1', 'prometheus-eu1', 'prometheus-us1'];

  test('the querier lists every sidecar headless Service, the store and the ruler', () => {
    expect(endpointAddresses(objects)).toEqual([
      'dnssrv+_grpc._tcp.prometheus-ap1-thanos-sidecar.monitoring.svc',
      'dnssrv+_grpc._tcp.prometheus-eu1-thanos-sidecar.monitoring.svc',
      'dnssrv+_grpc._tcp.prometheus-us1-thanos-sidecar.monitoring.svc',
      'dnssrv+_grpc._tcp.thanos-rule.monitoring.svc',
      'dnssrv+_grpc._tcp.thanos-store.monitoring.svc',
    ]);
  });

  test.each(sidecars)('the SRV name of %s resolves: a headless Service with a port named grpc', (name) => {
    const svc = find(objects, 'Service', `${name}-thanos-sidecar`);
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports).toContainEqual(expect.objectContaining({ name: 'grpc', port: 10901 }));
    expect(svc.spec.selector).toEqual(find(objects, 'StatefulSet', name).spec.selector.matchLabels);
  });

  test('replica labels are derived from the sources: replica (sidecars) and rule_replica (ruler)', () => {
    const args = containerOf(find(objects, 'Deployment', 'thanos-query'), 'thanos-query').args;
    expect(flags(args, '--query.replica-label')).toEqual(['replica', 'rule_replica']);
  });

  test('each Prometheus carries its own cluster label and a per-pod replica label', () => {
    for (const name of sidecars) {
      const config = parse(find(objects, 'ConfigMap', `${name}-config`).data['prometheus.yml']);
      expect(config.global.external_labels).toEqual({ cluster: name.replace('prometheus-', ''), replica: '${POD_NAME}' });
    }
  });

  test('one NetworkPolicy rule per wiring: the querier reaches each StoreAPI once on 10901, and each admits it', () => {
    const query = find(objects, 'NetworkPolicy', 'thanos-query');
    expect(peersOnPort(query, 'egress', 10901)).toEqual([...sidecars, 'thanos-rule', 'thanos-store']);
    for (const name of [...sidecars, 'thanos-rule', 'thanos-store']) {
      expect(peersOnPort(find(objects, 'NetworkPolicy', name), 'ingress', 10901)).toEqual(['thanos-query']);
    }
  });

  test('every Prometheus ships to the one bucket and alerts the one Alertmanager', () => {
    for (const name of sidecars) {
      const sts = find(objects, 'StatefulSet', name);
      expect(flag(containerOf(sts, 'thanos-sidecar').args, '--objstore.config-file')).toBe('/etc/thanos/objstore/objstore.yml');
      const config = parse(find(objects, 'ConfigMap', `${name}-config`).data['prometheus.yml']);
      expect(config.alerting.alertmanagers[0].dns_sd_configs[0].names).toEqual(['alertmanager-cluster.monitoring.svc']);
    }
  });

  test('the whole output passes the validation harness', () => {
    expectValid(objects, { externalSecrets: prerequisiteSecrets(app) });
  });
});

describe('overlapping label sets are rejected at synth time', () => {
  test('two clusters with the same labels: both paths are named', () => {
    const found = problems((c) => {
      const stack = new ThanosStack(c, 'Thanos', { prometheus: { name: 'prometheus-eu1', externalLabels: { cluster: 'eu1', env: 'prod' } } });
      stack.addPrometheus('Eu1Again', { name: 'prometheus-eu1b', externalLabels: { env: 'prod', cluster: 'eu1' } });
    });
    expect(found).toHaveLength(2);
    expect(found).toContainEqual(
      expect.stringMatching(
        /^\[test\/Thanos\/Prometheus\] external labels .* are the same as those of test\/Thanos\/Eu1Again, on the same bucket .+: every Prometheus needs a unique set/,
      ),
    );
    expect(found).toContainEqual(
      expect.stringMatching(/^\[test\/Thanos\/Eu1Again\] external labels .* are the same as those of test\/Thanos\/Prometheus, on the same bucket .+:/),
    );
  });

  test('labels differing in one value are accepted', () => {
    expect(
      problems((c) => {
        const stack = new ThanosStack(c, 'Thanos', { prometheus: { name: 'prometheus-eu1', externalLabels: { cluster: 'eu1', env: 'prod' } } });
        stack.addPrometheus('Eu1Staging', { name: 'prometheus-eu1-staging', externalLabels: { cluster: 'eu1', env: 'staging' } });
      }),
    ).toEqual([]);
  });

  test('two charts (clusters) of one app are checked against each other', () => {
    const app = Testing.app();
    new Prometheus(new Chart(app, 'eu1', { namespace: 'monitoring' }), 'Prometheus', { externalLabels: { cluster: 'eu1' } });
    const us1 = new Chart(app, 'us1', { namespace: 'monitoring' });
    new Prometheus(us1, 'Prometheus', { externalLabels: { cluster: 'eu1' } });
    expect(() => Testing.synth(us1)).toThrow(/are the same as those of eu1\/Prometheus/);
  });

  test("a ruler whose labels equal a Prometheus'", () => {
    const found = problems((c) => {
      const prometheus = new Prometheus(c, 'Prometheus', { externalLabels: { cluster: 'global' } });
      const query = new ThanosQuery(c, 'Query', { stores: [prometheus] });
      new ThanosRuler(c, 'Ruler', { query, externalLabels: { cluster: 'global' } });
    });
    // Reported once, by the ruler, naming both.
    expect(found).toEqual([
      expect.stringMatching(
        /^\[test\/Ruler\] external labels \{"cluster":"global"\} are the same as those of test\/Prometheus: the ruler needs a set of its own/,
      ),
    ]);
  });
});

describe('GrpcServerTls', () => {
  const tlsChart = () => {
    const app = Testing.app();
    const chart = new Chart(app, 'leaf', { namespace: 'monitoring' });
    const minio = new MinIO(chart, 'MinIO', { credentials: Secret.fromSecretName(chart, 'Objstore', 'thanos-objstore') });
    const mutual = GrpcServerTls.fromSecret(Secret.fromSecretName(chart, 'SidecarTls', 'sidecar-tls'), { clientCaKey: 'ca.crt' });
    const prometheus = new Prometheus(chart, 'Prometheus', {
      externalLabels: { cluster: 'eu1' },
      objectStorage: minio.objectStorage,
      sidecarServiceType: ServiceType.LOAD_BALANCER,
      grpcServerTls: mutual,
      sourceRanges: ['198.51.100.0/24'],
    });
    const serverOnly = GrpcServerTls.fromSecret(Secret.fromSecretName(chart, 'StoreTls', 'store-tls'), { certKey: 'server.pem', keyKey: 'server-key.pem' });
    const store = new ThanosStore(chart, 'Store', {
      objectStorage: minio.objectStorage,
      grpcServiceType: ServiceType.LOAD_BALANCER,
      grpcServerTls: serverOnly,
      sourceRanges: ['198.51.100.0/24'],
    });
    return { app, chart, prometheus, store, objects: Testing.synth(chart) as Manifest[] };
  };
  const { app, prometheus, store, objects } = tlsChart();
  const sidecar = containerOf(find(objects, 'StatefulSet', 'prometheus'), 'thanos-sidecar');
  const storeContainer = containerOf(find(objects, 'StatefulSet', 'thanos-store'), 'thanos-store');

  test('every emitted TLS flag exists, with a value, for sidecar and store in Thanos v0.42.4', () => {
    for (const [command, c] of [
      ['sidecar', sidecar],
      ['store', storeContainer],
    ] as const) {
      const tlsFlags = c.args.filter((a: string) => a.startsWith('--grpc-server-tls-')).map((a: string) => a.split('=')[0]);
      expect(tlsFlags.length).toBeGreaterThanOrEqual(2);
      for (const f of tlsFlags) expect(THANOS_FLAGS[command][f]).toMatchObject({ takesValue: true });
    }
    for (const f of ['--grpc-server-tls-cert', '--grpc-server-tls-key', '--grpc-server-tls-client-ca']) {
      expect(THANOS_FLAGS.sidecar[f]).toBeDefined();
      expect(THANOS_FLAGS.store[f]).toBeDefined();
    }
  });

  test('mutual TLS on the sidecar: certificate, key and client CA from the mounted Secret', () => {
    expect(flag(sidecar.args, '--grpc-server-tls-cert')).toBe('/etc/thanos/grpc-server-tls/tls.crt');
    expect(flag(sidecar.args, '--grpc-server-tls-key')).toBe('/etc/thanos/grpc-server-tls/tls.key');
    expect(flag(sidecar.args, '--grpc-server-tls-client-ca')).toBe('/etc/thanos/grpc-server-tls/ca.crt');
    expect(sidecar.volumeMounts).toContainEqual({ name: 'grpc-server-tls', mountPath: '/etc/thanos/grpc-server-tls', readOnly: true });
    expect(find(objects, 'StatefulSet', 'prometheus').spec.template.spec.volumes).toContainEqual({
      name: 'grpc-server-tls',
      secret: { secretName: 'sidecar-tls' },
    });
    expect(containerOf(find(objects, 'StatefulSet', 'prometheus'), 'prometheus').volumeMounts.map((m: any) => m.name)).not.toContain('grpc-server-tls');
    expect(prometheus.grpcServerTls?.mutual).toBe(true);
  });

  test('server-only TLS on the store: custom keys, no client CA flag', () => {
    expect(flag(storeContainer.args, '--grpc-server-tls-cert')).toBe('/etc/thanos/grpc-server-tls/server.pem');
    expect(flag(storeContainer.args, '--grpc-server-tls-key')).toBe('/etc/thanos/grpc-server-tls/server-key.pem');
    expect(flag(storeContainer.args, '--grpc-server-tls-client-ca')).toBeUndefined();
    expect(store.grpcServerTls?.mutual).toBe(false);
  });

  test('the TLS Secrets are declared as prerequisites with the keys read', () => {
    const secrets = prerequisiteSecrets(app);
    expect(secrets).toContainEqual({ name: 'sidecar-tls', keys: ['ca.crt', 'tls.crt', 'tls.key'], purpose: 'gRPC server TLS of the Thanos sidecar' });
    expect(secrets).toContainEqual({ name: 'store-tls', keys: ['server-key.pem', 'server.pem'], purpose: 'gRPC server TLS of the Thanos store gateway' });
  });

  test('the sidecar and the store are exposed on gRPC by a LoadBalancer, and the Service and NetworkPolicy admit their source ranges on 10901', () => {
    expect(find(objects, 'Service', 'prometheus-thanos-sidecar-external').spec).toMatchObject({
      type: 'LoadBalancer',
      loadBalancerSourceRanges: ['198.51.100.0/24'],
      ports: [expect.objectContaining({ name: 'grpc', port: 10901 })],
    });
    const grpc = find(objects, 'Service', 'thanos-store-grpc');
    expect(grpc.spec).toMatchObject({ type: 'LoadBalancer', ports: [expect.objectContaining({ name: 'grpc', port: 10901 })] });
    expect(grpc.spec.selector).toEqual(find(objects, 'Service', 'thanos-store').spec.selector);
    for (const name of ['prometheus', 'thanos-store']) {
      expect(peersOnPort(find(objects, 'NetworkPolicy', name), 'ingress', 10901)).toContain(JSON.stringify({ ipBlock: { cidr: '198.51.100.0/24' } }));
    }
  });

  test('without grpcServiceType the store has only its headless Service and admits no one on gRPC', () => {
    const o = synth((c) => {
      const minio = new MinIO(c, 'MinIO', { credentials: Secret.fromSecretName(c, 'Objstore', 'thanos-objstore') });
      new ThanosStore(c, 'Store', { objectStorage: minio.objectStorage });
    });
    expect(o.filter((x) => x.kind === 'Service' && x.metadata.name.startsWith('thanos-store')).map((x) => x.metadata.name)).toEqual(['thanos-store']);
    expect(peersOnPort(find(o, 'NetworkPolicy', 'thanos-store'), 'ingress', 10901)).toEqual([]);
    expect(containerOf(find(o, 'StatefulSet', 'thanos-store'), 'thanos-store').args.some((a: string) => a.includes('tls'))).toBe(false);
  });

  test('the TLS output passes the validation harness (files mounted, flags real)', () => {
    expectValid(objects, { externalSecrets: prerequisiteSecrets(app) });
  });

  test.each([
    ['a bad Secret key', { clientCaKey: 'ca/crt' }, /gRPC server TLS clientCaKey "ca\/crt" is not a valid Secret key/],
    ['certificate and key in one key', { certKey: 'tls.pem', keyKey: 'tls.pem' }, /gRPC server TLS certKey and keyKey are both "tls.pem"/],
  ])('rejects %s', (_, options, message) => {
    expect(() =>
      synth((c) => {
        new Prometheus(c, 'Prometheus', { grpcServerTls: GrpcServerTls.fromSecret(Secret.fromSecretName(c, 'Tls', 'tls'), options) });
      }),
    ).toThrow(message);
  });

  test('rejects an ExternalName gRPC Service for the store', () => {
    expect(() =>
      synth((c) => {
        const minio = new MinIO(c, 'MinIO', { credentials: Secret.fromSecretName(c, 'Objstore', 'thanos-objstore') });
        new ThanosStore(c, 'Store', { objectStorage: minio.objectStorage, grpcServiceType: ServiceType.EXTERNAL_NAME });
      }),
    ).toThrow(/grpcServiceType ExternalName cannot expose pods/);
  });
});

describe('a querier and a TLS StoreAPI (Thanos ignores per-endpoint TLS for dnssrv+ endpoints)', () => {
  const tls = (c: Chart) => GrpcServerTls.fromSecret(Secret.fromSecretName(c, 'Tls', 'sidecar-tls'));

  test('discovering a TLS sidecar by DNS is rejected, naming it and the way out', () => {
    const found = problems((c) => {
      new Prometheus(c, 'Leaf', { externalLabels: { cluster: 'eu1' }, grpcServerTls: tls(c) });
      new ThanosQuery(c, 'Query');
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^\[test\/Query\] test\/Leaf serves gRPC with TLS \(grpcServerTls\) but this querier would dial it through dnssrv\+_grpc\._tcp\.prometheus-thanos-sidecar\.monitoring\.svc, and Thanos ignores per-endpoint TLS for DNS-discovered endpoints: .*StoreEndpoint\.staticAddress.*one address per replica/,
      ),
    ]);
  });

  test('adding a TLS store explicitly is rejected too', () => {
    expect(
      problems((c) => {
        const minio = new MinIO(c, 'MinIO', { credentials: Secret.fromSecretName(c, 'Objstore', 'thanos-objstore') });
        const store = new ThanosStore(c, 'Store', { objectStorage: minio.objectStorage, grpcServerTls: tls(c) });
        new ThanosQuery(c, 'Query', { autoDiscover: false, stores: [store] });
      }),
    ).toEqual([expect.stringContaining('test/Store serves gRPC with TLS')]);
  });

  test('the supported shape: no discovery of the TLS sidecar, its replicas as static TLS endpoints', () => {
    const app = Testing.app();
    const c = new Chart(app, 'test', { namespace: 'monitoring' });
    new Prometheus(c, 'Leaf', {
      externalLabels: { cluster: 'eu1' },
      grpcServerTls: GrpcServerTls.fromSecret(Secret.fromSecretName(c, 'Tls', 'sidecar-tls'), { clientCaKey: 'ca.crt' }),
    });
    const client = GrpcClientTls.fromSecret(Secret.fromSecretName(c, 'Client', 'query-client-tls'));
    const replicas = [0, 1].map((i) =>
      StoreEndpoint.staticAddress(`prometheus-${i}.prometheus-thanos-sidecar.monitoring.svc:10901`, { tls: client, replicaLabels: ['replica'] }),
    );
    new ThanosQuery(c, 'Query', { autoDiscover: false, endpoints: replicas });
    const objects = Testing.synth(c) as Manifest[];
    const config = parse(find(objects, 'ConfigMap', 'thanos-query-endpoints').data['endpoints.yaml']);
    expect(config.endpoints.map((e: any) => [e.address, e.client_config.tls_config.enabled])).toEqual([
      ['prometheus-0.prometheus-thanos-sidecar.monitoring.svc:10901', true],
      ['prometheus-1.prometheus-thanos-sidecar.monitoring.svc:10901', true],
    ]);
    expectValid(objects, { externalSecrets: prerequisiteSecrets(app) });
  });

  test('a plaintext sidecar next to a TLS one is still discovered', () => {
    const found = problems((c) => {
      new Prometheus(c, 'Plain', { name: 'prometheus-plain', externalLabels: { cluster: 'plain' } });
      new Prometheus(c, 'Leaf', { externalLabels: { cluster: 'eu1' }, grpcServerTls: tls(c) });
      new ThanosQuery(c, 'Query');
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('test/Leaf serves gRPC with TLS');
  });
});
