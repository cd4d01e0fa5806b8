/**
 * The files a container sees through its volumeMounts, reconstructed from the manifest set: what kubelet
 * would project from ConfigMaps, Secrets, the ServiceAccount token, and which directories are writable.
 * Config checks materialize this tree so promtool/amtool resolve in-pod paths, and file flags are checked
 * against it.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { dirname, join, posix } from 'path';
import {
  Container,
  HarnessOptions,
  K8sObject,
  KeyToPath,
  ManifestSet,
  PodTemplate,
  ProjectionSource,
  Volume,
  VolumeMount,
  arr,
  dataOf,
  externalSecret,
} from './model';

export interface PodFile {
  /** undefined when the content is not in the set (external Secret, downward API, token). */
  content?: string;
  /** Where the file comes from (`ConfigMap name`, `Secret name`, ...), for messages and lookups. */
  source: string;
  /** The ConfigMap/Secret key it projects. */
  key?: string;
}

export interface ContainerTree {
  files: Map<string, PodFile>;
  /** Mount points of volumes whose content is not known here (emptyDir, PVC...): any path below exists at runtime. */
  openDirs: Map<string, string>;
  /** Every directory mount point (a ConfigMap without keys still gives an empty directory). */
  mountDirs: Set<string>;
}

export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Which keys a ConfigMap/Secret volume projects, and under which relative path. */
function projectKeys(data: Record<string, string | undefined>, items: KeyToPath[] | undefined): Array<[string, string, string | undefined]> {
  if (items && items.length > 0) return items.map((i) => [String(i.path ?? i.key), String(i.key), data[String(i.key)]]);
  return Object.entries(data).map(([k, v]) => [k, k, v]);
}

/** Keys of an in-set object, or declared keys (unknown content) of an external Secret. */
function sourceData(
  set: ManifestSet,
  opts: HarnessOptions,
  ns: string,
  kind: 'ConfigMap' | 'Secret',
  name: string | undefined,
): Record<string, string | undefined> | undefined {
  if (!name) return undefined;
  const obj = set.find(kind, ns, name);
  if (obj) return dataOf(obj);
  const ext = kind === 'Secret' ? externalSecret(opts, ns, name) : undefined;
  return ext ? Object.fromEntries(ext.keys.map((k) => [k, undefined])) : undefined;
}

/** Relative path -> file of one volume, or 'open' when its content is not known. */
function volumeFiles(set: ManifestSet, opts: HarnessOptions, pod: PodTemplate, vol: Volume): Map<string, PodFile> | 'open' {
  const ns = pod.namespace;
  const out = new Map<string, PodFile>();
  const add = (data: Record<string, string | undefined> | undefined, items: KeyToPath[] | undefined, source: string): void => {
    for (const [path, key, content] of projectKeys(data ?? {}, items)) out.set(path, { content, source, key });
  };
  if (vol.configMap) {
    add(sourceData(set, opts, ns, 'ConfigMap', vol.configMap.name), vol.configMap.items, `ConfigMap ${vol.configMap.name}`);
  } else if (vol.secret) {
    add(sourceData(set, opts, ns, 'Secret', vol.secret.secretName), vol.secret.items, `Secret ${vol.secret.secretName}`);
  } else if (vol.projected) {
    for (const src of arr<ProjectionSource>(vol.projected.sources)) {
      if (src.configMap) add(sourceData(set, opts, ns, 'ConfigMap', src.configMap.name), src.configMap.items, `ConfigMap ${src.configMap.name}`);
      if (src.secret) add(sourceData(set, opts, ns, 'Secret', src.secret.name), src.secret.items, `Secret ${src.secret.name}`);
      if (src.serviceAccountToken?.path) out.set(src.serviceAccountToken.path, { source: 'serviceAccountToken' });
      for (const item of arr<{ path?: string }>(src.downwardAPI?.items)) out.set(String(item.path), { source: 'downwardAPI' });
      if (src.clusterTrustBundle?.path) out.set(src.clusterTrustBundle.path, { source: 'clusterTrustBundle' });
    }
  } else if (vol.downwardAPI) {
    for (const item of arr<{ path?: string }>(vol.downwardAPI.items)) out.set(String(item.path), { source: 'downwardAPI' });
  } else {
    return 'open';
  }
  return out;
}

/** Whether kubelet mounts the ServiceAccount token (pod field wins over the ServiceAccount's, default true). */
export function automountsToken(set: ManifestSet, pod: PodTemplate): boolean {
  if (typeof pod.spec.automountServiceAccountToken === 'boolean') return pod.spec.automountServiceAccountToken;
  const sa = set.find('ServiceAccount', pod.namespace, pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? 'default');
  const v = sa?.automountServiceAccountToken;
  return typeof v === 'boolean' ? v : true;
}

