import { isDeepStrictEqual } from 'util';
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { parse, parseAllDocuments } from 'yaml';
import {
  Connections,
  IScrapeTarget,
  NetworkPeer,
  PORTS,
  Prometheus,
  PrometheusOperator,
  Rule,
  RuleGroup,
  ThanosQuery,
  ThanosStack,
  ThanosStackProps,
  prerequisiteSecrets,
} from '../../src';
import { expectValid } from '../harness';
import { Manifest, find, problems } from '../support/util';

/** JSON schema of each CRD version, keyed `apiVersion/kind` as the harness expects, made strict like the built-in kinds. */
function crdSchemas(): { [apiVersionKind: string]: object } {
  const dir = join(__dirname, '..', '..', 'schemas', 'crds');
  const schemas: { [key: string]: object } = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => d.toJSON())) {
      if (doc?.kind !== 'CustomResourceDefinition') continue;
      for (const version of doc.spec.versions) {
        const schema = version.schema.openAPIV3Schema;
        // Status is the operator's to write; the output must not carry one.
        delete schema.properties.status;
        strictify(schema);
        schemas[`${doc.spec.group}/${version.name}/${doc.spec.names.kind}`] = schema;
      }
    }
  }
  return schemas;
}

/** The API server prunes unknown fields of structural schemas without a word; here they are errors. */
function strictify(schema: any): void {
  if (schema === null || typeof schema !== 'object') return;
  if (Array.isArray(schema)) return schema.forEach(strictify);
  if (schema.properties && !schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties === undefined) schema.additionalProperties = false;
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties') Object.values(v as object).forEach(strictify);
    else strictify(v);
  }
}

const CUSTOM_KINDS = crdSchemas();

function stackApp(props: ThanosStackProps = {}, more?: (stack: ThanosStack) => void) {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: 'monitoring' });
  const stack = new ThanosStack(chart, 'Thanos', { prometheusOperator: true, ...props });
  more?.(stack);
  return { app, stack, objects: Testing.synth(chart) as Manifest[] };
}

