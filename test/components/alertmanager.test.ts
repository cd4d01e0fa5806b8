import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import { Secret, ServiceType } from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { Alertmanager, AlertmanagerProps } from '../../src/components/alertmanager';
import { InhibitRule, Receiver, Route, matcherProblems } from '../../src/config/alertmanager-config';
import { prerequisiteSecrets } from '../../src/output/prerequisites';
import { Prometheus } from '../../src/components/prometheus';
import { expectValid } from '../harness';
import { testWithTools, toolPath } from '../harness/tools';
import { containerOf, find, flag, flags, Manifest, problems, synth, ownEnv } from '../support/util';

/** Every NetworkPolicy's DNS egress goes to the cluster DNS pods only. */
const KUBE_DNS = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
};

const FLAGS = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'alertmanager-flags.json'), 'utf8')).flags as Record<
  string,
  { takesValue: boolean; valueType?: string }
>;

/** A chart with an Alertmanager, its output, and the Secrets it reads. */
function build(props: (chart: Chart) => AlertmanagerProps = () => ({})): { objects: Manifest[]; secrets: ReturnType<typeof prerequisiteSecrets> } {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
  new Alertmanager(chart, 'Alertmanager', props(chart));
  return { objects: Testing.synth(chart) as Manifest[], secrets: prerequisiteSecrets(chart) };
}

function amConfigText(objects: Manifest[], name = 'alertmanager'): string {
  return find(objects, 'ConfigMap', `${name}-config`).data['alertmanager.yml'];
}

