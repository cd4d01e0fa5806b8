import { ApiObject, Chart } from 'cdk8s';
import { ISecret, k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { Labels, MANAGED_BY, PART_OF } from '../private/labels';
import { Connections, INetworkPeer, NetworkPeer, peerOfHost, splitHostPort } from './connections';
import { SecretRequirement, requireSecret } from '../output/prerequisites';
import { literalSecret, validateWith } from '../private/problems';
import { registerInvariants } from '../private/invariants';
import { Grammar, secretKey } from '../private/grammar';
import { checksum, configYaml, lazy, secretEnv } from '../private/kubernetes';

/** A key prefix without the slashes Thanos ignores at either end. */
function normalisedPrefix(prefix: string | undefined): string {
  return String(prefix ?? '').replace(/^\/+|\/+$/g, '');
}

const prefixGrammar: Grammar = (path, v) => (v === undefined || typeof v === 'string' ? [] : [`${path} ${JSON.stringify(v)} is not valid: expected a string`]);

/** An AWS endpoint names its region (`s3.eu-west-1.amazonaws.com`): a different `region` signs requests the endpoint refuses. */
function regionProblems(endpoint: string, region: string | undefined): string[] {
  const m = /^s3[.-](?:dualstack\.)?([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(:\d+)?$/.exec(String(endpoint));
  if (!m || region === undefined || region === m[1]) return [];
  return [
    `region ${JSON.stringify(region)} contradicts endpoint ${JSON.stringify(endpoint)} (region ${m[1]}): requests would be signed for the wrong region; use region ${JSON.stringify(m[1])} or drop region`,
  ];
}

/** Where every Thanos component finds its bucket config. */
const MOUNT_PATH = '/etc/thanos/objstore';
const CONFIG_FILE = 'objstore.yml';

/** What a Thanos container needs to reach the bucket. */
export interface ObjectStorageBinding {
  /** `--objstore.config-file=...`. */
  readonly args: string[];
  /** Secret-backed env vars the config's `$(VAR)` placeholders read. */
  readonly env: k8s.EnvVar[];
  /** Volumes holding the config (and any key file). */
  readonly volumes: k8s.Volume[];
  /** Mounts of those volumes into the container. */
  readonly volumeMounts: k8s.VolumeMount[];
  /** Workload identity annotations for the component's ServiceAccount. */
  readonly serviceAccountAnnotations: { [key: string]: string };
  /**
   * Every address the container must reach for the bucket: the store itself, and the metadata or
   * token endpoints its SDK takes credentials from when no key is given.
   */
  readonly egress: ObjectStorageEgress[];
  /**
   * Changes when the config this library renders changes, so pods roll. A config kept in a Secret you own
   * is not seen: roll the pods yourself when you change it.
   */
  readonly configChecksum: string;
}

/** One NetworkPolicy egress rule a bucket needs. */
export interface ObjectStorageEgress {
  /** The destination. */
  readonly peer: INetworkPeer;
  /** Its TCP ports. */
  readonly ports: number[];
}

/**
 * Link-local endpoints the cloud SDKs in Thanos take credentials from when no key is configured. A
 * NetworkPolicy that admits only the bucket's 443 breaks them, so every bucket reader gets them through
 * its binding.
 */
const METADATA = {
  /**
   * GCE/GKE metadata server (Google's default credentials without a key file). On GKE's iptables dataplane
   * with workload identity, traffic to it is DNAT-ed to the gke-metadata-server on 169.254.169.252:988
   * before policy applies, so both are admitted (GKE "Protecting cluster metadata" / network policy docs).
   */
  gcp: [
    { cidr: '169.254.169.254/32', port: 80 },
    { cidr: '169.254.169.252/32', port: 988 },
  ],
  /**
   * AWS SDK chain without keys or IRSA: EC2 instance metadata (IMDS) and the EKS Pod Identity agent, which
   * listens on 169.254.170.23:80 (EKS user guide, "Set up the Amazon EKS Pod Identity Agent").
   */
  aws: [
    { cidr: '169.254.169.254/32', port: 80 },
    { cidr: '169.254.170.23/32', port: 80 },
  ],
  /**
   * Azure instance metadata (IMDS): thanos-io/objstore's Azure client uses ManagedIdentityCredential with
   * `user_assigned_id`, DefaultAzureCredential (which ends in managed identity) without.
   */
  azure: [{ cidr: '169.254.169.254/32', port: 80 }],
};

function metadataEgress(endpoints: Array<{ cidr: string; port: number }>): ObjectStorageEgress[] {
  return endpoints.map((e) => ({ peer: NetworkPeer.ipBlock(e.cidr), ports: [e.port] }));
}

/** A bucket Thanos reads and writes. One definition shared by sidecar, store, compactor, ruler and bucket web. */
export interface IObjectStorage extends IConstruct {
  /** Identifies the bucket (type, endpoint, bucket, prefix): two compactors on one id corrupt it. */
  readonly bucketId: string;
  /** What a consumer's container needs. */
  bind(consumer: IConstruct): ObjectStorageBinding;
}

/**
 * Binds a bucket for a component: its ServiceAccount gets the workload identity annotations and its
 * NetworkPolicy the egress to the store. The container parts are returned.
 */
export function bindObjectStorage(storage: IObjectStorage, consumer: IConstruct, serviceAccount: ApiObject, connections: Connections): ObjectStorageBinding {
  const binding = storage.bind(consumer);
  for (const [k, v] of Object.entries(binding.serviceAccountAnnotations)) serviceAccount.metadata.addAnnotation(k, v);
  for (const e of binding.egress) connections.allowTo(e.peer, ...e.ports);
  return binding;
}

/** How S3 addresses the bucket. */
export enum S3BucketLookup {
  /** Let the client decide (virtual-hosted for AWS, path for others). */
  AUTO = 'auto',
  /** `endpoint/bucket`: MinIO and most S3-compatible servers. */
  PATH = 'path',
  /** `bucket.endpoint`. */
  VIRTUAL_HOSTED = 'virtual-hosted',
}

/** S3 credentials: from a Secret you own, or from the workload's identity. Never literal values. */
export class S3Credentials {
  /**
   * Access and secret key from keys of an existing Secret.
   * @param accessKeyKey @default 'access_key'
   * @param secretKeyKey @default 'secret_key'
   */
  public static fromSecret(secret: ISecret, accessKeyKey = 'access_key', secretKeyKey = 'secret_key'): S3Credentials {
    return new S3Credentials(secret.name, accessKeyKey, secretKeyKey);
  }

  /**
   * No keys: the AWS SDK chain (EKS IRSA / Pod Identity, instance profile).
   * @param roleArn annotates every ServiceAccount that reads the bucket with `eks.amazonaws.com/role-arn`
   */
  public static workloadIdentity(roleArn?: string): S3Credentials {
    return new S3Credentials(undefined, undefined, undefined, roleArn);
  }

  private constructor(
    /** @internal */ public readonly _secretName?: string,
    /** @internal */ public readonly _accessKeyKey?: string,
    /** @internal */ public readonly _secretKeyKey?: string,
    /** @internal */ public readonly _roleArn?: string,
  ) {}
}

/** Properties of `S3ObjectStorage`. */
export interface S3ObjectStorageProps {
  /** Bucket name. */
  readonly bucket: string;
  /** `host` or `host:port`, no scheme (e.g. `s3.eu-west-1.amazonaws.com`, `minio.monitoring.svc:9000`). */
  readonly endpoint: string;
  /** How to authenticate. */
  readonly credentials: S3Credentials;
  /**
   * Region.
   * @default - none (the client derives it)
   */
  readonly region?: string;
  /**
   * Plain HTTP instead of HTTPS (in-cluster MinIO without TLS).
   * @default false
   */
  readonly insecure?: boolean;
  /**
   * Path or virtual-hosted addressing.
   * @default S3BucketLookup.AUTO
   */
  readonly bucketLookup?: S3BucketLookup;
  /**
   * Key prefix inside the bucket, for sharing one bucket between stacks.
   * @default - none
   */
  readonly prefix?: string;
  /**
   * Name of the ConfigMap that holds the config (placeholders only, no credentials).
   * @default 'thanos-objstore'
   */
  readonly configMapName?: string;
  /**
   * The store, for NetworkPolicy egress (on the endpoint's port).
   * @default - derived from the endpoint: a cluster DNS name (`<service>.<namespace>.svc`) selects that
   * namespace's pods, an IP is that address, another dotted name any address; a name without a dot must
   * be given a peer
   */
  readonly networkPeer?: INetworkPeer;
}

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ENDPOINT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:\d{1,5})?$/;

/** Common object-storage plumbing: the ConfigMap, the mount, the placeholders. */
abstract class ConfigMapObjectStorage extends Construct implements IObjectStorage {
  public abstract readonly bucketId: string;
  private readonly configMapName: string;

  constructor(scope: Construct, id: string, configMapName: string | undefined) {
    super(scope, id);
    registerInvariants(this);
    this.configMapName = configMapName ?? 'thanos-objstore';
    const labels: Labels = { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': MANAGED_BY };
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: this.configMapName, labels },
      // Lazy: subclasses set their props after this constructor returns.
      data: lazy(() => ({ [CONFIG_FILE]: this._renderConfig() })),
    });
  }

  public bind(consumer: IConstruct): ObjectStorageBinding {
    const secret = this._secret();
    if (secret) requireSecret(consumer, secret);
    return {
      args: [`--objstore.config-file=${MOUNT_PATH}/${CONFIG_FILE}`],
      env: this._env(),
      volumes: [{ name: 'objstore', configMap: { name: this.configMapName } }],
      volumeMounts: [{ name: 'objstore', mountPath: MOUNT_PATH, readOnly: true }],
      serviceAccountAnnotations: this._serviceAccountAnnotations(),
      egress: this._egress(),
      configChecksum: checksum(this._renderConfig()),
    };
  }

  /** @internal The objstore YAML; credentials appear only as `$(VAR)` placeholders Thanos substitutes. */
  protected _renderConfig(): string {
    return configYaml(this._config());
  }

  // The hooks each store fills in: implementation, not API (internal, so jsii and the declarations leave them out).
  /** @internal */ protected abstract _config(): object;
  /** @internal */ protected abstract _env(): k8s.EnvVar[];
  /** @internal */ protected abstract _secret(): SecretRequirement | undefined;
  /** @internal */ protected abstract _serviceAccountAnnotations(): { [key: string]: string };
  /** @internal */ protected abstract _egress(): ObjectStorageEgress[];
}

