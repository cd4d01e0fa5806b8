import { Duration } from 'cdk8s';
import { promDuration } from '../private/units';

/** Options shared by scrape jobs. */
export interface ScrapeOptions {
  /**
   * Metrics path.
   * @default '/metrics'
   */
  readonly path?: string;
  /**
   * Scrape interval.
   * @default - the global scrape interval
   */
  readonly interval?: Duration;
  /**
   * `sample_limit`: a scrape returning more samples (after metric relabelling) fails as a whole (`up` = 0), so
   * one target cannot flood the head with series. 0 means no limit.
   * @default - 50000, or what the job's source is known to need (kubelet, cAdvisor, kube-state-metrics)
   */
  readonly sampleLimit?: number;
  /**
   * `label_limit`: a scrape with a series carrying more labels fails as a whole. 0 means no limit.
   * @default 64
   */
  readonly labelLimit?: number;
}

/** Options of `ScrapeJob.kubernetesService`. */
export interface KubernetesServiceScrapeOptions extends ScrapeOptions {
  /** The Service whose endpoints are scraped. */
  readonly serviceName: string;
  /** The Service's port name. */
  readonly portName: string;
  /**
   * The Service's namespace.
   * @default - every namespace
   * @jsii suppress reserved-word
   */
  readonly namespace?: string;
}

/**
 * Kubernetes discovery reads EndpointSlices (`discovery.k8s.io/v1`), not v1 Endpoints, which Kubernetes
 * deprecated in 1.33. Prometheus' `endpointslice` role labels each target with
 * `__meta_kubernetes_endpointslice_port_name` and, like the `endpoints` role, with the Service's and the
 * pod's meta labels (prometheus/prometheus discovery/kubernetes/endpointslice.go).
 */
const SERVICE_ROLE = 'endpointslice';
/** Options of `ScrapeJob.kubelet` and `ScrapeJob.cadvisor`. */
export interface KubeletScrapeOptions extends ScrapeOptions {
  /**
   * Verify the kubelet's serving certificate against the cluster CA (the ServiceAccount's `ca.crt`). Kubelets
   * with self-signed serving certificates (kubeadm without `serverTLSBootstrap`, and others) fail this check:
   * `up` is 0 with an x509 error, and `false` skips verification (the bearer token is still sent over TLS).
   * @default true
   */
  readonly verifyTls?: boolean;
}

/** Whether a job reads the kubelet's metrics (`get nodes/metrics`), beyond what its discovery role lists. */
type Access = { readonly nodeMetrics?: boolean };

/** The ServiceAccount files every pod with a mounted token has. */
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** A job whose only API access is its discovery (private/discovery-rbac.ts derives that from the role). */
const DISCOVERY_ONLY: Access = {};
/** The default `label_limit`: far above what exporters emit, low enough to stop a label explosion. */
const LABEL_LIMIT = 64;
/** The default `sample_limit` of a job: far above a Thanos component's or a typical exporter's own metrics. */
const SAMPLE_LIMIT = 50_000;
/**
 * cAdvisor and kube-state-metrics emit series per container and per object, so they grow with the node or the
 * cluster: a few hundred thousand covers a 110-pod node and a mid-sized cluster; raise it rather than drop data.
 */
const LARGE_SAMPLE_LIMIT = 500_000;

/** One Prometheus scrape job, typed. */
export class ScrapeJob {
  /** Every endpoint (pod) behind one port of one Service, with `namespace` and `pod` labels. */
  public static kubernetesService(jobName: string, o: KubernetesServiceScrapeOptions): ScrapeJob {
    return new ScrapeJob(jobName, o, DISCOVERY_ONLY, {
      kubernetes_sd_configs: [{ role: SERVICE_ROLE, ...(o.namespace ? { namespaces: { names: [o.namespace] } } : {}) }],
      relabel_configs: [
        {
          source_labels: ['__meta_kubernetes_service_name', '__meta_kubernetes_endpointslice_port_name'],
          regex: `${o.serviceName};${o.portName}`,
          action: 'keep',
        },
        ...POD_LABELS,
      ],
    });
  }

