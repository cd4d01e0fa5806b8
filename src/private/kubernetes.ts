/**
 * Internal builders shared by every component: containers, pod templates, Services, PDBs and
 * claim templates, so each component file only says what is particular to it.
 */
import { createHash } from 'crypto';
import { ApiObject, Chart, Lazy, Size, Yaml } from 'cdk8s';
import { k8s, ServiceType } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Labels } from './labels';
import { keptYaml } from './kept-yaml';
import { memoized } from './memo';
import { exposureSpec } from '../wiring/connections';
import { NamedPort } from '../ports';
import { Resources } from '../config/resources';
import { containerSecurityContext, podSecurityContext } from './security';
import { sizeQuantity } from './units';
import { goMemLimitEnv } from './memory';
import { placementSpec } from './placement';

/** A value computed at synth time, after every `addXxx` call has been made. */
export function lazy<T>(produce: () => T): T {
  return Lazy.any({ produce }) as unknown as T;
}

/**
 * YAML text of a generated config file. The JSON round trip drops shared references, which the
 * YAML writer would otherwise turn into anchors and aliases. By that JSON, kept for the next synthesis and
 * memoized in the process: the YAML writer is the costliest step of building a stack, and a fleet renders
 * the same rule groups and configs again.
 */
export function configYaml(doc: object): string {
  const json = JSON.stringify(doc);
  return keptYaml(json, () => yamlOfJson(json));
}
/** About a stack's worth of distinct configs, many times over. */
const yamlOfJson = memoized((json) => Yaml.stringify(JSON.parse(json)), 512);

/** The namespace of the chart `scope` is in, if it sets one. */
export function namespaceOf(scope: Construct): string | undefined {
  return Chart.of(scope).namespace;
}

/** The in-cluster DNS name of a Service: `<name>.<namespace>.svc`, or `<name>` in a namespace-less chart. */
export function serviceHost(scope: Construct, name: string): string {
  const ns = namespaceOf(scope);
  return ns ? `${name}.${ns}.svc` : name;
}

/**
 * Puts `first` ahead of every other object of its chart in the output, whatever order they were
 * created in: a Namespace, so that `kubectl apply -f` of the chart's file works in one pass. The
 * dependencies are added when the chart is complete, just before synthesis orders its objects.
 */
export function renderFirst(first: ApiObject): void {
  const chart = Chart.of(first);
  first.node.addValidation({
    validate: () => {
      for (const o of chart.node.findAll()) {
        if (o instanceof ApiObject && o !== first && !o.node.dependencies.includes(first)) o.node.addDependency(first);
      }
      return [];
    },
  });
}

/** A short, stable checksum of config content, as a pod annotation that rolls pods on change. */
export function checksum(...contents: string[]): string {
  const h = createHash('sha256');
  for (const c of contents) h.update(c).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** A list to render: given and not known to be empty (a lazily produced list counts as given). */
function nonEmpty(list: unknown[] | undefined): boolean {
  return list !== undefined && list.length !== 0;
}

/** What a container needs; everything else (security, pull policy) is the same everywhere. */
export interface ContainerOptions {
  readonly name: string;
  readonly image: string;
  readonly user: number;
  readonly resources: Resources;
  readonly args?: string[];
  readonly ports?: readonly NamedPort[];
  readonly env?: k8s.EnvVar[];
  readonly volumeMounts?: k8s.VolumeMount[];
  readonly probes?: Pick<k8s.Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'>;
  /** Its preStop hook (private/shutdown.ts). */
  readonly lifecycle?: k8s.Lifecycle;
  /** The program is written in Go and reads GOMEMLIMIT. @default true */
  readonly goRuntime?: boolean;
}

/**
 * A restricted-profile container with a read-only root filesystem. A Go program (all but memcached) gets its
 * GOMEMLIMIT from its memory limit (private/memory.ts).
 */
export function container(o: ContainerOptions): k8s.Container {
  const env = [...(o.env ?? []), ...((o.goRuntime ?? true) ? [goMemLimitEnv(o.resources)] : [])];
  return {
    name: o.name,
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    ...(o.args ? { args: o.args } : {}),
    ...(o.ports?.length ? { ports: o.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })) } : {}),
    ...(nonEmpty(env) ? { env } : {}),
    ...(nonEmpty(o.volumeMounts) ? { volumeMounts: o.volumeMounts } : {}),
    ...o.probes,
    ...(o.lifecycle ? { lifecycle: o.lifecycle } : {}),
    // A mistyped value from JavaScript fails its grammar check at synth; build nothing from it here.
    resources: o.resources instanceof Resources ? o.resources._toKube() : {},
    securityContext: containerSecurityContext(o.user),
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** An env var read from a key of a Secret (never a literal credential). */
export function secretEnv(name: string, secretName: string, key: string): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

