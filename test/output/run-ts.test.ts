/** scripts/run-ts.js caches its esbuild bundle, keyed by a hash of every source it was built from. */
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const RUN_TS = join(__dirname, '..', '..', 'scripts', 'run-ts.js');
const dir = mkdtempSync(join(tmpdir(), 'run-ts-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Reports on stderr whether the run loaded esbuild.
writeFileSync(
  join(dir, 'spy.js'),
  `const M = require('module'); const load = M._load;
M._load = function (request, ...rest) { if (request === 'esbuild') process.stderr.write('esbuild loaded\\n'); return load.call(this, request, ...rest); };`,
);
writeFileSync(join(dir, 'main.ts'), "import { value } from './value';\nconst n: number = value;\nconsole.log(n, require.main === module);\n");

function run() {
  return spawnSync(process.execPath, ['-r', join(dir, 'spy.js'), RUN_TS, 'main.ts'], { cwd: dir, encoding: 'utf8' });
}

test('an unchanged tree runs from the cache without loading esbuild; a changed source rebuilds', () => {
  writeFileSync(join(dir, 'value.ts'), 'export const value = 1;\n');
  const first = run();
  expect(first.stdout).toBe('1 true\n');
  expect(first.stderr).toBe('esbuild loaded\n');

  const second = run();
  expect(second.stdout).toBe('1 true\n');
  expect(second.stderr).toBe('');

  writeFileSync(join(dir, 'value.ts'), 'export const value = 2;\n');
  const changed = run();
  expect(changed.stdout).toBe('2 true\n');
  expect(changed.stderr).toBe('esbuild loaded\n');
});
