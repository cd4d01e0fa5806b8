import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import { ServiceType, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  AlertmanagerConfigParts,
  InhibitRule,
  Receiver,
  Route,
  SecretKeyRef,
  alertmanagerConfigDocument,
  alertmanagerConfigProblems,
} from '../config/alertmanager-config';
import { Component } from '../private/component';
import { IngressOptions, addIngress } from '../wiring/ingress';
import { ComponentOptions, ExtraArgsOptions } from './component-options';
import { IAlertmanagerApi, IScrapeTarget, ScrapeEndpoint } from '../wiring/apis';
import { DEFAULT_IMAGES } from '../images';
import { NetworkPeer } from '../wiring/connections';
import { PORTS } from '../ports';
import { requireSecret } from '../output/prerequisites';
import { healthyReadyProbes } from '../private/probes';
import { PresetWorkload } from '../private/presets';
import { USERS } from '../private/security';
import { goDuration } from '../private/units';
import { componentRules, replicaProblems, validateWith } from '../private/problems';
import { MAX_STATEFULSET_NAME } from '../private/invariants';
import * as g from '../private/grammar';
import {
  checksum,
  claimTemplate,
  configMapVolume,
  configYaml,
  container,
  emptyDir,
  lazy,
  namespaceOf,
  service,
  serviceAccount,
  serviceHost,
  statefulSet,
} from '../private/kubernetes';

/**
 * Properties of `Alertmanager`.
 *
 * Defaults: name 'alertmanager', 2 clustered replicas, a 1Gi volume per replica, 120h retention,
 * every alert to one receiver that notifies nobody, grouped by alertname and cluster.
 */
export interface AlertmanagerProps extends ComponentOptions, ExtraArgsOptions {
  /**
   * Name of the StatefulSet, Services, ConfigMap and NetworkPolicy. The scrape job is named after it.
   * @default 'alertmanager'
   */
  readonly name?: string;
  /**
   * Replicas, gossiping silences and notification state so each alert is notified once.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Receivers. Their credentials are mounted from your Secrets as files.
   * @default [Receiver.none('default')]
   */
  readonly receivers?: Receiver[];
  /**
   * The routing tree.
   * @default - every alert to the first receiver, grouped by alertname and cluster
   */
  readonly route?: Route;
  /**
   * Inhibit rules.
   * @default - none
   */
  readonly inhibitRules?: InhibitRule[];
  /**
   * How long silences and the notification log are kept (`--data.retention`).
   * @default Duration.hours(120)
   */
  readonly retention?: Duration;
  /**
   * Keep silences and notification state on a PersistentVolume per replica. Without it they live in an
   * emptyDir and survive restarts only through gossip from the other replicas.
   * @default true
   */
  readonly persistentStorage?: boolean;
  /**
   * Volume size per replica.
   * @default Size.gibibytes(1)
   */
  readonly storageSize?: Size;
  /**
   * Storage class of the volume.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * The URL users reach Alertmanager at, used in notification links (`--web.external-url`). Alertmanager
   * keeps serving at `/` (`--web.route-prefix=/`): strip any path prefix at the ingress.
   * @default - the Ingress URL with `ingress`, else Alertmanager derives it from the pod host name
   */
  readonly externalUrl?: string;
  /**
   * `--cluster.label` of the gossip between replicas: peers with another label are ignored.
   * @default - `<namespace>/<name>`
   */
  readonly clusterLabel?: string;
  /**
   * Type of the Service for the UI and API.
   * @default ServiceType.CLUSTER_IP
   */
  readonly serviceType?: ServiceType;
  /**
   * An Ingress for its UI and API (class and host yours, TLS from a Secret reference); its NetworkPolicy
   * admits the controller's pods and `externalUrl` follows it unless set. Anyone who reaches it can silence
   * alerts: authenticate at the controller.
   * @default - no Ingress
   */
  readonly ingress?: IngressOptions;
}

const DEFAULTS = {
  name: 'alertmanager',
  replicas: 2,
  persistentStorage: true,
  storageSize: Size.gibibytes(1),
  /** Alertmanager's own default (`--data.retention`): silences and notification log kept 5 days. */
  retention: Duration.hours(120),
} as const;

const CONFIG_DIR = '/etc/alertmanager/config';
const CONFIG_FILE = 'alertmanager.yml';
const SECRETS_DIR = '/etc/alertmanager/secrets';
const DATA_PATH = '/alertmanager';

/**
 * Alertmanager as a StatefulSet of clustered replicas: typed routes and receivers, credentials mounted
 * from your Secrets (never written into the config), a headless Service through which Prometheus and the
 * ruler reach every replica and replicas find each other, and pods that roll when the config changes.
 */
