import { Duration, Size } from 'cdk8s';
import { ServiceType, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Component } from '../private/component';
import { IngressOptions, addIngress } from '../wiring/ingress';
import { ComponentOptions, ExtraArgsOptions } from './component-options';
import { IQueryApi, IScrapeTarget, ScrapeEndpoint, mixinJobName } from '../wiring/apis';
import { memcachedAddressProblems, memcachedEgress } from '../config/memcached';
import { Discovery } from '../private/shutdown';
import { DEFAULT_IMAGES } from '../images';
import { INetworkPeer } from '../wiring/connections';
import { PORTS, thanosServerArgs } from '../ports';
import { healthyReadyProbes } from '../private/probes';
import { SizePreset } from '../config/resources';
import { PresetWorkload } from '../private/presets';
import { defaultCacheMiB, memoryFitProblems } from '../private/memory';
import { USERS } from '../private/security';
import { goDuration, sizeBytesText } from '../private/units';
import { componentRules, validateWith } from '../private/problems';
import * as g from '../private/grammar';
import { checksum, configMapVolume, configYaml, container, deployment, namespaceOf, service, serviceAccount, serviceHost } from '../private/kubernetes';

/** Options of `ResultsCache.memcached`. */
export interface MemcachedResultsCacheOptions {
  /**
   * Memcached servers: `host:port`, or `dnssrv+_memcached._tcp.<service>.<namespace>.svc` for every
   * pod of a headless Service.
   */
  readonly addresses: string[];
  /**
   * How long cached results live.
   * @default - Thanos' default, 24 hours
   */
  readonly expiration?: Duration;
  /**
   * The servers, for NetworkPolicy egress (pass a construct to open its NetworkPolicy too).
   * @default - derived from each address (a `<service>.<namespace>.svc` name selects that namespace), on its port (11211 for SRV addresses)
   */
  readonly networkPeer?: INetworkPeer;
}

/** Where the frontend caches range-query results. */
export class ResultsCache {
  /**
   * A FIFO cache in each replica's memory: nothing to run, but each replica warms its own. It counts
   * towards the container's memory: with the frontend's other caches it must leave the Go runtime its
   * working share of the memory limit (synth fails otherwise).
   * @param maxSize @default - a share of the frontend's memory limit (a quarter for results, an eighth for labels)
   */
  public static inMemory(maxSize?: Size): ResultsCache {
    return new ResultsCache('IN-MEMORY', maxSize);
  }

  /** Memcached, shared by every replica and kept across rollouts. */
  public static memcached(options: MemcachedResultsCacheOptions): ResultsCache {
    return new ResultsCache('MEMCACHED', undefined, options);
  }

  private constructor(
    /**
     * The Thanos cache type (`IN-MEMORY` or `MEMCACHED`).
     * @jsii suppress reserved-word
     */
    public readonly type: string,
    private readonly maxSize?: Size,
    private readonly memcachedOptions?: MemcachedResultsCacheOptions,
  ) {}

  /** @internal This cache, an in-memory one without a size sized `defaultMiB`. */
  public _sized(defaultMiB: number): ResultsCache {
    return this.type === 'IN-MEMORY' && !this.maxSize ? new ResultsCache(this.type, Size.mebibytes(defaultMiB)) : this;
  }

  /** @internal `--query-range.response-cache-config` content. */
  public _toYaml(): object {
    const m = this.memcachedOptions;
    if (!m) {
      // Items and validity stay unlimited: the byte size bounds the cache.
      const kib = this.maxSize!.toKibibytes();
      return { type: this.type, config: { max_size: kib % 1024 === 0 ? sizeBytesText(this.maxSize!) : `${kib}KiB` } };
    }
    return { type: this.type, config: { addresses: [...m.addresses], ...(m.expiration ? { expiration: goDuration(m.expiration) } : {}) } };
  }

  /** @internal Where the cache is, for NetworkPolicy egress. */
  public _egress(): Array<{ peer: INetworkPeer; port: number }> {
    const m = this.memcachedOptions;
    return m ? memcachedEgress(m.addresses, m.networkPeer) : [];
  }

  /** @internal The in-memory size in MiB, if in memory. */
  public _inMemoryMiB(): number | undefined {
    return this.maxSize ? this.maxSize.toKibibytes() / 1024 : undefined;
  }

  /** @internal */
  public _problems(): string[] {
    const problems: string[] = [];
    if (this.maxSize) {
      if (this.maxSize.toKibibytes() <= 0) problems.push('results cache size 0 disables the cache: give a size, e.g. Size.mebibytes(512)');
    }
    const m = this.memcachedOptions;
    if (m) problems.push(...memcachedAddressProblems('memcached results cache', m.addresses, m.networkPeer));
    return problems;
  }
}

