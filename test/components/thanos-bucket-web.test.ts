import { Chart, Duration, Testing } from 'cdk8s';
import { Secret, ServiceType } from 'cdk8s-plus-27';
import { IObjectStorage, ObjectStorage, S3Credentials, S3ObjectStorage } from '../../src/wiring/object-storage';
import { prerequisiteSecrets } from '../../src/output/prerequisites';
import { ThanosBucketWeb, ThanosBucketWebProps } from '../../src/components/thanos-bucket-web';
import { expectValid } from '../harness';
import { containerOf, find, flag, Manifest, problems, synth, ownEnv } from '../support/util';

function bucket(c: Chart): S3ObjectStorage {
  return new S3ObjectStorage(c, 'Bucket', {
    bucket: 'thanos',
    endpoint: 's3.eu-west-1.amazonaws.com',
    region: 'eu-west-1',
    credentials: S3Credentials.fromSecret(Secret.fromSecretName(c, 'Creds', 'thanos-objstore')),
  });
}

function web(c: Chart, props: Partial<ThanosBucketWebProps> = {}, storage: IObjectStorage = bucket(c)): ThanosBucketWeb {
  return new ThanosBucketWeb(c, 'BucketWeb', { objectStorage: storage, ...props });
}

function webOf(objects: Manifest[], name = 'thanos-bucketweb'): any {
  return containerOf(find(objects, 'Deployment', name), 'thanos-bucketweb');
}

function policy(objects: Manifest[], name: string, direction: 'ingress' | 'egress'): Map<number, any[]> {
  const rules = new Map<number, any[]>();
  for (const r of find(objects, 'NetworkPolicy', name).spec[direction]) {
    for (const p of r.ports ?? []) rules.set(p.port, [...(rules.get(p.port) ?? []), ...(r.to ?? r.from ?? [])]);
  }
  return rules;
}

describe('ThanosBucketWeb defaults', () => {
  const objects = synth((c) => web(c));
  const deployment = find(objects, 'Deployment', 'thanos-bucketweb');
  const container = webOf(objects);

  test('matches the snapshot', () => {
    expect(objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/instance'] === 'thanos-bucketweb')).toMatchSnapshot();
  });

  test('args: tools bucket web on the bucket, refreshed every 30m', () => {
    expect(container.args).toEqual([
      'tools',
      'bucket',
      'web',
      '--http-address=0.0.0.0:10902',
      '--refresh=30m',
      '--objstore.config-file=/etc/thanos/objstore/objstore.yml',
    ]);
  });

  test('reads the bucket config and credentials from the shared objstore ConfigMap and Secret', () => {
    expect(container.volumeMounts).toEqual([{ name: 'objstore', mountPath: '/etc/thanos/objstore', readOnly: true }]);
    expect(deployment.spec.template.spec.volumes).toEqual([{ name: 'objstore', configMap: { name: 'thanos-objstore' } }]);
    expect(ownEnv(container).map((e: any) => e.valueFrom.secretKeyRef)).toEqual([
      { name: 'thanos-objstore', key: 'access_key' },
      { name: 'thanos-objstore', key: 'secret_key' },
    ]);
    expect(deployment.spec.template.metadata.annotations['checksum/objstore']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('one replica, no PDB, probes, security, resources', () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget')).toHaveLength(0);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/-/healthy', port: 'http', scheme: 'HTTP' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/-/ready', port: 'http', scheme: 'HTTP' });
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources).toEqual({ requests: { cpu: '20m', memory: '128Mi' }, limits: { memory: '128Mi' } });
  });

  test('Service: ClusterIP on http', () => {
    const svc = find(objects, 'Service', 'thanos-bucketweb');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 10902, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('NetworkPolicy: egress to the object store only, no ingress', () => {
    const out = policy(objects, 'thanos-bucketweb', 'egress');
    expect([...out.keys()].sort()).toEqual([443, 53]);
    expect(out.get(443)).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }]);
    expect(policy(objects, 'thanos-bucketweb', 'ingress').size).toBe(0);
  });

  test('url and scrape endpoint', () => {
    let w!: ThanosBucketWeb;
    synth((c) => {
      w = web(c);
    });
    expect(w.url).toBe('http://thanos-bucketweb.monitoring.svc:10902');
    expect(w.scrapeEndpoints).toEqual([
      { jobName: 'thanos-bucketweb', serviceName: 'thanos-bucketweb', namespace: 'monitoring', port: { name: 'http', port: 10902 } },
    ]);
  });

  test('passes the manifest harness', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
    web(chart);
    expectValid(Testing.synth(chart), { externalSecrets: prerequisiteSecrets(chart) });
  });
});