/** Runs Debian's amtool 0.25 on a config; returns its exit status and output. */
function amtoolCheck(config: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'amtool-'));
  try {
    const file = join(dir, 'alertmanager.yml');
    writeFileSync(file, config);
    const r = spawnSync(toolPath('amtool'), ['check-config', file], { encoding: 'utf8' });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every flag exists in Alertmanager 0.34, switches carry no value, value flags carry one, durations have no `d`. */
function flagProblems(args: string[]): string[] {
  return args.flatMap((a) => {
    const [name, ...rest] = a.split('=');
    const spec = FLAGS[name];
    if (!spec) return [`unknown flag ${name}`];
    if (!spec.takesValue && rest.length) return [`switch ${name} has a value`];
    if (spec.takesValue && !rest.length) return [`${name} has no value`];
    if (spec.valueType === 'goDuration' && !/^(\d+(h|m|s|ms))+$/.test(rest.join('='))) return [`${name} is not a Go duration`];
    return [];
  });
}

/** A rich config: every receiver type, nested routes, inhibit rules, credentials from one Secret. */
function richProps(chart: Chart): AlertmanagerProps {
  const secret = Secret.fromSecretName(chart, 'Notify', 'alertmanager-notify');
  return {
    receivers: [
      Receiver.none('null'),
      Receiver.webhook('hook', { url: 'http://relay.monitoring.svc:8080/alerts', sendResolved: false, maxAlerts: 10 }),
      Receiver.slack('slack', { apiUrlSecret: { secret, key: 'slack-url' }, channel: '#alerts', sendResolved: true }),
      Receiver.pagerDuty('pager', { routingKeySecret: { secret, key: 'pagerduty-key' } }),
      Receiver.email('mail', {
        to: 'oncall@example.com',
        sender: 'alertmanager@example.com',
        smarthost: 'smtp.example.com:587',
        authUsername: 'alertmanager',
        authPasswordSecret: { secret, key: 'smtp-password' },
        requireTls: true,
      }),
    ],
    route: new Route({
      receiver: 'slack',
      groupBy: ['alertname', 'cluster', 'namespace'],
      groupWait: Duration.seconds(30),
      groupInterval: Duration.minutes(5),
      repeatInterval: Duration.days(1),
      routes: [
        new Route({ receiver: 'null', matchers: ['alertname="Watchdog"'] }),
        new Route({ receiver: 'pager', matchers: ['severity="critical"'], continueMatching: true, repeatInterval: Duration.hours(1) }),
        new Route({
          receiver: 'mail',
          matchers: ['severity=~"warning|critical"', 'namespace!="kube-system"'],
          routes: [new Route({ receiver: 'hook', matchers: ['team=platform'], groupBy: ['...'] })],
        }),
      ],
    }),
    inhibitRules: [new InhibitRule({ sourceMatchers: ['severity="critical"'], targetMatchers: ['severity="warning"'], equal: ['alertname', 'cluster'] })],
  };
}

describe('Alertmanager defaults', () => {
  const { objects, secrets } = build();
  const sts = find(objects, 'StatefulSet', 'alertmanager');
  const am = containerOf(sts, 'alertmanager');
  const config = parse(amConfigText(objects));

  test('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('renders exactly the expected objects, all in the namespace', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/alertmanager-config',
      'NetworkPolicy/alertmanager',
      'PodDisruptionBudget/alertmanager',
      'Service/alertmanager',
      'Service/alertmanager-cluster',
      'ServiceAccount/alertmanager',
      'StatefulSet/alertmanager',
    ]);
    for (const o of objects) expect(o.metadata.namespace).toBe('monitoring');
    expect(secrets).toEqual([]);
  });

  test('passes the validation harness', () => {
    expectValid(objects);
  });

  test('two replicas governed by the headless cluster Service, started in parallel, spread, with a PDB', () => {
    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.serviceName).toBe('alertmanager-cluster');
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    expect(find(objects, 'PodDisruptionBudget', 'alertmanager').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'alertmanager', 'app.kubernetes.io/instance': 'alertmanager' } },
    });
  });

  test('args: exactly the expected flags, each peer once, Go durations', () => {
    expect(am.command).toBeUndefined();
    expect(am.args).toEqual([
      '--config.file=/etc/alertmanager/config/alertmanager.yml',
      '--storage.path=/alertmanager',
      '--data.retention=120h',
      '--web.listen-address=:9093',
      '--cluster.listen-address=0.0.0.0:9094',
      '--cluster.advertise-address=[$(POD_IP)]:9094',
      '--cluster.label=monitoring/alertmanager',
      '--cluster.peer=alertmanager-0.alertmanager-cluster.monitoring.svc:9094',
      '--cluster.peer=alertmanager-1.alertmanager-cluster.monitoring.svc:9094',
    ]);
    expect(flagProblems(am.args)).toEqual([]);
    expect(ownEnv(am)).toEqual([{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }]);
  });

  test('a 1Gi data claim at the storage path, the config ConfigMap read-only', () => {
    const claim = sts.spec.volumeClaimTemplates[0];
    expect(claim.metadata.name).toBe('data');
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(claim.spec.resources.requests.storage).toBe('1Gi');
    expect(am.volumeMounts).toEqual([
      { name: 'config', mountPath: '/etc/alertmanager/config', readOnly: true },
      { name: 'data', mountPath: '/alertmanager' },
    ]);
    expect(sts.spec.template.spec.volumes).toEqual([{ name: 'config', configMap: { name: 'alertmanager-config' } }]);
  });

  test('default config: everything to one silent receiver, grouped by alertname and cluster', () => {
    expect(config).toEqual({ route: { receiver: 'default', group_by: ['alertname', 'cluster'] }, receivers: [{ name: 'default' }] });
  });

  testWithTools(['amtool'], 'amtool check-config')('amtool check-config accepts the default config', () => {
    const r = amtoolCheck(amConfigText(objects));
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test('pods roll when the config changes: checksum annotation', () => {
    const checksum = sts.spec.template.metadata.annotations['checksum/config'];
    expect(checksum).toMatch(/^[0-9a-f]{16}$/);
    const other = build(() => ({ receivers: [Receiver.none('other')] })).objects;
    expect(find(other, 'StatefulSet', 'alertmanager').spec.template.metadata.annotations['checksum/config']).not.toBe(checksum);
    expect(build().objects).toEqual(objects);
  });

  test('headless cluster Service: web and cluster ports, publishes not-ready pods so peers find each other', () => {
    const svc = find(objects, 'Service', 'alertmanager-cluster');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
    expect(svc.spec.ports).toEqual([
      { name: 'web', port: 9093, targetPort: 'web', protocol: 'TCP' },
      { name: 'cluster', port: 9094, targetPort: 'cluster', protocol: 'TCP' },
    ]);
    const web = find(objects, 'Service', 'alertmanager');
    expect(web.spec.type).toBe('ClusterIP');
    expect(web.spec.ports).toEqual([{ name: 'web', port: 9093, targetPort: 'web', protocol: 'TCP' }]);
    expect(am.ports).toEqual([
      { name: 'web', containerPort: 9093, protocol: 'TCP' },
      { name: 'cluster', containerPort: 9094, protocol: 'TCP' },
    ]);
  });

  test('probes on the web port, restricted security, resources', () => {
    expect(am.livenessProbe.httpGet).toEqual({ path: '/-/healthy', port: 'web', scheme: 'HTTP' });
    expect(am.readinessProbe.httpGet).toEqual({ path: '/-/ready', port: 'web', scheme: 'HTTP' });
    expect(sts.spec.template.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65534,
      fsGroup: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(am.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(am.resources).toEqual({ requests: { cpu: '20m', memory: '128Mi' }, limits: { memory: '128Mi' } });
    expect(am.image).toBe('quay.io/prometheus/alertmanager:v0.34.0');
  });

  test('NetworkPolicy: peers gossip on 9094 over TCP and UDP; nothing else without wiring', () => {
    const np = find(objects, 'NetworkPolicy', 'alertmanager');
    const self = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'alertmanager', 'app.kubernetes.io/name': 'alertmanager' } },
    };
    expect(np.spec.ingress).toEqual([
      { from: [self], ports: [{ protocol: 'TCP', port: 9094 }] },
      { from: [self], ports: [{ protocol: 'UDP', port: 9094 }] },
    ]);
    expect(np.spec.egress).toEqual([
      {
        to: [KUBE_DNS],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
      { to: [self], ports: [{ protocol: 'TCP', port: 9094 }] },
      { to: [self], ports: [{ protocol: 'UDP', port: 9094 }] },
    ]);
  });
});

