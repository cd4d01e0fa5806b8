import { Duration } from 'cdk8s';
import { AlertThresholds } from './common';

/** The stack's own alert rules: on by default, thresholds overridable. */
export interface StackAlertsOptions {
  /**
   * Emit alert rules for every component of the stack, a Watchdog, and `PrometheusDown` on the ruler.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Share of failed requests or operations (0..1) above which error-rate alerts fire.
   * @default 0.05
   */
  readonly errorRatio?: number;
  /**
   * How long a sidecar or a Receive ingestor may go without shipping a block (`ThanosSidecarNoUpload`,
   * `ThanosReceiveNoUpload`). Keep it above the block duration and below the local retention, so the
   * alert fires before data is lost.
   * @default Duration.hours(6)
   */
  readonly sidecarUploadTimeout?: Duration;
  /**
   * How long the compactor may go without uploading a compacted block (`ThanosCompactNoRecentCompaction`).
   * @default Duration.hours(24)
   */
  readonly compactionTimeout?: Duration;
  /**
   * p99 latency of the store gateway's bucket operations above which `ThanosStoreBucketLatencyHigh` fires.
   * @default Duration.seconds(2)
   */
  readonly bucketLatency?: Duration;
  /**
   * Free share (0..1) of MinIO's usable capacity below which `MinIOLowFreeSpace` fires.
   * @default 0.1
   */
  readonly minioFreeRatio?: number;
  /**
   * p99 latency of remote writes to Thanos Receive above which `ThanosReceiveHttpRequestLatencyHigh`
   * fires. Keep it below the router's forward timeout (5s): the latency histogram ends there.
   * @default Duration.seconds(3)
   */
  readonly receiveLatency?: Duration;
  /**
   * How far behind its newest sample a remote-writing Prometheus may fall (`PrometheusRemoteWriteBehind`).
   * @default Duration.minutes(5)
   */
  readonly remoteWriteLag?: Duration;
}

export const ALERT_DEFAULTS: AlertThresholds = {
  errorRatio: 0.05,
  sidecarUploadTimeout: Duration.hours(6),
  compactionTimeout: Duration.hours(24),
  bucketLatency: Duration.seconds(2),
  minioFreeRatio: 0.1,
  receiveLatency: Duration.seconds(3),
  remoteWriteLag: Duration.minutes(5),
};

/** The thresholds with defaults filled in. */
export function alertThresholds(o: StackAlertsOptions = {}): AlertThresholds {
  return {
    errorRatio: o.errorRatio ?? ALERT_DEFAULTS.errorRatio,
    sidecarUploadTimeout: o.sidecarUploadTimeout ?? ALERT_DEFAULTS.sidecarUploadTimeout,
    compactionTimeout: o.compactionTimeout ?? ALERT_DEFAULTS.compactionTimeout,
    bucketLatency: o.bucketLatency ?? ALERT_DEFAULTS.bucketLatency,
    minioFreeRatio: o.minioFreeRatio ?? ALERT_DEFAULTS.minioFreeRatio,
    receiveLatency: o.receiveLatency ?? ALERT_DEFAULTS.receiveLatency,
    remoteWriteLag: o.remoteWriteLag ?? ALERT_DEFAULTS.remoteWriteLag,
  };
}

/** Out-of-range thresholds, with the prop path and the fix. */
export function alertOptionProblems(o: StackAlertsOptions = {}): string[] {
  const problems: string[] = [];
  for (const key of ['errorRatio', 'minioFreeRatio'] as const) {
    const v = o[key];
    if (v !== undefined && !(v > 0 && v < 1)) problems.push(`alerts.${key} is ${v}: give a share between 0 and 1 (exclusive), e.g. ${ALERT_DEFAULTS[key]}`);
  }
  const examples = {
    sidecarUploadTimeout: 'hours(6)',
    compactionTimeout: 'hours(24)',
    bucketLatency: 'seconds(2)',
    receiveLatency: 'seconds(3)',
    remoteWriteLag: 'minutes(5)',
  };
  for (const key of ['sidecarUploadTimeout', 'compactionTimeout', 'bucketLatency', 'receiveLatency', 'remoteWriteLag'] as const) {
    const v = o[key];
    if (v !== undefined && v.toMilliseconds() < 1000)
      problems.push(`alerts.${key} is ${v.toMilliseconds()}ms: give at least one second, e.g. Duration.${examples[key]}`);
  }
  if (o.sidecarUploadTimeout && o.sidecarUploadTimeout.toMilliseconds() % 60_000 !== 0) {
    problems.push(`alerts.sidecarUploadTimeout is ${o.sidecarUploadTimeout.toMilliseconds()}ms: give whole minutes (it is a PromQL range)`);
  }
  return problems;
}
