import { IAlertmanagerApi } from './apis';
import { INetworkPeer, NetworkPeer, peerOfHost } from './connections';
import { NamedPort } from '../ports';

/** Options of `AlertmanagerEndpoint.url`. */
export interface AlertmanagerEndpointOptions {
  /**
   * The Alertmanager's pods or addresses, for NetworkPolicy egress (on the URL's port).
   * @default - derived from the URL's host: a cluster DNS name (`<service>.<namespace>.svc[.cluster.local]`)
   * selects that namespace's pods, an IP is that address, another dotted name any address; a name without a
   * dot must be given a peer
   */
  readonly networkPeer?: INetworkPeer;
}

/**
 * An Alertmanager outside this app, e.g. kube-prometheus-stack's
 * `http://prometheus-operator-alertmanager.monitoring.svc.cluster.local:9093`: Prometheus and the ruler send to
 * the URL as one address (its Service balances), and their NetworkPolicies open the edge to it.
 */
export class AlertmanagerEndpoint implements IAlertmanagerApi {
  /**
   * An Alertmanager at `url` (`http` or `https`; port 9093 unless the URL writes one, as Thanos assumes; a path
   * is the API's prefix).
   * @param url e.g. `http://alertmanager-operated.monitoring.svc:9093`
   */
  public static url(url: string, options: AlertmanagerEndpointOptions = {}): AlertmanagerEndpoint {
    return new AlertmanagerEndpoint(url, options);
  }

  public readonly alertmanagerHost: string;
  public readonly alertmanagerPort: NamedPort;
  /** `http` or `https`, from the URL. */
  public readonly alertmanagerScheme?: string;
  public readonly alertmanagerPathPrefix?: string;
  private readonly parsed?: URL;

  private constructor(
    private readonly url: string,
    private readonly options: AlertmanagerEndpointOptions,
  ) {
    try {
      this.parsed = new URL(url);
    } catch {
      this.parsed = undefined;
    }
    const u = this.parsed;
    this.alertmanagerScheme = u?.protocol.replace(/:$/, '') ?? 'http';
    this.alertmanagerHost = u?.hostname.replace(/^\[|\]$/g, '') ?? url;
    // Read from the text: URL drops a scheme's default port (":443"). None written: 9093, as Thanos assumes.
    const port = /^[a-z]+:\/\/(\[[^\]]*\]|[^/:?#]*):(\d+)/i.exec(url)?.[2];
    this.alertmanagerPort = { name: 'http', port: port ? Number(port) : 9093 };
    const path = u?.pathname.replace(/\/+$/, '');
    this.alertmanagerPathPrefix = path ? path : undefined;
  }

  /** The peer the URL implies, or the one given. */
  public toNetworkPolicyPeer() {
    // Without a peer synth fails (see `_problems`); nothing is rendered.
    return (this.options.networkPeer ?? peerOfHost(this.alertmanagerHost) ?? NetworkPeer.anywhere()).toNetworkPolicyPeer();
  }

  /** @internal */
  public _problems(): string[] {
    const u = this.parsed;
    if (!u || !['http:', 'https:'].includes(u.protocol) || u.search || u.hash || u.username) {
      return [
        `Alertmanager URL ${JSON.stringify(this.url)} is not an http(s) URL without query or credentials: write e.g. "http://alertmanager.monitoring.svc:9093"`,
      ];
    }
    if (!this.options.networkPeer && !peerOfHost(this.alertmanagerHost)) {
      return [
        `Alertmanager URL ${JSON.stringify(this.url)} may be inside the cluster but names no namespace, so no NetworkPolicy can admit it: write "<service>.<namespace>.svc", or give networkPeer (e.g. NetworkPeer.pods({...}, "<namespace>"))`,
      ];
    }
    return [];
  }
}

/** The problems of an Alertmanager given by URL; none for a component. @internal */
export function alertmanagerProblems(am: IAlertmanagerApi): string[] {
  return am instanceof AlertmanagerEndpoint ? am._problems() : [];
}
