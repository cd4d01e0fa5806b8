/**
 * Command-line checks against the flag tables of the real binaries (Thanos v0.42.4, Prometheus v3.14.0,
 * Alertmanager v0.34.0). All three parse with kingpin, which refuses unknown flags, `--bool=true`, `--no-x`
 * on value flags and a non-repeatable flag given twice: any of these is a crash loop in the cluster.
 */
import { AlertmanagerFlags, FlagSpec, PrometheusFlags, ThanosFlags, fixture } from './fixtures';
import { Container, EnvVar, HarnessOptions, ManifestSet, PodTemplate, allContainers, arr, cref, dollarRefs, envNames } from './model';

export type Binary = 'thanos' | 'prometheus' | 'alertmanager';

export interface ParsedFlag {
  /** Canonical name, `--no-` stripped. */
  name: string;
  /** Text after the first `=`; undefined when there was no `=`. */
  value?: string;
  negated: boolean;
  raw: string;
}

export interface CommandLine {
  binary: Binary;
  /** Thanos subcommand ('sidecar', 'tools bucket web'...); '' for Prometheus and Alertmanager. */
  command: string;
  flags: ParsedFlag[];
  positional: string[];
  /** Set when the command line cannot be analysed (e.g. `command` replaced the entrypoint with a shell). */
  unparseable?: string;
}

const THANOS_REMOVED: Record<string, string> = {
  '--store': 'removed in Thanos v0.38 (kingpin refuses to start): use --endpoint=<addr> or --endpoint.sd-config',
};

/** Which of the three binaries an image runs, from its repository (tag and digest ignored). */
export function binaryOf(image: string | undefined): Binary | undefined {
  if (!image) return undefined;
  const repo = image.split('@')[0].replace(/:[^/]*$/, '');
  // Exact repository suffix: 'prometheus/prometheus-config-reloader' must not count as Prometheus.
  if (/(^|\/)thanos\/thanos$/.test(repo)) return 'thanos';
  if (/(^|\/)prometheus\/prometheus$/.test(repo)) return 'prometheus';
  if (/(^|\/)prometheus\/alertmanager$/.test(repo)) return 'alertmanager';
  return undefined;
}

