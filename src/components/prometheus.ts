import { Duration, Size } from 'cdk8s';
import { ServiceType, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Component } from '../private/component';
import { ComponentOptions, ExtraArgsOptions } from './component-options';
import { IAlertmanagerApi, IQueryApi, IScrapeTarget, IStoreApi, ScrapeEndpoint } from '../wiring/apis';
import { GrpcServerTls, IGrpcTlsServer } from '../wiring/tls';
import { INetworkPeer, NetworkPeer, peerOfHost, splitHostPort } from '../wiring/connections';
import { discoveryOutside, discoveryRbac } from '../private/discovery-rbac';
import { Discovery, serverShutdown } from '../private/shutdown';
import { DEFAULT_IMAGES } from '../images';
import { Part, invariantProblems, maxNameWith, takePart, uniqueScrapeJobNames } from '../private/invariants';
import { IObjectStorage, bindObjectStorage } from '../wiring/object-storage';
import { RemoteWrite } from '../wiring/remote-write';
import { PORTS, thanosServerArgs } from '../ports';
import { healthyReadyProbes } from '../private/probes';
import { Resources } from '../config/resources';
import { PresetWorkload, presetResources } from '../private/presets';
import { RuleGroup, alertingGroups, ruleGroupProblems } from '../config/rules';
import { ScrapeJob } from '../config/scrape-job';
import { USERS } from '../private/security';
import { promDuration } from '../private/units';
import { COMPONENT_RULES, externalLabelProblems, instanceOf, nameProblems, replicaProblems, validateWith } from '../private/problems';
import * as g from '../private/grammar';
import { durationOr, escapeDollar, mapOr, sizeOr } from '../private/grammar';
import { re2Problem } from '../private/re2';
import { alertmanagerProblems } from '../wiring/alertmanager-endpoint';
import {
  POD_NAME_ENV,
  claimTemplate,
  configMapVolume,
  configYaml,
  container,
  lazy,
  namespaceOf,
  service,
  serviceAccount,
  serviceAccountToken,
  serviceHost,
  statefulSet,
} from '../private/kubernetes';

/** How Prometheus' own compaction is kept from racing the sidecar's uploads. */
export enum LocalCompaction {
  /** min = max block duration: Prometheus never compacts; the Thanos compactor does it in the bucket. */
  DISABLED = 'disabled',
  /**
   * Prometheus compacts only blocks the sidecar has shipped (`--storage.tsdb.delay-compact-file.path`,
   * Prometheus >= 3.9 with Thanos >= 0.41): fewer, larger local blocks and faster local queries.
   */
  DELAYED = 'delayed',
}

