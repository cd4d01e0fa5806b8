import { Chart, Size, Testing } from 'cdk8s';
import { SizePreset } from '../../src/config/resources';

/** A synthesized Kubernetes object, loosely typed for assertions. */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any }; [k: string]: any };

/** A chart in the `monitoring` namespace, filled by `build`, synthesized with validations. */
export function synth(build: (chart: Chart) => void): Manifest[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
  build(chart);
  return Testing.synth(chart) as Manifest[];
}

/** The problems validation reports for a chart built by `build` (empty when it synthesizes). */
export function problems(build: (chart: Chart) => void): string[] {
  try {
    synth(build);
    return [];
  } catch (e) {
    return (e as Error).message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
  }
}

/** The one object of `kind` named `name`. */
export function find(objects: Manifest[], kind: string, name: string): Manifest {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1)
    throw new Error(`expected one ${kind}/${name}, found ${found.length}: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found[0];
}

/** A container of a workload's pod template. */
export function containerOf(workload: Manifest, name: string): any {
  const c = workload.spec.template.spec.containers.find((x: any) => x.name === name);
  if (!c) throw new Error(`no container ${name} in ${workload.kind}/${workload.metadata.name}`);
  return c;
}

/** The value of `--flag=value` in args, or true for a bare `--flag`, or undefined. */
export function flag(args: string[], name: string): string | true | undefined {
  for (const a of args) {
    if (a === name) return true;
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
  }
  return undefined;
}

/** Every value of a repeated `--flag=value`. */
export function flags(args: string[], name: string): string[] {
  return args.filter((a) => a.startsWith(`${name}=`)).map((a) => a.slice(name.length + 1));
}

/** A container's env without the GOMEMLIMIT every container gets from the shared builder (tested in memory.test.ts). */
export function ownEnv(container: any): any[] {
  return (container.env ?? []).filter((e: any) => e.name !== 'GOMEMLIMIT');
}

/** Every option the in-cluster S3 stores share (InClusterStoreOptions), set away from its default. */
export const STORE_OPTIONS = {
  name: 'objects',
  bucket: 'metrics-eu1',
  accessKeyKey: 'user',
  secretKeyKey: 'password',
  storageSize: Size.gibibytes(200),
  storageClassName: 'fast',
  size: SizePreset.LARGE,
  networkPolicy: false,
};
