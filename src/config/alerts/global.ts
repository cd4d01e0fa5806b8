import { Duration } from 'cdk8s';
import { Rule, RuleGroup } from '../rules';
import { stackAlert } from './common';

/** Always fires: a dead-man switch proving that rules are evaluated and alerts reach Alertmanager. */
export function watchdogAlerts(): RuleGroup {
  return new RuleGroup({
    name: 'watchdog',
    rules: [
      stackAlert('Watchdog', {
        expr: 'vector(1)',
        severity: 'none',
        summary: 'The alerting pipeline works.',
        description:
          'This alert always fires. Route it to a dead-man switch that pages when it stops arriving: then Prometheus, Alertmanager or the path between them is broken.',
      }),
    ],
  });
}

/** Seen from the global view (the ruler): a Prometheus of which no replica is up. */
export function prometheusDownAlert(prometheusJob: string): Rule {
  return stackAlert('PrometheusDown', {
    // Every replica down, or none left in the global view; both halves keep the job label.
    expr: `sum by (job) (up{job=${JSON.stringify(prometheusJob)}}) == 0 or absent(up{job=${JSON.stringify(prometheusJob)}})`,
    pendingFor: Duration.minutes(5),
    severity: 'critical',
    summary: `No replica of Prometheus ${prometheusJob} is up in the global view.`,
    description:
      'No replica of Prometheus job {{ $labels.job }} has reported up through the querier for 5 minutes: its targets go unmonitored and its alerts are not evaluated.',
  });
}
