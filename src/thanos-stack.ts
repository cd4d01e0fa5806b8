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
import { ThanosBucketWeb, ThanosBucketWebOptions } from './components/thanos-bucket-web';
import { CompactorShard, ThanosCompactor, ThanosCompactorOptions } from './components/thanos-compactor';
import { ThanosQuery, ThanosQueryProps } from './components/thanos-query';
import { ThanosQueryFrontend, ThanosQueryFrontendOptions } from './components/thanos-query-frontend';
import { ThanosRuler, ThanosRulerOptions } from './components/thanos-ruler';
import { ThanosStore, ThanosStoreOptions } from './components/thanos-store';
import { SeaweedFS, SeaweedFSOptions } from './components/seaweedfs';
import { ThanosReceive, ThanosReceiveOptions } from './components/thanos-receive';
import { RemoteWrite } from './wiring/remote-write';
import { Memcached } from './components/memcached';
import { CachingBucket, IndexCache } from './components/thanos-store';
import { ResultsCache } from './components/thanos-query-frontend';
import { CACHE_PRESETS } from './private/presets';
import { Size } from 'cdk8s';
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
/** Options of the stack's SeaweedFS. */
export interface StackSeaweedFSOptions extends ComponentSwitch, SeaweedFSOptions {}

/**
 * The S3 server the stack runs in the cluster when no `objectStorage` is given. See the README for
 * which to pick: MinIO's community edition is archived and unpatched, SeaweedFS is maintained.
 */
export enum InClusterObjectStore {
  /** `MinIO`, the last official community image (archived; CVE-2025-62506 unfixed). */
  MINIO = 'minio',
  /** `SeaweedFS` (`weed mini`), Apache-2.0 and maintained. */
  SEAWEEDFS = 'seaweedfs',
}
/** Options of the stack's store gateway. */
export interface StackStoreOptions extends ComponentSwitch, ThanosStoreOptions {}
/** Options of the stack's compactor. */
export interface StackCompactorOptions extends ComponentSwitch, ThanosCompactorOptions {
  /**
   * Several compactors on the bucket, one per shard (`thanos-compact-<i>`): they must split on one
   * external label with disjoint values covering every source (checked at synth).
   * @default - one compactor for the whole bucket
   */
  readonly shards?: CompactorShard[];
}
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
/** Options of the stack's Thanos Receive. */
export interface StackReceiveOptions extends ComponentSwitch, ThanosReceiveOptions {
  /**
   * The stack's Prometheus servers remote-write to the Receive (no sidecars). Set false to keep them
   * in sidecar mode and take remote writes only from elsewhere (leaf clusters).
   * @default true
   */
  readonly prometheusRemoteWrite?: boolean;
}

