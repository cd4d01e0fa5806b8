export {
  SecretKeyRef,
  NotifierOptions,
  WebhookReceiverOptions,
  SlackReceiverOptions,
  PagerDutyReceiverOptions,
  EmailReceiverOptions,
  Receiver,
  RouteProps,
  Route,
  InhibitRuleProps,
  InhibitRule,
} from './alertmanager-config';
export { StackAlertsOptions } from './alerts';
export { Dashboard } from './dashboards';
export { Placement } from './placement';
export { SizePreset, ResourcesProps, Resources } from './resources';
export { AlertingRuleProps, RecordingRuleProps, Rule, RuleGroupProps, RuleGroup } from './rules';
export { ScrapeOptions, KubernetesServiceScrapeOptions, KubeletScrapeOptions, ScrapeJob } from './scrape-job';
