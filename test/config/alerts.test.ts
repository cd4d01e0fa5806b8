/**
 * Every stack alert proven with `promtool test rules`: it fires on series that should trigger it, at the
 * time it should, with the labels and annotations expected, and stays silent on healthy series.
 */
import { spawnSync } from 'child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Chart, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { InClusterObjectStore, RuleGroup, SizePreset, ThanosStack } from '../../src';
import { testWithTools, toolPath } from '../harness/tools';
import { scratchDir } from '../support/scratch';

jest.setTimeout(60_000);

const app = Testing.app();
const chart = new Chart(app, 'test', { namespace: 'monitoring' });
const stack = new ThanosStack(chart, 'Thanos');
Testing.synth(chart);
const jobOf = (c: { scrapeEndpoints: Array<{ jobName: string }> } | undefined) => c!.scrapeEndpoints[0].jobName;
const P = jobOf(stack.prometheus);
const S = stack.prometheus.scrapeEndpoints[1].jobName;
const Q = jobOf(stack.query);
const F = jobOf(stack.queryFrontend);
const ST = jobOf(stack.store);
const C = jobOf(stack.compactor);
const R = jobOf(stack.ruler);
const A = jobOf(stack.alertmanager);
const B = jobOf(stack.bucketWeb);
const M = jobOf(stack.minio);

// A second stack with the components the default leaves out: Receive (its Prometheus remote-writes),
// memcached caches and SeaweedFS. Only its groups the default stack has not are tested from it.
const chart2 = new Chart(Testing.app(), 'test2', { namespace: 'monitoring' });
const pushing = new ThanosStack(chart2, 'Thanos', { receive: {}, caches: SizePreset.SMALL, inClusterObjectStore: InClusterObjectStore.SEAWEEDFS });
Testing.synth(chart2);
const RR = jobOf(pushing.receive);
const RI = jobOf(pushing.receive!.ingestors);
const PW = jobOf(pushing.prometheus);
const MC = jobOf(pushing.caches[0]);
const SF = jobOf(pushing.store);
const QF = jobOf(pushing.queryFrontend);
const SW = jobOf(pushing.seaweedfs);

const defaultGroups = [...stack.prometheus.ruleGroups, ...stack.ruler!.ruleGroups];
const defaultNames = new Set(defaultGroups.map((g) => g.name));
const extraGroups = pushing.prometheus.ruleGroups.filter((g) => !defaultNames.has(g.name));
const evaluators: Array<[string, RuleGroup[]]> = [
  ['prometheus', stack.prometheus.ruleGroups],
  ['ruler', stack.ruler!.ruleGroups],
  ['pushing', extraGroups],
];
type AlertRule = { alert: string; annotations: { [k: string]: string } };
const rules = new Map<string, AlertRule>();
for (const [, groups] of evaluators) {
  for (const g of groups) for (const r of (g._toYaml() as any).groups[0].rules as AlertRule[]) if (r.alert) rules.set(r.alert, r);
}

interface Case {
  /** `metric{labels}` → promtool series notation. */
  series: { [series: string]: string };
  /** Evaluation time at which it fires (firing case) or must be silent (healthy case). */
  at: string;
}
interface AlertTest {
  firing: Case & {
    labels: { [k: string]: string };
    /** Before its `for` elapsed: pending, not firing. */
    notBefore?: string;
  };
  /** A second way it fires. */
  firingToo?: AlertTest['firing'];
  /** Healthy series; none for the Watchdog, which always fires. */
  healthy?: Case;
  /** Sample interval of the input series. @default 1m */
  interval?: string;
}

