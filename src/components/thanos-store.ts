import { Size } from 'cdk8s';
import { ServiceType } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Component } from '../private/component';
import { ComponentOptions, ExtraArgsOptions } from './component-options';
import { IScrapeTarget, IStoreApi, ScrapeEndpoint, mixinJobName } from '../wiring/apis';
import { memcachedAddressProblems, memcachedEgress } from '../config/memcached';
import { GrpcServerTls, IGrpcTlsServer } from '../wiring/tls';
import { Discovery } from '../private/shutdown';
import { DEFAULT_IMAGES } from '../images';
import { Labels } from '../private/labels';
import { INetworkPeer } from '../wiring/connections';
import { IObjectStorage, bindObjectStorage } from '../wiring/object-storage';
import { PORTS, thanosServerArgs } from '../ports';
import { healthyReadyProbes } from '../private/probes';
import { PresetWorkload } from '../private/presets';
import { defaultCacheMiB, memoryFitProblems, workingMiB } from '../private/memory';
import { Resources } from '../config/resources';
import { USERS } from '../private/security';
import { sizeBytesText } from '../private/units';
import { componentRules, instanceOf, validateWith } from '../private/problems';
import { MAX_STATEFULSET_NAME, maxNameWith } from '../private/invariants';
import * as g from '../private/grammar';
import { claimTemplate, configYaml, container, emptyDir, namespaceOf, service, serviceAccount, serviceHost, statefulSet } from '../private/kubernetes';

/** Properties of `TimePartition.of`. */
export interface TimePartitionProps {
  /**
   * Oldest data served: RFC3339 (`2024-01-01T00:00:00Z`) or a duration relative to now (`-8w`; units ms, s, m, h, d, w, y).
   * @default - no lower bound
   */
  readonly minTime?: string;
  /**
   * Newest data served, same syntax as `minTime`.
   * @default - no upper bound
   */
  readonly maxTime?: string;
}

/**
 * A time range one set of store gateways serves (`--min-time`/`--max-time`), to split a large bucket
 * between StatefulSets. Ranges may overlap (upstream recommends a little overlap: the querier merges
 * duplicates), but must not leave gaps.
 */
export class TimePartition {
  /** A time range; omit a bound to leave it open. */
  public static of(props: TimePartitionProps): TimePartition {
    return new TimePartition(props.minTime, props.maxTime);
  }

  private constructor(
    /** Oldest data served, as given. */
    public readonly minTime?: string,
    /** Newest data served, as given. */
    public readonly maxTime?: string,
  ) {}

  /** @internal */
  public _args(): string[] {
    return [...(this.minTime ? [`--min-time=${this.minTime}`] : []), ...(this.maxTime ? [`--max-time=${this.maxTime}`] : [])];
  }

  /** @internal */
  public _describe(): string {
    return `{minTime: ${this.minTime ?? 'none'}, maxTime: ${this.maxTime ?? 'none'}}`;
  }
}

/** Options of `IndexCache.memcached`. */
export interface MemcachedIndexCacheOptions {
  /**
   * Memcached servers in Thanos DNS discovery syntax, e.g. `dnssrvnoa+_memcached._tcp.memcached.monitoring.svc`
   * (a headless Service) or `memcached-0.memcached.monitoring.svc:11211`.
   */
  readonly addresses: string[];
  /**
   * The memcached pods, for NetworkPolicy egress (pass a construct to open its NetworkPolicy too).
   * @default - derived from each address (a `<service>.<namespace>.svc` name selects that namespace), on its port (11211 for SRV addresses)
   */
  readonly networkPeer?: INetworkPeer;
}

/** The store gateway's index cache (postings and series). */
export class IndexCache {
  /** @internal The default: in memory, a quarter of the memory limit (upstream's own default is a fixed 250MiB). */
  public static _default(resources: Resources): IndexCache {
    return IndexCache.inMemory(Size.mebibytes(defaultCacheMiB(resources)));
  }

