import { App, Chart, Testing } from 'cdk8s';
import { Secret, ServiceType } from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { parse } from 'yaml';
import {
  AlertmanagerEndpoint,
  prerequisiteSecrets,
  RuleGroup,
  Rule,
  S3Credentials,
  S3ObjectStorage,
  ScrapeJob,
  SizePreset,
  ThanosStack,
  ThanosStackProps,
} from '../../src';
import { validateManifestsDetailed } from '../harness';
import { find, flags, Manifest } from '../support/util';

function synthStack(props: ThanosStackProps | ((chart: Chart) => ThanosStackProps)): { app: App; objects: Manifest[]; stack: ThanosStack } {
  const app = Testing.app();
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const stack = new ThanosStack(chart, 'Thanos', typeof props === 'function' ? props(chart) : props);
  return { app, stack, objects: Testing.synth(chart) as Manifest[] };
}

/** Synthesizes and runs the whole harness; returns the objects. */
function validStack(props: ThanosStackProps | ((chart: Chart) => ThanosStackProps)): Manifest[] {
  const { app, objects } = synthStack(props);
  const { problems } = validateManifestsDetailed(objects, { externalSecrets: prerequisiteSecrets(app) });
  expect(problems).toEqual([]);
  return objects;
}

const names = (objects: Manifest[], kind: string) =>
  objects
    .filter((o) => o.kind === kind)
    .map((o) => o.metadata.name)
    .sort();
const workloads = (objects: Manifest[]) => [...names(objects, 'StatefulSet'), ...names(objects, 'Deployment')].sort();

