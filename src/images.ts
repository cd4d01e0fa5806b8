/** The container images of the stack, one per program (see `DEFAULT_IMAGES` for the pinned ones). */
export interface ContainerImages {
  /** Prometheus. */
  readonly prometheus: string;
  /** Thanos (every Thanos component and the sidecar). */
  readonly thanos: string;
  /** Alertmanager. */
  readonly alertmanager: string;
  /** Grafana. */
  readonly grafana: string;
  /** prometheus-operator's config reloader (the ruler's sidecar). */
  readonly configReloader: string;
  /** MinIO server. */
  readonly minio: string;
  /** MinIO client (bucket creation). */
  readonly minioClient: string;
  /** SeaweedFS. */
  readonly seaweedfs: string;
  /** memcached. */
  readonly memcached: string;
  /** Prometheus memcached exporter. */
  readonly memcachedExporter: string;
}

/**
 * Every default container image, pinned, in one place. Each is overridable per component
 * (`image` prop). Upstream registries only: Bitnami's free images stopped updating in 2025.
 */
export const DEFAULT_IMAGES: ContainerImages = {
  /** prometheus/prometheus release v3.14.0 (2026-08-17). */
  prometheus: 'quay.io/prometheus/prometheus:v3.14.0',
  /** thanos-io/thanos release v0.42.4; entrypoint /bin/thanos, so args[0] is the subcommand. */
  thanos: 'quay.io/thanos/thanos:v0.42.4',
  /** prometheus/alertmanager release v0.34.0 (2026-08-16). */
  alertmanager: 'quay.io/prometheus/alertmanager:v0.34.0',
  /**
   * grafana/grafana 13.2.3, the newest stable tag seen pinned in public repositories in late 2026
   * (`grafana-oss` stopped updating at 12.4).
   */
  grafana: 'docker.io/grafana/grafana:13.2.3',
  /**
   * prometheus-operator's config reloader, the ruler's sidecar that POSTs /-/reload when its rules change
   * (v0.94.1, the newest release seen pinned in public repositories in late 2026).
   */
  configReloader: 'quay.io/prometheus-operator/prometheus-config-reloader:v0.94.1',
  /**
   * MinIO is archived (community edition source-only since Oct 2025): this is the last official
   * server image on quay.io. CVE-2025-62506 is fixed only in an unreleased build; prefer an
   * external S3 store or a maintained in-cluster one for anything but a demo.
   */
  minio: 'quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z',
  /** MinIO client for creating the bucket: the last official build on quay.io, as pinned in public repositories. */
  minioClient: 'quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z',
  /**
   * SeaweedFS 4.48 (Apache-2.0, released weekly), the newest tag seen pinned in public repositories in late
   * 2026 (Docker Hub `chrislusf/seaweedfs`, the image upstream's README runs). Its `weed mini` mode is what
   * Thanos' own end-to-end tests moved to from MinIO (thanos-io/thanos#9037).
   */
  seaweedfs: 'docker.io/chrislusf/seaweedfs:4.48',
  /** Docker library memcached 1.6.45 on Alpine (built 2026-07-10); runs as `memcache` (uid 11211). */
  memcached: 'docker.io/memcached:1.6.45-alpine',
  /** prometheus/memcached_exporter v0.16.0 (the Prometheus project's own image; runs as `nobody`). */
  memcachedExporter: 'quay.io/prometheus/memcached-exporter:v0.16.0',
};