/** An S3 or S3-compatible bucket (AWS, MinIO, SeaweedFS, Garage, Ceph RGW...). */
export class S3ObjectStorage extends ConfigMapObjectStorage {
  /**
   * `s3://<endpoint>/<bucket>/<prefix>`: two compactors on one id corrupt it. An endpoint inside the cluster
   * (`*.svc`) names a different store in each cluster, so its id also names the chart (one chart, one cluster).
   */
  public readonly bucketId: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: S3ObjectStorageProps,
  ) {
    super(scope, id, props.configMapName);
    // Normalised: one bucket spelled two ways (`eu1` vs `/eu1/`, with or without the default port) is one bucket;
    // an in-cluster endpoint (`*.svc`) names a different store in each cluster (chart).
    const local = /\.svc(\.cluster\.local)?\.?$/.test(splitHostPort(props.endpoint, 443).host);
    this.bucketId = `s3://${String(props.endpoint)
      .toLowerCase()
      .replace(/:(443|80)$/, '')}/${props.bucket}/${normalisedPrefix(props.prefix)}${local ? ` in cluster ${Chart.of(this).node.path}` : ''}`;
    validateWith(this, () => [
      ...regionProblems(props.endpoint, props.region),
      ...(S3_BUCKET.test(props.bucket) && !props.bucket.includes('..')
        ? []
        : [
            `bucket ${JSON.stringify(props.bucket)} is not a valid S3 bucket name: use 3-63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit`,
          ]),
      ...(ENDPOINT.test(props.endpoint) && portOf(props.endpoint) <= 65535
        ? []
        : [
            `endpoint ${JSON.stringify(props.endpoint)} is not a valid S3 endpoint: give host or host:port without scheme or path, e.g. "minio.monitoring.svc:9000"`,
          ]),
      ...peerProblems('endpoint', props.endpoint, props.networkPeer),
    ]);
  }

  /** @internal */
  protected _config(): object {
    const c = this.props.credentials;
    return {
      type: 'S3',
      ...(this.props.prefix ? { prefix: this.props.prefix } : {}),
      config: {
        bucket: this.props.bucket,
        endpoint: this.props.endpoint,
        ...(this.props.region ? { region: this.props.region } : {}),
        insecure: this.props.insecure ?? false,
        bucket_lookup_type: this.props.bucketLookup ?? S3BucketLookup.AUTO,
        ...(c._secretName ? { access_key: '$(OBJSTORE_ACCESS_KEY)', secret_key: '$(OBJSTORE_SECRET_KEY)' } : {}),
      },
    };
  }

  /** @internal */
  protected _env(): k8s.EnvVar[] {
    const c = this.props.credentials;
    if (!c._secretName) return [];
    return [secretEnv('OBJSTORE_ACCESS_KEY', c._secretName, c._accessKeyKey!), secretEnv('OBJSTORE_SECRET_KEY', c._secretName, c._secretKeyKey!)];
  }

  /** @internal */
  protected _secret(): SecretRequirement | undefined {
    const c = this.props.credentials;
    return c._secretName
      ? { name: c._secretName, keys: [c._accessKeyKey!, c._secretKeyKey!], purpose: `S3 credentials for bucket ${this.props.bucket}` }
      : undefined;
  }

  /** @internal */
  protected _serviceAccountAnnotations(): { [key: string]: string } {
    const arn = this.props.credentials._roleArn;
    return arn ? { 'eks.amazonaws.com/role-arn': arn } : {};
  }

  /** @internal */
  protected _egress(): ObjectStorageEgress[] {
    const { host, port } = splitHostPort(this.props.endpoint, (this.props.insecure ?? false) ? 80 : 443);
    const store = { peer: this.props.networkPeer ?? peerOfHost(host) ?? NetworkPeer.anywhere(), ports: [port] };
    const c = this.props.credentials;
    if (c._secretName) return [store];
    // IRSA exchanges its projected token at STS (HTTPS); without a role the chain reads link-local endpoints.
    return c._roleArn ? [store, { peer: NetworkPeer.anywhere(), ports: [443] }] : [store, ...metadataEgress(METADATA.aws)];
  }
}

