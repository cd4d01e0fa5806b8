import { Duration, Size } from 'cdk8s';
import { ServiceType, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Component } from '../private/component';
import { ComponentOptions } from './component-options';
import { IScrapeTarget, IStoreApi, ScrapeEndpoint, mixinJobName } from '../wiring/apis';
import { IRemoteWriteApi } from '../wiring/remote-write';
import { DEFAULT_IMAGES } from '../images';
import { IObjectStorage, bindObjectStorage } from '../wiring/object-storage';
import { PORTS, thanosServerArgs } from '../ports';
import { healthyReadyProbes } from '../private/probes';
import { Resources, SizePreset } from '../config/resources';
import { PresetWorkload } from '../private/presets';
import { Discovery } from '../private/shutdown';
import { USERS } from '../private/security';
import { promDuration } from '../private/units';
import { externalLabelProblems, labelNameProblems, nameProblems, replicaProblems, serviceTypeProblems, validateWith } from '../private/problems';
import { MAX_STATEFULSET_NAME } from '../private/invariants';
import {
  POD_NAME_ENV,
  checksum,
  claimTemplate,
  configMapVolume,
  container,
  deployment,
  namespaceOf,
  service,
  serviceAccount,
  serviceHost,
  statefulSet,
} from '../private/kubernetes';

/** Options of `ThanosReceive`: everything but its wiring. */
export interface ThanosReceiveOptions extends ComponentOptions {
  /**
   * Name prefix: the router is `<name>-router` (Deployment, Service), the ingestors `<name>-ingestor`
   * (StatefulSet, headless Service), the hashring ConfigMap `<name>-hashrings`.
   * @default 'thanos-receive'
   */
  readonly name?: string;
  /**
   * Router replicas (stateless: they forward each write to its ingestors by the hashring).
   * @default 2
   */
  readonly routerReplicas?: number;
  /**
   * Ingestors: one StatefulSet pod each, with its own TSDB volume, all in one hashring.
   * @default 3
   */
  readonly ingestors?: number;
  /**
   * How many ingestors store each series (`--receive.replication-factor`). A write succeeds once a
   * quorum (`floor(RF / 2) + 1`) has it, so RF 3 survives one ingestor down. At most `ingestors`.
   * @default - 3 with 3 or more ingestors, otherwise 1
   */
  readonly replicationFactor?: number;
  /**
   * HTTP header naming the tenant of a write request (`--receive.tenant-header`).
   * @default 'THANOS-TENANT'
   */
  readonly tenantHeader?: string;
  /**
   * Tenant of writes without the header (`--receive.default-tenant-id`).
   * @default 'default-tenant'
   */
  readonly defaultTenant?: string;
  /**
   * External label carrying the tenant on every series and block (`--receive.tenant-label-name`).
   * @default 'tenant_id'
   */
  readonly tenantLabelName?: string;
  /**
   * External labels of every ingestor's blocks (the tenant and replica labels are added).
   * @default { receive: <name> }
   */
  readonly externalLabels?: { [name: string]: string };
  /**
   * External label that differs between ingestors (its value is the pod name); queriers deduplicate the
   * replicated copies of a series on it.
   * @default 'receive_replica'
   */
  readonly replicaLabel?: string;
  /**
   * Replica labels of the Prometheus servers writing from outside the app, for the querier to
   * deduplicate on (those of the app's Prometheus servers that remote-write here are found on their own).
   * @default - none
   */
  readonly writerReplicaLabels?: string[];
  /**
   * How long ingestors keep data locally (`--tsdb.retention`). With a bucket, blocks are uploaded every
   * 2h and the store gateway serves them after that.
   * @default - 1 day with object storage, 15 days without
   */
  readonly retention?: Duration;
  /**
   * TSDB volume per ingestor.
   * @default Size.gibibytes(20)
   */
  readonly storageSize?: Size;
  /**
   * Storage class of the ingestor volumes.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * Type of the router's Service: LOAD_BALANCER or NODE_PORT to take remote writes from other clusters.
   * Its remote-write endpoint is plaintext and unauthenticated, so exposing it needs `sourceRanges` and
   * `acknowledgePlaintextExposure`; a TLS-terminating, authenticating Ingress in front is the safer way.
   * @default ServiceType.CLUSTER_IP
   */
  readonly routerServiceType?: ServiceType;
  /**
   * Router container resources.
   * @default - from `size`
   */
  readonly routerResources?: Resources;
}

