import { JsonPatch } from 'cdk8s';
import { ISecret, Secret, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Alertmanager, AlertmanagerProps } from './components/alertmanager';
import { IAlertmanagerApi, IQueryApi, IScrapeTarget } from './wiring/apis';
import { GRAFANA_DATASOURCE_UID, Grafana, GrafanaOptions } from './components/grafana';
import { componentDashboards } from './config/dashboards/components';
import { MANAGED_BY, PART_OF } from './private/labels';
import { MinIO, MinIOOptions } from './components/minio';
import { IObjectStorage } from './wiring/object-storage';
import { ClusterDns, INetworkPeer } from './wiring/connections';
import { Prometheus, PrometheusOptions } from './components/prometheus';
import { PrometheusOperator } from './components/prometheus-operator';
import { StackAlertsOptions } from './config/alerts';
import { AlertThresholds } from './config/alerts/common';
import { alertOptionProblems, alertThresholds } from './config/alerts/options';
import { StackRouting, stackRouting, unreachedReason } from './config/alerts/routing';
import { warnAtSynth } from './private/warnings';
import { AvailabilityGroup, IRuleGroupSink, OperatorAlertSource, componentGroups, perPrometheusGroups } from './config/alerts/stack';
import { SizePreset } from './config/resources';
import { Placement } from './config/placement';
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
import { bool } from './private/grammar';

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
   * The DNS servers every NetworkPolicy admits on port 53 (UDP and TCP): e.g.
   * `NetworkPeer.ipBlock('169.254.20.10/32')` with NodeLocal DNSCache, or the pods of a DNS server
   * that is not kube-dns.
   * @default - `NetworkPeer.kubeDns()`: pods `k8s-app=kube-dns` in `kube-system` (CoreDNS on kubeadm, EKS, GKE, AKS)
   */
  readonly clusterDns?: INetworkPeer[];
  /**
   * Emit the chart's Namespace (first in the output), labelled to warn about and audit pods that are not
   * Pod Security "restricted" (every pod of this stack is).
   * @default - true when the chart sets a namespace, false with `prometheusOperator` (its namespace is
   * usually shared with kube-prometheus-stack)
   */
  readonly createNamespace?: boolean;
  /**
   * Also enforce "restricted" on the Namespace (`pod-security.kubernetes.io/enforce`). Only for a namespace
   * this stack owns: `kubectl apply` merges the label into an existing namespace, and from then on pods that
   * need more (node-exporter: hostNetwork, hostPID, hostPath) are rejected each time they are re-created.
   * @default false
   */
  readonly enforcePodSecurity?: boolean;
  /**
   * An existing bucket (external S3, GCS, Azure, or `ObjectStorage.fromSecret`). Turns the in-cluster store off. Other
   * installs may share it, so the stack needs identities you choose: `prometheus.externalLabels` (the ruler's
   * default set derives from them) and an explicit `compactor.enabled` (exactly one compactor per bucket).
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
  /**
   * The first Prometheus (add more with `addPrometheus`).
   * @default - on
   */
  readonly prometheus?: StackPrometheusOptions;
  /**
   * The in-cluster MinIO bucket.
   * @default - on, unless `objectStorage` is given or `inClusterObjectStore` is SeaweedFS
   */
  readonly minio?: StackMinIOOptions;
  /**
   * The in-cluster SeaweedFS bucket.
   * @default - on when `inClusterObjectStore` is SeaweedFS, unless `objectStorage` is given
   */
  readonly seaweedfs?: StackSeaweedFSOptions;
  /**
   * The store gateway, serving the bucket's blocks to the querier.
   * @default - on when there is a bucket
   */
  readonly store?: StackStoreOptions;
  /**
   * The bucket's compactor. Exactly one may run per bucket, and no app sees every cluster that shares an
   * external bucket: with `objectStorage` set `enabled` yourself, true in the one cluster that compacts it.
   * @default - on with MinIO; with `objectStorage` it must be set
   */
  readonly compactor?: StackCompactorOptions;
  /**
   * The querier, the global view over every StoreAPI of the stack.
   * @default - on
   */
  readonly query?: StackQueryOptions;
  /**
   * The query frontend in front of the querier: splitting, retries, results cache.
   * @default - on with the querier
   */
  readonly queryFrontend?: StackQueryFrontendOptions;
  /**
   * The ruler evaluates rule groups against the global view; with `alerts` on it also evaluates
   * `PrometheusDown` for every Prometheus of the stack. Its `alertQueryUrl` defaults to the Ingress URL of the
   * query frontend (or querier). With `objectStorage` its external labels default to
   * `prometheus.externalLabels` plus `ruler: <name>`, so two installs on one bucket do not share a set.
   * @default - on with the querier
   */
  readonly ruler?: StackRulerOptions;
  /**
   * The stack's Alertmanager, which Prometheus and the ruler send to.
   * @default - on
   */
  readonly alertmanager?: StackAlertmanagerOptions;
  /**
   * Alertmanagers outside the stack that Prometheus and the ruler also send to, e.g. kube-prometheus-stack's:
   * `AlertmanagerEndpoint.url('http://prometheus-operator-alertmanager.monitoring.svc.cluster.local:9093')`
   * (turn the stack's own off with `alertmanager: { enabled: false }`). Their NetworkPolicy edges follow.
   * @default - none
   */
  readonly alertmanagers?: IAlertmanagerApi[];
  /**
   * The bucket web UI, listing the bucket's blocks.
   * @default - on when there is a bucket
   */
  readonly bucketWeb?: StackBucketWebOptions;
  /**
   * Grafana, with the overview and one dashboard per component of the stack (querier and frontend, store
   * gateway, compactor, sidecar and Prometheus, ruler, object storage), unless `dashboards` is given.
   * @default - on with the querier
   */
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
  /**
   * The stack's own alerts (docs/runbooks.md): each Prometheus evaluates the rules about itself and its
   * sidecar, the stack's Prometheus those about every other component plus a Watchdog, the ruler
   * `PrometheusDown` from the global view. With `prometheusOperator` they all go into one
   * PrometheusRule instead, evaluated by the operator's Prometheus. A component that is off has no rules.
   * @default - on, with default thresholds
   */
  readonly alerts?: StackAlertsOptions;
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
  private readonly defaults: { size: SizePreset; networkPolicy: boolean; placement?: Placement };
  private readonly availability?: AvailabilityGroup;
  private readonly alertThresholds?: AlertThresholds;
  private readonly operatorAlerts?: OperatorAlertSource;
  /** Where Prometheus and the ruler send alerts: the stack's Alertmanager and `alertmanagers`. */
  private readonly alertmanagers: IAlertmanagerApi[];
  /** `objectStorage` was given: other installs may write to the same bucket. */
  private readonly sharedBucket: boolean;
  /** Prometheus instances on the shared bucket whose external labels are defaults. */
  private readonly unchosenIdentities: string[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ThanosStackProps = {},
  ) {
    super(scope, id);
    if (props.clusterDns) ClusterDns.use(this, ...props.clusterDns);
    this.defaults = { size: props.size ?? SizePreset.SMALL, networkPolicy: props.networkPolicies ?? true, placement: props.placement };
    const on = (o: ComponentSwitch | undefined) => o?.enabled ?? true;
    this.sharedBucket = props.objectStorage !== undefined;
    if (this.sharedBucket && !props.prometheus?.externalLabels) this.unchosenIdentities.push('prometheus');
    const ns = namespaceOf(this);

    if (props.createNamespace ?? (ns !== undefined && !props.prometheusOperator)) this.addNamespace(props.enforcePodSecurity ?? false);

    const storageSecret = props.objectStorageSecret ?? Secret.fromSecretName(this, 'ObjectStorageSecret', 'thanos-objstore');
    const inCluster = props.objectStorage ? undefined : (props.inClusterObjectStore ?? InClusterObjectStore.MINIO);
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
      const caches = preset
        ? {
            indexCache: props.store?.indexCache ?? IndexCache.memcached(cache('IndexCache', 'memcached-index', preset.index)),
            cachingBucket: props.store?.cachingBucket ?? CachingBucket.memcached(cache('BucketCache', 'memcached-bucket', preset.bucket)),
          }
        : {};
      this.store = new ThanosStore(this, 'Store', { ...this.options(props.store), ...caches, objectStorage: bucket });
    }
    // Prometheus HA replicas upload every series twice: the compactor merges their blocks by the replica label with
    // the penalty algorithm, the one docs/components/compact.md recommends for HA Prometheus pairs.
    // `compactor: { deduplicationReplicaLabels: [] }` turns it off.
    const dedup = this.prometheus.replicas > 1 ? { deduplicationReplicaLabels: [this.prometheus.replicaLabel] } : {};
    if (bucket && on(props.compactor)) {
      const { shards, ...compactor } = props.compactor ?? {};
      const base = { ...dedup, ...this.options(compactor) };
      const name = compactor.name ?? 'thanos-compact';
      if (shards?.length) {
        shards.forEach((shard, i) =>
          this.compactors.push(
            new ThanosCompactor(this, i === 0 ? 'Compactor' : `Compactor${i}`, { ...base, name: `${name}-${i}`, shard, objectStorage: bucket }),
          ),
        );
      } else {
        this.compactors.push(new ThanosCompactor(this, 'Compactor', { ...base, objectStorage: bucket }));
      }
      this.compactor = this.compactors[0];
    }
    if (bucket && on(props.bucketWeb)) this.bucketWeb = new ThanosBucketWeb(this, 'BucketWeb', { ...this.options(props.bucketWeb), objectStorage: bucket });
    const alertsOn = props.alerts?.enabled ?? true;
    let routing: StackRouting | undefined;
    if (on(props.alertmanager)) {
      routing = alertsOn ? stackRouting(props.alertmanager?.receivers, props.alertmanager?.route) : undefined;
      this.alertmanager = new Alertmanager(this, 'Alertmanager', { ...this.options(props.alertmanager), ...routing });
    }
    this.alertmanagers = [...(this.alertmanager ? [this.alertmanager] : []), ...(props.alertmanagers ?? [])];

    if (on(props.query)) {
      const query = new ThanosQuery(this, 'Query', { ...this.options(props.query) });
      this.query = query;
      if (on(props.queryFrontend)) {
        const results =
          preset && !(props.queryFrontend?.cache && props.queryFrontend?.labelsCache) ? cache('ResultsCache', 'memcached-results', preset.results) : undefined;
        const caches = results
          ? {
              cache: props.queryFrontend?.cache ?? ResultsCache.memcached(results),
              labelsCache: props.queryFrontend?.labelsCache ?? ResultsCache.memcached(results),
            }
          : {};
        this.queryFrontend = new ThanosQueryFrontend(this, 'QueryFrontend', { ...this.options(props.queryFrontend), ...caches, query });
      }
      if (on(props.ruler)) {
        this.ruler = new ThanosRuler(this, 'Ruler', {
          externalLabels: props.objectStorage ? this.sharedBucketRulerLabels(props) : undefined,
          // Alert `Source` links open the query UI users can reach.
          alertQueryUrl: this.queryFrontend?.ingressUrl ?? query.ingressUrl ?? this.queryFrontend?.queryUrl,
          ...this.options(props.ruler),
          query,
          alertmanagers: this.alertmanagers,
          objectStorage: bucket,
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
        if (!props.grafana?.dashboards) for (const d of componentDashboards(this.dashboardJobs(), GRAFANA_DATASOURCE_UID)) this.grafana.addDashboard(d);
      }
    }

    for (const am of this.alertmanagers) this.prometheus.addAlertmanager(am);
    for (const target of this.components.filter((c) => c !== this.prometheus)) this.prometheus.scrape(target);
    // Alerts need somewhere to go (Prometheus and the ruler refuse alerting rules without an Alertmanager),
    // except in operator mode, where the operator's Prometheus evaluates and sends them.
    const alertDestination = this.alertmanagers.length > 0 || props.prometheusOperator === true;
    if (alertsOn && !alertDestination) {
      warnAtSynth(this, () => 'the stack has no Alertmanager, so its own alerts are off: turn alertmanager on, or give alertmanagers');
    }
    if (alertsOn && alertDestination) {
      if (routing) warnAtSynth(this, () => unreachedReason(routing));
      this.alertThresholds = alertThresholds(props.alerts);
      if (props.prometheusOperator) this.operatorAlerts = new OperatorAlertSource(this, 'Alerts', 'thanos-stack-alerts');
      const { minio, seaweedfs, store, compactor, bucketWeb, alertmanager, query, queryFrontend, ruler } = this;
      const receive = this.receive && {
        router: this.receive,
        ingestors: this.receive.ingestors,
        replicationFactor: this.receive.replicationFactor,
        uploads: this.receive.ingestors.objectStorage !== undefined,
      };
      // With the stack's memcached clusters, the store gateway and frontend are their clients.
      const caches = { servers: this.caches, stores: store ? [store] : [], frontends: queryFrontend ? [queryFrontend] : [] };
      this.addPrometheusAlerts(this.prometheus);
      for (const g of componentGroups(
        {
          minio,
          seaweedfs,
          store,
          compactor,
          bucketWeb,
          alertmanager,
          query,
          queryFrontend,
          ruler,
          receive,
          caches,
          rulerAlerting: this.alertmanagers.length > 0,
        },
        this.alertThresholds,
      )) {
        this.alertSink(this.prometheus).addRuleGroup(g);
      }
      if (this.ruler) {
        this.availability = new AvailabilityGroup();
        this.availability.add(this.prometheus);
        this.alertSink(this.ruler).addRuleGroup(this.availability.group);
      }
    }
    if (props.prometheusOperator) {
      const ruleSources = [this.prometheus, ...(this.ruler ? [this.ruler] : []), ...(this.operatorAlerts ? [this.operatorAlerts] : [])];
      this.prometheusOperator = new PrometheusOperator(this, 'PrometheusOperator', { scrapeTargets: this.components, ruleSources });
    }

    validateWith(this, () => this.problems(props), { props, rules: { createNamespace: bool } });
  }

  /** How the stack's Prometheus servers ship samples: remote write to the Receive, or sidecar uploads to the bucket. */
  private shipping(): { objectStorage?: IObjectStorage; remoteWrite?: RemoteWrite } {
    return this.receive && this.remoteWrites ? { remoteWrite: RemoteWrite.to(this.receive) } : { objectStorage: this.objectStorage };
  }

  private get remoteWrites(): boolean {
    return this.props.receive?.prometheusRemoteWrite ?? true;
  }

  /**
   * On a bucket other installs may share, the ruler's default label set is only unique when it derives from
   * what the user chose: the Prometheus' labels, plus `ruler` so the sets differ.
   */
  private sharedBucketRulerLabels(props: ThanosStackProps): { [name: string]: string } | undefined {
    const chosen = props.prometheus?.externalLabels;
    return chosen ? { ...chosen, ruler: props.ruler?.name ?? 'thanos-rule' } : undefined;
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
    if (this.sharedBucket && !options.externalLabels) this.unchosenIdentities.push(`addPrometheus("${id}")`);
    const prometheus = new Prometheus(this, id, { name: `prometheus-${id.toLowerCase()}`, ...this.options(options), ...this.shipping() });
    for (const am of this.alertmanagers) prometheus.addAlertmanager(am);
    if (this.alertThresholds) this.addPrometheusAlerts(prometheus);
    this.availability?.add(prometheus);
    this.prometheusOperator?.addScrapeTarget(prometheus);
    this.prometheusOperator?.addRuleSource(prometheus);
    return prometheus;
  }

  /** The scrape job of each component, as the component dashboards select them. */
  private dashboardJobs() {
    const job = (c: IScrapeTarget | undefined) => c?.scrapeEndpoints[0].jobName;
    const [self, sidecar] = this.prometheus.scrapeEndpoints;
    return {
      prometheus: [self.jobName],
      sidecar: sidecar ? [sidecar.jobName] : [],
      query: job(this.query),
      queryFrontend: job(this.queryFrontend),
      store: job(this.store),
      compactor: job(this.compactor),
      ruler: job(this.ruler),
      bucketWeb: job(this.bucketWeb),
      minio: job(this.minio),
      seaweedfs: job(this.seaweedfs),
      receive: this.receive && { router: job(this.receive)!, ingestors: job(this.receive.ingestors)! },
      memcached: this.caches.map((c) => job(c)!),
      remoteWrite: this.prometheus.remoteWrite ? [self.jobName] : [],
    };
  }

  /** Where a rule about `evaluator`'s samples goes: the evaluator, or the operator's single PrometheusRule. */
  private alertSink(evaluator: IRuleGroupSink): IRuleGroupSink {
    return this.operatorAlerts ?? evaluator;
  }

  /** Each Prometheus evaluates the alerts about itself and its sidecar (it scrapes both). */
  private addPrometheusAlerts(prometheus: Prometheus): void {
    for (const g of perPrometheusGroups(prometheus, this.alertmanagers.length > 0, this.objectStorage !== undefined, this.alertThresholds!)) {
      this.alertSink(prometheus).addRuleGroup(g);
    }
  }

  /** Every component of the stack (the first Prometheus included), e.g. to generate ServiceMonitors. */
  public get components(): IScrapeTarget[] {
    return [
      this.prometheus,
      this.minio,
      this.seaweedfs,
      ...this.caches,
      this.receive,
      this.receive?.ingestors,
      this.store,
      ...this.compactors,
      this.bucketWeb,
      this.alertmanager,
      this.query,
      this.queryFrontend,
      this.ruler,
      this.grafana,
    ].filter((c): c is NonNullable<typeof c> => c !== undefined);
  }

  /**
   * The namespace, warning about and auditing pods that are not "restricted"; enforcing it only when asked,
   * since the namespace may already hold pods that need more.
   */
  private addNamespace(enforce: boolean): void {
    const name = namespaceOf(this)!;
    const modes = enforce ? ['enforce', 'warn', 'audit'] : ['warn', 'audit'];
    const namespace = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name,
        labels: {
          'app.kubernetes.io/part-of': PART_OF,
          'app.kubernetes.io/managed-by': MANAGED_BY,
          // `latest`: each cluster applies its own, current "restricted" profile (the admission default,
          // kubernetes.io "Enforce Pod Security Standards"). A pinned v1.27 would keep evaluating 1.27's
          // rules on a 1.36 cluster; the pods here meet the profile, so a rule added later should be heard.
          ...Object.fromEntries(
            modes.flatMap((m) => [
              [`pod-security.kubernetes.io/${m}`, 'restricted'],
              [`pod-security.kubernetes.io/${m}-version`, 'latest'],
            ]),
          ),
        },
      },
    });
    namespace.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    renderFirst(namespace);
  }

  /** Components explicitly switched on whose dependency is off. */
  private problems(props: ThanosStackProps): string[] {
    const problems: string[] = [];
    const ns = namespaceOf(this);
    if (ns && SYSTEM_NAMESPACES.includes(ns) && (props.createNamespace ?? true)) {
      problems.push(
        `namespace ${JSON.stringify(ns)} is not valid for a Namespace object: the stack would relabel a namespace the cluster owns (Pod Security "restricted" breaks its system pods, and deleting the stack deletes it); use a namespace of its own, or set createNamespace: false`,
      );
    }
    if (props.createNamespace && !namespaceOf(this)) {
      problems.push('createNamespace is true but the chart sets no namespace: give the chart a namespace or drop createNamespace');
    }
    if (props.enforcePodSecurity && !this.node.tryFindChild('Namespace')) {
      problems.push('enforcePodSecurity is true but the stack emits no Namespace: set createNamespace true, or drop enforcePodSecurity');
    }
    // A component that is off must not swallow what was given for it.
    const why: Array<[keyof ThanosStackProps, unknown, string, string]> = [
      ...inClusterWhy('minio', this.minio, InClusterObjectStore.MINIO, props),
      ...inClusterWhy('seaweedfs', this.seaweedfs, InClusterObjectStore.SEAWEEDFS, props),
      ...(['store', 'compactor', 'bucketWeb'] as const).map((k): [keyof ThanosStackProps, unknown, string, string] => [
        k,
        this[k],
        'there is no bucket',
        'give objectStorage or enable the in-cluster store',
      ]),
      ...(['queryFrontend', 'ruler', 'grafana'] as const).map((k): [keyof ThanosStackProps, unknown, string, string] => [
        k,
        this[k],
        'query is off and it needs the querier',
        'enable query',
      ]),
    ];
    for (const [key, component, reason, fix] of why) {
      const o = props[key] as ComponentSwitch | undefined;
      if (component || !o || o.enabled === false) continue;
      if (o.enabled) problems.push(`${key}.enabled is true but ${reason}: ${fix}, or drop ${key}`);
      else if (Object.keys(o).length) problems.push(`${key} options are set but ${key} is off because ${reason}: ${fix}, or drop them`);
    }
    // Defaults are the same in every install: on a bucket others may share they overlap blocks (#14.4).
    for (const who of this.unchosenIdentities) {
      problems.push(
        `${who} has no externalLabels, but objectStorage is a bucket other installs may share, and the default { cluster: "<name>" } is the same in each of them: their blocks would overlap and halt the compactor; set externalLabels that name this cluster, e.g. { cluster: "eu1" }`,
      );
    }
    if (this.sharedBucket && this.compactor && props.compactor?.enabled === undefined) {
      problems.push(
        `compactor.enabled is not set, but objectStorage ${this.objectStorage!.bucketId} may be shared by other clusters and exactly one compactor may run per bucket (two corrupt it; no single app sees them all): set compactor: { enabled: true } in the one cluster that compacts this bucket and { enabled: false } in every other`,
      );
    }
    if (props.objectStorageSecret && !this.minio && !this.seaweedfs) {
      problems.push(
        'objectStorageSecret is set but the in-cluster store is off, and only it reads the Secret: give credentials to the bucket given as objectStorage, or drop objectStorageSecret',
      );
    }
    if (props.caches && this.caches.length === 0) {
      problems.push(
        'caches is set but neither the store gateway nor the query frontend is on, so nothing would use memcached: turn one of them on, or drop caches',
      );
    }
    problems.push(...alertOptionProblems(props.alerts));
    if (props.grafanaAdminSecret && !this.grafana) {
      problems.push('grafanaAdminSecret is set but Grafana is off: drop grafanaAdminSecret or turn Grafana on');
    }
    return problems;
  }
}

/** Why an in-cluster store's options have no effect: an external bucket, or the other store chosen. */
function inClusterWhy(
  key: 'minio' | 'seaweedfs',
  component: unknown,
  store: InClusterObjectStore,
  props: ThanosStackProps,
): Array<[keyof ThanosStackProps, unknown, string, string]> {
  if (props.objectStorage) return [[key, component, 'objectStorage is given (the stack uses one bucket)', 'drop objectStorage']];
  return [
    [
      key,
      component,
      `inClusterObjectStore is ${props.inClusterObjectStore ?? InClusterObjectStore.MINIO}`,
      `set inClusterObjectStore: InClusterObjectStore.${store === InClusterObjectStore.MINIO ? 'MINIO' : 'SEAWEEDFS'}`,
    ],
  ];
}

/** Namespaces the cluster creates and owns. */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
