import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  PrometheusRule,
  PrometheusRuleSpecGroups,
  PrometheusRuleSpecGroupsRules,
  PrometheusRuleSpecGroupsRulesExpr,
} from '../../imports/prometheusrule-monitoring.coreos.com';
import { ServiceMonitor, ServiceMonitorSpecEndpointsRelabelingsAction } from '../../imports/servicemonitor-monitoring.coreos.com';
import { IScrapeTarget, ScrapeEndpoint } from '../wiring/apis';
import { INetworkPeer, NetworkPeer } from '../wiring/connections';
import { RuleGroup } from '../config/rules';
import { nameProblems, validateWith } from '../private/problems';
import { DNS_SUBDOMAIN_MAX_LENGTH } from '../private/invariants';
import * as g from '../private/grammar';
import { lazy, namespaceOf } from '../private/kubernetes';

/** A component whose rule groups become a `PrometheusRule` (`Prometheus`, `ThanosRuler`). */
export interface IRuleGroupSource extends IConstruct {
  /** Object name; also the name of its PrometheusRule. */
  readonly name: string;
  /** Its rule groups. */
  readonly ruleGroups: RuleGroup[];
}

/** Properties of `PrometheusOperator`. */
export interface PrometheusOperatorProps {
  /**
   * Components to scrape: one ServiceMonitor per metrics endpoint (e.g. `ThanosStack.components`).
   * @default - none; add with `addScrapeTarget`
   */
  readonly scrapeTargets?: IScrapeTarget[];
  /**
   * Owners of rule groups (the ruler, Prometheus): one PrometheusRule each, holding all their groups.
   * @default - none; add with `addRuleSource`
   */
  readonly ruleSources?: IRuleGroupSource[];
  /**
   * Labels on every ServiceMonitor and PrometheusRule, on top of the component's own: what your
   * Prometheus' `serviceMonitorSelector` and `ruleSelector` match (e.g. `{ release: 'kube-prometheus-stack' }`).
   * @default - the component's labels only
   */
  readonly labels?: { [key: string]: string };
  /**
   * The operator-managed Prometheus, admitted by each component's NetworkPolicy on its metrics port.
   * @default - pods labelled `app.kubernetes.io/name: prometheus` and `app.kubernetes.io/managed-by: prometheus-operator`
   * (what the operator sets) in `scraperNamespace`
   */
  readonly scraper?: INetworkPeer;
  /**
   * The namespace the operator's Prometheus runs in, for the default `scraper`. Pod labels alone are not an
   * identity (anyone who can create a pod can set them), so the namespace is selected too.
   * @default - the chart's namespace (kube-prometheus-stack's `monitoring`, where this mode usually applies)
   */
  readonly scraperNamespace?: string;
}

/** Every Prometheus the operator manages carries these labels on its pods. */
const OPERATOR_PROMETHEUS_LABELS = { 'app.kubernetes.io/managed-by': 'prometheus-operator', 'app.kubernetes.io/name': 'prometheus' };

/** Changes with every image bump: kept out of selectors and ServiceMonitor labels, which must stay put. */
const VERSION_LABEL = 'app.kubernetes.io/version';

/**
 * The prometheus-operator objects for the stack, for clusters whose monitoring runs through the
 * operator (kube-prometheus, kube-prometheus-stack): one `ServiceMonitor` per metrics endpoint of
 * each component, and one `PrometheusRule` per rule source (the ruler, Prometheus) holding its rule
 * groups. It does not deploy the operator; the CRDs must be installed before these objects apply.
 *
 * Each ServiceMonitor selects its Service by the Service's labels and keeps only that Service's
 * endpoints (components have several Services with the same labels, e.g. a headless one), and sets
 * `job` to the scrape job name the Thanos mixin dashboards expect. Rule groups are read at synth time,
 * so groups added after this construct are included.
 */
export class PrometheusOperator extends Construct {
  /** The ServiceMonitors, one per scrape endpoint, in the order the targets were added. */
  public readonly serviceMonitors: ApiObject[] = [];
  /** The PrometheusRules, one per rule source. */
  public readonly prometheusRules: ApiObject[] = [];

  private readonly scraper: INetworkPeer;
  private readonly monitorScope: Construct;
  private readonly ruleScope: Construct;
  private readonly problemList: string[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: PrometheusOperatorProps = {},
  ) {
    super(scope, id);
    // Namespace AND pod selector in one peer; without a namespace, the policy's own namespace.
    this.scraper = props.scraper ?? NetworkPeer.pods(OPERATOR_PROMETHEUS_LABELS, props.scraperNamespace ?? namespaceOf(this));
    this.monitorScope = new Construct(this, 'ServiceMonitors');
    this.ruleScope = new Construct(this, 'PrometheusRules');
    for (const target of props.scrapeTargets ?? []) this.addScrapeTarget(target);
    for (const source of props.ruleSources ?? []) this.addRuleSource(source);
    validateWith(
      this,
      () => [
        ...this.problemList,
        ...(props.scraper && props.scraperNamespace
          ? [
              'scraperNamespace is set but scraper is given too, and only the default scraper reads it: put the namespace into scraper, or drop scraperNamespace',
            ]
          : []),
      ],
      { props, rules: { labels: g.labelMap, scraperNamespace: g.dnsLabel } },
    );
  }

