import { ApiObject, App } from 'cdk8s';
import { cidrExcept, cidr as cidrGrammar, isDnsLabel, isDnsSubdomain, isLabelValue, isQualifiedName, isQuantity, parseQuantity } from './grammar';
import { CLUSTER_SCOPED, DNS_LABEL_MAX_LENGTH, DNS_SUBDOMAIN_MAX_LENGTH } from './invariants';

/**
 * The field rules the Kubernetes API server applies in code, beyond the OpenAPI schema
 * (k8s.io/apimachinery/pkg/util/validation and pkg/apis/core/validation): what `kubectl apply`
 * refuses although the object is well-formed. One implementation for the final pass of `synthesize`
 * and for the tests' harness. Each rule reads a plain manifest and returns `<field>: <problem>`.
 */

/** A manifest as the rules read it: any JSON. */
type Obj = { [key: string]: any };

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const SERVICE_TYPES = new Set(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);
/** Client-side `kubectl apply` stores the object in an annotation limited to 256 KiB; etcd objects stop at 1 MiB. */
const APPLY_ANNOTATION_LIMIT = 262144;
const OBJECT_LIMIT = 1048576;

const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v : []);
const rec = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const q = (v: unknown): string => JSON.stringify(v);

/** The pod template of a workload (or the pod itself), with the field path to it. */
export function podTemplateOf(obj: Obj): { path: string; metadata: Obj; spec: Obj } | undefined {
  switch (obj.kind) {
    case 'Pod':
      return { path: 'spec', metadata: rec(obj.metadata), spec: rec(obj.spec) };
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return { path: 'spec.template.spec', metadata: rec(obj.spec?.template?.metadata), spec: rec(obj.spec?.template?.spec) };
    case 'CronJob':
      return {
        path: 'spec.jobTemplate.spec.template.spec',
        metadata: rec(obj.spec?.jobTemplate?.spec?.template?.metadata),
        spec: rec(obj.spec?.jobTemplate?.spec?.template?.spec),
      };
    default:
      return undefined;
  }
}

function labelProblems(field: string, labels: unknown, values: boolean): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(rec(labels))) {
    if (!isQualifiedName(k)) problems.push(`${field} key ${q(k)} is not a valid qualified name ([prefix/]name, name <= 63 alphanumerics, '-', '_', '.')`);
    if (values && (typeof v !== 'string' || !isLabelValue(v)))
      problems.push(`${field} ${k}=${q(v)} is not a valid label value (<= 63 chars, alphanumeric, '-', '_', '.')`);
  }
  return problems;
}

function nameProblems(obj: Obj): string[] {
  const name = obj.metadata?.name;
  const kind = String(obj.kind ?? '');
  if (typeof name !== 'string' || name === '') return ['metadata.name is missing'];
  // RBAC names are path segments ('system:metrics-server' is valid), not DNS subdomains.
  if (RBAC_KINDS.has(kind)) return name === '.' || name === '..' || /[/%]/.test(name) ? [`metadata.name ${q(name)} is not a valid path segment name`] : [];
  if (!isDnsSubdomain(name)) return [`metadata.name ${q(name)} is not a valid DNS subdomain (lower-case alphanumeric, '-', '.', <= 253)`];
  if (kind === 'Service' && (name.length > DNS_LABEL_MAX_LENGTH || !DNS_1035_LABEL.test(name)))
    return [`Service name ${q(name)} must be a DNS-1035 label (start with a letter, <= 63, no '.')`];
  if (kind === 'Namespace' && !isDnsLabel(name)) return [`Namespace name ${q(name)} must be a DNS label (<= 63, no '.')`];
  return [];
}

function portNameProblems(field: string, name: unknown): string[] {
  if (name === undefined) return [];
  // IANA_SVC_NAME: <= 15 chars, at least one letter, no '--'.
  if (typeof name !== 'string' || name.length > 15 || !IANA_SVC_NAME.test(name) || !/[a-z]/.test(name) || name.includes('--')) {
    return [`${field} ${q(name)} is not a valid IANA service name (<= 15 chars, lower-case alphanumeric and '-', a letter)`];
  }
  return [];
}

function portNumberProblems(field: string, port: unknown): string[] {
  if (port === undefined || typeof port === 'string') return [];
  return Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535 ? [] : [`${field} ${q(port)} is not in 1-65535`];
}

function quantityProblems(field: string, v: unknown): string[] {
  if (v === undefined) return [];
  const text = typeof v === 'number' ? String(v) : v;
  if (typeof text !== 'string' || !isQuantity(text)) return [`${field} ${q(v)} is not a quantity`];
  return parseQuantity(text) < 0 ? [`${field} ${q(v)} must be non-negative`] : [];
}

function resourceProblems(field: string, resources: Obj): string[] {
  const problems: string[] = [];
  const requests = rec(resources.requests);
  const limits = rec(resources.limits);
  for (const [k, v] of Object.entries(requests)) problems.push(...quantityProblems(`${field}.requests.${k}`, v));
  for (const [k, v] of Object.entries(limits)) {
    problems.push(...quantityProblems(`${field}.limits.${k}`, v));
    const r = requests[k];
    if (r !== undefined && parseQuantity(String(r)) > parseQuantity(String(v)))
      problems.push(`${field}.requests.${k} ${q(r)} must be less than or equal to its limit ${q(v)}`);
  }
  return problems;
}