/** A host that may be in the cluster but names no namespace cannot become a NetworkPolicy peer by itself. */
function peerProblems(what: string, address: string, given: INetworkPeer | undefined): string[] {
  if (given || peerOfHost(splitHostPort(address, 443).host)) return [];
  return [
    `${what} ${JSON.stringify(address)} may be inside the cluster but names no namespace: write the full "<service>.<namespace>.svc:<port>" name, or give networkPeer (e.g. NetworkPeer.pods({...}, "<namespace>"))`,
  ];
}

function portOf(endpoint: string, otherwise = 443): number {
  const m = /:(\d+)$/.exec(endpoint);
  return m ? Number(m[1]) : otherwise;
}

/** Properties of `GcsObjectStorage`. */
export interface GcsObjectStorageProps {
  /** Bucket name. */
  readonly bucket: string;
  /**
   * A Secret holding a service-account JSON key, mounted as a file.
   * @default - workload identity (GKE): no key
   */
  readonly serviceAccountKeySecret?: ISecret;
  /**
   * Key of the JSON file in `serviceAccountKeySecret`.
   * @default 'service-account.json'
   */
  readonly serviceAccountKeyKey?: string;
  /**
   * GCP service account to impersonate through GKE workload identity.
   * @default - none
   */
  readonly workloadIdentityServiceAccount?: string;
  /**
   * Key prefix inside the bucket.
   * @default - none
   */
  readonly prefix?: string;
  /**
   * Name of the config ConfigMap.
   * @default 'thanos-objstore'
   */
  readonly configMapName?: string;
}

