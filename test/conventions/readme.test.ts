import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import * as ts from 'typescript';
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { DEFAULT_IMAGES, ThanosStack } from '../../src';
import { RESOURCE_PRESETS } from '../../src/private/presets';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The README table between `<!-- name:start -->` and `<!-- name:end -->`, as rows of cells. */
function table(name: string): string[][] {
  const m = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(README);
  if (!m) throw new Error(`README has no ${name} table`);
  return m[1].trim().split('\n').slice(2).map((row) => row.split('|').slice(1, -1).map((c) => c.trim()));
}

test('the README presets table is the code', () => {
  const fromCode = Object.entries(RESOURCE_PRESETS).map(([w, p]) => [w, ...(['small', 'medium', 'large'] as const).map((s) => `${p[s][0]}m / ${p[s][1]}Mi`)]);
  expect(table('presets')).toEqual(fromCode);
});

test('the README images table is the code', () => {
  expect(table('images')).toEqual(Object.entries(DEFAULT_IMAGES).map(([k, v]) => [k, `\`${v}\``]));
});

test('the README lists the default stack\'s generated scrape job names, in order', () => {
  const chart = new Chart(Testing.app(), 'monitoring', { namespace: 'monitoring' });
  new ThanosStack(chart, 'Thanos');
  const config = (Testing.synth(chart) as Array<{ kind: string; metadata: { name: string }; data?: Record<string, string> }>)
    .find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config')!;
  const jobs = parse(config.data!['prometheus.yml']).scrape_configs.map((j: { job_name: string }) => `\`${j.job_name}\``);
  expect(table('jobs').map((row) => row[0])).toEqual(jobs);
});

test('the README TypeScript examples compile against the public API', () => {
  // Each block that imports the package, type-checked with `cdk8s-thanos` mapped to src/index.ts.
  const blocks = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.includes("from 'cdk8s-thanos'"));
  expect(blocks.length).toBeGreaterThan(0);
  const dir = mkdtempSync(join(__dirname, '..', '.readme-'));
  try {
    const files = blocks.map((b, i) => {
      const file = join(dir, `example-${i}.ts`);
      writeFileSync(file, `${b}\nexport {};\n`);
      return file;
    });
    const program = ts.createProgram(files, {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, esModuleInterop: true,
      skipLibCheck: true, types: [], baseUrl: join(__dirname, '..', '..'), paths: { 'cdk8s-thanos': ['src/index.ts'] },
    });
    const errors = ts.getPreEmitDiagnostics(program).filter((d) => files.includes(d.file?.fileName ?? ''))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
