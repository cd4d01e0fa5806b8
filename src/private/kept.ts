/**
 * Results of a synthesis' pure, costly steps (rendering YAML, parsing PromQL), kept from the last synthesis
 * of the project for the next: most syntheses repeat most of the work of the one before. Each table is
 * named with the versions of the code that computes it, and keyed by a hash of the step's whole input,
 * so a kept result is the result. Kept in `node_modules/.cache/cdk8s-thanos` of the working directory,
 * for outdirs inside it only (a project's own output, staged beside it or not; throwaway outdirs elsewhere,
 * as tests write, would only churn it). The file holds what the last synthesis used, and is written only
 * when that synthesis succeeded.
 */
import { createHash } from 'crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'fs';
import { dirname, isAbsolute, join, relative, resolve } from 'path';

type Tables = { [table: string]: { [key: string]: string } };

/** The synthesis running now: what the last one kept, and what this one used. */
let current: { readonly before: Tables; readonly used: Tables } | undefined;

/** Runs `f`, a synthesis into `outdir`, with the results the last synthesis kept; keeps this one's if `f` succeeds. */
export function keepingResults<T>(outdir: string, f: () => T): T {
  const file = cacheFileOf(outdir);
  if (!file) return f();
  const outer = current;
  const mine = { before: load(file), used: {} };
  current = mine;
  try {
    const result = f();
    save(file, mine.used);
    return result;
  } finally {
    current = outer;
  }
}

/**
 * The result of `compute` for `input`, from `table` if the last synthesis kept it; a result `compute`
 * returns as undefined (a failure) is not kept. Outside `keepingResults`, just `compute()`.
 */
export function kept(table: string, input: string, compute: () => string | undefined): string | undefined {
  if (!current) return compute();
  const key = createHash('sha1').update(input).digest('base64');
  const used = (current.used[table] ??= {});
  const result = used[key] ?? current.before[table]?.[key] ?? compute();
  if (result !== undefined) used[key] = result;
  return result;
}

/** `name@version` of an installed package, for table names. */
export function packageVersion(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    if (dirname(dir) === dir) throw new Error(`no package.json of ${name}`);
    dir = dirname(dir);
  }
  return `${name}@${JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version}`;
}

function cacheFileOf(outdir: string): string | undefined {
  const cwd = process.cwd();
  const inside = relative(cwd, resolve(outdir));
  const modules = join(cwd, 'node_modules');
  if (inside.startsWith('..') || isAbsolute(inside) || !existsSync(modules)) return undefined;
  return join(modules, '.cache', 'cdk8s-thanos', 'kept.json');
}

function load(file: string): Tables {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Tables;
  } catch {
    return {}; // none yet, or unreadable: compute
  }
}

/** Replaces the file atomically; a read-only node_modules keeps nothing. */
function save(file: string, tables: Tables): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(tables));
    renameSync(tmp, file);
  } catch {
    /* the next synthesis computes again */
  }
}