/** Properties of `ThanosStack`. */
export interface ThanosStackProps {
  /**
   * Resource preset for every component; a component's own `size` or `resources` wins.
   * @default SizePreset.SMALL
   */
  readonly size?: SizePreset;
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
   * An existing bucket (external S3, GCS, Azure, or `ObjectStorage.fromSecret`). Turns the in-cluster store off.
   * @default - an in-cluster store (`inClusterObjectStore`)
   */
  readonly objectStorage?: IObjectStorage;
  /**
   * Which S3 server to run in the cluster when `objectStorage` is not given.
   * @default InClusterObjectStore.MINIO
   */
  readonly inClusterObjectStore?: InClusterObjectStore;
  /**
   * The Secret (keys `access_key`, `secret_key`) the in-cluster store's credentials and the Thanos S3 client read.
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
  /** @default - on, unless `objectStorage` is given or `inClusterObjectStore` is SeaweedFS */
  readonly minio?: StackMinIOOptions;
  /** @default - on when `inClusterObjectStore` is SeaweedFS, unless `objectStorage` is given */
  readonly seaweedfs?: StackSeaweedFSOptions;
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
   * Memcached caches in front of the bucket and the querier, sized by the preset: one cluster for the
   * store's index cache, one for its caching bucket (chunks, metadata), one for the frontend's results
   * and labels caches (servers x memory: small 1x512Mi / 1x1Gi / 1x256Mi, medium 2x2Gi / 2x4Gi / 2x1Gi,
   * large 3x8Gi / 3x8Gi / 2x2Gi). A cache given explicitly (`store.indexCache`, `queryFrontend.cache`...) wins.
   * @default - no memcached: in-memory index and results caches
   */
  readonly caches?: SizePreset;
  /**
   * Thanos Receive (router, ingestors on a ketama hashring, uploads to the bucket) for Prometheus
   * servers that push. Given, it is on; the stack's Prometheus remote-writes to it unless
   * `prometheusRemoteWrite` is false.
   * @default - off
   */
  readonly receive?: StackReceiveOptions;
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
  /** The bucket every component shares: `objectStorage`, or the in-cluster store's. */
  public readonly objectStorage?: IObjectStorage;
  /** The in-cluster MinIO, unless `objectStorage` is given, SeaweedFS is chosen or `minio.enabled` is false. */
  public readonly minio?: MinIO;
  /** The in-cluster SeaweedFS, when `inClusterObjectStore` is SeaweedFS (and no `objectStorage` is given). */
  public readonly seaweedfs?: SeaweedFS;
  /** The first Prometheus (add more with `addPrometheus`). */
  public readonly prometheus: Prometheus;
  /** The store gateway, when on. */
  public readonly store?: ThanosStore;
  /** The compactor (the first shard's, with `compactor.shards`), when on. */
  public readonly compactor?: ThanosCompactor;
  /** Every compactor: one, or one per shard. */
  public readonly compactors: ThanosCompactor[] = [];
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
  /** The memcached clusters, with `caches`. */
  public readonly caches: Memcached[] = [];
  /** Thanos Receive, when on. */
  public readonly receive?: ThanosReceive;
  /** The ServiceMonitors and PrometheusRules, with `prometheusOperator: true`. */
  public readonly prometheusOperator?: PrometheusOperator;
  private readonly defaults: { size: SizePreset; networkPolicy: boolean };
  private readonly availability?: RuleGroup;