/** A Google Cloud Storage bucket. */
export class GcsObjectStorage extends ConfigMapObjectStorage {
  /** `gcs://<bucket>/<prefix>`: two compactors on one id corrupt it. */
  public readonly bucketId: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: GcsObjectStorageProps,
  ) {
    super(scope, id, props.configMapName);
    this.bucketId = `gcs://${props.bucket}/${normalisedPrefix(props.prefix)}`;
    validateWith(
      this,
      () =>
        props.serviceAccountKeySecret && props.workloadIdentityServiceAccount
          ? [
              `serviceAccountKeySecret ${JSON.stringify(props.serviceAccountKeySecret.name)} and workloadIdentityServiceAccount ${JSON.stringify(props.workloadIdentityServiceAccount)} are both given: the key file silently wins over workload identity; drop one of them`,
            ]
          : [],
      { props, rules: { serviceAccountKeySecret: literalSecret, serviceAccountKeyKey: secretKey, prefix: prefixGrammar } },
    );
  }

  /** What a consumer's container needs, the service account key file included. */
  public bind(consumer: IConstruct): ObjectStorageBinding {
    const base = super.bind(consumer);
    const secret = this.props.serviceAccountKeySecret;
    if (!secret) return base;
    return {
      ...base,
      volumes: [...base.volumes, { name: 'gcs-key', secret: { secretName: secret.name } }],
      volumeMounts: [...base.volumeMounts, { name: 'gcs-key', mountPath: '/etc/thanos/gcs', readOnly: true }],
    };
  }

  /** @internal */
  protected _config(): object {
    return { type: 'GCS', ...(this.props.prefix ? { prefix: this.props.prefix } : {}), config: { bucket: this.props.bucket } };
  }

  /** @internal */
  protected _env(): k8s.EnvVar[] {
    const key = this.props.serviceAccountKeyKey ?? 'service-account.json';
    return this.props.serviceAccountKeySecret ? [{ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: `/etc/thanos/gcs/${key}` }] : [];
  }

  /** @internal */
  protected _secret(): SecretRequirement | undefined {
    const s = this.props.serviceAccountKeySecret;
    return s
      ? { name: s.name, keys: [this.props.serviceAccountKeyKey ?? 'service-account.json'], purpose: `GCS key for bucket ${this.props.bucket}` }
      : undefined;
  }

  /** @internal */
  protected _serviceAccountAnnotations(): { [key: string]: string } {
    const sa = this.props.workloadIdentityServiceAccount;
    return sa ? { 'iam.gke.io/gcp-service-account': sa } : {};
  }

  /** @internal */
  protected _egress(): ObjectStorageEgress[] {
    const api = { peer: NetworkPeer.anywhere(), ports: [443] };
    return this.props.serviceAccountKeySecret ? [api] : [api, ...metadataEgress(METADATA.gcp)];
  }
}

