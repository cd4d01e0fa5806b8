import { Dashboard, InClusterObjectStore, SizePreset, ThanosStack, ThanosStackProps } from '../../src';
import { promqlSyntaxError } from '../../src/private/promql';
import { Manifest, synth } from '../support/util';

const stackObjects = (props: ThanosStackProps = {}) =>
  synth((c) => {
    new ThanosStack(c, 'Thanos', props);
  });
const dashboards = (objects: Manifest[]) =>
  Object.fromEntries(
    objects
      .filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('grafana-dashboard-'))
      .map((o) => {
        const [json] = Object.values(o.data as { [f: string]: string });
        return [o.metadata.name.replace('grafana-dashboard-', ''), JSON.parse(json)];
      }),
  );
const queriesOf = (d: any): string[] => (d.panels as any[]).flatMap((p) => (p.targets ?? []).map((t: any) => t.expr));

describe('component dashboards', () => {
  const objects = stackObjects();
  const all = dashboards(objects);

  test('one ConfigMap per component dashboard, next to the overview', () => {
    expect(Object.keys(all).sort()).toEqual([
      'thanos-bucket',
      'thanos-compact',
      'thanos-overview',
      'thanos-query',
      'thanos-rule',
      'thanos-sidecar',
      'thanos-store',
    ]);
  });

  test("they read the stack's datasource by uid and select the stack's scrape jobs", () => {
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config')!;
    const jobs = new Set([...String(Object.values(config.data)[0]).matchAll(/job_name: (\S+)/g)].map((m) => m[1]));
    for (const [slug, d] of Object.entries(all)) {
      if (slug === 'thanos-overview') continue;
      for (const p of d.panels.filter((x: any) => x.type !== 'row')) expect({ slug, uid: p.datasource.uid }).toEqual({ slug, uid: 'thanos' });
      const selected = queriesOf(d).flatMap((q) => [...q.matchAll(/job=~?"([^"]+)"/g)].flatMap((m) => m[1].split('|')));
      expect(selected.length).toBeGreaterThan(0);
      for (const job of selected) expect({ slug, job, scraped: jobs.has(job) }).toEqual({ slug, job, scraped: true });
    }
    expect(queriesOf(all['thanos-compact'])[0]).toBe('max(thanos_compact_halted{job="thanos-compact"}) or vector(0)');
  });

  test('every panel query parses', () => {
    const queries = Object.values(all).flatMap(queriesOf);
    expect(queries.length).toBeGreaterThan(40);
    for (const q of queries) expect({ q, error: promqlSyntaxError(q, true) }).toEqual({ q, error: undefined });
  });

  test('a component that is off has no dashboard; dashboards of your own replace them', () => {
    const off = Object.keys(dashboards(stackObjects({ compactor: { enabled: false }, ruler: { enabled: false } })));
    expect(off).not.toContain('thanos-compact');
    expect(off).not.toContain('thanos-rule');
    expect(Object.keys(dashboards(stackObjects({ grafana: { dashboards: [Dashboard.thanosOverview()] } })))).toEqual(['thanos-overview']);
  });
});

describe('dashboards of Receive, caches and SeaweedFS', () => {
  const objects = stackObjects({ receive: {}, caches: SizePreset.SMALL, inClusterObjectStore: InClusterObjectStore.SEAWEEDFS });
  const all = dashboards(objects);

  test('are there only when the component is', () => {
    expect(Object.keys(all)).toEqual(expect.arrayContaining(['thanos-receive', 'thanos-caches']));
    expect(Object.keys(dashboards(stackObjects()))).not.toEqual(expect.arrayContaining(['thanos-receive']));
    expect(Object.keys(dashboards(stackObjects()))).not.toEqual(expect.arrayContaining(['thanos-caches']));
    const rows = (slug: string) => all[slug].panels.filter((p: any) => p.type === 'row').map((p: any) => p.title);
    expect(rows('thanos-bucket')).toContain('SeaweedFS');
    expect(rows('thanos-sidecar')).toEqual(['Remote write', 'Prometheus']);
    expect(rows('thanos-caches')).toEqual(['Memcached', 'Store gateway clients', 'Query frontend client']);
  });

  test('select scrape jobs the stack has, and parse', () => {
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config')!;
    const jobs = new Set([...String(Object.values(config.data)[0]).matchAll(/job_name: (\S+)/g)].map((m) => m[1]));
    for (const slug of ['thanos-receive', 'thanos-caches', 'thanos-bucket', 'thanos-sidecar']) {
      const queries = queriesOf(all[slug]);
      for (const q of queries) expect({ q, error: promqlSyntaxError(q, true) }).toEqual({ q, error: undefined });
      for (const job of queries.flatMap((q) => [...q.matchAll(/job=~?"([^"]+)"/g)].flatMap((m) => m[1].split('|')))) {
        expect({ slug, job, scraped: jobs.has(job) }).toEqual({ slug, job, scraped: true });
      }
    }
    expect(queriesOf(all['thanos-receive'])[0]).toBe(
      'sum by (code) (rate(http_requests_total{job="thanos-receive-router", handler="receive"}[$__rate_interval]))',
    );
  });
});
