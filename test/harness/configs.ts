/**
 * Runs the real `promtool check config|rules` and `amtool check-config` on every Prometheus config, rule
 * file and Alertmanager config of the set. A config is checked as the pod sees it: the ConfigMaps, Secrets
 * and token the container mounts are written under a temp root and every file path in the config is
 * re-rooted there, so promtool also proves that rule files and credential files exist and parse.
 *
 * The tools are the pinned promtool / amtool that `scripts/tools.sh` installs in `.tools/bin` (found by
 * `./tools`, then PATH). Configs go to them unchanged except for file paths: promtool 3.x parses
 * `kubernetes_sd_configs` offline (`check config` only parses; it never contacts an API server), so the old
 * rewrite to `http_sd_configs` for Debian's promtool 2.42 is gone.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { join, posix } from 'path';
import { stringify } from 'yaml';
import { ContainerTree, SA_DIR, containerTree, globProblem, inPodPathsOfKey, materialize, mountersOf, pathExists } from './files';
import { Binary, parseCommandLine } from './flags';
import { REPO_ROOT, Tool, executable, missingToolMessage, toolPath } from './tools';
import { Container, HarnessOptions, K8sObject, ManifestSet, PodTemplate, arr, cref, dataOf, rec } from './model';
import { parseYaml } from './yaml';
import { scratchDir } from '../support/scratch';

export interface ConfigReport {
  problems: string[];
  /** Files each tool accepted or rejected (0 when the tool is missing). */
  checked: { prometheusConfigs: number; ruleFiles: number; alertmanagerConfigs: number };
  /** Tools that were not found. */
  missingTools: string[];
}

interface Job {
  /** What a problem names: `ConfigMap ns/name: key "prometheus.yml"` (+ where it is mounted). */
  label: string;
  file: string;
  /** Temp root to strip from tool output so messages show in-pod paths. */
  root?: string;
  /** How the file is named in messages (its key). */
  shownAs: string;
  args: string[];
  /** Everything the tool reads: the file, or the folder holding it and the files it references. */
  reads: string;
}

const warned = new Set<string>();

/** Rewrites every file path of a config (keys `*_file`, `*_files`, `files`, `rule_files`, `templates`) under `root`. */
export function rerootPaths(node: unknown, root: string, baseDir: string, key = ''): unknown {
  const isPathKey = /(_file|_files)$/.test(key) || key === 'files' || key === 'templates';
  const reroot = (p: string): string => join(root, posix.resolve(baseDir, p));
  if (isPathKey && typeof node === 'string' && node !== '') return reroot(node);
  if (isPathKey && Array.isArray(node)) return node.map((p) => (typeof p === 'string' ? reroot(p) : p));
  if (Array.isArray(node)) return node.map((n) => rerootPaths(n, root, baseDir));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, rerootPaths(v, root, baseDir, k)]));
  }
  return node;
}

/**
 * In-cluster Kubernetes SD (no api_server, no kubeconfig_file) authenticates with the mounted ServiceAccount
 * token, a file promtool cannot know about (it is implicit): check the pod mounts it.
 */
function checkKubernetesSdToken(owner: Record<string, unknown>, tree: ContainerTree | undefined, where: string, problems: string[]): void {
  for (const [i, raw] of arr<unknown>(owner.kubernetes_sd_configs).entries()) {
    const sd = rec(raw);
    if (tree && !sd.api_server && !sd.kubeconfig_file && !pathExists(tree, `${SA_DIR}/token`)) {
      problems.push(
        `${where}: kubernetes_sd_configs[${i}]: in-cluster discovery needs the ServiceAccount token at ${SA_DIR}, but the pod does not mount it (set automountServiceAccountToken: true)`,
      );
    }
  }
}

/**
 * Thanos ruler groups may carry `partial_response_strategy`: a Thanos extension of the rule file format that
 * promtool (any version) genuinely rejects as an unknown field. It is checked here and removed before promtool
 * sees the file; nothing else is changed.
 */
function stripThanosRuleFields(text: string, where: string, problems: string[]): string {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return text;
  } // promtool reports the syntax error
  let changed = false;
  for (const g of arr<unknown>(rec(doc).groups)) {
    const group = rec(g);
    if ('partial_response_strategy' in group) {
      if (!['warn', 'abort'].includes(String(group.partial_response_strategy))) {
        problems.push(
          `${where}: group ${JSON.stringify(group.name)}: partial_response_strategy must be warn or abort (got ${JSON.stringify(group.partial_response_strategy)})`,
        );
      }
      delete group.partial_response_strategy;
      changed = true;
    }
  }
  return changed ? stringify(doc) : text;
}

/**
 * Checks that passed before, outside CI, by everything the tool read: the binary (path, size, mtime), its
 * arguments, and every file it could read (paths relative to the job's folder, contents with the temp
 * folder's path taken out). A changed config, rule file or mounted file, or a rebuilt tool, runs the tool
 * again; a failure is never kept; under CI=true (a fresh clone) every check runs.
 */