/** `POD_NAME` from the downward API: the per-pod replica label of Prometheus and the ruler. */
export const POD_NAME_ENV: k8s.EnvVar = { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };

/** What a pod template needs. */
export interface PodTemplateOptions {
  readonly labels: Labels;
  readonly selector: Labels;
  readonly user: number;
  readonly serviceAccountName: string;
  readonly containers: k8s.Container[];
  readonly initContainers?: k8s.Container[];
  readonly volumes?: k8s.Volume[];
  readonly terminationGracePeriodSeconds?: number;
  readonly annotations?: Record<string, string>;
  /** Spread replicas over nodes and zones. */
  readonly spread: boolean;
}

/** A pod template that passes Pod Security "restricted". */
export function podTemplate(o: PodTemplateOptions): k8s.PodTemplateSpec {
  return {
    metadata: {
      labels: { ...o.labels },
      ...(o.annotations && Object.keys(o.annotations).length ? { annotations: o.annotations } : {}),
    },
    spec: {
      serviceAccountName: o.serviceAccountName,
      // No container gets the API token unless it mounts `serviceAccountToken()` itself.
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(o.user),
      ...(o.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: o.terminationGracePeriodSeconds } : {}),
      ...(o.spread ? { topologySpreadConstraints: spreadConstraints(o.selector) } : {}),
      ...(o.initContainers?.length ? { initContainers: o.initContainers } : {}),
      containers: o.containers,
      ...(nonEmpty(o.volumes) ? { volumes: o.volumes } : {}),
    },
  };
}

/** Soft spread over nodes and zones: replicas separate where they can, and still schedule on one node. */
function spreadConstraints(selector: Labels): k8s.TopologySpreadConstraint[] {
  return ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { ...selector } },
  }));
}

/** What a StatefulSet or Deployment needs besides its pod template's own options. */
export interface WorkloadOptions extends Omit<PodTemplateOptions, 'spread'> {
  readonly name: string;
  readonly replicas: number;
}

/**
 * Replicated workloads spread over nodes and zones and get a PodDisruptionBudget: both workload
 * builders go through here, so no component can forget either.
 */
function replicated<T>(scope: Construct, id: string, o: WorkloadOptions, build: (template: k8s.PodTemplateSpec) => T): T {
  const template = podTemplate({ ...o, spread: o.replicas > 1 });
  const workload = build({ ...template, spec: { ...template.spec!, ...placementSpec(scope) } });
  if (o.replicas > 1) podDisruptionBudget(scope, id.replace('Resource', 'DisruptionBudget'), o.name, o.labels, o.selector);
  return workload;
}

/** What a StatefulSet needs. */
export interface StatefulSetOptions extends WorkloadOptions {
  /** Its headless governing Service. */
  readonly serviceName: string;
  readonly claims?: k8s.KubePersistentVolumeClaimProps[];
  /** Start replicas one at a time instead of all together. */
  readonly orderedStart?: boolean;
}

/** A StatefulSet whose claims are kept on scale-down and delete. */
export function statefulSet(scope: Construct, id: string, o: StatefulSetOptions): k8s.KubeStatefulSet {
  return replicated(
    scope,
    id,
    o,
    (template) =>
      new k8s.KubeStatefulSet(scope, id, {
        metadata: { name: o.name, labels: { ...o.labels } },
        spec: {
          replicas: o.replicas,
          serviceName: o.serviceName,
          ...(o.orderedStart ? {} : { podManagementPolicy: 'Parallel' }),
          selector: { matchLabels: { ...o.selector } },
          persistentVolumeClaimRetentionPolicy: RETAIN_CLAIMS,
          template,
          ...(o.claims?.length ? { volumeClaimTemplates: o.claims } : {}),
        },
      }),
  );
}

/** What a Deployment needs. */
export interface DeploymentOptions extends WorkloadOptions {
  /** Stop the old pod before starting the new one (a ReadWriteOnce volume). */
  readonly recreate?: boolean;
}

