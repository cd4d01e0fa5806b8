/**
 * A read-only view of a set of synthesized Kubernetes objects, shared by every check.
 * The objects are untrusted (the schema check reports malformed ones), so every accessor here is defensive:
 * a missing or mistyped field reads as empty instead of throwing.
 */

/** One manifest as parsed from YAML or returned by `Testing.synth`. */
export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface EnvVar {
  name?: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name?: string; key?: string; optional?: boolean };
    secretKeyRef?: { name?: string; key?: string; optional?: boolean };
    fieldRef?: unknown;
    resourceFieldRef?: unknown;
  };
}

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
}

export interface VolumeMount {
  name?: string;
  mountPath?: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface ContainerPort {
  name?: string;
  containerPort?: number;
  hostPort?: number;
  protocol?: string;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string; level?: string };
  procMount?: string;
  windowsOptions?: { hostProcess?: boolean };
  sysctls?: Array<{ name?: string; value?: string }>;
}

export interface Container {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  ports?: ContainerPort[];
  volumeMounts?: VolumeMount[];
  securityContext?: SecurityContext;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  startupProbe?: unknown;
}

export interface KeyToPath {
  key?: string;
  path?: string;
}

export interface ProjectionSource {
  configMap?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  secret?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  serviceAccountToken?: { path?: string };
  downwardAPI?: { items?: Array<{ path?: string }> };
  clusterTrustBundle?: { path?: string };
}

export interface Volume {
  name?: string;
  configMap?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  secret?: { secretName?: string; items?: KeyToPath[]; optional?: boolean };
  projected?: { sources?: ProjectionSource[] };
  persistentVolumeClaim?: { claimName?: string };
  emptyDir?: unknown;
  downwardAPI?: { items?: Array<{ path?: string }> };
  [key: string]: unknown;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: Volume[];
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: SecurityContext & { fsGroup?: number };
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
}

/** A pod template found in a workload (or a bare Pod), with everything the checks need to know about it. */
export interface PodTemplate {
  obj: K8sObject;
  /** `Kind ns/name` of the owning object. */
  ref: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: PodSpec;
  /** Job and CronJob pods run to completion: no liveness/readiness probes required. */
  runsToCompletion: boolean;
  /** StatefulSet volumeClaimTemplates names: they satisfy volumeMounts. */
  claimTemplates: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key?: string; operator?: string; values?: string[] }>;
}

/** Kinds whose objects have no namespace (a `metadata.namespace` on them is a bug: cdk8s stamps it anyway). */
export const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'StorageClass',
  'CustomResourceDefinition',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'APIService',
  'CSIDriver',
  'CSINode',
  'IngressClass',
  'RuntimeClass',
  'VolumeAttachment',
  'FlowSchema',
  'PriorityLevelConfiguration',
  'CertificateSigningRequest',
  'ComponentStatus',
  'ClusterCIDR',
  'StorageVersion',
  'ClusterTrustBundle',
  'SelfSubjectReview',
  'SelfSubjectAccessReview',
  'SelfSubjectRulesReview',
  'SubjectAccessReview',
  'TokenReview',
]);

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod', 'ReplicationController']);

/** Reads an array field; anything else reads as empty. */
export function arr<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** Reads an object field; anything else reads as empty. */
export function rec<T = unknown>(value: unknown): Record<string, T> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, T>) : {};
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Every container of a pod, init containers included, with the list it came from. */
export function allContainers(spec: PodSpec): Array<{ container: Container; init: boolean; ephemeral: boolean }> {
  return [
    ...arr<Container>(spec.initContainers).map((container) => ({ container, init: true, ephemeral: false })),
    ...arr<Container>(spec.containers).map((container) => ({ container, init: false, ephemeral: false })),
    ...arr<Container>(spec.ephemeralContainers).map((container) => ({ container, init: false, ephemeral: true })),
  ];
}

/** `container "name"` for messages. */
export function cref(container: Container): string {
  return `container ${JSON.stringify(container.name ?? '?')}`;
}