/** Properties of `AzureObjectStorage`. */
export interface AzureObjectStorageProps {
  /** Storage account name. */
  readonly storageAccount: string;
  /** Blob container name. */
  readonly container: string;
  /**
   * A Secret holding the storage account key.
   * @default - workload identity: no key
   */
  readonly accountKeySecret?: ISecret;
  /**
   * Key of the account key in `accountKeySecret`.
   * @default 'storage_account_key'
   */
  readonly accountKeyKey?: string;
  /**
   * Client id of a user-assigned managed identity (Azure workload identity).
   * @default - none
   */
  readonly workloadIdentityClientId?: string;
  /**
   * Name of the config ConfigMap.
   * @default 'thanos-objstore'
   */
  readonly configMapName?: string;
}

/** An Azure Blob Storage container. */
export class AzureObjectStorage extends ConfigMapObjectStorage {
  /** `azure://<storageAccount>/<container>`: two compactors on one id corrupt it. */
  public readonly bucketId: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AzureObjectStorageProps,
  ) {
    super(scope, id, props.configMapName);
    this.bucketId = `azure://${String(props.storageAccount).toLowerCase()}/${props.container}`;
    validateWith(
      this,
      () =>
        props.accountKeySecret && props.workloadIdentityClientId
          ? [
              `accountKeySecret ${JSON.stringify(props.accountKeySecret.name)} and workloadIdentityClientId ${JSON.stringify(props.workloadIdentityClientId)} are both given: Thanos refuses a config with both an account key and a managed identity; drop one of them`,
            ]
          : [],
      { props, rules: { accountKeySecret: literalSecret, accountKeyKey: secretKey } },
    );
  }

  /** @internal */
  protected _config(): object {
    return {
      type: 'AZURE',
      config: {
        storage_account: this.props.storageAccount,
        container: this.props.container,
        ...(this.props.accountKeySecret ? { storage_account_key: '$(OBJSTORE_ACCOUNT_KEY)' } : {}),
        ...(this.props.workloadIdentityClientId ? { user_assigned_id: this.props.workloadIdentityClientId } : {}),
      },
    };
  }

  /** @internal */
  protected _env(): k8s.EnvVar[] {
    const s = this.props.accountKeySecret;
    return s ? [secretEnv('OBJSTORE_ACCOUNT_KEY', s.name, this.props.accountKeyKey ?? 'storage_account_key')] : [];
  }

  /** @internal */
  protected _secret(): SecretRequirement | undefined {
    const s = this.props.accountKeySecret;
    return s
      ? {
          name: s.name,
          keys: [this.props.accountKeyKey ?? 'storage_account_key'],
          purpose: `Azure key for ${this.props.storageAccount}/${this.props.container}`,
        }
      : undefined;
  }

  /** @internal */
  protected _serviceAccountAnnotations(): { [key: string]: string } {
    const id = this.props.workloadIdentityClientId;
    return id ? { 'azure.workload.identity/client-id': id } : {};
  }

  /** @internal */
  protected _egress(): ObjectStorageEgress[] {
    const api = { peer: NetworkPeer.anywhere(), ports: [443] };
    return this.props.accountKeySecret ? [api] : [api, ...metadataEgress(METADATA.azure)];
  }
}

