import { Duration } from 'cdk8s';
import { RuleGroup } from '../rules';
import { AlertThresholds, downAlert, job, jobWith, pct, stackAlert } from './common';

/** What the Receive alerts select. */
export interface ReceiveAlertTargets {
  /** Scrape job of the router (remote-write endpoint, hashring). */
  readonly routerJob: string;
  /** Scrape job of the ingestors (TSDB, shipper). */
  readonly ingestorJob: string;
  /** Replication factor: replication failures only exist above 1. */
  readonly replicationFactor: number;
  /** The ingestors ship blocks to a bucket. */
  readonly uploads: boolean;
}

/**
 * Alerts about Thanos Receive. Metric names as in Thanos v0.42.4: the router's HTTP handler is
 * instrumented as `handler="receive"` and counts `thanos_receive_forward_requests_total` and
 * `thanos_receive_replications_total` by `result` (pkg/receive/handler.go); the hashring watcher counts
 * `thanos_receive_hashrings_file_errors_total` and sets `thanos_receive_config_last_reload_successful`
 * (pkg/receive/config.go); ingestors ship with the shipper (`thanos_shipper_uploads_total`).
 */
export function receiveAlerts(r: ReceiveAlertTargets, t: AlertThresholds): RuleGroup {
  const router = job(r.routerJob);
  const api = jobWith(r.routerJob, 'handler="receive"');
  const latency = t.receiveLatency.toMilliseconds() / 1000;
  const timeout = Math.round(t.sidecarUploadTimeout.toMilliseconds() / 1000);
  const ingestor = job(r.ingestorJob);
  return new RuleGroup({
    name: 'thanos-receive-alerts',
    rules: [
      downAlert('ThanosReceiveRouterDown', r.routerJob, 'The Thanos Receive router'),
      downAlert('ThanosReceiveIngestorsDown', r.ingestorJob, 'Every Thanos Receive ingestor'),
      stackAlert('ThanosReceiveHttpRequestErrorRateHigh', {
        expr: `sum by (job) (rate(http_requests_total${jobWith(r.routerJob, 'handler="receive", code=~"5.."')}[5m]))\n  / sum by (job) (rate(http_requests_total${api}[5m])) > ${t.errorRatio}`,
        pendingFor: Duration.minutes(5),
        severity: 'critical',
        summary: 'Thanos Receive refuses remote writes.',
        description: `More than ${pct(t.errorRatio)} of the remote-write requests to {{ $labels.job }} answered with a 5xx error for 5 minutes: Prometheus retries, falls behind and loses samples once its WAL is truncated.`,
      }),
      stackAlert('ThanosReceiveHttpRequestLatencyHigh', {
        // The histogram's highest finite bucket is the forward timeout (5s by default), so a threshold
        // at or above it could never be exceeded.
        expr: `histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket${api}[5m]))) > ${latency}`,
        pendingFor: Duration.minutes(10),
        severity: 'warning',
        summary: 'Thanos Receive answers remote writes slowly.',
        description: `The 99th percentile of remote-write requests to {{ $labels.job }} took longer than ${t.receiveLatency.toHumanString()} for 10 minutes: writers queue up and fall behind.`,
      }),
      ...(r.replicationFactor > 1
        ? [
            stackAlert('ThanosReceiveReplicationFailures', {
              // A replication fails when fewer than a quorum of the series' ingestors took the write.
              expr: `sum by (job) (rate(thanos_receive_replications_total${jobWith(r.routerJob, 'result="error"')}[5m]))\n  / sum by (job) (rate(thanos_receive_replications_total${router}[5m])) > ${t.errorRatio}`,
              pendingFor: Duration.minutes(5),
              severity: 'critical',
              summary: 'Thanos Receive misses its write quorum.',
              description: `More than ${pct(t.errorRatio)} of the replications of {{ $labels.job }} did not reach a quorum of ingestors for 5 minutes: those writes fail.`,
            }),
          ]
        : []),
      stackAlert('ThanosReceiveForwardRequestFailures', {
        // One forward per ingestor copy: with replication a failed forward costs redundancy, not data.
        expr: `sum by (job) (rate(thanos_receive_forward_requests_total${jobWith(r.routerJob, 'result="error"')}[5m]))\n  / sum by (job) (rate(thanos_receive_forward_requests_total${router}[5m])) > ${t.errorRatio}`,
        pendingFor: Duration.minutes(15),
        severity: 'warning',
        summary: 'Thanos Receive fails to forward writes to ingestors.',
        description: `More than ${pct(t.errorRatio)} of the writes {{ $labels.job }} forwarded to ingestors failed over 15 minutes: an ingestor is down or overloaded.`,
      }),
      stackAlert('ThanosReceiveHashringFileRefreshFailures', {
        // Counted on every failed read or parse of the hashring file (re-read every 5 minutes).
        expr: `sum by (job) (increase(thanos_receive_hashrings_file_errors_total${router}[15m])) > 0`,
        pendingFor: Duration.minutes(15),
        severity: 'warning',
        summary: 'Thanos Receive cannot read its hashring file.',
        description: '{{ $labels.job }} failed to read or parse its hashring file for 15 minutes: it keeps routing with the hashring it loaded before.',
      }),
      stackAlert('ThanosReceiveHashringNotLoaded', {
        // Thanos only ever sets this gauge to 1, on a successful load: 0 means no hashring was ever
        // loaded, and the router answers every write with 503 until one is.
        expr: `max by (job, instance) (thanos_receive_config_last_reload_successful${router}) == 0`,
        pendingFor: Duration.minutes(5),
        severity: 'critical',
        summary: 'A Thanos Receive router has no hashring.',
        description: 'Router {{ $labels.instance }} (job {{ $labels.job }}) has not loaded a hashring for 5 minutes: it refuses every write.',
      }),
      ...(r.uploads
        ? [
            stackAlert('ThanosReceiveNoUpload', {
              // Only ingestors up longer than the timeout: a fresh pod has not cut a block yet.
              expr: `sum by (job, instance) (increase(thanos_shipper_uploads_total${ingestor}[${Math.round(timeout / 60)}m])) == 0\n  and on (job, instance) (time() - process_start_time_seconds${ingestor} > ${timeout})`,
              severity: 'critical',
              summary: 'A Thanos Receive ingestor has shipped no block for too long.',
              description: `Ingestor {{ $labels.instance }} (job {{ $labels.job }}) uploaded no block to the bucket in ${t.sidecarUploadTimeout.toHumanString()}: data older than its retention will be lost.`,
            }),
          ]
        : []),
    ],
  });
}
