import { Duration, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Component } from '../private/component';
import { ComponentOptions, ExtraArgsOptions } from './component-options';
import { IAlertmanagerApi, IQueryApi, IScrapeTarget, IStoreApi, ScrapeEndpoint, alertmanagerUrl, mixinJobName } from '../wiring/apis';
import { alertmanagerProblems } from '../wiring/alertmanager-endpoint';
import { Discovery } from '../private/shutdown';
import { DEFAULT_IMAGES } from '../images';
import { MAX_STATEFULSET_NAME, Part, invariantProblems, takePart } from '../private/invariants';
import { IObjectStorage, bindObjectStorage } from '../wiring/object-storage';
import { PORTS, thanosServerArgs } from '../ports';
import { healthyReadyProbes } from '../private/probes';
import { SizePreset } from '../config/resources';
import { PresetWorkload, presetResources } from '../private/presets';
import { configReloader } from '../private/reloader';
import { RuleGroup, alertingGroups, ruleGroupProblems } from '../config/rules';
import { USERS } from '../private/security';
import { goDuration, promDuration } from '../private/units';
import { componentRules, externalLabelProblems, validateWith } from '../private/problems';
import * as g from '../private/grammar';
import {
  POD_NAME_ENV,
  claimTemplate,
  configMapVolume,
  configYaml,
  container,
  lazy,
  namespaceOf,
  service,
  serviceAccount,
  serviceHost,
  statefulSet,
} from '../private/kubernetes';

/** Options of `ThanosRuler`: everything but its wiring (what `ThanosStack` derives). */
export interface ThanosRulerOptions extends ComponentOptions, ExtraArgsOptions {
  /**
   * Name of the StatefulSet, headless Service, ConfigMap and ServiceAccount.
   * @default 'thanos-rule'
   */
  readonly name?: string;
  /**
   * Replicas: each evaluates every rule; the querier deduplicates their series (by `replicaLabel`) and
   * Alertmanager their alerts. Rule changes reload in place either way; two replicas also keep evaluating
   * through a restart of one (image upgrades, node drains), at twice the query load.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Rule groups, each its own file in the `<name>-rules` ConfigMap.
   * @default - none; add with `addRuleGroup`
   */
  readonly ruleGroups?: RuleGroup[];
  /**
   * External labels (`--label`) identifying the ruler's series and blocks; must differ from every
   * Prometheus' set. The replica label is added per pod.
   * @default { ruler: <name> }
   */
  readonly externalLabels?: { [name: string]: string };
  /**
   * The external label that differs between replicas (its value is the pod name); queriers deduplicate
   * on it and it is dropped from alerts so Alertmanager deduplicates them.
   * @default 'rule_replica'
   */
  readonly replicaLabel?: string;
  /**
   * `--eval-interval`: default evaluation interval of groups that set none.
   * @default Duration.seconds(30)
   */
  readonly evaluationInterval?: Duration;
  /**
   * `--tsdb.retention`: how long blocks stay on the local disk.
   * @default Duration.days(2)
   */
  readonly retention?: Duration;
  /**
   * Data volume size (per replica).
   * @default Size.gibibytes(10)
   */
  readonly storageSize?: Size;
  /**
   * Storage class of the data volume.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * `--alert.query-url`: where the "source" link of each alert points (a query UI users can open, e.g. the
   * query frontend's Ingress).
   * @default - the query API's URL (in a ThanosStack, the frontend's or querier's Ingress URL, else the frontend's)
   */
  readonly alertQueryUrl?: string;
  /**
   * Image of the config-reloader sidecar that reloads the rules in place when the ConfigMap changes.
   * @default DEFAULT_IMAGES.configReloader
   */
  readonly configReloaderImage?: string;
}

/** Properties of `ThanosRuler`: its options plus what it is wired to. */
export interface ThanosRulerProps extends ThanosRulerOptions {
  /** The query API rules are evaluated against (`--query`): a querier or query frontend. */
  readonly query: IQueryApi;
  /**
   * Where alerts go: an `Alertmanager` of the app (every replica, found by DNS) and/or
   * `AlertmanagerEndpoint.url(...)`. Required once a group has an alerting rule: a ruler that sends nowhere
   * fails silently.
   * @default - none: only recording rules are allowed
   */
  readonly alertmanagers?: IAlertmanagerApi[];
  /**
   * The bucket the ruler ships its blocks to (recorded series outlive local retention).
   * @default - no uploads: recorded series are kept for `retention` only
   */
  readonly objectStorage?: IObjectStorage;
}

const DEFAULTS = {
  name: 'thanos-rule',
  replicas: 1,
  replicaLabel: 'rule_replica',
  evaluationInterval: Duration.seconds(30),
  retention: Duration.days(2),
  storageSize: Size.gibibytes(10),
  size: SizePreset.SMALL,
} as const;

