/**
 * One dashboard per component of a stack, written for this library: each query selects the exact
 * scrape job the stack generates and reads the stack's Grafana datasource by its fixed uid.
 */
import { Dashboard } from './dashboard';
import { RowSpec, dashboardModel, layoutPanels } from './thanos-overview';

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
  readonly seaweedfs?: string;
  /** Scrape jobs of a Receive's router and ingestors. */
  readonly receive?: { readonly router: string; readonly ingestors: string };
  /** Scrape jobs of the memcached clusters (their exporters). */
  readonly memcached?: string[];
  /** Prometheus jobs that remote-write (a row of their queues). */
  readonly remoteWrite?: string[];
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
      {
        title: 'Bucket operations',
        description: 'Object storage operations per second, by operation.',
        unit: 'ops',
        queries: [{ expr: `sum by (job, operation) (rate(thanos_objstore_bucket_operations_total${sel(job)}${RATE}))`, legend: '{{job}} {{operation}}' }],
      },
      {
        title: 'Bucket operation failures',
        description: 'Share of failed object storage operations.',
        unit: 'percentunit',
        max: 1,
        queries: [
          {
            expr: ratio(`thanos_objstore_bucket_operation_failures_total${sel(job)}`, `thanos_objstore_bucket_operations_total${sel(job)}`, 'job, operation'),
            legend: '{{job}} {{operation}}',
          },
        ],
      },
      {
        title: 'Bucket latency p99',
        description: '99th percentile of object storage operations.',
        unit: 's',
        queries: [{ expr: p99(`thanos_objstore_bucket_operation_duration_seconds_bucket${sel(job)}`, 'job, operation'), legend: '{{job}} {{operation}}' }],
      },
    ],
  };
}

function dashboard(slug: string, title: string, description: string, datasourceUid: string, rows: RowSpec[]): Dashboard {
  return Dashboard.fromJson(
    slug,
    dashboardModel({ uid: slug, title, description, templating: { list: [] }, panels: layoutPanels(rows, { type: 'prometheus', uid: datasourceUid }) }),
  );
}