/** A Deployment of stateless replicas. */
export function deployment(scope: Construct, id: string, o: DeploymentOptions): k8s.KubeDeployment {
  return replicated(
    scope,
    id,
    o,
    (template) =>
      new k8s.KubeDeployment(scope, id, {
        metadata: { name: o.name, labels: { ...o.labels } },
        spec: {
          replicas: o.replicas,
          selector: { matchLabels: { ...o.selector } },
          ...(o.recreate !== undefined ? { strategy: { type: o.recreate ? 'Recreate' : 'RollingUpdate' } } : {}),
          template,
        },
      }),
  );
}

/** A ReadWriteOnce claim template. */
export function claimTemplate(name: string, size: Size, labels: Labels, storageClassName?: string): k8s.KubePersistentVolumeClaimProps {
  return {
    metadata: { name, labels: { ...labels } },
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(storageClassName ? { storageClassName } : {}),
      resources: { requests: { storage: k8s.Quantity.fromString(sizeQuantity(size)) } },
    },
  };
}

/** StatefulSets keep their volumes when scaled down or deleted: metrics data is never thrown away implicitly. */
const RETAIN_CLAIMS: k8s.StatefulSetPersistentVolumeClaimRetentionPolicy = { whenDeleted: 'Retain', whenScaled: 'Retain' };

/** A ServiceAccount with no token mounted unless asked. */
export function serviceAccount(scope: Construct, id: string, name: string, labels: Labels): k8s.KubeServiceAccount {
  return new k8s.KubeServiceAccount(scope, id, {
    metadata: { name, labels: { ...labels } },
    automountServiceAccountToken: false,
  });
}

/** Where client-go's in-cluster config reads the token, CA and namespace (`rest.InClusterConfig`). */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The API token as one container's volume instead of the pod-wide automount: the same projected
 * sources the kubelet mounts for `automountServiceAccountToken` (a bound, expiring token, the cluster
 * CA from `kube-root-ca.crt`, the namespace), so the other containers of the pod hold no token.
 * The kubelet refreshes the token file; client-go re-reads it.
 */
export function serviceAccountToken(): { volume: k8s.Volume; volumeMount: k8s.VolumeMount } {
  return {
    volume: {
      name: 'kube-api-access',
      projected: {
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardApi: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
    volumeMount: { name: 'kube-api-access', mountPath: SERVICE_ACCOUNT_DIR, readOnly: true },
  };
}

/** What a Service needs. */
export interface ServiceOptions {
  readonly name: string;
  readonly labels: Labels;
  readonly selector: Labels;
  readonly ports: readonly NamedPort[];
  /** @default ServiceType.CLUSTER_IP */
  readonly type?: ServiceType;
  /** Headless: one DNS record per pod, what Thanos `dnssrv+` discovery needs. */
  readonly headless?: boolean;
  /** Headless Services of StatefulSets publish pods before they are ready, so peers can find each other. */
  readonly publishNotReadyAddresses?: boolean;
}

/** A Service whose ports target the pods' named container ports. */
export function service(scope: Construct, id: string, o: ServiceOptions): k8s.KubeService {
  return new k8s.KubeService(scope, id, {
    metadata: { name: o.name, labels: { ...o.labels } },
    spec: {
      type: o.headless ? 'ClusterIP' : (o.type ?? ServiceType.CLUSTER_IP),
      // The owning component's exposure: traffic policy by type, and its sourceRanges on a LoadBalancer.
      ...(o.headless ? {} : exposureSpec(scope, o.type)),
      ...(o.headless ? { clusterIp: 'None' } : {}),
      ...(o.publishNotReadyAddresses ? { publishNotReadyAddresses: true } : {}),
      selector: { ...o.selector },
      ports: o.ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP' })),
    },
  });
}

/** At most one replica down at a time during voluntary disruptions (drains, upgrades). */
function podDisruptionBudget(scope: Construct, id: string, name: string, labels: Labels, selector: Labels): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name, labels: { ...labels } },
    spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: { ...selector } } },
  });
}

/** An emptyDir volume (scratch space under a read-only root filesystem). */
export function emptyDir(name: string, sizeLimit?: Size): k8s.Volume {
  return { name, emptyDir: sizeLimit ? { sizeLimit: k8s.Quantity.fromString(sizeQuantity(sizeLimit)) } : {} };
}

/** A ConfigMap volume. */
export function configMapVolume(name: string, configMapName: string): k8s.Volume {
  return { name, configMap: { name: configMapName } };
}