describe('Alertmanager wiring', () => {
  test('IAlertmanagerApi: Prometheus sends to every replica through the headless Service and is let in', () => {
    const objects = synth((c) => {
      const am = new Alertmanager(c, 'AM');
      expect(am.alertmanagerHost).toBe('alertmanager-cluster.monitoring.svc');
      expect(am.alertmanagerPort).toEqual({ name: 'web', port: 9093 });
      new Prometheus(c, 'P').addAlertmanager(am);
    });
    const cfg = parse(find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
    expect(cfg.alerting.alertmanagers[0].dns_sd_configs).toEqual([{ names: ['alertmanager-cluster.monitoring.svc'], type: 'A', port: 9093 }]);
    const ingress = find(objects, 'NetworkPolicy', 'alertmanager').spec.ingress;
    expect(ingress).toContainEqual({
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'prometheus', 'app.kubernetes.io/name': 'prometheus' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 9093 }],
    });
  });

  test('IScrapeTarget: job named after the Service, scraped on the web port', () => {
    const objects = synth((c) => {
      const am = new Alertmanager(c, 'AM');
      expect(am.scrapeEndpoints).toEqual([
        { jobName: 'alertmanager', serviceName: 'alertmanager', namespace: 'monitoring', port: { name: 'web', port: 9093 } },
      ]);
      new Prometheus(c, 'P').scrape(am);
    });
    const jobs = parse(find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml']).scrape_configs;
    const job = jobs.find((j: any) => j.job_name === 'alertmanager');
    expect(job.relabel_configs[0]).toEqual({
      source_labels: ['__meta_kubernetes_service_name', '__meta_kubernetes_endpointslice_port_name'],
      regex: 'alertmanager;web',
      action: 'keep',
    });
  });
});