  /** A ServiceMonitor for each metrics endpoint of `target`; its NetworkPolicy admits the scraper. */
  public addScrapeTarget(target: IScrapeTarget): void {
    for (const endpoint of target.scrapeEndpoints) {
      const name = endpoint.jobName;
      this.problemList.push(...nameProblems('ServiceMonitor name (the scrape job name)', name, DNS_SUBDOMAIN_MAX_LENGTH));
      if (this.monitorScope.node.tryFindChild(name)) {
        this.problemList.push(`the scrape job ${JSON.stringify(name)} is added twice: add each target once`);
        continue;
      }
      const serviceLabels = this.serviceLabels(endpoint);
      target.connections.allowFrom(this.scraper, endpoint.port.port);
      this.serviceMonitors.push(
        new ServiceMonitor(this.monitorScope, name, {
          metadata: { name, labels: { ...serviceLabels, ...this.props.labels } },
          spec: {
            selector: { matchLabels: serviceLabels },
            ...(endpoint.namespace ? { namespaceSelector: { matchNames: [endpoint.namespace] } } : {}),
            endpoints: [
              {
                port: endpoint.port.name,
                ...(endpoint.path ? { path: endpoint.path } : {}),
                relabelings: [
                  // Components have several Services with the same labels (e.g. a headless one): keep this one.
                  { sourceLabels: ['__meta_kubernetes_service_name'], regex: endpoint.serviceName, action: ServiceMonitorSpecEndpointsRelabelingsAction.KEEP },
                  // The operator names the job after the Service; the mixin dashboards expect the job name.
                  { targetLabel: 'job', replacement: name, action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE },
                ],
              },
            ],
          },
        }),
      );
    }
  }

  /** A PrometheusRule holding every rule group of `source`, read at synth time. */
  public addRuleSource(source: IRuleGroupSource): void {
    if (this.ruleScope.node.tryFindChild(source.name)) {
      this.problemList.push(`the rule source ${JSON.stringify(source.name)} is added twice: add each source once`);
      return;
    }
    // A source that renders no object of its own (the stack's alert set) has only the given labels.
    const owner = source.node.findAll().some((c) => c instanceof ApiObject) ? ApiObject.of(source) : undefined;
    const labels = owner ? withoutVersion(owner.metadata.toJson().labels ?? {}) : {};
    this.prometheusRules.push(
      new PrometheusRule(this.ruleScope, source.name, {
        metadata: { name: source.name, labels: { ...labels, ...this.props.labels } },
        spec: { groups: lazy(() => source.ruleGroups.map(specGroup)) },
      }),
    );
  }

  /** The labels of the Service an endpoint names (without the version), found in the app. */
  private serviceLabels(endpoint: ScrapeEndpoint): { [key: string]: string } {
    const service = this.node.root.node
      .findAll()
      .find(
        (c): c is ApiObject => c instanceof ApiObject && c.kind === 'Service' && c.name === endpoint.serviceName && c.metadata.namespace === endpoint.namespace,
      );
    if (!service) {
      const where = endpoint.namespace ? `${endpoint.namespace}/${endpoint.serviceName}` : endpoint.serviceName;
      this.problemList.push(
        `no Service ${where} in the app for scrape job ${JSON.stringify(endpoint.jobName)}: a ServiceMonitor selects a Service by its labels; create the component before adding it`,
      );
      return {};
    }
    return withoutVersion(service.metadata.toJson().labels ?? {});
  }
}

function withoutVersion(labels: { [key: string]: string }): { [key: string]: string } {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => k !== VERSION_LABEL));
}

/** A rule group in the PrometheusRule schema (camelCase keys the generated class converts back). */
function specGroup(group: RuleGroup): PrometheusRuleSpecGroups {
  const file = group._toYaml() as { groups: Array<{ name: string; interval?: string; rules: Array<{ [key: string]: any }> }> };
  const g = file.groups[0];
  return {
    name: g.name,
    interval: g.interval,
    rules: g.rules.map((r): PrometheusRuleSpecGroupsRules => ({
      alert: r.alert,
      record: r.record,
      expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
      for: r.for,
      labels: r.labels,
      annotations: r.annotations,
    })),
  };
}
