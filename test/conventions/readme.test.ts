import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { DEFAULT_IMAGES, ThanosStack } from '../../src';
import { RESOURCE_PRESETS } from '../../src/private/presets';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The README table between `<!-- name:start -->` and `<!-- name:end -->`, as rows of cells. */
function table(name: string): string[][] {
  const m = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(README);
  if (!m) throw new Error(`README has no ${name} table`);
  return m[1]
    .trim()
    .split('\n')
    .slice(2)
    .map((row) =>
      row
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
}

test('the README presets table is the code', () => {
  const fromCode = Object.entries(RESOURCE_PRESETS).map(([w, p]) => [w, ...(['small', 'medium', 'large'] as const).map((s) => `${p[s][0]}m / ${p[s][1]}Mi`)]);
  expect(table('presets')).toEqual(fromCode);
});

test('the README images table is the code', () => {
  expect(table('images')).toEqual(Object.entries(DEFAULT_IMAGES).map(([k, v]) => [k, `\`${v}\``]));
});

test("the README lists the default stack's generated scrape job names, in order", () => {
  const chart = new Chart(Testing.app(), 'monitoring', { namespace: 'monitoring' });
  new ThanosStack(chart, 'Thanos');
  const config = (Testing.synth(chart) as Array<{ kind: string; metadata: { name: string }; data?: Record<string, string> }>).find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config',
  )!;
  const jobs = parse(config.data!['prometheus.yml']).scrape_configs.map((j: { job_name: string }) => `\`${j.job_name}\``);
  expect(table('jobs').map((row) => row[0])).toEqual(jobs);
});

// Every TypeScript block of README.md and docs/*.md is compiled and synthesized as a complete program in a
// fresh consumer of the packed tarball: test/conventions/package.test.ts.
test('every README TypeScript block is a complete program: it imports the package and synthesizes', () => {
  const blocks = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks.length).toBeGreaterThan(0);
  for (const b of blocks) {
    expect(b).toMatch(/^import .* from 'cdk8s-thanos';$/m);
    expect(b).toContain('synthesizeOrExit(');
  }
});

test('the suite counts the README gives are those of the two tiers', () => {
  const root = join(__dirname, '..', '..');
  const suites = (readdirSync(join(root, 'test'), { recursive: true }) as string[]).filter((f) => f.endsWith('.test.ts')).map((f) => `test/${f}`);
  suites.push('main.test.ts');
  const integration = (require('../../jest.config.js').projects as Array<{ displayName: string; testPathIgnorePatterns?: string[] }>)
    .find((p) => p.displayName === 'unit')!
    .testPathIgnorePatterns!.map((p) => p.replace('<rootDir>/', ''));
  const unit = suites.filter((f) => !integration.some((p) => f.startsWith(p)));
  expect(/runs (\d+) Jest suites/.exec(README)?.[1]).toBe(String(suites.length));
  expect(/runs the (\d+) suites of the unit tier/.exec(README)?.[1]).toBe(String(unit.length));
});