describe('switching a component off leaves no dangling reference', () => {
  const all = [
    'alertmanager',
    'grafana',
    'minio',
    'prometheus',
    'thanos-bucketweb',
    'thanos-compact',
    'thanos-query',
    'thanos-query-frontend',
    'thanos-rule',
    'thanos-store',
  ];

  const cases: Array<[keyof ThanosStackProps, string[]]> = [
    ['grafana', ['grafana']],
    ['bucketWeb', ['thanos-bucketweb']],
    ['compactor', ['thanos-compact']],
    ['store', ['thanos-store']],
    ['ruler', ['thanos-rule']],
    ['queryFrontend', ['thanos-query-frontend']],
    // The frontend, ruler and Grafana need the querier, so they go with it.
    ['query', ['thanos-query', 'thanos-query-frontend', 'thanos-rule', 'grafana']],
    // Without a bucket: no uploads, no store, compactor or bucket web.
    ['minio', ['minio', 'thanos-store', 'thanos-compact', 'thanos-bucketweb']],
  ];

  test.each(cases)('%s off', (key, gone) => {
    const objects = validStack({ [key]: { enabled: false } });
    expect(workloads(objects)).toEqual(all.filter((n) => !gone.includes(n)));
    // Nothing still names a removed component (the harness resolves every reference; this catches scrape jobs and URLs).
    const text = JSON.stringify(objects.filter((o) => o.kind !== 'Namespace'));
    for (const name of gone) expect(text).not.toMatch(new RegExp(`"${name}[".:]`));
  });

  test('alertmanager off and none given: the stack adds no alerts that would go nowhere, and the ruler has none', () => {
    // Before: synthesized, with alerting rules evaluated and sent to no one.
    const { objects } = synthStack({ alertmanager: { enabled: false } });
    const ruler = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'thanos-rule')!;
    expect(ruler.spec.template.spec.containers[0].args.filter((a: string) => a.startsWith('--alertmanagers.'))).toEqual([]);
    expect(objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name === 'thanos-rule-rules').flatMap((o) => Object.keys(o.data ?? {}))).toEqual([]);
  });

  test('alertmanager off, an external one by URL: Prometheus and the ruler send there, and their policies open exactly that edge', () => {
    const url = 'http://prometheus-operator-alertmanager.monitoring.svc.cluster.local:9093';
    const { app, objects } = synthStack({ alertmanager: { enabled: false }, alertmanagers: [AlertmanagerEndpoint.url(url)] });
    expect(workloads(objects)).toEqual(all.filter((n) => n !== 'alertmanager'));
    const alerting = parse(find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml']).alerting;
    expect(alerting.alertmanagers).toEqual([
      { api_version: 'v2', static_configs: [{ targets: ['prometheus-operator-alertmanager.monitoring.svc.cluster.local:9093'] }] },
    ]);
    const ruler = find(objects, 'StatefulSet', 'thanos-rule').spec.template.spec.containers[0];
    expect(flags(ruler.args, '--alertmanagers.url')).toEqual([url]);
    const peer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
    for (const name of ['prometheus', 'thanos-rule']) {
      expect(find(objects, 'NetworkPolicy', name).spec.egress).toContainEqual({ to: [peer], ports: [{ protocol: 'TCP', port: 9093 }] });
    }
    const { problems } = validateManifestsDetailed(objects, {
      externalSecrets: prerequisiteSecrets(app),
      externalServices: ['prometheus-operator-alertmanager.monitoring'],
    });
    expect(problems).toEqual([]);
  });

  test('an Alertmanager URL that names no namespace, or is not http(s), is refused', () => {
    expect(() => synthStack({ alertmanager: { enabled: false }, alertmanagers: [AlertmanagerEndpoint.url('http://alertmanager:9093')] })).toThrow(
      /Alertmanager URL "http:\/\/alertmanager:9093" may be inside the cluster but names no namespace.*give networkPeer/,
    );
    expect(() => synthStack({ alertmanagers: [AlertmanagerEndpoint.url('ftp://am.example.com')] })).toThrow(/is not an http\(s\) URL/);
  });

  test('an https Alertmanager under a path prefix', () => {
    const { objects } = synthStack({ alertmanagers: [AlertmanagerEndpoint.url('https://alerts.example.com:443/am/')] });
    const ams = parse(find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml']).alerting.alertmanagers;
    expect(ams[1]).toEqual({ api_version: 'v2', scheme: 'https', path_prefix: '/am', static_configs: [{ targets: ['alerts.example.com:443'] }] });
    expect(flags(find(objects, 'StatefulSet', 'thanos-rule').spec.template.spec.containers[0].args, '--alertmanagers.url')).toEqual([
      'dns+http://alertmanager-cluster.monitoring.svc:9093',
      'https://alerts.example.com:443/am',
    ]);
  });

  test('minio off: Prometheus keeps 15 days and uploads nothing', () => {
    const objects = validStack({ minio: { enabled: false } });
    const prom = find(objects, 'StatefulSet', 'prometheus').spec.template.spec.containers;
    expect(prom[0].args).toContain('--storage.tsdb.retention.time=15d');
    expect(prom[1].args.some((a: string) => a.startsWith('--objstore'))).toBe(false);
    expect(names(objects, 'ConfigMap')).not.toContain('thanos-objstore');
  });

  test('an external bucket replaces MinIO everywhere', () => {
    const objects = validStack((chart) => ({
      objectStorage: new S3ObjectStorage(chart, 'Bucket', {
        bucket: 'acme-thanos',
        endpoint: 's3.eu-west-1.amazonaws.com',
        region: 'eu-west-1',
        credentials: S3Credentials.fromSecret(Secret.fromSecretName(chart, 'AwsKeys', 'aws-thanos')),
      }),
      prometheus: { externalLabels: { cluster: 'eu1' } },
      compactor: { enabled: true },
    }));
    expect(workloads(objects)).not.toContain('minio');
    const users = objects
      .filter((o) => ['StatefulSet', 'Deployment'].includes(o.kind))
      .filter((o) => JSON.stringify(o).includes('--objstore.config-file='))
      .map((o) => o.metadata.name)
      .sort();
    expect(users).toEqual(['prometheus', 'thanos-bucketweb', 'thanos-compact', 'thanos-rule', 'thanos-store']);
    // One bucket config, one Secret, shared by every component.
    expect(names(objects, 'ConfigMap').filter((n) => n.includes('objstore'))).toEqual(['thanos-objstore']);
    const secretRefs = new Set(JSON.stringify(objects).match(/"secretKeyRef":\{"key":"[^"]+","name":"[^"]+"\}/g));
    expect([...secretRefs].sort()).toEqual([
      '"secretKeyRef":{"key":"access_key","name":"aws-thanos"}',
      '"secretKeyRef":{"key":"secret_key","name":"aws-thanos"}',
    ]);
  });

  test('NetworkPolicies off: none rendered, everything else unchanged', () => {
    const on = synthStack({}).objects;
    const off = validStack({ networkPolicies: false });
    expect(names(off, 'NetworkPolicy')).toEqual([]);
    expect(off).toEqual(on.filter((o) => o.kind !== 'NetworkPolicy'));
  });
});

