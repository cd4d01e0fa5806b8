/**
 * The topology of the seed's Helm values.yaml, typed: a querier over the in-cluster stack and seven
 * remote Prometheus sidecars given as `host:port`, the query frontend on a NodePort, bucket web,
 * compactor, store gateway, a ruler alerting through Alertmanager (with the `PrometheusDown` rule),
 * MinIO, and Grafana behind a LoadBalancer. The glue the values file spelled out by hand (replica
 * labels, Service names, bucket config, URLs) is derived.
 */
import { join } from 'path';
import { App, Chart } from 'cdk8s';
import { ServiceType } from 'cdk8s-plus-27';
import { StoreEndpoint, ThanosStack, synthesizeOrExit } from 'cdk8s-thanos';

/** The remote Prometheus sidecars (fictional hosts), each deduplicated on `replica`. */
const REMOTE_REGIONS = ['ap-northeast', 'ap-south', 'eu-central', 'eu-west', 'sa-east', 'us-east', 'us-west'];

export function buildApp(outdir?: string): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'helm-values', { namespace: 'monitoring' });
  new ThanosStack(chart, 'Thanos', {
    prometheus: { externalLabels: { cluster: 'central' } },
    query: {
      endpoints: REMOTE_REGIONS.map((region) => StoreEndpoint.staticAddress(`prometheus-${region}.example.com:10901`, { replicaLabels: ['replica'] })),
    },
    // Exposure is a decision: each exposed Service names who may connect. A NodePort with the default
    // Cluster traffic policy sees node addresses (kube-proxy SNATs), so the range covers the nodes' network.
    queryFrontend: { serviceType: ServiceType.NODE_PORT, sourceRanges: ['10.0.0.0/8'] },
    grafana: { serviceType: ServiceType.LOAD_BALANCER, sourceRanges: ['203.0.113.0/24'] },
  });
  return app;
}

if (require.main === module) {
  synthesizeOrExit(buildApp, process.env.CDK8S_OUTDIR ?? join(__dirname, 'dist'));
}