/** Parses a container's argv for one of the three binaries; undefined for any other image. */
export function parseCommandLine(container: Container): CommandLine | undefined {
  const binary = binaryOf(container.image);
  if (!binary) return undefined;
  let argv = arr<string>(container.args).map(String);
  const command = arr<string>(container.command).map(String);
  const result: CommandLine = { binary, command: '', flags: [], positional: [] };
  if (command.length > 0) {
    // The images' entrypoint is /bin/<binary>; restating it is fine, anything else hides the real argv.
    if (command[0].split('/').pop() !== binary) {
      result.unparseable = `command ${JSON.stringify(command)} replaces the ${binary} entrypoint, so its flags cannot be verified: set args only`;
      return result;
    }
    argv = [...command.slice(1), ...argv];
  }
  const words: string[] = [];
  let endOfFlags = false;
  for (const arg of argv) {
    if (endOfFlags || !arg.startsWith('-') || arg === '-') {
      words.push(arg);
      continue;
    }
    if (arg === '--') {
      endOfFlags = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = eq < 0 ? arg : arg.slice(0, eq);
    const negated = rawName.startsWith('--no-');
    result.flags.push({ name: negated ? `--${rawName.slice(5)}` : rawName, value: eq < 0 ? undefined : arg.slice(eq + 1), negated, raw: arg });
  }
  if (binary === 'thanos') {
    const n = words[0] === 'tools' ? 3 : 1;
    result.command = words.slice(0, n).join(' ');
    result.positional = words.slice(n);
  } else {
    result.positional = words;
  }
  return result;
}

/** Values of a flag (last one wins for non-repeatable flags, as in kingpin). */
export function flagValues(cl: CommandLine, name: string): string[] {
  return cl.flags.filter((f) => f.name === name && f.value !== undefined).map((f) => f.value as string);
}

export function flagValue(cl: CommandLine, name: string): string | undefined {
  return flagValues(cl, name).pop();
}

export function hasFlag(cl: CommandLine, name: string): boolean {
  return cl.flags.some((f) => f.name === name && !f.negated);
}

interface Table {
  flags: Map<string, FlagSpec>;
  removed: Record<string, string>;
}

let tables: Map<string, Table> | undefined;

/** Flag tables keyed by `binary command`, built once. */
function flagTables(): Map<string, Table> {
  if (tables) return tables;
  tables = new Map();
  const thanos = fixture<ThanosFlags>('thanos-flags.json');
  const hidden = (cmd: string): Array<[string, FlagSpec]> => {
    const h = thanos.hiddenFlags[cmd];
    return typeof h === 'object' ? Object.entries(h) : [];
  };
  for (const [cmd, flags] of Object.entries(thanos.commands)) {
    const all = new Map<string, FlagSpec>([...Object.entries(flags), ...hidden(cmd), ...hidden('all')]);
    tables.set(`thanos ${cmd}`, { flags: all, removed: THANOS_REMOVED });
  }
  const prom = fixture<PrometheusFlags>('prometheus-flags.json');
  tables.set('prometheus ', { flags: new Map(Object.entries(prom.flags)), removed: prom.removedFlags });
  const am = fixture<AlertmanagerFlags>('alertmanager-flags.json');
  tables.set('alertmanager ', { flags: new Map(Object.entries(am.flags)), removed: am.removedFlags });
  return tables;
}

/** Edit distance, for "did you mean" hints on misspelled flags. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function suggestion(name: string, known: Iterable<string>): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best && bestD <= Math.max(2, Math.floor(name.length / 4)) ? ` (did you mean ${best}?)` : '';
}

/** Problems of one command line; `counter.n` grows by the number of flags checked. */
function commandLineProblems(cl: CommandLine, where: string, counter: { n: number }): string[] {
  if (cl.unparseable) return [`${where}: ${cl.unparseable}`];
  const problems: string[] = [];
  const table = flagTables().get(`${cl.binary} ${cl.command}`);
  if (!table) {
    const known = [...flagTables().keys()].filter((k) => k.startsWith('thanos ')).map((k) => k.slice(7));
    return [`${where}: unknown thanos subcommand ${JSON.stringify(cl.command)} (args[0] must be one of ${known.join(', ')})`];
  }
  const bin = cl.command ? `thanos ${cl.command}` : cl.binary;
  for (const p of cl.positional) problems.push(`${where}: unexpected positional argument ${JSON.stringify(p)} for ${bin}`);
  const seen = new Map<string, number>();
  const agent = cl.binary === 'prometheus' && hasFlag(cl, '--agent');
  for (const f of cl.flags) {
    counter.n++;
    const removed = table.removed[f.raw.split('=')[0]] ?? table.removed[f.name];
    if (removed) {
      problems.push(`${where}: flag ${f.raw} no longer exists in ${bin}: ${removed}`);
      continue;
    }
    const spec = table.flags.get(f.name);
    if (!spec) {
      problems.push(`${where}: unknown flag ${f.raw} for ${bin}${suggestion(f.name, table.flags.keys())}`);
      continue;
    }
    seen.set(f.name, (seen.get(f.name) ?? 0) + 1);
    if (f.negated && spec.takesValue) {
      problems.push(`${where}: ${f.raw}: --no- prefix is only valid for boolean flags, ${f.name} takes a value`);
    } else if (!spec.takesValue && f.value !== undefined) {
      problems.push(`${where}: ${f.raw}: ${f.name} is a boolean flag and takes no value: write ${f.name} or --no-${f.name.slice(2)}`);
    } else if (spec.takesValue && f.value === undefined) {
      problems.push(`${where}: ${f.raw}: ${f.name} takes a value: write ${f.name}=<value> in one argument`);
    }
    if (cl.binary === 'prometheus' && spec.mode === (agent ? 'server' : 'agent')) {
      problems.push(`${where}: ${f.raw}: Prometheus refuses ${spec.mode}-mode flags ${agent ? 'with' : 'without'} --agent (exit 3)`);
    }
    if (f.name === '--enable-feature' && f.value !== undefined) problems.push(...featureProblems(cl.binary, f.value, spec, where));
  }
  for (const [name, count] of seen) {
    const spec = table.flags.get(name) as FlagSpec;
    if (count > 1 && !spec.repeatable) problems.push(`${where}: ${name} is given ${count} times but ${bin} accepts it once`);
    if (spec.mutuallyExclusiveWith && seen.has(spec.mutuallyExclusiveWith)) {
      problems.push(`${where}: ${name} and ${spec.mutuallyExclusiveWith} are mutually exclusive`);
    }
  }
  const groups = [...table.flags.entries()].filter(([, s]) => s.requiredGroup);
  if (groups.length > 0 && !groups.some(([n]) => seen.has(n))) {
    problems.push(`${where}: ${bin} refuses to start without one of ${groups.map(([n]) => n).join(' / ')}`);
  }
  return problems;
}

function featureProblems(binary: Binary, value: string, spec: FlagSpec, where: string): string[] {
  const problems: string[] = [];
  const valid = new Set([...(spec.validValues ?? []), ...Object.keys(spec.acceptedNoOpOrDeprecatedValues ?? {})]);
  const removed: Record<string, string> =
    binary === 'prometheus'
      ? Object.fromEntries(
          fixture<PrometheusFlags>('prometheus-flags.json').removedFeatureFlagsIn3_0.map((f) => [f, 'removed in Prometheus 3.0 (now default or gone)']),
        )
      : fixture<AlertmanagerFlags>('alertmanager-flags.json').removedFeatureValues;
  for (const feature of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (removed[feature]) problems.push(`${where}: --enable-feature=${feature}: ${removed[feature]}`);
    // Prometheus only logs unknown features, Alertmanager exits 1; either way the feature is not what was meant.
    else if (!valid.has(feature)) problems.push(`${where}: --enable-feature=${feature} is not a ${binary} feature (valid: ${[...valid].join(', ')})`);
  }
  return problems;
}

/**
 * `$(VAR)` in command/args must name a variable of the container (Kubernetes leaves unknown references
 * verbatim, so Thanos would read a literal "$(VAR)"); in env values it must name an earlier variable.
 */
function dollarProblems(set: ManifestSet, opts: HarnessOptions, pod: PodTemplate, c: Container, where: string): string[] {
  const problems: string[] = [];
  const names = envNames(set, opts, pod.namespace, c);
  for (const arg of [...arr<string>(c.command), ...arr<string>(c.args)]) {
    for (const v of dollarRefs(String(arg))) {
      if (!names.has(v)) problems.push(`${where}: argument ${JSON.stringify(arg)} references $(${v}) but the container defines no env var ${v}`);
    }
  }
  const defined = new Set([...names].filter((n) => !arr<EnvVar>(c.env).some((e) => e.name === n)));
  for (const e of arr<EnvVar>(c.env)) {
    for (const v of typeof e.value === 'string' ? dollarRefs(e.value) : []) {
      if (!defined.has(v)) problems.push(`${where}: env ${e.name}=${JSON.stringify(e.value)} references $(${v}), which is not defined before it`);
    }
    if (e.name) defined.add(e.name);
  }
  return problems;
}

export interface FlagReport {
  problems: string[];
  /** `--flag` arguments checked against a reference table. */
  flagsChecked: number;
  /** Containers whose command line was checked, per binary. */
  containers: Record<Binary, number>;
}

export function checkFlags(set: ManifestSet, opts: HarnessOptions): FlagReport {
  const report: FlagReport = { problems: [], flagsChecked: 0, containers: { thanos: 0, prometheus: 0, alertmanager: 0 } };
  const counter = { n: 0 };
  for (const pod of set.pods) {
    for (const { container } of allContainers(pod.spec)) {
      const where = `${pod.ref}: ${cref(container)}`;
      report.problems.push(...dollarProblems(set, opts, pod, container, where));
      const cl = parseCommandLine(container);
      if (!cl) continue;
      report.containers[cl.binary]++;
      report.problems.push(...commandLineProblems(cl, where, counter));
    }
  }
  report.flagsChecked = counter.n;
  return report;
}
