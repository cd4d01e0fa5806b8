import { spawnSync } from 'child_process';

/** Where promtool and amtool come from; the skip line names it. */
const HOW = 'run scripts/tools.sh or apt-get install prometheus prometheus-alertmanager to run them';
const told = new Set<string>();

/** Whether `bin` runs here. */
export function hasTool(bin: string): boolean {
  return spawnSync(bin, ['--version']).status === 0;
}

/**
 * `test` when `bin` is installed or under CI=true (where the checks are mandatory, and fail without it),
 * otherwise `test.skip`, announced once per suite in one line.
 */
export function testWith(bin: 'promtool' | 'amtool'): jest.It {
  if (process.env.CI === 'true' || hasTool(bin)) return test;
  if (!told.has(bin)) {
    told.add(bin);
    process.stderr.write(`skipped: ${bin} not installed (${expect.getState().testPath?.replace(/.*\/test\//, 'test/') ?? 'this suite'}); ${HOW}\n`);
  }
  return test.skip;
}
