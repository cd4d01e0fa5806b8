import { Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { Component } from '../private/component';
import { ComponentOptions, ExtraArgsOptions } from './component-options';
import { IScrapeTarget, ScrapeEndpoint, mixinJobName } from '../wiring/apis';
import { DEFAULT_IMAGES } from '../images';
import { IObjectStorage, bindObjectStorage } from '../wiring/object-storage';
import { PORTS, thanosServerArgs } from '../ports';
import { healthyReadyProbes } from '../private/probes';
import { PresetWorkload } from '../private/presets';
import { USERS } from '../private/security';
import { promDuration } from '../private/units';
import { componentRules, labelNameProblems, validateWith } from '../private/problems';
import { MAX_STATEFULSET_NAME, Part, invariantProblems, takePart } from '../private/invariants';
import * as g from '../private/grammar';
import { claimTemplate, configYaml, container, namespaceOf, service, serviceAccount, statefulSet } from '../private/kubernetes';

/** How the compactor merges the blocks of replicas it deduplicates (`--deduplication.func`). */
export enum DeduplicationFunc {
  /**
   * Penalty-based, as the querier deduplicates: for Prometheus HA replicas, whose samples have
   * different timestamps.
   */
  PENALTY = 'penalty',
  /** 1:1 merge of identical samples only: for blocks with precisely the same samples (Receive replication). */
  ONE_TO_ONE = 'one-to-one',
}

/**
 * The part of a bucket one compactor shard owns: the blocks whose external label `label` has one of
 * `values` (upstream's relabel-based sharding, `--selector.relabel-config` with `keep`). Shards of one
 * bucket must split on the same label with disjoint values, and together cover every source.
 */
export class CompactorShard {
  /** Blocks whose external label `label` is one of `values`, e.g. `byLabel('cluster', ['eu1', 'eu2'])`. */
  public static byLabel(label: string, values: string[]): CompactorShard {
    return new CompactorShard(label, [...values]);
  }

  private constructor(
    /** The external label the shards split on. */
    public readonly label: string,
    /** The values this shard owns. */
    public readonly values: string[],
  ) {}

  /** @internal `--selector.relabel-config` content: keep exactly these values (regexes anchored by Prometheus). */
  public _relabelConfig(): string {
    const regex = this.values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    return configYaml([{ action: 'keep', source_labels: [this.label], regex }]);
  }

  /** @internal */
  public _describe(): string {
    return `${this.label} in ${JSON.stringify(this.values)}`;
  }

  /** @internal */
  public _problems(): string[] {
    const problems = labelNameProblems('shard label', this.label);
    if (this.values.length === 0) problems.push(`shard on ${JSON.stringify(this.label)} has no values: it would compact nothing; give at least one value`);
    if (this.values.some((v) => !v))
      problems.push(`shard on ${JSON.stringify(this.label)} has an empty value: blocks without the label are not selected by it; give the label's values`);
    return problems;
  }
}

/**
 * Properties of `ThanosCompactor`.
 *
 * Defaults: name `thanos-compact`, raw data kept 30 days, 5m downsampled 90 days, 1h downsampled 365 days,
 * downsampling on, no offline deduplication, a 100 GiB volume.
 */
export interface ThanosCompactorOptions extends ComponentOptions, ExtraArgsOptions {
  /**
   * Name of the StatefulSet, Service, ServiceAccount and NetworkPolicy. Contains `thanos-compact` by default,
   * which the Thanos mixin's dashboards and alerts match.
   * @default 'thanos-compact'
   */
  readonly name?: string;
  /**
   * Must be 1: compactors take no lock on the bucket, and two corrupt it. Kept as a prop so a wrong value
   * is reported rather than silently ignored.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Compact only this shard of the bucket, so several compactors can share it (one per shard).
   * @default - the whole bucket: the only compactor on it
   */
  readonly shard?: CompactorShard;
  /**
   * How long raw samples are kept (`--retention.resolution-raw`). `Duration.seconds(0)` keeps them forever.
   * @default Duration.days(30)
   */
  readonly retentionRaw?: Duration;
  /**
   * How long 5-minute downsampled data is kept. `Duration.seconds(0)` keeps it forever.
   * @default Duration.days(90)
   */
  readonly retention5m?: Duration;
  /**
   * How long 1-hour downsampled data is kept. `Duration.seconds(0)` keeps it forever.
   * @default Duration.days(365)
   */
  readonly retention1h?: Duration;
  /**
   * Downsample to 5m and 1h resolution, what makes long-range queries fast (at roughly 3x the bucket size).
   * @default true
   */
  readonly downsampling?: boolean;
  /**
   * External labels that differ only between replicas (e.g. Prometheus' `replica`): blocks that differ only in
   * them are merged into one, irreversibly (`--deduplication.replica-label`, experimental). Use with care: only
   * for replicas that scraped identical targets; anything else merges unrelated series for good.
   * @default - no offline deduplication (the querier deduplicates at query time)
   */
  readonly deduplicationReplicaLabels?: string[];
  /**
   * Merge algorithm for `deduplicationReplicaLabels`.
   * @default DeduplicationFunc.PENALTY
   */
  readonly deduplicationFunc?: DeduplicationFunc;
  /**
   * Volume for the blocks being compacted: the compactor downloads whole blocks (up to two weeks of data per
   * group at the last compaction level), so size it at about twice the largest two-week block.
   * @default Size.gibibytes(100)
   */
  readonly storageSize?: Size;
  /**
   * Storage class of the volume.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
}

/** Properties of `ThanosCompactor`: its options plus what it is wired to. */
export interface ThanosCompactorProps extends ThanosCompactorOptions {
  /** The bucket to compact. Exactly one compactor may run per bucket. */
  readonly objectStorage: IObjectStorage;
}

const DEFAULTS = {
  name: 'thanos-compact',
  replicas: 1,
  retentionRaw: Duration.days(30),
  retention5m: Duration.days(90),
  retention1h: Duration.days(365),
  storageSize: Size.gibibytes(100),
} as const;

const DATA_DIR = '/var/thanos/compact';
/** Raw blocks are downsampled to 5m once they span 40h, 5m blocks to 1h once they span 10 days (Thanos refuses shorter retention). */
const DOWNSAMPLE_5M_AFTER = Duration.hours(40);
const DOWNSAMPLE_1H_AFTER = Duration.days(10);

/**
 * The Thanos compactor: compacts, downsamples and applies retention to the bucket. A singleton per
 * bucket, enforced across the app. It keeps running when it halts on a bad block
 * (`thanos_compact_halted` = 1): alert on that.
 */
export class ThanosCompactor extends Component implements IScrapeTarget {
  /** The bucket it compacts. */
  public readonly objectStorage: IObjectStorage;

  private readonly retentionRaw: Duration;
  private readonly retention5m: Duration;
  private readonly retention1h: Duration;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ThanosCompactorProps,
  ) {
    super(scope, id, {
      name: props.name ?? DEFAULTS.name,
      kind: 'thanos-compact',
      component: 'database-compactor',
      image: props.image ?? DEFAULT_IMAGES.thanos,
      networkPolicy: props.networkPolicy,
      exposure: props,
      preset: PresetWorkload.COMPACTOR,
      size: props.size,
      resources: props.resources,
      placement: props.placement,
      extraArgs: props.extraArgs,
    });
    this.objectStorage = props.objectStorage;
    takePart(this, Part.COMPACTOR);
    this.retentionRaw = props.retentionRaw ?? DEFAULTS.retentionRaw;
    this.retention5m = props.retention5m ?? DEFAULTS.retention5m;
    this.retention1h = props.retention1h ?? DEFAULTS.retention1h;

    const { image, labels, selector } = this;

    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    const storage = bindObjectStorage(props.objectStorage, this, sa, this.connections);
    const headless = service(this, 'Service', { name: this.name, labels, selector, headless: true, ports: [PORTS.thanosHttp] });

    const dedupLabels = props.deduplicationReplicaLabels ?? [];
    const dedupFunc = props.deduplicationFunc ?? DeduplicationFunc.PENALTY;
    const ownArgs = [
      'compact',
      '--wait',
      `--data-dir=${DATA_DIR}`,
      ...thanosServerArgs(false),
      ...storage.args,
      ...(props.shard ? [`--selector.relabel-config=${props.shard._relabelConfig()}`] : []),
      `--retention.resolution-raw=${promDuration(this.retentionRaw)}`,
      `--retention.resolution-5m=${promDuration(this.retention5m)}`,
      `--retention.resolution-1h=${promDuration(this.retention1h)}`,
      ...((props.downsampling ?? true) ? [] : ['--downsampling.disable']),
      ...dedupLabels.map((l) => `--deduplication.replica-label=${l}`),
      // An empty value selects the 1:1 merger.
      ...(dedupLabels.length && dedupFunc === DeduplicationFunc.PENALTY ? ['--deduplication.func=penalty'] : []),
    ];
    // SIGTERM cancels the compaction's context (cmd/thanos/compact.go): an in-flight compaction or downsampling is
    // abandoned, not finished, and a block whose upload was cut off has no meta.json, so queriers ignore it and a
    // later run deletes it (compact.BestEffortCleanAbortedPartialUploads). Only its HTTP server drains; nothing
    // but Prometheus connects to it, so there is no preStop drain.
    const shutdown = this._thanosShutdown(undefined, false);
    const compact = container({
      name: 'thanos-compact',
      image,
      user: USERS.nobody,
      args: [...ownArgs, ...this._extraArgs({ binary: 'thanos', command: 'compact' }, () => ownArgs)],
      ports: [PORTS.thanosHttp],
      env: storage.env,
      volumeMounts: [{ name: 'data', mountPath: DATA_DIR }, ...storage.volumeMounts],
      probes: healthyReadyProbes(PORTS.thanosHttp.name),
      resources: this.resources,
    });

    statefulSet(this, 'Resource', {
      name: this.name,
      // Never more than one, whatever `replicas` says (a wrong value fails validation).
      replicas: 1,
      serviceName: headless.name,
      orderedStart: true,
      labels,
      selector,
      user: USERS.nobody,
      serviceAccountName: sa.name,
      terminationGracePeriodSeconds: shutdown.graceSeconds,
      annotations: { 'checksum/objstore': storage.configChecksum },
      containers: [compact],
      volumes: storage.volumes,
      claims: [claimTemplate('data', props.storageSize ?? DEFAULTS.storageSize, selector, props.storageClassName)],
    });

    validateWith(this, () => this.problems(), {
      props,
      rules: componentRules({ retentionRaw: g.duration, retention5m: g.duration, retention1h: g.duration, downsampling: g.bool, storageSize: g.size }),
    });
  }

  /** Compactor metrics (including `thanos_compact_halted`). */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    return [{ jobName: mixinJobName(this.name, 'thanos-compact'), serviceName: this.name, namespace: namespaceOf(this), port: PORTS.thanosHttp }];
  }

  private problems(): string[] {
    const p = this.props;
    const replicas = p.replicas ?? DEFAULTS.replicas;
    const problems = [
      ...this._commonProblems({ maxNameLength: MAX_STATEFULSET_NAME }),
      ...(p.deduplicationReplicaLabels ?? []).flatMap((l) => labelNameProblems('deduplicationReplicaLabels entry', l)),
    ];
    if (replicas !== 1) {
      problems.push(
        `replicas ${replicas} is not allowed: compactors take no lock on the bucket, so anything but exactly one corrupts it or stops compaction; use replicas: 1`,
      );
    }
    problems.push(...(p.shard?._problems() ?? []), ...invariantProblems(this));
    if (p.deduplicationFunc && !p.deduplicationReplicaLabels?.length) {
      problems.push(
        'deduplicationFunc is set without deduplicationReplicaLabels: it has nothing to deduplicate; set the replica labels or drop deduplicationFunc',
      );
    }
    problems.push(...this.retentionProblems());
    return problems;
  }

  /** The shard of this bucket: disjoint from every other compactor's, and (checked once, by the first) covering every source. */
  public get shard(): CompactorShard | undefined {
    return this.props.shard;
  }

  /** Coarser resolutions must outlive finer ones, and Thanos refuses retention shorter than a downsampling step. */
  private retentionProblems(): string[] {
    if (!(this.props.downsampling ?? true)) return [];
    const problems: string[] = [];
    const forever = (d: Duration) => d.toMilliseconds() === 0;
    const ms = (d: Duration) => (forever(d) ? Infinity : d.toMilliseconds());
    const text = (d: Duration) => (forever(d) ? 'forever' : promDuration(d));
    const steps = [
      ['retentionRaw', this.retentionRaw],
      ['retention5m', this.retention5m],
      ['retention1h', this.retention1h],
    ] as const;
    for (let i = 1; i < steps.length; i++) {
      const [finer, finerValue] = steps[i - 1];
      const [coarser, coarserValue] = steps[i];
      if (ms(coarserValue) < ms(finerValue)) {
        problems.push(
          `${coarser} ${text(coarserValue)} is shorter than ${finer} ${text(finerValue)}: downsampled data would be deleted before the raw data it summarises; set ${coarser} to at least ${text(finerValue)}`,
        );
      }
    }
    for (const [prop, value, min, step] of [
      ['retentionRaw', this.retentionRaw, DOWNSAMPLE_5M_AFTER, '5m'],
      ['retention5m', this.retention5m, DOWNSAMPLE_1H_AFTER, '1h'],
    ] as const) {
      if (!forever(value) && value.toMilliseconds() < min.toMilliseconds()) {
        problems.push(
          `${prop} ${promDuration(value)} is shorter than ${promDuration(min)}, the block span after which ${step} downsampling happens: the compactor refuses to start; raise ${prop} to at least ${promDuration(min)} or set downsampling: false`,
        );
      }
    }
    return problems;
  }
}