/** The component dashboards for a stack's jobs, reading the datasource `datasourceUid`. */
export function componentDashboards(j: DashboardJobs, datasourceUid: string): Dashboard[] {
  const out: Dashboard[] = [];
  if (j.query) {
    const q = j.query;
    const api = sel(q, 'handler=~"query|query_range"');
    out.push(
      dashboard('thanos-query', 'Thanos / Query', 'The querier and the query frontend: request rates, errors, latency, StoreAPI endpoints.', datasourceUid, [
        {
          title: 'Querier API',
          panels: [
            {
              title: 'Requests',
              description: 'Instant and range queries per second.',
              unit: 'reqps',
              queries: [{ expr: `sum by (handler, code) (rate(http_requests_total${api}${RATE}))`, legend: '{{handler}} {{code}}' }],
            },
            {
              title: 'Errors',
              description: 'Share of queries answered with a 5xx.',
              unit: 'percentunit',
              max: 1,
              queries: [
                {
                  expr: ratio(`http_requests_total${sel(q, 'handler=~"query|query_range", code=~"5.."')}`, `http_requests_total${api}`, 'handler'),
                  legend: '{{handler}}',
                },
              ],
            },
            {
              title: 'Latency p99',
              description: '99th percentile of query duration.',
              unit: 's',
              queries: [{ expr: p99(`http_request_duration_seconds_bucket${api}`, 'handler'), legend: '{{handler}}' }],
            },
          ],
        },
        {
          title: 'StoreAPI endpoints',
          panels: [
            {
              title: 'Connected endpoints',
              description: 'StoreAPI endpoints the querier is connected to, by type.',
              unit: 'short',
              queries: [{ expr: `sum by (store_type) (thanos_store_nodes_grpc_connections${sel(q)})`, legend: '{{store_type}}' }],
            },
            {
              title: 'StoreAPI call errors',
              description: 'Share of gRPC calls to StoreAPIs that failed.',
              unit: 'percentunit',
              max: 1,
              queries: [
                {
                  expr: ratio(`grpc_client_handled_total${sel(q, 'grpc_code!="OK"')}`, `grpc_client_handled_total${sel(q)}`, 'grpc_method'),
                  legend: '{{grpc_method}}',
                },
              ],
            },
          ],
        },
        ...(j.queryFrontend
          ? [
              {
                title: 'Query frontend',
                panels: [
                  {
                    title: 'Requests',
                    description: 'Requests per second through the frontend.',
                    unit: 'reqps',
                    queries: [{ expr: `sum by (code) (rate(http_requests_total${sel(j.queryFrontend)}${RATE}))`, legend: '{{code}}' }],
                  },
                  {
                    title: 'Errors',
                    description: 'Share of frontend requests answered with a 5xx.',
                    unit: 'percentunit',
                    max: 1,
                    queries: [
                      {
                        expr: ratio(`http_requests_total${sel(j.queryFrontend, 'code=~"5.."')}`, `http_requests_total${sel(j.queryFrontend)}`, 'job'),
                        legend: '{{job}}',
                      },
                    ],
                  },
                ],
              },
            ]
          : []),
      ]),
    );
  }
  if (j.store) {
    const s = j.store;
    out.push(
      dashboard('thanos-store', 'Thanos / Store gateway', 'The store gateway: blocks, queries and its object storage operations.', datasourceUid, [
        {
          title: 'Blocks and queries',
          panels: [
            {
              title: 'Blocks loaded',
              description: 'Blocks the store gateway serves.',
              unit: 'short',
              queries: [{ expr: `sum by (instance) (thanos_bucket_store_blocks_loaded${sel(s)})`, legend: '{{instance}}' }],
            },
            {
              title: 'Queries dropped',
              description: 'Series() calls refused over the series or sample limits.',
              unit: 'short',
              queries: [{ expr: `sum by (reason) (increase(thanos_bucket_store_queries_dropped_total${sel(s)}${RATE}))`, legend: '{{reason}}' }],
            },
            {
              title: 'Block load failures',
              description: 'Blocks that failed to load.',
              unit: 'short',
              queries: [{ expr: `sum (increase(thanos_bucket_store_block_load_failures_total${sel(s)}${RATE}))`, legend: 'failures' }],
            },
          ],
        },
        bucketRow('Object storage', s),
      ]),
    );
  }
  if (j.compactor) {
    const c = j.compactor;
    out.push(
      dashboard(
        'thanos-compact',
        'Thanos / Compactor',
        'The compactor: halted state, compactions, downsampling and its object storage operations.',
        datasourceUid,
        [
          {
            title: 'Compaction',
            panels: [
              {
                title: 'Halted',
                description: '1 when the compactor stopped on an error it does not skip.',
                unit: 'short',
                redFrom: 1,
                max: 1,
                queries: [{ expr: `max(thanos_compact_halted${sel(c)}) or vector(0)`, legend: 'halted' }],
              },
              {
                title: 'Compactions',
                description: 'Group compactions and failures.',
                unit: 'short',
                queries: [
                  { expr: `sum (increase(thanos_compact_group_compactions_total${sel(c)}${RATE}))`, legend: 'compactions' },
                  { expr: `sum (increase(thanos_compact_group_compactions_failures_total${sel(c)}${RATE}))`, legend: 'failures' },
                ],
              },
              {
                title: 'Downsampling',
                description: 'Downsamplings and failures.',
                unit: 'short',
                queries: [
                  { expr: `sum (increase(thanos_compact_downsample_total${sel(c)}${RATE}))`, legend: 'downsamplings' },
                  { expr: `sum (increase(thanos_compact_downsample_failed_total${sel(c)}${RATE}))`, legend: 'failures' },
                ],
              },
              {
                title: 'Since last upload',
                description: 'Time since the compactor last uploaded a block.',
                unit: 's',
                queries: [{ expr: `time() - max(thanos_objstore_bucket_last_successful_upload_time${sel(c)})`, legend: 'age' }],
              },
            ],
          },
          bucketRow('Object storage', c),
        ],
      ),
    );
  }
  out.push(
    dashboard(
      'thanos-sidecar',
      'Thanos / Sidecar and Prometheus',
      'Each Prometheus and its sidecar: reachability, uploads, rule evaluation and notifications.',
      datasourceUid,
      [
        // A Prometheus that remote-writes to Receive runs no sidecar.
        ...(j.sidecar.length === 0
          ? []
          : [
              {
                title: 'Sidecar',
                panels: [
                  {
                    title: 'Prometheus reachable',
                    description: 'Whether each sidecar reaches its Prometheus.',
                    unit: 'short',
                    max: 1,
                    queries: [{ expr: `min by (job, instance) (thanos_sidecar_prometheus_up${sel(j.sidecar)})`, legend: '{{instance}}' }],
                  },
                  {
                    title: 'Blocks uploaded',
                    description: 'Blocks shipped to the bucket.',
                    unit: 'short',
                    queries: [{ expr: `sum by (job, instance) (increase(thanos_shipper_uploads_total${sel(j.sidecar)}${RATE}))`, legend: '{{instance}}' }],
                  },
                  {
                    title: 'Upload failures',
                    description: 'Failed block uploads.',
                    unit: 'short',
                    queries: [
                      { expr: `sum by (job, instance) (increase(thanos_shipper_upload_failures_total${sel(j.sidecar)}${RATE}))`, legend: '{{instance}}' },
                    ],
                  },
                ],
              },
            ]),
        ...(j.remoteWrite?.length
          ? [
              {
                title: 'Remote write',
                panels: [
                  {
                    title: 'Behind',
                    description: "How far each queue's newest sent sample trails its newest enqueued one.",
                    unit: 's',
                    queries: [
                      {
                        expr: `max by (instance, url) (prometheus_remote_storage_queue_highest_timestamp_seconds${sel(j.remoteWrite)}) - max by (instance, url) (prometheus_remote_storage_queue_highest_sent_timestamp_seconds${sel(j.remoteWrite)})`,
                        legend: '{{instance}} {{url}}',
                      },
                    ],
                  },
                  {
                    title: 'Samples sent',
                    description: 'Samples sent, retried and failed per second.',
                    unit: 'ops',
                    queries: [
                      { expr: `sum by (instance) (rate(prometheus_remote_storage_samples_total${sel(j.remoteWrite)}${RATE}))`, legend: 'sent {{instance}}' },
                      {
                        expr: `sum by (instance) (rate(prometheus_remote_storage_samples_retried_total${sel(j.remoteWrite)}${RATE}))`,
                        legend: 'retried {{instance}}',
                      },
                      {
                        expr: `sum by (instance) (rate(prometheus_remote_storage_samples_failed_total${sel(j.remoteWrite)}${RATE}))`,
                        legend: 'failed {{instance}}',
                      },
                    ],
                  },
                  {
                    title: 'Shards',
                    description: 'Send shards in use and the maximum.',
                    unit: 'short',
                    queries: [
                      { expr: `max by (instance) (prometheus_remote_storage_shards${sel(j.remoteWrite)})`, legend: 'shards {{instance}}' },
                      { expr: `max by (instance) (prometheus_remote_storage_shards_max${sel(j.remoteWrite)})`, legend: 'max {{instance}}' },
                    ],
                  },
                ],
              },
            ]
          : []),
        {
          title: 'Prometheus',
          panels: [
            {
              title: 'Head series',
              description: 'Series in the head block.',
              unit: 'short',
              queries: [{ expr: `sum by (job, instance) (prometheus_tsdb_head_series${sel(j.prometheus)})`, legend: '{{instance}}' }],
            },
            {
              title: 'Rule evaluation failures',
              description: 'Failed rule evaluations.',
              unit: 'short',
              queries: [
                { expr: `sum by (job, instance) (increase(prometheus_rule_evaluation_failures_total${sel(j.prometheus)}${RATE}))`, legend: '{{instance}}' },
              ],
            },
            {
              title: 'Notification errors',
              description: 'Failed and dropped alert notifications.',
              unit: 'short',
              queries: [
                { expr: `sum by (job, instance) (increase(prometheus_notifications_errors_total${sel(j.prometheus)}${RATE}))`, legend: 'errors {{instance}}' },
                {
                  expr: `sum by (job, instance) (increase(prometheus_notifications_dropped_total${sel(j.prometheus)}${RATE}))`,
                  legend: 'dropped {{instance}}',
                },
              ],
            },
          ],
        },
      ],
    ),
  );
  if (j.ruler) {
    const r = j.ruler;
    out.push(
      dashboard('thanos-rule', 'Thanos / Ruler', 'The ruler: rule evaluations and the alerts it sends.', datasourceUid, [
        {
          title: 'Rules',
          panels: [
            {
              title: 'Evaluations',
              description: 'Rule evaluations per second, by group.',
              unit: 'ops',
              queries: [{ expr: `sum by (rule_group) (rate(prometheus_rule_evaluations_total${sel(r)}${RATE}))`, legend: '{{rule_group}}' }],
            },
            {
              title: 'Evaluation failures',
              description: 'Share of failed rule evaluations.',
              unit: 'percentunit',
              max: 1,
              queries: [
                { expr: ratio(`prometheus_rule_evaluation_failures_total${sel(r)}`, `prometheus_rule_evaluations_total${sel(r)}`, 'job'), legend: '{{job}}' },
              ],
            },
          ],
        },
        {
          title: 'Alerts',
          panels: [
            {
              title: 'Alerts sent',
              description: 'Alerts sent to Alertmanager, and errors.',
              unit: 'short',
              queries: [
                { expr: `sum (increase(thanos_alert_sender_alerts_sent_total${sel(r)}${RATE}))`, legend: 'sent' },
                { expr: `sum (increase(thanos_alert_sender_errors_total${sel(r)}${RATE}))`, legend: 'errors' },
              ],
            },
            {
              title: 'Alerts dropped',
              description: 'Alerts dropped from the full queue.',
              unit: 'short',
              queries: [{ expr: `sum (increase(thanos_alert_queue_alerts_dropped_total${sel(r)}${RATE}))`, legend: 'dropped' }],
            },
          ],
        },
      ]),
    );
  }
  if (j.receive) {
    const { router, ingestors } = j.receive;
    const api = sel(router, 'handler="receive"');
    out.push(
      dashboard(
        'thanos-receive',
        'Thanos / Receive',
        'The Receive router (remote writes, forwarding, replication, hashring) and its ingestors (TSDB, uploads).',
        datasourceUid,
        [
          {
            title: 'Remote writes',
            panels: [
              {
                title: 'Requests',
                description: 'Remote-write requests per second, by status code.',
                unit: 'reqps',
                queries: [{ expr: `sum by (code) (rate(http_requests_total${api}${RATE}))`, legend: '{{code}}' }],
              },
              {
                title: 'Errors',
                description: 'Share of remote writes answered with a 5xx.',
                unit: 'percentunit',
                max: 1,
                queries: [
                  { expr: ratio(`http_requests_total${sel(router, 'handler="receive", code=~"5.."')}`, `http_requests_total${api}`, 'job'), legend: '{{job}}' },
                ],
              },
              {
                title: 'Latency p99',
                description: '99th percentile of remote-write requests (the histogram ends at the forward timeout).',
                unit: 's',
                queries: [{ expr: p99(`http_request_duration_seconds_bucket${api}`, 'job'), legend: '{{job}}' }],
              },
            ],
          },
          {
            title: 'Forwarding and hashring',
            panels: [
              {
                title: 'Forward failures',
                description: 'Share of writes forwarded to ingestors that failed.',
                unit: 'percentunit',
                max: 1,
                queries: [
                  {
                    expr: ratio(
                      `thanos_receive_forward_requests_total${sel(router, 'result="error"')}`,
                      `thanos_receive_forward_requests_total${sel(router)}`,
                      'job',
                    ),
                    legend: 'forwards',
                  },
                ],
              },
              {
                title: 'Replication failures',
                description: 'Share of replications that missed the write quorum.',
                unit: 'percentunit',
                max: 1,
                queries: [
                  {
                    expr: ratio(`thanos_receive_replications_total${sel(router, 'result="error"')}`, `thanos_receive_replications_total${sel(router)}`, 'job'),
                    legend: 'replications',
                  },
                ],
              },
              {
                title: 'Hashring nodes',
                description: 'Ingestors in each hashring, as the routers loaded it.',
                unit: 'short',
                queries: [{ expr: `max by (name) (thanos_receive_hashring_nodes${sel(router)})`, legend: '{{name}}' }],
              },
              {
                title: 'Hashring file errors',
                description: 'Failed reads of the hashring file.',
                unit: 'short',
                queries: [{ expr: `sum (increase(thanos_receive_hashrings_file_errors_total${sel(router)}${RATE}))`, legend: 'errors' }],
              },
            ],
          },
          {
            title: 'Ingestors',
            panels: [
              {
                title: 'Head series',
                description: "Series in each ingestor's head blocks (all tenants).",
                unit: 'short',
                queries: [{ expr: `sum by (instance) (prometheus_tsdb_head_series${sel(ingestors)})`, legend: '{{instance}}' }],
              },
              {
                title: 'Blocks uploaded',
                description: 'Blocks shipped to the bucket.',
                unit: 'short',
                queries: [{ expr: `sum by (instance) (increase(thanos_shipper_uploads_total${sel(ingestors)}${RATE}))`, legend: '{{instance}}' }],
              },
              {
                title: 'Upload failures',
                description: 'Failed block uploads.',
                unit: 'short',
                queries: [{ expr: `sum by (instance) (increase(thanos_shipper_upload_failures_total${sel(ingestors)}${RATE}))`, legend: '{{instance}}' }],
              },
            ],
          },
        ],
      ),
    );
  }
  if (j.memcached?.length) {
    // memcached_exporter's metrics (prometheus/memcached_exporter pkg/exporter): `memcached_up`,
    // `memcached_commands_total{command, status}`, `memcached_current_bytes`, `memcached_limit_bytes`,
    // `memcached_items_evicted_total`.
    const m = j.memcached;
    out.push(
      dashboard('thanos-caches', 'Thanos / Caches', 'The memcached clusters and how the store gateway and query frontend use them.', datasourceUid, [
        {
          title: 'Memcached',
          panels: [
            {
              title: 'Servers up',
              description: "Servers each cluster's exporters reach.",
              unit: 'short',
              queries: [{ expr: `sum by (job) (memcached_up${sel(m)})`, legend: '{{job}}' }],
            },
            {
              title: 'Hit ratio',
              description: 'Share of gets that found the key.',
              unit: 'percentunit',
              max: 1,
              queries: [
                {
                  expr: `sum by (job) (rate(memcached_commands_total${sel(m, 'command="get", status="hit"')}${RATE})) / sum by (job) (rate(memcached_commands_total${sel(m, 'command="get"')}${RATE}))`,
                  legend: '{{job}}',
                },
              ],
            },
            {
              title: 'Memory used',
              description: 'Share of the cache memory in use.',
              unit: 'percentunit',
              max: 1,
              queries: [{ expr: `sum by (job) (memcached_current_bytes${sel(m)}) / sum by (job) (memcached_limit_bytes${sel(m)})`, legend: '{{job}}' }],
            },
            {
              title: 'Evictions',
              description: 'Items evicted to make room.',
              unit: 'short',
              queries: [{ expr: `sum by (job) (increase(memcached_items_evicted_total${sel(m)}${RATE}))`, legend: '{{job}}' }],
            },
          ],
        },
        ...(j.store
          ? [
              {
                title: 'Store gateway clients',
                panels: [
                  {
                    title: 'Operations',
                    description: 'Operations on each cache, per second.',
                    unit: 'ops',
                    queries: [
                      { expr: `sum by (name, operation) (rate(thanos_memcached_operations_total${sel(j.store)}${RATE}))`, legend: '{{name}} {{operation}}' },
                    ],
                  },
                  {
                    title: 'Failures',
                    description: 'Share of failed operations, by cache.',
                    unit: 'percentunit',
                    max: 1,
                    queries: [
                      {
                        expr: ratio(`thanos_memcached_operation_failures_total${sel(j.store)}`, `thanos_memcached_operations_total${sel(j.store)}`, 'name'),
                        legend: '{{name}}',
                      },
                    ],
                  },
                  {
                    title: 'Latency p99',
                    description: '99th percentile of cache operations.',
                    unit: 's',
                    queries: [
                      { expr: p99(`thanos_memcached_operation_duration_seconds_bucket${sel(j.store)}`, 'name, operation'), legend: '{{name}} {{operation}}' },
                    ],
                  },
                ],
              },
            ]
          : []),
        ...(j.queryFrontend
          ? [
              {
                title: 'Query frontend client',
                panels: [
                  {
                    title: 'Requests',
                    description: 'Requests to the results cache, by status (404 is a miss).',
                    unit: 'reqps',
                    queries: [
                      {
                        expr: `sum by (name, status_code) (rate(cortex_memcache_request_duration_seconds_count${sel(j.queryFrontend)}${RATE}))`,
                        legend: '{{name}} {{status_code}}',
                      },
                    ],
                  },
                  {
                    title: 'Failures',
                    description: 'Share of failed requests to the results cache.',
                    unit: 'percentunit',
                    max: 1,
                    queries: [
                      {
                        expr: ratio(
                          `cortex_memcache_request_duration_seconds_count${sel(j.queryFrontend, 'status_code=~"400|500"')}`,
                          `cortex_memcache_request_duration_seconds_count${sel(j.queryFrontend)}`,
                          'name',
                        ),
                        legend: '{{name}}',
                      },
                    ],
                  },
                ],
              },
            ]
          : []),
      ]),
    );
  }
  const bucketJobs = [...j.sidecar, j.store, j.compactor, j.ruler, j.bucketWeb, j.receive?.ingestors].filter((x): x is string => x !== undefined);
  if (j.store || j.compactor || j.minio || j.seaweedfs) {
    out.push(
      dashboard('thanos-bucket', 'Thanos / Object storage', 'The bucket as every component sees it, and the in-cluster object store.', datasourceUid, [
        bucketRow('Bucket operations of every component', bucketJobs),
        ...(j.minio
          ? [
              {
                title: 'MinIO',
                panels: [
                  {
                    title: 'Free capacity',
                    description: 'Share of usable capacity that is free.',
                    unit: 'percentunit',
                    max: 1,
                    queries: [
                      {
                        expr: `min(minio_cluster_capacity_usable_free_bytes${sel(j.minio)} / minio_cluster_capacity_usable_total_bytes${sel(j.minio)})`,
                        legend: 'free',
                      },
                    ],
                  },
                  {
                    title: 'Drives offline',
                    description: 'Offline drives.',
                    unit: 'short',
                    redFrom: 1,
                    queries: [{ expr: `max(minio_cluster_drive_offline_total${sel(j.minio)}) or vector(0)`, legend: 'offline' }],
                  },
                ],
              },
            ]
          : []),
        ...(j.seaweedfs
          ? [
              {
                title: 'SeaweedFS',
                panels: [
                  {
                    title: 'S3 requests',
                    description: 'S3 requests per second, by action and status.',
                    unit: 'reqps',
                    queries: [{ expr: `sum by (type, code) (rate(SeaweedFS_s3_request_total${sel(j.seaweedfs)}${RATE}))`, legend: '{{type}} {{code}}' }],
                  },
                  {
                    title: 'S3 errors',
                    description: 'Share of S3 requests answered with a 5xx.',
                    unit: 'percentunit',
                    max: 1,
                    queries: [
                      {
                        expr: ratio(`SeaweedFS_s3_request_total${sel(j.seaweedfs, 'code=~"5.."')}`, `SeaweedFS_s3_request_total${sel(j.seaweedfs)}`, 'type'),
                        legend: '{{type}}',
                      },
                    ],
                  },
                ],
              },
            ]
          : []),
      ]),
    );
  }
  return out;
}
