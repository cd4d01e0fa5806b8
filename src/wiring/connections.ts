import { Lazy } from 'cdk8s';
import { ServiceType, k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { settleWiring } from '../private/lifecycle';
import { validateWith } from '../private/problems';

/** True for Service types reachable from outside the cluster. */
export function isExposed(type: ServiceType | undefined): boolean {
  return type === ServiceType.NODE_PORT || type === ServiceType.LOAD_BALANCER;
}

/** How an exposed Service routes external traffic (`spec.externalTrafficPolicy`). */
export enum ExternalTrafficPolicy {
  /**
   * Every node forwards to any pod. kube-proxy SNATs the traffic, so pods (and NetworkPolicies) see node
   * addresses, not clients'.
   */
  CLUSTER = 'Cluster',
  /** Only nodes running a pod answer; the client address is kept, so `ipBlock` rules match clients. */
  LOCAL = 'Local',
}

/** How a component's exposed Services admit clients (its `ComponentOptions`). */
export interface ExposureOptions {
  /**
   * Client CIDRs the exposed Services admit (`loadBalancerSourceRanges` and the NetworkPolicy's `ipBlock`).
   * @default - none
   */
  readonly sourceRanges?: string[];
  /**
   * Traffic policy of the exposed Services.
   * @default - by Service type
   */
  readonly externalTrafficPolicy?: ExternalTrafficPolicy;
  /**
   * Expose plaintext endpoints outside the cluster anyway.
   * @default false
   */
  readonly acknowledgePlaintextExposure?: boolean;
}

/** What a Service of `type` renders for exposure, from the component that owns `scope`. */
export function exposureSpec(scope: IConstruct, type: ServiceType | undefined): { externalTrafficPolicy?: string; loadBalancerSourceRanges?: string[] } {
  if (!isExposed(type)) return {};
  const owner = [...scope.node.scopes].reverse().find((c) => (c as Partial<IConnectable>).connections instanceof Connections) as IConnectable | undefined;
  const e = owner?.connections.exposure ?? {};
  const policy = e.externalTrafficPolicy ?? (type === ServiceType.LOAD_BALANCER ? ExternalTrafficPolicy.LOCAL : ExternalTrafficPolicy.CLUSTER);
  return {
    externalTrafficPolicy: policy,
    ...(type === ServiceType.LOAD_BALANCER && e.sourceRanges ? { loadBalancerSourceRanges: [...e.sourceRanges] } : {}),
  };
}

const CIDR = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9A-Fa-f:]+\/\d{1,3})$/;

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

  /**
   * Any address: for endpoints outside the cluster whose addresses are not known at synth time. Never
   * for pods: `ipBlock` is meant for cluster-external IPs, and Cilium does not match pod traffic with it
   * (its toCIDR rules apply only to destinations outside the cluster).
   */
  public static anywhere(): NetworkPeer {
    return NetworkPeer.ipBlock('0.0.0.0/0');
  }

  /** Every pod of the cluster (all namespaces). */
  public static allPods(): NetworkPeer {
    return new NetworkPeer({ namespaceSelector: {} });
  }

  /** The cluster DNS pods as kubeadm, EKS, GKE and AKS label them: `k8s-app=kube-dns` in `kube-system`. */
  public static kubeDns(): NetworkPeer {
    return NetworkPeer.pods({ 'k8s-app': 'kube-dns' }, 'kube-system');
  }

  private constructor(private readonly peer: k8s.NetworkPolicyPeer) {}

  public toNetworkPolicyPeer(): k8s.NetworkPolicyPeer {
    return this.peer;
  }
}

/** Where pods resolve names: a chart-wide setting read by every component's NetworkPolicy. */
export class ClusterDns {
  /**
   * The DNS servers every NetworkPolicy of this scope admits on port 53 (UDP and TCP), e.g.
   * `NetworkPeer.ipBlock('169.254.20.10/32')` for NodeLocal DNSCache. Call it before adding components.
   */
  public static use(scope: Construct, ...peers: INetworkPeer[]): void {
    scope.node.setContext(CLUSTER_DNS_CONTEXT, peers);
  }

  /** The DNS peers in effect for `scope`. @internal */
  public static _of(scope: IConstruct): INetworkPeer[] {
    const peers = scope.node.tryGetContext(CLUSTER_DNS_CONTEXT) as INetworkPeer[] | undefined;
    return peers?.length ? peers : [NetworkPeer.kubeDns()];
  }

  private constructor() {}
}

const CLUSTER_DNS_CONTEXT = 'cdk8s-thanos:clusterDns';

