/**
 * Every dashboard the library generates, checked against Grafana's own dashboard schema: the `Dashboard`
 * type of `@grafana/schema` (Grafana's TypeScript, generated from its CUE dashboard kind). No published
 * Grafana package ships a runtime validator for the classic dashboard JSON (`@grafana/schema` and
 * `@grafana/grafana-foundation-sdk` carry types and builders only), so the check is the TypeScript
 * compiler's: each dashboard becomes an object literal typed `Dashboard`, where excess-property checks
 * reject unknown fields and wrong types at every level.
 */
import { join } from 'path';
import { Chart, Testing } from 'cdk8s';
import * as ts from 'typescript';
import { InClusterObjectStore, SizePreset, ThanosStack, ThanosStackProps } from '../../src';
import { REPO_ROOT } from '../harness/tools';

jest.setTimeout(120_000);

const SCHEMA = '@grafana/schema/dist/types/raw/dashboard/x/types.gen';
/**
 * JSON cannot hold a TypeScript enum: `Json<T>` is the schema with each string enum replaced by the union
 * of its values (`ThresholdsMode` → `'absolute' | 'percentage'`), every field and nesting kept.
 */
const PRELUDE = [
  `import type { Dashboard as Schema } from '${SCHEMA}';`,
  'type Json<T> = T extends string ? `${T}` : T extends number | boolean | null | undefined ? T : T extends Array<infer U> ? Array<Json<U>> : { [K in keyof T]: Json<T[K]> };',
  'type Dashboard = Json<Schema>;',
].join('\n');

/** The dashboards a stack provisions, as Grafana reads them: slug and JSON text of each ConfigMap. */
function stackDashboards(props: ThanosStackProps): Array<{ slug: string; json: string }> {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
  new ThanosStack(chart, 'Thanos', props);
  return Testing.synth(chart)
    .filter((o) => o.kind === 'ConfigMap' && String(o.metadata.name).startsWith('grafana-dashboard-'))
    .map((o) => ({ slug: String(o.metadata.name).replace('grafana-dashboard-', ''), json: String(Object.values(o.data)[0]) }));
}

/** TypeScript errors of `source`, compiled as a file of the repository (so node_modules resolve). */
function typeErrors(source: string): string[] {
  const file = join(REPO_ROOT, 'test', '__dashboard_schema_check__.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, source, lang) : read(name, lang, ...rest));
  const exists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || exists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const line = where ? source.split('\n')[where.line].trim().slice(0, 160) : '';
    return `${ts.flattenDiagnosticMessageText(d.messageText, '\n')}${line ? `\n  at: ${line}` : ''}`;
  });
}

describe("dashboards match Grafana's dashboard schema (@grafana/schema)", () => {
  // The default stack, and one with every optional component that has a dashboard or row.
  const all = [...stackDashboards({}), ...stackDashboards({ receive: {}, caches: SizePreset.SMALL, inClusterObjectStore: InClusterObjectStore.SEAWEEDFS })];
  const bySlug = new Map(all.map((d) => [`${d.slug}:${d.json}`, d]));
  const unique = [...bySlug.values()];

  test('covers every dashboard the library generates', () => {
    expect([...new Set(unique.map((d) => d.slug))].sort()).toEqual([
      'thanos-bucket',
      'thanos-caches',
      'thanos-compact',
      'thanos-overview',
      'thanos-query',
      'thanos-receive',
      'thanos-rule',
      'thanos-sidecar',
      'thanos-store',
    ]);
  });

  test('each one type-checks as a Grafana Dashboard', () => {
    const source = [PRELUDE, ...unique.map((d, i) => `export const d${i}: Dashboard = ${d.json.trim()};`)].join('\n');
    expect(typeErrors(source)).toEqual([]);
  });

  test("the check rejects what Grafana's schema rejects (an unknown field, a wrong type)", () => {
    const errors = typeErrors(
      [
        PRELUDE,
        'export const bad: Dashboard = { title: "x", panels: [{ type: "timeseries", gridPos: { h: 8, w: 12, x: 0, y: 0 }, titel: "typo" }] };',
        'export const worse: Dashboard = { title: "x", refresh: 30 };',
      ].join('\n'),
    );
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/titel/);
    expect(errors[1]).toMatch(/number.*string/);
  });
});
