/**
 * The library compiles with jsii, the compiler that makes cdk8s constructs usable from Python, Go,
 * Java and C#: no errors and no warnings (a warning is a name or type another language cannot use).
 * It compiles a copy of the sources, so the lib/ other tests build is left alone.
 */
import { spawnSync } from 'child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'jsii-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let run: { status: number | null; output: string };
beforeAll(() => {
  for (const f of ['src', 'imports', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE']) {
    cpSync(join(ROOT, f), join(work, f), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'jsii', 'bin', 'jsii')], {
    cwd: work,
    encoding: 'utf8',
  });
  run = { status: r.status, output: `${r.stdout}\n${r.stderr}` };
});

test('jsii compiles the library with 0 errors and 0 warnings', () => {
  const diagnostics = run.output.split('\n').filter((l) => /\b(error|warning) JSII\d+/.test(l));
  expect(diagnostics).toEqual([]);
  expect(run.output).toMatch(/Errors: 0 \| Warnings: 0\b/);
  expect(run.status).toBe(0);
});

test('the assembly holds the public API, with a static home for each free function', () => {
  const assembly = JSON.parse(readFileSync(join(work, '.jsii'), 'utf8'));
  const methods = (fqn: string) => (assembly.types[`cdk8s-thanos.${fqn}`]?.methods ?? []).map((m: { name: string }) => m.name);
  expect(Object.keys(assembly.types)).toEqual(expect.arrayContaining(['cdk8s-thanos.ThanosStack', 'cdk8s-thanos.Prometheus', 'cdk8s-thanos.Synth']));
  expect(methods('Synth')).toEqual(expect.arrayContaining(['synthesize', 'trySynthesize']));
  // The hidden base class is folded in: every component keeps its name and NetworkPolicy rules.
  const props = (assembly.types['cdk8s-thanos.ThanosQuery'].properties ?? []).map((p: { name: string }) => p.name);
  expect(props).toEqual(expect.arrayContaining(['name', 'connections']));
});

test('every type, property, method and enum member of the assembly has a summary, which API.md shows beside its name', () => {
  // A TSDoc block with only `@default` gives jsii no summary; jsii-docgen then lists the member as "No description".
  const assembly = JSON.parse(readFileSync(join(work, '.jsii'), 'utf8'));
  const undocumented: string[] = [];
  for (const [fqn, type] of Object.entries<any>(assembly.types)) {
    if (!type.docs?.summary) undocumented.push(fqn);
    for (const m of [...(type.properties ?? []), ...(type.methods ?? []), ...(type.members ?? [])]) {
      if (!m.docs?.summary) undocumented.push(`${fqn}.${m.name}`);
    }
  }
  expect(undocumented).toEqual([]);
});