  /** Fixed `host:port` targets (e.g. something outside the cluster). */
  public static staticTargets(jobName: string, targets: string[], o: ScrapeOptions = {}): ScrapeJob {
    return new ScrapeJob(jobName, o, DISCOVERY_ONLY, { static_configs: [{ targets: [...targets] }] });
  }

  /**
   * Pods that opt in with the annotation `prometheus.io/scrape: "true"` (and optionally
   * `prometheus.io/port`, `prometheus.io/path`), in any namespace. Only Running pods: a Pending, Succeeded or
   * Failed pod has nothing to scrape and would only show as `up` = 0.
   */
  public static annotatedPods(jobName = 'kubernetes-pods', o: ScrapeOptions = {}): ScrapeJob {
    return new ScrapeJob(jobName, o, DISCOVERY_ONLY, {
      kubernetes_sd_configs: [{ role: 'pod' }],
      relabel_configs: [{ source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Running', action: 'keep' }, ...annotationRelabels('pod'), ...POD_LABELS],
    });
  }

  /**
   * Endpoints of Services that opt in with `prometheus.io/scrape: "true"`, in any namespace; endpoints of
   * pods that are not Running are skipped (endpoints without a pod, such as a Service's external IPs, are kept).
   */
  public static annotatedServices(jobName = 'kubernetes-service-endpoints', o: ScrapeOptions = {}): ScrapeJob {
    return new ScrapeJob(jobName, o, DISCOVERY_ONLY, {
      kubernetes_sd_configs: [{ role: SERVICE_ROLE }],
      relabel_configs: [
        { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Pending|Succeeded|Failed|Unknown', action: 'drop' },
        ...annotationRelabels('service'),
        ...POD_LABELS,
        { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
      ],
    });
  }

  /**
   * Every node's kubelet (`/metrics`), straight to its port 10250 over TLS with the ServiceAccount token (the
   * kubelet authorizes `/metrics*` as `get nodes/metrics`). Not through the API server proxy, which would need
   * `nodes/proxy`, a grant that also reaches the kubelet's exec and log APIs.
   */
  public static kubelet(jobName = 'kubelet', o: KubeletScrapeOptions = {}): ScrapeJob {
    return ScrapeJob.kubeletPath(jobName, '/metrics', o, SAMPLE_LIMIT);
  }

  /** Every node's cAdvisor container metrics (`/metrics/cadvisor` on the kubelet), like `kubelet`. */
  public static cadvisor(jobName = 'cadvisor', o: KubeletScrapeOptions = {}): ScrapeJob {
    return ScrapeJob.kubeletPath(jobName, '/metrics/cadvisor', o, LARGE_SAMPLE_LIMIT);
  }

  /**
   * node-exporter, when installed: the endpoints of Services labelled `app.kubernetes.io/name: node-exporter`
   * or `prometheus-node-exporter` (the prometheus-community chart), in any namespace, with a `node` label. Plain
   * HTTP ports only: kube-prometheus serves it behind kube-rbac-proxy on an `https` port, which is skipped.
   */
  public static nodeExporter(jobName = 'node-exporter', o: ScrapeOptions = {}): ScrapeJob {
    return new ScrapeJob(jobName, o, DISCOVERY_ONLY, {
      kubernetes_sd_configs: [{ role: SERVICE_ROLE }],
      relabel_configs: [...exporterRelabels('(prometheus-)?node-exporter'), { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node' }],
    });
  }

  /**
   * kube-state-metrics, when installed: the endpoints of Services labelled
   * `app.kubernetes.io/name: kube-state-metrics`, in any namespace. Its own telemetry port is skipped, as are
   * `https` ports (kube-rbac-proxy). `honor_labels`: its series carry the namespace and pod they describe.
   */
  public static kubeStateMetrics(jobName = 'kube-state-metrics', o: ScrapeOptions = {}): ScrapeJob {
    return new ScrapeJob(jobName, { sampleLimit: LARGE_SAMPLE_LIMIT, ...o }, DISCOVERY_ONLY, {
      honor_labels: true,
      kubernetes_sd_configs: [{ role: SERVICE_ROLE }],
      relabel_configs: exporterRelabels('kube-state-metrics', '.*telemetry.*|.*self.*'),
    });
  }

  private static kubeletPath(jobName: string, path: string, o: KubeletScrapeOptions, sampleLimit: number): ScrapeJob {
    return new ScrapeJob(
      jobName,
      { sampleLimit, ...o, path: o.path ?? path },
      { nodeMetrics: true },
      {
        scheme: 'https',
        authorization: { credentials_file: `${SA_DIR}/token` },
        tls_config: (o.verifyTls ?? true) ? { ca_file: `${SA_DIR}/ca.crt` } : { insecure_skip_verify: true },
        // role: node targets each node's InternalIP at the kubelet port it reports (status.daemonEndpoints).
        kubernetes_sd_configs: [{ role: 'node' }],
        relabel_configs: [{ source_labels: ['__meta_kubernetes_node_name'], target_label: 'node' }],
      },
    );
  }

  private constructor(
    /** The job name (`job` label of every series it scrapes). */
    public readonly jobName: string,
    private readonly options: ScrapeOptions,
    private readonly access: Access,
    private readonly discovery: object,
  ) {}

  /** Its Kubernetes discovery: each config's role and namespaces (none: every namespace). @internal */
  public _kubernetesDiscovery(): Array<{ role: string; namespaces?: string[] }> {
    const d = this.discovery as { kubernetes_sd_configs?: Array<{ role: string; namespaces?: { names: string[] } }> };
    return (d.kubernetes_sd_configs ?? []).map((c) => ({ role: c.role, namespaces: c.namespaces?.names }));
  }

  /** Its fixed `host:port` targets. @internal */
  public _staticTargets(): string[] {
    const d = this.discovery as { static_configs?: Array<{ targets: string[] }> };
    return (d.static_configs ?? []).flatMap((c) => c.targets);
  }

  /** Whether it reads kubelet metrics (its discovery's own access follows from `_kubernetesDiscovery`). @internal */
  public _access(): { readonly nodeMetrics?: boolean } {
    return this.access;
  }

  /** @internal */
  public _toYaml(): object {
    return {
      job_name: this.jobName,
      ...(this.options.interval ? { scrape_interval: promDuration(this.options.interval) } : {}),
      ...(this.options.path ? { metrics_path: this.options.path } : {}),
      sample_limit: this.options.sampleLimit ?? SAMPLE_LIMIT,
      label_limit: this.options.labelLimit ?? LABEL_LIMIT,
      ...this.discovery,
    };
  }
}

const POD_LABELS = [
  { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
  { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
];

function annotationRelabels(role: 'pod' | 'service'): object[] {
  const a = `__meta_kubernetes_${role}_annotation_prometheus_io`;
  return [
    { source_labels: [`${a}_scrape`], regex: 'true', action: 'keep' },
    { source_labels: [`${a}_path`], regex: '(.+)', target_label: '__metrics_path__' },
    { source_labels: ['__address__', `${a}_port`], regex: '([^:]+)(?::\\d+)?;(\\d+)', replacement: '$1:$2', target_label: '__address__' },
  ];
}

/** Endpoints of an exporter's Services found by their `app.kubernetes.io/name`, on plain HTTP ports. */
function exporterRelabels(name: string, skipPorts?: string): object[] {
  return [
    { source_labels: ['__meta_kubernetes_service_label_app_kubernetes_io_name'], regex: name, action: 'keep' },
    { source_labels: ['__meta_kubernetes_endpointslice_port_name'], regex: ['https.*', ...(skipPorts ? [skipPorts] : [])].join('|'), action: 'drop' },
    ...POD_LABELS,
  ];
}
