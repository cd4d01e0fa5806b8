/**
 * One dashboard per component of a stack, written for this library: each query selects the exact
 * scrape job the stack generates and reads the stack's Grafana datasource by its fixed uid.
 */
import { Dashboard } from './dashboard';
import { RowSpec, layoutPanels } from './thanos-overview';

/** The scrape jobs of the components a stack has (absent: no dashboard or row for it). */
export interface DashboardJobs {
  readonly prometheus: string[];
  readonly sidecar: string[];
  readonly query?: string;
  readonly queryFrontend?: string;
  readonly store?: string;
  readonly compactor?: string;
  readonly ruler?: string;
  readonly bucketWeb?: string;
  readonly minio?: string;
}

const RATE = '[$__rate_interval]';
const sel = (jobs: string | string[], more = '') => {
  const list = typeof jobs === 'string' ? [jobs] : jobs;
  const job = list.length === 1 ? `job="${list[0]}"` : `job=~"${list.join('|')}"`;
  return `{${job}${more ? `, ${more}` : ''}}`;
};
const ratio = (failed: string, total: string, by: string) => `sum by (${by}) (rate(${failed}${RATE})) / sum by (${by}) (rate(${total}${RATE}))`;
const p99 = (bucket: string, by: string) => `histogram_quantile(0.99, sum by (${by}, le) (rate(${bucket}${RATE})))`;

function bucketRow(title: string, job: string | string[]): RowSpec {
  return {
    title,
    panels: [
      { title: 'Bucket operations', description: 'Object storage operations per second, by operation.', unit: 'ops', queries: [{ expr: `sum by (job, operation) (rate(thanos_objstore_bucket_operations_total${sel(job)}${RATE}))`, legend: '{{job}} {{operation}}' }] },
      { title: 'Bucket operation failures', description: 'Share of failed object storage operations.', unit: 'percentunit', max: 1, queries: [{ expr: ratio(`thanos_objstore_bucket_operation_failures_total${sel(job)}`, `thanos_objstore_bucket_operations_total${sel(job)}`, 'job, operation'), legend: '{{job}} {{operation}}' }] },
      { title: 'Bucket latency p99', description: '99th percentile of object storage operations.', unit: 's', queries: [{ expr: p99(`thanos_objstore_bucket_operation_duration_seconds_bucket${sel(job)}`, 'job, operation'), legend: '{{job}} {{operation}}' }] },
    ],
  };
}

function dashboard(slug: string, title: string, description: string, datasourceUid: string, rows: RowSpec[]): Dashboard {
  return Dashboard.fromJson(slug, {
    id: null,
    uid: slug,
    title,
    description,
    tags: ['thanos'],
    editable: false,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: '',
    annotations: { list: [] },
    links: [],
    templating: { list: [] },
    panels: layoutPanels(rows, { type: 'prometheus', uid: datasourceUid }),
  });
}

