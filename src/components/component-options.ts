import { Placement } from '../config/placement';
import { Resources, SizePreset } from '../config/resources';

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
