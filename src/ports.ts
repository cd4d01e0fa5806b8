/** Well-known ports, named as the container ports and Services name them. */
export const PORTS = {
  /** Thanos HTTP (metrics, probes, UI, query API) on every component. */
  thanosHttp: { name: 'http', port: 10902 },
  /** Thanos gRPC StoreAPI (sidecar, query, store, rule). */
  thanosGrpc: { name: 'grpc', port: 10901 },
  /** Prometheus UI, API and metrics. */
  prometheus: { name: 'web', port: 9090 },
  /** Alertmanager UI, API and metrics. */
  alertmanager: { name: 'web', port: 9093 },
  /** Alertmanager gossip between replicas. */
  alertmanagerCluster: { name: 'cluster', port: 9094 },
  /** Grafana UI and API. */
  grafana: { name: 'http', port: 3000 },
  /** MinIO S3 API. */
  minio: { name: 's3', port: 9000 },
  /** An external memcached (index and results caches), when an address gives no port. */
  memcached: { name: 'memcached', port: 11211 },
} as const;

/** A named container port. */
export interface NamedPort {
  /** Port name, as the container port and the Service name it. */
  readonly name: string;
  /** Port number. */
  readonly port: number;
}