  /** A per-pod in-memory cache of at most `maxSize` (counts towards the container's memory). */
  public static inMemory(maxSize: Size): IndexCache {
    // A 0 MiB cache stops the store gateway from serving; a string from JavaScript is not a Size.
    const problems = g.size('indexCache in-memory maxSize', maxSize);
    return new IndexCache({ type: 'IN-MEMORY', config: { max_size: sizeBytesText(maxSize) } }, [], problems, problems.length ? undefined : maxSize);
  }

  /** A memcached cluster shared by every store pod. This library does not deploy memcached. */
  public static memcached(options: MemcachedIndexCacheOptions): IndexCache {
    const addresses = [...options.addresses];
    const problems = memcachedAddressProblems('indexCache memcached', addresses, options.networkPeer);
    return new IndexCache({ type: 'MEMCACHED', config: { addresses } }, memcachedEgress(addresses, options.networkPeer), problems);
  }

  private constructor(
    private readonly config: object,
    /** @internal */ public readonly _egress: Array<{ peer: INetworkPeer; port: number }>,
    /** @internal */ public readonly _problems: string[],
    /** @internal */ public readonly _inMemorySize?: Size,
  ) {}

  /** @internal */
  public _configYaml(): string {
    return configYaml(this.config);
  }
}

/** Options of `CachingBucket.memcached`. */
export interface MemcachedCachingBucketOptions {
  /** Memcached servers, as for `IndexCache.memcached` (e.g. `Memcached.addresses`). */
  readonly addresses: string[];
  /**
   * The memcached pods, for NetworkPolicy egress (pass a construct to open its NetworkPolicy too).
   * @default - any address, on the addresses' ports (11211 for SRV addresses)
   */
  readonly networkPeer?: INetworkPeer;
}

/**
 * The store gateway's caching bucket (`--store.caching-bucket.config`, hidden in v0.42.4 but read):
 * chunk sub-ranges, object attributes, block lists and `meta.json` files cached in front of the
 * bucket, with Thanos' default TTLs.
 */
export class CachingBucket {
  /** A memcached cluster shared by every store pod. */
  public static memcached(options: MemcachedCachingBucketOptions): CachingBucket {
    const addresses = [...options.addresses];
    return new CachingBucket(
      { type: 'MEMCACHED', config: { addresses } },
      memcachedEgress(addresses, options.networkPeer),
      memcachedAddressProblems('cachingBucket memcached', addresses),
    );
  }

  private constructor(
    private readonly config: object,
    /** @internal */ public readonly _egress: Array<{ peer: INetworkPeer; port: number }>,
    /** @internal */ public readonly _problems: string[],
  ) {}

  /** @internal */
  public _configYaml(): string {
    return configYaml(this.config);
  }
}

/**
 * Properties of `ThanosStore`.
 *
 * Defaults: name `thanos-store`, 1 shard x 2 replicas, an in-memory index cache and a chunk pool of a quarter
 * of the memory limit each, the lazy index-header reader, per-request series and sample limits, a 10 GiB volume.
 */