/** Options of `ThanosQueryFrontend`: everything but its wiring (what `ThanosStack` derives). */
export interface ThanosQueryFrontendOptions extends ComponentOptions, ExtraArgsOptions {
  /**
   * Name of the Deployment, Service, ConfigMap and ServiceAccount.
   * @default 'thanos-query-frontend'
   */
  readonly name?: string;
  /**
   * Replicas (stateless; spread over nodes and zones, with a PodDisruptionBudget).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * `--query-range.split-interval`: range queries are split into pieces this long, run in parallel
   * and cached one by one.
   * @default Duration.hours(24)
   */
  readonly splitInterval?: Duration;
  /**
   * Where results are cached (`--query-range.response-cache-config-file`).
   * @default ResultsCache.inMemory() - a quarter of the memory limit
   */
  readonly cache?: ResultsCache;
  /**
   * Where label and series results are cached (`--labels.response-cache-config-file`): Grafana's variable
   * queries hit it on every dashboard load.
   * @default ResultsCache.inMemory() - an eighth of the memory limit
   */
  readonly labelsCache?: ResultsCache;
  /**
   * `--query-range.max-query-length`: a longer range query is refused instead of fanning out over years of blocks.
   * @default Duration.days(366) - a year-over-year panel still works
   */
  readonly maxQueryLength?: Duration;
  /**
   * `--query-frontend.log-queries-longer-than`: the slow-query log.
   * @default Duration.seconds(10) - as kube-thanos
   */
  readonly slowQueryThreshold?: Duration;
  /**
   * `--query-frontend.compress-responses`: gzip responses to clients that accept it (Grafana does).
   * @default true
   */
  readonly compressResponses?: boolean;
  /**
   * Type of the Service.
   * @default ServiceType.CLUSTER_IP
   */
  readonly serviceType?: ServiceType;
  /**
   * An Ingress for its UI and query API (class and host yours, TLS from a Secret reference); its
   * NetworkPolicy admits the controller's pods.
   * @default - no Ingress
   */
  readonly ingress?: IngressOptions;
}

/** Properties of `ThanosQueryFrontend`: its options plus what it is wired to. */
export interface ThanosQueryFrontendProps extends ThanosQueryFrontendOptions {
  /** The query API it splits, caches and forwards to (`--query-frontend.downstream-url`): a querier. */
  readonly query: IQueryApi;
}

const DEFAULTS = {
  name: 'thanos-query-frontend',
  replicas: 2,
  splitInterval: Duration.hours(24),
  serviceType: ServiceType.CLUSTER_IP,
  size: SizePreset.SMALL,
  /** Shares of the memory limit for in-memory caches left unsized: 3/8 together, within the 1/2 budget. */
  resultsCacheShare: 0.25,
  labelsCacheShare: 0.125,
  maxQueryLength: Duration.days(366),
  slowQueryThreshold: Duration.seconds(10),
  compressResponses: true,
} as const;

const CONFIG_DIR = '/etc/thanos/query-frontend';
const CACHE_FILE = 'response-cache.yaml';
const LABELS_CACHE_FILE = 'labels-cache.yaml';
/** The Thanos mixin selects the frontend's job by this substring. */
const MIXIN_JOB = 'thanos-query-frontend';

/**
 * The Thanos query frontend: splits long range queries, caches results and retries, in front of a
 * querier. Grafana points here. It is ready only while its downstream is (it polls the downstream's
 * `/-/ready`), so a broken querier shows as an unready frontend rather than failing queries.
 */
export class ThanosQueryFrontend extends Component implements IQueryApi, IScrapeTarget {
  /** Replica count. */
  public readonly replicas: number;
  public readonly queryUrl: string;
  public readonly queryPort = PORTS.thanosHttp.port;
  /** The URL its Ingress serves, when it has one. */
  public readonly ingressUrl?: string;