describe('the wiring is derived, not retyped', () => {
  const objects = validStack({});
  const query = find(objects, 'Deployment', 'thanos-query').spec.template.spec.containers[0];

  test('the querier deduplicates on the labels its sources use', () => {
    expect(flags(query.args, '--query.replica-label')).toEqual(['replica', 'rule_replica']);
  });

  test('the querier reaches every StoreAPI through its headless Service', () => {
    const sd = parse(find(objects, 'ConfigMap', 'thanos-query-endpoints').data['endpoints.yaml']);
    expect(sd.endpoints.map((e: any) => e.address).sort()).toEqual([
      'dnssrv+_grpc._tcp.prometheus-thanos-sidecar.monitoring.svc',
      'dnssrv+_grpc._tcp.thanos-rule.monitoring.svc',
      'dnssrv+_grpc._tcp.thanos-store.monitoring.svc',
    ]);
  });

  test('Prometheus scrapes every component, under the job names the Thanos mixin selects', () => {
    const jobs = parse(find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml']).scrape_configs.map((j: any) => j.job_name);
    for (const mixin of ['thanos-query', 'thanos-query-frontend', 'thanos-store', 'thanos-sidecar', 'thanos-compact', 'thanos-rule']) {
      expect(jobs.some((j: string) => j.includes(mixin))).toBe(true);
    }
    expect(jobs).toEqual(expect.arrayContaining(['minio', 'alertmanager', 'grafana', 'thanos-bucketweb']));
  });

  test('Prometheus replicas alert to Alertmanager without their replica label, so their alerts merge', () => {
    const alerting = parse(find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml']).alerting;
    expect(alerting.alert_relabel_configs).toEqual([{ action: 'labeldrop', regex: 'replica' }]);
    expect(alerting.alertmanagers[0].dns_sd_configs).toEqual([{ names: ['alertmanager-cluster.monitoring.svc'], type: 'A', port: 9093 }]);
  });

  test('Grafana reads the query frontend', () => {
    const ds = parse(find(objects, 'ConfigMap', 'grafana-provisioning').data['datasources.yaml']);
    expect(ds.datasources[0]).toMatchObject({
      type: 'prometheus',
      url: 'http://thanos-query-frontend.monitoring.svc:10902',
      jsonData: { prometheusType: 'Thanos' },
    });
  });
});

describe('one-pass apply', () => {
  test('the Namespace comes first even when objects of the chart were created before the stack', () => {
    const { objects } = synthStack((chart) => ({
      objectStorage: new S3ObjectStorage(chart, 'Bucket', {
        bucket: 'acme-thanos',
        endpoint: 's3.eu-west-1.amazonaws.com',
        credentials: S3Credentials.fromSecret(Secret.fromSecretName(chart, 'AwsKeys', 'aws-thanos')),
      }),
      prometheus: { externalLabels: { cluster: 'eu1' } },
      compactor: { enabled: true },
    }));
    expect(objects.map((o) => o.kind).indexOf('ConfigMap')).toBeGreaterThan(0);
    expect(objects[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'monitoring' } });
  });

  test('the Namespace applies the cluster\'s own current "restricted" profile, not a pinned 1.27 one', () => {
    const { objects } = synthStack({ enforcePodSecurity: true });
    expect(objects[0].metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/warn-version': 'latest',
      'pod-security.kubernetes.io/audit-version': 'latest',
    });
  });
});

