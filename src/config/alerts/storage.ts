import { Duration } from 'cdk8s';
import { RuleGroup } from '../rules';
import { AlertThresholds, bucketFailuresAlert, downAlert, job, jobWith, pct, stackAlert } from './common';

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
        pendingFor: Duration.minutes(5),
        severity: 'critical',
        summary: 'MinIO has offline drives.',
        description: '{{ $labels.job }} reports offline drives for 5 minutes: uploads and queries of old data may fail.',
      }),
      stackAlert('MinIOLowFreeSpace', {
        expr: `min by (job) (minio_cluster_capacity_usable_free_bytes${sel} / minio_cluster_capacity_usable_total_bytes${sel}) < ${t.minioFreeRatio}`,
        pendingFor: Duration.minutes(15),
        severity: 'warning',
        summary: 'MinIO is running out of space.',
        description: `Less than ${pct(t.minioFreeRatio)} of the usable capacity of {{ $labels.job }} is free: uploads will fail once it is full.`,
      }),
    ],
  });
}

/**
 * Alerts about the in-cluster SeaweedFS (scrape job `jobName`, its `-metricsPort`). Its S3 gateway counts
 * every request as `SeaweedFS_s3_request_total` by `type` (the S3 action) and `code` (the HTTP status)
 * (seaweedfs weed/stats/metrics.go, weed/s3api/stats.go).
 */
export function seaweedfsAlerts(jobName: string, t: AlertThresholds): RuleGroup {
  return new RuleGroup({
    name: 'seaweedfs-alerts',
    rules: [
      downAlert('SeaweedFSDown', jobName, 'SeaweedFS'),
      stackAlert('SeaweedFSS3RequestErrors', {
        expr: `sum by (job, type) (rate(SeaweedFS_s3_request_total${jobWith(jobName, 'code=~"5.."')}[5m]))\n  / sum by (job, type) (rate(SeaweedFS_s3_request_total${job(jobName)}[5m])) > ${t.errorRatio}`,
        pendingFor: Duration.minutes(15),
        severity: 'warning',
        summary: 'SeaweedFS fails S3 requests.',
        description: `More than ${pct(t.errorRatio)} of the {{ $labels.type }} S3 requests to {{ $labels.job }} answered with a 5xx error over 15 minutes: uploads and queries of old data fail.`,
      }),
    ],
  });
}
