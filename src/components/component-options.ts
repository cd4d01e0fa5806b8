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
   * Expose a plaintext StoreAPI or the bucket web UI (block deletion marks) outside the cluster anyway, or serve
   * an `ingress` without `tlsSecret`, e.g. behind a private network you trust.
   * @default false
   */
  readonly acknowledgePlaintextExposure?: boolean;
  /**
   * Where its pods run: nodeSelector, tolerations, affinity, priorityClassName.
   * @default - anywhere the scheduler puts them
   */
  readonly placement?: Placement;
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
