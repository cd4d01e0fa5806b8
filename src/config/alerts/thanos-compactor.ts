import { Duration } from 'cdk8s';
import { RuleGroup } from '../rules';
import { AlertThresholds, bucketFailuresAlert, downAlert, job, pct, stackAlert } from './common';

/** Alerts about the compactor (scrape job `jobName`); exactly one may run per bucket. */
export function compactorAlerts(jobName: string, t: AlertThresholds): RuleGroup {
  const sel = job(jobName);
  const timeout = Math.round(t.compactionTimeout.toMilliseconds() / 1000);
  return new RuleGroup({
    name: 'thanos-compactor-alerts',
    rules: [
      stackAlert('ThanosCompactHalted', {
        // The compactor stays up and only sets this gauge when it stops on an error it cannot skip.
        expr: `max by (job) (thanos_compact_halted${sel}) == 1`,
        pendingFor: Duration.minutes(5),
        severity: 'critical',
        summary: 'The Thanos compactor has halted.',
        description:
          'Compactor {{ $labels.job }} stopped compacting, downsampling and applying retention after an error; it stays halted until someone fixes the bucket and restarts it.',
      }),
      downAlert('ThanosCompactDown', jobName, 'The Thanos compactor'),
      stackAlert('ThanosCompactMultipleRunning', {
        expr: `sum by (job) (up${sel}) > 1`,
        pendingFor: Duration.minutes(5),
        severity: 'critical',
        summary: 'More than one Thanos compactor runs on the bucket.',
        description: 'Job {{ $labels.job }} has more than one compactor up: two compactors on one bucket corrupt it.',
      }),
      stackAlert('ThanosCompactNoRecentCompaction', {
        // A compactor that has run longer than the timeout should have uploaded a compacted block by then.
        expr: `time() - max by (job) (thanos_objstore_bucket_last_successful_upload_time${sel}) > ${timeout}\n  and on (job) (time() - min by (job) (process_start_time_seconds${sel}) > ${timeout})`,
        severity: 'warning',
        summary: 'The Thanos compactor has not compacted for too long.',
        description: `Compactor {{ $labels.job }} uploaded no compacted block in ${t.compactionTimeout.toHumanString()}: blocks pile up uncompacted and queries over old data slow down.`,
      }),
      stackAlert('ThanosCompactCompactionsFailing', {
        expr: `sum by (job) (rate(thanos_compact_group_compactions_failures_total${sel}[5m]))\n  / sum by (job) (rate(thanos_compact_group_compactions_total${sel}[5m])) > ${t.errorRatio}`,
        pendingFor: Duration.minutes(15),
        severity: 'warning',
        summary: 'Thanos compactions fail.',
        description: `More than ${pct(t.errorRatio)} of the compactions of {{ $labels.job }} failed over 15 minutes.`,
      }),
      bucketFailuresAlert('ThanosCompactBucketOperationsFailing', jobName, 'The Thanos compactor', t),
    ],
  });
}
