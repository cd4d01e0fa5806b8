/**
 * Global view (Thanos tutorial 1): two Prometheus "clusters", eu1 and us1, each with a Thanos sidecar,
 * behind one querier that fans out to both and deduplicates their replicas on the `replica` label.
 * No bucket: each Prometheus keeps its own 15 days and the sidecars only serve the StoreAPI.
 */
import { join } from 'path';
import { App, Chart } from 'cdk8s';
import { ThanosStack, synthesizeOrExit } from 'cdk8s-thanos';

export function buildApp(outdir?: string): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'global-view', { namespace: 'monitoring' });
  const stack = new ThanosStack(chart, 'Thanos', {
    minio: { enabled: false },
    prometheus: { name: 'prometheus-eu1', externalLabels: { cluster: 'eu1' } },
    // Just the querier: no frontend, ruler, Alertmanager or Grafana.
    queryFrontend: { enabled: false },
    ruler: { enabled: false },
    alertmanager: { enabled: false },
    grafana: { enabled: false },
  });
  stack.addPrometheus('PrometheusUs1', { name: 'prometheus-us1', externalLabels: { cluster: 'us1' } });
  return app;
}

if (require.main === module) {
  synthesizeOrExit(buildApp, process.env.CDK8S_OUTDIR ?? join(__dirname, 'dist'));
}
