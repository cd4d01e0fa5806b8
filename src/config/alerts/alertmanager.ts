import { Duration } from 'cdk8s';
import { RuleGroup } from '../rules';
import { AlertThresholds, downAlert, job, pct, stackAlert } from './common';

/** Alerts about Alertmanager (scrape job `jobName`). */
export function alertmanagerAlerts(jobName: string, t: AlertThresholds): RuleGroup {
  const sel = job(jobName);
  return new RuleGroup({
    name: 'alertmanager-alerts',
    rules: [
      downAlert('AlertmanagerDown', jobName, 'Alertmanager'),
      stackAlert('AlertmanagerNotificationsFailing', {
        expr: `sum by (job, integration) (rate(alertmanager_notifications_failed_total${sel}[5m]))\n  / sum by (job, integration) (rate(alertmanager_notifications_total${sel}[5m])) > ${t.errorRatio}`,
        pendingFor: Duration.minutes(5),
        severity: 'critical',
        summary: 'Alertmanager fails to deliver notifications.',
        description: `More than ${pct(t.errorRatio)} of the {{ $labels.integration }} notifications of {{ $labels.job }} failed for 5 minutes: alerts reach nobody.`,
      }),
      stackAlert('AlertmanagerClusterMembersMismatch', {
        // Every replica should see every other as a gossip peer; fewer members than replicas is a split cluster.
        expr: `min by (job) (alertmanager_cluster_members${sel}) < count by (job) (alertmanager_cluster_members${sel})`,
        pendingFor: Duration.minutes(15),
        severity: 'warning',
        summary: 'Alertmanager replicas do not see each other.',
        description:
          'A replica of {{ $labels.job }} sees fewer cluster members than there are replicas: notifications may be sent twice and silences not shared.',
      }),
      stackAlert('AlertmanagerConfigReloadFailed', {
        expr: `max_over_time(alertmanager_config_last_reload_successful${sel}[5m]) == 0`,
        pendingFor: Duration.minutes(10),
        severity: 'warning',
        summary: 'Alertmanager could not load its configuration.',
        description:
          'The last configuration reload of {{ $labels.instance }} (job {{ $labels.job }}) failed: it keeps routing with the previous configuration.',
      }),
    ],
  });
}
