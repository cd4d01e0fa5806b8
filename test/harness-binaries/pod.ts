/**
 * Runs a container of the synthesized manifests as a local process, as close to the pod as a laptop allows:
 * the container's files (ConfigMaps, Secrets, emptyDirs/PVCs as empty dirs) are materialized under a temp
 * root by the harness' own file-tree code (test/harness/files.ts), every in-pod path in the args and config
 * is re-rooted there, listen addresses become free 127.0.0.1 ports, env comes from the container spec
 * (downward API: metadata.name = the pod name, status.podIP = 127.0.0.1), and `$(VAR)` in args is expanded
 * as the kubelet does. Nothing else is changed: the config a process loads is the generated one.
 */
import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join, posix } from 'path';
import { parse, stringify } from 'yaml';
import { rerootPaths } from '../harness/configs';
import { containerTree, materialize } from '../harness/files';
import { Binary, parseCommandLine } from '../harness/flags';
import { Container, ManifestSet, PodTemplate } from '../harness/model';
import { toolPath } from '../harness/tools';

/** A free TCP port on 127.0.0.1 (the OS picks it; closed again before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface PodContainer {
  pod: PodTemplate;
  container: Container;
  set: ManifestSet;
}

/** The one container of `binary` in the StatefulSet/Deployment named `workload`. */
export function findContainer(objects: readonly unknown[], workload: string, binary: Binary): PodContainer {
  const set = new ManifestSet(objects, 'default');
  const hits = set.pods.flatMap((pod) =>
    (pod.obj.metadata?.name === workload ? (pod.spec.containers ?? []) : [])
      .filter((c) => parseCommandLine(c)?.binary === binary)
      .map((container) => ({ pod, container, set })),
  );
  if (hits.length !== 1) throw new Error(`expected one ${binary} container in workload ${workload}, found ${hits.length}`);
  return hits[0];
}

/** The value of `--name=value` in args. */
export function argValue(args: readonly string[], name: string): string | undefined {
  const a = args.find((x) => x.startsWith(`${name}=`));
  return a === undefined ? undefined : a.slice(name.length + 1);
}

export interface LocalPod {
  root: string;
  /** The args as passed to the process. */
  args: string[];
  env: Record<string, string>;
  /** Config file as written under root (the generated one, paths re-rooted, plus `editConfig`). */
  configFile: string;
  config: Record<string, unknown>;
  /** The port each listen-address flag was moved to, by flag name. */
  ports: Record<string, number>;
}

export interface PrepareOptions {
  podName: string;
  /**
   * A change to the parsed config before it is written, for what cannot exist on a laptop (a cluster DNS
   * name). Every use says why in the test.
   */
  editConfig?: (config: Record<string, unknown>) => void;
}

const LISTEN_FLAGS = ['--web.listen-address', '--cluster.listen-address'];

/** Materializes the container's files and computes the local args/env. */
export async function preparePod(pc: PodContainer, opts: PrepareOptions): Promise<LocalPod> {
  const root = mkdtempSync(join(tmpdir(), `pod-${opts.podName}-`));
  const tree = containerTree(pc.set, {}, pc.pod, pc.container);
  materialize(tree, root);
  const env: Record<string, string> = {};
  for (const e of pc.container.env ?? []) {
    const field = (e.valueFrom?.fieldRef as { fieldPath?: string } | undefined)?.fieldPath;
    if (e.value !== undefined) env[e.name as string] = e.value;
    else if (field === 'metadata.name') env[e.name as string] = opts.podName;
    else if (field === 'status.podIP') env[e.name as string] = '127.0.0.1';
    else throw new Error(`env ${e.name}: no local equivalent for ${JSON.stringify(e.valueFrom)}; teach test/harness-binaries/pod.ts`);
  }
  // Kubernetes expands $(VAR) in args from the container's env; $$ is a literal $.
  const expand = (a: string): string =>
    a.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string | undefined) => (v === undefined ? '$' : (env[v] ?? m)));
  const ports: Record<string, number> = {};
  const args: string[] = [];
  let configFile = '';
  let config: Record<string, unknown> = {};
  for (const raw of pc.container.args ?? []) {
    const a = expand(raw);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const value = eq > 0 ? a.slice(eq + 1) : undefined;
    if (LISTEN_FLAGS.includes(name)) {
      ports[name] = await freePort();
      args.push(`${name}=127.0.0.1:${ports[name]}`);
    } else if (name === '--config.file' && value) {
      const text = tree.files.get(value)?.content;
      if (text === undefined) throw new Error(`${value} is not mounted in the container`);
      config = parse(text) as Record<string, unknown>;
      opts.editConfig?.(config);
      configFile = join(root, value);
      writeFileSync(configFile, stringify(rerootPaths(config, root, posix.dirname(value))));
      args.push(`${name}=${configFile}`);
    } else if (value?.startsWith('/')) {
      args.push(`${name}=${join(root, value)}`);
    } else {
      args.push(a);
    }
  }
  return { root, args, env, configFile, config, ports };
}

export interface Running {
  proc: ChildProcess;
  /** Everything the process printed so far. */
  output: () => string;
  /** Exit code once exited. */
  exited: () => number | null | undefined;
  stop: () => Promise<void>;
}

/** Starts `binary` (pinned one from .tools/bin, else PATH) with the pod's args and only the pod's env. */
export function start(binary: 'prometheus' | 'alertmanager', local: LocalPod): Running {
  // No KUBERNETES_SERVICE_HOST/PORT (or any other host variable) leaks in: the process sees the pod's env.
  const proc = spawn(toolPath(binary), local.args, { cwd: local.root, env: local.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let code: number | null | undefined;
  proc.stdout?.on('data', (d) => {
    out += String(d);
  });
  proc.stderr?.on('data', (d) => {
    out += String(d);
  });
  const done = new Promise<void>((resolve) =>
    proc.on('exit', (c, sig) => {
      code = c ?? (sig ? -1 : null);
      resolve();
    }),
  );
  proc.on('error', (e) => {
    out += `spawn error: ${e.message}\n`;
    code = -1;
  });
  return {
    proc,
    output: () => out,
    exited: () => code,
    stop: async () => {
      if (code === undefined) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await done;
        clearTimeout(t);
      }
      rmSync(local.root, { recursive: true, force: true });
    },
  };
}

/** GET http://127.0.0.1:port/path, JSON body (or text); throws on a non-2xx status. */
export async function get(port: number, path: string): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Polls `probe` until it returns a value, the process exits, or `timeoutMs` passes. */
export async function waitFor<T>(what: string, run: Running | Running[], timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const runs = Array.isArray(run) ? run : [run];
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const dead = runs.find((r) => r.exited() !== undefined);
    if (dead) throw new Error(`${what}: the process exited (code ${dead.exited()}) first. Its output:\n${dead.output().slice(-4000)}`);
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms (last: ${last}). Output:\n${runs.map((r) => r.output().slice(-3000)).join('\n---\n')}`);
}