const PASSED = join(REPO_ROOT, 'node_modules', '.cache', 'harness-tools');

/** Once a day, the passes of over a week ago go (property tests add new inputs on every run). */
function prunePasses(): void {
  const stamp = join(PASSED, '.pruned');
  const day = 86_400_000;
  if (existsSync(stamp) && Date.now() - statSync(stamp).mtimeMs < day) return;
  mkdirSync(PASSED, { recursive: true });
  for (const f of readdirSync(PASSED)) if (Date.now() - statSync(join(PASSED, f)).mtimeMs > 7 * day) rmSync(join(PASSED, f), { force: true });
  writeFileSync(stamp, '');
}

function inputKey(bin: string, job: Job): string {
  const h = createHash('sha256');
  const { size, mtimeMs } = statSync(bin);
  h.update(`${bin}\0${size}\0${mtimeMs}\0${job.args.join(' ')}\0${job.file.slice(job.reads.length)}\0`);
  const files = statSync(job.reads).isDirectory() ? readdirSync(job.reads, { recursive: true }).map(String).sort() : [''];
  for (const f of files) {
    const path = join(job.reads, f);
    if (statSync(path).isFile()) h.update(`${f}\0`).update(readFileSync(path, 'utf8').split(job.reads).join('<reads>')).update('\0');
  }
  return h.digest('hex');
}

/** Runs one tool over many files at once; only when that fails, file by file to attribute the errors. */
function runBatch(bin: string, jobs: Job[], problems: string[]): void {
  if (jobs.length === 0) return;
  const cache = process.env.CI !== 'true';
  const keys = new Map(cache ? jobs.map((j) => [j, inputKey(bin, j)]) : []);
  const passedBefore = (j: Job) => cache && existsSync(join(PASSED, keys.get(j)!));
  const pass = (group: Job[]) => {
    if (!cache) return;
    prunePasses();
    for (const j of group) writeFileSync(join(PASSED, keys.get(j)!), '');
  };
  const batches = new Map<string, Job[]>();
  for (const j of jobs.filter((j) => !passedBefore(j))) batches.set(j.args.join(' '), [...(batches.get(j.args.join(' ')) ?? []), j]);
  for (const group of batches.values()) {
    const all = spawnSync(bin, [...group[0].args, ...group.map((j) => j.file)], { encoding: 'utf8' });
    if (all.status === 0) {
      pass(group);
      continue;
    }
    for (const job of group) {
      const one = group.length === 1 ? all : spawnSync(bin, [...job.args, job.file], { encoding: 'utf8' });
      if (one.status === 0) {
        pass([job]);
        continue;
      }
      let out = `${one.stdout ?? ''}\n${one.stderr ?? ''}`.split(job.file).join(job.shownAs);
      if (job.root) out = out.split(job.root).join('');
      // amtool prints "Checking 'f'  FAILED: ..." on one line: keep what follows the file name.
      const lines = out
        .split('\n')
        .map((l) => l.trim().replace(/^Checking \S+\s*/, ''))
        .filter((l) => l && !/^SUCCESS|^Found:|^- |^FAILED:$|^amtool: error: failed to validate/.test(l));
      problems.push(`${job.label}: ${bin.split('/').pop()} ${job.args.join(' ')} failed: ${lines.join(' | ')}`);
    }
  }
}

interface Mounted {
  pod: PodTemplate;
  container: Container;
}

function mountedIn(set: ManifestSet, obj: K8sObject, binary: Binary): Mounted[] {
  return mountersOf(set, obj).filter((m) => parseCommandLine(m.container)?.binary === binary);
}

/**
 * Prepares one config file for its tool: as mounted in `m` (re-rooted, materialized) or, when no container
 * of that binary mounts it, as a standalone file.
 */