/** Properties of `ThanosReceive`: its options plus what it is wired to. */
export interface ThanosReceiveProps extends ThanosReceiveOptions {
  /**
   * The bucket the ingestors ship their blocks to.
   * @default - no uploads: data lives for `retention` on the ingestors only
   */
  readonly objectStorage?: IObjectStorage;
}

const DEFAULTS = {
  name: 'thanos-receive',
  routerReplicas: 2,
  ingestors: 3,
  /** Replication factor with enough ingestors: survives one ingestor down. */
  replicationFactor: 3,
  tenantHeader: 'THANOS-TENANT',
  defaultTenant: 'default-tenant',
  tenantLabelName: 'tenant_id',
  replicaLabel: 'receive_replica',
  storageSize: Size.gibibytes(20),
  size: SizePreset.SMALL,
} as const;

const DATA_DIR = '/var/thanos/receive';
const HASHRING_DIR = '/etc/thanos/receive';
const HASHRING_FILE = 'hashrings.json';
/** The Thanos mixin's dashboards and alerts select Receive jobs by this substring. */
const MIXIN_JOB = 'thanos-receive';
/** Thanos' hashring name when tenants are not split over several hashrings. */
const HASHRING = 'default';

/**
 * Thanos Receive for Prometheus servers that push (remote write 1.0) instead of running a sidecar:
 * a stateless router Deployment and ingestors in a StatefulSet with a volume each.
 *
 * The router is the only one with the hashring (`--receive.hashrings-file`, no
 * `--receive.local-endpoint`: Thanos runs it router-only); ingestors get neither and only ingest
 * (thanos-io/thanos cmd/thanos/receive.go `determineMode`). The hashring uses ketama, which upstream
 * recommends for every new installation because there is no in-place migration away from hashmod
 * (docs/components/receive.md). Its endpoints are derived from the ingestor StatefulSet: one stable
 * pod DNS name per ingestor through the headless Service, so scaling the StatefulSet here rewrites it.
 *
 * Ingestors serve the StoreAPI; a querier of the app finds them on its own and deduplicates the
 * replicated copies on `replicaLabel`.
 */
