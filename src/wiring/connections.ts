import { Lazy } from 'cdk8s';
import { ServiceType, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { settleWiring } from '../private/lifecycle';

/** True for Service types reachable from outside the cluster. */
export function isExposed(type: ServiceType | undefined): boolean {
  return type === ServiceType.NODE_PORT || type === ServiceType.LOAD_BALANCER;
}

/** Something a NetworkPolicy rule can name as source or destination. */
export interface INetworkPeer {
  /** The peer as a NetworkPolicy peer. */
  toNetworkPolicyPeer(): k8s.NetworkPolicyPeer;
}

/** Something with its own NetworkPolicy: `a.connections.allowTo(b, port)` opens both ends. */
export interface IConnectable extends INetworkPeer {
  /** The component's NetworkPolicy rules. */
  readonly connections: Connections;
}

/** Network peers outside this library's components. */
export class NetworkPeer implements INetworkPeer {
  /** Pods with these labels, in the namespace `namespaceName` or, when omitted, in the policy's own namespace. */
  public static pods(labels: { [key: string]: string }, namespaceName?: string): NetworkPeer {
    return new NetworkPeer({
      podSelector: { matchLabels: { ...labels } },
      ...(namespaceName ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespaceName } } } : {}),
    });
  }

  /** Every pod in namespaces with these labels. */
  public static namespaces(labels: { [key: string]: string }): NetworkPeer {
    return new NetworkPeer({ namespaceSelector: { matchLabels: { ...labels } } });
  }

  /** An IP range (less the `exceptCidrs` ranges), e.g. a load balancer or an external object store. */
  public static ipBlock(cidr: string, exceptCidrs?: string[]): NetworkPeer {
    return new NetworkPeer({ ipBlock: { cidr, ...(exceptCidrs ? { except: exceptCidrs } : {}) } });
  }

  /** Any address: for endpoints outside the cluster whose addresses are not known at synth time. */
  public static anywhere(): NetworkPeer {
    return NetworkPeer.ipBlock('0.0.0.0/0');
  }

  private constructor(private readonly peer: k8s.NetworkPolicyPeer) {}

  public toNetworkPolicyPeer(): k8s.NetworkPolicyPeer {
    return this.peer;
  }
}

/** Properties of `Connections`. */
export interface ConnectionsProps {
  /** Name of the NetworkPolicy (the component's name). */
  readonly name: string;
  /** Labels of the NetworkPolicy object. */
  readonly labels: { [key: string]: string };
  /** Selector labels of the component's pods. */
  readonly selector: { [key: string]: string };
  /**
   * Namespace of the component's pods, when its chart has one.
   * @default - the policy's own namespace
   * @jsii suppress reserved-word
   */
  readonly namespace?: string;
  /**
   * Render the NetworkPolicy.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Allow all egress (Prometheus scrapes targets anywhere and talks to the API server).
   * @default false
   */
  readonly unrestrictedEgress?: boolean;
}

interface Rule {
  readonly peer: INetworkPeer;
  readonly ports: readonly number[];
}

const DNS_PORTS: k8s.NetworkPolicyPort[] = [
  { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
  { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
];

/**
 * The ingress and egress a component needs, rendered as one default-deny NetworkPolicy.
 * Rules are added by whoever wires two components, so the policy follows the wiring.
 */
export class Connections extends Construct implements INetworkPeer {
  private readonly ingress: Rule[] = [];
  private readonly egress: Rule[] = [];

  constructor(scope: Construct, id: string, private readonly props: ConnectionsProps) {
    super(scope, id);
    if (props.enabled ?? true) {
      new k8s.KubeNetworkPolicy(this, 'Resource', {
        metadata: { name: props.name, labels: { ...props.labels } },
        spec: Lazy.any({ produce: () => this.renderSpec() }),
      });
    }
  }

  /** The component's pods as a peer. */
  public toNetworkPolicyPeer(): k8s.NetworkPolicyPeer {
    return NetworkPeer.pods(this.props.selector, this.props.namespace).toNetworkPolicyPeer();
  }

  /** Accept traffic from `peer` on these ports of this component. */
  public allowFrom(peer: INetworkPeer, ...ports: number[]): void {
    this.ingress.push({ peer, ports });
  }

  /** Accept any source on these ports when a Service of this type exposes them outside the cluster. */
  public allowFromOutside(serviceType: ServiceType | undefined, ...ports: number[]): void {
    if (isExposed(serviceType)) this.allowFrom(NetworkPeer.anywhere(), ...ports);
  }

  /** Send traffic to `peer` on these ports; when `peer` is a component, it accepts it too. */
  public allowTo(peer: INetworkPeer, ...ports: number[]): void {
    this.egress.push({ peer, ports });
    if (isConnectable(peer)) peer.connections.allowFrom(this, ...ports);
  }

  private renderSpec(): k8s.NetworkPolicySpec {
    settleWiring(this);
    return {
      podSelector: { matchLabels: { ...this.props.selector } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: renderRules(this.ingress).map(([from, ports]) => ({ from, ports })),
      egress: this.props.unrestrictedEgress
        ? [{}]
        : [{ ports: DNS_PORTS }, ...renderRules(this.egress).map(([to, ports]) => ({ to, ports }))],
    };
  }
}

function isConnectable(x: INetworkPeer): x is IConnectable {
  return (x as IConnectable).connections instanceof Connections;
}

/** Groups rules by port set, de-duplicates peers, and sorts both so output is deterministic. */
function renderRules(rules: Rule[]): Array<[k8s.NetworkPolicyPeer[], k8s.NetworkPolicyPort[]]> {
  const byPorts = new Map<string, Map<string, k8s.NetworkPolicyPeer>>();
  for (const rule of rules) {
    const key = [...new Set(rule.ports)].sort((a, b) => a - b).join(',');
    const peers = byPorts.get(key) ?? new Map<string, k8s.NetworkPolicyPeer>();
    const peer = rule.peer.toNetworkPolicyPeer();
    peers.set(JSON.stringify(peer), peer);
    byPorts.set(key, peers);
  }
  return [...byPorts.keys()].sort().map((key) => {
    const peers = byPorts.get(key)!;
    const sortedPeers = [...peers.keys()].sort().map((k) => peers.get(k)!);
    const ports = key.split(',').map((p) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(Number(p)) }));
    return [sortedPeers, ports];
  });
}
