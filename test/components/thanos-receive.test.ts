import { App, Chart, Testing } from 'cdk8s';
import { Secret, ServiceType } from 'cdk8s-plus-27';
import {
  Prometheus,
  RemoteWrite,
  S3Credentials,
  S3ObjectStorage,
  ThanosQuery,
  ThanosReceive,
  ThanosReceiveProps,
  ThanosStack,
  prerequisiteSecrets,
} from '../../src';
import { validateManifestsDetailed } from '../harness';
import { containerOf, find, flag, flags, Manifest, problems, synth } from '../support/util';

const HARNESS = { externalSecrets: [{ name: 'thanos-objstore', keys: ['access_key', 'secret_key'] }], externalServices: ['minio.monitoring'] };

function receive(chart: Chart, props: ThanosReceiveProps = {}): ThanosReceive {
  const objectStorage = new S3ObjectStorage(chart, 'Bucket', {
    bucket: 'thanos',
    endpoint: 'minio.monitoring.svc:9000',
    insecure: true,
    credentials: S3Credentials.fromSecret(Secret.fromSecretName(chart, 'S', 'thanos-objstore')),
  });
  return new ThanosReceive(chart, 'Receive', { objectStorage, ...props });
}

/** A Receive, a Prometheus writing to it and a querier over it. */
function pipeline(chart: Chart, props: ThanosReceiveProps = {}): ThanosReceive {
  const r = receive(chart, props);
  new Prometheus(chart, 'Prometheus', { remoteWrite: RemoteWrite.to(r) });
  new ThanosQuery(chart, 'Query');
  return r;
}

const policy = (objects: Manifest[], name: string) => find(objects, 'NetworkPolicy', name).spec;
const ports = (rules: any[]) => rules.map((r) => r.ports.map((p: any) => p.port).join(','));
const admits = (rules: any[], app: string, port: number) =>
  rules.some(
    (r) =>
      r.ports.some((p: any) => p.port === port) && (r.from ?? r.to).some((peer: any) => peer.podSelector?.matchLabels?.['app.kubernetes.io/instance'] === app),
  );

describe('ThanosReceive: router + 3 ingestors, RF 3, ketama', () => {
  const objects = synth((c) => {
    pipeline(c);
  });
  const router = find(objects, 'Deployment', 'thanos-receive-router');
  const ingestors = find(objects, 'StatefulSet', 'thanos-receive-ingestor');
  const routerArgs: string[] = containerOf(router, 'thanos-receive').args;
  const ingestorArgs: string[] = containerOf(ingestors, 'thanos-receive').args;

  test('passes every harness check', () => {
    expect(validateManifestsDetailed(objects, HARNESS).problems).toEqual([]);
  });

  test('the router routes by a ketama hashring with RF 3 and keeps no TSDB', () => {
    expect(routerArgs[0]).toBe('receive');
    expect(flag(routerArgs, '--receive.hashrings-algorithm')).toBe('ketama');
    expect(flag(routerArgs, '--receive.replication-factor')).toBe('3');
    expect(flag(routerArgs, '--receive.hashrings-file')).toBe('/etc/thanos/receive/hashrings.json');
    // Router-only: no local endpoint, no TSDB, no bucket.
    expect(flag(routerArgs, '--receive.local-endpoint')).toBeUndefined();
    expect(flag(routerArgs, '--tsdb.path')).toBeUndefined();
    expect(flag(routerArgs, '--objstore.config-file')).toBeUndefined();
    expect(router.spec.replicas).toBe(2);
  });

  test('the hashring lists every ingestor pod through the headless Service', () => {
    const hashrings = JSON.parse(find(objects, 'ConfigMap', 'thanos-receive-hashrings').data['hashrings.json']);
    expect(hashrings).toEqual([
      {
        hashring: 'default',
        tenants: [],
        endpoints: [0, 1, 2].map((i) => `thanos-receive-ingestor-${i}.thanos-receive-ingestor.monitoring.svc:10901`),
      },
    ]);
    expect(ingestors.spec.serviceName).toBe('thanos-receive-ingestor');
    expect(find(objects, 'Service', 'thanos-receive-ingestor').spec.clusterIP).toBe('None');
  });

  test('ingestors ingest only, with a volume each, a per-pod replica label and uploads', () => {
    expect(ingestors.spec.replicas).toBe(3);
    expect(flag(ingestorArgs, '--receive.hashrings-file')).toBeUndefined();
    expect(flag(ingestorArgs, '--tsdb.path')).toBe('/var/thanos/receive');
    expect(flags(ingestorArgs, '--label')).toEqual(['receive="thanos-receive"', 'receive_replica="$(POD_NAME)"']);
    expect(flag(ingestorArgs, '--objstore.config-file')).toBeDefined();
    expect(ingestors.spec.volumeClaimTemplates.map((c: any) => c.metadata.name)).toEqual(['data']);
  });

  test('tenant header and default tenant on router and ingestors', () => {
    for (const args of [routerArgs, ingestorArgs]) {
      expect(flag(args, '--receive.tenant-header')).toBe('THANOS-TENANT');
      expect(flag(args, '--receive.default-tenant-id')).toBe('default-tenant');
      expect(flag(args, '--receive.tenant-label-name')).toBe('tenant_id');
    }
  });

  test('PodDisruptionBudgets keep the write quorum: one ingestor down at a time', () => {
    expect(find(objects, 'PodDisruptionBudget', 'thanos-receive-ingestor').spec.maxUnavailable).toBe(1);
    expect(find(objects, 'PodDisruptionBudget', 'thanos-receive-router').spec.maxUnavailable).toBe(1);
  });

  test('the querier discovers the ingestors and deduplicates on both replica labels', () => {
    const q = find(objects, 'Deployment', 'thanos-query');
    const endpoints = find(objects, 'ConfigMap', 'thanos-query-endpoints').data['endpoints.yaml'];
    expect(endpoints).toContain('dnssrv+_grpc._tcp.thanos-receive-ingestor.monitoring.svc');
    // The remote-writing Prometheus has no sidecar, so no StoreAPI of its own.
    expect(endpoints).not.toContain('thanos-sidecar');
    expect(flags(containerOf(q, 'thanos-query').args, '--query.replica-label')).toEqual(['receive_replica', 'replica']);
  });

  test('NetworkPolicies: remote write into the router, gRPC from router and querier into the ingestors', () => {
    const r = policy(objects, 'thanos-receive-router');
    const i = policy(objects, 'thanos-receive-ingestor');
    expect(admits(r.ingress, 'prometheus', 19291)).toBe(true);
    expect(admits(r.egress, 'thanos-receive-ingestor', 10901)).toBe(true);
    expect(admits(i.ingress, 'thanos-receive-router', 10901)).toBe(true);
    expect(admits(i.ingress, 'thanos-query', 10901)).toBe(true);
    expect(ports(i.ingress)).not.toContain('19291');
  });

  test('the Prometheus in remote-write mode targets the router and runs no sidecar', () => {
    const sts = find(objects, 'StatefulSet', 'prometheus');
    expect(sts.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['prometheus']);
    const args: string[] = containerOf(sts, 'prometheus').args;
    expect(flag(args, '--config.auto-reload')).toBe(true);
    // No sidecar uploads: Prometheus compacts as usual.
    expect(flag(args, '--storage.tsdb.min-block-duration')).toBeUndefined();
    const config = find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml'];
    expect(config).toContain('url: http://thanos-receive-router.monitoring.svc:19291/api/v1/receive');
    expect(objects.some((o) => o.kind === 'Service' && o.metadata.name === 'prometheus-thanos-sidecar')).toBe(false);
    expect(sts.spec.serviceName).toBe('prometheus-headless');
  });
});

