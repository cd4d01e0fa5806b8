import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Size, Testing } from 'cdk8s';
import { ISecret, Secret, ServiceType } from 'cdk8s-plus-27';
import { parse, stringify } from 'yaml';
import { Dashboard, MAX_DASHBOARD_BYTES } from '../../src/config/dashboards';
import { thanosOverviewQueries } from '../../src/config/dashboards/thanos-overview';
import { Grafana, GrafanaProps } from '../../src/components/grafana';
import { ThanosQuery } from '../../src/components/thanos-query';
import { DEFAULT_IMAGES } from '../../src/images';
import { prerequisiteSecrets } from '../../src/output/prerequisites';
import { Prometheus } from '../../src/components/prometheus';
import { Rule, RuleGroup } from '../../src/config/rules';
import { expectValid } from '../harness';
import { testWithTools, toolPath } from '../harness/tools';
import { containerOf, find, Manifest, problems, ownEnv } from '../support/util';

/** Every NetworkPolicy's DNS egress goes to the cluster DNS pods only. */
const KUBE_DNS = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
};

type Props = Omit<GrafanaProps, 'datasource' | 'adminSecret'> & { adminSecret?: ISecret };

/** A chart with a Prometheus as datasource and a Grafana; returns the output and the Secrets it reads. */
function build(props: (chart: Chart) => Props = () => ({}), after?: (g: Grafana) => void) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
  const datasource = new Prometheus(chart, 'Prometheus');
  // Prometheus without rule groups points rule_files at an empty directory, which the harness reports.
  datasource.addRuleGroup(new RuleGroup({ name: 'up', rules: [Rule.record({ record: 'job:up:sum', expr: 'sum by (job) (up)' })] }));
  const p = props(chart);
  const grafana = new Grafana(chart, 'Grafana', { datasource, adminSecret: p.adminSecret ?? Secret.fromSecretName(chart, 'Admin', 'grafana-admin'), ...p });
  after?.(grafana);
  return { objects: Testing.synth(chart) as Manifest[], secrets: prerequisiteSecrets(chart), grafana };
}

/** Only Grafana's objects (the chart also holds the Prometheus it reads). */
const own = (objects: Manifest[]) => objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'grafana');

function grafanaProblems(props: (chart: Chart) => Props): string {
  return problems((chart) => {
    const p = props(chart);
    new Grafana(chart, 'Grafana', {
      datasource: new Prometheus(chart, 'P'),
      adminSecret: p.adminSecret ?? Secret.fromSecretName(chart, 'Admin', 'grafana-admin'),
      ...p,
    });
  }).join('\n');
}

function dashboardJson(objects: Manifest[], slug: string, name = 'grafana'): any {
  return JSON.parse(find(objects, 'ConfigMap', `${name}-dashboard-${slug}`).data[`${slug}.json`]);
}

