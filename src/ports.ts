/** Well-known ports, named as the container ports and Services name them. */
export const PORTS = {
  /** Thanos HTTP (metrics, probes, UI, query API) on every component. */
  thanosHttp: { name: 'http', port: 10902 },
  /** Thanos gRPC StoreAPI (sidecar, query, store, rule). */
  thanosGrpc: { name: 'grpc', port: 10901 },
  prometheus: { name: 'web', port: 9090 },
  alertmanager: { name: 'web', port: 9093 },
  alertmanagerCluster: { name: 'cluster', port: 9094 },
  grafana: { name: 'http', port: 3000 },
  minio: { name: 's3', port: 9000 },
  /** An external memcached (index and results caches), when an address gives no port. */
  memcached: { name: 'memcached', port: 11211 },
} as const;

/** A named container port. */
export interface NamedPort {
  readonly name: string;
  readonly port: number;
}