describe('ThanosReceive rejects', () => {
  test('RF 4 on 3 ingestors, with the fix', () => {
    expect(
      problems((c) => {
        receive(c, { ingestors: 3, replicationFactor: 4 });
      }),
    ).toEqual([
      expect.stringContaining(
        'replicationFactor 4 is more than the 3 ingestors: every write would miss its quorum; raise ingestors to at least 4 or lower replicationFactor',
      ),
    ]);
  });

  test('RF defaults to 1 with fewer than 3 ingestors', () => {
    const objects = synth((c) => {
      receive(c, { ingestors: 2 });
    });
    expect(flag(containerOf(find(objects, 'Deployment', 'thanos-receive-router'), 'thanos-receive').args, '--receive.replication-factor')).toBe('1');
  });

  test('sidecar-only options on a remote-writing Prometheus', () => {
    const found = problems((c) => {
      const r = receive(c);
      new Prometheus(c, 'Prometheus', { remoteWrite: RemoteWrite.to(r), uploadCompacted: true });
    });
    expect(found).toEqual([expect.stringContaining('uploadCompacted is set with remoteWrite, which runs no sidecar')]);
  });

  test('a remote-write URL that is not http(s)', () => {
    const found = problems((c) => {
      new Prometheus(c, 'Prometheus', { remoteWrite: RemoteWrite.toUrl('receive.example.com:19291') });
    });
    expect(found).toEqual([expect.stringContaining('remoteWrite url "receive.example.com:19291" is not an http(s) URL')]);
  });
});

describe('a tenant and an outside Receive', () => {
  test("the tenant goes in the target's header", () => {
    const objects = synth((c) => {
      new Prometheus(c, 'Prometheus', { remoteWrite: RemoteWrite.toUrl('https://receive.example.com/api/v1/receive', { tenant: 'eu1' }) });
    });
    const config = find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml'];
    expect(config).toContain('THANOS-TENANT: eu1');
  });
});

describe('ThanosStack with receive', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const stack = new ThanosStack(chart, 'Thanos', { receive: {} });
  const objects = Testing.synth(chart) as Manifest[];

  test('passes every harness check', () => {
    expect(validateManifestsDetailed(objects, { externalSecrets: prerequisiteSecrets(app as App) }).problems).toEqual([]);
  });

  test("the stack's Prometheus remote-writes to the router; ingestors upload; Prometheus scrapes both", () => {
    expect(stack.prometheus.remoteWrite?.target).toBe(stack.receive);
    const ingestor = find(objects, 'StatefulSet', 'thanos-receive-ingestor');
    expect(flag(containerOf(ingestor, 'thanos-receive').args, '--objstore.config-file')).toBeDefined();
    const config = find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml'];
    expect(config).toContain('job_name: thanos-receive-router');
    expect(config).toContain('job_name: thanos-receive-ingestor');
  });

  test('exposing the plaintext, unauthenticated remote-write endpoint is refused unless acknowledged; then it admits its source ranges', () => {
    const exposed = { routerServiceType: ServiceType.LOAD_BALANCER, sourceRanges: ['203.0.113.0/24'] };
    expect(problems((c) => receive(c, exposed))).toEqual([
      expect.stringContaining(
        "the router's remote-write endpoint (plaintext HTTP, no authentication: any client can write any tenant) would be reachable from outside the cluster through a LoadBalancer Service",
      ),
    ]);
    expect(problems((c) => receive(c, { ...exposed, acknowledgePlaintextExposure: true }))).toEqual([]);
    expect(problems((c) => receive(c, { routerServiceType: ServiceType.CLUSTER_IP }))).toEqual([]);
  });
});
