/**
 * Leaf and observer, two clusters in one app (one chart each):
 * - `leaf-eu1`: Prometheus labelled `cluster: eu1` uploading to an external S3 bucket, its sidecar's
 *   gRPC exposed through a LoadBalancer with mutual TLS;
 * - `observer`: the global querier (the leaf as a remote TLS endpoint, plus its own Prometheus and a
 *   store gateway on the same bucket), query frontend, the bucket's only compactor, and Grafana.
 */
import { join } from 'path';
import { App, Chart } from 'cdk8s';
import { Secret, ServiceType } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { GrpcClientTls, GrpcServerTls, S3Credentials, S3ObjectStorage, StoreEndpoint, ThanosStack, synthesizeOrExit } from 'cdk8s-thanos';

/** Where the leaf's sidecar LoadBalancer is published (a DNS name on its server certificate). */
export const LEAF_SIDECAR_ADDRESS = 'thanos-sidecar.eu1.example.com:10901';

/** The bucket both clusters share, credentials from the Secret `thanos-s3` of each cluster. */
function bucket(scope: Construct): S3ObjectStorage {
  return new S3ObjectStorage(scope, 'Bucket', {
    bucket: 'example-thanos-metrics',
    endpoint: 's3.eu-west-1.amazonaws.com',
    region: 'eu-west-1',
    credentials: S3Credentials.fromSecret(Secret.fromSecretName(scope, 'S3Credentials', 'thanos-s3')),
  });
}

export function buildApp(outdir?: string): App {
  const app = new App({ outdir });

  const leaf = new Chart(app, 'leaf-eu1', { namespace: 'monitoring' });
  new ThanosStack(leaf, 'Thanos', {
    objectStorage: bucket(leaf),
    prometheus: {
      externalLabels: { cluster: 'eu1' },
      sidecarServiceType: ServiceType.LOAD_BALANCER,
      // Only the observer cluster's egress address may connect.
      sourceRanges: ['198.51.100.10/32'],
      // Mutual TLS: only clients with a certificate from the CA in `ca.crt` get in.
      grpcServerTls: GrpcServerTls.fromSecret(Secret.fromSecretName(leaf, 'SidecarTls', 'thanos-sidecar-tls'), { clientCaKey: 'ca.crt' }),
    },
    // A leaf only collects and uploads: the observer queries, serves history and compacts.
    query: { enabled: false },
    store: { enabled: false },
    compactor: { enabled: false },
    bucketWeb: { enabled: false },
    alertmanager: { enabled: false },
  });

  const observer = new Chart(app, 'observer', { namespace: 'monitoring' });
  const stack = new ThanosStack(observer, 'Thanos', {
    objectStorage: bucket(observer),
    prometheus: { externalLabels: { cluster: 'observer' } },
    // The bucket's one compactor: every other cluster on it sets compactor.enabled false.
    compactor: { enabled: true },
    query: {
      // The app holds both clusters: discovery would also find the leaf's sidecar, whose in-cluster
      // address does not resolve here. The observer's own StoreAPIs are added below.
      autoDiscover: false,
      endpoints: [
        StoreEndpoint.staticAddress(LEAF_SIDECAR_ADDRESS, {
          tls: GrpcClientTls.fromSecret(Secret.fromSecretName(observer, 'QueryClientTls', 'thanos-query-client-tls')),
          replicaLabels: ['replica'],
        }),
      ],
    },
    ruler: { enabled: false },
    alertmanager: { enabled: false },
    bucketWeb: { enabled: false },
  });
  stack.query!.addStore(stack.prometheus);
  stack.query!.addStore(stack.store!);
  return app;
}

if (require.main === module) {
  synthesizeOrExit(buildApp, process.env.CDK8S_OUTDIR ?? join(__dirname, 'dist'));
}