/** True when every matchLabels/matchExpressions term holds for `labels`. An empty selector matches everything. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  const sel = rec(selector) as LabelSelector;
  for (const [k, v] of Object.entries(rec<string>(sel.matchLabels))) {
    if (labels[k] !== v) return false;
  }
  for (const expr of arr<{ key?: string; operator?: string; values?: string[] }>(sel.matchExpressions)) {
    const key = expr.key ?? '';
    const values = arr<string>(expr.values);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (expr.operator) {
      case 'In':
        if (!has || !values.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A map-only selector (Service `spec.selector`) matches when it is a non-empty subset of the labels. */
export function mapSelectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** Indexes a manifest set once; every check reads through it. */
export class ManifestSet {
  public readonly objects: K8sObject[];
  public readonly pods: PodTemplate[] = [];
  private readonly index = new Map<string, K8sObject>();

  public constructor(
    objects: readonly unknown[],
    public readonly defaultNamespace: string,
  ) {
    this.objects = objects.filter((o): o is K8sObject => o !== null && typeof o === 'object' && !Array.isArray(o));
    for (const obj of this.objects) {
      const name = obj.metadata?.name;
      if (obj.kind && typeof name === 'string') this.index.set(this.key(obj.kind, this.namespaceOf(obj), name), obj);
      const pod = this.podTemplateOf(obj);
      if (pod) this.pods.push(pod);
    }
  }

  /** The namespace an object lands in ('' for cluster-scoped kinds). */
  public namespaceOf(obj: K8sObject): string {
    if (CLUSTER_SCOPED_KINDS.has(obj.kind ?? '')) return '';
    return str(obj.metadata?.namespace) ?? this.defaultNamespace;
  }

  /** `Kind ns/name` (or `Kind name` when cluster-scoped), used at the start of every problem. */
  public ref(obj: K8sObject): string {
    const ns = this.namespaceOf(obj);
    const name = str(obj.metadata?.name) ?? '<no name>';
    return `${obj.kind ?? '<no kind>'} ${ns ? `${ns}/` : ''}${name}`;
  }

  public find(kind: string, namespace: string, name: string): K8sObject | undefined {
    return this.index.get(this.key(kind, namespace, name));
  }

  public ofKind(kind: string, namespace?: string): K8sObject[] {
    return this.objects.filter((o) => o.kind === kind && (namespace === undefined || this.namespaceOf(o) === namespace));
  }

  private key(kind: string, namespace: string, name: string): string {
    return `${kind}\u0000${namespace}\u0000${name}`;
  }

  private podTemplateOf(obj: K8sObject): PodTemplate | undefined {
    if (!WORKLOAD_KINDS.has(obj.kind ?? '')) return undefined;
    const spec = rec(obj.spec);
    let template: Record<string, unknown>;
    if (obj.kind === 'Pod') template = { metadata: obj.metadata, spec: obj.spec };
    else if (obj.kind === 'CronJob') template = rec(rec(rec(spec.jobTemplate).spec).template);
    else template = rec(spec.template);
    return {
      obj,
      ref: this.ref(obj),
      namespace: this.namespaceOf(obj),
      labels: rec<string>(rec(template.metadata).labels),
      annotations: rec<string>(rec(template.metadata).annotations),
      spec: rec(template.spec) as PodSpec,
      runsToCompletion: obj.kind === 'Job' || obj.kind === 'CronJob',
      claimTemplates:
        obj.kind === 'StatefulSet'
          ? arr<K8sObject>(spec.volumeClaimTemplates)
              .map((t) => str(t.metadata?.name))
              .filter((n): n is string => !!n)
          : [],
    };
  }
}

/** Decoded string data of a ConfigMap (`data`) or Secret (`stringData` wins over base64 `data`). */
export function dataOf(obj: K8sObject): Record<string, string> {
  const out: Record<string, string> = {};
  if (obj.kind === 'Secret') {
    for (const [k, v] of Object.entries(rec(obj.data))) if (typeof v === 'string') out[k] = Buffer.from(v, 'base64').toString('utf8');
    for (const [k, v] of Object.entries(rec(obj.stringData))) if (typeof v === 'string') out[k] = v;
  } else {
    for (const [k, v] of Object.entries(rec(obj.data))) if (typeof v === 'string') out[k] = v;
    for (const k of Object.keys(rec(obj.binaryData))) out[k] ??= '';
  }
  return out;
}