describe('Grafana defaults', () => {
  const { objects, secrets } = build();
  const deploy = find(objects, 'Deployment', 'grafana');
  const pod = deploy.spec.template.spec;
  const gf = containerOf(deploy, 'grafana');

  test('matches the snapshot', () => {
    expect(own(objects)).toMatchSnapshot();
  });

  test('renders exactly the expected objects, all in the namespace', () => {
    expect(
      own(objects)
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
    ).toEqual([
      'ConfigMap/grafana-dashboard-thanos-overview',
      'ConfigMap/grafana-provisioning',
      'Deployment/grafana',
      'NetworkPolicy/grafana',
      'Service/grafana',
      'ServiceAccount/grafana',
    ]);
    for (const o of own(objects)) expect(o.metadata.namespace).toBe('monitoring');
  });

  test('passes the validation harness, with the admin Secret as the only prerequisite', () => {
    expect(secrets).toEqual([{ name: 'grafana-admin', keys: ['admin-password', 'admin-user'], purpose: 'Grafana admin account' }]);
    expectValid(objects, { externalSecrets: secrets });
  });

  test('one replica, rolling updates, image entrypoint kept', () => {
    expect(deploy.spec.replicas).toBe(1);
    expect(deploy.spec.strategy).toEqual({ type: 'RollingUpdate' });
    expect(gf.image).toBe(DEFAULT_IMAGES.grafana);
    expect(gf.command).toBeUndefined();
    expect(gf.args).toBeUndefined();
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'grafana')).toBe(false);
  });

  test('env: admin credentials as __FILE paths, anonymous access and phoning home off', () => {
    expect(ownEnv(gf)).toEqual([
      { name: 'GF_SECURITY_ADMIN_USER__FILE', value: '/etc/grafana/secrets/admin/admin-user' },
      { name: 'GF_SECURITY_ADMIN_PASSWORD__FILE', value: '/etc/grafana/secrets/admin/admin-password' },
      { name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'false' },
      { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
      { name: 'GF_ANALYTICS_CHECK_FOR_UPDATES', value: 'false' },
      { name: 'GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES', value: 'false' },
      { name: 'GF_PLUGINS_PREINSTALL_DISABLED', value: 'true' },
    ]);
    // The entrypoint exits when both GF_X and GF_X__FILE are set.
    const names = gf.env.map((e: any) => e.name);
    expect(names).not.toContain('GF_SECURITY_ADMIN_PASSWORD');
    expect(names).not.toContain('GF_SECURITY_ADMIN_USER');
  });

  test('volumes: provisioning, the admin Secret, writable emptyDirs and one ConfigMap per dashboard', () => {
    expect(pod.volumes).toEqual([
      { name: 'datasources', configMap: { name: 'grafana-provisioning', items: [{ key: 'datasources.yaml', path: 'datasources.yaml' }] } },
      { name: 'providers', configMap: { name: 'grafana-provisioning', items: [{ key: 'dashboards.yaml', path: 'dashboards.yaml' }] } },
      {
        name: 'admin',
        secret: {
          secretName: 'grafana-admin',
          items: [
            { key: 'admin-user', path: 'admin-user' },
            { key: 'admin-password', path: 'admin-password' },
          ],
        },
      },
      { name: 'data', emptyDir: {} },
      { name: 'logs', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
      { name: 'dashboard-thanos-overview', configMap: { name: 'grafana-dashboard-thanos-overview' } },
    ]);
    expect(gf.volumeMounts).toEqual([
      { name: 'datasources', mountPath: '/etc/grafana/provisioning/datasources', readOnly: true },
      { name: 'providers', mountPath: '/etc/grafana/provisioning/dashboards', readOnly: true },
      { name: 'admin', mountPath: '/etc/grafana/secrets/admin', readOnly: true },
      { name: 'data', mountPath: '/var/lib/grafana' },
      { name: 'logs', mountPath: '/var/log/grafana' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'dashboard-thanos-overview', mountPath: '/var/lib/grafana-dashboards/thanos-overview', readOnly: true },
    ]);
  });

  test('datasource: the query API as the default Prometheus-type datasource "Thanos"', () => {
    const file = parse(find(objects, 'ConfigMap', 'grafana-provisioning').data['datasources.yaml']);
    expect(file).toEqual({
      apiVersion: 1,
      datasources: [
        {
          name: 'Thanos',
          uid: 'thanos',
          type: 'prometheus',
          access: 'proxy',
          url: 'http://prometheus.monitoring.svc:9090',
          isDefault: true,
          editable: false,
          jsonData: { prometheusType: 'Thanos', timeInterval: '30s', timeout: 125 },
        },
      ],
    });
  });

  test('dashboard provider: one file provider into the Thanos folder, reading the dashboards directory', () => {
    const file = parse(find(objects, 'ConfigMap', 'grafana-provisioning').data['dashboards.yaml']);
    expect(file).toEqual({
      apiVersion: 1,
      providers: [
        {
          name: 'cdk8s-thanos',
          orgId: 1,
          folder: 'Thanos',
          type: 'file',
          disableDeletion: true,
          allowUiUpdates: false,
          options: { path: '/var/lib/grafana-dashboards' },
        },
      ],
    });
    for (const m of gf.volumeMounts.filter((v: any) => v.name.startsWith('dashboard-'))) {
      expect(m.mountPath.startsWith(`${file.providers[0].options.path}/`)).toBe(true);
    }
  });

  test('the overview dashboard is in its own ConfigMap under its slug', () => {
    const json = dashboardJson(objects, 'thanos-overview');
    expect(json.uid).toBe('thanos-overview');
    expect(json.title).toBe('Thanos / Overview');
    expect(Object.keys(find(objects, 'ConfigMap', 'grafana-dashboard-thanos-overview').data)).toEqual(['thanos-overview.json']);
  });

  test('Service: port 3000 named http, ClusterIP', () => {
    const svc = find(objects, 'Service', 'grafana');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 3000, targetPort: 'http', protocol: 'TCP' }]);
    expect(gf.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
  });

  test('probes on /api/health, user 472 with fsGroup, restricted, resources', () => {
    for (const probe of [gf.livenessProbe, gf.readinessProbe, gf.startupProbe]) {
      expect(probe.httpGet).toEqual({ path: '/api/health', port: 'http', scheme: 'HTTP' });
    }
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 472, fsGroup: 472, seccompProfile: { type: 'RuntimeDefault' } });
    expect(gf.securityContext).toMatchObject({
      runAsUser: 472,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(gf.resources).toEqual({ requests: { cpu: '50m', memory: '512Mi' }, limits: { memory: '512Mi' } });
  });

  test('NetworkPolicy: egress to the datasource port only; the datasource admits Grafana', () => {
    const np = find(objects, 'NetworkPolicy', 'grafana');
    const prometheus = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'prometheus', 'app.kubernetes.io/name': 'prometheus' } },
    };
    expect(np.spec.egress).toEqual([
      {
        to: [KUBE_DNS],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
      { to: [prometheus], ports: [{ protocol: 'TCP', port: 9090 }] },
    ]);
    expect(np.spec.ingress).toEqual([]);
    const grafana = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'grafana', 'app.kubernetes.io/name': 'grafana' } },
    };
    const promIngress = find(objects, 'NetworkPolicy', 'prometheus').spec.ingress;
    expect(
      promIngress.some((r: any) => r.from.some((f: any) => JSON.stringify(f) === JSON.stringify(grafana)) && r.ports.some((p: any) => p.port === 9090)),
    ).toBe(true);
  });

  test('checksum annotation over provisioning and dashboards; output is deterministic', () => {
    expect(deploy.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{16}$/);
    expect(build().objects).toEqual(objects);
  });
});

