import { ContainerImages, DEFAULT_IMAGES } from './images';
import { PORTS, WellKnownPorts } from './ports';

/** The pinned defaults, in every language (jsii gives other languages no module constants). */
export class Defaults {
  /** Every default container image (`DEFAULT_IMAGES`). */
  public static readonly IMAGES: ContainerImages = DEFAULT_IMAGES;
  /** The ports the stack uses (`PORTS`). */
  public static readonly PORTS: WellKnownPorts = PORTS;

  private constructor() {}
}