/** Options of `Prometheus`: everything but its wiring (what `ThanosStack` derives). */
export interface PrometheusOptions extends ComponentOptions, ExtraArgsOptions {
  /**
   * Name of the StatefulSet, Services, ConfigMaps and RBAC objects. Unique per instance.
   * @default 'prometheus'
   */
  readonly name?: string;
  /**
   * Replicas: identical scrapers that differ only in the replica label, deduplicated by the querier.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * External labels identifying this Prometheus (the sidecar refuses to start without any, and two
   * instances with the same set corrupt the bucket). The replica label is added per pod.
   * @default { cluster: <name> }
   */
  readonly externalLabels?: { [name: string]: string };
  /**
   * The external label that differs between replicas (its value is the pod name); queriers deduplicate on it.
   * @default 'replica'
   */
  readonly replicaLabel?: string;
  /**
   * How long Prometheus keeps local data. With object storage the bucket keeps history, so a day covers
   * upload delays; must be at least 3 x blockDuration.
   * @default - 1 day with object storage, 15 days without
   */
  readonly retention?: Duration;
  /**
   * Size-based retention on top of time-based retention.
   * @default - none
   */
  readonly retentionSize?: Size;
  /**
   * TSDB block duration with uploads and `LocalCompaction.DISABLED`: min and max block duration are both set
   * to it (2h is what Thanos expects). Retention must be at least 3 times it.
   * @default Duration.hours(2)
   */
  readonly blockDuration?: Duration;
  /**
   * How local compaction is kept from racing uploads (only with object storage).
   * @default LocalCompaction.DISABLED
   */
  readonly localCompaction?: LocalCompaction;
  /**
   * Upload blocks Prometheus compacted before the sidecar ran (once, when adopting Thanos on an existing Prometheus).
   * @default false
   */
  readonly uploadCompacted?: boolean;
  /**
   * TSDB volume size (per replica).
   * @default Size.gibibytes(20)
   */
  readonly storageSize?: Size;
  /**
   * Storage class of the TSDB volume.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * Global scrape interval.
   * @default Duration.seconds(30)
   */
  readonly scrapeInterval?: Duration;
  /**
   * Global rule evaluation interval.
   * @default Duration.seconds(30)
   */
  readonly evaluationInterval?: Duration;
  /**
   * Scrape pods and Services that carry `prometheus.io/scrape: "true"`, in every namespace: its RBAC
   * is cluster-wide and its NetworkPolicy admits every pod on every port (an annotated pod names its
   * port at runtime). Off, every generated job is in the chart's namespace, and so is its RBAC (a Role).
   * @default true
   */
  readonly annotationDiscovery?: boolean;
  /**
   * The Kubernetes API server, for service-discovery egress. The API server is not a pod: policy sees
   * the address the `kubernetes` Service forwards to (`kubectl get endpoints kubernetes -n default`),
   * which differs per cluster, so the default admits any address, on `apiServerPorts` only. Name it
   * (e.g. `NetworkPeer.ipBlock('10.0.0.1/32')`) to close that.
   * @default NetworkPeer.anywhere()
   */
  readonly apiServer?: INetworkPeer;
  /**
   * The API server's ports as policy sees them (after the Service forwards): 443 on managed clusters
   * (EKS, GKE, AKS), 6443 on kubeadm.
   * @default [443, 6443]
   */
  readonly apiServerPorts?: number[];
  /**
   * Scrape the cluster itself: every kubelet and its cAdvisor (`ScrapeJob.kubelet`, `ScrapeJob.cadvisor`, which
   * add `nodes` and `nodes/metrics` to the ClusterRole), and node-exporter and kube-state-metrics where they are
   * installed (`ScrapeJob.nodeExporter`, `ScrapeJob.kubeStateMetrics`, found by Service labels).
   * @default false
   */
  readonly clusterMetrics?: boolean;
  /**
   * Enable the TSDB admin API (snapshots, series deletion).
   * @default false
   */
  readonly enableAdminApi?: boolean;
  /**
   * The URL users reach Prometheus at (`--web.external-url`): the `generatorURL` of every alert it sends and
   * its UI's links point there. Prometheus keeps serving at `/` (`--web.route-prefix=/`): strip any path
   * prefix at the proxy.
   * @default - Prometheus derives it from the pod host name, which no one outside the pod can open
   */
  readonly externalUrl?: string;
  /**
   * Type of the Service for the Prometheus UI/API.
   * @default ServiceType.CLUSTER_IP
   */
  readonly serviceType?: ServiceType;
  /**
   * Type of the sidecar's gRPC Service. Use LOAD_BALANCER or NODE_PORT to expose this Prometheus to a
   * querier in another cluster; in-cluster queriers always use the headless Service.
   * @default - only the headless Service
   */
  readonly sidecarServiceType?: ServiceType;
  /**
   * TLS on the sidecar's gRPC server, for queriers in other clusters (with `sidecarServiceType`).
   * Queriers of the app must not discover it (Thanos dials `dnssrv+` endpoints without per-endpoint
   * TLS; synth fails): give them its address(es) as `StoreEndpoint.staticAddress(..., { tls })` instead.
   * @default - plaintext gRPC
   */
  readonly grpcServerTls?: GrpcServerTls;
  /**
   * Thanos image of the sidecar.
   * @default DEFAULT_IMAGES.thanos
   */
  readonly thanosImage?: string;
  /**
   * Sidecar container resources.
   * @default - from `size`
   */
  readonly sidecarResources?: Resources;
}

/** Properties of `Prometheus`: its options plus what it is wired to. */
export interface PrometheusProps extends PrometheusOptions {
  /**
   * The bucket the sidecar ships blocks to.
   * @default - no uploads: the sidecar only serves the StoreAPI
   */
  readonly objectStorage?: IObjectStorage;
  /**
   * Remote-write mode: ship samples by remote write 1.0 to a Thanos Receive (`RemoteWrite.to(receive)`,
   * or `RemoteWrite.toUrl(...)` in another cluster) instead of through a sidecar. There is then no
   * sidecar, no StoreAPI (the Receive serves the data) and no uploads; Prometheus reloads its own
   * config and rule files (`--config.auto-reload`, Prometheus >= 3.12).
   * @default - sidecar mode
   */
  readonly remoteWrite?: RemoteWrite;
}

