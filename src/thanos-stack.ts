import { Duration, JsonPatch } from 'cdk8s';
import { ISecret, Secret, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Alertmanager, AlertmanagerProps } from './components/alertmanager';
import { IQueryApi, IScrapeTarget } from './wiring/apis';
import { Grafana, GrafanaOptions } from './components/grafana';
import { MANAGED_BY, PART_OF } from './private/labels';
import { MinIO, MinIOOptions } from './components/minio';
import { IObjectStorage } from './wiring/object-storage';
import { Prometheus, PrometheusOptions } from './components/prometheus';
import { PrometheusOperator } from './components/prometheus-operator';
import { Rule, RuleGroup } from './config/rules';
import { SizePreset } from './config/resources';
import { Placement } from './config/placement';
import { ThanosBucketWeb, ThanosBucketWebOptions } from './components/thanos-bucket-web';
import { ThanosCompactor, ThanosCompactorOptions } from './components/thanos-compactor';
import { ThanosQuery, ThanosQueryProps } from './components/thanos-query';
import { ThanosQueryFrontend, ThanosQueryFrontendOptions } from './components/thanos-query-frontend';
import { ThanosRuler, ThanosRulerOptions } from './components/thanos-ruler';
import { ThanosStore, ThanosStoreOptions } from './components/thanos-store';
import { namespaceOf, renderFirst } from './private/kubernetes';
import { validateWith } from './private/problems';

/** Switches a stack component on or off. */
export interface ComponentSwitch {
  /**
   * Deploy the component.
   * @default - true, unless what it depends on is off (no bucket, no querier)
   */
  readonly enabled?: boolean;
}

/** Options of the stack's Prometheus (always on). */
export interface StackPrometheusOptions extends PrometheusOptions {}
/** Options of the stack's MinIO. */
export interface StackMinIOOptions extends ComponentSwitch, MinIOOptions {}
/** Options of the stack's store gateway. */
export interface StackStoreOptions extends ComponentSwitch, ThanosStoreOptions {}
/** Options of the stack's compactor. */
export interface StackCompactorOptions extends ComponentSwitch, ThanosCompactorOptions {}
/** Options of the stack's querier. */
export interface StackQueryOptions extends ComponentSwitch, ThanosQueryProps {}
/** Options of the stack's query frontend. */
export interface StackQueryFrontendOptions extends ComponentSwitch, ThanosQueryFrontendOptions {}
/** Options of the stack's ruler. */
export interface StackRulerOptions extends ComponentSwitch, ThanosRulerOptions {}
/** Options of the stack's Alertmanager. */
export interface StackAlertmanagerOptions extends ComponentSwitch, AlertmanagerProps {}
/** Options of the stack's bucket web UI. */
export interface StackBucketWebOptions extends ComponentSwitch, ThanosBucketWebOptions {}
/** Options of the stack's Grafana. */
export interface StackGrafanaOptions extends ComponentSwitch, GrafanaOptions {}