describe('ThanosBucketWeb options', () => {
  test('label, refresh, admin operations off, name', () => {
    const objects = synth((c) => web(c, { name: 'bucket', label: 'cluster', refresh: Duration.minutes(5), disableAdminOperations: true }));
    const args = webOf(objects, 'bucket').args;
    expect(flag(args, '--label')).toBe('cluster');
    expect(flag(args, '--refresh')).toBe('5m');
    expect(flag(args, '--disable-admin-operations')).toBe(true);
  });

  test('exposing the bucket web UI (block deletion) needs an acknowledgement; then it admits its source ranges', () => {
    expect(problems((c) => web(c, { serviceType: ServiceType.LOAD_BALANCER, sourceRanges: ['10.0.0.0/8'] }))).toEqual([
      expect.stringMatching(
        /the bucket web UI \(it marks blocks for deletion, without authentication\) would be reachable from outside the cluster through a LoadBalancer Service: keep serviceType CLUSTER_IP/,
      ),
    ]);
    const objects = synth((c) => web(c, { serviceType: ServiceType.LOAD_BALANCER, sourceRanges: ['10.0.0.0/8'], acknowledgePlaintextExposure: true }));
    expect(find(objects, 'Service', 'thanos-bucketweb').spec.type).toBe('LoadBalancer');
    expect(policy(objects, 'thanos-bucketweb', 'ingress').get(10902)).toEqual([{ ipBlock: { cidr: '10.0.0.0/8' } }]);
  });

  test('a bucket defined by a Secret is mounted from it', () => {
    let chart!: Chart;
    const objects = synth((c) => {
      chart = c;
      web(
        c,
        {},
        ObjectStorage.fromSecret(c, 'Existing', {
          secret: Secret.fromSecretName(c, 'S', 'thanos-objstore-config'),
          endpoint: 's3.eu-west-1.amazonaws.com:443',
        }),
      );
    });
    expect(find(objects, 'Deployment', 'thanos-bucketweb').spec.template.spec.volumes).toEqual([
      { name: 'objstore', secret: { secretName: 'thanos-objstore-config', items: [{ key: 'objstore.yml', path: 'objstore.yml' }] } },
    ]);
    expect(prerequisiteSecrets(chart)).toContainEqual(expect.objectContaining({ name: 'thanos-objstore-config', keys: ['objstore.yml'] }));
    expectValid(objects, { externalSecrets: prerequisiteSecrets(chart) });
  });

  test('networkPolicy false renders none', () => {
    expect(synth((c) => web(c, { networkPolicy: false })).filter((o) => o.kind === 'NetworkPolicy')).toHaveLength(0);
  });
});

describe('ThanosBucketWeb validation', () => {
  const cases: Array<[string, (c: Chart) => void, RegExp]> = [
    ['an invalid group label', (c) => web(c, { label: 'cluster-name' }), /label "cluster-name" is not a valid Prometheus label name/],
    ['a sub-second refresh', (c) => web(c, { refresh: Duration.millis(10) }), /refresh 10ms is under a second/],
    ['an invalid name', (c) => web(c, { name: 'Bucket Web' }), /name "Bucket Web" is not a valid name/],
    ['an ExternalName Service', (c) => web(c, { serviceType: ServiceType.EXTERNAL_NAME }), /serviceType ExternalName cannot expose pods/],
  ];

  test.each(cases)('%s', (_, build, message) => {
    const found = problems(build);
    expect(found.join('\n')).toMatch(message);
    for (const p of found) expect(p).toMatch(/^\[test\//);
  });

  test('reports every problem at once', () => {
    expect(problems((c) => web(c, { label: '1x', refresh: Duration.millis(1), name: 'X' }))).toHaveLength(3);
  });
});
