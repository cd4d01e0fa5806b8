import { Duration } from 'cdk8s';
import { RuleGroup } from '../rules';
import { AlertThresholds, bucketFailuresAlert, downAlert, job, stackAlert } from './common';

/** Alerts about the store gateway (scrape job `jobName`). */
export function storeAlerts(jobName: string, t: AlertThresholds): RuleGroup {
  const sel = job(jobName);
  return new RuleGroup({
    name: 'thanos-store-alerts',
    rules: [
      downAlert('ThanosStoreDown', jobName, 'The Thanos store gateway'),
      bucketFailuresAlert('ThanosStoreBucketOperationsFailing', jobName, 'The Thanos store gateway', t),
      stackAlert('ThanosStoreQueriesDropped', {
        // Series() calls refused because they would touch more series or samples than the store's limits allow.
        expr: `sum by (job) (increase(thanos_bucket_store_queries_dropped_total${sel}[5m])) > 0`,
        pendingFor: Duration.minutes(5),
        severity: 'warning',
        summary: 'The Thanos store gateway refuses queries over its limits.',
        description: 'Store gateway {{ $labels.job }} dropped queries that exceeded its series or sample limits over 5 minutes: long-range queries fail.',
      }),
      stackAlert('ThanosStoreBucketLatencyHigh', {
        expr: `histogram_quantile(0.99, sum by (job, le) (rate(thanos_objstore_bucket_operation_duration_seconds_bucket${sel}[5m]))) > ${t.bucketLatency.toMilliseconds() / 1000}`,
        pendingFor: Duration.minutes(10),
        severity: 'warning',
        summary: 'Object storage is slow for the Thanos store gateway.',
        description: `The 99th percentile of bucket operations of {{ $labels.job }} has been above ${t.bucketLatency.toMilliseconds() / 1000}s for 10 minutes: queries over old data are slow.`,
      }),
    ],
  });
}