function podProblems(path: string, spec: Obj): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const containers = [...arr(spec.initContainers), ...arr(spec.containers)];
  for (const c of containers) {
    const at = `container ${q(c.name)}`;
    if (typeof c.name !== 'string' || !isDnsLabel(c.name)) problems.push(`${at}: the name is not a DNS label`);
    if (names.has(c.name)) problems.push(`${at}: the name is used twice in the pod`);
    names.add(c.name);
    if (typeof c.image !== 'string' || c.image.trim() === '' || c.image.trim() !== c.image)
      problems.push(`${at}: image ${q(c.image)} is empty or has surrounding whitespace`);
    const portNames = new Set<string>();
    for (const p of arr(c.ports)) {
      problems.push(...portNameProblems(`${at}: port name`, p.name), ...portNumberProblems(`${at}: containerPort`, p.containerPort));
      if (p.name !== undefined && portNames.has(p.name)) problems.push(`${at}: port name ${q(p.name)} is used twice`);
      portNames.add(p.name);
    }
    for (const e of arr(c.env)) {
      if (typeof e.name !== 'string' || !ENV_NAME.test(e.name)) problems.push(`${at}: env name ${q(e.name)} is not a valid environment variable name`);
      const key = e.valueFrom?.secretKeyRef?.key ?? e.valueFrom?.configMapKeyRef?.key;
      if (key !== undefined && (typeof key !== 'string' || !CONFIG_KEY.test(key)))
        problems.push(`${at}: env ${q(e.name)} references key ${q(key)}, not a valid key ([-._a-zA-Z0-9]+)`);
    }
    problems.push(...resourceProblems(`${at}: resources`, rec(c.resources)));
  }
  for (const v of arr(spec.volumes)) {
    if (typeof v.name !== 'string' || !isDnsLabel(v.name)) problems.push(`${path} volume name ${q(v.name)} is not a DNS label`);
  }
  return problems;
}

/** A label selector matches the labels when every matchLabels pair is there (matchExpressions are not judged). */
function selects(selector: Obj, labels: Obj): boolean {
  return Object.entries(rec(selector.matchLabels)).every(([k, v]) => labels[k] === v);
}

function selectorProblems(obj: Obj, template: Obj | undefined): string[] {
  const selector = obj.spec?.selector;
  if (selector === undefined) return [];
  const problems = labelProblems('spec.selector.matchLabels', selector.matchLabels, true);
  // apps/v1 refuses a workload whose selector does not match its own template.
  if (template && !selects(selector, rec(template.labels))) problems.push(`spec.selector ${q(selector.matchLabels)} does not match the pod template labels`);
  if (Object.keys(rec(selector.matchLabels)).length === 0 && arr(selector.matchExpressions).length === 0 && obj.kind !== 'PodDisruptionBudget') {
    problems.push('spec.selector is empty: it would select every pod of the namespace');
  }
  return problems;
}

function serviceProblems(spec: Obj): string[] {
  const problems: string[] = [];
  if (spec.type !== undefined && !SERVICE_TYPES.has(spec.type)) problems.push(`spec.type ${q(spec.type)} is not one of ${[...SERVICE_TYPES].join(', ')}`);
  problems.push(...labelProblems('spec.selector', spec.selector, true));
  const names = new Set<string>();
  for (const p of arr(spec.ports)) {
    problems.push(
      ...portNameProblems('spec.ports name', p.name),
      ...portNumberProblems('spec.ports port', p.port),
      ...portNumberProblems('spec.ports targetPort', p.targetPort),
    );
    if (typeof p.targetPort === 'string') problems.push(...portNameProblems('spec.ports targetPort', p.targetPort));
    if (p.name !== undefined && names.has(p.name)) problems.push(`spec.ports name ${q(p.name)} is used twice`);
    names.add(p.name);
  }
  if (arr(spec.ports).length > 1 && arr(spec.ports).some((p) => !p.name)) problems.push('spec.ports: every port needs a name when there are several');
  return problems;
}

function peerProblems(field: string, peers: Obj[]): string[] {
  return peers.flatMap((peer, i) => {
    const at = `${field}[${i}]`;
    const problems = [
      ...labelProblems(`${at}.podSelector.matchLabels`, peer.podSelector?.matchLabels, true),
      ...labelProblems(`${at}.namespaceSelector.matchLabels`, peer.namespaceSelector?.matchLabels, true),
    ];
    if (peer.ipBlock) {
      const cidr = peer.ipBlock.cidr;
      problems.push(...cidrGrammar(`${at}.ipBlock.cidr`, cidr), ...cidrExcept(`${at}.ipBlock.except`, String(cidr), peer.ipBlock.except));
    }
    return problems;
  });
}

