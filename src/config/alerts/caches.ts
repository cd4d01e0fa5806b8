import { Duration } from 'cdk8s';
import { RuleGroup } from '../rules';
import { AlertThresholds, pct, stackAlert } from './common';

const anyOf = (jobs: string[]) => `{job=~${JSON.stringify(jobs.join('|'))}}`;
const jobWith = (jobs: string[], more: string) => `{job=~${JSON.stringify(jobs.join('|'))}, ${more}}`;

/**
 * Alerts about the memcached clusters (their exporter sidecars' scrape jobs) and the Thanos components
 * that use them as caches.
 * @param memcachedJobs one scrape job per memcached cluster
 * @param storeJobs scrape jobs of store gateways with a memcached index cache or caching bucket
 * @param frontendJobs scrape jobs of query frontends with a memcached results cache
 */
export function cacheAlerts(memcachedJobs: string[], storeJobs: string[], frontendJobs: string[], t: AlertThresholds): RuleGroup {
  const clients = anyOf(storeJobs);
  const frontends = anyOf(frontendJobs);
  return new RuleGroup({
    name: 'memcached-alerts',
    rules: [
      stackAlert('MemcachedDown', {
        // memcached_exporter's `memcached_up` is 0 when it cannot reach memcached in its pod
        // (prometheus/memcached_exporter pkg/exporter); absent when the exporter is not scraped at all.
        expr: [`sum by (job) (memcached_up${anyOf(memcachedJobs)}) == 0`, ...memcachedJobs.map((j) => `absent(memcached_up{job=${JSON.stringify(j)}})`)].join(
          '\n  or ',
        ),
        pendingFor: Duration.minutes(5),
        severity: 'warning',
        summary: 'A memcached cache is down.',
        description:
          'No server of memcached {{ $labels.job }} has answered for 5 minutes: every lookup misses and its Thanos clients read the bucket (or the querier) instead, slower and at higher cost.',
      }),
      ...(storeJobs.length
        ? [
            stackAlert('ThanosStoreMemcachedErrors', {
              // Thanos' memcached client (pkg/cacheutil/memcached_client.go) labels every operation with the
              // cache `name` and counts failures by `operation` and `reason`.
              expr: `sum by (job, name, operation) (rate(thanos_memcached_operation_failures_total${clients}[5m]))\n  / sum by (job, name, operation) (rate(thanos_memcached_operations_total${clients}[5m])) > ${t.errorRatio}`,
              pendingFor: Duration.minutes(10),
              severity: 'warning',
              summary: 'The Thanos store gateway fails to use its memcached cache.',
              description: `More than ${pct(t.errorRatio)} of the {{ $labels.operation }} operations of {{ $labels.job }} on cache {{ $labels.name }} failed for 10 minutes: queries fall back to the bucket and slow down.`,
            }),
          ]
        : []),
      ...(frontendJobs.length
        ? [
            stackAlert('ThanosQueryFrontendMemcachedErrors', {
              // The frontend's results cache is Cortex' (internal/cortex/chunk/cache/memcached.go): it times
              // every request with `status_code` 200, 404 (a miss) or 400/500 (malformed key, failure).
              expr: `sum by (job, name, method) (rate(cortex_memcache_request_duration_seconds_count${jobWith(frontendJobs, 'status_code=~"400|500"')}[5m]))\n  / sum by (job, name, method) (rate(cortex_memcache_request_duration_seconds_count${frontends}[5m])) > ${t.errorRatio}`,
              pendingFor: Duration.minutes(10),
              severity: 'warning',
              summary: 'The Thanos query frontend fails to use its memcached cache.',
              description: `More than ${pct(t.errorRatio)} of the {{ $labels.method }} requests of {{ $labels.job }} to cache {{ $labels.name }} failed for 10 minutes: every query goes to the querier.`,
            }),
          ]
        : []),
    ],
  });
}