/** `$(VAR)` references in a string, with Kubernetes' `$$` escape honoured. */
export function dollarRefs(value: string): string[] {
  const refs: string[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '$') continue;
    if (value[i + 1] === '$') {
      i++;
      continue;
    }
    if (value[i + 1] === '(') {
      const end = value.indexOf(')', i + 2);
      if (end > 0) {
        refs.push(value.slice(i + 2, end));
        i = end;
      }
    }
  }
  return refs;
}

/** A Secret the user creates before applying the output (the constructs declare these; see `prerequisiteSecrets`). */
export interface ExternalSecret {
  readonly name: string;
  readonly keys: readonly string[];
  /** Defaults to every namespace of the set. */
  readonly namespace?: string;
}

export interface HarnessOptions {
  /**
   * Kubernetes versions (`1.27`, `1.30`, `1.33`, `1.36`: test/fixtures/k8s-v*-definitions.json) whose strict
   * schema every object must pass. Each costs ~1 s of schema compilation per test file, so the shipped
   * stacks (main.test.ts, the examples) check all of them (KUBERNETES_VERSIONS) and the rest 1.27 only.
   * @default ['1.27']
   */
  readonly kubernetesVersions?: readonly string[];
  /** CRD kinds accepted besides Kubernetes built-ins: kind (or `apiVersion/kind`) -> JSON schema of the object. */
  readonly allowedCustomKinds?: Readonly<Record<string, object>>;
  /** User-created Secrets that pods may reference although they are not in the set. */
  readonly externalSecrets?: readonly ExternalSecret[];
  /** Accept Secret objects that carry `data`/`stringData` (default: any credential value in the output is a bug). */
  readonly allowSecretData?: boolean;
  /** Namespace of objects without `metadata.namespace`. @default 'default' */
  readonly defaultNamespace?: string;
  /** Services outside the set that addresses may point at, as `name.namespace` (`kubernetes.default` is built in). */
  readonly externalServices?: readonly string[];
  /** Missing promtool/amtool is a problem instead of a warning. @default process.env.CI === 'true' */
  readonly requireTools?: boolean;
  /** Paths of the binaries. @default - `.tools/bin/<tool>` (scripts/tools.sh), else PATH (test/harness/tools.ts) */
  readonly promtool?: string;
  readonly amtool?: string;
  /** Checks to leave out (e.g. `['configs']` for a quick run). */
  readonly skip?: readonly CheckName[];
}

export type CheckName = 'schema' | 'flags' | 'configs' | 'objstore' | 'integrity' | 'credentials' | 'security';

/** The declared external Secret `name` for namespace `ns`, if any. */
export function externalSecret(opts: HarnessOptions, ns: string, name: string): ExternalSecret | undefined {
  return (opts.externalSecrets ?? []).find((s) => s.name === name && (s.namespace === undefined || s.namespace === ns));
}

/**
 * Names of the environment variables a container sees: `env` plus `envFrom` sources whose keys are known
 * (a ConfigMap/Secret of the set, or a declared external Secret).
 */
export function envNames(set: ManifestSet, opts: HarnessOptions, ns: string, container: Container): Set<string> {
  const names = new Set<string>();
  for (const from of arr<EnvFromSource>(container.envFrom)) {
    const prefix = from.prefix ?? '';
    const cm = from.configMapRef?.name;
    const secret = from.secretRef?.name;
    let keys: readonly string[] = [];
    if (cm) keys = Object.keys(dataOf(set.find('ConfigMap', ns, cm) ?? {}));
    if (secret) {
      const obj = set.find('Secret', ns, secret);
      keys = obj ? Object.keys(dataOf(obj)) : (externalSecret(opts, ns, secret)?.keys ?? []);
    }
    keys.forEach((k) => names.add(prefix + k));
  }
  for (const e of arr<EnvVar>(container.env)) if (e.name) names.add(e.name);
  return names;
}