  constructor(scope: Construct, id: string, private readonly props: ThanosStackProps = {}) {
    super(scope, id);
    this.defaults = { size: props.size ?? SizePreset.SMALL, networkPolicy: props.networkPolicies ?? true };
    const on = (o: ComponentSwitch | undefined) => o?.enabled ?? true;
    const ns = namespaceOf(this);

    if (props.createNamespace ?? ns !== undefined) this.addNamespace();

    const storageSecret = props.objectStorageSecret ?? Secret.fromSecretName(this, 'ObjectStorageSecret', 'thanos-objstore');
    const inCluster = props.objectStorage ? undefined : props.inClusterObjectStore ?? InClusterObjectStore.MINIO;
    if (inCluster === InClusterObjectStore.MINIO && on(props.minio)) {
      this.minio = new MinIO(this, 'MinIO', { ...this.options(props.minio), credentials: storageSecret });
    }
    if (inCluster === InClusterObjectStore.SEAWEEDFS && on(props.seaweedfs)) {
      this.seaweedfs = new SeaweedFS(this, 'SeaweedFS', { ...this.options(props.seaweedfs), credentials: storageSecret });
    }
    this.objectStorage = props.objectStorage ?? this.minio?.objectStorage ?? this.seaweedfs?.objectStorage;
    const bucket = this.objectStorage;

    if (props.receive && props.receive.enabled !== false) {
      const { prometheusRemoteWrite: _, ...receive } = props.receive;
      this.receive = new ThanosReceive(this, 'Receive', { ...this.options(receive), objectStorage: bucket });
    }
    this.prometheus = new Prometheus(this, 'Prometheus', { ...this.options(props.prometheus), ...this.shipping() });

    const preset = props.caches && CACHE_PRESETS[props.caches];
    const cache = (id: string, name: string, [replicas, mib]: readonly [number, number]) => {
      const m = new Memcached(this, id, { name, replicas, cacheSize: Size.mebibytes(mib), networkPolicy: this.defaults.networkPolicy });
      this.caches.push(m);
      return { addresses: m.addresses, networkPeer: m };
    };
    if (bucket && on(props.store)) {
      const caches = preset ? {
        indexCache: props.store?.indexCache ?? IndexCache.memcached(cache('IndexCache', 'memcached-index', preset.index)),
        cachingBucket: props.store?.cachingBucket ?? CachingBucket.memcached(cache('BucketCache', 'memcached-bucket', preset.bucket)),
      } : {};
      this.store = new ThanosStore(this, 'Store', { ...this.options(props.store), ...caches, objectStorage: bucket });
    }
    if (bucket && on(props.compactor)) {
      const { shards, ...compactor } = props.compactor ?? {};
      const base = this.options(compactor);
      const name = compactor.name ?? 'thanos-compact';
      if (shards?.length) {
        shards.forEach((shard, i) => this.compactors.push(new ThanosCompactor(this, i === 0 ? 'Compactor' : `Compactor${i}`, { ...base, name: `${name}-${i}`, shard, objectStorage: bucket })));
      } else {
        this.compactors.push(new ThanosCompactor(this, 'Compactor', { ...base, objectStorage: bucket }));
      }
      this.compactor = this.compactors[0];
    }
    if (bucket && on(props.bucketWeb)) this.bucketWeb = new ThanosBucketWeb(this, 'BucketWeb', { ...this.options(props.bucketWeb), objectStorage: bucket });
    if (on(props.alertmanager)) this.alertmanager = new Alertmanager(this, 'Alertmanager', { ...this.options(props.alertmanager) });

    if (on(props.query)) {
      const query = new ThanosQuery(this, 'Query', { ...this.options(props.query) });
      this.query = query;
      if (on(props.queryFrontend)) {
        const results = preset && !(props.queryFrontend?.cache && props.queryFrontend?.labelsCache) ? cache('ResultsCache', 'memcached-results', preset.results) : undefined;
        const caches = results ? {
          cache: props.queryFrontend?.cache ?? ResultsCache.memcached(results),
          labelsCache: props.queryFrontend?.labelsCache ?? ResultsCache.memcached(results),
        } : {};
        this.queryFrontend = new ThanosQueryFrontend(this, 'QueryFrontend', { ...this.options(props.queryFrontend), ...caches, query });
      }
      if (on(props.ruler)) {
        if (!props.ruler?.ruleGroups) this.availability = new RuleGroup({ name: 'prometheus-availability', rules: [prometheusDown(this.prometheus)] });
        this.ruler = new ThanosRuler(this, 'Ruler', {
          ruleGroups: this.availability ? [this.availability] : undefined,
          ...this.options(props.ruler), query, alertmanager: this.alertmanager, objectStorage: bucket,
        });
      }
      if (on(props.grafana)) {
        const adminSecret = props.grafanaAdminSecret ?? Secret.fromSecretName(this, 'GrafanaAdminSecret', 'grafana-admin');
        const datasource: IQueryApi = this.queryFrontend ?? query;
        this.grafana = new Grafana(this, 'Grafana', { ...this.options(props.grafana), datasource, adminSecret });
      }
    }

    if (this.alertmanager) this.prometheus.addAlertmanager(this.alertmanager);
    for (const target of this.components.filter((c) => c !== this.prometheus)) this.prometheus.scrape(target);
    if (props.prometheusOperator) {
      this.prometheusOperator = new PrometheusOperator(this, 'PrometheusOperator', { scrapeTargets: this.components, ruleSources: [this.prometheus, ...(this.ruler ? [this.ruler] : [])] });
    }

    validateWith(this, () => this.problems(props));
  }

  /** How the stack's Prometheus servers ship samples: remote write to the Receive, or sidecar uploads to the bucket. */
  private shipping(): { objectStorage?: IObjectStorage; remoteWrite?: RemoteWrite } {
    return this.receive && this.remoteWrites ? { remoteWrite: RemoteWrite.to(this.receive) } : { objectStorage: this.objectStorage };
  }

