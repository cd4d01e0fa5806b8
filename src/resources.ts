import { Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-27';

/** Size presets for container resources; the README documents the table. */
export enum SizePreset {
  /** A demo or a small cluster (tens of targets). */
  SMALL = 'small',
  /** A production cluster of moderate size (hundreds of targets, ~1M series). */
  MEDIUM = 'medium',
  /** A large cluster or a global view over many (several million series). */
  LARGE = 'large',
}

/** The containers a preset covers. */
export enum PresetWorkload {
  /** The Prometheus container. */
  PROMETHEUS = 'prometheus',
  /** The Thanos sidecar next to Prometheus. */
  SIDECAR = 'sidecar',
  /** The querier. */
  QUERY = 'query',
  /** The query frontend. */
  QUERY_FRONTEND = 'queryFrontend',
  /** The store gateway. */
  STORE = 'store',
  /** The compactor. */
  COMPACTOR = 'compactor',
  /** The ruler. */
  RULER = 'ruler',
  /** The bucket web UI. */
  BUCKET_WEB = 'bucketWeb',
  /** Alertmanager. */
  ALERTMANAGER = 'alertmanager',
  /** Grafana. */
  GRAFANA = 'grafana',
  /** The MinIO server. */
  MINIO = 'minio',
  /** One-shot Jobs (the MinIO bucket creation). */
  JOB = 'job',
}

/** [CPU millicores requested, memory MiB requested] per workload and preset. Limits: memory x2, no CPU limit. */
export const RESOURCE_PRESETS: Record<PresetWorkload, Record<SizePreset, readonly [number, number]>> = {
  prometheus: { small: [250, 1024], medium: [1000, 4096], large: [2000, 16384] },
  sidecar: { small: [50, 128], medium: [100, 256], large: [200, 512] },
  query: { small: [100, 256], medium: [500, 1024], large: [1000, 4096] },
  queryFrontend: { small: [50, 128], medium: [200, 512], large: [500, 1024] },
  store: { small: [100, 512], medium: [500, 2048], large: [1000, 8192] },
  compactor: { small: [100, 512], medium: [500, 2048], large: [1000, 4096] },
  ruler: { small: [50, 256], medium: [200, 512], large: [500, 2048] },
  bucketWeb: { small: [20, 64], medium: [50, 128], large: [100, 256] },
  alertmanager: { small: [20, 64], medium: [50, 128], large: [100, 256] },
  grafana: { small: [50, 256], medium: [200, 512], large: [500, 1024] },
  minio: { small: [100, 256], medium: [500, 1024], large: [1000, 2048] },
  job: { small: [10, 32], medium: [10, 32], large: [10, 32] },
};

/** Properties of `Resources.of`. */
export interface ResourcesProps {
  /** CPU request. */
  readonly cpu: Cpu;
  /** Memory request. */
  readonly memory: Size;
  /**
   * Memory limit.
   * @default - twice the memory request
   */
  readonly memoryLimit?: Size;
  /**
   * CPU limit.
   * @default - none: CPU limits throttle Go programs and cause latency spikes
   */
  readonly cpuLimit?: Cpu;
}

/** Requests and limits of one container. Always has requests and a memory limit. */
export class Resources {
  /** Explicit requests and limits. */
  public static of(props: ResourcesProps): Resources {
    return new Resources(props.cpu.amount, props.memory.toMebibytes(), props.memoryLimit?.toMebibytes(), props.cpuLimit?.amount);
  }

  /** The preset for a workload. */
  public static preset(workload: PresetWorkload, size: SizePreset): Resources {
    const [cpu, memory] = RESOURCE_PRESETS[workload][size];
    return new Resources(`${cpu}m`, memory);
  }

  private constructor(
    private readonly cpu: string,
    private readonly memoryMi: number,
    private readonly memoryLimitMi?: number,
    private readonly cpuLimit?: string,
  ) {}

  /** @internal */
  public _toKube(): k8s.ResourceRequirements {
    return {
      requests: { cpu: k8s.Quantity.fromString(this.cpu), memory: k8s.Quantity.fromString(`${this.memoryMi}Mi`) },
      limits: {
        memory: k8s.Quantity.fromString(`${this.memoryLimitMi ?? this.memoryMi * 2}Mi`),
        ...(this.cpuLimit ? { cpu: k8s.Quantity.fromString(this.cpuLimit) } : {}),
      },
    };
  }

  /** @internal The memory limit in MiB. */
  public _memoryLimitMiB(): number {
    return this.memoryLimitMi ?? this.memoryMi * 2;
  }

  /**
   * Problems with these values (a limit under its request).
   * @internal
   */
  public _problems(): string[] {
    if (this.memoryLimitMi !== undefined && this.memoryLimitMi < this.memoryMi) {
      return [`memory limit ${this.memoryLimitMi}Mi is below the request ${this.memoryMi}Mi; raise memoryLimit to at least the request`];
    }
    return [];
  }
}

/**
 * @internal An in-memory cache counts towards its container's memory: at the limit, the pod is
 * OOM-killed once the cache fills.
 */
export function cacheFitsProblems(what: string, cacheMiB: number, resources: Resources): string[] {
  const limit = resources._memoryLimitMiB();
  return cacheMiB < limit ? [] : [`${what} ${cacheMiB}MiB is not below the container memory limit ${limit}Mi: the pod would be OOM-killed once the cache fills; lower the cache size or raise resources`];
}
