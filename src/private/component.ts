import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Labels, componentLabels, selectorLabels } from './labels';
import { Connections, ExposureOptions, IConnectable } from '../wiring/connections';
import { namespaceOf } from './kubernetes';
import { PresetWorkload, presetResources } from './presets';
import { nameProblems, replicaProblems, serviceTypeProblems } from './problems';
import { Resources, SizePreset } from '../config/resources';
import { ServiceType } from 'cdk8s-plus-27';
import { FlagSet, extraArgProblems } from './flags';
import { validateWith } from './problems';
import { registerInvariants } from './invariants';
import { setPlacement } from './placement';
import { Placement } from '../config/placement';
import { Discovery, Shutdown, THANOS_GRACE_SECONDS, goDurationSeconds, serverShutdown } from './shutdown';

/** What identifies a component and its NetworkPolicy. */
export interface ComponentProps {
  /** Object name of the component's workload, Services and NetworkPolicy. */
  readonly name: string;
  /** `app.kubernetes.io/name`: the kind of thing (the Thanos mixin matches it, e.g. `thanos-query`). */
  readonly kind: string;
  /** `app.kubernetes.io/component`: its role in the stack. */
  readonly component: string;
  /** Its main image (the tag becomes `app.kubernetes.io/version`). */
  readonly image: string;
  /**
   * Render its NetworkPolicy.
   * @default true
   */
  readonly networkPolicy?: boolean;
  /** How its exposed Services admit clients. */
  readonly exposure?: ExposureOptions;
  /**
   * The preset row of its main container's resources.
   * @default - none: the component always gives `resources` (memcached is sized by its cache)
   */
  readonly preset?: PresetWorkload;
  /**
   * Resource preset.
   * @default SizePreset.SMALL
   */
  readonly size?: SizePreset;
  /**
   * Resources of the main container, as the user gave them.
   * @default - from `preset` and `size`
   */
  readonly resources?: Resources;
  /** Where its pods run. */
  readonly placement?: Placement;
  /** Extra flags of its main container, as the user gave them. */
  readonly extraArgs?: string[];
}

/** The checks every component makes, with what differs between them. */
export interface CommonChecks {
  /** Longest valid `name` (its longest derived object name decides). @default 63 */
  readonly maxNameLength?: number;
  /** The replica count, if the component has one. */
  readonly replicas?: number;
  /** Service types by prop path (`serviceType`, `grpcServiceType`...). */
  readonly serviceTypes?: { [prop: string]: ServiceType | undefined };
}

/**
 * What every component shares: its name, labels, selector and NetworkPolicy, created first so the
 * policy precedes the component's other objects in the output.
 *
 * A hidden base class: jsii folds its members into each component. `@jsii ignore`, not the internal tag,
 * because `stripInternal` would drop the class from the declarations the components extend.
 * @jsii ignore
 */
export abstract class Component extends Construct implements IConnectable {
  /** Object name. */
  public readonly name: string;
  /** The component's NetworkPolicy rules. */
  public readonly connections: Connections;
  /** Its main image. */
  protected readonly image: string;
  /** Every label of its objects. */
  protected readonly labels: Labels;
  /** Its pods' selector labels. */
  protected readonly selector: Labels;
  /** The resource preset its containers take their resources from. */
  protected readonly size: SizePreset;
  /** Resources of its main container: given, or from the preset. */
  protected readonly resources: Resources;
  /** Resources as the user gave them (only those are checked: presets are right by construction). */
  private readonly givenResources?: Resources;
  private readonly givenExtraArgs: string[];
  private extraArgsChecked = false;

  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id);
    registerInvariants(this);
    this.name = props.name;
    this.image = props.image;
    this.size = props.size ?? SizePreset.SMALL;
    this.givenResources = props.resources;
    setPlacement(this, props.placement);
    this.givenExtraArgs = [...(props.extraArgs ?? [])];
    // A mistyped value from JavaScript fails its grammar check at synth; build from the preset meanwhile.
    this.resources = props.resources instanceof Resources ? props.resources : presetResources(presetOf(props), this.size);
    const ids = { name: props.kind, instance: props.name, component: props.component };
    this.labels = componentLabels(ids, props.image);
    this.selector = selectorLabels(ids);
    this.connections = new Connections(this, 'NetworkPolicy', {
      name: props.name,
      labels: this.labels,
      selector: this.selector,
      namespace: namespaceOf(this),
      enabled: props.networkPolicy,
      exposure: props.exposure,
    });
  }

  /**
   * Problems with what every component takes: its name, replicas, resources and Service types.
   * @internal
   */
  protected _commonProblems(checks: CommonChecks = {}): string[] {
    return [
      ...nameProblems('name', this.name, checks.maxNameLength),
      ...(checks.replicas !== undefined ? replicaProblems('replicas', checks.replicas) : []),
      ...(this.givenResources?._problems() ?? []),
      ...Object.entries(checks.serviceTypes ?? {}).flatMap(([prop, type]) => serviceTypeProblems(prop, type)),
    ];
  }

  /**
   * The user's `extraArgs`, to append to the main container's own args, checked at synth against `set`.
   * @param own the args the construct renders (read at synth, after every wiring call)
   * @internal
   */
  protected _extraArgs(set: FlagSet, own: () => string[]): string[] {
    const extra = this.givenExtraArgs;
    // Once per component, though a sharded store renders one container per shard.
    if (extra.length && !this.extraArgsChecked) validateWith(this, () => extraArgProblems('extraArgs', set, extra, own()));
    this.extraArgsChecked = true;
    return extra;
  }

  /**
   * How a Thanos server of this component leaves (private/shutdown.ts): its HTTP server, and its gRPC server if
   * it has one, each with its grace period, 2m or what `extraArgs` set with `--http-grace-period`/`--grpc-grace-period`.
   * @internal
   */
  protected _thanosShutdown(discovery: Discovery | undefined, grpc: boolean): Shutdown {
    const grace = (flag: string) => {
      const given = this.givenExtraArgs.find((a) => a.startsWith(`${flag}=`));
      return (given === undefined ? undefined : goDurationSeconds(given.slice(flag.length + 1))) ?? THANOS_GRACE_SECONDS;
    };
    return serverShutdown(discovery, [grace('--http-grace-period'), ...(grpc ? [grace('--grpc-grace-period')] : [])]);
  }

  /** The component's pods as a NetworkPolicy peer. */
  public toNetworkPolicyPeer(): k8s.NetworkPolicyPeer {
    return this.connections.toNetworkPolicyPeer();
  }
}

function presetOf(props: ComponentProps): PresetWorkload {
  if (props.preset === undefined) throw new Error(`${props.kind} gives neither resources nor a preset row to take them from`);
  return props.preset;
}