/** Properties of `ThanosStack`. */
export interface ThanosStackProps {
  /**
   * Resource preset for every component; a component's own `size` or `resources` wins.
   * @default SizePreset.SMALL
   */
  readonly size?: SizePreset;
  /**
   * Where every component's pods run (nodeSelector, tolerations, affinity, priorityClassName); a component's own
   * `placement` replaces it.
   * @default - anywhere the scheduler puts them
   */
  readonly placement?: Placement;
  /**
   * Render a default-deny NetworkPolicy per component that admits exactly the traffic the wiring needs.
   * @default true
   */
  readonly networkPolicies?: boolean;
  /**
   * Emit the chart's Namespace (first in the output) with Pod Security "restricted" enforced.
   * @default - true when the chart sets a namespace
   */
  readonly createNamespace?: boolean;
  /**
   * An existing bucket (external S3, GCS, Azure, or `ObjectStorage.fromSecret`). Turns MinIO off.
   * @default - an in-cluster MinIO
   */
  readonly objectStorage?: IObjectStorage;
  /**
   * The Secret (keys `access_key`, `secret_key`) MinIO's root credentials and the Thanos S3 client read.
   * @default - the Secret named `thanos-objstore`, created by you before `kubectl apply`
   */
  readonly objectStorageSecret?: ISecret;
  /**
   * The Secret (keys `admin-user`, `admin-password`) Grafana's admin account is read from.
   * @default - the Secret named `grafana-admin`, created by you before `kubectl apply`
   */
  readonly grafanaAdminSecret?: ISecret;
  /** @default - on */
  readonly prometheus?: StackPrometheusOptions;
  /** @default - on, unless `objectStorage` is given */
  readonly minio?: StackMinIOOptions;
  /** @default - on when there is a bucket */
  readonly store?: StackStoreOptions;
  /** @default - on when there is a bucket */
  readonly compactor?: StackCompactorOptions;
  /** @default - on */
  readonly query?: StackQueryOptions;
  /** @default - on with the querier */
  readonly queryFrontend?: StackQueryFrontendOptions;
  /**
   * The ruler evaluates rule groups against the global view. Without `ruleGroups` it gets the
   * `PrometheusDown` alert for the stack's Prometheus.
   * @default - on with the querier
   */
  readonly ruler?: StackRulerOptions;
  /** @default - on */
  readonly alertmanager?: StackAlertmanagerOptions;
  /** @default - on when there is a bucket */
  readonly bucketWeb?: StackBucketWebOptions;
  /** @default - on with the querier */
  readonly grafana?: StackGrafanaOptions;
  /**
   * Also emit prometheus-operator objects (`PrometheusOperator`): a ServiceMonitor per metrics endpoint
   * of every component and a PrometheusRule per rule source (Prometheus, ruler), for clusters whose
   * monitoring runs through the operator. Its CRDs must be installed.
   * @default false
   */
  readonly prometheusOperator?: boolean;
}

/**
 * The whole Prometheus + Thanos stack, wired: sidecar uploads, store gateway and compactor on one
 * bucket, querier discovering every StoreAPI with replica labels taken from the sources, frontend in
 * front of it, ruler and Prometheus alerting to Alertmanager, Grafana on the frontend, Prometheus
 * scraping every component, and NetworkPolicies following each of those edges.
 */
export class ThanosStack extends Construct {
  /** The bucket every component shares: `objectStorage`, or MinIO's. */
  public readonly objectStorage?: IObjectStorage;
  /** The in-cluster object store, unless `objectStorage` is given or `minio.enabled` is false. */
  public readonly minio?: MinIO;
  /** The first Prometheus (add more with `addPrometheus`). */
  public readonly prometheus: Prometheus;
  /** The store gateway, when on. */
  public readonly store?: ThanosStore;
  /** The compactor, when on. */
  public readonly compactor?: ThanosCompactor;
  /** The querier, when on. */
  public readonly query?: ThanosQuery;
  /** The query frontend, when on. */
  public readonly queryFrontend?: ThanosQueryFrontend;
  /** The ruler, when on. */
  public readonly ruler?: ThanosRuler;
  /** Alertmanager, when on. */
  public readonly alertmanager?: Alertmanager;
  /** The bucket web UI, when on. */
  public readonly bucketWeb?: ThanosBucketWeb;
  /** Grafana, when on. */
  public readonly grafana?: Grafana;
  /** The ServiceMonitors and PrometheusRules, with `prometheusOperator: true`. */
  public readonly prometheusOperator?: PrometheusOperator;
  private readonly defaults: { size: SizePreset; networkPolicy: boolean; placement?: Placement };
  private readonly availability?: RuleGroup;