const DEFAULTS = {
  name: 'prometheus',
  replicas: 2,
  replicaLabel: 'replica',
  blockDuration: Duration.hours(2),
  /** With a bucket, local data is a buffer until upload (>= 3 block durations); without one, the only copy. */
  retentionWithBucket: Duration.days(1),
  retentionWithoutBucket: Duration.days(15),
  scrapeInterval: Duration.seconds(30),
  evaluationInterval: Duration.seconds(30),
  storageSize: Size.gibibytes(20),
  annotationDiscovery: true,
  clusterMetrics: false,
  localCompaction: LocalCompaction.DISABLED,
} as const;

/** The grammar of each prop (name, replicas and labels are checked with their context in problems()). */
const RULES: g.PropRules = {
  ...COMPONENT_RULES,
  externalLabels: g.anyMap,
  retention: g.positiveDuration,
  retentionSize: g.size,
  blockDuration: g.positiveDuration,
  localCompaction: g.oneOf(Object.values(LocalCompaction)),
  uploadCompacted: g.bool,
  storageSize: g.size,
  storageClassName: g.dnsSubdomain,
  scrapeInterval: g.positiveDuration,
  evaluationInterval: g.positiveDuration,
  annotationDiscovery: g.bool,
  enableAdminApi: g.bool,
  serviceType: g.serviceType,
  sidecarServiceType: g.serviceType,
  thanosImage: g.image,
  sidecarResources: instanceOf(Resources, 'Resources.of({ cpu, memory })'),
};

const TSDB_PATH = '/prometheus';
const CONFIG_DIR = '/etc/prometheus/config';
const RULES_DIR = '/etc/prometheus/rules';
const CONFIG_FILE = 'prometheus.yml';
/** prometheus-operator's default terminationGracePeriodSeconds for Prometheus pods. */
const PROMETHEUS_GRACE_SECONDS = 600;

/**
 * Prometheus as a StatefulSet with a Thanos sidecar sharing its TSDB volume: local compaction kept
 * from racing uploads, unique external labels, a headless gRPC Service for querier discovery, and
 * RBAC for Kubernetes service discovery. Configuration reloads without restarts (the sidecar watches
 * the ConfigMaps and calls `/-/reload`).
 */
export class Prometheus extends Component implements IStoreApi, IScrapeTarget, IQueryApi, IGrpcTlsServer {
  /** The bucket its blocks are uploaded to, if any (compactor shards must cover it). */
  public readonly objectStorage?: IObjectStorage;
  /** External labels (without the replica label). */
  public readonly externalLabels: { [name: string]: string };
  /** The label that differs between replicas. */
  public readonly replicaLabel: string;
  /** Replica count. */
  public readonly replicas: number;
  /** The headless Service the querier discovers sidecars through. */
  public readonly sidecarServiceName: string;
  public readonly storeApiAddress: string;
  public readonly storeApiPort = PORTS.thanosGrpc.port;
  public readonly replicaLabels: string[];
  public readonly queryUrl: string;
  public readonly queryPort = PORTS.prometheus.port;
  /** TLS of the sidecar's gRPC server, if on. */
  public readonly grpcServerTls?: GrpcServerTls;
  /** Where samples are remote-written, in remote-write mode. */
  public readonly remoteWrite?: RemoteWrite;
  /** False in remote-write mode: no sidecar, so queriers do not discover it. */
  public readonly servesStoreApi: boolean;