const s = (job: string, more = '', instance = 'a') => `{job="${job}", instance="${instance}"${more ? `, ${more}` : ''}}`;
const down = (job: string): AlertTest => ({
  // Every target down; and (firingToo) no target of the job at all.
  firing: { series: { [`up${s(job)}`]: '0x30' }, at: '20m', notBefore: '4m', labels: { job } },
  firingToo: { series: { [`up${s('some-other-job')}`]: '1x30' }, at: '20m', notBefore: '4m', labels: { job } },
  healthy: { series: { [`up${s(job)}`]: '1x30' }, at: '20m' },
});
const ratio = (metric: string, total: string, job: string, labels: string, by: { [k: string]: string }): AlertTest => ({
  firing: { series: { [`${metric}${s(job, labels)}`]: '0+10x60', [`${total}${s(job, labels)}`]: '0+100x60' }, at: '30m', labels: { job, ...by } },
  healthy: { series: { [`${metric}${s(job, labels)}`]: '0x60', [`${total}${s(job, labels)}`]: '0+100x60' }, at: '30m' },
});
const counter = (metric: string, job: string, labels: { [k: string]: string } = {}, at = '30m'): AlertTest => ({
  firing: { series: { [`${metric}${s(job)}`]: '0+1x60' }, at, labels: { job, ...labels } },
  healthy: { series: { [`${metric}${s(job)}`]: '0x60' }, at },
});
const gauge = (metric: string, job: string, bad: number, good: number, labels: { [k: string]: string }, at = '30m', notBefore?: string): AlertTest => ({
  firing: { series: { [`${metric}${s(job)}`]: `${bad}x60` }, at, notBefore, labels: { job, ...labels } },
  healthy: { series: { [`${metric}${s(job)}`]: `${good}x60` }, at },
});
const inst = { instance: 'a' };
/** Every memcached cluster of the second stack answers. */
const memcachedUp = Object.fromEntries(pushing.caches.map((c) => [`memcached_up${s(jobOf(c))}`, '1x30']));
/** A counter split by `result`: 10% errors (firing) or none (healthy). */
const byResult = (metric: string, job: string, notBefore: string): AlertTest => ({
  firing: {
    series: { [`${metric}${s(job, 'result="error"')}`]: '0+10x60', [`${metric}${s(job, 'result="success"')}`]: '0+90x60' },
    at: '30m',
    notBefore,
    labels: { job },
  },
  healthy: { series: { [`${metric}${s(job, 'result="error"')}`]: '0x60', [`${metric}${s(job, 'result="success"')}`]: '0+90x60' }, at: '30m' },
});
const RWL = { remote_name: 'receive', url: 'http://thanos-receive-router:19291/api/v1/receive' };
const RW = `remote_name="${RWL.remote_name}", url="${RWL.url}"`;
const bucketOps = (job: string) =>
  ratio('thanos_objstore_bucket_operation_failures_total', 'thanos_objstore_bucket_operations_total', job, 'operation="get"', { operation: 'get' });