describe('Grafana options', () => {
  test('persistence: a PVC named grafana, the Recreate strategy, no data emptyDir', () => {
    const { objects } = build(() => ({ persistence: Size.gibibytes(5), storageClassName: 'fast' }));
    const pvc = find(objects, 'PersistentVolumeClaim', 'grafana');
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } });
    const deploy = find(objects, 'Deployment', 'grafana');
    expect(deploy.spec.strategy).toEqual({ type: 'Recreate' });
    expect(deploy.spec.template.spec.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'grafana' } });
    expect(deploy.spec.template.spec.volumes).not.toContainEqual({ name: 'data', emptyDir: {} });
  });

  test('LoadBalancer Service: one sourceRanges prop feeds loadBalancerSourceRanges and the NetworkPolicy; Local traffic policy keeps client addresses', () => {
    const { objects } = build(() => ({ serviceType: ServiceType.LOAD_BALANCER, sourceRanges: ['203.0.113.0/24'] }));
    expect(find(objects, 'Service', 'grafana').spec).toMatchObject({
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      loadBalancerSourceRanges: ['203.0.113.0/24'],
    });
    expect(find(objects, 'NetworkPolicy', 'grafana').spec.ingress).toEqual([
      { from: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ protocol: 'TCP', port: 3000 }] },
    ]);
  });

  test('an exposed Service without sourceRanges fails synth with the fix; the whole internet must be written out', () => {
    const chart = new Chart(Testing.app(), 'x', { namespace: 'monitoring' });
    new Grafana(chart, 'G', {
      datasource: new ThanosQuery(chart, 'Q'),
      adminSecret: Secret.fromSecretName(chart, 'A', 'grafana-admin'),
      serviceType: ServiceType.NODE_PORT,
    });
    expect(() => Testing.synth(chart)).toThrow(
      /grafana: a NodePort Service on port 3000 is exposed outside the cluster, but sourceRanges is not set: give the client CIDRs it admits .*\["0\.0\.0\.0\/0"\] admits the whole internet/,
    );
    const open = build(() => ({ serviceType: ServiceType.NODE_PORT, sourceRanges: ['0.0.0.0/0'] })).objects;
    // NodePort defaults to Cluster: every node answers nodeIP:nodePort.
    expect(find(open, 'Service', 'grafana').spec.externalTrafficPolicy).toBe('Cluster');
    expect(find(open, 'Service', 'grafana').spec.loadBalancerSourceRanges).toBeUndefined();
  });

  test('custom admin keys, name and extra settings', () => {
    const { objects, secrets } = build((c) => ({
      name: 'dashboards',
      adminSecret: Secret.fromSecretName(c, 'Admin', 'gf'),
      adminUserKey: 'user',
      adminPasswordKey: 'pass',
      env: { GF_SERVER_ROOT_URL: 'https://grafana.example.com', GF_AUTH_BASIC_ENABLED: 'true' },
    }));
    const deploy = find(objects, 'Deployment', 'dashboards');
    const gf = containerOf(deploy, 'grafana');
    expect(gf.env.slice(0, 2)).toEqual([
      { name: 'GF_SECURITY_ADMIN_USER__FILE', value: '/etc/grafana/secrets/admin/user' },
      { name: 'GF_SECURITY_ADMIN_PASSWORD__FILE', value: '/etc/grafana/secrets/admin/pass' },
    ]);
    expect(ownEnv(gf).slice(-2)).toEqual([
      { name: 'GF_AUTH_BASIC_ENABLED', value: 'true' },
      { name: 'GF_SERVER_ROOT_URL', value: 'https://grafana.example.com' },
    ]);
    expect(secrets).toEqual([{ name: 'gf', keys: ['pass', 'user'], purpose: 'Grafana admin account' }]);
    expect(find(objects, 'ConfigMap', 'dashboards-dashboard-thanos-overview')).toBeDefined();
    expect(find(objects, 'Service', 'dashboards').spec.ports[0].port).toBe(3000);
  });

  test('addDashboard after construction adds a ConfigMap and a mount and changes the checksum', () => {
    const custom = Dashboard.fromJson('my-app', { uid: 'my-app', title: 'My app', panels: [] });
    const before = build().objects;
    const { objects } = build(
      () => ({}),
      (g) => g.addDashboard(custom),
    );
    expect(dashboardJson(objects, 'my-app')).toEqual({ uid: 'my-app', title: 'My app', panels: [] });
    const deploy = find(objects, 'Deployment', 'grafana');
    expect(containerOf(deploy, 'grafana').volumeMounts).toContainEqual({
      name: 'dashboard-my-app',
      mountPath: '/var/lib/grafana-dashboards/my-app',
      readOnly: true,
    });
    expect(deploy.spec.template.spec.volumes).toContainEqual({ name: 'dashboard-my-app', configMap: { name: 'grafana-dashboard-my-app' } });
    expect(deploy.spec.template.metadata.annotations['checksum/config']).not.toBe(
      find(before, 'Deployment', 'grafana').spec.template.metadata.annotations['checksum/config'],
    );
  });

  test('dashboards replace the default overview', () => {
    const { objects } = build(() => ({ dashboards: [Dashboard.fromJson('a', { uid: 'a', title: 'A' })] }));
    expect(
      own(objects)
        .filter((o) => o.metadata.name.startsWith('grafana-dashboard-'))
        .map((o) => o.metadata.name),
    ).toEqual(['grafana-dashboard-a']);
  });

  test('IScrapeTarget: job named after the Service on the http port; Prometheus may scrape it', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
    const prometheus = new Prometheus(chart, 'Prometheus');
    const grafana = new Grafana(chart, 'Grafana', { datasource: prometheus, adminSecret: Secret.fromSecretName(chart, 'A', 'grafana-admin') });
    expect(grafana.scrapeEndpoints).toEqual([{ jobName: 'grafana', serviceName: 'grafana', namespace: 'monitoring', port: { name: 'http', port: 3000 } }]);
    prometheus.scrape(grafana);
    const objects = Testing.synth(chart) as Manifest[];
    expect(find(objects, 'NetworkPolicy', 'grafana').spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 3000 }]);
  });

  test('no Secret value appears outside the Secret itself', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
    const adminSecret = new Secret(chart, 'Admin', {
      metadata: { name: 'grafana-admin' },
      stringData: { 'admin-user': 'SENTINEL-USER', 'admin-password': 'SENTINEL-PASSWORD' },
    });
    new Grafana(chart, 'Grafana', { datasource: new Prometheus(chart, 'P'), adminSecret });
    // A literal Secret would land in the output with its values: only references are accepted.
    expect(() => Testing.synth(chart)).toThrow(
      /adminSecret Secret "grafana-admin" is not valid: it has literal data that would be written to the output; create the Secret outside the output/,
    );
  });

  test('option-heavy chart passes the validation harness', () => {
    const { objects, secrets } = build((c) => ({
      persistence: Size.gibibytes(2),
      serviceType: ServiceType.NODE_PORT,
      sourceRanges: ['10.0.0.0/8'],
      adminSecret: Secret.fromSecretName(c, 'Admin', 'gf'),
      dashboards: [Dashboard.thanosOverview(), Dashboard.fromJson('b', { uid: 'b', title: 'B' })],
    }));
    expectValid(objects, { externalSecrets: secrets });
  });
});