describe('stack-wide settings and per-component overrides', () => {
  test('the Namespace warns and audits "restricted" but does not enforce it: applied into a shared namespace, it cannot make other pods unschedulable', () => {
    const ns = synthStack({}).objects.find((o) => o.kind === 'Namespace')!;
    expect(Object.keys(ns.metadata.labels).filter((k) => k.startsWith('pod-security'))).toEqual([
      'pod-security.kubernetes.io/audit',
      'pod-security.kubernetes.io/audit-version',
      'pod-security.kubernetes.io/warn',
      'pod-security.kubernetes.io/warn-version',
    ]);
    const enforced = synthStack({ enforcePodSecurity: true }).objects.find((o) => o.kind === 'Namespace')!;
    expect(enforced.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' });
  });

  test("prometheusOperator mode emits no Namespace unless asked (its namespace is usually kube-prometheus-stack's)", () => {
    expect(synthStack({ prometheusOperator: true }).objects.filter((o) => o.kind === 'Namespace')).toEqual([]);
    expect(synthStack({ prometheusOperator: true, createNamespace: true }).objects.filter((o) => o.kind === 'Namespace')).toHaveLength(1);
  });

  test('createNamespace: false leaves the Namespace to you', () => {
    const { objects } = synthStack({ createNamespace: false });
    expect(objects.filter((o) => o.kind === 'Namespace')).toEqual([]);
  });

  test('your own Secrets for MinIO/Thanos and for Grafana replace the default names everywhere', () => {
    const { app, objects } = synthStack((chart) => ({
      objectStorageSecret: Secret.fromSecretName(chart, 'Bucket', 'my-bucket-keys'),
      grafanaAdminSecret: Secret.fromSecretName(chart, 'Admin', 'my-grafana-admin'),
    }));
    expect(prerequisiteSecrets(app).map((s) => s.name)).toEqual(['my-bucket-keys', 'my-grafana-admin']);
    // The harness rejects any reference to a Secret that is neither rendered nor a declared prerequisite.
    expect(validateManifestsDetailed(objects, { externalSecrets: prerequisiteSecrets(app) }).problems).toEqual([]);
  });

  test('a component size or networkPolicy overrides the stack-wide one', () => {
    const objects = validStack({ size: SizePreset.LARGE, networkPolicies: false, query: { size: SizePreset.SMALL, networkPolicy: true } });
    const memory = (name: string) =>
      find(objects, name === 'prometheus' ? 'StatefulSet' : 'Deployment', name).spec.template.spec.containers[0].resources.requests.memory;
    expect(memory('prometheus')).toBe('32768Mi');
    expect(memory('thanos-query')).toBe('512Mi');
    expect(names(objects, 'NetworkPolicy')).toEqual(['thanos-query']);
  });

  test("every Prometheus of the stack is covered by the ruler's PrometheusDown", () => {
    const app = Testing.app();
    const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
    // addPrometheus runs after the ruler exists: the availability group grows with the fleet.
    // Its default name comes from the id.
    new ThanosStack(chart, 'Thanos').addPrometheus('Us1', { externalLabels: { cluster: 'us1' } });
    const objects = Testing.synth(chart) as Manifest[];
    const rules = parse(find(objects, 'ConfigMap', 'thanos-rule-rules').data['prometheus-availability.rules.yaml']);
    expect(rules.groups[0].rules.map((r: any) => r.expr)).toEqual([
      'sum by (job) (up{job="prometheus"}) == 0 or absent(up{job="prometheus"})',
      'sum by (job) (up{job="prometheus-us1"}) == 0 or absent(up{job="prometheus-us1"})',
    ]);
    expect(validateManifestsDetailed(objects, { externalSecrets: prerequisiteSecrets(app) }).problems).toEqual([]);
  });
});

describe('any combination of options synthesizes a valid stack', () => {
  const serviceType = fc.constantFrom(ServiceType.CLUSTER_IP, ServiceType.NODE_PORT, ServiceType.LOAD_BALANCER);
  const on = fc.boolean();
  const replicas = fc.integer({ min: 1, max: 3 });
  const options = fc.record({
    size: fc.constantFrom(SizePreset.SMALL, SizePreset.MEDIUM, SizePreset.LARGE),
    networkPolicies: on,
    prometheus: fc.record({ replicas, serviceType, cluster: fc.constantFrom('eu1', 'us1', 'ap-1') }),
    minio: on,
    store: fc.record({ enabled: on, replicas, shards: fc.integer({ min: 1, max: 3 }) }),
    compactor: on,
    bucketWeb: on,
    alertmanager: fc.record({ enabled: on, replicas }),
    query: fc.record({ enabled: on, replicas, serviceType }),
    queryFrontend: fc.record({ enabled: on, serviceType }),
    ruler: fc.record({ enabled: on, replicas }),
    grafana: fc.record({ enabled: on, serviceType }),
    extraClusters: fc.integer({ min: 0, max: 2 }),
  });

  test('property: every generated stack passes the whole harness', () => {
    const ranges = { sourceRanges: ['10.0.0.0/8'] };
    fc.assert(
      fc.property(options, (o) => {
        const { app, objects } = synthStack((): ThanosStackProps => ({
          size: o.size,
          networkPolicies: o.networkPolicies,
          // Exposed Services name who may connect (a decision, not a default).
          prometheus: { replicas: o.prometheus.replicas, serviceType: o.prometheus.serviceType, externalLabels: { cluster: o.prometheus.cluster }, ...ranges },
          minio: { enabled: o.minio },
          store: o.minio ? { enabled: o.store.enabled, replicas: o.store.replicas, shards: o.store.shards } : undefined,
          compactor: o.minio ? { enabled: o.compactor } : undefined,
          bucketWeb: o.minio ? { enabled: o.bucketWeb } : undefined,
          alertmanager: o.alertmanager,
          // Alerts need somewhere to go: without the stack's Alertmanager, one outside it.
          alertmanagers: o.alertmanager.enabled ? undefined : [AlertmanagerEndpoint.url('http://alertmanager-operated.monitoring.svc:9093')],
          query: { ...o.query, ...ranges, acknowledgePlaintextExposure: true },
          queryFrontend: o.query.enabled ? { ...o.queryFrontend, ...ranges } : undefined,
          ruler: o.query.enabled ? o.ruler : undefined,
          grafana: o.query.enabled ? { ...o.grafana, ...ranges } : undefined,
        }));
        const { problems } = validateManifestsDetailed(objects, {
          externalSecrets: prerequisiteSecrets(app),
          externalServices: ['alertmanager-operated.monitoring'],
        });
        expect(problems).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });

  // Names of jobs the stack generates (its components) mixed with free ones: a user job may collide.
  const jobName = fc.constantFrom('prometheus', 'prometheus-thanos-sidecar', 'minio', 'thanos-query', 'thanos-store', 'grafana', 'app-a', 'app-b', 'app-c');
  const groupName = fc.constantFrom('prometheus-availability', 'team-a', 'team-b');

  test('property: user scrape jobs and rule groups either render unique names or are rejected naming the duplicate', () => {
    let rejected = 0;
    fc.assert(
      fc.property(options, fc.array(jobName, { maxLength: 3 }), fc.array(groupName, { maxLength: 2 }), (o, jobs, groups) => {
        const app = Testing.app();
        const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
        const stack = new ThanosStack(chart, 'Thanos', {
          minio: { enabled: o.minio },
          query: { enabled: o.query.enabled },
          grafana: o.query.enabled ? { enabled: o.grafana.enabled } : undefined,
        });
        for (const j of jobs) stack.prometheus.addScrapeJob(ScrapeJob.staticTargets(j, ['app.example.com:8080']));
        for (const g of groups) stack.prometheus.addRuleGroup(new RuleGroup({ name: g, rules: [Rule.alert({ alert: 'Up', expr: 'up == 0' })] }));
        let objects: Manifest[];
        try {
          objects = Testing.synth(chart) as Manifest[];
        } catch (e) {
          rejected++;
          const m = (e as Error).message;
          expect(m).toMatch(
            /\[monitoring\/Thanos\/Prometheus\] (scrape job "[^"]+" is defined twice.*: Prometheus refuses|two rule groups render to [^ ]+\.rules\.yaml)/,
          );
          return;
        }
        const config = parse(find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
        const names: string[] = config.scrape_configs.map((c: any) => c.job_name);
        expect(new Set(names).size).toBe(names.length);
        expect(new Set(groups).size).toBe(groups.length);
      }),
      { numRuns: 25 },
    );
    // The generator does reach the collisions (a user job named `prometheus` always collides).
    expect(rejected).toBeGreaterThan(0);
  });

  test('a user job named like a generated one is rejected', () => {
    const chart = new Chart(Testing.app(), 'monitoring', { namespace: 'monitoring' });
    new ThanosStack(chart, 'Thanos').prometheus.addScrapeJob(ScrapeJob.staticTargets('prometheus', ['app.example.com:8080']));
    expect(() => Testing.synth(chart)).toThrow(
      /\[monitoring\/Thanos\/Prometheus\] scrape job "prometheus" is defined twice, a job the stack generates .*: Prometheus refuses to load a config with duplicate job_name; give the job you added another name/,
    );
  });

  test('property: fleets of several clusters stay valid and fully discovered', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), (clusters) => {
        const app = Testing.app();
        const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
        const stack = new ThanosStack(chart, 'Thanos', { prometheus: { name: 'prometheus-c0', externalLabels: { cluster: 'c0' } } });
        for (let i = 1; i < clusters; i++) stack.addPrometheus(`C${i}`, { name: `prometheus-c${i}`, externalLabels: { cluster: `c${i}` } });
        const objects = Testing.synth(chart) as Manifest[];
        expect(validateManifestsDetailed(objects, { externalSecrets: prerequisiteSecrets(app) }).problems).toEqual([]);
        const sd = parse(find(objects, 'ConfigMap', 'thanos-query-endpoints').data['endpoints.yaml']);
        expect(sd.endpoints.filter((e: any) => e.address.includes('-thanos-sidecar.'))).toHaveLength(clusters);
      }),
      { numRuns: 5 },
    );
  });
});