/** Thanos uploads 2h blocks; retention must cover a few so none is deleted before it ships. */
const BLOCK_DURATION = Duration.hours(2);
const DATA_DIR = '/var/thanos/rule';
const RULES_DIR = '/etc/thanos/rules';
/** The Thanos mixin selects the ruler's job by this substring. */
const MIXIN_JOB = 'thanos-rule';

/**
 * The Thanos ruler: evaluates recording and alerting rules against a query API (so rules see every
 * cluster and the bucket), sends alerts to Alertmanager, and serves its series as a StoreAPI the
 * querier finds on its own. Rules live in a ConfigMap; the ruler does not watch its rule files, so a
 * config-reloader sidecar POSTs `/-/reload` when they change: evaluation never stops for a rule change.
 */
export class ThanosRuler extends Component implements IStoreApi, IScrapeTarget {
  /** Replica count. */
  public readonly replicas: number;
  /** The bucket its blocks are uploaded to, if any (compactor shards must cover it). */
  public readonly objectStorage?: IObjectStorage;
  /** External labels (without the replica label). */
  public readonly externalLabels: { [name: string]: string };
  /** The label that differs between replicas. */
  public readonly replicaLabel: string;
  public readonly storeApiAddress: string;
  public readonly storeApiPort = PORTS.thanosGrpc.port;
  public readonly replicaLabels: string[];

