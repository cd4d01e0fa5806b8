import { Duration } from 'cdk8s';
import { RuleGroup } from '../rules';
import { AlertThresholds, job, pct, stackAlert } from './common';

/** What the Prometheus and sidecar alerts select. */
export interface PrometheusAlertTargets {
  /** Group name prefix: the Prometheus' object name. */
  readonly name: string;
  /** Scrape job of Prometheus itself. */
  readonly prometheusJob: string;
  /** An Alertmanager is configured, so "no Alertmanager discovered" means something. */
  readonly alerting: boolean;
  /** The sidecar uploads blocks. */
  readonly uploads: boolean;
}

/** Alerts about one Prometheus, evaluated by that Prometheus (it scrapes itself). */
export function prometheusAlerts(p: PrometheusAlertTargets, t: AlertThresholds): RuleGroup {
  const sel = job(p.prometheusJob);
  return new RuleGroup({
    name: `${p.name}-prometheus-alerts`,
    rules: [
      stackAlert('PrometheusConfigReloadFailed', {
        expr: `max_over_time(prometheus_config_last_reload_successful${sel}[5m]) == 0`,
        pendingFor: Duration.minutes(10),
        severity: 'warning',
        summary: 'Prometheus could not load its configuration.',
        description: 'The last configuration reload of {{ $labels.instance }} (job {{ $labels.job }}) failed: it keeps running on the previous configuration.',
      }),
      stackAlert('PrometheusRuleEvaluationFailures', {
        expr: `sum by (job, instance) (increase(prometheus_rule_evaluation_failures_total${sel}[5m])) > 0`,
        pendingFor: Duration.minutes(15),
        severity: 'critical',
        summary: 'Prometheus fails to evaluate rules.',
        description:
          'Rule evaluations of {{ $labels.instance }} (job {{ $labels.job }}) have been failing for 15 minutes: alerts may be missed and recorded series have gaps.',
      }),
      stackAlert('PrometheusNotificationQueueFull', {
        expr: `max_over_time(prometheus_notifications_queue_length${sel}[5m])\n  >= 0.9 * min_over_time(prometheus_notifications_queue_capacity${sel}[5m])`,
        pendingFor: Duration.minutes(15),
        severity: 'warning',
        summary: "Prometheus' alert notification queue is nearly full.",
        description:
          'The notification queue of {{ $labels.instance }} (job {{ $labels.job }}) has been over 90% full for 15 minutes: alerts will be dropped once it is full.',
      }),
      stackAlert('PrometheusTSDBCompactionsFailing', {
        expr: `increase(prometheus_tsdb_compactions_failed_total${sel}[3h]) > 0`,
        pendingFor: Duration.minutes(5),
        severity: 'warning',
        summary: 'Prometheus fails to compact its TSDB.',
        description:
          'The TSDB of {{ $labels.instance }} (job {{ $labels.job }}) had failed compactions in the last 3 hours: the head block grows and disk use climbs.',
      }),
      stackAlert('PrometheusTSDBWALCorruptions', {
        expr: `increase(prometheus_tsdb_wal_corruptions_total${sel}[3h]) > 0`,
        severity: 'warning',
        summary: 'Prometheus found a corrupted write-ahead log.',
        description: 'The WAL of {{ $labels.instance }} (job {{ $labels.job }}) was corrupted in the last 3 hours: samples since the last block may be lost.',
      }),
      ...(p.alerting
        ? [
            stackAlert('PrometheusNotConnectedToAlertmanagers', {
              expr: `max_over_time(prometheus_notifications_alertmanagers_discovered${sel}[5m]) < 1`,
              pendingFor: Duration.minutes(10),
              severity: 'warning',
              summary: 'Prometheus has discovered no Alertmanager.',
              description: '{{ $labels.instance }} (job {{ $labels.job }}) has no Alertmanager to send alerts to: its alerts reach nobody.',
            }),
            stackAlert('PrometheusErrorSendingAlerts', {
              expr: `sum by (job, instance) (rate(prometheus_notifications_errors_total${sel}[5m]))\n  / sum by (job, instance) (rate(prometheus_notifications_sent_total${sel}[5m])) > ${t.errorRatio}`,
              pendingFor: Duration.minutes(15),
              severity: 'critical',
              summary: 'Prometheus fails to send alerts to Alertmanager.',
              description: `More than ${pct(t.errorRatio)} of the alerts {{ $labels.instance }} (job {{ $labels.job }}) sent to Alertmanager failed over 15 minutes.`,
            }),
          ]
        : []),
    ],
  });
}