/** Properties of `ObjectStorage.fromSecret`. */
export interface ExistingObjectStorageProps {
  /** The Secret holding a complete Thanos objstore YAML (e.g. `thanos-objstore-config`). */
  readonly secret: ISecret;
  /**
   * Key of the YAML in the Secret.
   * @default 'objstore.yml'
   */
  readonly key?: string;
  /**
   * The store's `host:port` as the config in the Secret names it, for NetworkPolicy egress: the peer and
   * the port derive from it as for `S3ObjectStorage`'s endpoint. Give it or `networkPeer` with `port`.
   * @default - none: `networkPeer` is required
   */
  readonly endpoint?: string;
  /**
   * Port the store listens on, for NetworkPolicy egress with `networkPeer`.
   * @default - the endpoint's port, else 443
   */
  readonly port?: number;
  /**
   * The store, for NetworkPolicy egress.
   * @default - derived from `endpoint`
   */
  readonly networkPeer?: INetworkPeer;
  /**
   * Cloud metadata endpoints the config's credentials come from, when it has no keys (e.g. `['gcp']`:
   * `gcp`, `aws` or `azure`), for NetworkPolicy egress.
   * @default - none: the Secret's config carries its keys
   */
  readonly metadataEndpoints?: string[];
}

/** Importers for object storage defined outside this app. */
export class ObjectStorage {
  /** A bucket whose whole objstore config (credentials included) is in a Secret you own. */
  public static fromSecret(scope: Construct, id: string, props: ExistingObjectStorageProps): IObjectStorage {
    return new SecretObjectStorage(scope, id, props);
  }

  private constructor() {}
}

class SecretObjectStorage extends Construct implements IObjectStorage {
  public readonly bucketId: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ExistingObjectStorageProps,
  ) {
    super(scope, id);
    registerInvariants(this);
    this.bucketId = `secret://${props.secret.name}/${this.key}`;
    const clouds = Object.keys(METADATA);
    validateWith(this, () => [
      ...(props.endpoint || props.networkPeer
        ? []
        : [
            `the store of Secret ${props.secret.name} is unknown, so no NetworkPolicy can admit it: give endpoint ("<host>:<port>" as in its config) or networkPeer and port`,
          ]),
      ...(props.endpoint
        ? [
            ...(ENDPOINT.test(props.endpoint)
              ? []
              : [`endpoint ${JSON.stringify(props.endpoint)} is not host:port: give it without scheme or path, e.g. "minio.storage.svc:9000"`]),
            ...peerProblems('endpoint', props.endpoint, props.networkPeer),
          ]
        : []),
      ...(props.metadataEndpoints ?? [])
        .filter((m) => !clouds.includes(m))
        .map((m) => `metadataEndpoints ${JSON.stringify(m)} is not a cloud this library knows: use ${clouds.map((c) => JSON.stringify(c)).join(', ')}`),
    ]);
  }

  private get key(): string {
    return this.props.key ?? 'objstore.yml';
  }

  public bind(consumer: IConstruct): ObjectStorageBinding {
    requireSecret(consumer, { name: this.props.secret.name, keys: [this.key], purpose: 'Thanos objstore config' });
    return {
      args: [`--objstore.config-file=${MOUNT_PATH}/${this.key}`],
      env: [],
      volumes: [{ name: 'objstore', secret: { secretName: this.props.secret.name, items: [{ key: this.key, path: this.key }] } }],
      volumeMounts: [{ name: 'objstore', mountPath: MOUNT_PATH, readOnly: true }],
      serviceAccountAnnotations: {},
      egress: [this.store(), ...(this.props.metadataEndpoints ?? []).flatMap((m) => metadataEgress(METADATA[m as keyof typeof METADATA] ?? []))],
      configChecksum: checksum(this.bucketId),
    };
  }

  private store(): ObjectStorageEgress {
    const { host, port } = splitHostPort(this.props.endpoint ?? '', this.props.port ?? 443);
    const peer = this.props.networkPeer ?? (this.props.endpoint ? peerOfHost(host) : undefined) ?? NetworkPeer.anywhere();
    return { peer, ports: [this.props.port ?? port] };
  }
}