const TESTS: { [alert: string]: AlertTest } = {
  Watchdog: { firing: { series: {}, at: '1m', labels: {} } },
  PrometheusDown: down(P),
  PrometheusConfigReloadFailed: gauge('prometheus_config_last_reload_successful', P, 0, 1, inst, '30m', '9m'),
  PrometheusRuleEvaluationFailures: {
    ...counter('prometheus_rule_evaluation_failures_total', P, inst),
    firing: { ...counter('prometheus_rule_evaluation_failures_total', P, inst).firing, notBefore: '14m' },
  },
  PrometheusNotificationQueueFull: {
    firing: {
      series: { [`prometheus_notifications_queue_length${s(P)}`]: '95x60', [`prometheus_notifications_queue_capacity${s(P)}`]: '100x60' },
      at: '30m',
      notBefore: '14m',
      labels: { job: P, ...inst },
    },
    healthy: { series: { [`prometheus_notifications_queue_length${s(P)}`]: '10x60', [`prometheus_notifications_queue_capacity${s(P)}`]: '100x60' }, at: '30m' },
  },
  PrometheusTSDBCompactionsFailing: counter('prometheus_tsdb_compactions_failed_total', P, inst),
  PrometheusTSDBWALCorruptions: {
    firing: { series: { [`prometheus_tsdb_wal_corruptions_total${s(P)}`]: '0 0 0 0 0 0 1x30' }, at: '10m', notBefore: '5m', labels: { job: P, ...inst } },
    healthy: { series: { [`prometheus_tsdb_wal_corruptions_total${s(P)}`]: '0x60' }, at: '30m' },
  },
  PrometheusNotConnectedToAlertmanagers: gauge('prometheus_notifications_alertmanagers_discovered', P, 0, 2, inst, '30m', '9m'),
  PrometheusErrorSendingAlerts: ratio('prometheus_notifications_errors_total', 'prometheus_notifications_sent_total', P, 'alertmanager="am-0"', inst),
  ThanosSidecarPrometheusUnreachable: gauge('thanos_sidecar_prometheus_up', S, 0, 1, inst, '20m', '4m'),
  ThanosSidecarNoUpload: {
    interval: '10m',
    // 7 h up, nothing shipped in the last 6 h; healthy: a block every 2 h.
    firing: {
      series: { [`thanos_shipper_uploads_total${s(S)}`]: '0x60', [`process_start_time_seconds${s(S)}`]: '0x60' },
      at: '7h',
      notBefore: '5h',
      labels: { job: S, ...inst },
    },
    healthy: { series: { [`thanos_shipper_uploads_total${s(S)}`]: '0x11 1x11 2x11 3x11 4x11', [`process_start_time_seconds${s(S)}`]: '0x60' }, at: '7h' },
  },
  ThanosSidecarUploadFailures: counter('thanos_shipper_upload_failures_total', S, inst),
  ThanosQueryDown: down(Q),
  ThanosQueryHttpErrors: {
    firing: {
      series: {
        [`http_requests_total${s(Q, 'handler="query", code="500"')}`]: '0+10x60',
        [`http_requests_total${s(Q, 'handler="query", code="200"')}`]: '0+90x60',
      },
      at: '30m',
      notBefore: '1m',
      labels: { job: Q, handler: 'query' },
    },
    healthy: {
      series: {
        [`http_requests_total${s(Q, 'handler="query", code="500"')}`]: '0x60',
        [`http_requests_total${s(Q, 'handler="query", code="200"')}`]: '0+90x60',
      },
      at: '30m',
    },
  },
  ThanosQueryNoStoreEndpoints: {
    firing: {
      series: { [`up${s(Q)}`]: '1x60', [`thanos_store_nodes_grpc_connections${s(Q, 'store_type="sidecar"')}`]: '0x60' },
      at: '30m',
      notBefore: '4m',
      labels: { job: Q },
    },
    healthy: { series: { [`up${s(Q)}`]: '1x60', [`thanos_store_nodes_grpc_connections${s(Q, 'store_type="sidecar"')}`]: '2x60' }, at: '30m' },
  },
  ThanosQueryStoreEndpointErrors: {
    firing: {
      series: { [`grpc_client_handled_total${s(Q, 'grpc_code="Unavailable"')}`]: '0+10x60', [`grpc_client_handled_total${s(Q, 'grpc_code="OK"')}`]: '0+90x60' },
      at: '30m',
      labels: { job: Q },
    },
    healthy: {
      series: { [`grpc_client_handled_total${s(Q, 'grpc_code="Unavailable"')}`]: '0x60', [`grpc_client_handled_total${s(Q, 'grpc_code="OK"')}`]: '0+90x60' },
      at: '30m',
    },
  },
  ThanosQueryFrontendDown: down(F),
  ThanosQueryFrontendHttpErrors: {
    firing: {
      series: { [`http_requests_total${s(F, 'code="503"')}`]: '0+10x60', [`http_requests_total${s(F, 'code="200"')}`]: '0+90x60' },
      at: '30m',
      labels: { job: F },
    },
    healthy: { series: { [`http_requests_total${s(F, 'code="503"')}`]: '0x60', [`http_requests_total${s(F, 'code="200"')}`]: '0+90x60' }, at: '30m' },
  },
  ThanosStoreDown: down(ST),
  ThanosStoreBucketOperationsFailing: bucketOps(ST),
  ThanosStoreQueriesDropped: counter('thanos_bucket_store_queries_dropped_total', ST),
  ThanosStoreBucketLatencyHigh: {
    firing: {
      series: {
        [`thanos_objstore_bucket_operation_duration_seconds_bucket${s(ST, 'le="1"')}`]: '0x60',
        [`thanos_objstore_bucket_operation_duration_seconds_bucket${s(ST, 'le="5"')}`]: '0+10x60',
        [`thanos_objstore_bucket_operation_duration_seconds_bucket${s(ST, 'le="+Inf"')}`]: '0+10x60',
      },
      at: '30m',
      notBefore: '9m',
      labels: { job: ST },
    },
    healthy: {
      series: {
        [`thanos_objstore_bucket_operation_duration_seconds_bucket${s(ST, 'le="1"')}`]: '0+10x60',
        [`thanos_objstore_bucket_operation_duration_seconds_bucket${s(ST, 'le="5"')}`]: '0+10x60',
        [`thanos_objstore_bucket_operation_duration_seconds_bucket${s(ST, 'le="+Inf"')}`]: '0+10x60',
      },
      at: '30m',
    },
  },
  ThanosCompactHalted: gauge('thanos_compact_halted', C, 1, 0, {}, '20m', '4m'),
  ThanosCompactDown: down(C),
  ThanosCompactMultipleRunning: {
    firing: { series: { [`up${s(C)}`]: '1x30', [`up${s(C, '', 'b')}`]: '1x30' }, at: '20m', notBefore: '4m', labels: { job: C } },
    healthy: { series: { [`up${s(C)}`]: '1x30' }, at: '20m' },
  },
  ThanosCompactNoRecentCompaction: {
    interval: '1h',
    // Up 25 h, last upload at 0; healthy: an upload every hour (the gauge holds its Unix time).
    firing: {
      series: { [`thanos_objstore_bucket_last_successful_upload_time${s(C, 'bucket="thanos"')}`]: '0x30', [`process_start_time_seconds${s(C)}`]: '0x30' },
      at: '25h',
      notBefore: '23h',
      labels: { job: C },
    },
    healthy: {
      series: { [`thanos_objstore_bucket_last_successful_upload_time${s(C, 'bucket="thanos"')}`]: '0+3600x30', [`process_start_time_seconds${s(C)}`]: '0x30' },
      at: '25h',
    },
  },
  ThanosCompactCompactionsFailing: ratio('thanos_compact_group_compactions_failures_total', 'thanos_compact_group_compactions_total', C, 'resolution="0"', {}),
  ThanosCompactBucketOperationsFailing: bucketOps(C),
  ThanosRuleDown: down(R),
  ThanosRuleEvaluationFailures: ratio('prometheus_rule_evaluation_failures_total', 'prometheus_rule_evaluations_total', R, 'rule_group="g"', {}),
  ThanosRuleAlertsDropped: counter('thanos_alert_queue_alerts_dropped_total', R),
  ThanosRuleAlertmanagerUnreachable: {
    firing: {
      series: {
        [`thanos_alert_sender_errors_total${s(R, 'alertmanager="am"')}`]: '0+1x60',
        [`thanos_alert_sender_alerts_sent_total${s(R, 'alertmanager="am"')}`]: '0x60',
      },
      at: '30m',
      labels: { job: R },
    },
    // Some sends fail but alerts get through.
    healthy: {
      series: {
        [`thanos_alert_sender_errors_total${s(R, 'alertmanager="am"')}`]: '0+1x60',
        [`thanos_alert_sender_alerts_sent_total${s(R, 'alertmanager="am"')}`]: '0+5x60',
      },
      at: '30m',
    },
  },
  AlertmanagerDown: down(A),
  AlertmanagerNotificationsFailing: ratio('alertmanager_notifications_failed_total', 'alertmanager_notifications_total', A, 'integration="slack"', {
    integration: 'slack',
  }),
  AlertmanagerClusterMembersMismatch: {
    firing: {
      series: { [`alertmanager_cluster_members${s(A)}`]: '1x60', [`alertmanager_cluster_members${s(A, '', 'b')}`]: '2x60' },
      at: '30m',
      notBefore: '14m',
      labels: { job: A },
    },
    healthy: { series: { [`alertmanager_cluster_members${s(A)}`]: '2x60', [`alertmanager_cluster_members${s(A, '', 'b')}`]: '2x60' }, at: '30m' },
  },
  AlertmanagerConfigReloadFailed: gauge('alertmanager_config_last_reload_successful', A, 0, 1, inst, '30m', '9m'),
  ThanosBucketWebDown: down(B),
  ThanosBucketWebBucketOperationsFailing: bucketOps(B),
  ThanosReceiveRouterDown: down(RR),
  ThanosReceiveIngestorsDown: down(RI),
  ThanosReceiveHttpRequestErrorRateHigh: {
    firing: {
      series: {
        [`http_requests_total${s(RR, 'handler="receive", code="503"')}`]: '0+10x60',
        [`http_requests_total${s(RR, 'handler="receive", code="200"')}`]: '0+90x60',
      },
      at: '30m',
      notBefore: '4m',
      labels: { job: RR },
    },
    // 5xx of other handlers (status pages) do not count.
    healthy: {
      series: {
        [`http_requests_total${s(RR, 'handler="receive", code="200"')}`]: '0+90x60',
        [`http_requests_total${s(RR, 'handler="status", code="500"')}`]: '0+90x60',
      },
      at: '30m',
    },
  },
  ThanosReceiveHttpRequestLatencyHigh: {
    firing: {
      series: {
        [`http_request_duration_seconds_bucket${s(RR, 'handler="receive", le="1"')}`]: '0x60',
        [`http_request_duration_seconds_bucket${s(RR, 'handler="receive", le="5"')}`]: '0+10x60',
        [`http_request_duration_seconds_bucket${s(RR, 'handler="receive", le="+Inf"')}`]: '0+10x60',
      },
      at: '30m',
      notBefore: '9m',
      labels: { job: RR },
    },
    healthy: {
      series: {
        [`http_request_duration_seconds_bucket${s(RR, 'handler="receive", le="1"')}`]: '0+10x60',
        [`http_request_duration_seconds_bucket${s(RR, 'handler="receive", le="5"')}`]: '0+10x60',
        [`http_request_duration_seconds_bucket${s(RR, 'handler="receive", le="+Inf"')}`]: '0+10x60',
      },
      at: '30m',
    },
  },
  ThanosReceiveReplicationFailures: byResult('thanos_receive_replications_total', RR, '4m'),
  ThanosReceiveForwardRequestFailures: byResult('thanos_receive_forward_requests_total', RR, '14m'),
  ThanosReceiveHashringFileRefreshFailures: {
    ...counter('thanos_receive_hashrings_file_errors_total', RR),
    firing: { ...counter('thanos_receive_hashrings_file_errors_total', RR).firing, notBefore: '14m' },
  },
  ThanosReceiveHashringNotLoaded: gauge('thanos_receive_config_last_reload_successful', RR, 0, 1, inst, '20m', '4m'),
  ThanosReceiveNoUpload: {
    interval: '10m',
    // 7 h up, nothing shipped in the last 6 h; healthy: a block every 2 h.
    firing: {
      series: { [`thanos_shipper_uploads_total${s(RI, 'tenant="default-tenant"')}`]: '0x60', [`process_start_time_seconds${s(RI)}`]: '0x60' },
      at: '7h',
      notBefore: '5h',
      labels: { job: RI, ...inst },
    },
    healthy: {
      series: {
        [`thanos_shipper_uploads_total${s(RI, 'tenant="default-tenant"')}`]: '0x11 1x11 2x11 3x11 4x11',
        [`process_start_time_seconds${s(RI)}`]: '0x60',
      },
      at: '7h',
    },
  },
  PrometheusRemoteWriteBehind: {
    // Enqueued up to now, sent stuck at 0 (the receiver refuses): healthy, sent keeps up.
    firing: {
      series: {
        [`prometheus_remote_storage_queue_highest_timestamp_seconds${s(PW, RW)}`]: '0+60x60',
        [`prometheus_remote_storage_queue_highest_sent_timestamp_seconds${s(PW, RW)}`]: '0x60',
      },
      at: '30m',
      notBefore: '15m',
      labels: { job: PW, ...inst, ...RWL },
    },
    healthy: {
      series: {
        [`prometheus_remote_storage_queue_highest_timestamp_seconds${s(PW, RW)}`]: '0+60x60',
        [`prometheus_remote_storage_queue_highest_sent_timestamp_seconds${s(PW, RW)}`]: '0+60x60',
      },
      at: '30m',
    },
  },
  PrometheusRemoteStorageFailures: {
    firing: {
      series: { [`prometheus_remote_storage_samples_failed_total${s(PW, RW)}`]: '0+10x60', [`prometheus_remote_storage_samples_total${s(PW, RW)}`]: '0+90x60' },
      at: '30m',
      notBefore: '14m',
      labels: { job: PW, ...inst, ...RWL },
    },
    healthy: {
      series: { [`prometheus_remote_storage_samples_failed_total${s(PW, RW)}`]: '0x60', [`prometheus_remote_storage_samples_total${s(PW, RW)}`]: '0+90x60' },
      at: '30m',
    },
  },
  MemcachedDown: {
    // The exporter is up but cannot reach memcached; and (firingToo) the exporter is not scraped at all.
    firing: { series: { ...memcachedUp, [`memcached_up${s(MC)}`]: '0x30' }, at: '20m', notBefore: '4m', labels: { job: MC } },
    firingToo: {
      series: Object.fromEntries(Object.entries(memcachedUp).filter(([k]) => !k.includes(`"${MC}"`))),
      at: '20m',
      notBefore: '4m',
      labels: { job: MC },
    },
    healthy: { series: memcachedUp, at: '20m' },
  },
  ThanosStoreMemcachedErrors: ratio(
    'thanos_memcached_operation_failures_total',
    'thanos_memcached_operations_total',
    SF,
    'name="index-cache", operation="getmulti"',
    { name: 'index-cache', operation: 'getmulti' },
  ),
  ThanosQueryFrontendMemcachedErrors: {
    firing: {
      series: {
        [`cortex_memcache_request_duration_seconds_count${s(QF, 'name="frontend-cache", method="Memcache.GetMulti", status_code="500"')}`]: '0+10x60',
        [`cortex_memcache_request_duration_seconds_count${s(QF, 'name="frontend-cache", method="Memcache.GetMulti", status_code="200"')}`]: '0+90x60',
      },
      at: '30m',
      notBefore: '9m',
      labels: { job: QF, name: 'frontend-cache', method: 'Memcache.GetMulti' },
    },
    // Misses (404) are not failures.
    healthy: {
      series: {
        [`cortex_memcache_request_duration_seconds_count${s(QF, 'name="frontend-cache", method="Memcache.GetMulti", status_code="404"')}`]: '0+50x60',
        [`cortex_memcache_request_duration_seconds_count${s(QF, 'name="frontend-cache", method="Memcache.GetMulti", status_code="200"')}`]: '0+50x60',
      },
      at: '30m',
    },
  },
  SeaweedFSDown: down(SW),
  SeaweedFSS3RequestErrors: {
    firing: {
      series: {
        [`SeaweedFS_s3_request_total${s(SW, 'type="PUT", code="500"')}`]: '0+10x60',
        [`SeaweedFS_s3_request_total${s(SW, 'type="PUT", code="200"')}`]: '0+90x60',
      },
      at: '30m',
      notBefore: '14m',
      labels: { job: SW, type: 'PUT' },
    },
    // 4xx (e.g. a GET of a missing object) are the client's business.
    healthy: {
      series: {
        [`SeaweedFS_s3_request_total${s(SW, 'type="PUT", code="404"')}`]: '0+10x60',
        [`SeaweedFS_s3_request_total${s(SW, 'type="PUT", code="200"')}`]: '0+90x60',
      },
      at: '30m',
    },
  },
  MinIODown: down(M),
  MinIODrivesOffline: gauge('minio_cluster_drive_offline_total', M, 1, 0, {}, '20m', '4m'),
  MinIOLowFreeSpace: {
    firing: {
      series: { [`minio_cluster_capacity_usable_free_bytes${s(M)}`]: '5x60', [`minio_cluster_capacity_usable_total_bytes${s(M)}`]: '100x60' },
      at: '30m',
      notBefore: '14m',
      labels: { job: M },
    },
    healthy: {
      series: { [`minio_cluster_capacity_usable_free_bytes${s(M)}`]: '50x60', [`minio_cluster_capacity_usable_total_bytes${s(M)}`]: '100x60' },
      at: '30m',
    },
  },
};