export interface ThanosStoreOptions extends ComponentOptions, ExtraArgsOptions {
  /**
   * Name of the Service, ServiceAccount and NetworkPolicy, and prefix of the StatefulSets
   * (`<name>`; with several partitions `<name>-t<partition>`, with several shards `-<shard>` appended).
   * @default 'thanos-store'
   */
  readonly name?: string;
  /**
   * Replicas per shard and time partition (each serves the same blocks; the querier fans out to all).
   * Two keep older data queryable through a restart or drain (with a PodDisruptionBudget); give 1 explicitly
   * for a single one.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Shards: blocks are split by `hashmod` of their ID, each shard a StatefulSet serving its part.
   * @default 1
   */
  readonly shards?: number;
  /**
   * Time ranges, each served by its own StatefulSets (times `shards`).
   * @default - one partition serving all time
   */
  readonly timePartitions?: TimePartition[];
  /**
   * Index cache.
   * @default - in memory, a quarter of the memory limit
   */
  readonly indexCache?: IndexCache;
  /**
   * Cache of chunks and metadata in front of the bucket.
   * @default - none: every chunk and meta file is read from the bucket
   */
  readonly cachingBucket?: CachingBucket;
  /**
   * `--chunk-pool-size`: the most chunk bytes all queries of a pod hold at once (queries beyond it fail).
   * @default - a quarter of the memory limit (upstream's 2GB would outgrow small pods)
   */
  readonly chunkPoolSize?: Size;
  /**
   * `--store.limits.request-series`: a Series call that touches more series fails instead of taking the pod down.
   * 0 means no limit.
   * @default - one series per KiB of the heap's working share (what a query may use beside the caches)
   */
  readonly seriesLimit?: number;
  /**
   * `--store.limits.request-samples` (counted as chunks of 120 samples upstream). 0 means no limit.
   * @default - what fits the chunk pool at 2 bytes per sample (Gorilla-encoded samples take about 1.4)
   */
  readonly samplesLimit?: number;
  /**
   * `--store.enable-index-header-lazy-reader`: map a block's index-header only when a query needs it, and
   * unmap it after idling, so memory grows with the blocks queried, not with the bucket.
   * @default true
   */
  readonly lazyIndexHeader?: boolean;
  /**
   * Volume per pod for index headers (about 1 MiB per block in the bucket).
   * @default Size.gibibytes(10)
   */
  readonly storageSize?: Size;
  /**
   * Storage class of the volume.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * Keep index headers in an `emptyDir` (sized `storageSize`) instead of a volume: no PVCs, at the cost of
   * rebuilding them from the bucket on every restart (slower start).
   * @default false
   */
  readonly ephemeralStorage?: boolean;
  /**
   * Type of an extra gRPC Service `<name>-grpc` over every shard, for queriers in other clusters
   * (LOAD_BALANCER or NODE_PORT). Queriers in the app use the headless Service.
   * @default - only the headless Service
   */
  readonly grpcServiceType?: ServiceType;
  /**
   * TLS on the gRPC server, for queriers in other clusters (with `grpcServiceType`). Queriers of
   * the app must not discover it (Thanos dials `dnssrv+` endpoints without per-endpoint TLS; synth
   * fails): give them its address(es) as `StoreEndpoint.staticAddress(..., { tls })` instead.
   * @default - plaintext gRPC
   */
  readonly grpcServerTls?: GrpcServerTls;
}

/** Properties of `ThanosStore`: its options plus what it is wired to. */
export interface ThanosStoreProps extends ThanosStoreOptions {
  /** The bucket to serve. */
  readonly objectStorage: IObjectStorage;
}

const DEFAULTS = {
  name: 'thanos-store',
  replicas: 2,
  shards: 1,
  lazyIndexHeader: true,
  storageSize: Size.gibibytes(10),
  // Not set, upstream defaults kept: `--consistency-delay=0s` (the sidecar uploads meta.json last, so a block is
  // never seen half-written, and S3/GCS/Azure are strongly consistent: flag help) and `--sync-block-duration=15m`
  // (a new block is served by the sidecar until the store picks it up: Prometheus keeps a day locally).
} as const;

const DATA_DIR = '/var/thanos/store';
const SHARD_LABEL = 'store.thanos.io/shard';
const PARTITION_LABEL = 'store.thanos.io/time-partition';

/**
 * The Thanos store gateway: serves the bucket's blocks over the StoreAPI. Optionally split into
 * shards (by block ID) and time partitions, each a StatefulSet; one headless Service `thanos-store`
 * selects them all, so a querier discovers every shard through one `dnssrv+` address.
 */
