/**
 * Where the tests find promtool, prometheus, amtool and alertmanager: `.tools/bin/<tool>` in the repo root
 * (what `scripts/tools.sh` installs, at the pinned versions), then PATH. One place, so every test runs the
 * same binary.
 *
 * Skip rule: a missing tool skips the tests that need it with one line naming the fix, unless CI=true,
 * where a missing tool is a failure.
 */
import { spawnSync } from 'child_process';
import { accessSync, constants } from 'fs';
import { delimiter, join, resolve } from 'path';

export type Tool = 'promtool' | 'prometheus' | 'amtool' | 'alertmanager';

/** The repo root (this file is test/harness/tools.ts). */
export const REPO_ROOT = resolve(__dirname, '..', '..');
/** Where scripts/tools.sh installs the pinned binaries. */
export const TOOLS_BIN = join(REPO_ROOT, '.tools', 'bin');

/** Whether `p` is a file this process may execute (no process started: the harness asks once per check). */
export function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const found = new Map<string, string | undefined>();

/** Absolute path of `tool`: `.tools/bin/<tool>`, else the first on PATH; undefined when neither exists. */
export function findTool(tool: Tool): string | undefined {
  if (!found.has(tool)) {
    const candidates = [
      join(TOOLS_BIN, tool),
      ...(process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, tool)),
    ];
    found.set(tool, candidates.find(executable));
  }
  return found.get(tool);
}

/** Whether `tool` is installed (in `.tools/bin` or on PATH). */
export function hasTool(tool: Tool): boolean {
  return findTool(tool) !== undefined;
}

/** Path of `tool` to spawn; the bare name (spawn fails with ENOENT) when it is not installed. */
export function toolPath(tool: Tool): string {
  return findTool(tool) ?? tool;
}

/** The version `tool --version` prints (`3.14.0`), or undefined. */
export function toolVersion(tool: Tool): string | undefined {
  const exe = findTool(tool);
  if (!exe) return undefined;
  const r = spawnSync(exe, ['--version'], { encoding: 'utf8' });
  return /version (\S+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1];
}

/** What is missing and how to get it, in one line. */
export function missingToolMessage(tools: Tool[]): string {
  return `${tools.join(', ')} not installed; run scripts/tools.sh (needs Go; without Go, apt-get install prometheus prometheus-alertmanager gives older, unpinned versions)`;
}

/**
 * `test` when every tool is installed; otherwise `test.skip` after printing one line (or, under CI=true,
 * a test that fails with that line).
 */
export function testWithTools(tools: Tool[], what: string): jest.It {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length === 0) return test;
  const msg = missingToolMessage(missing);
  if (process.env.CI === 'true') {
    const failing = ((name: string) =>
      test(name, () => {
        throw new Error(`${what} cannot run under CI=true: ${msg}`);
      })) as unknown as jest.It;
    return failing;
  }
  // One plain line (console.log in Jest adds a stack-location block).
  process.stderr.write(`${what} skipped: ${msg}\n`);
  return test.skip;
}