export class ThanosReceive extends Component implements IRemoteWriteApi, IScrapeTarget {
  /** Router replicas. */
  public readonly routerReplicas: number;
  /** Replication factor. */
  public readonly replicationFactor: number;
  /** The ingestors (StoreAPI, scrape target). */
  public readonly ingestors: ThanosReceiveIngestors;
  public readonly remoteWriteUrl: string;
  public readonly remoteWritePort = PORTS.receiveRemoteWrite.port;
  public readonly tenantHeader: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ThanosReceiveProps = {},
  ) {
    const prefix = props.name ?? DEFAULTS.name;
    super(scope, id, {
      name: `${prefix}-router`,
      kind: 'thanos-receive',
      component: 'database-write-hashring-router',
      image: props.image ?? DEFAULT_IMAGES.thanos,
      networkPolicy: props.networkPolicy,
      exposure: props,
      preset: PresetWorkload.RECEIVE_ROUTER,
      size: props.size,
      resources: props.routerResources,
      placement: props.placement,
    });
    const ingestorCount = props.ingestors ?? DEFAULTS.ingestors;
    this.routerReplicas = props.routerReplicas ?? DEFAULTS.routerReplicas;
    this.replicationFactor = props.replicationFactor ?? (ingestorCount >= DEFAULTS.replicationFactor ? DEFAULTS.replicationFactor : 1);
    this.tenantHeader = props.tenantHeader ?? DEFAULTS.tenantHeader;
    this.remoteWriteUrl = `http://${serviceHost(this, this.name)}:${PORTS.receiveRemoteWrite.port}/api/v1/receive`;
    this.ingestors = new ThanosReceiveIngestors(this, 'Ingestors', { ...props, receive: this });

    const { image, labels, selector } = this;
    const serviceType = props.routerServiceType ?? ServiceType.CLUSTER_IP;
    this.connections.allowFromOutside(serviceType, PORTS.receiveRemoteWrite.port);
    // The remote-write listener takes no --http.config (its basic auth guards the HTTP port only, thanos-io/thanos
    // discussions/7284) and this construct sets none of its --remote-write.server-tls-* flags.
    this.connections.refuseUnprotectedExposure(
      "the router's remote-write endpoint (plaintext HTTP, no authentication: any client can write any tenant)",
      'keep routerServiceType CLUSTER_IP behind an Ingress or proxy that terminates TLS and authenticates',
      serviceType,
    );
    // Forwarding and replication: the router writes to ingestors over gRPC (protobuf, the default protocol).
    this.connections.allowTo(this.ingestors, PORTS.thanosGrpc.port);

    const hashringsName = `${prefix}-hashrings`;
    const hashrings = JSON.stringify([{ hashring: HASHRING, tenants: [], endpoints: this.ingestors.endpoints }], undefined, 2);
    new k8s.KubeConfigMap(this, 'Hashrings', { metadata: { name: hashringsName, labels }, data: { [HASHRING_FILE]: hashrings } });

    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    service(this, 'Service', { name: this.name, labels, selector, type: serviceType, ports: [PORTS.receiveRemoteWrite, PORTS.thanosHttp] });

    const routerShutdown = this._thanosShutdown(Discovery.SERVICE, true);
    const router = container({
      name: 'thanos-receive',
      image,
      user: USERS.nobody,
      args: [
        'receive',
        ...thanosServerArgs(true),
        `--remote-write.address=0.0.0.0:${PORTS.receiveRemoteWrite.port}`,
        `--receive.hashrings-file=${HASHRING_DIR}/${HASHRING_FILE}`,
        '--receive.hashrings-algorithm=ketama',
        `--receive.replication-factor=${this.replicationFactor}`,
        ...tenancyArgs(props),
      ],
      ports: [PORTS.receiveRemoteWrite, PORTS.thanosGrpc, PORTS.thanosHttp],
      volumeMounts: [{ name: 'hashrings', mountPath: HASHRING_DIR, readOnly: true }],
      probes: healthyReadyProbes(PORTS.thanosHttp.name),
      // Remote writers reach it through its Service.
      lifecycle: routerShutdown.lifecycle,
      resources: this.resources,
    });

    // A router-only receive writes no TSDB: since v0.42 it needs no writable data dir (thanos-io/thanos#8881).
    deployment(this, 'Resource', {
      name: this.name,
      replicas: this.routerReplicas,
      labels,
      selector,
      user: USERS.nobody,
      serviceAccountName: sa.name,
      terminationGracePeriodSeconds: routerShutdown.graceSeconds,
      // Thanos watches the file too, but a ConfigMap volume can take a minute to update: roll at once.
      annotations: { 'checksum/hashrings': checksum(hashrings) },
      containers: [router],
      volumes: [configMapVolume('hashrings', hashringsName)],
    });

    validateWith(this, () => this.problems());
  }

  /** Router metrics; the job name contains `thanos-receive` for the mixin. */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    return [{ jobName: mixinJobName(this.name, MIXIN_JOB), serviceName: this.name, namespace: namespaceOf(this), port: PORTS.thanosHttp }];
  }

  private problems(): string[] {
    const p = this.props;
    const problems = [
      ...nameProblems('name', this.ingestors.name, MAX_STATEFULSET_NAME),
      ...replicaProblems('routerReplicas', this.routerReplicas),
      ...replicaProblems('ingestors', this.ingestors.replicas),
      ...(p.routerResources?._problems() ?? []),
      ...serviceTypeProblems('routerServiceType', p.routerServiceType),
      ...labelNameProblems('tenantLabelName', p.tenantLabelName ?? DEFAULTS.tenantLabelName),
      ...(p.writerReplicaLabels ?? []).flatMap((l) => labelNameProblems('writerReplicaLabels', l)),
    ];
    const rf = this.replicationFactor;
    if (!Number.isInteger(rf) || rf < 1) {
      problems.push(`replicationFactor ${rf} is not a valid replication factor: use a whole number >= 1`);
    } else if (rf > this.ingestors.replicas) {
      problems.push(
        `replicationFactor ${rf} is more than the ${this.ingestors.replicas} ingestors: every write would miss its quorum; raise ingestors to at least ${rf} or lower replicationFactor`,
      );
    }
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(this.tenantHeader)) {
      problems.push(`tenantHeader ${JSON.stringify(this.tenantHeader)} is not an HTTP header name: use letters, digits and '-'`);
    }
    const tenant = p.defaultTenant ?? DEFAULTS.defaultTenant;
    if (!tenant || /[\s"]/.test(tenant))
      problems.push(`defaultTenant ${JSON.stringify(tenant)} is not a tenant id: give a non-empty id without spaces or quotes`);
    return problems;
  }
}

