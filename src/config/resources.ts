import { Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-27';
import { parseQuantity, quantity, show, size, sizeOr } from '../private/grammar';

/** Size presets for container resources; the README documents the table. */
export enum SizePreset {
  /** A demo or a small cluster (tens of targets). */
  SMALL = 'small',
  /** A production cluster of moderate size (hundreds of targets, ~1M series). */
  MEDIUM = 'medium',
  /** A large cluster or a global view over many (several million series). */
  LARGE = 'large',
}

/** Properties of `Resources.of`. */
export interface ResourcesProps {
  /** CPU request. */
  readonly cpu: Cpu;
  /** Memory request. */
  readonly memory: Size;
  /**
   * Memory limit.
   * @default - the memory request: each server's GOMEMLIMIT is derived from the limit, so memory above
   * the request would be used by design, and pods above their requests are evicted first
   */
  readonly memoryLimit?: Size;
  /**
   * CPU limit.
   * @default - none: CPU limits throttle Go programs and cause latency spikes
   */
  readonly cpuLimit?: Cpu;
}

/** Requests and limits of one container. Always has requests and a memory limit. */
export class Resources {
  /** Explicit requests and limits. */
  public static of(props: ResourcesProps): Resources {
    const cpu = (c: unknown) => (c instanceof Cpu ? c.amount : undefined);
    // Checked by grammar; a mistyped value falls back so construction goes on and synth reports it.
    const problems = [
      ...(props.cpu instanceof Cpu
        ? quantity('resources cpu', props.cpu.amount)
        : [`resources cpu ${show(props.cpu)} is not valid: expected a Cpu; use e.g. Cpu.millis(500)`]),
      ...(props.cpuLimit === undefined || props.cpuLimit instanceof Cpu
        ? quantity('resources cpuLimit', cpu(props.cpuLimit))
        : [`resources cpuLimit ${show(props.cpuLimit)} is not valid: expected a Cpu; use e.g. Cpu.millis(500)`]),
      ...size('resources memory', props.memory),
      ...size('resources memoryLimit', props.memoryLimit),
    ];
    return new Resources(
      cpu(props.cpu) ?? '100m',
      sizeOr(props.memory, Size.mebibytes(256)).toMebibytes(),
      sizeOr(props.memoryLimit)?.toMebibytes(),
      cpu(props.cpuLimit),
      problems,
    );
  }

  private constructor(
    private readonly cpu: string,
    private readonly memoryMi: number,
    private readonly memoryLimitMi?: number,
    private readonly cpuLimit?: string,
    private readonly typeProblems: string[] = [],
  ) {}

  /** @internal */
  public _toKube(): k8s.ResourceRequirements {
    return {
      requests: { cpu: k8s.Quantity.fromString(this.cpu), memory: k8s.Quantity.fromString(`${this.memoryMi}Mi`) },
      limits: {
        memory: k8s.Quantity.fromString(`${this.memoryLimitMi ?? this.memoryMi}Mi`),
        ...(this.cpuLimit ? { cpu: k8s.Quantity.fromString(this.cpuLimit) } : {}),
      },
    };
  }

  /** @internal The memory limit in MiB. */
  public _memoryLimitMiB(): number {
    return this.memoryLimitMi ?? this.memoryMi;
  }

  /**
   * Problems with these values (a limit under its request).
   * @internal
   */
  public _problems(): string[] {
    const problems = [...this.typeProblems];
    if (this.memoryLimitMi !== undefined && this.memoryLimitMi < this.memoryMi) {
      problems.push(`memory limit ${this.memoryLimitMi}Mi is below the request ${this.memoryMi}Mi; raise memoryLimit to at least the request`);
    }
    // The API server refuses a request above its limit.
    if (this.cpuLimit !== undefined && parseQuantity(this.cpuLimit) < parseQuantity(this.cpu)) {
      problems.push(`cpu limit ${this.cpuLimit} is below the request ${this.cpu}; raise cpuLimit to at least the request`);
    }
    return problems;
  }
}