/** The annotations as Prometheus renders them for these labels (the templates only use `$labels`). */
function expectedAnnotations(rule: AlertRule, labels: { [k: string]: string }): { [k: string]: string } {
  return Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l) => labels[l] ?? '')]));
}

const dir = scratchDir('alerts-test-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** The rule file and severity of each alert: its group's file, as the evaluator that loads it writes it. */
const homes = new Map<string, { file: string; severity: string }>();
for (const [evaluator, groups] of evaluators) {
  for (const g of groups) {
    const file = `${evaluator}-${g.fileName}`;
    const yaml = g._toYaml() as any;
    writeFileSync(join(dir, file), stringify(yaml));
    for (const r of yaml.groups[0].rules) if (r.alert && !homes.has(r.alert)) homes.set(r.alert, { file, severity: r.labels.severity });
  }
}

function testFile(alert: string, t: AlertTest): string {
  const rule = rules.get(alert)!;
  // Only the alert's own group is loaded: no alert reads a recording rule, and alert names are unique per
  // evaluator (tested below), so the other groups could only cost evaluation time (4x per test).
  const { file: ruleFile, severity } = homes.get(alert)!;
  const inputs = (c: Case) =>
    Object.entries(c.series).map(([series, values]) => {
      const [, name, labels] = /^(\w+)(\{.*\})$/.exec(series)!;
      return { series: `${name}${labels}`, values };
    });
  const labels = { ...t.firing.labels, severity };
  const group = (c: Case, checks: object[]) => ({ interval: t.interval ?? '1m', input_series: inputs(c), alert_rule_test: checks });
  const firing = (f: AlertTest['firing']) => {
    const labels = { ...f.labels, severity };
    return group(f, [
      ...(f.notBefore ? [{ eval_time: f.notBefore, alertname: alert, exp_alerts: [] }] : []),
      { eval_time: f.at, alertname: alert, exp_alerts: [{ exp_labels: labels, exp_annotations: expectedAnnotations(rule, labels) }] },
    ]);
  };
  const tests = [
    ...(t.firingToo ? [firing(t.firingToo)] : []),
    group(t.firing, [
      ...(t.firing.notBefore ? [{ eval_time: t.firing.notBefore, alertname: alert, exp_alerts: [] }] : []),
      { eval_time: t.firing.at, alertname: alert, exp_alerts: [{ exp_labels: labels, exp_annotations: expectedAnnotations(rule, labels) }] },
    ]),
    ...(t.healthy ? [group(t.healthy, [{ eval_time: t.healthy.at, alertname: alert }])] : []),
  ];
  const file = join(dir, `${alert}.test.yaml`);
  // Cases over hours are evaluated at their sample interval: every minute would take seconds per case.
  writeFileSync(file, stringify({ rule_files: [ruleFile], evaluation_interval: t.interval ?? '1m', tests }));
  return file;
}

describe('stack alerts', () => {
  test('every alert has a unit test and every unit test an alert', () => {
    expect([...rules.keys()].sort()).toEqual(Object.keys(TESTS).sort());
  });

  test('no evaluator has two alerts of one name, nor a recording rule (each alert is unit-tested with its own group)', () => {
    for (const [evaluator, groups] of evaluators) {
      const all = groups.flatMap((g) => (g._toYaml() as any).groups[0].rules as Array<{ alert?: string; record?: string }>);
      const names = all.map((r) => r.alert);
      expect({ evaluator, duplicates: names.filter((n, i) => names.indexOf(n) !== i), records: all.filter((r) => r.record).length }).toEqual({
        evaluator,
        duplicates: [],
        records: 0,
      });
    }
  });

  test('every alert has severity, summary, description and runbook_url', () => {
    for (const [, groups] of evaluators) {
      for (const g of groups) {
        for (const r of (g._toYaml() as any).groups[0].rules) {
          expect({ alert: r.alert, severity: typeof r.labels?.severity, keys: Object.keys(r.annotations ?? {}).sort() }).toEqual({
            alert: r.alert,
            severity: 'string',
            keys: ['description', 'runbook_url', 'summary'],
          });
        }
      }
    }
  });

  test('every alert has a runbook section with meaning, impact, diagnosis and fix, and its runbook_url resolves to it', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'runbooks.md'), 'utf8');
    // GitHub's heading anchors: lower case, spaces to '-', punctuation dropped.
    const sections = new Map(
      doc
        .split(/^## /m)
        .slice(1)
        .map((sec) => {
          const [heading, ...body] = sec.split('\n');
          return [
            heading
              .trim()
              .toLowerCase()
              .replace(/[^a-z0-9 _-]/g, '')
              .replace(/ /g, '-'),
            body.join('\n'),
          ];
        }),
    );
    for (const [alert, rule] of rules) {
      const [base, anchor] = rule.annotations.runbook_url.split('#');
      const body = sections.get(anchor) ?? '';
      expect({ alert, base, anchor, fields: ['Meaning', 'Impact', 'Diagnosis', 'Fix'].filter((f) => body.includes(`**${f}**`)) }).toEqual({
        alert,
        base: 'https://github.com/cdk8s-thanos/cdk8s-thanos/blob/main/docs/runbooks.md',
        anchor: alert.toLowerCase(),
        fields: ['Meaning', 'Impact', 'Diagnosis', 'Fix'],
      });
    }
    expect([...sections.keys()].sort()).toEqual([...rules.keys()].map((a) => a.toLowerCase()).sort());
  });

  test('the alerts of Receive, remote write, memcached and SeaweedFS come with their components, and only then', () => {
    const groups = (st: ThanosStack) => st.prometheus.ruleGroups.map((g) => g.name).sort();
    expect(groups(pushing)).toEqual(
      expect.arrayContaining(['memcached-alerts', 'prometheus-remote-write-alerts', 'seaweedfs-alerts', 'thanos-receive-alerts']),
    );
    expect(groups(pushing)).not.toContain('prometheus-sidecar-alerts');
    for (const g of ['memcached-alerts', 'prometheus-remote-write-alerts', 'seaweedfs-alerts', 'thanos-receive-alerts']) expect(groups(stack)).not.toContain(g);
    // One ingestor: no replication, so no replication alert; no bucket, so no upload alert.
    const single = new ThanosStack(new Chart(Testing.app(), 'single'), 'Thanos', {
      receive: { ingestors: 1 },
      objectStorage: undefined,
      minio: { enabled: false },
    });
    const receive = single.prometheus.ruleGroups.find((g) => g.name === 'thanos-receive-alerts')!;
    const names = ((receive._toYaml() as any).groups[0].rules as AlertRule[]).map((r) => r.alert);
    expect(names).not.toContain('ThanosReceiveReplicationFailures');
    expect(names).not.toContain('ThanosReceiveNoUpload');
    expect(names).toContain('ThanosReceiveHttpRequestErrorRateHigh');
  });

  const promtoolTest = testWithTools(['promtool'], 'alert unit tests');
  // One promtool process runs every alert's test file and reports each in its JUnit XML (a process per
  // alert cost seconds in start-up and rule loading); a file promtool could not run reports an error.
  let outcomes: Map<string, string> | undefined;
  const outcomeOf = (file: string): string => {
    if (!outcomes) {
      const files = Object.entries(TESTS).map(([alert, t]) => testFile(alert, t));
      const junit = join(dir, 'junit.xml');
      const r = spawnSync(toolPath('promtool'), ['test', 'rules', `--junit=${junit}`, ...files], { encoding: 'utf8', cwd: dir });
      const xml = existsSync(junit) ? readFileSync(junit, 'utf8') : '';
      outcomes = new Map(
        [...xml.matchAll(/<testsuite name="([^"]+)"[^>]*?failures="(\d+)" errors="(\d+)"[^>]*>(.*?)<\/testsuite>/gs)].map(
          ([, name, failures, errors, body]) => [name, failures === '0' && errors === '0' ? '' : unescapeXml(body.replace(/<[^>]+>/g, ' ')).trim()],
        ),
      );
      if (outcomes.size === 0) throw new Error(`promtool test rules wrote no report (status ${r.status}): ${r.stdout}\n${r.stderr}`);
    }
    return outcomes.get(file) ?? 'not in the JUnit report of promtool test rules';
  };
  for (const alert of Object.keys(TESTS)) {
    promtoolTest(`promtool test rules: ${alert} fires when it should and not when healthy`, () => {
      expect({ alert, failure: outcomeOf(join(dir, `${alert}.test.yaml`)) }).toEqual({ alert, failure: '' });
    });
  }
});

function unescapeXml(text: string): string {
  const named: { [entity: string]: string } = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) =>
    e[0] !== '#' ? (named[e] ?? m) : String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1))),
  );
}
