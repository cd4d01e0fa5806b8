/**
 * The interfaces components are wired through: each names what a peer needs (an address, a
 * port) and is a network peer, so wiring two components also opens their NetworkPolicies.
 */
import { IConnectable } from './connections';
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
  return typeof x === 'object' && x !== null && typeof (x as IStoreApi).storeApiAddress === 'string' && typeof (x as IStoreApi).storeApiPort === 'number'
    && (x as { servesStoreApi?: boolean }).servesStoreApi !== false;
}

/** A Prometheus-compatible HTTP query API (querier, query frontend, Prometheus). */
export interface IQueryApi extends IConnectable {
  /** Base URL, e.g. `http://thanos-query.monitoring.svc:10902`. */
  readonly queryUrl: string;
  /** Its port. */
  readonly queryPort: number;
}

/** An Alertmanager cluster that Prometheus and the ruler send alerts to. */
export interface IAlertmanagerApi extends IConnectable {
  /** Headless Service host resolving to every replica, e.g. `alertmanager-cluster.monitoring.svc`. */
  readonly alertmanagerHost: string;
  /** The API port. */
  readonly alertmanagerPort: NamedPort;
}