export function containerTree(set: ManifestSet, opts: HarnessOptions, pod: PodTemplate, container: Container): ContainerTree {
  const tree: ContainerTree = { files: new Map(), openDirs: new Map(), mountDirs: new Set() };
  const volumes = new Map(arr<Volume>(pod.spec.volumes).map((v) => [v.name, v]));
  const mounts = arr<VolumeMount>(container.volumeMounts);
  for (const m of mounts) {
    if (!m.mountPath) continue;
    const vol = volumes.get(m.name);
    const files = vol ? volumeFiles(set, opts, pod, vol) : pod.claimTemplates.includes(String(m.name)) ? 'open' : undefined;
    if (files === undefined) continue; // dangling mount: integrity reports it
    if (!m.subPath) tree.mountDirs.add(posix.normalize(m.mountPath));
    if (files === 'open') {
      tree.openDirs.set(posix.normalize(m.mountPath), `volume ${m.name}`);
      continue;
    }
    for (const [rel, file] of files) {
      if (m.subPath) {
        // A subPath mount of a key puts that single file at mountPath.
        if (rel === m.subPath) tree.files.set(posix.normalize(m.mountPath), file);
        else if (rel.startsWith(`${m.subPath}/`)) tree.files.set(posix.join(m.mountPath, rel.slice(m.subPath.length + 1)), file);
      } else {
        tree.files.set(posix.join(m.mountPath, rel), file);
      }
    }
  }
  if (automountsToken(set, pod) && !mounts.some((m) => m.mountPath && posix.normalize(m.mountPath) === SA_DIR)) {
    for (const f of ['token', 'ca.crt', 'namespace'])
      tree.files.set(`${SA_DIR}/${f}`, { source: 'ServiceAccount token', content: f === 'namespace' ? pod.namespace : undefined });
  }
  return tree;
}

/** Whether an in-pod path will exist: a projected file, or anything under a volume of unknown content. */
export function pathExists(tree: ContainerTree, path: string): boolean {
  const p = posix.normalize(path);
  if (tree.files.has(p)) return true;
  for (const f of tree.files.keys()) if (f.startsWith(`${p}/`)) return true; // a directory of projected files
  for (const d of tree.openDirs.keys()) if (p === d || p.startsWith(`${d}/`)) return true;
  return false;
}

/** Whether a path lies in a volume whose content is only known at runtime (emptyDir, PVC...). */
export function underOpenDir(tree: ContainerTree, path: string): boolean {
  const p = posix.normalize(path);
  return [...tree.openDirs.keys()].some((d) => p === d || p.startsWith(`${d}/`));
}

/** Projected files matching a glob (`*`, `?`, `[...]` within one path segment, as Go's filepath.Glob). */
export function globFiles(tree: ContainerTree, pattern: string): string[] {
  const re = new RegExp(
    `^${posix
      .normalize(pattern)
      .split('')
      .map((ch) => {
        if (ch === '*') return '[^/]*';
        if (ch === '?') return '[^/]';
        if (ch === '[' || ch === ']') return ch;
        return ch.replace(/[.+^${}()|\\]/g, '\\$&');
      })
      .join('')}$`,
  );
  return [...tree.files.keys()].filter((f) => re.test(f));
}

/**
 * Why a rule-file glob finds nothing, or undefined when it is fine: it matches projected files, lies on a
 * runtime-filled volume, or points at a mounted directory that is empty on purpose (a rules ConfigMap
 * without rules). A glob that matches nothing is not an error for Prometheus/Thanos, so a wrong directory
 * or suffix would silently load no rules.
 */
export function globProblem(tree: ContainerTree, pattern: string): string | undefined {
  const abs = posix.normalize(pattern);
  if (globFiles(tree, abs).length > 0 || underOpenDir(tree, abs)) return undefined;
  const dir = /[*?[]/.test(posix.basename(abs)) ? posix.dirname(abs) : abs;
  const inDir = [...tree.files.keys()].filter((f) => f.startsWith(`${dir}/`));
  if (inDir.length > 0) return `matches none of the files mounted in ${dir} (${inDir.map((f) => posix.basename(f)).join(', ')})`;
  if (tree.mountDirs.has(dir)) return undefined;
  return `matches no file the container mounts (nothing is mounted at ${dir})`;
}

/** Writes the tree under `root`; unknown contents become a placeholder (tools only need the file to exist). */
export function materialize(tree: ContainerTree, root: string): void {
  for (const [path, file] of tree.files) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content ?? 'placeholder\n');
  }
  for (const dir of tree.openDirs.keys()) mkdirSync(join(root, dir), { recursive: true });
}

/** Containers (with their pod) that mount a ConfigMap/Secret, directly or through a projected volume. */
export function mountersOf(set: ManifestSet, obj: K8sObject): Array<{ pod: PodTemplate; container: Container }> {
  const name = obj.metadata?.name;
  const ns = set.namespaceOf(obj);
  const out: Array<{ pod: PodTemplate; container: Container }> = [];
  if (!name) return out;
  for (const pod of set.pods) {
    if (pod.namespace !== ns) continue;
    const vols = new Set(
      arr<Volume>(pod.spec.volumes)
        .filter((v) => {
          if (obj.kind === 'ConfigMap') {
            return v.configMap?.name === name || arr<ProjectionSource>(v.projected?.sources).some((s) => s.configMap?.name === name);
          }
          return v.secret?.secretName === name || arr<ProjectionSource>(v.projected?.sources).some((s) => s.secret?.name === name);
        })
        .map((v) => v.name),
    );
    if (vols.size === 0) continue;
    for (const c of [...arr<Container>(pod.spec.initContainers), ...arr<Container>(pod.spec.containers)]) {
      if (arr<VolumeMount>(c.volumeMounts).some((m) => vols.has(m.name))) out.push({ pod, container: c });
    }
  }
  return out;
}

/** Where a ConfigMap/Secret key appears inside a container (empty when not mounted). */
export function inPodPathsOfKey(tree: ContainerTree, obj: K8sObject, key: string): string[] {
  const source = `${obj.kind} ${obj.metadata?.name}`;
  return [...tree.files.entries()].filter(([, f]) => f.source === source && f.key === key).map(([p]) => p);
}