  constructor(scope: Construct, id: string, props: ThanosStackProps = {}) {
    super(scope, id);
    this.defaults = { size: props.size ?? SizePreset.SMALL, networkPolicy: props.networkPolicies ?? true, placement: props.placement };
    const on = (o: ComponentSwitch | undefined) => o?.enabled ?? true;
    const ns = namespaceOf(this);

    if (props.createNamespace ?? ns !== undefined) this.addNamespace();

    const storageSecret = props.objectStorageSecret ?? Secret.fromSecretName(this, 'ObjectStorageSecret', 'thanos-objstore');
    if (!props.objectStorage && on(props.minio)) {
      this.minio = new MinIO(this, 'MinIO', { ...this.options(props.minio), credentials: storageSecret });
    }
    this.objectStorage = props.objectStorage ?? this.minio?.objectStorage;
    const bucket = this.objectStorage;

    this.prometheus = new Prometheus(this, 'Prometheus', { ...this.options(props.prometheus), objectStorage: bucket });

    if (bucket && on(props.store)) this.store = new ThanosStore(this, 'Store', { ...this.options(props.store), objectStorage: bucket });
    // Prometheus HA replicas upload every series twice: the compactor merges their blocks by the replica label with
    // the penalty algorithm, the one docs/components/compact.md recommends for HA Prometheus pairs.
    // `compactor: { deduplicationReplicaLabels: [] }` turns it off.
    const dedup = this.prometheus.replicas > 1 ? { deduplicationReplicaLabels: [this.prometheus.replicaLabel] } : {};
    if (bucket && on(props.compactor)) this.compactor = new ThanosCompactor(this, 'Compactor', { ...dedup, ...this.options(props.compactor), objectStorage: bucket });
    if (bucket && on(props.bucketWeb)) this.bucketWeb = new ThanosBucketWeb(this, 'BucketWeb', { ...this.options(props.bucketWeb), objectStorage: bucket });
    if (on(props.alertmanager)) this.alertmanager = new Alertmanager(this, 'Alertmanager', { ...this.options(props.alertmanager) });

    if (on(props.query)) {
      const query = new ThanosQuery(this, 'Query', { ...this.options(props.query) });
      this.query = query;
      if (on(props.queryFrontend)) this.queryFrontend = new ThanosQueryFrontend(this, 'QueryFrontend', { ...this.options(props.queryFrontend), query });
      if (on(props.ruler)) {
        if (!props.ruler?.ruleGroups) this.availability = new RuleGroup({ name: 'prometheus-availability', rules: [prometheusDown(this.prometheus)] });
        this.ruler = new ThanosRuler(this, 'Ruler', {
          ruleGroups: this.availability ? [this.availability] : undefined,
          ...(this.queryFrontend ? { alertQueryUrl: this.queryFrontend.queryUrl } : {}),
          ...this.options(props.ruler), query, alertmanager: this.alertmanager, objectStorage: bucket,
        });
      }
      if (on(props.grafana)) {
        const adminSecret = props.grafanaAdminSecret ?? Secret.fromSecretName(this, 'GrafanaAdminSecret', 'grafana-admin');
        const datasource: IQueryApi = this.queryFrontend ?? query;
        this.grafana = new Grafana(this, 'Grafana', {
          scrapeInterval: props.prometheus?.scrapeInterval,
          queryTimeout: props.query?.timeout,
          ...this.options(props.grafana),
          datasource,
          adminSecret,
        });
      }
    }

    if (this.alertmanager) this.prometheus.addAlertmanager(this.alertmanager);
    for (const target of this.components.filter((c) => c !== this.prometheus)) this.prometheus.scrape(target);
    if (props.prometheusOperator) {
      this.prometheusOperator = new PrometheusOperator(this, 'PrometheusOperator', { scrapeTargets: this.components, ruleSources: [this.prometheus, ...(this.ruler ? [this.ruler] : [])] });
    }

    validateWith(this, () => this.problems(props));
  }

  /** A component's options over the stack-wide defaults, without the stack's own switch. */
  private options<T extends object>(o: T | undefined): Omit<T, 'enabled'> & { size: SizePreset; networkPolicy: boolean } {
    const { enabled: _, ...own } = (o ?? {}) as T & ComponentSwitch;
    return { ...this.defaults, ...own };
  }