describe('Alertmanager options', () => {
  test('one replica: clustering off with an empty listen address, no peers, no PDB, no spread', () => {
    const { objects } = build(() => ({ replicas: 1 }));
    const sts = find(objects, 'StatefulSet', 'alertmanager');
    const am = containerOf(sts, 'alertmanager');
    expect(am.args).toContain('--cluster.listen-address=');
    expect(flag(am.args, '--cluster.listen-address')).toBe('');
    expect(flags(am.args, '--cluster.peer')).toEqual([]);
    expect(flag(am.args, '--cluster.advertise-address')).toBeUndefined();
    expect(flagProblems(am.args)).toEqual([]);
    expect(ownEnv(am)).toEqual([]);
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
    expect(sts.spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(find(objects, 'NetworkPolicy', 'alertmanager').spec.ingress).toEqual([]);
  });

  test('three replicas list three peers', () => {
    const am = containerOf(find(build(() => ({ replicas: 3 })).objects, 'StatefulSet', 'alertmanager'), 'alertmanager');
    expect(flags(am.args, '--cluster.peer')).toEqual([0, 1, 2].map((i) => `alertmanager-${i}.alertmanager-cluster.monitoring.svc:9094`));
  });

  test('name, retention, storage, external URL, service type and resources', () => {
    const { objects } = build(() => ({
      name: 'am-eu1',
      retention: Duration.hours(240),
      storageSize: Size.gibibytes(5),
      storageClassName: 'fast',
      externalUrl: 'https://alerts.example.com/am',
      serviceType: ServiceType.LOAD_BALANCER,
      sourceRanges: ['203.0.113.0/24'],
    }));
    const sts = find(objects, 'StatefulSet', 'am-eu1');
    const am = containerOf(sts, 'alertmanager');
    expect(flag(am.args, '--data.retention')).toBe('240h');
    expect(flag(am.args, '--web.external-url')).toBe('https://alerts.example.com/am');
    expect(flag(am.args, '--web.route-prefix')).toBe('/');
    expect(flags(am.args, '--cluster.peer')).toEqual(['am-eu1-0.am-eu1-cluster.monitoring.svc:9094', 'am-eu1-1.am-eu1-cluster.monitoring.svc:9094']);
    expect(flagProblems(am.args)).toEqual([]);
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } });
    expect(find(objects, 'Service', 'am-eu1').spec.type).toBe('LoadBalancer');
    expect(find(objects, 'ConfigMap', 'am-eu1-config')).toBeDefined();
    expect(find(objects, 'NetworkPolicy', 'am-eu1').spec.ingress).toContainEqual({
      from: [{ ipBlock: { cidr: '203.0.113.0/24' } }],
      ports: [{ protocol: 'TCP', port: 9093 }],
    });
  });

  test('without persistent storage: an emptyDir for data, no claim templates', () => {
    const sts = find(build(() => ({ persistentStorage: false })).objects, 'StatefulSet', 'alertmanager');
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'data', emptyDir: {} });
    expect(containerOf(sts, 'alertmanager').volumeMounts).toContainEqual({ name: 'data', mountPath: '/alertmanager' });
  });

  test('networkPolicy false renders no NetworkPolicy', () => {
    expect(build(() => ({ networkPolicy: false })).objects.some((o) => o.kind === 'NetworkPolicy')).toBe(false);
  });
});