function prepare(
  set: ManifestSet,
  opts: HarnessOptions,
  tmp: string,
  n: number,
  obj: K8sObject,
  key: string,
  text: string,
  m: Mounted | undefined,
  problems: string[],
): Job {
  const dir = join(tmp, `c${n}`);
  mkdirSync(dir, { recursive: true });
  const label = `${set.ref(obj)}: key ${JSON.stringify(key)}${m ? ` (as mounted in ${m.pod.ref} ${cref(m.container)})` : ''}`;
  const file = join(dir, key);
  const isProm = key === 'prometheus.yml';
  let doc: Record<string, unknown>;
  try {
    doc = rec(parseYaml(text));
  } catch (e) {
    problems.push(`${label}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    writeFileSync(file, text);
    return { label, file, shownAs: key, args: [], reads: dir };
  }
  const tree = m ? containerTree(set, opts, m.pod, m.container) : undefined;
  if (isProm) {
    for (const sc of arr<unknown>(doc.scrape_configs)) checkKubernetesSdToken(rec(sc), tree, `${label}: job ${JSON.stringify(rec(sc).job_name)}`, problems);
    for (const am of arr<unknown>(rec(doc.alerting).alertmanagers)) checkKubernetesSdToken(rec(am), tree, `${label}: alerting.alertmanagers`, problems);
  }
  if (!tree || !m) {
    writeFileSync(file, stringify(doc));
    return { label, file, shownAs: key, args: [], reads: dir };
  }
  const root = join(dir, 'root');
  const inPod = inPodPathsOfKey(tree, obj, key)[0] ?? `/${key}`;
  if (isProm) {
    for (const pattern of arr<unknown>(doc.rule_files)) {
      const abs = posix.resolve(posix.dirname(inPod), String(pattern));
      const why = globProblem(tree, abs); // promtool itself accepts a glob that matches nothing
      if (why) problems.push(`${label}: rule_files ${JSON.stringify(pattern)} ${why}`);
    }
  }
  try {
    materialize(tree, root);
  } catch (e) {
    problems.push(`${label}: mounted files overlap: ${(e as Error).message}`);
  }
  writeFileSync(file, stringify(rerootPaths(doc, root, posix.dirname(inPod))));
  return { label, file, root, shownAs: inPod, args: [], reads: dir };
}

export function checkConfigs(set: ManifestSet, opts: HarnessOptions): ConfigReport {
  const report: ConfigReport = { problems: [], checked: { prometheusConfigs: 0, ruleFiles: 0, alertmanagerConfigs: 0 }, missingTools: [] };
  const sources: Array<{ obj: K8sObject; key: string; text: string }> = [];
  for (const obj of set.objects) {
    if (obj.kind !== 'ConfigMap' && obj.kind !== 'Secret') continue;
    for (const [key, text] of Object.entries(dataOf(obj))) {
      if (key === 'prometheus.yml' || key === 'alertmanager.yml' || key.endsWith('.rules.yaml')) sources.push({ obj, key, text });
    }
  }
  if (sources.length === 0) return report;
  const promtool = opts.promtool ?? toolPath('promtool');
  const amtool = opts.amtool ?? toolPath('amtool');
  const requireTools = opts.requireTools ?? process.env.CI === 'true';
  /** Whether to run `bin`; a needed but missing tool is a warning, or a problem when tools are required (CI). */
  const usable = (bin: string, needed: boolean): boolean => {
    if (!needed) return false;
    if (executable(bin)) return true;
    report.missingTools.push(bin);
    const msg = `${bin} not found, Prometheus/Alertmanager configs NOT checked: ${missingToolMessage([bin.split('/').pop() as Tool])}`;
    if (requireTools) report.problems.push(`[configs] ${msg}`);
    else if (!warned.has(bin)) {
      warned.add(bin);
      console.warn(msg);
    }
    return false;
  };
  const withProm = usable(
    promtool,
    sources.some((s) => s.key !== 'alertmanager.yml'),
  );
  const withAm = usable(
    amtool,
    sources.some((s) => s.key === 'alertmanager.yml'),
  );
  const tmp = scratchDir('k8s-harness-');
  try {
    const ruleJobs: Job[] = [];
    const promJobs: Job[] = [];
    const amJobs: Job[] = [];
    let n = 0;
    for (const { obj, key, text } of sources) {
      if (key.endsWith('.rules.yaml')) {
        if (!withProm) continue;
        const label = `${set.ref(obj)}: key ${JSON.stringify(key)}`;
        const file = join(tmp, `r${n++}-${key}`);
        writeFileSync(file, stripThanosRuleFields(text, label, report.problems));
        ruleJobs.push({ label, file, shownAs: key, args: ['check', 'rules'], reads: file });
        continue;
      }
      const isProm = key === 'prometheus.yml';
      if (isProm ? !withProm : !withAm) continue;
      const mounts = mountedIn(set, obj, isProm ? 'prometheus' : 'alertmanager');
      // Standalone (no file references resolvable) when no Prometheus/Alertmanager container mounts it.
      for (const m of mounts.length > 0 ? mounts : [undefined]) {
        const job = prepare(set, opts, tmp, n++, obj, key, text, m, report.problems);
        if (isProm) promJobs.push({ ...job, args: m ? ['check', 'config'] : ['check', 'config', '--syntax-only'] });
        else amJobs.push({ ...job, args: ['check-config'] });
      }
    }
    runBatch(promtool, ruleJobs, report.problems);
    runBatch(promtool, promJobs, report.problems);
    runBatch(amtool, amJobs, report.problems);
    report.checked = { prometheusConfigs: promJobs.length, ruleFiles: ruleJobs.length, alertmanagerConfigs: amJobs.length };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return report;
}
