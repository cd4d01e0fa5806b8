import { Duration, Size } from 'cdk8s';
import { ISecret, ServiceType, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Component } from '../private/component';
import { IngressOptions, addIngress } from '../wiring/ingress';
import { ComponentOptions } from './component-options';
import { Dashboard } from '../config/dashboards';
import { IQueryApi, IScrapeTarget, ScrapeEndpoint } from '../wiring/apis';
import { DEFAULT_IMAGES } from '../images';
import { PORTS } from '../ports';
import { requireSecret } from '../output/prerequisites';
import { PROBE_TIMINGS, httpProbe } from '../private/probes';
import { PresetWorkload } from '../private/presets';
import { USERS } from '../private/security';
import { promDuration } from '../private/units';
import { componentRules, literalSecret, secretKeyProblems, validateWith } from '../private/problems';
import * as g from '../private/grammar';
import { checksum, claimTemplate, configYaml, container, deployment, emptyDir, lazy, namespaceOf, service, serviceAccount } from '../private/kubernetes';

/**
 * Properties of `Grafana`.
 *
 * Defaults: name 'grafana', one replica, data in an emptyDir, the Thanos overview dashboard, a
 * ClusterIP Service on port 3000, admin credentials from keys `admin-user` and `admin-password`.
 */
export interface GrafanaOptions extends ComponentOptions {
  /**
   * The scrape interval of the data behind the datasource (`jsonData.timeInterval`): `$__rate_interval` and the
   * minimum step follow it, so panels have no gaps at a slower scrape.
   * @default Duration.seconds(30) - in a ThanosStack, Prometheus' scrape interval
   */
  readonly scrapeInterval?: Duration;
  /**
   * How long the datasource waits for a query (`jsonData.timeout`, seconds): a few seconds above the querier's
   * `--query.timeout`, so the querier's own error reaches the panel instead of Grafana's dataproxy giving up
   * at its 30s default first.
   * @default Duration.minutes(2) - Thanos' default query timeout; in a ThanosStack, the querier's
   */
  readonly queryTimeout?: Duration;
  /**
   * Key of the admin user name in `adminSecret`.
   * @default 'admin-user'
   */
  readonly adminUserKey?: string;
  /**
   * Key of the admin password in `adminSecret`.
   * @default 'admin-password'
   */
  readonly adminPasswordKey?: string;
  /**
   * Name of the Deployment, Service, ConfigMaps and NetworkPolicy. The scrape job is named after it.
   * @default 'grafana'
   */
  readonly name?: string;
  /**
   * Replicas. Grafana keeps users and sessions in its own SQLite database, so only one is supported.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Keep Grafana's database (users, preferences, UI-made dashboards) on a PersistentVolumeClaim of this
   * size; the Deployment then uses the Recreate strategy so the old pod releases the volume first.
   * @default - an emptyDir: everything not provisioned is lost when the pod goes
   */
  readonly persistence?: Size;
  /**
   * Storage class of the claim.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * Dashboards, each provisioned from its own ConfigMap into the folder `Thanos`. Add more with `addDashboard`.
   * @default [Dashboard.thanosOverview()]
   */
  readonly dashboards?: Dashboard[];
  /**
   * Extra Grafana settings as `GF_<SECTION>_<KEY>` environment variables, e.g.
   * `{ GF_SERVER_ROOT_URL: 'https://grafana.example.com' }`. Plain values only: never a credential.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Type of the Service.
   * @default ServiceType.CLUSTER_IP
   */
  readonly serviceType?: ServiceType;
  /**
   * An Ingress for its UI (class and host yours, TLS from a Secret reference); its NetworkPolicy admits the
   * controller's pods and `GF_SERVER_ROOT_URL` follows it unless `env` sets it.
   * @default - no Ingress
   */
  readonly ingress?: IngressOptions;
}

/** Properties of `Grafana`: its options plus what it is wired to. */
export interface GrafanaProps extends GrafanaOptions {
  /** The query API Grafana reads (querier or query frontend), provisioned as the default datasource `Thanos`. */
  readonly datasource: IQueryApi;
  /** The Secret you create holding the admin user name and password; mounted as files, never copied. */
  readonly adminSecret: ISecret;
}

