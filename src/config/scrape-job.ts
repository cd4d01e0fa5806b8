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

/** One Prometheus scrape job, typed. */
export class ScrapeJob {
  /** Every endpoint (pod) behind one port of one Service, with `namespace` and `pod` labels. */
  public static kubernetesService(jobName: string, o: KubernetesServiceScrapeOptions): ScrapeJob {
    return new ScrapeJob(jobName, o, {
      kubernetes_sd_configs: [{ role: SERVICE_ROLE, ...(o.namespace ? { namespaces: { names: [o.namespace] } } : {}) }],
      relabel_configs: [
        { source_labels: ['__meta_kubernetes_service_name', '__meta_kubernetes_endpointslice_port_name'], regex: `${o.serviceName};${o.portName}`, action: 'keep' },
        ...POD_LABELS,
      ],
    });
  }

  /** Fixed `host:port` targets (e.g. something outside the cluster). */
  public static staticTargets(jobName: string, targets: string[], o: ScrapeOptions = {}): ScrapeJob {
    return new ScrapeJob(jobName, o, { static_configs: [{ targets: [...targets] }] });
  }

  /**
   * Pods that opt in with the annotation `prometheus.io/scrape: "true"` (and optionally
   * `prometheus.io/port`, `prometheus.io/path`), in any namespace.
   */
  public static annotatedPods(jobName = 'kubernetes-pods'): ScrapeJob {
    return new ScrapeJob(jobName, {}, {
      kubernetes_sd_configs: [{ role: 'pod' }],
      relabel_configs: [...annotationRelabels('pod'), ...POD_LABELS],
    });
  }

  /** Endpoints of Services that opt in with `prometheus.io/scrape: "true"`, in any namespace. */
  public static annotatedServices(jobName = 'kubernetes-service-endpoints'): ScrapeJob {
    return new ScrapeJob(jobName, {}, {
      kubernetes_sd_configs: [{ role: SERVICE_ROLE }],
      relabel_configs: [
        ...annotationRelabels('service'),
        ...POD_LABELS,
        { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
      ],
    });
  }

  private constructor(
    /** The job name (`job` label of every series it scrapes). */
    public readonly jobName: string,
    private readonly options: ScrapeOptions,
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

  /** @internal */
  public _toYaml(): object {
    return {
      job_name: this.jobName,
      ...(this.options.interval ? { scrape_interval: promDuration(this.options.interval) } : {}),
      ...(this.options.path ? { metrics_path: this.options.path } : {}),
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
