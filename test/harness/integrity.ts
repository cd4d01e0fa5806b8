/**
 * Cross-object integrity: everything an object points at exists in the set (or is declared as a user-created
 * prerequisite), with the keys, ports and labels the pointer assumes. Each of these is accepted by the API
 * server and fails only at runtime (pod stuck in ContainerCreating, Service without endpoints, Thanos
 * querier that never finds its stores).
 */
import { posix } from 'path';
import { ContainerTree, containerTree, globProblem, pathExists, underOpenDir } from './files';
import { CommandLine, flagValue, flagValues, hasFlag, parseCommandLine } from './flags';
import {
  Container,
  ContainerPort,
  EnvFromSource,
  EnvVar,
  HarnessOptions,
  K8sObject,
  KeyToPath,
  LabelSelector,
  ManifestSet,
  PodTemplate,
  ProjectionSource,
  Volume,
  VolumeMount,
  allContainers,
  arr,
  cref,
  dataOf,
  externalSecret,
  mapSelectorMatches,
  rec,
  selectorMatches,
  str,
} from './model';
import { parseYaml } from './yaml';

type Problems = string[];

// ---------------------------------------------------------------------------------------------------------
// References from pod templates to ConfigMaps, Secrets, PVCs and ServiceAccounts
// ---------------------------------------------------------------------------------------------------------

class RefChecker {
  public constructor(
    private readonly set: ManifestSet,
    private readonly opts: HarnessOptions,
    private readonly problems: Problems,
  ) {}

  /** A ConfigMap reference; `keys` must exist in it. */
  public configMap(pod: PodTemplate, where: string, name: string | undefined, keys: string[], optional?: boolean): void {
    if (!name) {
      this.problems.push(`${where}: ConfigMap reference without a name`);
      return;
    }
    // Kubernetes publishes the cluster CA into every namespace (root-ca-cert-publisher, since 1.20).
    if (name === 'kube-root-ca.crt' && keys.every((k) => k === 'ca.crt')) return;
    const cm = this.set.find('ConfigMap', pod.namespace, name);
    if (!cm) {
      if (!optional) this.problems.push(`${where}: ConfigMap ${pod.namespace}/${name} does not exist in the set`);
      return;
    }
    const data = dataOf(cm);
    for (const k of keys)
      if (!(k in data))
        this.problems.push(`${where}: ConfigMap ${pod.namespace}/${name} has no key ${JSON.stringify(k)} (keys: ${Object.keys(data).join(', ')})`);
  }

  /** A Secret reference: in the set, or a declared external Secret with those keys. */
  public secret(pod: PodTemplate, where: string, name: string | undefined, keys: string[], optional?: boolean): void {
    if (!name) {
      this.problems.push(`${where}: Secret reference without a name`);
      return;
    }
    const obj = this.set.find('Secret', pod.namespace, name);
    const ext = obj ? undefined : externalSecret(this.opts, pod.namespace, name);
    if (!obj && !ext) {
      if (!optional) this.problems.push(`${where}: Secret ${pod.namespace}/${name} is neither in the set nor declared in externalSecrets`);
      return;
    }
    const known = obj ? Object.keys(dataOf(obj)) : [...(ext?.keys ?? [])];
    // A Secret of the set without data (filled by an operator) cannot prove its keys.
    if (obj && known.length === 0) return;
    for (const k of keys) {
      if (!known.includes(k))
        this.problems.push(`${where}: Secret ${pod.namespace}/${name} has no ${ext ? 'declared ' : ''}key ${JSON.stringify(k)} (keys: ${known.join(', ')})`);
    }
  }