export class ThanosStore extends Component implements IStoreApi, IScrapeTarget, IGrpcTlsServer {
  /** Replicas per shard and partition. */
  public readonly replicas: number;
  /** Shard count. */
  public readonly shards: number;
  /** Names of the StatefulSets, one per time partition and shard. */
  public readonly statefulSetNames: string[] = [];
  public readonly storeApiAddress: string;
  public readonly storeApiPort = PORTS.thanosGrpc.port;
  /** Blocks carry their producers' replica labels; the store itself adds none. */
  public readonly replicaLabels: string[] = [];
  /** TLS of the gRPC server, if on. */
  public readonly grpcServerTls?: GrpcServerTls;

  private readonly partitions: TimePartition[];
  private readonly indexCache: IndexCache;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ThanosStoreProps,
  ) {
    super(scope, id, {
      name: props.name ?? DEFAULTS.name,
      kind: 'thanos-store',
      component: 'object-store-gateway',
      image: props.image ?? DEFAULT_IMAGES.thanos,
      networkPolicy: props.networkPolicy,
      exposure: props,
      preset: PresetWorkload.STORE,
      size: props.size,
      resources: props.resources,
      placement: props.placement,
      extraArgs: props.extraArgs,
    });
    this.replicas = props.replicas ?? DEFAULTS.replicas;
    this.shards = props.shards ?? DEFAULTS.shards;
    this.partitions = [...(props.timePartitions ?? [])];
    this.indexCache = props.indexCache ?? IndexCache._default(this.resources);
    this.storeApiAddress = `dnssrv+_grpc._tcp.${serviceHost(this, this.name)}`;
    this.grpcServerTls = props.grpcServerTls;

    const { image, labels, selector } = this;

    for (const e of [...this.indexCache._egress, ...(props.cachingBucket?._egress ?? [])]) this.connections.allowTo(e.peer, e.port);
    this.connections.allowFromOutside(props.grpcServiceType, PORTS.thanosGrpc.port);
    if (!props.grpcServerTls)
      this.connections.refuseUnprotectedExposure("the store gateway's plaintext StoreAPI (gRPC)", 'give grpcServerTls', props.grpcServiceType);
    const tls = props.grpcServerTls?._bind(this, 'gRPC server TLS of the Thanos store gateway');

    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    const storage = bindObjectStorage(props.objectStorage, this, sa, this.connections);
    // One Service over every shard and partition: the querier needs all of them.
    const headless = service(this, 'Service', { name: this.name, labels, selector, headless: true, ports: [PORTS.thanosGrpc, PORTS.thanosHttp] });
    if (props.grpcServiceType) {
      service(this, 'GrpcService', { name: `${this.name}-grpc`, labels, selector, type: props.grpcServiceType, ports: [PORTS.thanosGrpc] });
    }

    const partitions: Array<TimePartition | undefined> = this.partitions.length ? this.partitions : [undefined];
    const byPartition = this.partitions.length > 1;
    const byShard = this.shards > 1;
    partitions.forEach((partition, p) => {
      for (let s = 0; s < this.shards; s++) {
        const suffix = `${byPartition ? `-t${p}` : ''}${byShard ? `-${s}` : ''}`;
        const name = `${this.name}${suffix}`;
        const own: Labels = { ...(byPartition ? { [PARTITION_LABEL]: `t${p}` } : {}), ...(byShard ? { [SHARD_LABEL]: `shard-${s}` } : {}) };
        const stsLabels = { ...labels, ...own };
        const stsSelector = { ...selector, ...own };
        this.statefulSetNames.push(name);

        const ownArgs = [
          'store',
          `--data-dir=${DATA_DIR}`,
          ...thanosServerArgs(true),
          ...storage.args,
          `--index-cache.config=${this.indexCache._configYaml()}`,
          ...(this.props.cachingBucket ? [`--store.caching-bucket.config=${this.props.cachingBucket._configYaml()}`] : []),
          `--chunk-pool-size=${this.chunkPoolMiB}MiB`,
          ...((this.props.lazyIndexHeader ?? DEFAULTS.lazyIndexHeader) ? ['--store.enable-index-header-lazy-reader'] : []),
          `--store.limits.request-series=${this.seriesLimit}`,
          `--store.limits.request-samples=${this.samplesLimit}`,
          ...(byShard ? [`--selector.relabel-config=${shardSelector(s, this.shards)}`] : []),
          ...(partition?._args() ?? []),
          ...(tls?.args ?? []),
        ];
        // Queriers find it by dnssrv+ on the headless Service.
        const shutdown = this._thanosShutdown(Discovery.DNS, true);
        const store = container({
          name: 'thanos-store',
          image,
          user: USERS.nobody,
          args: [...ownArgs, ...this._extraArgs({ binary: 'thanos', command: 'store' }, () => ownArgs)],
          ports: [PORTS.thanosGrpc, PORTS.thanosHttp],
          env: storage.env,
          volumeMounts: [{ name: 'data', mountPath: DATA_DIR }, ...storage.volumeMounts, ...(tls ? [tls.volumeMount] : [])],
          // Ready only after the initial block sync, which can take minutes on a large bucket.
          probes: healthyReadyProbes(PORTS.thanosHttp.name, '/-/ready'),
          lifecycle: shutdown.lifecycle,
          resources: this.resources,
        });

        statefulSet(this, `Resource${suffix}`, {
          name,
          replicas: this.replicas,
          serviceName: headless.name,
          labels: stsLabels,
          selector: stsSelector,
          user: USERS.nobody,
          serviceAccountName: sa.name,
          terminationGracePeriodSeconds: shutdown.graceSeconds,
          annotations: { 'checksum/objstore': storage.configChecksum },
          containers: [store],
          volumes: [...(props.ephemeralStorage ? [emptyDir('data', this.storageSize)] : []), ...storage.volumes, ...(tls ? [tls.volume] : [])],
          claims: props.ephemeralStorage ? [] : [claimTemplate('data', this.storageSize, selector, props.storageClassName)],
        });
      }
    });

    validateWith(this, () => this.problems(), {
      props,
      rules: componentRules({
        storageSize: g.size,
        ephemeralStorage: g.bool,
        grpcServiceType: g.serviceType,
        indexCache: instanceOf(IndexCache, 'IndexCache.inMemory(Size.gibibytes(1))'),
      }),
    });
  }

  /** Metrics of every shard, through the shared Service. */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    return [{ jobName: mixinJobName(this.name, 'thanos-store'), serviceName: this.name, namespace: namespaceOf(this), port: PORTS.thanosHttp }];
  }

  private get chunkPoolMiB(): number {
    return this.props.chunkPoolSize?.toMebibytes() ?? defaultCacheMiB(this.resources);
  }

  private get seriesLimit(): number {
    return this.props.seriesLimit ?? workingMiB(this.resources) * 1024;
  }

  private get samplesLimit(): number {
    return this.props.samplesLimit ?? Math.floor((this.chunkPoolMiB * 1024 * 1024) / 2);
  }

  private get storageSize(): Size {
    return this.props.storageSize ?? DEFAULTS.storageSize;
  }

  private problems(): string[] {
    // The StatefulSet of the last partition and shard has the longest name.
    const longestSuffix = `${this.partitions.length > 1 ? `-t${this.partitions.length - 1}` : ''}${this.shards > 1 ? `-${this.shards - 1}` : ''}`;
    const problems = [
      ...this._commonProblems({
        maxNameLength: maxNameWith(longestSuffix, MAX_STATEFULSET_NAME),
        replicas: this.replicas,
        serviceTypes: { grpcServiceType: this.props.grpcServiceType },
      }),
      ...(Number.isInteger(this.shards) && this.shards >= 1 ? [] : [`shards ${this.shards} is not a valid shard count: use a whole number >= 1`]),
      ...this.indexCache._problems,
      ...(this.props.cachingBucket?._problems ?? []),
      ...partitionProblems(this.partitions),
      ...(this.props.grpcServerTls?._problems() ?? []),
      ...(this.props.ephemeralStorage && this.props.storageClassName
        ? ['storageClassName is set with ephemeralStorage, which uses no volume claim: drop one of them']
        : []),
    ];
    const cache = this.indexCache._inMemorySize;
    problems.push(
      ...memoryFitProblems('thanos-store', this.resources, [
        ...(cache ? [{ what: 'indexCache (in memory)', mib: cache.toMebibytes() }] : []),
        { what: 'chunk pool', mib: this.chunkPoolMiB },
      ]),
    );
    for (const [prop, v] of [
      ['seriesLimit', this.props.seriesLimit],
      ['samplesLimit', this.props.samplesLimit],
    ] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < 0)) problems.push(`${prop} ${v} is not a limit: use a whole number >= 0 (0: no limit)`);
    }
    return problems;
  }
}