describe('Alertmanager rich config', () => {
  const { objects, secrets } = build(richProps);
  const text = amConfigText(objects);
  const config = parse(text);
  const sts = find(objects, 'StatefulSet', 'alertmanager');
  const am = containerOf(sts, 'alertmanager');

  test('passes the validation harness with the user Secret declared', () => {
    expectValid(objects, { externalSecrets: secrets, externalServices: ['relay.monitoring'] });
  });

  testWithTools(['amtool'], 'amtool check-config')('amtool check-config accepts it', () => {
    const r = amtoolCheck(text);
    expect(r.output).toContain('SUCCESS');
    expect(r.output).toContain('5 receivers');
    expect(r.output).toContain('1 inhibit rules');
    expect(r.status).toBe(0);
  });

  test('routes: Alertmanager field names, Go durations, nested routes and continue', () => {
    expect(config.route).toEqual({
      receiver: 'slack',
      group_by: ['alertname', 'cluster', 'namespace'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '24h',
      routes: [
        { receiver: 'null', matchers: ['alertname="Watchdog"'] },
        { receiver: 'pager', continue: true, matchers: ['severity="critical"'], repeat_interval: '1h' },
        {
          receiver: 'mail',
          matchers: ['severity=~"warning|critical"', 'namespace!="kube-system"'],
          routes: [{ receiver: 'hook', group_by: ['...'], matchers: ['team=platform'] }],
        },
      ],
    });
    expect(config.inhibit_rules).toEqual([
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname', 'cluster'] },
    ]);
  });

  test('receivers reference credentials only as mounted files', () => {
    expect(config.receivers).toEqual([
      { name: 'null' },
      { name: 'hook', webhook_configs: [{ send_resolved: false, url: 'http://relay.monitoring.svc:8080/alerts', max_alerts: 10 }] },
      { name: 'slack', slack_configs: [{ send_resolved: true, api_url_file: '/etc/alertmanager/secrets/alertmanager-notify/slack-url', channel: '#alerts' }] },
      { name: 'pager', pagerduty_configs: [{ routing_key_file: '/etc/alertmanager/secrets/alertmanager-notify/pagerduty-key' }] },
      {
        name: 'mail',
        email_configs: [
          {
            to: 'oncall@example.com',
            from: 'alertmanager@example.com',
            smarthost: 'smtp.example.com:587',
            auth_username: 'alertmanager',
            auth_password_file: '/etc/alertmanager/secrets/alertmanager-notify/smtp-password',
            require_tls: true,
          },
        ],
      },
    ]);
  });

  test('the Secret is mounted read-only with exactly the keys read, and listed as a prerequisite', () => {
    expect(sts.spec.template.spec.volumes).toContainEqual({
      name: 'secret-0',
      secret: { secretName: 'alertmanager-notify', items: ['pagerduty-key', 'slack-url', 'smtp-password'].map((k) => ({ key: k, path: k })) },
    });
    expect(am.volumeMounts).toContainEqual({ name: 'secret-0', mountPath: '/etc/alertmanager/secrets/alertmanager-notify', readOnly: true });
    expect(secrets).toEqual([
      { name: 'alertmanager-notify', keys: ['pagerduty-key', 'slack-url', 'smtp-password'], purpose: 'Alertmanager receiver mail, pager, slack' },
    ]);
  });

  test('egress opened to receivers: HTTPS, SMTP submission and the webhook port', () => {
    const egress = find(objects, 'NetworkPolicy', 'alertmanager').spec.egress;
    expect(egress).toContainEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
      ports: [
        { protocol: 'TCP', port: 443 },
        { protocol: 'TCP', port: 587 },
        { protocol: 'TCP', port: 8080 },
      ],
    });
  });

  test('a webhook URL from a Secret renders url_file (Alertmanager 0.34; Debian amtool 0.25 predates it)', () => {
    const { objects: o, secrets: s } = build((c) => ({
      receivers: [Receiver.webhook('hook', { urlSecret: { secret: Secret.fromSecretName(c, 'Hook', 'hook-url'), key: 'url' } })],
    }));
    expect(parse(amConfigText(o)).receivers).toEqual([{ name: 'hook', webhook_configs: [{ url_file: '/etc/alertmanager/secrets/hook-url/url' }] }]);
    expect(s).toEqual([{ name: 'hook-url', keys: ['url'], purpose: 'Alertmanager receiver hook' }]);
  });

  test('no Secret value appears outside the Secret itself', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
    const secret = new Secret(chart, 'Creds', {
      metadata: { name: 'am-creds' },
      stringData: { slack: 'https://hooks.slack.com/services/SENTINEL-SLACK', pd: 'SENTINEL-PD', smtp: 'SENTINEL-SMTP', hook: 'https://SENTINEL-HOOK' },
    });
    new Alertmanager(chart, 'AM', {
      receivers: [
        Receiver.slack('slack', { apiUrlSecret: { secret, key: 'slack' }, channel: '#a' }),
        Receiver.pagerDuty('pd', { routingKeySecret: { secret, key: 'pd' } }),
        Receiver.email('mail', {
          to: 'a@example.com',
          sender: 'b@example.com',
          smarthost: 'smtp.example.com:587',
          authUsername: 'u',
          authPasswordSecret: { secret, key: 'smtp' },
        }),
        Receiver.webhook('hook', { urlSecret: { secret, key: 'hook' } }),
      ],
    });
    const output = (Testing.synth(chart) as Manifest[]).filter((o) => o.kind !== 'Secret');
    expect(JSON.stringify(output)).not.toMatch(/SENTINEL/);
    expect(JSON.stringify(output)).toContain('/etc/alertmanager/secrets/am-creds/slack');
  });
});

