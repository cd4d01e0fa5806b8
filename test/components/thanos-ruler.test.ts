import { Chart, Duration, Size, Testing } from 'cdk8s';
import { Secret, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { Alertmanager } from '../../src/components/alertmanager';
import { IAlertmanagerApi, isStoreApi } from '../../src/wiring/apis';
import { Connections } from '../../src/wiring/connections';
import { S3Credentials, S3ObjectStorage } from '../../src/wiring/object-storage';
import { prerequisiteSecrets } from '../../src/output/prerequisites';
import { Prometheus } from '../../src/components/prometheus';
import { Rule, RuleGroup } from '../../src/config/rules';
import { ThanosQuery } from '../../src/components/thanos-query';
import { ThanosRuler, ThanosRulerProps } from '../../src/components/thanos-ruler';
import { validateManifests } from '../harness';
import { containerOf, find, flag, flags, Manifest, problems, synth, ownEnv } from '../support/util';

/** An Alertmanager cluster as the ruler sees it. */
class FakeAlertmanager extends Construct implements IAlertmanagerApi {
  public readonly alertmanagerHost = 'alertmanager-cluster.monitoring.svc';
  public readonly alertmanagerPort = { name: 'web', port: 9093 };
  public readonly alertmanagerDnsDiscovery = true;
  public readonly connections: Connections;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const selector = { 'app.kubernetes.io/name': 'alertmanager' };
    this.connections = new Connections(this, 'NetworkPolicy', { name: 'alertmanager', labels: selector, selector, namespace: 'monitoring' });
  }

  public toNetworkPolicyPeer(): k8s.NetworkPolicyPeer {
    return this.connections.toNetworkPolicyPeer();
  }
}

const PROMETHEUS_DOWN = new RuleGroup({
  name: 'meta-monitoring',
  rules: [
    Rule.alert({
      alert: 'PrometheusDown',
      expr: 'absent(up{job=~"prometheus.*"} == 1)',
      pendingFor: Duration.minutes(5),
      labels: { severity: 'critical' },
      annotations: { summary: 'No Prometheus is up' },
    }),
  ],
});
const RECORDS = new RuleGroup({ name: 'up', rules: [Rule.record({ record: 'job:up:sum', expr: 'sum by (job) (up)' })] });

function bucket(c: Chart): S3ObjectStorage {
  return new S3ObjectStorage(c, 'Bucket', {
    bucket: 'thanos',
    endpoint: 's3.eu-west-1.amazonaws.com',
    region: 'eu-west-1',
    credentials: S3Credentials.fromSecret(Secret.fromSecretName(c, 'Creds', 'thanos-objstore')),
  });
}

/** A Prometheus and a querier for the ruler to query. */
function stack(c: Chart, props: Partial<ThanosRulerProps> = {}): ThanosRuler {
  new Prometheus(c, 'P').addRuleGroup(RECORDS);
  const query = new ThanosQuery(c, 'Query');
  // An alerting rule needs somewhere to send to.
  return new ThanosRuler(c, 'Ruler', { query, ruleGroups: [PROMETHEUS_DOWN], alertmanagers: props.alertmanagers ?? [new Alertmanager(c, 'AM')], ...props });
}

function rulerOf(objects: Manifest[], name = 'thanos-rule'): any {
  return containerOf(find(objects, 'StatefulSet', name), 'thanos-rule');
}

function policy(objects: Manifest[], name: string, direction: 'ingress' | 'egress'): Map<number, any[]> {
  const rules = new Map<number, any[]>();
  for (const r of find(objects, 'NetworkPolicy', name).spec[direction]) {
    for (const p of r.ports ?? []) rules.set(p.port, [...(rules.get(p.port) ?? []), ...(r.to ?? r.from ?? [])]);
  }
  return rules;
}

const podsOf = (instance: string, name = instance) => ({
  podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance } },
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
});

/**
 * Harness problems, minus one false positive: its input-file check takes the `--rule-file` glob for a
 * literal path (its own rule-file check handles globs).
 */
function harness(chart: Chart, options: { externalServices?: string[] } = {}): string[] {
  return validateManifests(Testing.synth(chart), { externalSecrets: prerequisiteSecrets(chart), ...options }).filter(
    (p) => !/--rule-file=\S*\*\S*: no volume of the container provides that file/.test(p),
  );
}

