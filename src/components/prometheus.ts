import { Duration, JsonPatch, Size } from 'cdk8s';
import { ServiceType, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Component } from '../private/component';
import { ComponentOptions } from './component-options';
import { IAlertmanagerApi, IQueryApi, IScrapeTarget, IStoreApi, ScrapeEndpoint } from '../wiring/apis';
import { GrpcServerTls, IGrpcTlsServer } from '../wiring/tls';
import { DEFAULT_IMAGES } from '../images';
import { sameLabels } from '../private/labels';
import { IObjectStorage, bindObjectStorage } from '../wiring/object-storage';
import { RemoteWrite } from '../wiring/remote-write';
import { PORTS, thanosServerArgs } from '../ports';
import { healthyReadyProbes } from '../private/probes';
import { Resources, SizePreset } from '../config/resources';
import { PresetWorkload, presetResources } from '../private/presets';
import { RuleGroup, ruleGroupProblems } from '../config/rules';
import { ScrapeJob } from '../config/scrape-job';
import { USERS } from '../private/security';
import { promDuration } from '../private/units';
import { externalLabelProblems, nameProblems, replicaProblems, serviceTypeProblems, validateWith } from '../private/problems';
import {
  POD_NAME_ENV, claimTemplate, configMapVolume, configYaml, container, lazy, namespaceOf, service, serviceAccount, serviceHost, statefulSet,
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
export interface PrometheusOptions extends ComponentOptions {
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
   * Scrape pods and Services that carry `prometheus.io/scrape: "true"`.
   * @default true
   */
  readonly annotationDiscovery?: boolean;
  /**
   * Enable the TSDB admin API (snapshots, series deletion).
   * @default false
   */
  readonly enableAdminApi?: boolean;
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

const TSDB_PATH = '/prometheus';
const CONFIG_DIR = '/etc/prometheus/config';
const RULES_DIR = '/etc/prometheus/rules';
const CONFIG_FILE = 'prometheus.yml';

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
  private readonly groups: RuleGroup[] = [];
  private readonly alertmanagers: IAlertmanagerApi[] = [];
  private readonly retention: Duration;
  private readonly blockDuration: Duration;

  constructor(scope: Construct, id: string, private readonly props: PrometheusProps = {}) {
    super(scope, id, {
      name: props.name ?? 'prometheus',
      kind: 'prometheus',
      component: 'prometheus',
      image: props.image ?? DEFAULT_IMAGES.prometheus,
      networkPolicy: props.networkPolicy,
      unrestrictedEgress: true,
    });
    this.replicas = props.replicas ?? 2;
    this.externalLabels = { ...(props.externalLabels ?? { cluster: this.name }) };
    this.objectStorage = props.objectStorage;
    this.replicaLabel = props.replicaLabel ?? 'replica';
    this.replicaLabels = [this.replicaLabel];
    this.remoteWrite = props.remoteWrite;
    this.servesStoreApi = !props.remoteWrite;
    // The Receive (or the bucket) keeps history; locally a day covers outages of the remote end.
    this.retention = props.retention ?? (props.objectStorage || props.remoteWrite ? Duration.days(1) : Duration.days(15));
    this.blockDuration = props.blockDuration ?? Duration.hours(2);
    this.sidecarServiceName = `${this.name}-thanos-sidecar`;
    this.storeApiAddress = `dnssrv+_grpc._tcp.${serviceHost(this, this.sidecarServiceName)}`;
    this.queryUrl = `http://${serviceHost(this, this.name)}:${PORTS.prometheus.port}`;
    this.grpcServerTls = props.grpcServerTls;

    const { image, labels, selector } = this;
    const thanosImage = props.thanosImage ?? DEFAULT_IMAGES.thanos;
    const namespace = namespaceOf(this);

    const sidecarMode = !props.remoteWrite;
    // Replicas scrape each other and their sidecars.
    this.connections.allowFrom(this, ...(sidecarMode ? [PORTS.prometheus.port, PORTS.thanosHttp.port] : [PORTS.prometheus.port]));
    const rw = props.remoteWrite?._egress();
    if (rw) this.connections.allowTo(rw.peer, rw.port);
    this.connections.allowFromOutside(props.serviceType, PORTS.prometheus.port);
    this.connections.allowFromOutside(props.sidecarServiceType, PORTS.thanosGrpc.port);

    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${this.name}-config`, labels },
      data: lazy(() => ({ [CONFIG_FILE]: this.renderConfig() })),
    });
    new k8s.KubeConfigMap(this, 'Rules', {
      metadata: { name: `${this.name}-rules`, labels },
      data: lazy(() => Object.fromEntries(this.groups.map((g) => [g.fileName, configYaml(g._toYaml())]))),
    });

    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    this.addDiscoveryRbac(labels, sa.name);

    const storage = props.objectStorage && bindObjectStorage(props.objectStorage, this, sa, this.connections);
    const tls = props.grpcServerTls?._bind(this, 'gRPC server TLS of the Thanos sidecar');

    const volumeMounts = {
      tsdb: { name: 'tsdb', mountPath: TSDB_PATH },
      config: { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      rules: { name: 'rules', mountPath: RULES_DIR, readOnly: true },
    };
    const size = props.size ?? SizePreset.SMALL;

    const prometheus = container({
      name: 'prometheus',
      image,
      user: USERS.nobody,
      args: this.prometheusArgs(),
      ports: [PORTS.prometheus],
      env: [POD_NAME_ENV],
      volumeMounts: [volumeMounts.tsdb, volumeMounts.config, volumeMounts.rules],
      probes: healthyReadyProbes(PORTS.prometheus.name, true),
      resources: props.resources ?? presetResources(PresetWorkload.PROMETHEUS, size),
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
      resources: props.sidecarResources ?? presetResources(PresetWorkload.SIDECAR, size),
    });

    // The StatefulSet's headless governing Service (stable pod DNS): the sidecar's in sidecar mode.
    const governing = sidecarMode
      ? service(this, 'SidecarService', { name: this.sidecarServiceName, labels, selector, headless: true, ports: [PORTS.thanosGrpc, PORTS.thanosHttp] })
      : service(this, 'HeadlessService', { name: `${this.name}-headless`, labels, selector, headless: true, ports: [PORTS.prometheus] });
    service(this, 'Service', { name: this.name, labels, selector, type: props.serviceType, ports: [PORTS.prometheus] });
    if (props.sidecarServiceType) {
      service(this, 'SidecarExternalService', {
        name: `${this.sidecarServiceName}-external`, labels, selector, type: props.sidecarServiceType, ports: [PORTS.thanosGrpc],
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
      automountServiceAccountToken: true,
      // Long enough for Prometheus to flush its head block on shutdown.
      terminationGracePeriodSeconds: 600,
      annotations: storage ? { 'checksum/objstore': storage.configChecksum } : undefined,
      containers: sidecarMode ? [prometheus, sidecar] : [prometheus],
      volumes: [
        configMapVolume('config', `${this.name}-config`), configMapVolume('rules', `${this.name}-rules`), ...(storage?.volumes ?? []),
        ...(tls ? [tls.volume] : []),
      ],
      claims: [claimTemplate('tsdb', props.storageSize ?? Size.gibibytes(20), selector, props.storageClassName)],
    });

    this.addScrapeJob(ScrapeJob.kubernetesService(this.name, { serviceName: this.name, portName: PORTS.prometheus.name, namespace }));
    if (sidecarMode) this.addScrapeJob(ScrapeJob.kubernetesService(this.sidecarServiceName, { serviceName: this.sidecarServiceName, portName: PORTS.thanosHttp.name, namespace }));
    if (props.annotationDiscovery ?? true) {
      this.addScrapeJob(ScrapeJob.annotatedPods());
      this.addScrapeJob(ScrapeJob.annotatedServices());
    }

    validateWith(this, () => this.problems());
  }


  /** Metrics endpoints of Prometheus and its sidecar. */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    const namespace = namespaceOf(this);
    return [
      { jobName: this.name, serviceName: this.name, namespace, port: PORTS.prometheus },
      ...(this.servesStoreApi ? [{ jobName: this.sidecarServiceName, serviceName: this.sidecarServiceName, namespace, port: PORTS.thanosHttp }] : []),
    ];
  }

  /** Adds a scrape job. */
  public addScrapeJob(job: ScrapeJob): void {
    this.scrapeJobs.push(job);
  }

  /** Scrapes a component's metrics endpoints and lets its NetworkPolicy accept this Prometheus. */
  public scrape(target: IScrapeTarget): void {
    for (const e of target.scrapeEndpoints) {
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
    const delayed = (p.localCompaction ?? LocalCompaction.DISABLED) === LocalCompaction.DELAYED;
    const block = promDuration(this.blockDuration);
    return [
      `--config.file=${CONFIG_DIR}/${CONFIG_FILE}`,
      `--storage.tsdb.path=${TSDB_PATH}`,
      `--storage.tsdb.retention.time=${promDuration(this.retention)}`,
      ...(p.retentionSize ? [`--storage.tsdb.retention.size=${p.retentionSize.toMebibytes()}MB`] : []),
      ...(uploads && !delayed ? [`--storage.tsdb.min-block-duration=${block}`, `--storage.tsdb.max-block-duration=${block}`] : []),
      ...(uploads && delayed ? [`--storage.tsdb.delay-compact-file.path=${TSDB_PATH}/thanos.shipper.json`] : []),
      `--web.listen-address=0.0.0.0:${PORTS.prometheus.port}`,
      '--web.enable-lifecycle',
      // Without a sidecar to call /-/reload: Prometheus hashes its config and rule files itself (3.12+).
      ...(p.remoteWrite ? ['--config.auto-reload'] : []),
      ...(p.enableAdminApi ? ['--web.enable-admin-api'] : []),
    ];
  }

  private renderConfig(): string {
    const config = {
      global: {
        scrape_interval: promDuration(this.props.scrapeInterval ?? Duration.seconds(30)),
        evaluation_interval: promDuration(this.props.evaluationInterval ?? Duration.seconds(30)),
        // Prometheus 3 expands ${POD_NAME} from the environment: each replica gets its own value.
        external_labels: { ...this.externalLabels, [this.replicaLabel]: '${POD_NAME}' },
      },
      rule_files: [`${RULES_DIR}/*.rules.yaml`],
      // Remote write 1.0 (Prometheus' default message, prometheus.WriteRequest): what a released Thanos Receive accepts.
      ...(this.remoteWrite ? { remote_write: [this.remoteWrite._toYaml()] } : {}),
      ...(this.alertmanagers.length ? {
        alerting: {
          // Replicas send the same alerts with different replica labels: drop it so Alertmanager merges them.
          alert_relabel_configs: [{ action: 'labeldrop', regex: this.replicaLabel }],
          alertmanagers: this.alertmanagers.map((am) => ({
            api_version: 'v2',
            dns_sd_configs: [{ names: [am.alertmanagerHost], type: 'A', port: am.alertmanagerPort.port }],
          })),
        },
      } : {}),
      scrape_configs: this.scrapeJobs.map((j) => j._toYaml()),
    };
    return configYaml(config);
  }

  /** Kubernetes service discovery needs read access to the objects it lists, cluster-wide. */
  private addDiscoveryRbac(labels: { [key: string]: string }, serviceAccountName: string): void {
    const verbs = ['get', 'list', 'watch'];
    const role = new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: this.clusterScopedName(), labels },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'nodes', 'nodes/metrics', 'pods', 'services'], verbs },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs },
        { nonResourceUrLs: ['/metrics'], verbs: ['get'] },
      ],
    });
    const binding = new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: this.clusterScopedName(), labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.name },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccountName, namespace: namespaceOf(this) ?? 'default' }],
    });
    // The chart stamps its namespace on every object; cluster-scoped ones must not carry one.
    if (namespaceOf(this)) {
      for (const o of [role, binding]) o.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }
  }

  /** Cluster-scoped names must be unique across namespaces. */
  private clusterScopedName(): string {
    const ns = namespaceOf(this);
    return ns ? `${ns}-${this.name}` : this.name;
  }

  private problems(): string[] {
    const p = this.props;
    const problems = [
      // Its longest object name is `<name>-thanos-sidecar` (15 more), or `<name>-thanos-sidecar-external` (24).
      ...nameProblems('name', this.name, 63 - (p.sidecarServiceType ? 24 : 15)),
      ...replicaProblems('replicas', this.replicas),
      ...externalLabelProblems(this.externalLabels, this.replicaLabel, 'the Thanos sidecar refuses to start without external labels', '{ cluster: "eu1" }'),
      ...ruleGroupProblems(this.groups),
      ...(p.resources?._problems() ?? []),
      ...(p.sidecarResources?._problems() ?? []),
      ...(p.grpcServerTls?._problems() ?? []),
      ...serviceTypeProblems('serviceType', p.serviceType),
    ];
    const twin = this.node.root.node.findAll().find((c) => c !== this && c instanceof Prometheus && sameLabels(c.externalLabels, this.externalLabels));
    if (twin) {
      problems.push(`external labels ${JSON.stringify(this.externalLabels)} are the same as those of ${twin.node.path}: every Prometheus needs a unique set, or their blocks overlap in the bucket; change a label value (e.g. cluster)`);
    }
    if (p.remoteWrite) {
      problems.push(...p.remoteWrite._problems(), ...this.remoteWriteProblems());
      return problems;
    }
    const minRetention = this.blockDuration.toMilliseconds() * 3;
    if (this.retention.toMilliseconds() < minRetention) {
      problems.push(`retention ${promDuration(this.retention)} is shorter than 3 x blockDuration (${promDuration(Duration.millis(minRetention))}): blocks could be deleted before the sidecar ships them; raise retention`);
    }
    if (p.blockDuration && (!p.objectStorage || p.localCompaction === LocalCompaction.DELAYED)) {
      problems.push(`blockDuration ${promDuration(p.blockDuration)} has no effect ${p.objectStorage ? 'with delayed compaction (Prometheus sizes its blocks)' : 'without objectStorage (Prometheus compacts as usual)'}: drop blockDuration`);
    }
    if (!p.objectStorage && p.localCompaction === LocalCompaction.DELAYED) {
      problems.push('localCompaction DELAYED needs objectStorage: delayed compaction waits for uploads; set objectStorage or drop localCompaction');
    }
    if (!p.objectStorage && p.uploadCompacted) {
      problems.push('uploadCompacted needs objectStorage: there is no bucket to upload to; set objectStorage or drop uploadCompacted');
    }
    problems.push(...serviceTypeProblems('sidecarServiceType', p.sidecarServiceType));
    return problems;
  }

  /** Sidecar-mode options that remote-write mode would silently ignore. */
  private remoteWriteProblems(): string[] {
    const p = this.props;
    const sidecarOnly: Array<[string, unknown]> = [
      ['objectStorage', p.objectStorage], ['blockDuration', p.blockDuration], ['localCompaction', p.localCompaction],
      ['uploadCompacted', p.uploadCompacted], ['sidecarServiceType', p.sidecarServiceType], ['grpcServerTls', p.grpcServerTls],
      ['thanosImage', p.thanosImage], ['sidecarResources', p.sidecarResources],
    ];
    return sidecarOnly.filter(([, v]) => v !== undefined).map(([k]) =>
      `${k} is set with remoteWrite, which runs no sidecar (the Receive stores and uploads the samples): drop ${k}, or drop remoteWrite for sidecar mode`);
  }
}
