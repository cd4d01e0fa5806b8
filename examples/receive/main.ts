/**
 * Receive: push instead of pull, two clusters in one app (one chart each):
 * - `central`: the stack with Thanos Receive (router + 3 ingestors on a ketama hashring, replication
 *   factor 3) uploading to an external S3 bucket; its router takes remote writes from other clusters
 *   through a LoadBalancer, and the central Prometheus remote-writes to it too;
 * - `leaf-eu1`: a Prometheus with no sidecar that remote-writes (remote write 1.0) to the central
 *   router as tenant `eu1`. Nothing listens in the leaf: it needs egress only.
 */
import { join } from 'path';
import { App, Chart } from 'cdk8s';
import { Secret, ServiceType } from 'cdk8s-plus-27';
import { Prometheus, RemoteWrite, S3Credentials, S3ObjectStorage, ThanosStack, synthesizeOrExit } from 'cdk8s-thanos';

/** Where the central router's LoadBalancer is published (a DNS name you point at it). */
export const CENTRAL_RECEIVE_URL = 'http://receive.central.example.com:19291/api/v1/receive';

export function buildApp(outdir?: string): App {
  const app = new App({ outdir });

  const central = new Chart(app, 'central', { namespace: 'monitoring' });
  new ThanosStack(central, 'Thanos', {
    objectStorage: new S3ObjectStorage(central, 'Bucket', {
      bucket: 'example-thanos-metrics',
      endpoint: 's3.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      credentials: S3Credentials.fromSecret(Secret.fromSecretName(central, 'S3Credentials', 'thanos-s3')),
    }),
    prometheus: { externalLabels: { cluster: 'central' } },
    receive: {
      ingestors: 3,
      replicationFactor: 3,
      routerServiceType: ServiceType.LOAD_BALANCER,
      // The leaves' egress addresses (documentation range: put yours here).
      sourceRanges: ['203.0.113.0/24'],
      // Remote write crosses the network in plaintext and unauthenticated, admitted only from sourceRanges;
      // in production put a TLS-terminating, authenticating Ingress in front and keep the router ClusterIP.
      acknowledgePlaintextExposure: true,
      // The leaves' Prometheus replicas differ in `replica`: the querier deduplicates on it.
      writerReplicaLabels: ['replica'],
    },
    // The one cluster that compacts this bucket.
    compactor: { enabled: true },
    ruler: { enabled: false },
    alertmanager: { enabled: false },
  });

  const leaf = new Chart(app, 'leaf-eu1', { namespace: 'monitoring' });
  new Prometheus(leaf, 'Prometheus', {
    externalLabels: { cluster: 'eu1' },
    remoteWrite: RemoteWrite.toUrl(CENTRAL_RECEIVE_URL, { tenant: 'eu1' }),
  });
  return app;
}

if (require.main === module) {
  synthesizeOrExit(buildApp, process.env.CDK8S_OUTDIR ?? join(__dirname, 'dist'));
}