const DEFAULTS = {
  name: 'grafana',
  /** One pod: users and sessions live in its own SQLite database (see the replicas check). */
  replicas: 1,
  adminUserKey: 'admin-user',
  adminPasswordKey: 'admin-password',
  scrapeInterval: Duration.seconds(30),
  queryTimeout: Duration.minutes(2),
  /** Seconds the datasource waits beyond the query timeout. */
  timeoutMarginSeconds: 5,
} as const;

const PROVISIONING_DIR = '/etc/grafana/provisioning';
const DASHBOARDS_DIR = '/var/lib/grafana-dashboards';
const ADMIN_DIR = '/etc/grafana/secrets/admin';
const DATASOURCES_FILE = 'datasources.yaml';
const PROVIDERS_FILE = 'dashboards.yaml';
/** Fixed, so dashboards you provision can reference the datasource by uid (the built-in one uses a variable). */
export const GRAFANA_DATASOURCE_UID = 'thanos';
const FOLDER = 'Thanos';

/** The environment the construct sets; `env` must not override it. */
const FIXED_ENV: { [name: string]: string } = {
  GF_AUTH_ANONYMOUS_ENABLED: 'false',
  GF_ANALYTICS_REPORTING_ENABLED: 'false',
  GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
  GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: 'false',
  // Grafana >= 12 installs plugins from grafana.com at start-up unless told not to.
  GF_PLUGINS_PREINSTALL_DISABLED: 'true',
};

/**
 * Grafana with the querier (or query frontend) as its default datasource and dashboards provisioned
 * from ConfigMaps. The admin account comes from your Secret through the image entrypoint's `__FILE`
 * variables; anonymous access, usage reporting, update checks and plugin downloads are off.
 */
export class Grafana extends Component implements IScrapeTarget {
  /** The uid of the Thanos datasource (`GRAFANA_DATASOURCE_UID`), for dashboards you provision. */
  public static readonly DATASOURCE_UID = GRAFANA_DATASOURCE_UID;

  /** The Service port. */
  public readonly port = PORTS.grafana.port;
  /** The URL its Ingress serves, when it has one. */
  public readonly ingressUrl?: string;