/** `<service>.<namespace>.svc[.cluster.local]`, possibly with a pod or SRV prefix: the namespace is the label before `svc`. */
const CLUSTER_NAME = /^(?:[^.]+\.)+([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?\.?$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The peer a host name implies, for egress to it. A cluster DNS name selects its namespace's pods (a
 * Service name does not say which pods back it); an IP literal is that one address (/32, /128); any other
 * name with a dot is outside the cluster (any address). A name without a dot resolves through the pod's
 * search path, so it may be in the cluster: `undefined`, and the caller must make the user name the peer.
 */
export function peerOfHost(host: string): INetworkPeer | undefined {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  const inCluster = CLUSTER_NAME.exec(h);
  if (inCluster) return NetworkPeer.namespaces({ 'kubernetes.io/metadata.name': inCluster[1] });
  if (IPV4.test(h)) return NetworkPeer.ipBlock(`${h}/32`);
  if (h.includes(':')) return NetworkPeer.ipBlock(`${h}/128`);
  if (!h.includes('.') || h === 'localhost') return undefined;
  return NetworkPeer.anywhere();
}

/** Host and port of `host:port`, `[v6]:port` or a bare host (then `defaultPort`). */
export function splitHostPort(address: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(address) ?? /^([^:]+)(?::(\d+))?$/.exec(address);
  // Anything else is a bare IPv6 address.
  return m ? { host: m[1], port: m[2] ? Number(m[2]) : defaultPort } : { host: address, port: defaultPort };
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
   * How the component's exposed Services admit clients.
   * @default - no source ranges: exposing a Service is an error
   */
  readonly exposure?: ExposureOptions;
}

interface Rule {
  readonly peer: INetworkPeer;
  /** Empty: every port (a target that names its own port at runtime, e.g. an annotated pod). */
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
  /** How the component's exposed Services admit clients. */
  public readonly exposure: ExposureOptions;
  private readonly ingress: Rule[] = [];
  private readonly egress: Rule[] = [];
  private readonly exposed: string[] = [];
  private readonly unprotected: string[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ConnectionsProps,
  ) {
    super(scope, id);
    this.exposure = props.exposure ?? {};
    validateWith(this, () => this.problems());
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

  /**
   * Accept the component's `sourceRanges` on these ports when a Service of this type exposes them outside
   * the cluster (no ranges: synth fails, exposure is a decision).
   */
  public allowFromOutside(serviceType: ServiceType | undefined, ...ports: number[]): void {
    if (!isExposed(serviceType)) return;
    this.exposed.push(`${serviceType} Service on port ${ports.join(', ')}`);
    for (const cidr of this.exposure.sourceRanges ?? []) this.allowFrom(NetworkPeer.ipBlock(cidr), ...ports);
  }

  /**
   * Declares that a Service of this type would expose `what` (a plaintext StoreAPI, an admin UI) outside
   * the cluster: an error unless `acknowledgePlaintextExposure` is set. The Service type comes last
   * because it is optional (jsii: no optional parameter before a required one).
   * @param what what would be exposed, e.g. "the bucket web UI"
   * @param fix how to avoid it, e.g. "give grpcServerTls"
   * @param serviceType the Service's type; ClusterIP or none exposes nothing
   */
  public refuseUnprotectedExposure(what: string, fix: string, serviceType?: ServiceType): void {
    if (isExposed(serviceType))
      this.unprotected.push(
        `${what} would be reachable from outside the cluster through a ${serviceType} Service: ${fix}, or set acknowledgePlaintextExposure: true`,
      );
  }

  private problems(): string[] {
    const e = this.exposure;
    const problems = (e.sourceRanges ?? [])
      .filter((c) => !CIDR.test(c))
      .map((c) => `sourceRanges ${JSON.stringify(c)} is not a CIDR: write e.g. "203.0.113.0/24"`);
    if (this.exposed.length && !e.sourceRanges?.length) {
      problems.push(
        `${this.props.name}: a ${this.exposed.join(' and a ')} is exposed outside the cluster, but sourceRanges is not set: give the client CIDRs it admits (e.g. sourceRanges: ["203.0.113.0/24"]; ["0.0.0.0/0"] admits the whole internet), or keep the Service ClusterIP`,
      );
    }
    if (!e.acknowledgePlaintextExposure) problems.push(...this.unprotected);
    return problems;
  }

  /**
   * Send traffic to `peer` on these ports (no ports: every port); when `peer` is a component, it
   * accepts it too.
   */
  public allowTo(peer: INetworkPeer, ...ports: number[]): void {
    this.egress.push({ peer, ports });
    if (isConnectable(peer)) peer.connections.allowFrom(this, ...ports);
  }

  private renderSpec(): k8s.NetworkPolicySpec {
    settleWiring(this);
    // DNS only to the cluster's DNS servers: port 53 to any address is an exfiltration channel.
    const dns = ClusterDns._of(this).map((p) => p.toNetworkPolicyPeer());
    return {
      podSelector: { matchLabels: { ...this.props.selector } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: renderRules(this.ingress).map(([from, ports]) => ({ from, ...(ports.length ? { ports } : {}) })),
      egress: [{ to: dns, ports: DNS_PORTS }, ...renderRules(this.egress).map(([to, ports]) => ({ to, ...(ports.length ? { ports } : {}) }))],
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
    const ports = key === '' ? [] : key.split(',').map((p) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(Number(p)) }));
    return [sortedPeers, ports];
  });
}