  private readonly groups: RuleGroup[];
  private readonly evaluationInterval: Duration;
  private readonly retention: Duration;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ThanosRulerProps,
  ) {
    super(scope, id, {
      name: props.name ?? DEFAULTS.name,
      kind: 'thanos-rule',
      component: 'rule-evaluation-engine',
      image: props.image ?? DEFAULT_IMAGES.thanos,
      networkPolicy: props.networkPolicy,
      exposure: props,
      preset: PresetWorkload.RULER,
      size: props.size,
      resources: props.resources,
      placement: props.placement,
      extraArgs: props.extraArgs,
    });
    this.replicas = props.replicas ?? DEFAULTS.replicas;
    this.externalLabels = { ...(props.externalLabels ?? { ruler: this.name }) };
    this.objectStorage = props.objectStorage;
    this.replicaLabel = props.replicaLabel ?? DEFAULTS.replicaLabel;
    this.replicaLabels = [this.replicaLabel];
    takePart(this, Part.RULER);
    this.groups = [...(props.ruleGroups ?? [])];
    this.evaluationInterval = props.evaluationInterval ?? DEFAULTS.evaluationInterval;
    this.retention = props.retention ?? DEFAULTS.retention;
    this.storeApiAddress = `dnssrv+_grpc._tcp.${serviceHost(this, this.name)}`;

    const { image, labels, selector } = this;

    this.connections.allowTo(props.query, props.query.queryPort);
    for (const am of props.alertmanagers ?? []) this.connections.allowTo(am, am.alertmanagerPort.port);

    const rulesConfigMap = `${this.name}-rules`;
    new k8s.KubeConfigMap(this, 'Rules', {
      metadata: { name: rulesConfigMap, labels },
      data: lazy(() => this.renderRules()),
    });

    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    const storage = props.objectStorage && bindObjectStorage(props.objectStorage, this, sa, this.connections);

    const headless = service(this, 'Service', {
      name: this.name,
      labels,
      selector,
      headless: true,
      ports: [PORTS.thanosGrpc, PORTS.thanosHttp],
    });

    // Queriers find its StoreAPI by dnssrv+ on the headless Service.
    const shutdown = this._thanosShutdown(Discovery.DNS, true);
    const rulesMount = { name: 'rules', mountPath: RULES_DIR, readOnly: true };
    const ruler = container({
      name: 'thanos-rule',
      image,
      user: USERS.nobody,
      args: [
        ...this.args(),
        ...(storage?.args ?? []),
        ...this._extraArgs({ binary: 'thanos', command: 'rule' }, () => [...this.args(), ...(storage?.args ?? [])]),
      ],
      ports: [PORTS.thanosGrpc, PORTS.thanosHttp],
      env: [POD_NAME_ENV, ...(storage?.env ?? [])],
      volumeMounts: [{ name: 'data', mountPath: DATA_DIR }, rulesMount, ...(storage?.volumeMounts ?? [])],
      // WAL replay on start can take minutes.
      probes: healthyReadyProbes(PORTS.thanosHttp.name, '/-/healthy'),
      lifecycle: shutdown.lifecycle,
      resources: this.resources,
    });

    statefulSet(this, 'Resource', {
      name: this.name,
      replicas: this.replicas,
      serviceName: headless.name,
      labels,
      selector,
      user: USERS.nobody,
      serviceAccountName: sa.name,
      terminationGracePeriodSeconds: shutdown.graceSeconds,
      // No checksum of the rules: a rule change must not restart evaluation (see the reloader below). The objstore
      // config is read once at start, so it still rolls the pods.
      annotations: storage ? { 'checksum/objstore': storage.configChecksum } : undefined,
      containers: [
        ruler,
        configReloader({
          image: props.configReloaderImage ?? DEFAULT_IMAGES.configReloader,
          resources: presetResources(PresetWorkload.CONFIG_RELOADER, this.size),
          watched: [rulesMount],
          // cmd/thanos/rule.go: "rules are not automatically detected, use SIGHUP or do HTTP POST /-/reload"; the
          // handler re-reads every --rule-file glob and swaps the groups without stopping evaluation.
          reloadUrl: `http://127.0.0.1:${PORTS.thanosHttp.port}/-/reload`,
        }),
      ],
      volumes: [configMapVolume('rules', rulesConfigMap), ...(storage?.volumes ?? [])],
      claims: [claimTemplate('data', props.storageSize ?? DEFAULTS.storageSize, selector, props.storageClassName)],
    });

    validateWith(this, () => this.problems(), {
      props,
      rules: componentRules({ externalLabels: g.anyMap, evaluationInterval: g.positiveDuration, retention: g.positiveDuration, storageSize: g.size }),
    });
  }

  /** The ruler's metrics endpoint; the job name contains `thanos-rule` for the mixin. */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    const jobName = mixinJobName(this.name, MIXIN_JOB);
    return [{ jobName, serviceName: this.name, namespace: namespaceOf(this), port: PORTS.thanosHttp }];
  }

  /** Its rule groups, in the order they were added. */
  public get ruleGroups(): RuleGroup[] {
    return [...this.groups];
  }

  /** Adds a rule group (its own rule file); the running ruler reloads it in place. */
  public addRuleGroup(group: RuleGroup): void {
    this.groups.push(group);
  }

  private args(): string[] {
    const labels = Object.keys(this.externalLabels)
      .sort()
      .map((k) => `--label=${k}=${quoteLabelValue(this.externalLabels[k])}`);
    return [
      'rule',
      ...thanosServerArgs(true),
      `--data-dir=${DATA_DIR}`,
      `--eval-interval=${goDuration(this.evaluationInterval)}`,
      `--tsdb.retention=${goDuration(this.retention)}`,
      `--tsdb.block-duration=${goDuration(BLOCK_DURATION)}`,
      ...labels,
      // Kubernetes expands $(POD_NAME) from the downward API: each replica gets its own value.
      `--label=${this.replicaLabel}="$(POD_NAME)"`,
      `--alert.label-drop=${this.replicaLabel}`,
      `--query=${this.props.query.queryUrl}`,
      // The "source" link of every alert: without it, the ruler's own pod host name, which nobody can open.
      `--alert.query-url=${this.props.alertQueryUrl ?? this.props.query.queryUrl}`,
      // dns+ resolves a headless Service to every replica; Thanos >= 0.35 speaks the v2 API by default.
      ...(this.props.alertmanagers ?? []).map((am) => `--alertmanagers.url=${alertmanagerUrl(am)}`),
      `--rule-file=${RULES_DIR}/*.rules.yaml`,
    ];
  }

  private renderRules(): { [file: string]: string } {
    return Object.fromEntries(this.groups.map((g) => [g.fileName, configYaml(g._toYaml())]));
  }

  private problems(): string[] {
    const p = this.props;
    const problems = [
      ...this._commonProblems({ maxNameLength: MAX_STATEFULSET_NAME, replicas: this.replicas }),
      ...externalLabelProblems(this.externalLabels, this.replicaLabel, "the ruler's series and blocks need a label set of their own", '{ ruler: "global" }'),
      ...ruleGroupProblems(this.groups),
    ];
    const alerting = alertingGroups(this.groups);
    if (alerting.length && !p.alertmanagers?.length) {
      problems.push(
        `rule groups ${alerting.map((g) => JSON.stringify(g.name)).join(', ')} have alerting rules but the ruler has no Alertmanager, so their alerts would go nowhere: give alertmanagers (an Alertmanager of the app, or AlertmanagerEndpoint.url("http://<service>.<namespace>.svc:9093"))`,
      );
    }
    problems.push(...(p.alertmanagers ?? []).flatMap(alertmanagerProblems));
    if (p.alertQueryUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(p.alertQueryUrl)) {
      problems.push(`alertQueryUrl ${JSON.stringify(p.alertQueryUrl)} is not an http(s) URL: use e.g. "https://thanos.example.com"`);
    }
    if (this.evaluationInterval.toMilliseconds() < 1000) {
      problems.push(`evaluationInterval ${goDuration(this.evaluationInterval)} is under a second: use e.g. Duration.seconds(30)`);
    }
    const minRetention = BLOCK_DURATION.toMilliseconds() * 3;
    if (this.retention.toMilliseconds() < minRetention) {
      problems.push(
        `retention ${promDuration(this.retention)} is shorter than 3 x the 2h block duration: blocks could be deleted before they ship or are queried; use at least Duration.hours(6)`,
      );
    }
    problems.push(...invariantProblems(this));
    return problems;
  }
}

/** A `--label` value: Go-quoted (Thanos unquotes it), with `$(` escaped so Kubernetes does not expand it. */
function quoteLabelValue(value: string): string {
  return JSON.stringify(value).split('$(').join('$$(');
}
