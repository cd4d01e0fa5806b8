/** A named container port. */
export interface NamedPort {
  /** Port name, as the container port and the Service name it. */
  readonly name: string;
  /** Port number. */
  readonly port: number;
}

/** The ports the stack uses, named as the container ports and Services name them. */
export interface WellKnownPorts {
  /** Thanos HTTP (metrics, probes, UI, query API) on every component. */
  readonly thanosHttp: NamedPort;
  /** Thanos gRPC StoreAPI (sidecar, query, store, rule). */
  readonly thanosGrpc: NamedPort;
  /** Prometheus UI, API and metrics. */
  readonly prometheus: NamedPort;
  /** Alertmanager UI, API and metrics. */
  readonly alertmanager: NamedPort;
  /** Alertmanager gossip between replicas. */
  readonly alertmanagerCluster: NamedPort;
  /** Grafana UI and API. */
  readonly grafana: NamedPort;
  /** MinIO S3 API. */
  readonly minio: NamedPort;
  /** SeaweedFS S3 API (`weed mini` default `-s3.port`). */
  readonly seaweedfs: NamedPort;
  /** SeaweedFS Prometheus metrics (`-metricsPort`, off unless set). */
  readonly seaweedfsMetrics: NamedPort;
  /** An external memcached (index and results caches), when an address gives no port. */
  readonly memcached: NamedPort;
  /** Thanos Receive remote-write (`/api/v1/receive`). */
  readonly receiveRemoteWrite: NamedPort;
}

/** Well-known ports. */
export const PORTS: WellKnownPorts = {
  thanosHttp: { name: 'http', port: 10902 },
  thanosGrpc: { name: 'grpc', port: 10901 },
  prometheus: { name: 'web', port: 9090 },
  alertmanager: { name: 'web', port: 9093 },
  alertmanagerCluster: { name: 'cluster', port: 9094 },
  grafana: { name: 'http', port: 3000 },
  minio: { name: 's3', port: 9000 },
  seaweedfs: { name: 's3', port: 8333 },
  seaweedfsMetrics: { name: 'metrics', port: 9327 },
  memcached: { name: 'memcached', port: 11211 },
  receiveRemoteWrite: { name: 'remote-write', port: 19291 },
};

/**
 * The listen flags every Thanos server takes. The Go memory limit comes from the `GOMEMLIMIT` env the
 * container builder sets (private/memory.ts), not from `--enable-auto-gomemlimit`, which would size it
 * from the cgroup without knowing what the caches reserve.
 * @internal
 */
export function thanosServerArgs(grpc: boolean): string[] {
  return [...(grpc ? [`--grpc-address=0.0.0.0:${PORTS.thanosGrpc.port}`] : []), `--http-address=0.0.0.0:${PORTS.thanosHttp.port}`];
}