  private readonly dashboards: Dashboard[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: GrafanaProps,
  ) {
    super(scope, id, {
      name: props.name ?? DEFAULTS.name,
      kind: 'grafana',
      component: 'dashboards',
      image: props.image ?? DEFAULT_IMAGES.grafana,
      networkPolicy: props.networkPolicy,
      exposure: props,
      preset: PresetWorkload.GRAFANA,
      size: props.size,
      resources: props.resources,
      placement: props.placement,
    });
    const { image, labels, selector } = this;
    this.connections.allowTo(props.datasource, props.datasource.queryPort);
    this.connections.allowFromOutside(props.serviceType, PORTS.grafana.port);

    const userKey = props.adminUserKey ?? DEFAULTS.adminUserKey;
    const passwordKey = props.adminPasswordKey ?? DEFAULTS.adminPasswordKey;
    requireSecret(this, { name: props.adminSecret.name, keys: [userKey, passwordKey], purpose: 'Grafana admin account' });

    new k8s.KubeConfigMap(this, 'Provisioning', {
      metadata: { name: `${this.name}-provisioning`, labels },
      data: { [DATASOURCES_FILE]: this.renderDatasources(), [PROVIDERS_FILE]: this.renderProviders() },
    });

    if (props.persistence) {
      new k8s.KubePersistentVolumeClaim(this, 'Storage', claimTemplate(this.name, props.persistence, labels, props.storageClassName));
    }

    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    service(this, 'Service', { name: this.name, labels, selector, type: props.serviceType, ports: [PORTS.grafana] });
    if (props.ingress)
      this.ingressUrl = addIngress(this, { connections: this.connections, serviceName: this.name, labels, port: PORTS.grafana }, props.ingress);

    const staticVolumes: k8s.Volume[] = [
      { name: 'datasources', configMap: { name: `${this.name}-provisioning`, items: [{ key: DATASOURCES_FILE, path: DATASOURCES_FILE }] } },
      { name: 'providers', configMap: { name: `${this.name}-provisioning`, items: [{ key: PROVIDERS_FILE, path: PROVIDERS_FILE }] } },
      { name: 'admin', secret: { secretName: props.adminSecret.name, items: [userKey, passwordKey].map((key) => ({ key, path: key })) } },
      props.persistence ? { name: 'data', persistentVolumeClaim: { claimName: this.name } } : emptyDir('data'),
      emptyDir('logs'),
      emptyDir('tmp'),
    ];
    const staticMounts: k8s.VolumeMount[] = [
      { name: 'datasources', mountPath: `${PROVISIONING_DIR}/datasources`, readOnly: true },
      { name: 'providers', mountPath: `${PROVISIONING_DIR}/dashboards`, readOnly: true },
      { name: 'admin', mountPath: ADMIN_DIR, readOnly: true },
      { name: 'data', mountPath: '/var/lib/grafana' },
      { name: 'logs', mountPath: '/var/log/grafana' },
      { name: 'tmp', mountPath: '/tmp' },
    ];
    const env: k8s.EnvVar[] = [
      // The image entrypoint reads these files into GF_SECURITY_ADMIN_USER/PASSWORD: no `command` may replace it.
      { name: 'GF_SECURITY_ADMIN_USER__FILE', value: `${ADMIN_DIR}/${userKey}` },
      { name: 'GF_SECURITY_ADMIN_PASSWORD__FILE', value: `${ADMIN_DIR}/${passwordKey}` },
      ...Object.entries(FIXED_ENV).map(([name, value]) => ({ name, value })),
      ...Object.entries({ ...(this.ingressUrl ? { GF_SERVER_ROOT_URL: this.ingressUrl } : {}), ...g.mapOr<{ [name: string]: string }>(props.env, {}) })
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, value]) => ({ name, value })),
    ];

    deployment(this, 'Resource', {
      name: this.name,
      replicas: props.replicas ?? DEFAULTS.replicas,
      // A ReadWriteOnce volume must be released by the old pod before the new one starts.
      recreate: props.persistence !== undefined,
      labels,
      selector,
      user: USERS.grafana,
      serviceAccountName: sa.name,
      // Lazy: dashboards added after construction add mounts and volumes and change the checksum.
      annotations: { 'checksum/config': lazy(() => this.configChecksum()) },
      containers: [
        container({
          name: 'grafana',
          image,
          user: USERS.grafana,
          ports: [PORTS.grafana],
          env,
          volumeMounts: lazy(() => [
            ...staticMounts,
            ...this.dashboards.map((d) => ({ name: dashboardVolume(d), mountPath: `${DASHBOARDS_DIR}/${d.slug}`, readOnly: true })),
          ]),
          probes: {
            // First start runs the database migrations.
            startupProbe: httpProbe('/api/health', PORTS.grafana.name, PROBE_TIMINGS.slowStartup),
            livenessProbe: httpProbe('/api/health', PORTS.grafana.name, PROBE_TIMINGS.liveness),
            readinessProbe: httpProbe('/api/health', PORTS.grafana.name, PROBE_TIMINGS.readiness),
          },
          resources: this.resources,
        }),
      ],
      volumes: lazy(() => [
        ...staticVolumes,
        ...this.dashboards.map((d) => ({ name: dashboardVolume(d), configMap: { name: this.dashboardConfigMapName(d) } })),
      ]),
    });

    for (const d of props.dashboards ?? [Dashboard.thanosOverview()]) this.addDashboard(d);

    validateWith(this, () => this.problems(), {
      props,
      rules: componentRules({
        persistence: g.size,
        env: g.literalEnv('give it from a Secret file instead: mount the Secret and set <NAME>__FILE to its path'),
        adminSecret: literalSecret,
      }),
    });
  }

  /** Grafana's own metrics (job named after the Service). */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    return [{ jobName: this.name, serviceName: this.name, namespace: namespaceOf(this), port: PORTS.grafana }];
  }

  /** Provisions a dashboard from its own ConfigMap `<name>-dashboard-<slug>`. */
  public addDashboard(dashboard: Dashboard): void {
    const index = this.dashboards.length;
    this.dashboards.push(dashboard);
    new k8s.KubeConfigMap(this, `Dashboard${index}`, {
      metadata: { name: this.dashboardConfigMapName(dashboard), labels: this.labels },
      data: { [`${dashboard.slug}.json`]: dashboard.render() },
    });
  }

  private dashboardConfigMapName(d: Dashboard): string {
    return `${this.name}-dashboard-${d.slug}`;
  }

  private renderDatasources(): string {
    return configYaml({
      apiVersion: 1,
      datasources: [
        {
          name: 'Thanos',
          uid: GRAFANA_DATASOURCE_UID,
          type: 'prometheus',
          access: 'proxy',
          url: this.props.datasource.queryUrl,
          isDefault: true,
          editable: false,
          jsonData: {
            prometheusType: 'Thanos',
            timeInterval: promDuration(this.props.scrapeInterval ?? DEFAULTS.scrapeInterval),
            timeout: (this.props.queryTimeout ?? DEFAULTS.queryTimeout).toSeconds() + DEFAULTS.timeoutMarginSeconds,
          },
        },
      ],
    });
  }

  private renderProviders(): string {
    return configYaml({
      apiVersion: 1,
      providers: [
        {
          name: 'cdk8s-thanos',
          orgId: 1,
          folder: FOLDER,
          type: 'file',
          disableDeletion: true,
          allowUiUpdates: false,
          // Grafana walks the directory tree: one sub-directory per dashboard ConfigMap.
          options: { path: DASHBOARDS_DIR },
        },
      ],
    });
  }

  private configChecksum(): string {
    return checksum(this.renderDatasources(), this.renderProviders(), ...this.dashboards.flatMap((d) => [d.slug, d.render()]));
  }

  private problems(): string[] {
    const p = this.props;
    const replicas = p.replicas ?? DEFAULTS.replicas;
    const problems = [...this._commonProblems({ replicas, serviceTypes: { serviceType: p.serviceType } }), ...this.dashboards.flatMap((d) => d._problems())];
    if (replicas > 1) {
      problems.push(
        `replicas ${replicas} is not supported: each Grafana pod keeps users and login sessions in its own SQLite database, so users are logged out as requests move between pods; use replicas: 1`,
      );
    }
    // Grafana provisions one dashboard per uid, and per title in a folder.
    for (const [what, key] of [
      ['slug', (d: Dashboard) => d.slug],
      ['uid', (d: Dashboard) => d.uid],
      ['title', (d: Dashboard) => d.title],
    ] as const) {
      const seen = new Set<string>();
      for (const value of this.dashboards.map(key)) {
        if (value !== undefined && seen.has(value))
          problems.push(`dashboard ${what} ${JSON.stringify(value)} is used by two dashboards: give each dashboard a unique ${what}`);
        if (value !== undefined) seen.add(value);
      }
    }
    for (const [what, key] of [
      ['adminUserKey', p.adminUserKey],
      ['adminPasswordKey', p.adminPasswordKey],
    ] as const) {
      if (key !== undefined) problems.push(...secretKeyProblems(what, key));
    }
    if ((p.adminUserKey ?? DEFAULTS.adminUserKey) === (p.adminPasswordKey ?? DEFAULTS.adminPasswordKey)) {
      problems.push('adminUserKey and adminPasswordKey are the same key: the user name would be the password; use two keys');
    }
    for (const name of Object.keys(g.mapOr(p.env, {})).sort()) {
      if (!/^GF_[A-Z0-9_]+$/.test(name))
        problems.push(`env ${JSON.stringify(name)} is not a Grafana setting: use GF_<SECTION>_<KEY> in upper case, e.g. GF_SERVER_ROOT_URL`);
      else if (name in FIXED_ENV || name.startsWith('GF_SECURITY_ADMIN_'))
        problems.push(`env ${name} is managed by this construct: remove it (admin credentials come from adminSecret)`);
      else if (name.endsWith('__FILE')) problems.push(`env ${name} reads a file this construct does not mount: pass the value itself`);
    }
    if (!p.persistence && p.storageClassName) problems.push('storageClassName is set without persistence: set persistence (a Size) or drop storageClassName');
    return problems;
  }
}

function dashboardVolume(d: Dashboard): string {
  return `dashboard-${d.slug}`;
}