describe('Grafana validation', () => {
  test('rejects more than one replica', () => {
    expect(grafanaProblems(() => ({ replicas: 2 }))).toMatch(
      /replicas 2 is not supported: each Grafana pod keeps users and login sessions in its own SQLite database/,
    );
  });

  test('rejects duplicate slugs, uids and titles, and bad slugs', () => {
    const out = grafanaProblems(() => ({
      dashboards: [
        Dashboard.fromJson('a', { uid: 'x', title: 'T' }),
        Dashboard.fromJson('a', { uid: 'x', title: 'T' }),
        Dashboard.fromJson('Bad_Slug', { title: 'U' }),
        Dashboard.fromJson('c'.repeat(54), { title: 'V' }),
      ],
    }));
    expect(out).toMatch(/dashboard slug "a" is used by two dashboards/);
    expect(out).toMatch(/dashboard uid "x" is used by two dashboards/);
    expect(out).toMatch(/dashboard title "T" is used by two dashboards/);
    expect(out).toMatch(/dashboard slug "Bad_Slug" is not valid/);
    expect(out).toMatch(/use at most 53 lower-case letters/);
  });

  test('rejects a dashboard without title', () => {
    expect(grafanaProblems(() => ({ dashboards: [Dashboard.fromJson('x', { uid: 'x' })] }))).toMatch(
      /dashboard "x" has no title: Grafana refuses to provision it/,
    );
  });

  test('rejects a dashboard too large for client-side kubectl apply', () => {
    const big = Dashboard.fromJson('big', { title: 'Big', panels: [{ description: 'x'.repeat(MAX_DASHBOARD_BYTES) }] });
    expect(grafanaProblems(() => ({ dashboards: [big] }))).toMatch(
      /dashboard "big" is \d+ KiB as it appears in kubectl's last-applied annotation \(limit 256 KiB\)/,
    );
  });

  test('rejects identical or invalid admin keys', () => {
    expect(grafanaProblems(() => ({ adminUserKey: 'k', adminPasswordKey: 'k' }))).toMatch(/adminUserKey and adminPasswordKey are the same key/);
    expect(grafanaProblems(() => ({ adminPasswordKey: 'pass word' }))).toMatch(/adminPasswordKey "pass word" is not a valid Secret key/);
  });

  test('rejects env that is not a setting, is managed, or reads a file', () => {
    const out = grafanaProblems(() => ({
      env: { server_root_url: 'x', GF_SECURITY_ADMIN_PASSWORD: 'x', GF_PLUGINS_PREINSTALL_DISABLED: 'false', GF_DATABASE_PASSWORD__FILE: '/x' },
    }));
    expect(out).toMatch(/env "server_root_url" is not a Grafana setting/);
    expect(out).toMatch(/env GF_SECURITY_ADMIN_PASSWORD is managed by this construct/);
    expect(out).toMatch(/env GF_PLUGINS_PREINSTALL_DISABLED is managed by this construct/);
    expect(out).toMatch(/env GF_DATABASE_PASSWORD__FILE reads a file this construct does not mount/);
  });

  test('rejects a bad name, ExternalName and a storage class without persistence', () => {
    const out = grafanaProblems(() => ({ name: 'Grafana', serviceType: ServiceType.EXTERNAL_NAME, storageClassName: 'fast' }));
    expect(out).toMatch(/name "Grafana" is not a valid name/);
    expect(out).toMatch(/serviceType ExternalName cannot expose pods/);
    expect(out).toMatch(/storageClassName is set without persistence/);
  });
});