describe('ThanosRuler defaults', () => {
  const objects = synth((c) => stack(c));
  const sts = find(objects, 'StatefulSet', 'thanos-rule');
  const ruler = rulerOf(objects);

  test('matches the snapshot', () => {
    expect(objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/instance'] === 'thanos-rule')).toMatchSnapshot();
  });

  test('args: query, labels, replica label dropped from alerts, rule files, local TSDB', () => {
    expect(ruler.args).toEqual([
      'rule',
      '--grpc-address=0.0.0.0:10901',
      '--http-address=0.0.0.0:10902',
      '--data-dir=/var/thanos/rule',
      '--eval-interval=30s',
      '--tsdb.retention=48h',
      '--tsdb.block-duration=2h',
      '--label=ruler="thanos-rule"',
      '--label=rule_replica="$(POD_NAME)"',
      '--alert.label-drop=rule_replica',
      '--query=http://thanos-query.monitoring.svc:10902',
      '--alert.query-url=http://thanos-query.monitoring.svc:10902',
      '--alertmanagers.url=dns+http://alertmanager-cluster.monitoring.svc:9093',
      '--rule-file=/etc/thanos/rules/*.rules.yaml',
    ]);
    expect(ownEnv(ruler)).toEqual([{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
  });

  test('one rule file per group in the <name>-rules ConfigMap, mounted where --rule-file looks', () => {
    const rules = find(objects, 'ConfigMap', 'thanos-rule-rules').data;
    expect(Object.keys(rules)).toEqual(['meta-monitoring.rules.yaml']);
    expect(parse(rules['meta-monitoring.rules.yaml'])).toEqual({
      groups: [
        {
          name: 'meta-monitoring',
          rules: [
            {
              alert: 'PrometheusDown',
              expr: 'absent(up{job=~"prometheus.*"} == 1)',
              for: '5m',
              labels: { severity: 'critical' },
              annotations: { summary: 'No Prometheus is up' },
            },
          ],
        },
      ],
    });
    expect(ruler.volumeMounts).toContainEqual({ name: 'rules', mountPath: '/etc/thanos/rules', readOnly: true });
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'rules', configMap: { name: 'thanos-rule-rules' } });
  });

  test("a config-reloader sidecar watches the rules and POSTs the ruler's /-/reload", () => {
    const reloader = containerOf(sts, 'config-reloader');
    expect(reloader.image).toBe('quay.io/prometheus-operator/prometheus-config-reloader:v0.94.1');
    expect(reloader.args).toEqual(['--listen-address=0.0.0.0:8080', '--reload-url=http://127.0.0.1:10902/-/reload', '--watched-dir=/etc/thanos/rules']);
    expect(reloader.volumeMounts).toEqual([{ name: 'rules', mountPath: '/etc/thanos/rules', readOnly: true }]);
    expect(reloader.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'reloader-web' });
    expect(reloader.resources).toEqual({ requests: { cpu: '10m', memory: '50Mi' }, limits: { memory: '50Mi' } });
  });

  test('StatefulSet: one replica, a 10Gi data claim kept on delete, governed by the headless Service', () => {
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe('thanos-rule');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.volumeClaimTemplates).toHaveLength(1);
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    expect(ruler.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/thanos/rule' });
    expect(sts.spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'thanos-rule')).toHaveLength(0);
  });

  test('headless Service thanos-rule with grpc and http', () => {
    const svc = find(objects, 'Service', 'thanos-rule');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['grpc', 10901],
      ['http', 10902],
    ]);
  });

  test('probes with a startup allowance for WAL replay, security and resources', () => {
    expect(ruler.livenessProbe.httpGet.path).toBe('/-/healthy');
    expect(ruler.readinessProbe.httpGet.path).toBe('/-/ready');
    expect(ruler.startupProbe).toMatchObject({ httpGet: { path: '/-/healthy', port: 'http' }, failureThreshold: 60 });
    expect(ruler.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, readOnlyRootFilesystem: true });
    expect(ruler.resources).toEqual({ requests: { cpu: '50m', memory: '512Mi' }, limits: { memory: '512Mi' } });
  });

  test('a StoreAPI the querier discovers, deduplicating on rule_replica', () => {
    let r!: ThanosRuler;
    synth((c) => {
      r = stack(c);
    });
    expect(isStoreApi(r)).toBe(true);
    expect(r.storeApiAddress).toBe('dnssrv+_grpc._tcp.thanos-rule.monitoring.svc');
    expect(r.storeApiPort).toBe(10901);
    expect(r.replicaLabels).toEqual(['rule_replica']);
    expect(r.scrapeEndpoints).toEqual([{ jobName: 'thanos-rule', serviceName: 'thanos-rule', namespace: 'monitoring', port: { name: 'http', port: 10902 } }]);
    const query = containerOf(find(objects, 'Deployment', 'thanos-query'), 'thanos-query');
    expect(flags(query.args, '--query.replica-label')).toContain('rule_replica');
    expect(parse(find(objects, 'ConfigMap', 'thanos-query-endpoints').data['endpoints.yaml']).endpoints).toContainEqual({
      address: 'dnssrv+_grpc._tcp.thanos-rule.monitoring.svc',
    });
  });

  test('NetworkPolicy: egress to the querier, ingress from it on gRPC', () => {
    expect(policy(objects, 'thanos-rule', 'egress').get(10902)).toEqual([podsOf('thanos-query')]);
    expect(policy(objects, 'thanos-rule', 'ingress').get(10901)).toEqual([podsOf('thanos-query')]);
    expect(policy(objects, 'thanos-query', 'ingress').get(10902)).toContainEqual(podsOf('thanos-rule'));
  });

  test('passes the manifest harness', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
    stack(chart);
    expect(harness(chart)).toEqual([]);
  });
});