const ofKind = (objects: Manifest[], kind: string) => objects.filter((o) => o.kind === kind);
const matches = (labels: { [k: string]: string } | undefined, selector: { [k: string]: string }) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe('ThanosStack with prometheusOperator: true', () => {
  const { app, stack, objects } = stackApp();
  const monitors = ofKind(objects, 'ServiceMonitor');
  const rules = ofKind(objects, 'PrometheusRule');

  test('the ServiceMonitors and PrometheusRules match the snapshot', () => {
    expect([...monitors, ...rules]).toMatchSnapshot();
  });

  test('every object validates, the custom ones against the CRD schemas (strict)', () => {
    expect(Object.keys(CUSTOM_KINDS).sort()).toEqual([
      'monitoring.coreos.com/v1/PodMonitor',
      'monitoring.coreos.com/v1/PrometheusRule',
      'monitoring.coreos.com/v1/ServiceMonitor',
    ]);
    expectValid(objects, { externalSecrets: prerequisiteSecrets(app), allowedCustomKinds: CUSTOM_KINDS });
  });

  test('the schema check catches a field the CRD does not have', () => {
    const broken = objects.map((o) => (o.kind === 'ServiceMonitor' ? { ...o, spec: { ...o.spec, endpoint: [] } } : o));
    expect(() => expectValid(broken, { externalSecrets: prerequisiteSecrets(app), allowedCustomKinds: CUSTOM_KINDS, skip: ['configs'] })).toThrow(
      /ServiceMonitor monitoring\/thanos-query.*endpoint/,
    );
  });

  test('there is one ServiceMonitor per scrape endpoint, named after its job', () => {
    const jobs = stack.components.flatMap((c) => c.scrapeEndpoints.map((e) => e.jobName));
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual([...jobs].sort());
    expect(jobs).toEqual(
      expect.arrayContaining([
        'prometheus',
        'prometheus-thanos-sidecar',
        'thanos-query',
        'thanos-query-frontend',
        'thanos-store',
        'thanos-compact',
        'thanos-rule',
        'thanos-bucketweb',
      ]),
    );
    expect(stack.prometheusOperator!.serviceMonitors).toHaveLength(jobs.length);
  });

  test("each ServiceMonitor selects its Service by the Service's labels and keeps exactly that Service's port", () => {
    const services = ofKind(objects, 'Service');
    for (const target of stack.components) {
      for (const e of target.scrapeEndpoints) {
        const m = find(objects, 'ServiceMonitor', e.jobName);
        const service = find(objects, 'Service', e.serviceName);
        const selector = m.spec.selector.matchLabels;
        expect(matches(service.metadata.labels, selector)).toBe(true);
        expect(selector).toMatchObject({
          'app.kubernetes.io/name': service.metadata.labels['app.kubernetes.io/name'],
          'app.kubernetes.io/instance': service.metadata.labels['app.kubernetes.io/instance'],
        });
        expect(selector['app.kubernetes.io/version']).toBeUndefined();
        expect(m.spec.namespaceSelector).toEqual({ matchNames: ['monitoring'] });
        const [endpoint] = m.spec.endpoints;
        expect(endpoint.port).toBe(e.port.name);
        // What the operator would scrape: Services matching the selector, serving the port, passing the keep rule.
        const keep = endpoint.relabelings.find((r: any) => r.action === 'keep');
        expect(keep.sourceLabels).toEqual(['__meta_kubernetes_service_name']);
        const scraped = services.filter(
          (s) =>
            matches(s.metadata.labels, selector) &&
            s.spec.ports.some((p: any) => p.name === endpoint.port) &&
            new RegExp(`^(?:${keep.regex})$`).test(s.metadata.name),
        );
        expect(scraped.map((s) => s.metadata.name)).toEqual([e.serviceName]);
        // The Service sends the port to pods that serve it.
        expect(service.spec.ports.find((p: any) => p.name === e.port.name).targetPort).toBe(e.port.name);
        expect(endpoint.relabelings).toContainEqual({ targetLabel: 'job', replacement: e.jobName, action: 'replace' });
      }
    }
  });

  test('without the keep rule a headless Service would be scraped twice: the rule is needed', () => {
    const services = ofKind(objects, 'Service');
    const m = find(objects, 'ServiceMonitor', 'alertmanager');
    const sameLabelsAndPort = services.filter(
      (s) => matches(s.metadata.labels, m.spec.selector.matchLabels) && s.spec.ports.some((p: any) => p.name === m.spec.endpoints[0].port),
    );
    expect(sameLabelsAndPort.length).toBeGreaterThan(1);
  });

  test('no policy admits pods by their labels alone across namespaces (anyone can label their own pods)', () => {
    // Before: the operator's Prometheus was `namespaceSelector: {}` plus pod labels, on Alertmanager, MinIO, Grafana...
    for (const policy of ofKind(objects, 'NetworkPolicy')) {
      for (const r of policy.spec.ingress) {
        for (const p of r.from)
          if (p.podSelector)
            expect({ policy: policy.metadata.name, p }).not.toEqual({ policy: policy.metadata.name, p: expect.objectContaining({ namespaceSelector: {} }) });
      }
    }
  });

  test("each component's NetworkPolicy admits the operator's Prometheus on its metrics port, by namespace and pod selector", () => {
    const operatorPrometheus = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/managed-by': 'prometheus-operator', 'app.kubernetes.io/name': 'prometheus' } },
    };
    for (const target of stack.components) {
      const policy = find(objects, 'NetworkPolicy', target.scrapeEndpoints[0].serviceName.replace(/-thanos-sidecar$/, '').replace(/-headless$/, ''));
      for (const e of target.scrapeEndpoints) {
        const admitted = policy.spec.ingress.some(
          (r: any) => r.from.some((p: any) => isDeepStrictEqual(p, operatorPrometheus)) && r.ports.some((p: any) => p.port === e.port.port),
        );
        expect({ job: e.jobName, admitted }).toEqual({ job: e.jobName, admitted: true });
      }
    }
  });

  test("the stack's alerts are one PrometheusRule of their own, in no rule file: evaluated once", () => {
    const alerts = find(objects, 'PrometheusRule', 'thanos-stack-alerts');
    const names = alerts.spec.groups.map((g: any) => g.name);
    expect(names).toEqual(
      expect.arrayContaining(['prometheus-prometheus-alerts', 'prometheus-sidecar-alerts', 'watchdog', 'thanos-compactor-alerts', 'prometheus-availability']),
    );
    const down = alerts.spec.groups.find((g: any) => g.name === 'prometheus-availability').rules[0];
    expect(down).toMatchObject({
      alert: 'PrometheusDown',
      expr: 'sum by (job) (up{job="prometheus"}) == 0 or absent(up{job="prometheus"})',
      for: '5m',
      labels: { severity: 'critical' },
    });
    for (const configMap of ['prometheus-rules', 'thanos-rule-rules']) expect(find(objects, 'ConfigMap', configMap).data ?? {}).toEqual({});
    expect(find(objects, 'PrometheusRule', 'thanos-rule').spec).toEqual({ groups: [] });
  });

  test('Prometheus gets a PrometheusRule of its own, empty until it has groups', () => {
    expect(rules.map((r) => r.metadata.name)).toEqual(['prometheus', 'thanos-rule', 'thanos-stack-alerts']);
    expect(find(objects, 'PrometheusRule', 'prometheus').spec).toEqual({ groups: [] });
  });
});