/** Tenancy flags: the router reads the header, ingestors label each tenant's TSDB (both take all three). */
function tenancyArgs(props: ThanosReceiveOptions): string[] {
  return [
    `--receive.tenant-header=${props.tenantHeader ?? DEFAULTS.tenantHeader}`,
    `--receive.default-tenant-id=${props.defaultTenant ?? DEFAULTS.defaultTenant}`,
    `--receive.tenant-label-name=${props.tenantLabelName ?? DEFAULTS.tenantLabelName}`,
  ];
}

/** Properties of `ThanosReceiveIngestors`: those of its `ThanosReceive`, plus the Receive itself. */
export interface ThanosReceiveIngestorsProps extends ThanosReceiveProps {
  /** The Receive whose hashring these ingestors form. */
  readonly receive: ThanosReceive;
}

/**
 * The ingestors of a `ThanosReceive` (created by it): a StatefulSet whose pods each keep a TSDB on
 * their own volume, upload 2h blocks to the bucket and serve the StoreAPI.
 */
export class ThanosReceiveIngestors extends Component implements IStoreApi, IScrapeTarget {
  /** Ingestor count. */
  public readonly replicas: number;
  /** The bucket its blocks are uploaded to, if any (compactor shards must cover it). */
  public readonly objectStorage?: IObjectStorage;
  /** External labels (without the replica and tenant labels). */
  public readonly externalLabels: { [name: string]: string };
  /** The label that differs between ingestors. */
  public readonly replicaLabel: string;
  public readonly storeApiAddress: string;
  public readonly storeApiPort = PORTS.thanosGrpc.port;
  /** The hashring's endpoints: each ingestor's pod DNS name and gRPC port. */
  public readonly endpoints: string[];

  private readonly retention: Duration;