  private readonly cache: ResultsCache;
  private readonly labelsCache: ResultsCache;
  private readonly splitInterval: Duration;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ThanosQueryFrontendProps,
  ) {
    super(scope, id, {
      name: props.name ?? DEFAULTS.name,
      kind: 'thanos-query-frontend',
      component: 'query-cache',
      image: props.image ?? DEFAULT_IMAGES.thanos,
      networkPolicy: props.networkPolicy,
      exposure: props,
      preset: PresetWorkload.QUERY_FRONTEND,
      size: props.size,
      resources: props.resources,
      placement: props.placement,
      extraArgs: props.extraArgs,
    });
    this.replicas = props.replicas ?? DEFAULTS.replicas;
    this.cache = (props.cache ?? ResultsCache.inMemory())._sized(defaultCacheMiB(this.resources, DEFAULTS.resultsCacheShare));
    this.labelsCache = (props.labelsCache ?? ResultsCache.inMemory())._sized(defaultCacheMiB(this.resources, DEFAULTS.labelsCacheShare));
    this.splitInterval = props.splitInterval ?? DEFAULTS.splitInterval;
    this.queryUrl = `http://${serviceHost(this, this.name)}:${PORTS.thanosHttp.port}`;

    const { image, labels, selector } = this;
    const serviceType = props.serviceType ?? DEFAULTS.serviceType;

    this.connections.allowTo(props.query, props.query.queryPort);
    for (const e of [...this.cache._egress(), ...this.labelsCache._egress()]) this.connections.allowTo(e.peer, e.port);
    this.connections.allowFromOutside(serviceType, PORTS.thanosHttp.port);

    const cacheConfig = configYaml(this.cache._toYaml());
    const labelsCacheConfig = configYaml(this.labelsCache._toYaml());
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${this.name}-config`, labels },
      data: { [CACHE_FILE]: cacheConfig, [LABELS_CACHE_FILE]: labelsCacheConfig },
    });

    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    service(this, 'Service', { name: this.name, labels, selector, type: serviceType, ports: [PORTS.thanosHttp] });
    if (props.ingress)
      this.ingressUrl = addIngress(this, { connections: this.connections, serviceName: this.name, labels, port: PORTS.thanosHttp }, props.ingress);

    const ownArgs = [
      'query-frontend',
      ...thanosServerArgs(false),
      `--query-frontend.downstream-url=${props.query.queryUrl}`,
      `--query-range.split-interval=${goDuration(this.splitInterval)}`,
      `--query-range.response-cache-config-file=${CONFIG_DIR}/${CACHE_FILE}`,
      `--labels.response-cache-config-file=${CONFIG_DIR}/${LABELS_CACHE_FILE}`,
      `--query-range.max-query-length=${goDuration(props.maxQueryLength ?? DEFAULTS.maxQueryLength)}`,
      `--query-frontend.log-queries-longer-than=${goDuration(props.slowQueryThreshold ?? DEFAULTS.slowQueryThreshold)}`,
      ...((props.compressResponses ?? DEFAULTS.compressResponses) ? ['--query-frontend.compress-responses'] : []),
    ];
    // Grafana reaches it through its ClusterIP Service; it has no gRPC server.
    const shutdown = this._thanosShutdown(Discovery.SERVICE, false);
    const frontend = container({
      name: 'thanos-query-frontend',
      image,
      user: USERS.nobody,
      args: [...ownArgs, ...this._extraArgs({ binary: 'thanos', command: 'query-frontend' }, () => ownArgs)],
      ports: [PORTS.thanosHttp],
      volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }],
      probes: healthyReadyProbes(PORTS.thanosHttp.name),
      lifecycle: shutdown.lifecycle,
      resources: this.resources,
    });

    deployment(this, 'Resource', {
      name: this.name,
      replicas: this.replicas,
      labels,
      selector,
      user: USERS.nobody,
      serviceAccountName: sa.name,
      terminationGracePeriodSeconds: shutdown.graceSeconds,
      annotations: { 'checksum/config': checksum(cacheConfig, labelsCacheConfig) },
      containers: [frontend],
      volumes: [configMapVolume('config', `${this.name}-config`)],
    });

    validateWith(this, () => this.problems(), { props, rules: componentRules({ splitInterval: g.duration }) });
  }

  /** The frontend's metrics endpoint; the job name contains `thanos-query-frontend` for the mixin. */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    const jobName = mixinJobName(this.name, MIXIN_JOB);
    return [{ jobName, serviceName: this.name, namespace: namespaceOf(this), port: PORTS.thanosHttp }];
  }

  private problems(): string[] {
    const p = this.props;
    const problems = [
      ...this._commonProblems({ replicas: this.replicas, serviceTypes: { serviceType: p.serviceType } }),
      ...this.cache._problems(),
      ...this.labelsCache._problems(),
      ...memoryFitProblems(
        'thanos-query-frontend',
        this.resources,
        [
          { what: 'cache (in memory)', mib: this.cache._inMemoryMiB() ?? 0 },
          { what: 'labelsCache (in memory)', mib: this.labelsCache._inMemoryMiB() ?? 0 },
        ].filter((c) => c.mib > 0),
      ),
    ];
    if (this.splitInterval.toMilliseconds() <= 0) {
      problems.push('splitInterval 0 is not allowed: the results cache needs queries split; use e.g. Duration.hours(24)');
    }
    return problems;
  }
}