describe('rule groups and components added later', () => {
  const late = new RuleGroup({
    name: 'availability',
    interval: Duration.minutes(1),
    rules: [
      Rule.alert({ alert: 'QueryDown', expr: 'absent(up{job="thanos-query"} == 1)', pendingFor: Duration.minutes(5), annotations: { summary: 'no querier' } }),
      Rule.record({ record: 'job:up:sum', expr: 'sum by (job) (up)' }),
    ],
  });
  const { app, objects } = stackApp({}, (stack) => {
    stack.prometheus.addRuleGroup(late);
    stack.ruler!.addRuleGroup(late);
    stack.addPrometheus('Us1', { name: 'prometheus-us1', externalLabels: { cluster: 'us1' } });
  });

  test('groups added after the stack are in the PrometheusRules, equal to the rule files', () => {
    for (const [rule, configMap] of [
      ['prometheus', 'prometheus-rules'],
      ['thanos-rule', 'thanos-rule-rules'],
    ]) {
      const files = find(objects, 'ConfigMap', configMap).data as { [file: string]: string };
      const byName = (a: any, b: any) => a.name.localeCompare(b.name);
      expect([...find(objects, 'PrometheusRule', rule).spec.groups].sort(byName)).toEqual(
        Object.values(files)
          .map((f) => parse(f).groups[0])
          .sort(byName),
      );
    }
    expect(find(objects, 'PrometheusRule', 'thanos-rule').spec.groups.map((g: any) => g.name)).toEqual(['availability']);
    expect(find(objects, 'PrometheusRule', 'prometheus').spec.groups).toEqual([
      {
        name: 'availability',
        interval: '1m',
        rules: [
          { alert: 'QueryDown', expr: 'absent(up{job="thanos-query"} == 1)', for: '5m', annotations: { summary: 'no querier' } },
          { record: 'job:up:sum', expr: 'sum by (job) (up)' },
        ],
      },
    ]);
  });

  test('a Prometheus added with addPrometheus gets its ServiceMonitors and PrometheusRule', () => {
    expect(ofKind(objects, 'ServiceMonitor').map((m) => m.metadata.name)).toEqual(expect.arrayContaining(['prometheus-us1', 'prometheus-us1-thanos-sidecar']));
    expect(find(objects, 'ServiceMonitor', 'prometheus-us1').spec.selector.matchLabels).toMatchObject({ 'app.kubernetes.io/instance': 'prometheus-us1' });
    expect(find(objects, 'PrometheusRule', 'prometheus-us1').spec).toEqual({ groups: [] });
    expectValid(objects, { externalSecrets: prerequisiteSecrets(app), allowedCustomKinds: CUSTOM_KINDS });
  });
});

