import { Size } from 'cdk8s';
import { ISecret, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Component } from '../private/component';
import { InClusterStoreOptions } from './component-options';
import { IScrapeTarget, ScrapeEndpoint } from '../wiring/apis';
import { DEFAULT_IMAGES } from '../images';
import { componentLabels, selectorLabels } from '../private/labels';
import { Connections } from '../wiring/connections';
import { IObjectStorage, S3BucketLookup, S3Credentials, S3ObjectStorage } from '../wiring/object-storage';
import { PORTS } from '../ports';
import { requireSecret } from '../output/prerequisites';
import { PROBE_TIMINGS, httpProbe } from '../private/probes';
import { SizePreset } from '../config/resources';
import { PresetWorkload, presetResources } from '../private/presets';
import { USERS } from '../private/security';
import { componentRules, literalSecret, secretKeyProblems, validateWith } from '../private/problems';
import { MAX_JOB_NAME, maxNameWith } from '../private/invariants';
import * as g from '../private/grammar';
import {
  checksum,
  claimTemplate,
  container,
  emptyDir,
  namespaceOf,
  podTemplate,
  secretEnv,
  service,
  serviceAccount,
  serviceHost,
  statefulSet,
} from '../private/kubernetes';

/**
 * Properties of `MinIO`.
 *
 * Defaults: name `minio`, bucket `thanos`, Secret keys `access_key` / `secret_key`, a 50 GiB volume.
 */
export interface MinIOOptions extends InClusterStoreOptions {
  /**
   * Name of the StatefulSet, Service, ServiceAccount and NetworkPolicy (the headless Service is `<name>-headless`,
   * the bucket Job `<name>-bucket-<checksum>`). At most 47 characters.
   * @default 'minio'
   */
  readonly name?: string;
  /**
   * MinIO client (`mc`) image of the bucket Job.
   * @default DEFAULT_IMAGES.minioClient
   */
  readonly clientImage?: string;
}

/** Properties of `MinIO`: its options plus what it is wired to. */
export interface MinIOProps extends MinIOOptions {
  /**
   * The Secret you create holding the root user and password; the Thanos S3 client uses the same keys.
   * Both values must be URL-safe (letters, digits, `-`, `_`, `.`, `~`): the bucket Job passes them in a URL.
   * MinIO wants a user of at least 3 and a password of at least 8 characters.
   */
  readonly credentials: ISecret;
}

const DEFAULTS = {
  name: 'minio',
  bucket: 'thanos',
  accessKeyKey: 'access_key',
  secretKeyKey: 'secret_key',
  storageSize: Size.gibibytes(50),
} as const;

const DATA_DIR = '/data';
const TMP_DIR = '/tmp';
/** The embedded console listens here; no Service exposes it and the NetworkPolicy admits nobody to it. */
const CONSOLE_PORT = 9001;
const METRICS_PATH = '/minio/v2/metrics/cluster';
/** The bucket Job's name after MinIO's: a new Job for each new container, since a Job's template is immutable. */
const bucketJobSuffix = (hash: string) => `-bucket-${hash.slice(0, 8)}`;

/** Retries of the bucket Job (exponential back-off capped at 6 minutes): long enough to outwait a slow first start. */
const BUCKET_JOB_BACKOFF_LIMIT = 20;

/**
 * A single-node MinIO as the in-cluster S3 store of the default stack, with its bucket created by a
 * Job. Thanos components never see this class: they take `objectStorage`, an `IObjectStorage` like any
 * external bucket, so MinIO can be swapped for S3, GCS, Azure or another S3-compatible server.
 *
 * MinIO's community edition is archived (see `DEFAULT_IMAGES.minio`): prefer an external or a maintained
 * object store for anything but a demo.
 */
