import { Duration } from 'cdk8s';
import { Rule } from '../rules';
import { promDuration } from '../../private/units';

/** Where every alert's `runbook_url` points: one section of docs/runbooks.md per alert. */
export const RUNBOOK_BASE = 'https://github.com/cdk8s-thanos/cdk8s-thanos/blob/main/docs/runbooks.md';

/** The runbook section of an alert: its name in lower case is the Markdown heading anchor. */
export function runbookUrl(alert: string): string {
  return `${RUNBOOK_BASE}#${alert.toLowerCase()}`;
}

/** Severities: `critical` pages, `warning` goes to a ticket or chat, `none` is for the Watchdog. */
export type Severity = 'critical' | 'warning' | 'none';

/** The thresholds every alert group reads (ThanosStack fills them from `StackAlertsOptions`). */
export interface AlertThresholds {
  /** Share of failed requests/operations above which an error-rate alert fires. */
  readonly errorRatio: number;
  /** How long a sidecar or Receive ingestor may go without shipping a block. */
  readonly sidecarUploadTimeout: Duration;
  /** How long the compactor may go without uploading a compacted block. */
  readonly compactionTimeout: Duration;
  /** p99 latency of bucket operations above which a latency alert fires. */
  readonly bucketLatency: Duration;
  /** Free share of MinIO's usable capacity below which it alerts. */
  readonly minioFreeRatio: number;
  /** p99 latency of remote writes to Thanos Receive above which a latency alert fires. */
  readonly receiveLatency: Duration;
  /** How far a remote-writing Prometheus may fall behind its newest sample. */
  readonly remoteWriteLag: Duration;
}

export interface AlertSpec {
  readonly expr: string;
  readonly pendingFor?: Duration;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
}

/** An alerting rule with the labels and annotations every stack alert carries. */
export function stackAlert(name: string, spec: AlertSpec): Rule {
  return Rule.alert({
    alert: name,
    expr: spec.expr,
    pendingFor: spec.pendingFor,
    labels: { severity: spec.severity },
    annotations: { summary: spec.summary, description: spec.description, runbook_url: runbookUrl(name) },
  });
}

/** `{job="x"}`: the selector of one scrape job. */
export function job(name: string): string {
  return `{job=${JSON.stringify(name)}}`;
}

/** Matches a job plus more matchers: `{job="x", code=~"5.."}`. */
export function jobWith(name: string, more: string): string {
  return `{job=${JSON.stringify(name)}, ${more}}`;
}

/** A PromQL range duration (`5m`). */
export function range(d: Duration): string {
  return promDuration(d);
}

/** The component has no scrape target that is up: nothing runs, or Prometheus cannot reach it. */
export function downAlert(alert: string, jobName: string, what: string): Rule {
  return stackAlert(alert, {
    // Every target down, or none discovered. absent() keeps the job label only from a plain selector
    // (absent(up{...} == 1) would lose it), hence the two halves.
    expr: `sum by (job) (up${job(jobName)}) == 0 or absent(up${job(jobName)})`,
    pendingFor: Duration.minutes(5),
    severity: 'critical',
    summary: `${what} is down.`,
    description: `No target of scrape job {{ $labels.job }} has been up for 5 minutes: ${what} is not running or Prometheus cannot scrape it.`,
  });
}

/** Share of the job's object storage operations that failed, per operation. */
export function bucketFailuresAlert(alert: string, jobName: string, what: string, t: AlertThresholds, severity: Severity = 'warning'): Rule {
  const sel = job(jobName);
  return stackAlert(alert, {
    expr: `sum by (job, operation) (rate(thanos_objstore_bucket_operation_failures_total${sel}[5m]))\n  / sum by (job, operation) (rate(thanos_objstore_bucket_operations_total${sel}[5m])) > ${t.errorRatio}`,
    pendingFor: Duration.minutes(15),
    severity,
    summary: `${what} fails object storage operations.`,
    description: `More than ${pct(t.errorRatio)} of {{ $labels.operation }} operations of {{ $labels.job }} on the bucket failed over the last 15 minutes.`,
  });
}

/** A ratio as a percentage for annotation text (`0.05` → `5%`). */
export function pct(ratio: number): string {
  return `${Math.round(ratio * 10000) / 100}%`;
}