describe('options', () => {
  test('off by default: no prometheus-operator object and no operator peer in any NetworkPolicy', () => {
    const objects = Testing.synth(
      (() => {
        const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
        new ThanosStack(chart, 'Thanos');
        return chart;
      })(),
    ) as Manifest[];
    expect(objects.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/'))).toEqual([]);
    expect(JSON.stringify(ofKind(objects, 'NetworkPolicy'))).not.toContain('prometheus-operator');
  });

  test("labels go on every ServiceMonitor and PrometheusRule, for the operator's selectors; a custom scraper replaces the default", () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
    const query = new ThanosQuery(chart, 'Query', { stores: [new Prometheus(chart, 'Prometheus')] });
    new PrometheusOperator(chart, 'Operator', {
      scrapeTargets: [query],
      labels: { release: 'kube-prometheus-stack' },
      scraper: NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, 'observability'),
    });
    const objects = Testing.synth(chart) as Manifest[];
    const m = find(objects, 'ServiceMonitor', 'thanos-query');
    expect(m.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/name': 'thanos-query' });
    expect(m.spec.selector.matchLabels.release).toBeUndefined();
    const policy = find(objects, 'NetworkPolicy', 'thanos-query');
    expect(policy.spec.ingress).toContainEqual({
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: PORTS.thanosHttp.port }],
    });
    expect(JSON.stringify(policy)).not.toContain('prometheus-operator');
    expectValid(objects, { allowedCustomKinds: CUSTOM_KINDS });
  });

  test("scraperNamespace moves the default scraper to the operator's namespace, still with its pod selector", () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'thanos' });
    new PrometheusOperator(chart, 'Operator', {
      scrapeTargets: [new ThanosQuery(chart, 'Query', { stores: [new Prometheus(chart, 'Prometheus')] })],
      scraperNamespace: 'monitoring',
    });
    expect(find(Testing.synth(chart) as Manifest[], 'NetworkPolicy', 'thanos-query').spec.ingress).toContainEqual({
      from: [
        {
          podSelector: { matchLabels: { 'app.kubernetes.io/managed-by': 'prometheus-operator', 'app.kubernetes.io/name': 'prometheus' } },
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: PORTS.thanosHttp.port }],
    });
  });

  test('a chart without a namespace gets ServiceMonitors without a namespaceSelector', () => {
    const chart = new Chart(new App(), 'test');
    new PrometheusOperator(chart, 'Operator', { scrapeTargets: [new ThanosQuery(chart, 'Query', { stores: [new Prometheus(chart, 'Prometheus')] })] });
    const m = find(Testing.synth(chart) as Manifest[], 'ServiceMonitor', 'thanos-query');
    expect(m.spec.namespaceSelector).toBeUndefined();
    expect(m.metadata.namespace).toBeUndefined();
  });
});

describe('rejected input', () => {
  /** A scrape target whose Service is not in the app. */
  function outsider(chart: Chart): IScrapeTarget {
    const connections = new Connections(chart, 'Outsider', { name: 'outsider', labels: {}, selector: { app: 'outsider' }, enabled: false });
    return {
      connections,
      toNetworkPolicyPeer: () => connections.toNetworkPolicyPeer(),
      scrapeEndpoints: [{ jobName: 'outsider', serviceName: 'outsider', namespace: 'monitoring', port: PORTS.thanosHttp }],
    };
  }

  test('fails on a target whose Service is not in the app', () => {
    expect(problems((chart) => new PrometheusOperator(chart, 'Operator', { scrapeTargets: [outsider(chart)] }))).toEqual([
      '[test/Operator] no Service monitoring/outsider in the app for scrape job "outsider": a ServiceMonitor selects a Service by its labels; create the component before adding it',
    ]);
  });

  test('fails on a target or rule source added twice, and on a job name that is not a valid object name', () => {
    const found = problems((chart) => {
      const query = new ThanosQuery(chart, 'Query', { name: 'thanos-query', stores: [new Prometheus(chart, 'Other', { name: 'other' })] });
      const stack = new ThanosStack(chart, 'Thanos', { query: { enabled: false } });
      const operator = new PrometheusOperator(chart, 'Operator', { scrapeTargets: [query], ruleSources: [stack.prometheus] });
      operator.addScrapeTarget(query);
      operator.addRuleSource(stack.prometheus);
      const c = outsider(chart);
      new k8s.KubeService(chart, 'OddService', { metadata: { name: 'outsider' }, spec: { ports: [{ port: 1 }] } });
      operator.addScrapeTarget({ ...c, scrapeEndpoints: [{ ...c.scrapeEndpoints[0], jobName: 'Outsider_Job' }] });
    });
    expect(found).toEqual([
      '[test/Operator] the scrape job "thanos-query" is added twice: add each target once',
      '[test/Operator] the rule source "prometheus" is added twice: add each source once',
      '[test/Operator] ServiceMonitor name (the scrape job name) "Outsider_Job" is not a valid name: use at most 253 lower-case letters, digits and \'-\', starting and ending with a letter or digit',
    ]);
  });
});