/** Keeps the blocks whose ID hashes to `shard` (`__block_id` is the store's per-block relabel source). */
function shardSelector(shard: number, shards: number): string {
  return configYaml([
    { action: 'hashmod', source_labels: ['__block_id'], target_label: 'shard', modulus: shards },
    { action: 'keep', source_labels: ['shard'], regex: String(shard) },
  ]);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** Prometheus `model.Duration` (what Thanos parses after an optional leading `-`). */
const PROM_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/**
 * A Thanos `--min-time`/`--max-time` value as epoch milliseconds; relative values are taken from `now`
 * (the order of a relative and an absolute bound is checked as of synth time). Undefined if malformed.
 */
function thanosTime(value: string, now: number): number | undefined {
  if (RFC3339.test(value)) {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  const negative = value.startsWith('-');
  const body = negative ? value.slice(1) : value;
  if (body === '0') return now;
  const m = PROM_DURATION.exec(body);
  if (!body || !m) return undefined;
  const ms = m.slice(1).reduce((sum, v, i) => sum + (v ? Number(v) * DURATION_MS[i] : 0), 0);
  return now + (negative ? -ms : ms);
}

function partitionProblems(partitions: TimePartition[]): string[] {
  const now = Date.now();
  const problems: string[] = [];
  const ranges: Array<{ p: TimePartition; min: number; max: number }> = [];
  for (const p of partitions) {
    const bounds: number[] = [];
    for (const [prop, value, open] of [
      ['minTime', p.minTime, -Infinity],
      ['maxTime', p.maxTime, Infinity],
    ] as const) {
      const t = value === undefined ? open : thanosTime(value, now);
      if (t === undefined) {
        problems.push(
          `time partition ${prop} ${JSON.stringify(value)} is not a Thanos time: use RFC3339 (e.g. "2024-01-01T00:00:00Z") or a duration relative to now (e.g. "-8w", units ms s m h d w y)`,
        );
      } else {
        bounds.push(t);
      }
    }
    if (bounds.length < 2) continue;
    if (bounds[0] >= bounds[1]) {
      problems.push(`time partition ${p._describe()} is empty: minTime must be before maxTime`);
      continue;
    }
    ranges.push({ p, min: bounds[0], max: bounds[1] });
  }
  if (problems.length) return problems;
  // Overlaps are fine (the querier merges them); a gap is data no store serves.
  ranges.sort((a, b) => a.min - b.min);
  let covered = ranges.length ? ranges[0].max : -Infinity;
  for (let i = 1; i < ranges.length; i++) {
    const r = ranges[i];
    if (r.min > covered) {
      const before = ranges.slice(0, i).reduce((a, b) => (b.max > a.max ? b : a));
      problems.push(`time partitions ${before.p._describe()} and ${r.p._describe()} leave a gap no store serves: extend one so they meet or overlap`);
    }
    covered = Math.max(covered, r.max);
  }
  return problems;
}