describe('Alertmanager validation', () => {
  const fails = (props: (c: Chart) => AlertmanagerProps) => problems((c) => new Alertmanager(c, 'AM', props(c))).join('\n');

  test('accepts the rich config', () => {
    expect(problems((c) => new Alertmanager(c, 'AM', richProps(c)))).toEqual([]);
  });

  test('rejects an empty receiver list', () => {
    expect(() => synth((c) => new Alertmanager(c, 'AM', { receivers: [] }))).toThrow(/receivers is empty: Alertmanager needs at least one/);
  });

  test('rejects duplicate receiver names', () => {
    expect(fails(() => ({ receivers: [Receiver.none('a'), Receiver.none('a')] }))).toMatch(/receiver name "a" is used twice/);
  });

  test('rejects a route to a receiver that does not exist, naming the route', () => {
    const out = fails(() => ({
      receivers: [Receiver.none('a')],
      route: new Route({ receiver: 'a', routes: [new Route({ receiver: 'a' }), new Route({ receiver: 'missing', matchers: ['x="1"'] })] }),
    }));
    expect(out).toMatch(/route\.routes\[1\] sends to receiver "missing", which does not exist/);
  });

  test('rejects a root route without receiver, with matchers or continue', () => {
    const out = fails(() => ({ receivers: [Receiver.none('a')], route: new Route({ matchers: ['a="b"'], continueMatching: true }) }));
    expect(out).toMatch(/root route has no receiver/);
    expect(out).toMatch(/root route has matchers/);
    expect(out).toMatch(/root route sets continue/);
  });

  test('rejects malformed matchers, bad regexes and bad group-by labels', () => {
    const out = fails(() => ({
      receivers: [Receiver.none('a')],
      route: new Route({
        receiver: 'a',
        groupBy: ['ok', 'not-a-label'],
        routes: [new Route({ matchers: ['severity==critical', 'job=~"(unclosed"', '1abc="x"'] }), new Route({ groupBy: ['...', 'job'] })],
      }),
    }));
    expect(out).toMatch(/route groupBy label "not-a-label" is not a valid label name/);
    expect(out).toMatch(/route\.routes\[0\] matchers\[0\] "severity==critical" is not a valid matcher/);
    expect(out).toMatch(/route\.routes\[0\] matchers\[1\] .* has an invalid regular expression/);
    expect(out).toMatch(/matchers\[2\] "1abc=\\"x\\"" is not a valid matcher/);
    expect(out).toMatch(/mixes '...' with label names/);
  });

  test('matcher syntax', () => {
    for (const ok of ['a="b"', 'a!="b"', 'a=~"b|c"', 'a!~".*"', 'a=b', 'a=""', 'a = "with \\" quote"', 'le="0.5"'])
      expect(matcherProblems('m', ok)).toEqual([]);
    for (const bad of ['a', '="b"', 'a=="b"', 'a="unterminated', 'a=b c', '{a="b"}']) expect(matcherProblems('m', bad)).not.toEqual([]);
  });

  test('rejects zero group and repeat intervals', () => {
    const out = fails(() => ({
      receivers: [Receiver.none('a')],
      route: new Route({ receiver: 'a', groupInterval: Duration.seconds(0), repeatInterval: Duration.seconds(0) }),
    }));
    expect(out).toMatch(/route groupInterval 0s is not allowed/);
    expect(out).toMatch(/route repeatInterval 0s is not allowed/);
  });

  test('rejects inhibit rules without or with bad matchers', () => {
    const out = fails(() => ({ inhibitRules: [new InhibitRule({ sourceMatchers: [], targetMatchers: ['bad'], equal: ['a-b'] })] }));
    expect(out).toMatch(/inhibitRules\[0\] has no sourceMatchers/);
    expect(out).toMatch(/inhibitRules\[0\] targetMatchers\[0\] "bad" is not a valid matcher/);
    expect(out).toMatch(/inhibitRules\[0\] equal label "a-b"/);
  });

  test('rejects bad receivers', () => {
    const out = fails((c) => {
      const secret = Secret.fromSecretName(c, 'S', 's');
      return {
        receivers: [
          Receiver.webhook('both', { url: 'http://a', urlSecret: { secret, key: 'u' } }),
          Receiver.webhook('neither', {}),
          Receiver.webhook('ftp', { url: 'ftp://a', maxAlerts: -1 }),
          Receiver.email('mail', { to: '', sender: 'a@b', smarthost: 'smtp.example.com', authPasswordSecret: { secret, key: 'bad key' } }),
          Receiver.slack('slack', { apiUrlSecret: { secret, key: 'k' }, channel: ' ' }),
          Receiver.none(''),
        ],
        route: new Route({ receiver: 'both' }),
      };
    });
    expect(out).toMatch(/webhook receiver "both" needs exactly one of url and urlSecret/);
    expect(out).toMatch(/webhook receiver "neither" needs exactly one of url and urlSecret/);
    expect(out).toMatch(/webhook receiver "ftp" url "ftp:\/\/a" is not valid: use an http:\/\/ or https:\/\/ URL/);
    expect(out).toMatch(/webhook receiver "ftp" maxAlerts -1 is invalid/);
    expect(out).toMatch(/email receiver "mail" has an empty "to"/);
    expect(out).toMatch(/email receiver "mail" smarthost "smtp.example.com" is not host:port/);
    expect(out).toMatch(/email receiver "mail" has authPasswordSecret but no authUsername/);
    expect(out).toMatch(/receiver "mail" Secret key "bad key" is not a valid Secret key/);
    expect(out).toMatch(/slack receiver "slack" has an empty channel/);
    expect(out).toMatch(/a receiver has an empty name/);
  });

  test('rejects a bad name, replica count, retention, external URL and service type', () => {
    const out = fails(() => ({
      name: 'Alert_Manager',
      replicas: 0,
      retention: Duration.seconds(0),
      externalUrl: 'alerts.example.com',
      serviceType: ServiceType.EXTERNAL_NAME,
    }));
    expect(out).toMatch(/name "Alert_Manager" is not a valid name/);
    expect(out).toMatch(/replicas 0 is not valid: use a whole number in 1-100/);
    expect(out).toMatch(/retention Duration 0s is not valid: use a positive duration/);
    expect(out).toMatch(/externalUrl "alerts.example.com" is not valid: use an absolute URL/);
    expect(out).toMatch(/serviceType ExternalName cannot expose pods/);
  });

  test('rejects a name too long for a StatefulSet (the controller-revision-hash label of its pods)', () => {
    expect(fails(() => ({ name: 'a'.repeat(53) }))).toMatch(/use at most 52 lower-case letters/);
  });

  test('rejects storage options without persistent storage', () => {
    expect(fails(() => ({ persistentStorage: false, storageSize: Size.gibibytes(2) }))).toMatch(/persistentStorage is false/);
  });
});
