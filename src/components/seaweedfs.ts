import { Size } from 'cdk8s';
import { ISecret } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Component } from '../private/component';
import { InClusterStoreOptions } from './component-options';
import { IScrapeTarget, ScrapeEndpoint } from '../wiring/apis';
import { DEFAULT_IMAGES } from '../images';
import { IObjectStorage, S3BucketLookup, S3Credentials, S3ObjectStorage } from '../wiring/object-storage';
import { PORTS } from '../ports';
import { requireSecret } from '../output/prerequisites';
import { PROBE_TIMINGS, httpProbe } from '../private/probes';
import { PresetWorkload } from '../private/presets';
import { USERS } from '../private/security';
import { nameProblems, secretKeyProblems, validateWith } from '../private/problems';
import { MAX_STATEFULSET_NAME } from '../private/invariants';
import { claimTemplate, container, emptyDir, namespaceOf, secretEnv, service, serviceAccount, serviceHost, statefulSet } from '../private/kubernetes';

/**
 * Properties of `SeaweedFS`.
 *
 * Defaults: name `seaweedfs`, bucket `thanos`, Secret keys `access_key` / `secret_key`, a 50 GiB volume.
 */
export interface SeaweedFSOptions extends InClusterStoreOptions {
  /**
   * Name of the StatefulSet, Service, ServiceAccount and NetworkPolicy (the headless Service is `<name>-headless`).
   * At most 52 characters.
   * @default 'seaweedfs'
   */
  readonly name?: string;
}

/** Properties of `SeaweedFS`: its options plus what it is wired to. */
export interface SeaweedFSProps extends SeaweedFSOptions {
  /**
   * The Secret you create holding the S3 access and secret key; the Thanos S3 client uses the same keys.
   * SeaweedFS records them on its volume at first start and keeps that record afterwards: to rotate the
   * keys, change them through SeaweedFS (`weed shell` `s3.configure`) as well as in the Secret.
   */
  readonly credentials: ISecret;
}

const DEFAULTS = {
  name: 'seaweedfs',
  bucket: 'thanos',
  accessKeyKey: 'access_key',
  secretKeyKey: 'secret_key',
  storageSize: Size.gibibytes(50),
} as const;

const DATA_DIR = '/data';
/** Unix sockets between the parts (`/tmp/seaweedfs-*.sock`) and the WebDAV cache default to the temp dir. */
const TMP_DIR = '/tmp';

/**
 * A single-node SeaweedFS (`weed mini`: master, volume server, filer and S3 gateway in one process) as a
 * maintained, Apache-2.0 in-cluster S3 store. It creates its bucket and its one S3 identity itself at
 * start, so there is no bootstrap Job to race. Thanos components never see this class: they take
 * `objectStorage`, an `IObjectStorage` like any external bucket.
 *
 * One replica, no replication: a convenience store for small and demo installations. For anything you
 * cannot afford to lose, use an external bucket.
 */
export class SeaweedFS extends Component implements IScrapeTarget {
  /** The bucket Thanos uses. */
  public readonly bucket: string;
  /** S3 endpoint, `host:port` (plain HTTP). */
  public readonly endpoint: string;
  /** The bucket, for `objectStorage` of Thanos components. */
  public readonly objectStorage: IObjectStorage;

