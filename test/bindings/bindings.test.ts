/**
 * Python and Go build the default stack through the jsii bindings and synthesize exactly what the
 * TypeScript app does. scripts/bindings.sh installs everything from the registries (about a minute
 * with warm caches), so it runs under CI only.
 */
import { spawnSync } from 'child_process';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');
const ci = process.env.CI === 'true';

const title = 'the Python and Go apps synthesize byte-identical to the TypeScript app (scripts/bindings.sh)';
(ci ? test : test.skip)(
  ci ? title : `${title}: CI only; run scripts/bindings.sh or CI=true npx jest test/bindings`,
  () => {
    const r = spawnSync('bash', [join(ROOT, 'scripts', 'bindings.sh')], { cwd: ROOT, encoding: 'utf8' });
    const output = `${r.stdout}\n${r.stderr}`;
    expect({ status: r.status, output }).toEqual({ status: 0, output: expect.stringContaining('go: identical to the TypeScript app') });
    expect(output).toContain('python: identical to the TypeScript app');
  },
  900_000,
);
