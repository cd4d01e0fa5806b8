import { Duration } from 'cdk8s';
import { ServiceType, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Component } from '../private/component';
import { IngressOptions, addIngress } from '../wiring/ingress';
import { ComponentOptions, ExtraArgsOptions } from './component-options';
import { IQueryApi, IScrapeTarget, IStoreApi, ScrapeEndpoint, isStoreApi, mixinJobName } from '../wiring/apis';
import { grpcServerTlsOf } from '../wiring/tls';
import { Discovery } from '../private/shutdown';
import { DEFAULT_IMAGES } from '../images';
import { PORTS, thanosServerArgs } from '../ports';
import { requireSecret } from '../output/prerequisites';
import { healthyReadyProbes } from '../private/probes';
import { SizePreset } from '../config/resources';
import { PresetWorkload } from '../private/presets';
import { USERS } from '../private/security';
import { StoreEndpoint } from '../wiring/store-endpoint';
import { goDuration } from '../private/units';
import { componentRules, labelNameProblems, validateWith } from '../private/problems';
import * as g from '../private/grammar';
import { deferWiring } from '../private/lifecycle';
import { checksum, configMapVolume, configYaml, container, deployment, lazy, namespaceOf, service, serviceAccount, serviceHost } from '../private/kubernetes';

/** Properties of `ThanosQuery`. */
export interface ThanosQueryProps extends ComponentOptions, ExtraArgsOptions {
  /**
   * Name of the Deployment, Service, ConfigMap and ServiceAccount.
   * @default 'thanos-query'
   */
  readonly name?: string;
  /**
   * Replicas (stateless; spread over nodes and zones, with a PodDisruptionBudget).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Fan out to every StoreAPI in the app (Prometheus sidecars, store gateways, rulers), found when the
   * app is synthesized.
   * @default true
   */
  readonly autoDiscover?: boolean;
  /**
   * StoreAPIs of the app to query, on top of (or, with `autoDiscover: false`, instead of) those found.
   * @default - none
   */
  readonly stores?: IStoreApi[];
  /**
   * StoreAPIs outside the app: sidecars in other clusters, stores in other namespaces.
   * @default - none
   */
  readonly endpoints?: StoreEndpoint[];
  /**
   * `--query.replica-label`: external labels along which replicas are deduplicated.
   * @default - the replica labels of every store and endpoint queried
   */
  readonly replicaLabels?: string[];
  /**
   * `--query.auto-downsampling`: pick downsampled data for long ranges when the request gives no resolution.
   * @default true
   */
  readonly autoDownsampling?: boolean;
  /**
   * `--query.timeout`: maximum time to process one query.
   * @default - Thanos' default, 2 minutes
   */
  readonly timeout?: Duration;
  /**
   * Type of the Service (HTTP API/UI and gRPC).
   * @default ServiceType.CLUSTER_IP
   */
  readonly serviceType?: ServiceType;
  /**
   * An Ingress for its UI and HTTP query API, never its gRPC StoreAPI (class and host yours, TLS from a Secret
   * reference); its NetworkPolicy admits the controller's pods.
   * @default - no Ingress
   */
  readonly ingress?: IngressOptions;
}

const DEFAULTS = {
  name: 'thanos-query',
  replicas: 2,
  autoDiscover: true,
  autoDownsampling: true,
  serviceType: ServiceType.CLUSTER_IP,
  size: SizePreset.SMALL,
} as const;

const CONFIG_DIR = '/etc/thanos/query';
const CONFIG_FILE = 'endpoints.yaml';
/** The Thanos mixin's dashboards and alerts select the querier's job by this substring. */
const MIXIN_JOB = 'thanos-query';

/**
 * The Thanos querier: a stateless Deployment serving the Prometheus query API over every StoreAPI,
 * deduplicating replicas. StoreAPIs of the app are found on their own and listed, with remote
 * endpoints, in an `--endpoint.sd-config-file` ConfigMap (a multi-line YAML reads and diffs better
 * than one long argument; pods roll on change through a checksum, so the change lands at once
 * instead of at the next 5-minute reload). Replica labels come from the sources, so they are never
 * typed twice.
 */
export class ThanosQuery extends Component implements IQueryApi, IScrapeTarget {
  /** Replica count. */
  public readonly replicas: number;
  public readonly queryUrl: string;
  public readonly queryPort = PORTS.thanosHttp.port;
  /** The URL its Ingress serves, when it has one. */
  public readonly ingressUrl?: string;

