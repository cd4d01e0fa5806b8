/**
 * The interfaces components are wired through: each names what a peer needs (an address, a
 * port) and is a network peer, so wiring two components also opens their NetworkPolicies.
 */
import { IConnectable, INetworkPeer } from './connections';
import { NamedPort } from '../ports';

/** A Service port Prometheus scrapes. */
export interface ScrapeEndpoint {
  /** Scrape job name; the Thanos mixin dashboards select jobs by substrings such as `thanos-query`. */
  readonly jobName: string;
  /** The Service whose endpoints are scraped. */
  readonly serviceName: string;
  /**
   * The Service's namespace, when its chart sets one.
   * @default - none: the chart sets no namespace
   * @jsii suppress reserved-word
   */
  readonly namespace?: string;
  /** The named port serving metrics. */
  readonly port: NamedPort;
  /** Metrics path. @default '/metrics' */
  readonly path?: string;
}

/**
 * The scrape job of a Thanos component: the Thanos mixin's dashboards and alerts select jobs by a
 * substring (`thanos-query`, `thanos-store`, ...), so a name without it gets it as a prefix.
 */
export function mixinJobName(name: string, mixinJob: string): string {
  return name.includes(mixinJob) ? name : `${mixinJob}-${name}`;
}

/** A component Prometheus can scrape. */
export interface IScrapeTarget extends IConnectable {
  /** Its metrics endpoints. */
  readonly scrapeEndpoints: ScrapeEndpoint[];
}

/** A Thanos StoreAPI (sidecar, store gateway, ruler, receive, querier) a querier can fan out to. */
export interface IStoreApi extends IConnectable {
  /** Querier endpoint, e.g. `dnssrv+_grpc._tcp.prometheus-thanos-sidecar.monitoring.svc`. */
  readonly storeApiAddress: string;
  /** The gRPC port. */
  readonly storeApiPort: number;
  /** External labels that differ between replicas of this source; queriers deduplicate on them. */
  readonly replicaLabels: string[];
}

/**
 * True for components that serve a StoreAPI: how a querier discovers every one in the app. A component
 * whose StoreAPI is off in its mode (a Prometheus that remote-writes has no sidecar) says so with
 * `servesStoreApi: false`.
 */
export function isStoreApi(x: unknown): x is IStoreApi {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as IStoreApi).storeApiAddress === 'string' &&
    typeof (x as IStoreApi).storeApiPort === 'number' &&
    (x as { servesStoreApi?: boolean }).servesStoreApi !== false
  );
}

/** A Prometheus-compatible HTTP query API (querier, query frontend, Prometheus). */
export interface IQueryApi extends IConnectable {
  /** Base URL, e.g. `http://thanos-query.monitoring.svc:10902`. */
  readonly queryUrl: string;
  /** Its port. */
  readonly queryPort: number;
}

/**
 * An Alertmanager cluster that Prometheus and the ruler send alerts to: a component of the app
 * (`Alertmanager`) or one outside it (`AlertmanagerEndpoint.url`).
 */
export interface IAlertmanagerApi extends INetworkPeer {
  /** Its host, e.g. the headless `alertmanager-cluster.monitoring.svc` resolving to every replica. */
  readonly alertmanagerHost: string;
  /** The API port. */
  readonly alertmanagerPort: NamedPort;
  /**
   * Senders resolve every A record of `alertmanagerHost` and send to each (a headless Service: every replica
   * must get every alert). Otherwise the host is one address.
   * @default false
   */
  readonly alertmanagerDnsDiscovery?: boolean;
  /**
   * `http` or `https`.
   * @default 'http'
   */
  readonly alertmanagerScheme?: string;
  /**
   * Path its API is served under (Alertmanager with `--web.route-prefix`), e.g. `/alertmanager`.
   * @default - none
   */
  readonly alertmanagerPathPrefix?: string;
}

/** The URL a ruler's `--alertmanagers.url` takes for an Alertmanager (`dns+` resolves every replica). */
export function alertmanagerUrl(am: IAlertmanagerApi): string {
  const base = `${am.alertmanagerScheme ?? 'http'}://${am.alertmanagerHost.includes(':') ? `[${am.alertmanagerHost}]` : am.alertmanagerHost}:${am.alertmanagerPort.port}${am.alertmanagerPathPrefix ?? ''}`;
  return am.alertmanagerDnsDiscovery ? `dns+${base}` : base;
}
