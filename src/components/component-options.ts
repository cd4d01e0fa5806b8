import { Size } from 'cdk8s';
import { Placement } from '../config/placement';
import { Resources, SizePreset } from '../config/resources';
import { ExternalTrafficPolicy } from '../wiring/connections';

/** What every component takes: its image, its resources and its NetworkPolicy. */
export interface ComponentOptions {
  /**
   * Container image.
   * @default - the component's pinned image in DEFAULT_IMAGES
   */
  readonly image?: string;
  /**
   * Resource preset.
   * @default SizePreset.SMALL
   */
  readonly size?: SizePreset;
  /**
   * Resources of the component's main container.
   * @default - from `size`
   */
  readonly resources?: Resources;
  /**
   * Render a default-deny NetworkPolicy admitting exactly the traffic the wiring needs.
   * @default true
   */
  readonly networkPolicy?: boolean;
  /**
   * Client CIDRs its NodePort/LoadBalancer Services admit: the LoadBalancer's `loadBalancerSourceRanges`
   * and the NetworkPolicy's `ipBlock` both come from it. Required once a Service is exposed;
   * `['0.0.0.0/0']` admits the whole internet and must be written out. With `ExternalTrafficPolicy.CLUSTER`
   * the pods see node addresses (kube-proxy SNATs), so list the nodes' range too.
   * @default - none: exposing a Service fails synth
   */
  readonly sourceRanges?: string[];
  /**
   * Traffic policy of its exposed Services.
   * @default - LOCAL for LoadBalancer (client addresses kept, health-checked nodes only), CLUSTER for
   * NodePort (every node answers `nodeIP:nodePort`)
   */
  readonly externalTrafficPolicy?: ExternalTrafficPolicy;
  /**
   * Expose a plaintext StoreAPI, the bucket web UI (block deletion marks) or the Receive router's remote write
   * outside the cluster anyway, or serve an `ingress` without `tlsSecret`, e.g. behind a private network you trust.
   * @default false
   */
  readonly acknowledgePlaintextExposure?: boolean;
  /**
   * Where its pods run: nodeSelector, tolerations, affinity, priorityClassName.
   * @default - anywhere the scheduler puts them
   */
  readonly placement?: Placement;
}

/** What the in-cluster S3 stores (MinIO, SeaweedFS) share: the Secret keys, the bucket and the data volume. */
export interface InClusterStoreOptions extends ComponentOptions {
  /**
   * Key of the S3 access key in `credentials` (MinIO's root user).
   * @default 'access_key'
   */
  readonly accessKeyKey?: string;
  /**
   * Key of the S3 secret key in `credentials` (MinIO's root password).
   * @default 'secret_key'
   */
  readonly secretKeyKey?: string;
  /**
   * Bucket the store creates as it starts (an existing one is kept) and Thanos uses.
   * @default 'thanos'
   */
  readonly bucket?: string;
  /**
   * Data volume size (SeaweedFS keeps its filer metadata and S3 identities there too).
   * @default Size.gibibytes(50)
   */
  readonly storageSize?: Size;
  /**
   * Storage class of the data volume.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
}

/** The escape hatch for flags a construct does not model (Thanos, Prometheus and Alertmanager components). */
export interface ExtraArgsOptions {
  /**
   * Extra flags of the main container (`--name` or `--name=value`), after the construct's own. Checked at synth
   * against the pinned binary's flag set: an unknown, removed or already-set flag fails synth, naming the flag
   * and the binary's version (the binary would refuse to start). With a custom `image` of another version,
   * the check still follows the pinned one.
   * @default - none
   */
  readonly extraArgs?: string[];
}