function networkPolicyProblems(spec: Obj): string[] {
  const problems = labelProblems('spec.podSelector.matchLabels', spec.podSelector?.matchLabels, true);
  arr(spec.ingress).forEach((r, i) => {
    problems.push(...peerProblems(`spec.ingress[${i}].from`, arr(r.from)));
    arr(r.ports).forEach((p, j) => problems.push(...portNumberProblems(`spec.ingress[${i}].ports[${j}].port`, p.port)));
  });
  arr(spec.egress).forEach((r, i) => {
    problems.push(...peerProblems(`spec.egress[${i}].to`, arr(r.to)));
    arr(r.ports).forEach((p, j) => problems.push(...portNumberProblems(`spec.egress[${i}].ports[${j}].port`, p.port)));
  });
  return problems;
}

function claimProblems(field: string, spec: Obj): string[] {
  const problems: string[] = [];
  const sc = spec.storageClassName;
  if (sc !== undefined && sc !== '' && (typeof sc !== 'string' || !isDnsSubdomain(sc)))
    problems.push(`${field}.storageClassName ${q(sc)} is not a valid DNS subdomain`);
  const storage = spec.resources?.requests?.storage;
  problems.push(...quantityProblems(`${field}.resources.requests.storage`, storage));
  if (storage !== undefined && parseQuantity(String(storage)) === 0)
    problems.push(`${field}.resources.requests.storage ${q(storage)} must be greater than zero`);
  return problems;
}

/** Every field problem of one manifest, each starting with the field. */
export function apiServerProblems(obj: Obj): string[] {
  const problems = [...nameProblems(obj)];
  const kind = String(obj.kind ?? '');
  const ns = obj.metadata?.namespace;
  if (CLUSTER_SCOPED.has(kind) && ns !== undefined) problems.push(`cluster-scoped ${kind} must not set metadata.namespace (got ${q(ns)})`);
  else if (ns !== undefined && (typeof ns !== 'string' || !isDnsLabel(ns)))
    problems.push(`metadata.namespace ${q(ns)} is not a valid DNS label (<= 63 lower-case alphanumerics and '-', no '.')`);
  problems.push(...labelProblems('metadata.labels', obj.metadata?.labels, true));
  problems.push(...labelProblems('metadata.annotations', obj.metadata?.annotations, false));
  if (kind === 'ConfigMap' || kind === 'Secret') {
    for (const key of [...Object.keys(rec(obj.data)), ...Object.keys(rec(obj.stringData)), ...Object.keys(rec(obj.binaryData))]) {
      if (!CONFIG_KEY.test(key) || key.length > DNS_SUBDOMAIN_MAX_LENGTH) problems.push(`data key ${q(key)} is not a valid key ([-._a-zA-Z0-9]+)`);
    }
    const size = Buffer.byteLength(JSON.stringify(obj));
    if (size > OBJECT_LIMIT) problems.push(`${size} bytes exceeds the 1 MiB object limit`);
    else if (size > APPLY_ANNOTATION_LIMIT) problems.push(`${size} bytes breaks client-side kubectl apply (last-applied annotation limit 256 KiB): split it`);
  }
  const pod = podTemplateOf(obj);
  if (pod) {
    problems.push(...labelProblems(`${pod.path.replace(/\.spec$/, '')}.metadata.labels`, pod.metadata.labels, true), ...podProblems(pod.path, pod.spec));
  }
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'PodDisruptionBudget'].includes(kind)) {
    problems.push(...selectorProblems(obj, kind === 'PodDisruptionBudget' ? undefined : pod?.metadata));
  }
  if (kind === 'StatefulSet')
    arr(obj.spec?.volumeClaimTemplates).forEach((t, i) => problems.push(...claimProblems(`spec.volumeClaimTemplates[${i}].spec`, rec(t.spec))));
  if (kind === 'PersistentVolumeClaim') problems.push(...claimProblems('spec', rec(obj.spec)));
  if (kind === 'Service') problems.push(...serviceProblems(rec(obj.spec)));
  if (kind === 'NetworkPolicy') problems.push(...networkPolicyProblems(rec(obj.spec)));
  if (['Deployment', 'StatefulSet', 'ReplicaSet'].includes(kind)) {
    const r = obj.spec?.replicas;
    if (r !== undefined && (!Number.isInteger(r) || r < 0 || r > 2 ** 31 - 1)) problems.push(`spec.replicas ${q(r)} is not a whole number in 0-2147483647`);
  }
  return problems;
}

/**
 * The final pass of `synthesize`: every emitted object of the app by the API server's field rules,
 * each problem prefixed with the construct that emitted it, as validation errors are.
 */
export function appApiServerProblems(app: App): string[] {
  const problems: string[] = [];
  for (const chart of app.charts) {
    for (const o of chart.node.findAll()) {
      if (!(o instanceof ApiObject)) continue;
      const manifest = o.toJson() as Obj;
      const ref = `${manifest.kind} ${manifest.metadata?.namespace ? `${manifest.metadata.namespace}/` : ''}${manifest.metadata?.name}`;
      for (const p of apiServerProblems(manifest)) problems.push(`[${o.node.path}] ${ref}: ${p}: the API server refuses it (kubectl apply fails)`);
    }
  }
  return problems;
}