  private readonly scrapeJobs: ScrapeJob[] = [];
  /** Names of the jobs this Prometheus and `scrape()` generate, for the duplicate-name message. */
  private readonly generatedJobs: string[] = [];
  private readonly groups: RuleGroup[] = [];
  private readonly alertmanagers: IAlertmanagerApi[] = [];
  private readonly unplacedTargets: string[] = [];
  private readonly namespacedDiscovery: boolean;
  private readonly retention: Duration;
  private readonly blockDuration: Duration;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: PrometheusProps = {},
  ) {
    super(scope, id, {
      name: props.name ?? DEFAULTS.name,
      kind: 'prometheus',
      component: 'prometheus',
      image: props.image ?? DEFAULT_IMAGES.prometheus,
      networkPolicy: props.networkPolicy,
      exposure: props,
      preset: PresetWorkload.PROMETHEUS,
      size: props.size,
      resources: props.resources,
      placement: props.placement,
      extraArgs: props.extraArgs,
    });
    this.replicas = props.replicas ?? DEFAULTS.replicas;
    this.externalLabels = { ...mapOr(props.externalLabels, { cluster: this.name }) };
    this.objectStorage = props.objectStorage;
    this.replicaLabel = props.replicaLabel ?? DEFAULTS.replicaLabel;
    this.replicaLabels = [this.replicaLabel];
    takePart(this, Part.PROMETHEUS);
    this.remoteWrite = props.remoteWrite;
    this.servesStoreApi = !props.remoteWrite;
    // The Receive (or the bucket) keeps history; locally a day covers outages of the remote end.
    this.retention = durationOr(props.retention, props.objectStorage || props.remoteWrite ? DEFAULTS.retentionWithBucket : DEFAULTS.retentionWithoutBucket);
    this.blockDuration = durationOr(props.blockDuration, DEFAULTS.blockDuration);
    this.sidecarServiceName = `${this.name}-thanos-sidecar`;
    this.storeApiAddress = `dnssrv+_grpc._tcp.${serviceHost(this, this.sidecarServiceName)}`;
    this.queryUrl = `http://${serviceHost(this, this.name)}:${PORTS.prometheus.port}`;
    this.grpcServerTls = props.grpcServerTls;
    const { image, labels, selector } = this;
    const thanosImage = props.thanosImage ?? DEFAULT_IMAGES.thanos;
    const namespace = namespaceOf(this);

    const sidecarMode = !props.remoteWrite;
    // Replicas scrape each other (and their sidecars); discovery lists from the API server.
    this.connections.allowTo(this, ...(sidecarMode ? [PORTS.prometheus.port, PORTS.thanosHttp.port] : [PORTS.prometheus.port]));
    this.connections.allowTo(props.apiServer ?? NetworkPeer.anywhere(), ...(props.apiServerPorts ?? [443, 6443]));
    const rw = props.remoteWrite?._egress();
    if (rw) this.connections.allowTo(rw.peer, rw.port);
    this.connections.allowFromOutside(props.serviceType, PORTS.prometheus.port);
    this.connections.allowFromOutside(props.sidecarServiceType, PORTS.thanosGrpc.port);
    if (!props.grpcServerTls)
      this.connections.refuseUnprotectedExposure("the sidecar's plaintext StoreAPI (gRPC)", 'give grpcServerTls', props.sidecarServiceType);

    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${this.name}-config`, labels },
      data: lazy(() => ({ [CONFIG_FILE]: this.renderConfig() })),
    });
    new k8s.KubeConfigMap(this, 'Rules', {
      metadata: { name: `${this.name}-rules`, labels },
      data: lazy(() => Object.fromEntries(this.groups.map((g) => [g.fileName, configYaml(g._toYaml())]))),
    });

    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    this.namespacedDiscovery = namespace !== undefined && !(props.annotationDiscovery ?? true);
    discoveryRbac(this, {
      name: this.name,
      labels,
      serviceAccountName: sa.name,
      namespace,
      namespaced: this.namespacedDiscovery,
      jobs: () => this.scrapeJobs,
    });
    // Only the Prometheus container talks to the API server: the sidecar, which holds the bucket keys, gets no token.
    const token = serviceAccountToken();

    const storage = props.objectStorage && bindObjectStorage(props.objectStorage, this, sa, this.connections);
    const tls = props.grpcServerTls?._bind(this, 'gRPC server TLS of the Thanos sidecar');

    const volumeMounts = {
      tsdb: { name: 'tsdb', mountPath: TSDB_PATH },
      config: { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      rules: { name: 'rules', mountPath: RULES_DIR, readOnly: true },
    };

    // Queriers find the sidecar by dnssrv+ on the headless Service. The sidecar answers from Prometheus, so
    // Prometheus drains as long as the sidecar does.
    const sidecarShutdown = this._thanosShutdown(Discovery.DNS, true);
    const prometheus = container({
      name: 'prometheus',
      image,
      user: USERS.nobody,
      args: [...this.prometheusArgs(), ...this._extraArgs({ binary: 'prometheus' }, () => this.prometheusArgs())],
      ports: [PORTS.prometheus],
      env: [POD_NAME_ENV],
      volumeMounts: [volumeMounts.tsdb, volumeMounts.config, volumeMounts.rules, token.volumeMount],
      probes: healthyReadyProbes(PORTS.prometheus.name, '/-/ready'),
      lifecycle: serverShutdown(Discovery.DNS, []).lifecycle,
      resources: this.resources,
    });
    const sidecar = container({
      name: 'thanos-sidecar',
      image: thanosImage,
      user: USERS.nobody,
      args: [
        'sidecar',
        `--tsdb.path=${TSDB_PATH}`,
        `--prometheus.url=http://localhost:${PORTS.prometheus.port}`,
        ...thanosServerArgs(true),
        `--reloader.config-file=${CONFIG_DIR}/${CONFIG_FILE}`,
        `--reloader.rule-dir=${RULES_DIR}`,
        ...(storage?.args ?? []),
        ...(props.uploadCompacted ? ['--shipper.upload-compacted'] : []),
        ...(tls?.args ?? []),
      ],
      ports: [PORTS.thanosGrpc, PORTS.thanosHttp],
      env: storage?.env,
      volumeMounts: [volumeMounts.tsdb, volumeMounts.config, volumeMounts.rules, ...(storage?.volumeMounts ?? []), ...(tls ? [tls.volumeMount] : [])],
      probes: healthyReadyProbes(PORTS.thanosHttp.name),
      lifecycle: sidecarShutdown.lifecycle,
      resources: props.sidecarResources ?? presetResources(PresetWorkload.SIDECAR, this.size),
    });

    // The StatefulSet's headless governing Service (stable pod DNS): the sidecar's in sidecar mode.
    const governing = sidecarMode
      ? service(this, 'SidecarService', { name: this.sidecarServiceName, labels, selector, headless: true, ports: [PORTS.thanosGrpc, PORTS.thanosHttp] })
      : service(this, 'HeadlessService', { name: `${this.name}-headless`, labels, selector, headless: true, ports: [PORTS.prometheus] });
    service(this, 'Service', { name: this.name, labels, selector, type: props.serviceType, ports: [PORTS.prometheus] });
    if (props.sidecarServiceType) {
      service(this, 'SidecarExternalService', {
        name: `${this.sidecarServiceName}-external`,
        labels,
        selector,
        type: props.sidecarServiceType,
        ports: [PORTS.thanosGrpc],
      });
    }

    statefulSet(this, 'Resource', {
      name: this.name,
      replicas: this.replicas,
      serviceName: governing.name,
      labels,
      selector,
      user: USERS.nobody,
      serviceAccountName: sa.name,
      // On SIGTERM Prometheus stops scraping and rules, sends its queued alerts
      // (--alertmanager.drain-notification-queue-on-shutdown, on by default) and closes the TSDB. It does not
      // write the head out as a block: the head stays in the WAL and is replayed on start. That usually takes
      // seconds; PROMETHEUS_GRACE_SECONDS is a cap for a slow disk, never a wait, and covers the sidecar's own.
      terminationGracePeriodSeconds: Math.max(PROMETHEUS_GRACE_SECONDS, sidecarShutdown.graceSeconds),
      annotations: storage ? { 'checksum/objstore': storage.configChecksum } : undefined,
      containers: sidecarMode ? [prometheus, sidecar] : [prometheus],
      volumes: [
        configMapVolume('config', `${this.name}-config`),
        configMapVolume('rules', `${this.name}-rules`),
        ...(storage?.volumes ?? []),
        ...(tls ? [tls.volume] : []),
        token.volume,
      ],
      claims: [claimTemplate('tsdb', sizeOr(props.storageSize, DEFAULTS.storageSize), selector, props.storageClassName)],
    });

    this.generatedJobs.push(this.name, this.sidecarServiceName);
    this.addScrapeJob(ScrapeJob.kubernetesService(this.name, { serviceName: this.name, portName: PORTS.prometheus.name, namespace }));
    if (sidecarMode)
      this.addScrapeJob(
        ScrapeJob.kubernetesService(this.sidecarServiceName, { serviceName: this.sidecarServiceName, portName: PORTS.thanosHttp.name, namespace }),
      );
    if (props.annotationDiscovery ?? DEFAULTS.annotationDiscovery) {
      const pods = ScrapeJob.annotatedPods();
      const services = ScrapeJob.annotatedServices();
      this.generatedJobs.push(pods.jobName, services.jobName);
      this.addScrapeJob(pods);
      this.addScrapeJob(services);
      this.connections.allowTo(NetworkPeer.allPods());
    }
    if (props.clusterMetrics ?? DEFAULTS.clusterMetrics) {
      for (const job of [ScrapeJob.kubelet(), ScrapeJob.cadvisor(), ScrapeJob.nodeExporter(), ScrapeJob.kubeStateMetrics()]) this.addScrapeJob(job);
    }

    validateWith(this, () => this.problems(), { props, rules: RULES });
  }

  /** Metrics endpoints of Prometheus and its sidecar. */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    const namespace = namespaceOf(this);
    return [
      { jobName: this.name, serviceName: this.name, namespace, port: PORTS.prometheus },
      ...(this.servesStoreApi ? [{ jobName: this.sidecarServiceName, serviceName: this.sidecarServiceName, namespace, port: PORTS.thanosHttp }] : []),
    ];
  }

  /** Adds a scrape job; its fixed targets get NetworkPolicy egress (peer derived from each host). */
  public addScrapeJob(job: ScrapeJob): void {
    this.scrapeJobs.push(job);
    for (const target of job._staticTargets()) {
      const { host, port } = splitHostPort(target, 80);
      if (host === 'localhost' || host.startsWith('127.')) continue; // inside the pod: no policy applies
      const peer = peerOfHost(host);
      if (peer) this.connections.allowTo(peer, port);
      else this.unplacedTargets.push(`${job.jobName}: ${target}`);
    }
  }

  /** Scrapes a component's metrics endpoints and lets its NetworkPolicy accept this Prometheus. */
  public scrape(target: IScrapeTarget): void {
    for (const e of target.scrapeEndpoints) {
      this.generatedJobs.push(e.jobName);
      this.addScrapeJob(ScrapeJob.kubernetesService(e.jobName, { serviceName: e.serviceName, portName: e.port.name, namespace: e.namespace, path: e.path }));
      this.connections.allowTo(target, e.port.port);
    }
  }

  /** Its rule groups, in the order they were added. */
  public get ruleGroups(): RuleGroup[] {
    return [...this.groups];
  }

  /** Adds a rule group (its own rule file). */
  public addRuleGroup(group: RuleGroup): void {
    this.groups.push(group);
  }

  /** Sends alerts to every replica of an Alertmanager cluster. */
  public addAlertmanager(alertmanager: IAlertmanagerApi): void {
    this.alertmanagers.push(alertmanager);
    this.connections.allowTo(alertmanager, alertmanager.alertmanagerPort.port);
  }

  private prometheusArgs(): string[] {
    const p = this.props;
    const uploads = p.objectStorage !== undefined;
    const delayed = (p.localCompaction ?? DEFAULTS.localCompaction) === LocalCompaction.DELAYED;
    const block = promDuration(this.blockDuration);
    return [
      `--config.file=${CONFIG_DIR}/${CONFIG_FILE}`,
      `--storage.tsdb.path=${TSDB_PATH}`,
      `--storage.tsdb.retention.time=${promDuration(this.retention)}`,
      ...(sizeOr(p.retentionSize) ? [`--storage.tsdb.retention.size=${sizeOr(p.retentionSize)!.toMebibytes()}MB`] : []),
      ...(uploads && !delayed ? [`--storage.tsdb.min-block-duration=${block}`, `--storage.tsdb.max-block-duration=${block}`] : []),
      ...(uploads && delayed ? [`--storage.tsdb.delay-compact-file.path=${TSDB_PATH}/thanos.shipper.json`] : []),
      `--web.listen-address=0.0.0.0:${PORTS.prometheus.port}`,
      ...(p.externalUrl ? [`--web.external-url=${p.externalUrl}`, '--web.route-prefix=/'] : []),
      // Prometheus 3 sets GOMEMLIMIT from the cgroup by default (--auto-gomemlimit, on): the container's GOMEMLIMIT
      // env (private/memory.ts) decides instead.
      '--no-auto-gomemlimit',
      '--web.enable-lifecycle',
      // Without a sidecar to call /-/reload: Prometheus hashes its config and rule files itself (3.12+).
      ...(p.remoteWrite ? ['--config.auto-reload'] : []),
      ...(p.enableAdminApi ? ['--web.enable-admin-api'] : []),
    ];
  }

  private renderConfig(): string {
    const config = {
      global: {
        scrape_interval: promDuration(durationOr(this.props.scrapeInterval, DEFAULTS.scrapeInterval)),
        evaluation_interval: promDuration(durationOr(this.props.evaluationInterval, DEFAULTS.evaluationInterval)),
        // Prometheus 3 expands ${POD_NAME} from the environment, so each replica gets its own value, and reads
        // `$$` as a literal `$`: user values are escaped so that `a$b` stays `a$b` (3.0 migration guide,
        // "expand-external-labels": https://prometheus.io/docs/prometheus/latest/migration/).
        external_labels: {
          ...Object.fromEntries(Object.entries(this.externalLabels).map(([k, v]) => [k, escapeDollar(v)])),
          [this.replicaLabel]: '${POD_NAME}',
        },
      },
      rule_files: [`${RULES_DIR}/*.rules.yaml`],
      // Remote write 1.0 (Prometheus' default message, prometheus.WriteRequest): what a released Thanos Receive accepts.
      ...(this.remoteWrite ? { remote_write: [this.remoteWrite._toYaml()] } : {}),
      ...(this.alertmanagers.length
        ? {
            alerting: {
              // Replicas send the same alerts with different replica labels: drop it so Alertmanager merges them.
              alert_relabel_configs: [{ action: 'labeldrop', regex: this.replicaLabel }],
              alertmanagers: this.alertmanagers.map((am) => ({
                api_version: 'v2',
                ...(am.alertmanagerScheme && am.alertmanagerScheme !== 'http' ? { scheme: am.alertmanagerScheme } : {}),
                ...(am.alertmanagerPathPrefix ? { path_prefix: am.alertmanagerPathPrefix } : {}),
                // Every replica of a headless Service gets every alert; anything else is one address.
                ...(am.alertmanagerDnsDiscovery
                  ? { dns_sd_configs: [{ names: [am.alertmanagerHost], type: 'A', port: am.alertmanagerPort.port }] }
                  : {
                      static_configs: [
                        { targets: [`${am.alertmanagerHost.includes(':') ? `[${am.alertmanagerHost}]` : am.alertmanagerHost}:${am.alertmanagerPort.port}`] },
                      ],
                    }),
              })),
            },
          }
        : {}),
      scrape_configs: this.scrapeJobs.map((j) => j._toYaml()),
    };
    return configYaml(config);
  }

  /** What Prometheus refuses to load that synth can see: two jobs of one name, relabel regexes Go cannot compile. */
  private scrapeJobProblems(): string[] {
    const problems = uniqueScrapeJobNames(
      this.scrapeJobs.map((j) => j.jobName),
      this.generatedJobs,
    );
    for (const job of this.scrapeJobs) {
      const yaml = job._toYaml() as { relabel_configs?: Array<{ regex?: string }> };
      for (const r of yaml.relabel_configs ?? []) {
        const why = r.regex === undefined ? undefined : re2Problem(r.regex);
        if (why)
          problems.push(
            `scrape job ${JSON.stringify(job.jobName)} has relabel regex ${JSON.stringify(r.regex)}, which Prometheus (Go's RE2 syntax) cannot compile: ${why}; fix the pattern (RE2 has no lookaround or backreferences)`,
          );
      }
    }
    return problems;
  }

  private problems(): string[] {
    const p = this.props;
    const problems = [
      // Its longest object name is its sidecar Service's, or that of the external one when there is one.
      ...nameProblems('name', this.name, maxNameWith(p.sidecarServiceType ? '-thanos-sidecar-external' : '-thanos-sidecar')),
      ...replicaProblems('replicas', this.replicas),
      ...externalLabelProblems(this.externalLabels, this.replicaLabel, 'the Thanos sidecar refuses to start without external labels', '{ cluster: "eu1" }'),
      ...ruleGroupProblems(this.groups),
      ...(p.resources?._problems() ?? []),
      ...(p.sidecarResources?._problems() ?? []),
      ...(p.grpcServerTls?._problems() ?? []),
    ];
    const major = /:v?(\d+)\.\d+[^/@]*(@sha256:[0-9a-f]+)?$/.exec(this.image)?.[1];
    if (major !== undefined && Number(major) < 3) {
      // 2.x expands external labels only with --enable-feature=expand-external-labels, which 3.x removed
      // (prometheus.io/docs/prometheus/2.55/feature_flags/): every replica would carry
      // the literal "${POD_NAME}", so their blocks overlap and the querier cannot deduplicate them.
      problems.push(
        `image ${JSON.stringify(this.image)} is Prometheus ${major}.x, which does not expand \${POD_NAME} in the replica label ${JSON.stringify(this.replicaLabel)} (only Prometheus 3 does by default): use a Prometheus 3 image, e.g. ${JSON.stringify(DEFAULT_IMAGES.prometheus)}`,
      );
    }
    problems.push(...this.scrapeJobProblems(), ...this.alertmanagers.flatMap(alertmanagerProblems));
    const alerting = alertingGroups(this.groups);
    if (alerting.length && !this.alertmanagers.length) {
      problems.push(
        `rule groups ${alerting.map((g) => JSON.stringify(g.name)).join(', ')} have alerting rules but this Prometheus has no Alertmanager, so their alerts would go nowhere: call addAlertmanager (an Alertmanager of the app, or AlertmanagerEndpoint.url("http://<service>.<namespace>.svc:9093"))`,
      );
    }
    if (p.externalUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(p.externalUrl)) {
      problems.push(`externalUrl ${JSON.stringify(p.externalUrl)} is not an http(s) URL: use e.g. "https://prometheus.example.com"`);
    }
    for (const t of this.unplacedTargets) {
      problems.push(
        `static target ${t} may be inside the cluster but names no namespace, so no NetworkPolicy can admit it: write "<service>.<namespace>.svc:<port>", or open it with prometheus.connections.allowTo(NetworkPeer.pods({...}, "<namespace>"), <port>)`,
      );
    }
    const outside = this.namespacedDiscovery ? discoveryOutside(this.scrapeJobs, namespaceOf(this)!) : [];
    if (outside.length) {
      problems.push(
        `scrape jobs ${outside.join(', ')} discover outside namespace ${namespaceOf(this)}, but with annotationDiscovery false this Prometheus' RBAC is a Role in that namespace: scrape only that namespace, or set annotationDiscovery true (cluster-wide RBAC)`,
      );
    }
    problems.push(...invariantProblems(this));
    const retentionSize = sizeOr(p.retentionSize);
    const storageSize = sizeOr(p.storageSize, DEFAULTS.storageSize);
    if (retentionSize && retentionSize.toMebibytes() > storageSize.toMebibytes()) {
      problems.push(
        `retentionSize ${retentionSize.toMebibytes()}MiB is larger than storageSize ${storageSize.toMebibytes()}MiB: the volume fills before size retention deletes anything; lower retentionSize or raise storageSize`,
      );
    }
    if (p.remoteWrite) {
      problems.push(...p.remoteWrite._problems(), ...this.remoteWriteProblems());
      return problems;
    }
    // The 3 x blockDuration minimum protects blocks not yet shipped: without a bucket it does not apply.
    const minRetention = this.blockDuration.toMilliseconds() * 3;
    if (p.objectStorage && this.retention.toMilliseconds() < minRetention) {
      problems.push(
        `retention ${promDuration(this.retention)} is shorter than 3 x blockDuration (${promDuration(Duration.millis(minRetention))}): blocks could be deleted before the sidecar ships them; raise retention`,
      );
    }
    if (p.blockDuration && (!p.objectStorage || p.localCompaction === LocalCompaction.DELAYED)) {
      problems.push(
        `blockDuration ${promDuration(p.blockDuration)} has no effect ${p.objectStorage ? 'with delayed compaction (Prometheus sizes its blocks)' : 'without objectStorage (Prometheus compacts as usual)'}: drop blockDuration`,
      );
    }
    if (!p.objectStorage && p.localCompaction === LocalCompaction.DELAYED) {
      problems.push('localCompaction DELAYED needs objectStorage: delayed compaction waits for uploads; set objectStorage or drop localCompaction');
    }
    if (!p.objectStorage && p.uploadCompacted) {
      problems.push('uploadCompacted needs objectStorage: there is no bucket to upload to; set objectStorage or drop uploadCompacted');
    }
    return problems;
  }

  /** Sidecar-mode options that remote-write mode would silently ignore. */
  private remoteWriteProblems(): string[] {
    const p = this.props;
    const sidecarOnly: Array<[string, unknown]> = [
      ['objectStorage', p.objectStorage],
      ['blockDuration', p.blockDuration],
      ['localCompaction', p.localCompaction],
      ['uploadCompacted', p.uploadCompacted],
      ['sidecarServiceType', p.sidecarServiceType],
      ['grpcServerTls', p.grpcServerTls],
      ['thanosImage', p.thanosImage],
      ['sidecarResources', p.sidecarResources],
    ];
    return sidecarOnly
      .filter(([, v]) => v !== undefined)
      .map(
        ([k]) =>
          `${k} is set with remoteWrite, which runs no sidecar (the Receive stores and uploads the samples): drop ${k}, or drop remoteWrite for sidecar mode`,
      );
  }
}
