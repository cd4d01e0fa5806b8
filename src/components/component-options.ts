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
}