  private get remoteWrites(): boolean {
    return this.props.receive?.prometheusRemoteWrite ?? true;
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
    const prometheus = new Prometheus(this, id, { name: `prometheus-${id.toLowerCase()}`, ...this.options(options), ...this.shipping() });
    if (this.alertmanager) prometheus.addAlertmanager(this.alertmanager);
    this.availability?.addRule(prometheusDown(prometheus));
    this.prometheusOperator?.addScrapeTarget(prometheus);
    this.prometheusOperator?.addRuleSource(prometheus);
    return prometheus;
  }

  /** Every component of the stack (the first Prometheus included), e.g. to generate ServiceMonitors. */
  public get components(): IScrapeTarget[] {
    return [
      this.prometheus, this.minio, this.seaweedfs, ...this.caches, this.receive, this.receive?.ingestors, this.store, ...this.compactors, this.bucketWeb, this.alertmanager,
      this.query, this.queryFrontend, this.ruler, this.grafana,
    ]
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
      ...inClusterWhy('minio', this.minio, InClusterObjectStore.MINIO, props),
      ...inClusterWhy('seaweedfs', this.seaweedfs, InClusterObjectStore.SEAWEEDFS, props),
      ...(['store', 'compactor', 'bucketWeb'] as const).map((k): [keyof ThanosStackProps, unknown, string, string] =>
        [k, this[k], 'there is no bucket', 'give objectStorage or enable the in-cluster store']),
      ...(['queryFrontend', 'ruler', 'grafana'] as const).map((k): [keyof ThanosStackProps, unknown, string, string] =>
        [k, this[k], 'query is off and it needs the querier', 'enable query']),
    ];
    for (const [key, component, reason, fix] of why) {
      const o = props[key] as ComponentSwitch | undefined;
      if (component || !o || o.enabled === false) continue;
      if (o.enabled) problems.push(`${key}.enabled is true but ${reason}: ${fix}, or drop ${key}`);
      else if (Object.keys(o).length) problems.push(`${key} options are set but ${key} is off because ${reason}: ${fix}, or drop them`);
    }
    if (props.objectStorageSecret && !this.minio && !this.seaweedfs) {
      problems.push('objectStorageSecret is set but the in-cluster store is off, and only it reads the Secret: give credentials to the bucket given as objectStorage, or drop objectStorageSecret');
    }
    if (props.caches && this.caches.length === 0) {
      problems.push('caches is set but neither the store gateway nor the query frontend is on, so nothing would use memcached: turn one of them on, or drop caches');
    }
    if (props.grafanaAdminSecret && !this.grafana) {
      problems.push('grafanaAdminSecret is set but Grafana is off: drop grafanaAdminSecret or turn Grafana on');
    }
    return problems;
  }
}

/** Why an in-cluster store's options have no effect: an external bucket, or the other store chosen. */
function inClusterWhy(key: 'minio' | 'seaweedfs', component: unknown, store: InClusterObjectStore, props: ThanosStackProps): Array<[keyof ThanosStackProps, unknown, string, string]> {
  if (props.objectStorage) return [[key, component, 'objectStorage is given (the stack uses one bucket)', 'drop objectStorage']];
  return [[key, component, `inClusterObjectStore is ${props.inClusterObjectStore ?? InClusterObjectStore.MINIO}`, `set inClusterObjectStore: InClusterObjectStore.${store === InClusterObjectStore.MINIO ? 'MINIO' : 'SEAWEEDFS'}`]];
}

/** The seed's first rule: alert when a Prometheus disappears from the global view. */
function prometheusDown(prometheus: Prometheus): Rule {
  return Rule.alert({
    alert: 'PrometheusDown',
    expr: `absent(up{job="${prometheus.name}"} == 1)`,
    pendingFor: Duration.minutes(5),
    labels: { severity: 'critical' },
    annotations: { summary: `No replica of Prometheus ${prometheus.name} is up in the global view.` },
  });
}
