import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { SizePreset, ThanosStack } from '../../src';
import { OUTSIDE_GO_SHARE, WORKING_SHARE } from '../../src/private/memory';
import { Manifest, flag } from '../support/util';

/** MiB of a Kubernetes quantity or a Thanos size (`512Mi`, `256MiB`). */
function mib(q: string): number {
  const m = /^(\d+)(Mi|MiB|Gi|GiB|KiB)$/.exec(q);
  if (!m) throw new Error(`unexpected size ${q}`);
  return Number(m[1]) * ({ Mi: 1, MiB: 1, Gi: 1024, GiB: 1024, KiB: 1 / 1024 } as Record<string, number>)[m[2]];
}

/** What a container holds in memory by configuration, read back from its rendered args and config files. */
function cachesMiB(container: any, objects: Manifest[]): number {
  const args: string[] = container.args ?? [];
  let total = 0;
  const inline = flag(args, '--index-cache.config');
  if (typeof inline === 'string' && parse(inline).type === 'IN-MEMORY') total += mib(parse(inline).config.max_size);
  const pool = flag(args, '--chunk-pool-size');
  if (typeof pool === 'string') total += mib(pool);
  for (const f of ['--query-range.response-cache-config-file', '--labels.response-cache-config-file']) {
    const path = flag(args, f);
    if (typeof path !== 'string') continue;
    const file = path.split('/').pop()!;
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.data?.[file]);
    const cfg = parse(cm!.data[file]);
    if (cfg.type === 'IN-MEMORY') total += mib(cfg.config.max_size);
  }
  return total;
}

describe.each([SizePreset.SMALL, SizePreset.MEDIUM, SizePreset.LARGE])('memory fits at size %s', (size) => {
  const chart = new Chart(Testing.app(), 'monitoring', { namespace: 'monitoring' });
  new ThanosStack(chart, 'Thanos', { size });
  const objects = Testing.synth(chart) as Manifest[];
  const containers = objects.flatMap((o) => (o.spec?.template?.spec?.containers ?? []).map((c: any) => ({ owner: `${o.kind}/${o.metadata.name}`, c })));

  test('every component is covered', () => {
    expect(new Set(containers.map((x) => x.owner)).size).toBeGreaterThanOrEqual(10);
  });

  test.each(containers.map((x) => [`${x.owner} ${x.c.name}`, x.c]))(
    '%s: caches + runtime headroom fit, GOMEMLIMIT set from the limit, request = limit',
    (_, c: any) => {
      const limit = mib(c.resources.limits.memory);
      expect(mib(c.resources.requests.memory)).toBe(limit);
      const gomemlimit = c.env.find((e: any) => e.name === 'GOMEMLIMIT');
      expect(gomemlimit).toEqual({ name: 'GOMEMLIMIT', value: `${Math.floor(limit * (1 - OUTSIDE_GO_SHARE))}MiB` });
      expect(cachesMiB(c, objects) + Math.floor(limit * WORKING_SHARE)).toBeLessThanOrEqual(mib(gomemlimit.value));
      // Nothing else sizes the heap from the cgroup behind GOMEMLIMIT's back.
      expect(c.args ?? []).not.toContain('--enable-auto-gomemlimit');
      if (c.image.includes('prometheus/prometheus')) expect(c.args).toContain('--no-auto-gomemlimit');
    },
  );

  test('the store and the frontend do hold caches (the check above is not vacuous)', () => {
    const store = containers.find((x) => x.c.name === 'thanos-store')!.c;
    const frontend = containers.find((x) => x.c.name === 'thanos-query-frontend')!.c;
    expect(cachesMiB(store, objects)).toBeGreaterThan(0);
    expect(cachesMiB(frontend, objects)).toBeGreaterThan(0);
  });
});