export class MinIO extends Component implements IScrapeTarget {
  /** The bucket Thanos uses. */
  public readonly bucket: string;
  /** S3 endpoint, `host:port` (plain HTTP). */
  public readonly endpoint: string;
  /** The bucket, for `objectStorage` of Thanos components. */
  public readonly objectStorage: IObjectStorage;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: MinIOProps,
  ) {
    super(scope, id, {
      name: props.name ?? DEFAULTS.name,
      kind: 'minio',
      component: 'object-storage',
      image: props.image ?? DEFAULT_IMAGES.minio,
      networkPolicy: props.networkPolicy,
      preset: PresetWorkload.MINIO,
      size: props.size,
      resources: props.resources,
      placement: props.placement,
    });
    this.bucket = props.bucket ?? DEFAULTS.bucket;
    this.endpoint = `${serviceHost(this, this.name)}:${PORTS.minio.port}`;
    const accessKeyKey = props.accessKeyKey ?? DEFAULTS.accessKeyKey;
    const secretKeyKey = props.secretKeyKey ?? DEFAULTS.secretKeyKey;
    const secretName = props.credentials.name;
    const { image, labels, selector } = this;

    requireSecret(this, { name: secretName, keys: [accessKeyKey, secretKeyKey], purpose: `MinIO root user and password (${this.name})` });

    const sa = serviceAccount(this, 'ServiceAccount', this.name, labels);
    const headless = service(this, 'HeadlessService', { name: `${this.name}-headless`, labels, selector, headless: true, ports: [PORTS.minio] });
    service(this, 'Service', { name: this.name, labels, selector, ports: [PORTS.minio] });

    const server = container({
      name: 'minio',
      image,
      user: USERS.minio,
      // The image's entrypoint prepends `minio`. Certificates (none: plain HTTP) would default to $HOME/.minio.
      args: ['server', DATA_DIR, `--address=:${PORTS.minio.port}`, `--console-address=:${CONSOLE_PORT}`, `--certs-dir=${TMP_DIR}/certs`],
      ports: [PORTS.minio],
      env: [
        secretEnv('MINIO_ROOT_USER', secretName, accessKeyKey),
        secretEnv('MINIO_ROOT_PASSWORD', secretName, secretKeyKey),
        // Prometheus scrapes the metrics endpoint without a bearer token.
        { name: 'MINIO_PROMETHEUS_AUTH_TYPE', value: 'public' },
        { name: 'HOME', value: TMP_DIR },
      ],
      volumeMounts: [
        { name: 'data', mountPath: DATA_DIR },
        { name: 'tmp', mountPath: TMP_DIR },
      ],
      probes: {
        livenessProbe: httpProbe('/minio/health/live', PORTS.minio.name, PROBE_TIMINGS.liveness),
        readinessProbe: httpProbe('/minio/health/ready', PORTS.minio.name, PROBE_TIMINGS.readiness),
      },
      resources: this.resources,
    });

    statefulSet(this, 'Resource', {
      name: this.name,
      replicas: 1,
      serviceName: headless.name,
      orderedStart: true,
      labels,
      selector,
      user: USERS.minio,
      serviceAccountName: sa.name,
      containers: [server],
      volumes: [emptyDir('tmp')],
      claims: [claimTemplate('data', props.storageSize ?? DEFAULTS.storageSize, selector, props.storageClassName)],
    });

    this.addBucketJob(secretName, accessKeyKey, secretKeyKey, sa.name, this.size);

    this.objectStorage = new S3ObjectStorage(this, 'ObjectStorage', {
      bucket: this.bucket,
      endpoint: this.endpoint,
      insecure: true,
      bucketLookup: S3BucketLookup.PATH,
      credentials: S3Credentials.fromSecret(props.credentials, accessKeyKey, secretKeyKey),
      // Every component bound to the bucket gets egress to MinIO, and MinIO admits it.
      networkPeer: this,
    });

    // The bucket name is validated by the S3ObjectStorage child.
    validateWith(
      this,
      () => [
        // Its longest object name is the bucket Job's.
        ...this._commonProblems({ maxNameLength: maxNameWith(bucketJobSuffix(checksum()), MAX_JOB_NAME) }),
        ...secretKeyProblems('accessKeyKey', accessKeyKey),
        ...secretKeyProblems('secretKeyKey', secretKeyKey),
      ],
      { props, rules: componentRules({ storageSize: g.size, clientImage: g.image, credentials: literalSecret }) },
    );
  }

  /** MinIO's cluster metrics (public: `MINIO_PROMETHEUS_AUTH_TYPE=public`). */
  public get scrapeEndpoints(): ScrapeEndpoint[] {
    return [{ jobName: this.name, serviceName: this.name, namespace: namespaceOf(this), port: PORTS.minio, path: METRICS_PATH }];
  }

  /**
   * A Job that creates the bucket with `mc mb --ignore-existing` (idempotent). An init container first
   * runs `mc ready`, which repeats its health request until MinIO answers (MinIO docs, `mc ready`), so a
   * slow first start is waited out instead of sending the Job into its restart back-off while Thanos
   * components look for the bucket. No shell: `mc` reads its alias from `MC_HOST_minio`, which Kubernetes assembles from the Secret-backed
   * env vars before it (`$(VAR)` expansion), so the keys must be URL-safe. A Job's pod template is
   * immutable, so the Job is named after a checksum of its container: a new image or bucket makes a new
   * Job (GitOps tools prune the old one) instead of an apply that fails on an immutable field.
   */
  private addBucketJob(secretName: string, accessKeyKey: string, secretKeyKey: string, serviceAccountName: string, size: SizePreset): void {
    const scope = new Construct(this, 'CreateBucket');
    const instance = `${this.name}-create-bucket`;
    const clientImage = this.props.clientImage ?? DEFAULT_IMAGES.minioClient;
    const identity = { name: 'minio-client', instance, component: 'object-storage-setup' };
    const labels = componentLabels(identity, clientImage);
    const selector = selectorLabels(identity);

    const connections = new Connections(scope, 'NetworkPolicy', {
      name: instance,
      labels,
      selector,
      namespace: namespaceOf(this),
      enabled: this.props.networkPolicy,
    });
    connections.allowTo(this, PORTS.minio.port);

    const mcContainer = (name: string, args: string[]) =>
      container({
        name,
        image: clientImage,
        user: USERS.minio,
        args,
        env: [
          secretEnv('MINIO_ACCESS_KEY', secretName, accessKeyKey),
          secretEnv('MINIO_SECRET_KEY', secretName, secretKeyKey),
          { name: 'MC_HOST_minio', value: `http://$(MINIO_ACCESS_KEY):$(MINIO_SECRET_KEY)@${this.endpoint}` },
          { name: 'MC_CONFIG_DIR', value: `${TMP_DIR}/.mc` },
        ],
        volumeMounts: [{ name: 'tmp', mountPath: TMP_DIR }],
        resources: presetResources(PresetWorkload.JOB, size),
      });
    const ready = mcContainer('wait-for-minio', ['ready', 'minio']);
    const mc = mcContainer('mc', ['mb', '--ignore-existing', `minio/${this.bucket}`]);
    const template = podTemplate({
      labels,
      selector,
      user: USERS.minio,
      serviceAccountName,
      spread: false,
      initContainers: [ready],
      containers: [mc],
      volumes: [emptyDir('tmp')],
    });

    new k8s.KubeJob(scope, 'Resource', {
      metadata: { name: `${this.name}${bucketJobSuffix(checksum(JSON.stringify([ready, mc])))}`, labels },
      spec: {
        backoffLimit: BUCKET_JOB_BACKOFF_LIMIT,
        template: { ...template, spec: { ...template.spec!, restartPolicy: 'OnFailure' } },
      },
    });
  }
}
