import { Duration } from 'cdk8s';
import { RuleGroup } from '../rules';
import { AlertThresholds, downAlert, job, jobWith, pct, stackAlert } from './common';

/** Alerts about the querier (scrape job `jobName`). */
export function queryAlerts(jobName: string, t: AlertThresholds): RuleGroup {
  const api = jobWith(jobName, 'handler=~"query|query_range"');
  return new RuleGroup({
    name: 'thanos-query-alerts',
    rules: [
      downAlert('ThanosQueryDown', jobName, 'The Thanos querier'),
      stackAlert('ThanosQueryHttpErrors', {
        expr: `sum by (job, handler) (rate(http_requests_total${jobWith(jobName, 'handler=~"query|query_range", code=~"5.."')}[5m]))\n  / sum by (job, handler) (rate(http_requests_total${api}[5m])) > ${t.errorRatio}`,
        pendingFor: Duration.minutes(5),
        severity: 'critical',
        summary: 'The Thanos querier fails queries.',
        description: `More than ${pct(t.errorRatio)} of {{ $labels.handler }} requests to {{ $labels.job }} answered with a 5xx error for 5 minutes.`,
      }),
      stackAlert('ThanosQueryNoStoreEndpoints', {
        // Up, but connected to no StoreAPI at all: every query returns nothing.
        expr: `count by (job) (up${job(jobName)} == 1)\n  unless on (job) sum by (job) (thanos_store_nodes_grpc_connections${job(jobName)}) > 0`,
        pendingFor: Duration.minutes(5),
        severity: 'critical',
        summary: 'The Thanos querier has no StoreAPI endpoint.',
        description: 'Querier {{ $labels.job }} is up but connected to no sidecar, store gateway or ruler: every query answers with no data.',
      }),
      stackAlert('ThanosQueryStoreEndpointErrors', {
        // Calls the querier makes to its StoreAPI endpoints that end in a server-side error code.
        expr: `sum by (job) (rate(grpc_client_handled_total${jobWith(jobName, 'grpc_code=~"Unknown|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded"')}[5m]))\n  / sum by (job) (rate(grpc_client_handled_total${job(jobName)}[5m])) > ${t.errorRatio}`,
        pendingFor: Duration.minutes(5),
        severity: 'warning',
        summary: 'StoreAPI calls of the Thanos querier fail.',
        description: `More than ${pct(t.errorRatio)} of the gRPC calls {{ $labels.job }} makes to its StoreAPI endpoints failed for 5 minutes: results may be partial.`,
      }),
    ],
  });
}

/** Alerts about the query frontend (scrape job `jobName`). */
export function queryFrontendAlerts(jobName: string, t: AlertThresholds): RuleGroup {
  return new RuleGroup({
    name: 'thanos-query-frontend-alerts',
    rules: [
      downAlert('ThanosQueryFrontendDown', jobName, 'The Thanos query frontend'),
      stackAlert('ThanosQueryFrontendHttpErrors', {
        expr: `sum by (job) (rate(http_requests_total${jobWith(jobName, 'code=~"5.."')}[5m]))\n  / sum by (job) (rate(http_requests_total${job(jobName)}[5m])) > ${t.errorRatio}`,
        pendingFor: Duration.minutes(5),
        severity: 'critical',
        summary: 'The Thanos query frontend fails queries.',
        description: `More than ${pct(t.errorRatio)} of requests to {{ $labels.job }} answered with a 5xx error for 5 minutes: Grafana shows errors.`,
      }),
    ],
  });
}