  /**
   * Another Prometheus (one per cluster, tenant or shard) wired like the first: same bucket, same
   * Alertmanager, discovered by the querier, covered by the ruler's `PrometheusDown`. Its external
   * labels must differ from every other's.
   * @param id construct id; the default object name is `prometheus-<id in lower case>`
   */
  public addPrometheus(id: string, options: StackPrometheusOptions): Prometheus {
    const prometheus = new Prometheus(this, id, { name: `prometheus-${id.toLowerCase()}`, ...this.options(options), objectStorage: this.objectStorage });
    if (this.alertmanager) prometheus.addAlertmanager(this.alertmanager);
    this.availability?.addRule(prometheusDown(prometheus));
    this.prometheusOperator?.addScrapeTarget(prometheus);
    this.prometheusOperator?.addRuleSource(prometheus);
    return prometheus;
  }

  /** Every component of the stack (the first Prometheus included), e.g. to generate ServiceMonitors. */
  public get components(): IScrapeTarget[] {
    return [this.prometheus, this.minio, this.store, this.compactor, this.bucketWeb, this.alertmanager, this.query, this.queryFrontend, this.ruler, this.grafana]
      .filter((c): c is NonNullable<typeof c> => c !== undefined);
  }

  /** The namespace, with Pod Security "restricted" enforced so no pod can slip out of it. */
  private addNamespace(): void {
    const name = namespaceOf(this)!;
    const namespace = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name,
        labels: {
          'app.kubernetes.io/part-of': PART_OF,
          'app.kubernetes.io/managed-by': MANAGED_BY,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.27',
        },
      },
    });
    namespace.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    renderFirst(namespace);
  }

  /** Components explicitly switched on whose dependency is off. */
  private problems(props: ThanosStackProps): string[] {
    const problems: string[] = [];
    if (props.createNamespace && !namespaceOf(this)) {
      problems.push('createNamespace is true but the chart sets no namespace: give the chart a namespace or drop createNamespace');
    }
    // A component that is off must not swallow what was given for it.
    const why: Array<[keyof ThanosStackProps, unknown, string, string]> = [
      ['minio', this.minio, 'objectStorage is given (the stack uses one bucket)', 'drop objectStorage'],
      ...(['store', 'compactor', 'bucketWeb'] as const).map((k): [keyof ThanosStackProps, unknown, string, string] =>
        [k, this[k], 'there is no bucket', 'give objectStorage or enable minio']),
      ...(['queryFrontend', 'ruler', 'grafana'] as const).map((k): [keyof ThanosStackProps, unknown, string, string] =>
        [k, this[k], 'query is off and it needs the querier', 'enable query']),
    ];
    for (const [key, component, reason, fix] of why) {
      const o = props[key] as ComponentSwitch | undefined;
      if (component || !o || o.enabled === false) continue;
      if (o.enabled) problems.push(`${key}.enabled is true but ${reason}: ${fix}, or drop ${key}`);
      else if (Object.keys(o).length) problems.push(`${key} options are set but ${key} is off because ${reason}: ${fix}, or drop them`);
    }
    if (props.objectStorageSecret && !this.minio) {
      problems.push('objectStorageSecret is set but MinIO is off, and only MinIO reads it: give credentials to the bucket given as objectStorage, or drop objectStorageSecret');
    }
    if (props.grafanaAdminSecret && !this.grafana) {
      problems.push('grafanaAdminSecret is set but Grafana is off: drop grafanaAdminSecret or turn Grafana on');
    }
    return problems;
  }
}

/** The seed's first rule: alert when a Prometheus disappears from the global view. */
function prometheusDown(prometheus: Prometheus): Rule {
  return Rule.alert({
    alert: 'PrometheusDown',
    expr: `absent(up{job="${prometheus.name}"} == 1)`,
    for: Duration.minutes(5),
    labels: { severity: 'critical' },
    annotations: { summary: `No replica of Prometheus ${prometheus.name} is up in the global view.` },
  });
}