describe('Thanos overview dashboard', () => {
  const json = JSON.parse(Dashboard.thanosOverview().render());
  const panels: any[] = json.panels;
  const queryPanels = panels.filter((p) => p.type !== 'row');
  const exprs: string[] = queryPanels.flatMap((p) => p.targets.map((t: any) => t.expr));

  test('deterministic: same JSON every time, stable uid and sequential ids, no timestamps', () => {
    expect(Dashboard.thanosOverview().render()).toBe(Dashboard.thanosOverview().render());
    expect(json.uid).toBe('thanos-overview');
    expect(json.id).toBeNull();
    expect(panels.map((p) => p.id)).toEqual(panels.map((_, i) => i + 1));
    expect(Dashboard.thanosOverview().render()).not.toMatch(/\d{4}-\d{2}-\d{2}T|"iteration"|"created"|"updated"/);
  });

  test('rows for targets, querier, store gateway, sidecar and compactor', () => {
    expect(panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual(['Targets', 'Querier', 'Store gateway', 'Sidecar', 'Compactor']);
    for (const p of panels) expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
  });

  test('a datasource variable and a job variable; every panel and query uses the datasource variable', () => {
    const [ds, job] = json.templating.list;
    expect(ds).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
    expect(job).toMatchObject({
      name: 'job',
      type: 'query',
      query: { query: 'label_values(up, job)', refId: 'job' },
      includeAll: true,
      multi: true,
      allValue: '.+',
    });
    expect(job.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    for (const p of queryPanels) {
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const t of p.targets) expect(t.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
  });

  test('the expected metrics and job regexes', () => {
    const all = exprs.join('\n');
    for (const s of [
      'http_requests_total{job=~"$job", job=~".*thanos-query.*", handler=~"query|query_range"}',
      'http_request_duration_seconds_bucket{job=~"$job", job=~".*thanos-query.*"',
      'code=~"5.."',
      'thanos_bucket_store_blocks_loaded{job=~"$job", job=~".*thanos-store.*"}',
      'thanos_bucket_store_series_result_series_bucket',
      'thanos_objstore_bucket_last_successful_upload_time{job=~"$job", job=~".*thanos-sidecar.*"}',
      'thanos_sidecar_prometheus_up',
      'thanos_shipper_upload_failures_total',
      'thanos_compact_halted{job=~"$job", job=~".*thanos-compact.*"}',
      'thanos_compact_iterations_total',
      'thanos_compact_group_compactions_failures_total',
      'up{job=~"$job"}',
    ])
      expect(all).toContain(s);
    expect(exprs).toEqual(thanosOverviewQueries());
  });

  testWithTools(['promtool'], 'promtool check rules')('every query is valid PromQL (promtool check rules, Grafana variables substituted)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'promql-'));
    try {
      const file = join(dir, 'queries.yaml');
      const rules = exprs.map((expr, i) => ({ record: `dashboard:query${i}`, expr: expr.replace(/\$__rate_interval/g, '5m').replace(/\$job/g, '.+') }));
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const r = spawnSync(toolPath('promtool'), ['check', 'rules', file], { encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).toContain(`SUCCESS: ${exprs.length} rules found`);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fromJson copies its input', () => {
    const input = { title: 'A', uid: 'a', panels: [] as object[] };
    const d = Dashboard.fromJson('a', input);
    input.panels.push({});
    expect(JSON.parse(d.render()).panels).toEqual([]);
    expect(d.uid).toBe('a');
    expect(d.title).toBe('A');
  });
});
