/**
 * `extraArgs` checked against the flags of the pinned binaries (src/private/flags.generated.ts, from the
 * reference tables in test/fixtures): kingpin refuses an unknown flag at start-up, so a typo would be a crash
 * loop in the cluster; here it fails synth, naming the flag and the version.
 */
import { PINNED_FLAGS } from './flags.generated';

/** A binary and, for Thanos, its subcommand. */
export interface FlagSet {
  readonly binary: 'thanos' | 'prometheus' | 'alertmanager';
  /** Thanos subcommand (`store`, `tools bucket web`...). */
  readonly command?: string;
}

/** 0 a boolean, 1 takes a value, 2 takes a value and may repeat. */
type FlagKinds = { readonly [flag: string]: number };

function table(set: FlagSet): { flags: FlagKinds; removed: { readonly [flag: string]: string }; version: string; what: string } {
  if (set.binary === 'thanos') {
    const t = PINNED_FLAGS.thanos;
    return { flags: (t.commands as { [c: string]: FlagKinds })[set.command!], removed: t.removed, version: t.version, what: `thanos ${set.command}` };
  }
  const t = PINNED_FLAGS[set.binary];
  return { flags: t.flags, removed: t.removed, version: t.version, what: set.binary };
}

/**
 * Problems with extra command-line flags: each must be `--name` or `--name=value`, known to the pinned binary,
 * given a value only if it takes one, and not already set by the construct (unless it repeats).
 * @param set the args the construct renders itself
 */
export function extraArgProblems(prop: string, set: FlagSet, extra: string[], own: string[]): string[] {
  const t = table(set);
  const ownNames = new Set(own.map((a) => a.split('=')[0]));
  const problems: string[] = [];
  for (const arg of extra) {
    const name = arg.split('=')[0];
    const hasValue = arg.includes('=');
    const negated = name.startsWith('--no-') && t.flags[`--${name.slice(5)}`] === 0;
    const kind = negated ? 0 : t.flags[name];
    const at = `${prop} ${JSON.stringify(arg)}`;
    if (!name.startsWith('--')) {
      problems.push(`${at} is not a flag: write --name or --name=value`);
    } else if (t.removed[name] !== undefined) {
      problems.push(`${at}: ${name} was removed before ${t.what} ${t.version} (the pinned binary; ${t.removed[name]}): remove it`);
    } else if (kind === undefined) {
      problems.push(
        `${at}: ${name} is not a flag of ${t.what} ${t.version} (the pinned binary), which refuses to start with it: remove it or fix the spelling`,
      );
    } else if (kind === 0 && hasValue) {
      problems.push(
        `${at}: ${name} is a boolean flag of ${t.what} ${t.version}, which refuses a value: write ${name} or --no-${name.replace(/^--(no-)?/, '')}`,
      );
    } else if (kind > 0 && !hasValue) {
      problems.push(`${at}: ${name} takes a value in ${t.what} ${t.version}: write ${name}=<value>`);
    } else if (kind !== 2 && ownNames.has(negated ? `--${name.slice(5)}` : name)) {
      problems.push(`${at}: ${name} is already set by this construct (kingpin refuses it twice): use the construct's prop for it`);
    }
  }
  return problems;
}
