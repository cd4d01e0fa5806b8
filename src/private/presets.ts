import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { Resources, SizePreset } from '../config/resources';

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
  /** The Receive router (stateless forwarding). */
  RECEIVE_ROUTER = 'receiveRouter',
  /** A Receive ingestor (a TSDB head per tenant). */
  RECEIVE_INGESTOR = 'receiveIngestor',
  /** The bucket web UI. */
  BUCKET_WEB = 'bucketWeb',
  /** Alertmanager. */
  ALERTMANAGER = 'alertmanager',
  /** Grafana. */
  GRAFANA = 'grafana',
  /** The MinIO server. */
  MINIO = 'minio',
  /** The SeaweedFS server (master, volume, filer and S3 in one process). */
  SEAWEEDFS = 'seaweedfs',
  /** One-shot Jobs (the MinIO bucket creation). */
  JOB = 'job',
}

/** [CPU millicores requested, memory MiB requested] per workload and preset. Limits: memory x2, no CPU limit. */
export const RESOURCE_PRESETS: { readonly [W in PresetWorkload]: { readonly [S in SizePreset]: readonly [number, number] } } = {
  prometheus: { small: [250, 1024], medium: [1000, 4096], large: [2000, 16384] },
  sidecar: { small: [50, 128], medium: [100, 256], large: [200, 512] },
  query: { small: [100, 256], medium: [500, 1024], large: [1000, 4096] },
  queryFrontend: { small: [50, 128], medium: [200, 512], large: [500, 1024] },
  store: { small: [100, 512], medium: [500, 2048], large: [1000, 8192] },
  compactor: { small: [100, 512], medium: [500, 2048], large: [1000, 4096] },
  ruler: { small: [50, 256], medium: [200, 512], large: [500, 2048] },
  receiveRouter: { small: [100, 256], medium: [500, 512], large: [1000, 1024] },
  receiveIngestor: { small: [250, 1024], medium: [1000, 4096], large: [2000, 16384] },
  bucketWeb: { small: [20, 64], medium: [50, 128], large: [100, 256] },
  alertmanager: { small: [20, 64], medium: [50, 128], large: [100, 256] },
  grafana: { small: [50, 256], medium: [200, 512], large: [500, 1024] },
  minio: { small: [100, 256], medium: [500, 1024], large: [1000, 2048] },
  seaweedfs: { small: [100, 256], medium: [500, 1024], large: [1000, 2048] },
  job: { small: [10, 32], medium: [10, 32], large: [10, 32] },
};

/** The preset requests of a workload (limits: memory x2, no CPU limit). */
export function presetResources(workload: PresetWorkload, size: SizePreset): Resources {
  // An unknown size (a string from JavaScript) falls back to SMALL: its grammar problem fails synth.
  const [cpu, memory] = RESOURCE_PRESETS[workload][size] ?? RESOURCE_PRESETS[workload][SizePreset.SMALL];
  return Resources.of({ cpu: Cpu.millis(cpu), memory: Size.mebibytes(memory) });
}

/**
 * An in-memory cache counts towards its container's memory: at the limit, the pod is
 * OOM-killed once the cache fills.
 */
export function cacheFitsProblems(what: string, cacheMiB: number, resources: Resources): string[] {
  const limit = resources._memoryLimitMiB();
  return cacheMiB < limit ? [] : [`${what} ${cacheMiB}MiB is not below the container memory limit ${limit}Mi: the pod would be OOM-killed once the cache fills; lower the cache size or raise resources`];
}

/** The stack's memcached clusters by `caches` preset: [servers, cache MiB per server]. */
export const CACHE_PRESETS: { readonly [S in SizePreset]: { readonly index: readonly [number, number]; readonly bucket: readonly [number, number]; readonly results: readonly [number, number] } } = {
  small: { index: [1, 512], bucket: [1, 1024], results: [1, 256] },
  medium: { index: [2, 2048], bucket: [2, 4096], results: [2, 1024] },
  large: { index: [3, 8192], bucket: [3, 8192], results: [2, 2048] },
};