  public pod(pod: PodTemplate): void {
    const where = pod.ref;
    const itemKeys = (items: KeyToPath[] | undefined): string[] => arr<KeyToPath>(items).map((i) => String(i.key));
    const volumeNames = new Map<string, number>();
    for (const v of arr<Volume>(pod.spec.volumes)) {
      const at = `${where}: volume ${JSON.stringify(v.name)}`;
      volumeNames.set(String(v.name), (volumeNames.get(String(v.name)) ?? 0) + 1);
      if (v.configMap) this.configMap(pod, at, v.configMap.name, itemKeys(v.configMap.items), v.configMap.optional);
      if (v.secret) this.secret(pod, at, v.secret.secretName, itemKeys(v.secret.items), v.secret.optional);
      for (const src of arr<ProjectionSource>(v.projected?.sources)) {
        if (src.configMap) this.configMap(pod, at, src.configMap.name, itemKeys(src.configMap.items), src.configMap.optional);
        if (src.secret) this.secret(pod, at, src.secret.name, itemKeys(src.secret.items), src.secret.optional);
      }
      const claim = v.persistentVolumeClaim?.claimName;
      if (v.persistentVolumeClaim && !(claim && this.set.find('PersistentVolumeClaim', pod.namespace, claim))) {
        this.problems.push(`${at}: PersistentVolumeClaim ${pod.namespace}/${claim} does not exist in the set`);
      }
    }
    for (const t of pod.claimTemplates) volumeNames.set(t, (volumeNames.get(t) ?? 0) + 1);
    for (const [name, count] of volumeNames) {
      if (count > 1) this.problems.push(`${where}: ${count} volumes (or claim templates) are named ${JSON.stringify(name)}`);
    }
    const sa = pod.spec.serviceAccountName ?? pod.spec.serviceAccount;
    if (sa && sa !== 'default' && !this.set.find('ServiceAccount', pod.namespace, sa)) {
      this.problems.push(`${where}: serviceAccountName ${JSON.stringify(sa)}: ServiceAccount ${pod.namespace}/${sa} does not exist in the set`);
    }
    for (const s of arr<{ name?: string }>(rec(pod.spec).imagePullSecrets)) this.secret(pod, `${where}: imagePullSecrets`, s.name, []);
    const volumes = new Map(arr<Volume>(pod.spec.volumes).map((v) => [String(v.name), v]));
    for (const { container } of allContainers(pod.spec)) {
      const at = `${where}: ${cref(container)}`;
      for (const from of arr<EnvFromSource>(container.envFrom)) {
        if (from.configMapRef) this.configMap(pod, `${at}: envFrom`, from.configMapRef.name, [], from.configMapRef.optional);
        if (from.secretRef) this.secret(pod, `${at}: envFrom`, from.secretRef.name, [], from.secretRef.optional);
      }
      for (const e of arr<EnvVar>(container.env)) {
        const cmk = e.valueFrom?.configMapKeyRef;
        const sk = e.valueFrom?.secretKeyRef;
        if (cmk) this.configMap(pod, `${at}: env ${e.name}`, cmk.name, [String(cmk.key)], cmk.optional);
        if (sk) this.secret(pod, `${at}: env ${e.name}`, sk.name, [String(sk.key)], sk.optional);
      }
      const paths = new Set<string>();
      for (const m of arr<VolumeMount>(container.volumeMounts)) {
        const name = String(m.name);
        if (!volumes.has(name) && !pod.claimTemplates.includes(name)) {
          this.problems.push(
            `${at}: volumeMount ${JSON.stringify(name)} (at ${m.mountPath}) names no volume of the pod${pod.claimTemplates.length ? ' nor claim template' : ''}`,
          );
        }
        const p = posix.normalize(String(m.mountPath));
        if (paths.has(p)) this.problems.push(`${at}: two volumeMounts at ${p}`);
        paths.add(p);
        // A subPath that is not a key makes kubelet create an empty directory instead of the file.
        const cm = volumes.get(name)?.configMap;
        if (m.subPath && cm?.name) {
          const obj = this.set.find('ConfigMap', pod.namespace, cm.name);
          const keys = cm.items?.length ? cm.items.map((i) => String(i.path)) : Object.keys(obj ? dataOf(obj) : {});
          if (obj && !keys.some((k) => k === m.subPath || k.startsWith(`${m.subPath}/`))) {
            this.problems.push(`${at}: volumeMount ${name} subPath ${JSON.stringify(m.subPath)} is not a key of ConfigMap ${cm.name}`);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Services, StatefulSets, selectors
// ---------------------------------------------------------------------------------------------------------

interface ServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
}

function templatePorts(pod: PodTemplate): ContainerPort[] {
  return arr<Container>(pod.spec.containers).flatMap((c) => arr<ContainerPort>(c.ports));
}

function serviceProblems(set: ManifestSet, problems: Problems): void {
  for (const svc of set.ofKind('Service')) {
    const spec = rec(svc.spec);
    const selector = rec<string>(spec.selector);
    if (spec.type === 'ExternalName' || Object.keys(selector).length === 0) continue; // manual Endpoints
    const ns = set.namespaceOf(svc);
    const selected = set.pods.filter((p) => p.namespace === ns && mapSelectorMatches(selector, p.labels));
    if (selected.length === 0) {
      problems.push(`${set.ref(svc)}: selector ${JSON.stringify(selector)} matches no pod template in namespace ${ns}`);
      continue;
    }
    for (const port of arr<ServicePort>(spec.ports)) {
      const target = port.targetPort ?? port.port;
      for (const pod of selected) {
        const ok = templatePorts(pod).some((cp) => (typeof target === 'string' ? cp.name === target : cp.containerPort === target));
        if (!ok)
          problems.push(
            `${set.ref(svc)}: port ${JSON.stringify(port.name ?? port.port)} targetPort ${JSON.stringify(target)} is not a containerPort of ${pod.ref}`,
          );
      }
    }
  }
}

function isHeadless(svc: K8sObject | undefined): boolean {
  return rec(svc?.spec).clusterIP === 'None';
}

function workloadProblems(set: ManifestSet, problems: Problems): void {
  for (const pod of set.pods) {
    const obj = pod.obj;
    const spec = rec(obj.spec);
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(obj.kind ?? '')) {
      const sel = spec.selector as LabelSelector | undefined;
      const empty = !sel || (Object.keys(rec(sel.matchLabels)).length === 0 && arr(sel.matchExpressions).length === 0);
      if (empty) problems.push(`${pod.ref}: spec.selector is empty`);
      else if (!selectorMatches(sel, pod.labels)) {
        problems.push(`${pod.ref}: spec.selector ${JSON.stringify(sel)} does not match its own template labels ${JSON.stringify(pod.labels)}`);
      }
    }
    if (obj.kind === 'StatefulSet') {
      const name = str(spec.serviceName);
      const svc = name ? set.find('Service', pod.namespace, name) : undefined;
      if (!name || !svc) problems.push(`${pod.ref}: serviceName ${JSON.stringify(name)} is not a Service of the set`);
      else if (!isHeadless(svc)) problems.push(`${pod.ref}: serviceName ${name} must be a headless Service (clusterIP: None) for stable pod DNS`);
      else if (!mapSelectorMatches(rec<string>(rec(svc.spec).selector), pod.labels)) {
        problems.push(`${pod.ref}: governing Service ${name} does not select the StatefulSet's pods, so they get no DNS records`);
      }
    }
  }
  for (const pdb of set.ofKind('PodDisruptionBudget')) {
    const sel = rec(pdb.spec).selector as LabelSelector | undefined;
    const ns = set.namespaceOf(pdb);
    if (!set.pods.some((p) => p.namespace === ns && !p.runsToCompletion && selectorMatches(sel, p.labels))) {
      problems.push(`${set.ref(pdb)}: selector ${JSON.stringify(sel)} matches no workload in namespace ${ns}`);
    }
  }
}

function networkPolicyProblems(set: ManifestSet, problems: Problems): void {
  for (const np of set.ofKind('NetworkPolicy')) {
    const spec = rec(np.spec);
    const ns = set.namespaceOf(np);
    const matches = (sel: unknown): boolean => set.pods.some((p) => p.namespace === ns && selectorMatches(sel as LabelSelector, p.labels));
    if (!matches(spec.podSelector)) problems.push(`${set.ref(np)}: podSelector ${JSON.stringify(spec.podSelector)} matches no pod template in namespace ${ns}`);
    // A peer podSelector without namespaceSelector means "pods of this namespace": a stale one silently allows nothing.
    for (const [dir, key] of [
      ['ingress', 'from'],
      ['egress', 'to'],
    ] as const) {
      for (const rule of arr<Record<string, unknown>>(spec[dir])) {
        for (const peer of arr<Record<string, unknown>>(rule[key])) {
          if (peer.podSelector && !peer.namespaceSelector && !matches(peer.podSelector)) {
            problems.push(`${set.ref(np)}: ${dir} ${key}.podSelector ${JSON.stringify(peer.podSelector)} matches no pod template in namespace ${ns}`);
          }
        }
      }
    }
  }
}

const BUILTIN_CLUSTER_ROLES = new Set(['cluster-admin', 'admin', 'edit', 'view']);

function rbacProblems(set: ManifestSet, problems: Problems): void {
  for (const b of [...set.ofKind('RoleBinding'), ...set.ofKind('ClusterRoleBinding')]) {
    const role = rec(b.roleRef);
    const ns = set.namespaceOf(b);
    const name = String(role.name);
    const exists =
      role.kind === 'Role'
        ? !!set.find('Role', ns, name)
        : !!set.find('ClusterRole', '', name) || BUILTIN_CLUSTER_ROLES.has(name) || name.startsWith('system:');
    if (!exists) problems.push(`${set.ref(b)}: roleRef ${role.kind} ${name} does not exist in the set`);
    for (const s of arr<Record<string, unknown>>(b.subjects)) {
      if (s.kind !== 'ServiceAccount') continue;
      const sns = str(s.namespace) ?? (b.kind === 'RoleBinding' ? ns : undefined);
      if (!sns) {
        problems.push(`${set.ref(b)}: ServiceAccount subject ${s.name} needs a namespace`);
        continue;
      }
      if (s.name !== 'default' && !set.find('ServiceAccount', sns, String(s.name))) {
        problems.push(`${set.ref(b)}: subject ServiceAccount ${sns}/${s.name} does not exist in the set`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// In-cluster addresses
// ---------------------------------------------------------------------------------------------------------

const HOST = '[a-z0-9]([a-z0-9-]*[a-z0-9])?(?:\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*';
/** One left-to-right scan, so a span matched by one form is not matched again by a later one. */
const ADDRESS = new RegExp(
  [
    `(?<srvscheme>dnssrv(?:noa)?\\+)?_(?<srvport>[a-z0-9-]+)\\._tcp\\.(?<srvhost>${HOST})`,
    `dns\\+(?<dnshost>${HOST}):(?<dnsport>\\d+)`,
    `(?<scheme>https?)://(?<httphost>${HOST})(?::(?<httpport>\\d+))?`,
    `(?<![\\w.+/@-])(?<barehost>${HOST}\\.svc(?:\\.cluster\\.local)?)(?::(?<bareport>\\d+))?(?!\\.?[\\w-])`,
  ].join('|'),
  'g',
);

interface Address {
  text: string;
  svc: string;
  ns: string;
  /** SRV port name. */
  portName?: string;
  port?: number;
  form: 'srv' | 'dns' | 'http' | 'bare';
}

/** Service and namespace of an in-cluster host name, or undefined for an external one. */
function serviceOf(host: string, ctxNs: string, allowShort: boolean): { svc: string; ns: string } | undefined {
  const h = host.replace(/\.$/, '').replace(/\.cluster\.local$/, '');
  const parts = h.split('.');
  if (h === 'localhost') return undefined;
  if (parts[parts.length - 1] === 'svc') {
    if (parts.length === 3) return { svc: parts[0], ns: parts[1] };
    if (parts.length === 4) return { svc: parts[1], ns: parts[2] }; // <pod>.<svc>.<ns>.svc (StatefulSet pod)
    return undefined;
  }
  if (!allowShort) return undefined;
  if (parts.length === 1) return { svc: parts[0], ns: ctxNs };
  if (parts.length === 2) return { svc: parts[0], ns: parts[1] };
  return undefined;
}

export function findAddresses(text: string, ctxNs: string): Address[] {
  const out: Address[] = [];
  for (const m of text.matchAll(ADDRESS)) {
    const g = m.groups ?? {};
    let target: { svc: string; ns: string } | undefined;
    if (g.srvhost) {
      target = serviceOf(g.srvhost, ctxNs, true);
      if (target) out.push({ text: m[0], ...target, portName: g.srvport, form: 'srv' });
    } else if (g.dnshost) {
      target = serviceOf(g.dnshost, ctxNs, true);
      if (target) out.push({ text: m[0], ...target, port: Number(g.dnsport), form: 'dns' });
    } else if (g.httphost) {
      // A single-label host is in-cluster only with an explicit port (http://thanos-query:9090).
      const single = !g.httphost.includes('.');
      target = serviceOf(g.httphost, ctxNs, single && !!g.httpport);
      const port = g.httpport ? Number(g.httpport) : g.scheme === 'https' ? 443 : 80;
      if (target) out.push({ text: m[0], ...target, port, form: 'http' });
    } else if (g.barehost) {
      target = serviceOf(g.barehost, ctxNs, false);
      if (target) out.push({ text: m[0], ...target, port: g.bareport ? Number(g.bareport) : undefined, form: 'bare' });
    }
  }
  return out;
}

function addressProblems(set: ManifestSet, opts: HarnessOptions, problems: Problems): void {
  const external = new Set(['kubernetes.default', ...(opts.externalServices ?? [])]);
  const check = (where: string, text: string, ctxNs: string, needsHeadless: boolean): void => {
    for (const a of findAddresses(text, ctxNs)) {
      if (external.has(`${a.svc}.${a.ns}`)) continue;
      const svc = set.find('Service', a.ns, a.svc);
      const at = `${where}: address ${JSON.stringify(a.text)}`;
      if (!svc) {
        problems.push(`${at}: Service ${a.ns}/${a.svc} does not exist in the set`);
        continue;
      }
      const ports = arr<ServicePort>(rec(svc.spec).ports);
      if (a.portName !== undefined && !ports.some((p) => p.name === a.portName)) {
        problems.push(
          `${at}: Service ${a.ns}/${a.svc} has no port named ${JSON.stringify(a.portName)} (ports: ${ports.map((p) => p.name ?? p.port).join(', ')})`,
        );
      }
      if (a.port !== undefined && !ports.some((p) => p.port === a.port)) {
        problems.push(`${at}: Service ${a.ns}/${a.svc} has no port ${a.port} (ports: ${ports.map((p) => p.port).join(', ')})`);
      }
      // DNS discovery of a ClusterIP Service yields one virtual IP: the querier sees one store instead of all.
      if (needsHeadless && (a.form === 'srv' || a.form === 'dns') && !isHeadless(svc)) {
        problems.push(`${at}: DNS discovery needs a headless Service (clusterIP: None), ${a.ns}/${a.svc} has a cluster IP`);
      }
    }
  };
  for (const pod of set.pods) {
    for (const { container } of allContainers(pod.spec)) {
      const where = `${pod.ref}: ${cref(container)}`;
      for (const arg of [...arr<string>(container.command), ...arr<string>(container.args)].map(String)) {
        check(where, arg, pod.namespace, /^--endpoint(-strict|-group|-group-strict)?=/.test(arg));
      }
      for (const e of arr<EnvVar>(container.env)) if (typeof e.value === 'string') check(`${where}: env ${e.name}`, e.value, pod.namespace, false);
    }
  }
  for (const cm of set.ofKind('ConfigMap')) {
    for (const [key, text] of Object.entries(dataOf(cm))) check(`${set.ref(cm)}: key ${JSON.stringify(key)}`, text, set.namespaceOf(cm), false);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Thanos/Prometheus semantics across containers
// ---------------------------------------------------------------------------------------------------------

/** Input files a binary reads at startup (outputs and data dirs are checked for writability instead). */
function isInputFileFlag(cl: CommandLine, name: string): boolean {
  if (cl.binary === 'thanos') {
    return (
      (name.endsWith('-file') && name !== '--reloader.config-envsubst-file') ||
      name === '--http.config' ||
      /^--grpc-server-tls-(cert|key|client-ca)$/.test(name)
    );
  }
  return ['--config.file', '--web.config.file', '--cluster.tls-config'].includes(name);
}

const WRITABLE_DIR_FLAGS = new Set(['--data-dir', '--tsdb.path', '--query.active-query-path', '--storage.tsdb.path', '--storage.agent.path', '--storage.path']);

function fileFlagProblems(cl: CommandLine, tree: ContainerTree, where: string, problems: Problems): void {
  for (const f of cl.flags) {
    const v = f.value;
    if (!v || !v.startsWith('/') || v.includes('$(')) continue;
    if (isInputFileFlag(cl, f.name) && f.name !== '--rule-file' && !pathExists(tree, v)) {
      problems.push(`${where}: ${f.name}=${v}: no volume of the container provides that file`);
    }
    // The root filesystem is read-only (restricted profile): data and generated files need a volume.
    const writable = WRITABLE_DIR_FLAGS.has(f.name) ? v : f.name === '--reloader.config-envsubst-file' ? posix.dirname(v) : undefined;
    if (writable && !underOpenDir(tree, writable)) {
      problems.push(`${where}: ${f.name}=${v} is not on a writable volume (emptyDir/PVC); the root filesystem is read-only`);
    }
  }
  if (cl.binary === 'thanos' && cl.command === 'rule') {
    for (const g of flagValues(cl, '--rule-file')) {
      const why = g.startsWith('/') ? globProblem(tree, g) : undefined;
      if (why) problems.push(`${where}: --rule-file=${g} ${why}`);
    }
  }
}

function normalizeDir(p: string): string {
  return posix.normalize(p).replace(/\/$/, '');
}

/** The mount providing `path` (longest mountPath prefix). */
function mountFor(c: Container, path: string): VolumeMount | undefined {
  const p = normalizeDir(path);
  return arr<VolumeMount>(c.volumeMounts)
    .filter((m) => m.mountPath && (p === normalizeDir(m.mountPath) || p.startsWith(`${normalizeDir(m.mountPath)}/`)))
    .sort((a, b) => String(b.mountPath).length - String(a.mountPath).length)[0];
}

function prometheusConfigText(
  set: ManifestSet,
  opts: HarnessOptions,
  pod: PodTemplate,
  prom: Container,
  promCl: CommandLine,
  sidecar: Container,
  sidecarCl: CommandLine,
): string | undefined {
  const path = flagValue(promCl, '--config.file');
  if (!path) return undefined;
  const direct = containerTree(set, opts, pod, prom).files.get(posix.normalize(path))?.content;
  if (direct !== undefined) return direct;
  // Generated by the sidecar's reloader from a template it mounts.
  if (flagValue(sidecarCl, '--reloader.config-envsubst-file') === path) {
    const template = flagValue(sidecarCl, '--reloader.config-file');
    return template ? containerTree(set, opts, pod, sidecar).files.get(posix.normalize(template))?.content : undefined;
  }
  return undefined;
}

function sidecarProblems(set: ManifestSet, opts: HarnessOptions, pod: PodTemplate, problems: Problems): void {
  const parsed = arr<Container>(pod.spec.containers).map((c) => ({ c, cl: parseCommandLine(c) }));
  const side = parsed.find((p) => p.cl?.binary === 'thanos' && p.cl.command === 'sidecar');
  const prom = parsed.find((p) => p.cl?.binary === 'prometheus');
  if (!side?.cl || !prom?.cl) return;
  const where = `${pod.ref}: sidecar ${cref(side.c)} / Prometheus ${cref(prom.c)}`;
  const tsdb = normalizeDir(flagValue(side.cl, '--tsdb.path') ?? './data');
  const promTsdb = normalizeDir(flagValue(prom.cl, '--storage.tsdb.path') ?? 'data/');
  if (tsdb !== promTsdb) problems.push(`${where}: sidecar --tsdb.path=${tsdb} differs from Prometheus --storage.tsdb.path=${promTsdb}`);
  const ms = mountFor(side.c, tsdb);
  const mp = mountFor(prom.c, promTsdb);
  if (!ms || !mp) {
    problems.push(`${where}: ${!ms ? 'sidecar' : 'Prometheus'} has no volume mounted at ${!ms ? tsdb : promTsdb}`);
  } else if (
    ms.name !== mp.name ||
    (ms.subPath ?? '') !== (mp.subPath ?? '') ||
    posix.relative(String(ms.mountPath), tsdb) !== posix.relative(String(mp.mountPath), promTsdb)
  ) {
    problems.push(`${where}: the TSDB directories are different volumes (sidecar: ${ms.name} at ${ms.mountPath}, Prometheus: ${mp.name} at ${mp.mountPath})`);
  }
  const uploads = flagValue(side.cl, '--objstore.config-file') !== undefined || flagValue(side.cl, '--objstore.config') !== undefined;
  const delay = flagValue(prom.cl, '--storage.tsdb.delay-compact-file.path');
  if (uploads && delay === undefined) {
    const min = flagValue(prom.cl, '--storage.tsdb.min-block-duration');
    const max = flagValue(prom.cl, '--storage.tsdb.max-block-duration');
    if (!min || !max || min !== max) {
      problems.push(
        `${where}: the sidecar uploads blocks, so Prometheus needs --storage.tsdb.min-block-duration == --storage.tsdb.max-block-duration (got ${min ?? 'unset'} / ${max ?? 'unset'}) or --storage.tsdb.delay-compact-file.path`,
      );
    }
  }
  if (delay !== undefined) {
    const expected = posix.join(tsdb, flagValue(side.cl, '--shipper.meta-file-name') ?? 'thanos.shipper.json');
    if (posix.normalize(delay) !== expected)
      problems.push(`${where}: --storage.tsdb.delay-compact-file.path=${delay} must be ${expected} (the sidecar's shipper file)`);
  }
  const reloads = flagValue(side.cl, '--reloader.config-file') || flagValues(side.cl, '--reloader.rule-dir').length > 0;
  if (reloads && !hasFlag(prom.cl, '--web.enable-lifecycle')) {
    problems.push(`${where}: the sidecar reloader POSTs /-/reload, which Prometheus refuses without --web.enable-lifecycle`);
  }
  const text = prometheusConfigText(set, opts, pod, prom.c, prom.cl, side.c, side.cl);
  if (text !== undefined) {
    let labels: Record<string, unknown> = {};
    try {
      labels = rec(rec(rec(parseYaml(text)).global).external_labels);
    } catch {
      /* configs check reports it */
    }
    if (Object.keys(labels).length === 0)
      problems.push(`${where}: the Prometheus config has no global.external_labels; the sidecar refuses to start without them`);
  }
}

function replicaLabelProblems(set: ManifestSet, problems: Problems): void {
  const known = new Set<string>();
  for (const cm of [...set.ofKind('ConfigMap'), ...set.ofKind('Secret')]) {
    const text = dataOf(cm)['prometheus.yml'];
    if (text === undefined) continue;
    try {
      Object.keys(rec(rec(rec(parseYaml(text)).global).external_labels)).forEach((l) => known.add(l));
    } catch {
      /* configs check reports it */
    }
  }
  const users: Array<{ where: string; flag: string; label: string }> = [];
  for (const pod of set.pods) {
    for (const { container } of allContainers(pod.spec)) {
      const cl = parseCommandLine(container);
      if (cl?.binary !== 'thanos') continue;
      if (cl.command === 'rule' || cl.command === 'receive') flagValues(cl, '--label').forEach((l) => known.add(l.split('=')[0]));
      for (const flag of ['--query.replica-label', '--deduplication.replica-label']) {
        for (const label of flagValues(cl, flag)) users.push({ where: `${pod.ref}: ${cref(container)}`, flag, label });
      }
    }
  }
  for (const u of users) {
    if (!known.has(u.label)) {
      problems.push(
        `${u.where}: ${u.flag}=${u.label} is not an external label of any Prometheus config nor a ruler/receiver --label (known: ${[...known].join(', ') || 'none'})`,
      );
    }
  }
}

export function checkIntegrity(set: ManifestSet, opts: HarnessOptions): string[] {
  const problems: Problems = [];
  const refs = new RefChecker(set, opts, problems);
  for (const pod of set.pods) {
    refs.pod(pod);
    for (const { container } of allContainers(pod.spec)) {
      const cl = parseCommandLine(container);
      if (cl && !cl.unparseable) fileFlagProblems(cl, containerTree(set, opts, pod, container), `${pod.ref}: ${cref(container)}`, problems);
    }
    sidecarProblems(set, opts, pod, problems);
  }
  serviceProblems(set, problems);
  workloadProblems(set, problems);
  networkPolicyProblems(set, problems);
  rbacProblems(set, problems);
  addressProblems(set, opts, problems);
  replicaLabelProblems(set, problems);
  return problems;
}