/** Alerts about a Prometheus' Thanos sidecar, evaluated by that Prometheus (it scrapes its sidecars). */
export function sidecarAlerts(p: PrometheusAlertTargets & { readonly sidecarJob: string }, t: AlertThresholds): RuleGroup {
  const sel = job(p.sidecarJob);
  const timeout = Math.round(t.sidecarUploadTimeout.toMilliseconds() / 1000);
  return new RuleGroup({
    name: `${p.name}-sidecar-alerts`,
    rules: [
      stackAlert('ThanosSidecarPrometheusUnreachable', {
        // The sidecar's gauge of whether its last call to Prometheus' API succeeded.
        expr: `thanos_sidecar_prometheus_up${sel} == 0`,
        pendingFor: Duration.minutes(5),
        severity: 'critical',
        summary: 'A Thanos sidecar cannot reach its Prometheus.',
        description:
          'Sidecar {{ $labels.instance }} (job {{ $labels.job }}) has not reached its Prometheus for 5 minutes: queries through it fail and nothing is uploaded.',
      }),
      ...(p.uploads
        ? [
            stackAlert('ThanosSidecarNoUpload', {
              // Only sidecars that have been up longer than the timeout: a fresh pod has not cut a block yet.
              expr: `sum by (job, instance) (increase(thanos_shipper_uploads_total${sel}[${Math.round(timeout / 60)}m])) == 0\n  and on (job, instance) (time() - process_start_time_seconds${sel} > ${timeout})`,
              severity: 'critical',
              summary: 'A Thanos sidecar has shipped no block for too long.',
              description: `Sidecar {{ $labels.instance }} (job {{ $labels.job }}) uploaded no block to the bucket in ${t.sidecarUploadTimeout.toHumanString()}: data older than Prometheus' retention will be lost.`,
            }),
            stackAlert('ThanosSidecarUploadFailures', {
              expr: `sum by (job, instance) (increase(thanos_shipper_upload_failures_total${sel}[1h])) > 0`,
              pendingFor: Duration.minutes(5),
              severity: 'warning',
              summary: 'A Thanos sidecar fails to upload blocks.',
              description:
                'Sidecar {{ $labels.instance }} (job {{ $labels.job }}) failed block uploads in the last hour; it retries, but blocks pile up locally.',
            }),
          ]
        : []),
    ],
  });
}

/**
 * Alerts about a Prometheus that remote-writes (to Thanos Receive), evaluated by that Prometheus. Metric
 * names as Prometheus v3.14.0 exposes them, per queue (`remote_name`, `url`):
 * `prometheus_remote_storage_queue_highest_timestamp_seconds` (newest sample enqueued),
 * `..._queue_highest_sent_timestamp_seconds` (newest sample sent), `..._samples_total` (sent) and
 * `..._samples_failed_total` (dropped on a non-recoverable error; recoverable ones are retried and show
 * up as lag instead), storage/remote/queue_manager.go.
 */
export function remoteWriteAlerts(p: Pick<PrometheusAlertTargets, 'name' | 'prometheusJob'>, t: AlertThresholds): RuleGroup {
  const sel = job(p.prometheusJob);
  const by = 'job, instance, remote_name, url';
  const lag = Math.round(t.remoteWriteLag.toMilliseconds() / 1000);
  return new RuleGroup({
    name: `${p.name}-remote-write-alerts`,
    rules: [
      stackAlert('PrometheusRemoteWriteBehind', {
        expr: `max by (${by}) (prometheus_remote_storage_queue_highest_timestamp_seconds${sel})\n  - max by (${by}) (prometheus_remote_storage_queue_highest_sent_timestamp_seconds${sel}) > ${lag}`,
        pendingFor: Duration.minutes(15),
        severity: 'critical',
        summary: 'Prometheus remote write falls behind.',
        description: `{{ $labels.instance }} (job {{ $labels.job }}) has been more than ${t.remoteWriteLag.toHumanString()} behind writing to {{ $labels.url }} for 15 minutes: the receiver refuses or is slow, and samples are lost once they leave the WAL.`,
      }),
      stackAlert('PrometheusRemoteStorageFailures', {
        expr: `sum by (${by}) (rate(prometheus_remote_storage_samples_failed_total${sel}[5m]))\n  / (sum by (${by}) (rate(prometheus_remote_storage_samples_failed_total${sel}[5m])) + sum by (${by}) (rate(prometheus_remote_storage_samples_total${sel}[5m]))) > ${t.errorRatio}`,
        pendingFor: Duration.minutes(15),
        severity: 'critical',
        summary: 'Prometheus drops samples it cannot remote-write.',
        description: `More than ${pct(t.errorRatio)} of the samples {{ $labels.instance }} (job {{ $labels.job }}) sent to {{ $labels.url }} failed with a non-recoverable error over 15 minutes: they are dropped, and queries miss them.`,
      }),
    ],
  });
}
