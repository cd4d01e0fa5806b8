import { Duration } from 'cdk8s';
import { RuleGroup } from '../rules';
import { AlertThresholds, downAlert, job, pct, stackAlert } from './common';

/** Alerts about the ruler (scrape job `jobName`). */
export function rulerAlerts(jobName: string, alerting: boolean, t: AlertThresholds): RuleGroup {
  const sel = job(jobName);
  return new RuleGroup({
    name: 'thanos-rule-alerts',
    rules: [
      downAlert('ThanosRuleDown', jobName, 'The Thanos ruler'),
      stackAlert('ThanosRuleEvaluationFailures', {
        expr: `sum by (job) (rate(prometheus_rule_evaluation_failures_total${sel}[5m]))\n  / sum by (job) (rate(prometheus_rule_evaluations_total${sel}[5m])) > ${t.errorRatio}`,
        pendingFor: Duration.minutes(5),
        severity: 'critical',
        summary: 'The Thanos ruler fails to evaluate rules.',
        description: `More than ${pct(t.errorRatio)} of the rule evaluations of {{ $labels.job }} failed for 5 minutes: global alerts may be missed.`,
      }),
      ...(alerting
        ? [
            stackAlert('ThanosRuleAlertsDropped', {
              expr: `sum by (job) (increase(thanos_alert_queue_alerts_dropped_total${sel}[5m])) > 0`,
              pendingFor: Duration.minutes(5),
              severity: 'critical',
              summary: 'The Thanos ruler drops alerts.',
              description: 'Ruler {{ $labels.job }} dropped alerts from its full queue over 5 minutes: they never reach Alertmanager.',
            }),
            stackAlert('ThanosRuleAlertmanagerUnreachable', {
              // Sending fails and nothing gets through: no Alertmanager accepts the ruler's alerts.
              expr: `sum by (job) (rate(thanos_alert_sender_errors_total${sel}[5m])) > 0\n  unless on (job) sum by (job) (rate(thanos_alert_sender_alerts_sent_total${sel}[5m])) > 0`,
              pendingFor: Duration.minutes(5),
              severity: 'critical',
              summary: 'The Thanos ruler reaches no Alertmanager.',
              description: 'Every attempt of {{ $labels.job }} to send alerts failed for 5 minutes: its alerts reach nobody.',
            }),
          ]
        : []),
    ],
  });
}