  private readonly addedStores: IStoreApi[] = [];
  private readonly endpoints: StoreEndpoint[];
  private readonly wired = new Set<IStoreApi>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ThanosQueryProps = {},
  ) {
    super(scope, id, {
      name: props.name ?? DEFAULTS.name,
      kind: 'thanos-query',
      component: 'query-layer',
      image: props.image ?? DEFAULT_IMAGES.thanos,
      networkPolicy: props.networkPolicy,
      exposure: props,
      preset: PresetWorkload.QUERY,
      size: props.size,
      resources: props.resources,
      placement: props.placement,
      extraArgs: props.extraArgs,
    });
    this.replicas = props.replicas ?? DEFAULTS.replicas;
    this.endpoints = [...(props.endpoints ?? [])];
    this.queryUrl = `http://${serviceHost(this, this.name)}:${PORTS.thanosHttp.port}`;

    const { image, labels, selector } = this;
    const serviceType = props.serviceType ?? DEFAULTS.serviceType;

    this.connections.allowFromOutside(serviceType, PORTS.thanosHttp.port, PORTS.thanosGrpc.port);
    this.connections.refuseUnprotectedExposure(
      "the querier's plaintext StoreAPI (gRPC) and HTTP API",
      'keep serviceType CLUSTER_IP and expose it through an authenticating proxy',
      serviceType,
    );
    for (const e of this.endpoints) this.connections.allowTo(e.peer, e.port);
    for (const s of props.stores ?? []) this.addStore(s);
    // Discovery needs the whole app; it runs before the first NetworkPolicy renders.
    deferWiring(this, () => this.allStores().forEach((s) => this.wire(s)));

    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${this.name}-endpoints`, labels },
      data: lazy(() => ({ [CONFIG_FILE]: this.renderEndpointConfig() })),
    });

    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    service(this, 'Service', { name: this.name, labels, selector, type: serviceType, ports: [PORTS.thanosGrpc, PORTS.thanosHttp] });
    if (props.ingress)
      this.ingressUrl = addIngress(this, { connections: this.connections, serviceName: this.name, labels, port: PORTS.thanosHttp }, props.ingress);

    const tls = uniqueBy(
      this.endpoints.flatMap((e) => e._tlsVolume() ?? []),
      (t) => t.volume.name,
    );
    for (const t of uniqueBy(
      this.endpoints.flatMap((e) => e.tls ?? []),
      (t) => t.secretName,
    )) {
      requireSecret(this, { name: t.secretName, keys: t.keys, purpose: 'gRPC client TLS of the Thanos querier' });
    }

    const extra = this._extraArgs({ binary: 'thanos', command: 'query' }, () => this.args());
    // The frontend, the ruler and Grafana reach it through its ClusterIP Service. A PromQL query runs up to
    // --query.timeout (2m), within the 2m HTTP grace period.
    const shutdown = this._thanosShutdown(Discovery.SERVICE, true);
    const query = container({
      name: 'thanos-query',
      image,
      user: USERS.nobody,
      args: lazy(() => [...this.args(), ...extra]),
      ports: [PORTS.thanosGrpc, PORTS.thanosHttp],
      volumeMounts: [{ name: 'endpoints', mountPath: CONFIG_DIR, readOnly: true }, ...tls.map((t) => t.mount)],
      probes: healthyReadyProbes(PORTS.thanosHttp.name),
      lifecycle: shutdown.lifecycle,
      resources: this.resources,
    });

    deployment(this, 'Resource', {
      name: this.name,
      replicas: this.replicas,
      labels,
      selector,
      user: USERS.nobody,
      serviceAccountName: sa.name,
      terminationGracePeriodSeconds: shutdown.graceSeconds,
      annotations: { 'checksum/config': lazy(() => checksum(this.renderEndpointConfig())) },
      containers: [query],
      volumes: [configMapVolume('endpoints', `${this.name}-endpoints`), ...tls.map((t) => t.volume)],
    });

    validateWith(this, () => this.problems(), {
      props,
      rules: componentRules({ autoDiscover: g.bool, autoDownsampling: g.bool, timeout: g.duration, replicaLabels: g.listOf(() => []) }),
    });
  }

  /** The querier's metrics endpoint; the job name contains `thanos-query` for the mixin. */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    return [{ jobName: mixinJobName(this.name, MIXIN_JOB), serviceName: this.name, namespace: namespaceOf(this), port: PORTS.thanosHttp }];
  }

  /** Queries a StoreAPI of the app (in addition to those discovered) and opens the NetworkPolicies between them. */
  public addStore(store: IStoreApi): void {
    if (!this.addedStores.includes(store)) this.addedStores.push(store);
    this.wire(store);
  }

  /** Every StoreAPI of the app queried, discovered ones included (complete once the app is built). */
  public get stores(): IStoreApi[] {
    return this.allStores();
  }

  /** The `--query.replica-label` values: given, or those of every store and endpoint queried. */
  public get replicaLabels(): string[] {
    const labels = this.props.replicaLabels ?? [...this.allStores(), ...this.endpoints].flatMap((s) => s.replicaLabels);
    return [...new Set(labels)].sort();
  }

  private allStores(): IStoreApi[] {
    const found =
      (this.props.autoDiscover ?? DEFAULTS.autoDiscover)
        ? this.node.root.node.findAll().filter((c): c is IStoreApi & Construct => c !== this && isStoreApi(c))
        : [];
    return [...new Set<IStoreApi>([...this.addedStores, ...found])];
  }

  private wire(store: IStoreApi): void {
    if (this.wired.has(store)) return;
    this.wired.add(store);
    this.connections.allowTo(store, store.storeApiPort);
  }

  private args(): string[] {
    const timeout = this.props.timeout;
    return [
      'query',
      ...thanosServerArgs(true),
      `--endpoint.sd-config-file=${CONFIG_DIR}/${CONFIG_FILE}`,
      ...this.replicaLabels.map((l) => `--query.replica-label=${l}`),
      ...((this.props.autoDownsampling ?? DEFAULTS.autoDownsampling) ? ['--query.auto-downsampling'] : []),
      ...(timeout ? [`--query.timeout=${goDuration(timeout)}`] : []),
    ];
  }

  /** The endpoint list, sorted and de-duplicated by address so output is stable. */
  private endpointEntries(): Map<string, object[]> {
    const byAddress = new Map<string, object[]>();
    const add = (address: string, entry: object) => {
      const entries = byAddress.get(address) ?? [];
      if (!entries.some((e) => JSON.stringify(e) === JSON.stringify(entry))) entries.push(entry);
      byAddress.set(address, entries);
    };
    for (const s of this.allStores()) add(s.storeApiAddress, { address: s.storeApiAddress });
    for (const e of this.endpoints) add(e.address, e._toYaml());
    return byAddress;
  }

  private renderEndpointConfig(): string {
    const entries = this.endpointEntries();
    return configYaml({ endpoints: [...entries.keys()].sort().map((a) => entries.get(a)![0]) });
  }

  private problems(): string[] {
    const p = this.props;
    const problems = [
      ...this._commonProblems({ replicas: this.replicas, serviceTypes: { serviceType: p.serviceType } }),
      ...this.endpoints.flatMap((e) => e._problems()),
      // Derived labels are validated by the sources they come from.
      ...(p.replicaLabels ?? []).flatMap((l) => labelNameProblems('replica label', l)),
    ];
    const entries = this.endpointEntries();
    if (entries.size === 0) {
      problems.push('a querier with no StoreAPI returns nothing: add a Prometheus, store, ruler, or endpoints');
    }
    for (const [address, variants] of entries) {
      if (variants.length > 1) problems.push(`endpoint ${address} is given twice with different TLS settings: keep one`);
    }
    if (p.timeout && p.timeout.toMilliseconds() <= 0) problems.push('timeout 0 would fail every query: give a positive duration, e.g. Duration.minutes(2)');
    // Thanos dials every dns+/dnssrv+ endpoint with the global client TLS and ignores per-endpoint TLS.
    for (const s of this.allStores().filter((x) => grpcServerTlsOf(x))) {
      problems.push(
        `${(s as unknown as Construct).node.path} serves gRPC with TLS (grpcServerTls) but this querier would dial it through ${s.storeApiAddress}, ` +
          'and Thanos ignores per-endpoint TLS for DNS-discovered endpoints: set autoDiscover: false (or leave it out of stores) and add it as ' +
          'StoreEndpoint.staticAddress("<host>:10901", { tls: GrpcClientTls.fromSecret(...) }), with one address per replica for a StatefulSet',
      );
    }
    return problems;
  }
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const i of items) if (!seen.has(key(i))) seen.set(key(i), i);
  return [...seen.values()];
}
