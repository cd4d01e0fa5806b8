import { Duration } from 'cdk8s';
import { ServiceType } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Component } from '../private/component';
import { IngressOptions, addIngress } from '../wiring/ingress';
import { ComponentOptions, ExtraArgsOptions } from './component-options';
import { IScrapeTarget, ScrapeEndpoint } from '../wiring/apis';
import { Discovery } from '../private/shutdown';
import { DEFAULT_IMAGES } from '../images';
import { IObjectStorage, bindObjectStorage } from '../wiring/object-storage';
import { PORTS, thanosServerArgs } from '../ports';
import { healthyReadyProbes } from '../private/probes';
import { SizePreset } from '../config/resources';
import { PresetWorkload } from '../private/presets';
import { USERS } from '../private/security';
import { goDuration } from '../private/units';
import { componentRules, labelNameProblems, validateWith } from '../private/problems';
import * as g from '../private/grammar';
import { container, deployment, namespaceOf, service, serviceAccount, serviceHost } from '../private/kubernetes';

/** Options of `ThanosBucketWeb`: everything but its wiring (what `ThanosStack` derives). */
export interface ThanosBucketWebOptions extends ComponentOptions, ExtraArgsOptions {
  /**
   * Name of the Deployment, Service and ServiceAccount.
   * @default 'thanos-bucketweb'
   */
  readonly name?: string;
  /**
   * `--refresh`: how often block metadata is read from the bucket.
   * @default Duration.minutes(30)
   */
  readonly refresh?: Duration;
  /**
   * `--label`: the external label blocks are grouped by in the UI, e.g. `cluster`.
   * @default - none
   */
  readonly label?: string;
  /**
   * `--disable-admin-operations`: hide the UI actions that mark blocks for deletion or no-compaction.
   * @default false
   */
  readonly disableAdminOperations?: boolean;
  /**
   * Type of the Service.
   * @default ServiceType.CLUSTER_IP
   */
  readonly serviceType?: ServiceType;
  /**
   * An Ingress for its UI (class and host yours, TLS from a Secret reference); its NetworkPolicy admits the
   * controller's pods. With admin operations on, the controller must authenticate (`acknowledgePlaintextExposure`).
   * @default - no Ingress
   */
  readonly ingress?: IngressOptions;
}

/** Properties of `ThanosBucketWeb`: its options plus what it is wired to. */
export interface ThanosBucketWebProps extends ThanosBucketWebOptions {
  /** The bucket to inspect. */
  readonly objectStorage: IObjectStorage;
}

const DEFAULTS = {
  name: 'thanos-bucketweb',
  refresh: Duration.minutes(30),
  serviceType: ServiceType.CLUSTER_IP,
  size: SizePreset.SMALL,
} as const;

/**
 * `thanos tools bucket web`: a UI listing the bucket's blocks (time ranges, resolutions, overlaps).
 * One replica: it only reads metadata and serves a page.
 */
export class ThanosBucketWeb extends Component implements IScrapeTarget {
  /** In-cluster URL of the UI. */
  public readonly url: string;
  /** The URL its Ingress serves, when it has one. */
  public readonly ingressUrl?: string;

  private readonly refresh: Duration;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ThanosBucketWebProps,
  ) {
    super(scope, id, {
      name: props.name ?? DEFAULTS.name,
      kind: 'thanos-bucketweb',
      component: 'object-store-bucket-debugging',
      image: props.image ?? DEFAULT_IMAGES.thanos,
      networkPolicy: props.networkPolicy,
      exposure: props,
      preset: PresetWorkload.BUCKET_WEB,
      size: props.size,
      resources: props.resources,
      placement: props.placement,
      extraArgs: props.extraArgs,
    });
    this.refresh = props.refresh ?? DEFAULTS.refresh;
    this.url = `http://${serviceHost(this, this.name)}:${PORTS.thanosHttp.port}`;

    const { image, labels, selector } = this;
    const serviceType = props.serviceType ?? DEFAULTS.serviceType;

    this.connections.allowFromOutside(serviceType, PORTS.thanosHttp.port);
    this.connections.refuseUnprotectedExposure(
      'the bucket web UI (it marks blocks for deletion, without authentication)',
      'keep serviceType CLUSTER_IP and use kubectl port-forward',
      serviceType,
    );

    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    const storage = bindObjectStorage(props.objectStorage, this, sa, this.connections);

    service(this, 'Service', { name: this.name, labels, selector, type: serviceType, ports: [PORTS.thanosHttp] });
    if (props.ingress)
      this.ingressUrl = addIngress(
        this,
        {
          connections: this.connections,
          serviceName: this.name,
          labels,
          port: PORTS.thanosHttp,
          unauthenticatedRisk:
            (props.disableAdminOperations ?? false)
              ? undefined
              : 'the bucket web UI, which marks blocks for deletion without authentication: set disableAdminOperations: true',
        },
        props.ingress,
      );

    const ownArgs = [
      'tools',
      'bucket',
      'web',
      ...thanosServerArgs(false),
      `--refresh=${goDuration(this.refresh)}`,
      ...(props.label ? [`--label=${props.label}`] : []),
      ...(props.disableAdminOperations ? ['--disable-admin-operations'] : []),
      ...storage.args,
    ];
    // People reach it through its Service; it has no gRPC server.
    const shutdown = this._thanosShutdown(Discovery.SERVICE, false);
    const web = container({
      name: 'thanos-bucketweb',
      image,
      user: USERS.nobody,
      args: [...ownArgs, ...this._extraArgs({ binary: 'thanos', command: 'tools bucket web' }, () => ownArgs)],
      ports: [PORTS.thanosHttp],
      env: storage.env,
      volumeMounts: storage.volumeMounts,
      probes: healthyReadyProbes(PORTS.thanosHttp.name),
      lifecycle: shutdown.lifecycle,
      resources: this.resources,
    });

    deployment(this, 'Resource', {
      name: this.name,
      replicas: 1,
      labels,
      selector,
      user: USERS.nobody,
      serviceAccountName: sa.name,
      terminationGracePeriodSeconds: shutdown.graceSeconds,
      annotations: { 'checksum/objstore': storage.configChecksum },
      containers: [web],
      volumes: storage.volumes,
    });

    validateWith(this, () => this.problems(), { props, rules: componentRules({ refresh: g.duration, disableAdminOperations: g.bool }) });
  }

  /** The UI's metrics endpoint. */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    return [{ jobName: this.name, serviceName: this.name, namespace: namespaceOf(this), port: PORTS.thanosHttp }];
  }

  private problems(): string[] {
    const p = this.props;
    const problems = this._commonProblems({ serviceTypes: { serviceType: p.serviceType } });
    if (p.label !== undefined) problems.push(...labelNameProblems('label', p.label));
    if (this.refresh.toMilliseconds() < 1000) problems.push(`refresh ${goDuration(this.refresh)} is under a second: use e.g. Duration.minutes(30)`);
    return problems;
  }
}