describe('ThanosRuler options', () => {
  test('alerts go to every Alertmanager replica through DNS', () => {
    const objects = synth((c) => stack(c, { alertmanagers: [new FakeAlertmanager(c, 'AM')] }));
    expect(flags(rulerOf(objects).args, '--alertmanagers.url')).toEqual(['dns+http://alertmanager-cluster.monitoring.svc:9093']);
    expect(policy(objects, 'thanos-rule', 'egress').get(9093)).toEqual([
      {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'alertmanager' } },
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      },
    ]);
    expect(policy(objects, 'alertmanager', 'ingress').get(9093)).toContainEqual(podsOf('thanos-rule'));
  });

  test('uploads to a bucket without a credential in the output', () => {
    const objects = synth((c) => stack(c, { objectStorage: bucket(c) }));
    const ruler = rulerOf(objects);
    const sts = find(objects, 'StatefulSet', 'thanos-rule');
    expect(flag(ruler.args, '--objstore.config-file')).toBe('/etc/thanos/objstore/objstore.yml');
    expect(ownEnv(ruler).map((e: any) => e.name)).toEqual(['POD_NAME', 'OBJSTORE_ACCESS_KEY', 'OBJSTORE_SECRET_KEY']);
    expect(ruler.volumeMounts).toContainEqual({ name: 'objstore', mountPath: '/etc/thanos/objstore', readOnly: true });
    expect(sts.spec.template.metadata.annotations['checksum/objstore']).toMatch(/^[0-9a-f]{16}$/);
    expect(policy(objects, 'thanos-rule', 'egress').get(443)).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }]);
  });

  test('rule groups added later land in the ConfigMap and leave the pod template alone (reloaded, not restarted)', () => {
    const template = (o: Manifest[]) => find(o, 'StatefulSet', 'thanos-rule').spec.template;
    const before = synth((c) => stack(c));
    const after = synth((c) => stack(c).addRuleGroup(RECORDS));
    expect(Object.keys(find(after, 'ConfigMap', 'thanos-rule-rules').data).sort()).toEqual(['meta-monitoring.rules.yaml', 'up.rules.yaml']);
    expect(template(after)).toEqual(template(before));
    expect(template(before).metadata.annotations).toBeUndefined();
  });

  test('external labels, replica label, intervals, retention, storage, replicas', () => {
    const objects = synth((c) =>
      stack(c, {
        name: 'global-rule',
        replicas: 2,
        externalLabels: { region: 'eu', ruler: 'global' },
        replicaLabel: 'replica',
        evaluationInterval: Duration.minutes(1),
        retention: Duration.days(7),
        storageSize: Size.gibibytes(50),
        storageClassName: 'fast',
      }),
    );
    const args = rulerOf(objects, 'global-rule').args;
    expect(flags(args, '--label')).toEqual(['region="eu"', 'ruler="global"', 'replica="$(POD_NAME)"']);
    expect(flags(args, '--alert.label-drop')).toEqual(['replica']);
    expect(flag(args, '--eval-interval')).toBe('1m');
    expect(flag(args, '--tsdb.retention')).toBe('168h');
    const sts = find(objects, 'StatefulSet', 'global-rule');
    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '50Gi' } } });
    expect(sts.spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    expect(find(objects, 'PodDisruptionBudget', 'global-rule').spec.maxUnavailable).toBe(1);
  });

  test('a label value is Go-quoted and cannot trigger Kubernetes $(VAR) expansion', () => {
    const objects = synth((c) => stack(c, { externalLabels: { ruler: 'say "hi" $(HOME)' } }));
    expect(flags(rulerOf(objects).args, '--label')[0]).toBe('ruler="say \\"hi\\" $$(HOME)"');
  });

  test('the scrape job keeps the mixin substring for any name', () => {
    let r!: ThanosRuler;
    synth((c) => {
      r = stack(c, { name: 'global' });
    });
    expect(r.scrapeEndpoints[0]).toMatchObject({ jobName: 'thanos-rule-global', serviceName: 'global' });
  });

  test('passes the manifest harness with a real Alertmanager and a bucket', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
    stack(chart, { alertmanagers: [new Alertmanager(chart, 'Alertmanager')], objectStorage: bucket(chart), replicas: 2 });
    expect(harness(chart)).toEqual([]);
  });
});