  constructor(scope: Construct, id: string, props: SeaweedFSProps) {
    super(scope, id, {
      name: props.name ?? DEFAULTS.name,
      kind: 'seaweedfs',
      component: 'object-storage',
      image: props.image ?? DEFAULT_IMAGES.seaweedfs,
      networkPolicy: props.networkPolicy,
      preset: PresetWorkload.SEAWEEDFS,
      size: props.size,
      resources: props.resources,
      placement: props.placement,
    });
    this.bucket = props.bucket ?? DEFAULTS.bucket;
    this.endpoint = `${serviceHost(this, this.name)}:${PORTS.seaweedfs.port}`;
    const accessKeyKey = props.accessKeyKey ?? DEFAULTS.accessKeyKey;
    const secretKeyKey = props.secretKeyKey ?? DEFAULTS.secretKeyKey;
    const secretName = props.credentials.name;
    const { image, labels, selector } = this;
    const ports = [PORTS.seaweedfs, PORTS.seaweedfsMetrics];

    requireSecret(this, { name: secretName, keys: [accessKeyKey, secretKeyKey], purpose: `SeaweedFS S3 access and secret key (${this.name})` });

    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    const headless = service(this, 'HeadlessService', { name: `${this.name}-headless`, labels, selector, headless: true, ports: [PORTS.seaweedfs] });
    service(this, 'Service', { name: this.name, labels, selector, ports });

    const server = {
      ...container({
        name: 'seaweedfs',
        image,
        user: USERS.seaweedfs,
        args: [
          // glog writes files into the temp dir unless told to log to stderr (as the image's entrypoint does).
          '-logtostderr=true',
          'mini',
          `-dir=${DATA_DIR}`,
          // The parts find each other on loopback under a stable identity (the pod IP changes on restart);
          // every port listens on all interfaces, and the NetworkPolicy admits only S3 and metrics.
          '-ip=127.0.0.1',
          '-ip.bind=0.0.0.0',
          `-s3.port=${PORTS.seaweedfs.port}`,
          `-metricsPort=${PORTS.seaweedfsMetrics.port}`,
        ],
        ports,
        env: [
          // `weed mini` turns these into its one S3 identity (Admin) and creates S3_BUCKET at start
          // (seaweedfs README "Quick Start with weed mini"; weed/command/mini.go startS3Service).
          secretEnv('AWS_ACCESS_KEY_ID', secretName, accessKeyKey),
          secretEnv('AWS_SECRET_ACCESS_KEY', secretName, secretKeyKey),
          { name: 'S3_BUCKET', value: this.bucket },
          { name: 'HOME', value: TMP_DIR },
        ],
        volumeMounts: [
          { name: 'data', mountPath: DATA_DIR },
          { name: 'tmp', mountPath: TMP_DIR },
        ],
        probes: {
          // The S3 gateway answers /healthz and /readyz on its own port (/readyz since 4.30, seaweedfs/seaweedfs#9738;
          // weed/s3api/s3api_server.go registerRouter); it starts last, after master, volume server and filer.
          livenessProbe: httpProbe('/healthz', PORTS.seaweedfs.name, PROBE_TIMINGS.liveness),
          readinessProbe: httpProbe('/readyz', PORTS.seaweedfs.name, PROBE_TIMINGS.readiness),
        },
        resources: this.resources,
      }),
      // Run the binary itself: the image's shell entrypoint only prepends flags for other subcommands
      // and, when started as root, chowns /data (fsGroup does that here).
      command: ['/usr/bin/weed'],
    };

    statefulSet(this, 'Resource', {
      name: this.name,
      replicas: 1,
      serviceName: headless.name,
      orderedStart: true,
      labels,
      selector,
      user: USERS.seaweedfs,
      serviceAccountName: sa.name,
      containers: [server],
      volumes: [emptyDir('tmp')],
      claims: [claimTemplate('data', props.storageSize ?? DEFAULTS.storageSize, selector, props.storageClassName)],
    });

    this.objectStorage = new S3ObjectStorage(this, 'ObjectStorage', {
      bucket: this.bucket,
      endpoint: this.endpoint,
      insecure: true,
      // SeaweedFS serves virtual-hosted buckets only for a configured -s3.domainName; path style always works.
      bucketLookup: S3BucketLookup.PATH,
      credentials: S3Credentials.fromSecret(props.credentials, accessKeyKey, secretKeyKey),
      // Every component bound to the bucket gets egress to SeaweedFS, and SeaweedFS admits it.
      networkPeer: this,
    });

    // The bucket name is validated by the S3ObjectStorage child.
    validateWith(this, () => [
      ...nameProblems('name', this.name, MAX_STATEFULSET_NAME),
      ...secretKeyProblems('accessKeyKey', accessKeyKey),
      ...secretKeyProblems('secretKeyKey', secretKeyKey),
      ...(props.resources?._problems() ?? []),
    ]);
  }

  /** The Prometheus metrics of every part (`-metricsPort`), on their own port. */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    return [{ jobName: this.name, serviceName: this.name, namespace: namespaceOf(this), port: PORTS.seaweedfsMetrics }];
  }
}
