/**
 * Long-term storage (Thanos tutorial 2): Prometheus keeps about a day locally while its sidecar ships
 * every 2h block to MinIO; the store gateway serves the history from the bucket, and the compactor
 * compacts, downsamples (5m and 1h resolutions) and applies a retention per resolution.
 */
import { join } from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { ThanosStack, synthesizeOrExit } from 'cdk8s-thanos';

export function buildApp(outdir?: string): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'long-term-storage', { namespace: 'monitoring' });
  new ThanosStack(chart, 'Thanos', {
    prometheus: {
      externalLabels: { cluster: 'eu1' },
      retention: Duration.days(1),
      blockDuration: Duration.hours(2),
    },
    compactor: {
      downsampling: true,
      retentionRaw: Duration.days(30),
      retention5m: Duration.days(120),
      retention1h: Duration.days(365),
    },
    // The bucket, the store gateway, the compactor, a querier over both, and the bucket UI to watch
    // blocks arrive and get compacted; no frontend, ruler, Alertmanager or Grafana.
    queryFrontend: { enabled: false },
    ruler: { enabled: false },
    alertmanager: { enabled: false },
    grafana: { enabled: false },
  });
  return app;
}

if (require.main === module) {
  synthesizeOrExit(buildApp, process.env.CDK8S_OUTDIR ?? join(__dirname, 'dist'));
}
