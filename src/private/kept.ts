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
import { dirname, isAbsolute, join, relative, resolve, sep } from 'path';

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
 * A table of kept results, named with the versions of the packages that compute them (read on first use
 * in a synthesis). Its lookup gives the result of `compute` for `input`, from the table if the last
 * synthesis kept it; a result `compute` returns as undefined (a failure) is not kept. Outside
 * `keepingResults`, just `compute()`.
 */
export function keptTable(name: string, packages: string[]): (input: string, compute: () => string | undefined) => string | undefined {
  let table: string | undefined;
  return (input, compute) => {
    if (!current) return compute();
    table ??= [name, ...packages.map(packageVersion)].join(' ');
    const key = createHash('sha1').update(input).digest('base64');
    const used = (current.used[table] ??= {});
    const result = used[key] ?? current.before[table]?.[key] ?? compute();
    if (result !== undefined) used[key] = result;
    return result;
  };
}

/** `name@version` of an installed package. */
function packageVersion(name: string): string {
  for (let dir = dirname(require.resolve(name)); dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
    if (pkg.name === name) return `${name}@${pkg.version}`;
  }
  throw new Error(`no package.json of ${name} above ${require.resolve(name)}`);
}

function cacheFileOf(outdir: string): string | undefined {
  const cwd = process.cwd();
  const inside = relative(cwd, resolve(outdir));
  const modules = join(cwd, 'node_modules');
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside) || !existsSync(modules)) return undefined;
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