export class Alertmanager extends Component implements IAlertmanagerApi, IScrapeTarget {
  /** Replica count. */
  public readonly replicas: number;
  /** The headless Service governing the StatefulSet. */
  public readonly clusterServiceName: string;
  public readonly alertmanagerHost: string;
  public readonly alertmanagerPort = PORTS.alertmanager;
  /** Senders reach every replica through the headless Service. */
  public readonly alertmanagerDnsDiscovery?: boolean = true; // `?` as in IAlertmanagerApi: jsii keeps an implementation as optional as its interface
  /** The URL its Ingress serves, when it has one. */
  public readonly ingressUrl?: string;

  private readonly parts: AlertmanagerConfigParts;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AlertmanagerProps = {},
  ) {
    super(scope, id, {
      name: props.name ?? DEFAULTS.name,
      kind: 'alertmanager',
      component: 'alerting',
      image: props.image ?? DEFAULT_IMAGES.alertmanager,
      networkPolicy: props.networkPolicy,
      exposure: props,
      preset: PresetWorkload.ALERTMANAGER,
      size: props.size,
      resources: props.resources,
      placement: props.placement,
      extraArgs: props.extraArgs,
    });
    this.replicas = props.replicas ?? DEFAULTS.replicas;
    this.clusterServiceName = `${this.name}-cluster`;
    this.alertmanagerHost = serviceHost(this, this.clusterServiceName);
    const receivers = props.receivers ?? [Receiver.none('default')];
    this.parts = {
      receivers,
      route: props.route ?? new Route({ receiver: receivers[0]?.name, groupBy: ['alertname', 'cluster'] }),
      inhibitRules: props.inhibitRules ?? [],
    };

    const { image, labels, selector } = this;
    const clustered = this.replicas > 1;

    if (clustered) this.allowGossip();
    this.connections.allowFromOutside(props.serviceType, PORTS.alertmanager.port);
    const notificationPorts = [...new Set(receivers.flatMap((r) => r._egress.map((e) => e.port)))].sort((a, b) => a - b);
    // Receivers live outside the cluster or at addresses unknown here.
    if (notificationPorts.length) this.connections.allowTo(NetworkPeer.anywhere(), ...notificationPorts);

    const secretMounts = this.secretMounts();
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${this.name}-config`, labels },
      data: lazy(() => ({ [CONFIG_FILE]: this.renderConfig() })),
    });

    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    const headless = service(this, 'ClusterService', {
      name: this.clusterServiceName,
      labels,
      selector,
      headless: true,
      publishNotReadyAddresses: true,
      ports: [PORTS.alertmanager, PORTS.alertmanagerCluster],
    });
    service(this, 'Service', { name: this.name, labels, selector, type: props.serviceType, ports: [PORTS.alertmanager] });
    if (props.ingress)
      this.ingressUrl = addIngress(this, { connections: this.connections, serviceName: this.name, labels, port: PORTS.alertmanager }, props.ingress);

    const persistent = props.persistentStorage ?? DEFAULTS.persistentStorage;
    const am = container({
      name: 'alertmanager',
      image,
      user: USERS.nobody,
      args: [...this.args(), ...this._extraArgs({ binary: 'alertmanager' }, () => this.args())],
      ports: [PORTS.alertmanager, PORTS.alertmanagerCluster],
      env: clustered ? [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] : undefined,
      volumeMounts: [
        { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
        { name: 'data', mountPath: DATA_PATH },
        ...secretMounts.map((s) => ({ name: s.volume.name, mountPath: s.mountPath, readOnly: true })),
      ],
      probes: healthyReadyProbes(PORTS.alertmanager.name),
      resources: this.resources,
    });

    // Replicas start together (the default) so peers can join each other.
    statefulSet(this, 'Resource', {
      name: this.name,
      replicas: this.replicas,
      serviceName: headless.name,
      labels,
      selector,
      user: USERS.nobody,
      serviceAccountName: sa.name,
      // Alertmanager does not watch its config file: a new checksum rolls the pods.
      annotations: { 'checksum/config': lazy(() => checksum(this.renderConfig())) },
      containers: [am],
      volumes: [configMapVolume('config', `${this.name}-config`), ...(persistent ? [] : [emptyDir('data')]), ...secretMounts.map((s) => s.volume)],
      claims: persistent ? [claimTemplate('data', props.storageSize ?? DEFAULTS.storageSize, selector, props.storageClassName)] : [],
    });

    validateWith(this, () => this.problems(), {
      props,
      rules: componentRules({
        retention: g.positiveDuration,
        persistentStorage: g.bool,
        storageSize: g.size,
        externalUrl: g.url('give the URL users open, without credentials'),
      }),
    });
  }

  /** The web port of every replica (job named after the Service). */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    return [{ jobName: this.name, serviceName: this.name, namespace: namespaceOf(this), port: PORTS.alertmanager }];
  }

  private get clusterLabel(): string {
    return this.props.clusterLabel ?? `${namespaceOf(this) ?? 'default'}/${this.name}`;
  }

  private args(): string[] {
    const p = this.props;
    const clusterPort = PORTS.alertmanagerCluster.port;
    // An invalid count gets no peer list: synth refuses it anyway, and 2**31 peers would exhaust memory first.
    const peers = Array.from(
      { length: replicaProblems('replicas', this.replicas).length ? 0 : this.replicas },
      (_, i) => `--cluster.peer=${this.name}-${i}.${this.alertmanagerHost}:${clusterPort}`,
    );
    return [
      `--config.file=${CONFIG_DIR}/${CONFIG_FILE}`,
      `--storage.path=${DATA_PATH}`,
      `--data.retention=${goDuration(p.retention ?? DEFAULTS.retention)}`,
      `--web.listen-address=:${PORTS.alertmanager.port}`,
      ...((p.externalUrl ?? this.ingressUrl) ? [`--web.external-url=${p.externalUrl ?? this.ingressUrl}`, '--web.route-prefix=/'] : []),
      ...(this.replicas > 1
        ? [
            `--cluster.listen-address=0.0.0.0:${clusterPort}`,
            // Advertise the pod IP explicitly: Alertmanager refuses to start when it finds no private address.
            `--cluster.advertise-address=[$(POD_IP)]:${clusterPort}`,
            // Gossip packets carry the label and peers drop others' (flag help): two clusters that can reach each
            // other (IP reuse across namespaces) cannot merge.
            `--cluster.label=${this.clusterLabel}`,
            ...peers,
          ]
        : ['--cluster.listen-address=']),
    ];
  }

  /** One Secret volume per user Secret, holding only the keys receivers read. */
  private secretMounts(): Array<{ volume: k8s.Volume; mountPath: string }> {
    const bySecret = new Map<string, { keys: Set<string>; receivers: Set<string> }>();
    for (const r of this.parts.receivers) {
      for (const ref of r._secrets) {
        const entry = bySecret.get(ref.secret.name) ?? { keys: new Set<string>(), receivers: new Set<string>() };
        entry.keys.add(ref.key);
        entry.receivers.add(r.name);
        bySecret.set(ref.secret.name, entry);
      }
    }
    return [...bySecret.keys()].sort().map((secretName, i) => {
      const { keys, receivers } = bySecret.get(secretName)!;
      const sortedKeys = [...keys].sort();
      requireSecret(this, { name: secretName, keys: sortedKeys, purpose: `Alertmanager receiver ${[...receivers].sort().join(', ')}` });
      return {
        volume: { name: `secret-${i}`, secret: { secretName, items: sortedKeys.map((key) => ({ key, path: key })) } },
        mountPath: `${SECRETS_DIR}/${secretName}`,
      };
    });
  }

  private renderConfig(): string {
    const fileOf = (ref: SecretKeyRef) => `${SECRETS_DIR}/${ref.secret.name}/${ref.key}`;
    return configYaml(alertmanagerConfigDocument(this.parts, fileOf));
  }

  /**
   * Peers gossip on 9094 over TCP and UDP. `Connections` renders TCP rules only, so the UDP rules are
   * patched into the rendered policy.
   */
  private allowGossip(): void {
    const port = PORTS.alertmanagerCluster.port;
    this.connections.allowTo(this, port);
    const policy = this.connections.node.tryFindChild('Resource') as ApiObject | undefined;
    if (!policy) return;
    // Same key order as the rendered (sorted) TCP rules: patches are applied after sorting.
    const peer = sortKeys(this.connections.toNetworkPolicyPeer());
    const udp = [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(port) }];
    policy.addJsonPatch(JsonPatch.add('/spec/ingress/-', { from: [peer], ports: udp }), JsonPatch.add('/spec/egress/-', { to: [peer], ports: udp }));
  }

  private problems(): string[] {
    const p = this.props;
    const problems = [
      ...this._commonProblems({ maxNameLength: MAX_STATEFULSET_NAME, replicas: this.replicas, serviceTypes: { serviceType: p.serviceType } }),
      ...alertmanagerConfigProblems(this.parts),
    ];
    const retention = p.retention ?? DEFAULTS.retention;
    if (retention.toMilliseconds() <= 0) problems.push(`retention ${goDuration(retention)} is not allowed: use a positive duration, e.g. Duration.hours(120)`);
    if (p.externalUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(p.externalUrl)) {
      problems.push(`externalUrl ${JSON.stringify(p.externalUrl)} is not an http(s) URL: use e.g. "https://alertmanager.example.com"`);
    }
    if (p.persistentStorage === false && (p.storageSize || p.storageClassName)) {
      problems.push('storageSize/storageClassName are set but persistentStorage is false: drop them or enable persistentStorage');
    }
    return problems;
  }
}

function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as unknown as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  ) as T;
}
