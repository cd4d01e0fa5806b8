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
  /** The config-reloader sidecar of the ruler. */
  CONFIG_RELOADER = 'configReloader',
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

/**
 * [CPU millicores requested, memory MiB requested and limited] per workload and preset; no CPU limit.
 * Memory request = limit (each row is the limit the previous presets allowed, now also reserved): every
 * component is a Go server whose GOMEMLIMIT lets its heap grow to 90% of the limit by design, so a request
 * below the limit would place it above its request, first in line for eviction under node memory pressure
 * (the kubelet ranks pods by usage above request).
 */
export const RESOURCE_PRESETS: { readonly [W in PresetWorkload]: { readonly [S in SizePreset]: readonly [number, number] } } = {
  prometheus: { small: [250, 2048], medium: [1000, 8192], large: [2000, 32768] },
  sidecar: { small: [50, 256], medium: [100, 512], large: [200, 1024] },
  query: { small: [100, 512], medium: [500, 2048], large: [1000, 8192] },
  queryFrontend: { small: [50, 256], medium: [200, 1024], large: [500, 2048] },
  store: { small: [100, 1024], medium: [500, 4096], large: [1000, 16384] },
  compactor: { small: [100, 1024], medium: [500, 4096], large: [1000, 8192] },
  ruler: { small: [50, 512], medium: [200, 1024], large: [500, 4096] },
  // prometheus-operator's defaults for its config-reloader (10m, 50Mi): it only hashes a few files.
  receiveRouter: { small: [100, 512], medium: [500, 1024], large: [1000, 2048] },
  receiveIngestor: { small: [250, 2048], medium: [1000, 8192], large: [2000, 32768] },
  configReloader: { small: [10, 50], medium: [10, 50], large: [10, 50] },
  bucketWeb: { small: [20, 128], medium: [50, 256], large: [100, 512] },
  alertmanager: { small: [20, 128], medium: [50, 256], large: [100, 512] },
  grafana: { small: [50, 512], medium: [200, 1024], large: [500, 2048] },
  minio: { small: [100, 512], medium: [500, 2048], large: [1000, 4096] },
  seaweedfs: { small: [100, 512], medium: [500, 2048], large: [1000, 4096] },
  job: { small: [10, 64], medium: [10, 64], large: [10, 64] },
};

/** The preset resources of a workload (memory request = limit, no CPU limit). */
export function presetResources(workload: PresetWorkload, size: SizePreset): Resources {
  // An unknown size (a string from JavaScript) falls back to SMALL: its grammar problem fails synth.
  const [cpu, memory] = RESOURCE_PRESETS[workload][size] ?? RESOURCE_PRESETS[workload][SizePreset.SMALL];
  return Resources.of({ cpu: Cpu.millis(cpu), memory: Size.mebibytes(memory) });
}

/** The stack's memcached clusters by `caches` preset: [servers, cache MiB per server]. */
export const CACHE_PRESETS: {
  readonly [S in SizePreset]: {
    readonly index: readonly [number, number];
    readonly bucket: readonly [number, number];
    readonly results: readonly [number, number];
  };
} = {
  small: { index: [1, 512], bucket: [1, 1024], results: [1, 256] },
  medium: { index: [2, 2048], bucket: [2, 4096], results: [2, 1024] },
  large: { index: [3, 8192], bucket: [3, 8192], results: [2, 2048] },
};