  /** Created by `ThanosReceive`, which passes its own props. */
  constructor(
    scope: Construct,
    id: string,
    private readonly props: ThanosReceiveIngestorsProps,
  ) {
    super(scope, id, {
      name: `${props.name ?? DEFAULTS.name}-ingestor`,
      kind: 'thanos-receive',
      component: 'database-write-hashring',
      image: props.image ?? DEFAULT_IMAGES.thanos,
      networkPolicy: props.networkPolicy,
      preset: PresetWorkload.RECEIVE_INGESTOR,
      size: props.size,
      resources: props.resources,
      placement: props.placement,
    });
    this.replicas = props.ingestors ?? DEFAULTS.ingestors;
    this.externalLabels = { ...(props.externalLabels ?? { receive: props.name ?? DEFAULTS.name }) };
    this.objectStorage = props.objectStorage;
    this.replicaLabel = props.replicaLabel ?? DEFAULTS.replicaLabel;
    this.retention = props.retention ?? (props.objectStorage ? Duration.days(1) : Duration.days(15));
    this.storeApiAddress = `dnssrv+_grpc._tcp.${serviceHost(this, this.name)}`;
    // `<pod>.<headless service>.<namespace>.svc`: stable per ordinal, and free of the cluster domain
    // (kube-thanos#325 stopped assuming cluster.local); the pods' DNS search path completes it.
    this.endpoints = Array.from(
      { length: Math.max(0, Math.floor(this.replicas)) },
      (_, i) => `${serviceHost(this, `${this.name}-${i}.${this.name}`)}:${PORTS.thanosGrpc.port}`,
    );

    const { image, labels, selector } = this;
    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    const storage = props.objectStorage && bindObjectStorage(props.objectStorage, this, sa, this.connections);
    const headless = service(this, 'Service', { name: this.name, labels, selector, headless: true, ports: [PORTS.thanosGrpc, PORTS.thanosHttp] });

    const labelArgs = Object.entries({ ...this.externalLabels, [this.replicaLabel]: '$(POD_NAME)' }).map(([k, v]) => `--label=${k}="${v}"`);
    const ingestorShutdown = this._thanosShutdown(Discovery.DNS, true);
    const ingestor = container({
      name: 'thanos-receive',
      image,
      user: USERS.nobody,
      args: [
        'receive',
        ...thanosServerArgs(true),
        `--tsdb.path=${DATA_DIR}`,
        `--tsdb.retention=${promDuration(this.retention)}`,
        ...labelArgs,
        ...tenancyArgs(props),
        ...(storage?.args ?? []),
      ],
      ports: [PORTS.thanosGrpc, PORTS.thanosHttp],
      env: [POD_NAME_ENV, ...(storage?.env ?? [])],
      volumeMounts: [{ name: 'data', mountPath: DATA_DIR }, ...(storage?.volumeMounts ?? [])],
      // WAL replay after a restart can take minutes; ready once the TSDB is open.
      probes: healthyReadyProbes(PORTS.thanosHttp.name, '/-/ready'),
      // The router's hashring names each ingestor's pod DNS name.
      lifecycle: ingestorShutdown.lifecycle,
      resources: this.resources,
    });

    // Replicated: the builder adds a PodDisruptionBudget of maxUnavailable 1, which keeps the write
    // quorum (floor(RF / 2) + 1) for every RF >= 3.
    statefulSet(this, 'Resource', {
      name: this.name,
      replicas: this.replicas,
      serviceName: headless.name,
      labels,
      selector,
      user: USERS.nobody,
      serviceAccountName: sa.name,
      // Thanos v0.42.3+ uploads the head block on shutdown, after its gRPC and HTTP grace periods.
      terminationGracePeriodSeconds: ingestorShutdown.graceSeconds,
      annotations: storage ? { 'checksum/objstore': storage.configChecksum } : undefined,
      containers: [ingestor],
      volumes: storage?.volumes,
      claims: [claimTemplate('data', props.storageSize ?? DEFAULTS.storageSize, selector, props.storageClassName)],
    });

    validateWith(this, () => externalLabelProblems(this.externalLabels, this.replicaLabel, 'blocks of two sources would overlap', '{ receive: "central" }'));
  }

  /**
   * Ingestors differ in `replicaLabel`; the writers' series differ in theirs (the Prometheus servers of
   * the app that remote-write to this Receive, and `writerReplicaLabels`).
   */
  public get replicaLabels(): string[] {
    const writers = this.node.root.node
      .findAll()
      .filter(
        (c): c is Construct & { remoteWrite?: { target?: unknown }; replicaLabel: string } =>
          (c as { remoteWrite?: { target?: unknown } }).remoteWrite?.target === this.props.receive,
      )
      .map((c) => c.replicaLabel);
    return [...new Set([this.replicaLabel, ...writers, ...(this.props.writerReplicaLabels ?? [])])].sort();
  }

  /** Ingestor metrics; the job name contains `thanos-receive` for the mixin. */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    return [{ jobName: mixinJobName(this.name, MIXIN_JOB), serviceName: this.name, namespace: namespaceOf(this), port: PORTS.thanosHttp }];
  }
}