/** The component dashboards for a stack's jobs, reading the datasource `datasourceUid`. */
export function componentDashboards(j: DashboardJobs, datasourceUid: string): Dashboard[] {
  const out: Dashboard[] = [];
  if (j.query) {
    const q = j.query;
    const api = sel(q, 'handler=~"query|query_range"');
    out.push(dashboard('thanos-query', 'Thanos / Query', 'The querier and the query frontend: request rates, errors, latency, StoreAPI endpoints.', datasourceUid, [
      {
        title: 'Querier API',
        panels: [
          { title: 'Requests', description: 'Instant and range queries per second.', unit: 'reqps', queries: [{ expr: `sum by (handler, code) (rate(http_requests_total${api}${RATE}))`, legend: '{{handler}} {{code}}' }] },
          { title: 'Errors', description: 'Share of queries answered with a 5xx.', unit: 'percentunit', max: 1, queries: [{ expr: ratio(`http_requests_total${sel(q, 'handler=~"query|query_range", code=~"5.."')}`, `http_requests_total${api}`, 'handler'), legend: '{{handler}}' }] },
          { title: 'Latency p99', description: '99th percentile of query duration.', unit: 's', queries: [{ expr: p99(`http_request_duration_seconds_bucket${api}`, 'handler'), legend: '{{handler}}' }] },
        ],
      },
      {
        title: 'StoreAPI endpoints',
        panels: [
          { title: 'Connected endpoints', description: 'StoreAPI endpoints the querier is connected to, by type.', unit: 'short', queries: [{ expr: `sum by (store_type) (thanos_store_nodes_grpc_connections${sel(q)})`, legend: '{{store_type}}' }] },
          { title: 'StoreAPI call errors', description: 'Share of gRPC calls to StoreAPIs that failed.', unit: 'percentunit', max: 1, queries: [{ expr: ratio(`grpc_client_handled_total${sel(q, 'grpc_code!="OK"')}`, `grpc_client_handled_total${sel(q)}`, 'grpc_method'), legend: '{{grpc_method}}' }] },
        ],
      },
      ...(j.queryFrontend ? [{
        title: 'Query frontend',
        panels: [
          { title: 'Requests', description: 'Requests per second through the frontend.', unit: 'reqps', queries: [{ expr: `sum by (code) (rate(http_requests_total${sel(j.queryFrontend)}${RATE}))`, legend: '{{code}}' }] },
          { title: 'Errors', description: 'Share of frontend requests answered with a 5xx.', unit: 'percentunit', max: 1, queries: [{ expr: ratio(`http_requests_total${sel(j.queryFrontend, 'code=~"5.."')}`, `http_requests_total${sel(j.queryFrontend)}`, 'job'), legend: '{{job}}' }] },
        ],
      }] : []),
    ]));
  }
  if (j.store) {
    const s = j.store;
    out.push(dashboard('thanos-store', 'Thanos / Store gateway', 'The store gateway: blocks, queries and its object storage operations.', datasourceUid, [
      {
        title: 'Blocks and queries',
        panels: [
          { title: 'Blocks loaded', description: 'Blocks the store gateway serves.', unit: 'short', queries: [{ expr: `sum by (instance) (thanos_bucket_store_blocks_loaded${sel(s)})`, legend: '{{instance}}' }] },
          { title: 'Queries dropped', description: 'Series() calls refused over the series or sample limits.', unit: 'short', queries: [{ expr: `sum by (reason) (increase(thanos_bucket_store_queries_dropped_total${sel(s)}${RATE}))`, legend: '{{reason}}' }] },
          { title: 'Block load failures', description: 'Blocks that failed to load.', unit: 'short', queries: [{ expr: `sum (increase(thanos_bucket_store_block_load_failures_total${sel(s)}${RATE}))`, legend: 'failures' }] },
        ],
      },
      bucketRow('Object storage', s),
    ]));
  }
  if (j.compactor) {
    const c = j.compactor;
    out.push(dashboard('thanos-compact', 'Thanos / Compactor', 'The compactor: halted state, compactions, downsampling and its object storage operations.', datasourceUid, [
      {
        title: 'Compaction',
        panels: [
          { title: 'Halted', description: '1 when the compactor stopped on an error it does not skip.', unit: 'short', redFrom: 1, max: 1, queries: [{ expr: `max(thanos_compact_halted${sel(c)}) or vector(0)`, legend: 'halted' }] },
          { title: 'Compactions', description: 'Group compactions and failures.', unit: 'short', queries: [{ expr: `sum (increase(thanos_compact_group_compactions_total${sel(c)}${RATE}))`, legend: 'compactions' }, { expr: `sum (increase(thanos_compact_group_compactions_failures_total${sel(c)}${RATE}))`, legend: 'failures' }] },
          { title: 'Downsampling', description: 'Downsamplings and failures.', unit: 'short', queries: [{ expr: `sum (increase(thanos_compact_downsample_total${sel(c)}${RATE}))`, legend: 'downsamplings' }, { expr: `sum (increase(thanos_compact_downsample_failed_total${sel(c)}${RATE}))`, legend: 'failures' }] },
          { title: 'Since last upload', description: 'Time since the compactor last uploaded a block.', unit: 's', queries: [{ expr: `time() - max(thanos_objstore_bucket_last_successful_upload_time${sel(c)})`, legend: 'age' }] },
        ],
      },
      bucketRow('Object storage', c),
    ]));
  }
  out.push(dashboard('thanos-sidecar', 'Thanos / Sidecar and Prometheus', 'Each Prometheus and its sidecar: reachability, uploads, rule evaluation and notifications.', datasourceUid, [
    // A Prometheus that remote-writes to Receive runs no sidecar.
    ...(j.sidecar.length === 0 ? [] : [{
      title: 'Sidecar',
      panels: [
        { title: 'Prometheus reachable', description: 'Whether each sidecar reaches its Prometheus.', unit: 'short', max: 1, queries: [{ expr: `min by (job, instance) (thanos_sidecar_prometheus_up${sel(j.sidecar)})`, legend: '{{instance}}' }] },
        { title: 'Blocks uploaded', description: 'Blocks shipped to the bucket.', unit: 'short', queries: [{ expr: `sum by (job, instance) (increase(thanos_shipper_uploads_total${sel(j.sidecar)}${RATE}))`, legend: '{{instance}}' }] },
        { title: 'Upload failures', description: 'Failed block uploads.', unit: 'short', queries: [{ expr: `sum by (job, instance) (increase(thanos_shipper_upload_failures_total${sel(j.sidecar)}${RATE}))`, legend: '{{instance}}' }] },
      ],
    }]),
    {
      title: 'Prometheus',
      panels: [
        { title: 'Head series', description: 'Series in the head block.', unit: 'short', queries: [{ expr: `sum by (job, instance) (prometheus_tsdb_head_series${sel(j.prometheus)})`, legend: '{{instance}}' }] },
        { title: 'Rule evaluation failures', description: 'Failed rule evaluations.', unit: 'short', queries: [{ expr: `sum by (job, instance) (increase(prometheus_rule_evaluation_failures_total${sel(j.prometheus)}${RATE}))`, legend: '{{instance}}' }] },
        { title: 'Notification errors', description: 'Failed and dropped alert notifications.', unit: 'short', queries: [{ expr: `sum by (job, instance) (increase(prometheus_notifications_errors_total${sel(j.prometheus)}${RATE}))`, legend: 'errors {{instance}}' }, { expr: `sum by (job, instance) (increase(prometheus_notifications_dropped_total${sel(j.prometheus)}${RATE}))`, legend: 'dropped {{instance}}' }] },
      ],
    },
  ]));
  if (j.ruler) {
    const r = j.ruler;
    out.push(dashboard('thanos-rule', 'Thanos / Ruler', 'The ruler: rule evaluations and the alerts it sends.', datasourceUid, [
      {
        title: 'Rules',
        panels: [
          { title: 'Evaluations', description: 'Rule evaluations per second, by group.', unit: 'ops', queries: [{ expr: `sum by (rule_group) (rate(prometheus_rule_evaluations_total${sel(r)}${RATE}))`, legend: '{{rule_group}}' }] },
          { title: 'Evaluation failures', description: 'Share of failed rule evaluations.', unit: 'percentunit', max: 1, queries: [{ expr: ratio(`prometheus_rule_evaluation_failures_total${sel(r)}`, `prometheus_rule_evaluations_total${sel(r)}`, 'job'), legend: '{{job}}' }] },
        ],
      },
      {
        title: 'Alerts',
        panels: [
          { title: 'Alerts sent', description: 'Alerts sent to Alertmanager, and errors.', unit: 'short', queries: [{ expr: `sum (increase(thanos_alert_sender_alerts_sent_total${sel(r)}${RATE}))`, legend: 'sent' }, { expr: `sum (increase(thanos_alert_sender_errors_total${sel(r)}${RATE}))`, legend: 'errors' }] },
          { title: 'Alerts dropped', description: 'Alerts dropped from the full queue.', unit: 'short', queries: [{ expr: `sum (increase(thanos_alert_queue_alerts_dropped_total${sel(r)}${RATE}))`, legend: 'dropped' }] },
        ],
      },
    ]));
  }
  const bucketJobs = [...j.sidecar, j.store, j.compactor, j.ruler, j.bucketWeb].filter((x): x is string => x !== undefined);
  if (j.store || j.compactor || j.minio) {
    out.push(dashboard('thanos-bucket', 'Thanos / Object storage', 'The bucket as every component sees it, and the in-cluster object store.', datasourceUid, [
      bucketRow('Bucket operations of every component', bucketJobs),
      ...(j.minio ? [{
        title: 'MinIO',
        panels: [
          { title: 'Free capacity', description: 'Share of usable capacity that is free.', unit: 'percentunit', max: 1, queries: [{ expr: `min(minio_cluster_capacity_usable_free_bytes${sel(j.minio)} / minio_cluster_capacity_usable_total_bytes${sel(j.minio)})`, legend: 'free' }] },
          { title: 'Drives offline', description: 'Offline drives.', unit: 'short', redFrom: 1, queries: [{ expr: `max(minio_cluster_drive_offline_total${sel(j.minio)}) or vector(0)`, legend: 'offline' }] },
        ],
      }] : []),
    ]));
  }
  return out;
}
