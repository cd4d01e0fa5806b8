import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Labels, componentLabels, selectorLabels } from './labels';
import { Connections, ExposureOptions, IConnectable } from '../wiring/connections';
import { namespaceOf } from './kubernetes';

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

  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id);
    this.name = props.name;
    this.image = props.image;
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

  /** The component's pods as a NetworkPolicy peer. */
  public toNetworkPolicyPeer(): k8s.NetworkPolicyPeer {
    return this.connections.toNetworkPolicyPeer();
  }
}