describe('ThanosRuler validation', () => {
  const cases: Array<[string, (c: Chart) => void, RegExp]> = [
    ['empty external labels', (c) => stack(c, { externalLabels: {} }), /externalLabels is empty/],
    [
      'an invalid external label name',
      (c) => stack(c, { externalLabels: { 'bad-name': 'x' } }),
      /external label "bad-name" is not a valid Prometheus label name/,
    ],
    ['an empty external label value', (c) => stack(c, { externalLabels: { ruler: '' } }), /external label "ruler" has an empty value/],
    [
      'the replica label among the external labels',
      (c) => stack(c, { externalLabels: { ruler: 'r', rule_replica: 'x' } }),
      /replicaLabel "rule_replica" is also in externalLabels/,
    ],
    ['an invalid replica label', (c) => stack(c, { replicaLabel: '__replica' }), /replicaLabel "__replica" is not a valid Prometheus label name/],
    [
      'the same labels as a Prometheus',
      (c) => stack(c, { externalLabels: { cluster: 'prometheus' } }),
      /external labels \{"cluster":"prometheus"\} are the same as those of test\/P/,
    ],
    [
      'the same labels as another ruler',
      (c) => {
        new Prometheus(c, 'P');
        const query = new ThanosQuery(c, 'Query');
        new ThanosRuler(c, 'Ruler', { query });
        new ThanosRuler(c, 'Ruler2', { name: 'thanos-rule-2', query, externalLabels: { ruler: 'thanos-rule' } });
      },
      /are the same as those of test\/Ruler/,
    ],
    ['an empty rule group', (c) => stack(c, { ruleGroups: [new RuleGroup({ name: 'empty', rules: [] })] }), /rule group "empty" has no rules/],
    [
      'two groups with one file name',
      (c) => stack(c, { ruleGroups: [RECORDS, new RuleGroup({ name: 'UP', rules: [Rule.record({ record: 'job:up:max', expr: 'max by (job) (up)' })] })] }),
      /two rule groups render to up.rules.yaml/,
    ],
    ['a retention under 3 blocks', (c) => stack(c, { retention: Duration.hours(4) }), /retention 4h is shorter than 3 x the 2h block duration/],
    ['a sub-second evaluation interval', (c) => stack(c, { evaluationInterval: Duration.millis(500) }), /evaluationInterval 500ms is under a second/],
    ['zero replicas', (c) => stack(c, { replicas: 0 }), /replicas 0 is not valid: use a whole number in 1-100/],
    ['an invalid name', (c) => stack(c, { name: 'Rule' }), /name "Rule" is not a valid name/],
  ];

  test.each(cases)('%s', (_, build, message) => {
    const found = problems(build);
    expect(found.join('\n')).toMatch(message);
    for (const p of found) expect(p).toMatch(/^\[test\//);
  });

  test('reports every problem at once', () => {
    expect(problems((c) => stack(c, { externalLabels: {}, replicas: 0, retention: Duration.hours(1) }))).toHaveLength(3);
  });
});
