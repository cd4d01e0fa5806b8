import { Duration } from 'cdk8s';
import { RuleGroup } from '../rules';
import { AlertThresholds, bucketFailuresAlert, downAlert, job, pct, stackAlert } from './common';

/** Alerts about the bucket web UI (scrape job `jobName`). */
export function bucketWebAlerts(jobName: string, t: AlertThresholds): RuleGroup {
  return new RuleGroup({
    name: 'thanos-bucket-web-alerts',
    rules: [
      downAlert('ThanosBucketWebDown', jobName, 'The Thanos bucket web UI'),
      bucketFailuresAlert('ThanosBucketWebBucketOperationsFailing', jobName, 'The Thanos bucket web UI', t),
    ],
  });
}

/** Alerts about the in-cluster MinIO (scrape job `jobName`, its cluster metrics endpoint). */
export function minioAlerts(jobName: string, t: AlertThresholds): RuleGroup {
  const sel = job(jobName);
  return new RuleGroup({
    name: 'minio-alerts',
    rules: [
      downAlert('MinIODown', jobName, 'MinIO'),
      stackAlert('MinIODrivesOffline', {
        expr: `max by (job) (minio_cluster_drive_offline_total${sel}) > 0`,
        for: Duration.minutes(5),
        severity: 'critical',
        summary: 'MinIO has offline drives.',
        description: '{{ $labels.job }} reports offline drives for 5 minutes: uploads and queries of old data may fail.',
      }),
      stackAlert('MinIOLowFreeSpace', {
        expr: `min by (job) (minio_cluster_capacity_usable_free_bytes${sel} / minio_cluster_capacity_usable_total_bytes${sel}) < ${t.minioFreeRatio}`,
        for: Duration.minutes(15),
        severity: 'warning',
        summary: 'MinIO is running out of space.',
        description: `Less than ${pct(t.minioFreeRatio)} of the usable capacity of {{ $labels.job }} is free: uploads will fail once it is full.`,
      }),
    ],
  });
}
