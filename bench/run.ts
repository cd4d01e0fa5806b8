/**
 * `npm run bench`: synthesis speed and memory on this machine. A benchmark, not a test: it prints a
 * table and writes bench/results.json, and never fails on timings.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Yaml } from 'cdk8s';
import { buildFleet } from './fleet';

const ROOT = join(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const env = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall milliseconds of one run of a command. */
function timeCommand(cmd: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env: { ...env, ...extraEnv }, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs A and B alternately (after one warm-up each) so drift hits both; medians and the median of ratios. */
function pair(a: () => number, b: () => number) {
  a();
  b();
  const as: number[] = [],
    bs: number[] = [],
    ratios: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const ta = a(),
      tb = b();
    as.push(ta);
    bs.push(tb);
    ratios.push(ta / tb);
  }
  return { aMs: median(as), bMs: median(bs), ratio: median(ratios) };
}

const scratch = mkdtempSync(join(tmpdir(), 'cdk8s-thanos-bench-'));
const node = process.execPath;

// (a) the app process alone (the `app:` command of cdk8s.yaml) vs node loading cdk8s + cdk8s-plus-27: a repeated
// synthesis into the project (as `npm run synth` does), so the YAML of unchanged objects comes from the kept results
// (src/private/kept.ts). (a0) the same into a folder outside the project, where they are not used: a first
// synthesis, or one after every object changed.
const [appCmd, ...appArgs] = /^app:\s*(.+)$/m
  .exec(readFileSync(join(ROOT, 'cdk8s.yaml'), 'utf8'))![1]
  .trim()
  .split(/\s+/);
const floor = () => timeCommand(node, ['-e', "require('cdk8s'); require('cdk8s-plus-27')"], ROOT);
const app = (outdir: string) => () => timeCommand(appCmd === 'node' ? node : appCmd, appArgs, ROOT, { CDK8S_OUTDIR: outdir });
const appVsFloor = pair(app(join(ROOT, 'node_modules', '.cache', 'bench', 'a')), floor);
const uncachedVsFloor = pair(app(join(scratch, 'a0')), floor);

// (b) `cdk8s synth` of the default stack into the project, as (a), vs of a one-Deployment app.
const cli = join(ROOT, 'node_modules', '.bin', 'cdk8s');
const synthVsTrivial = pair(
  () => timeCommand(cli, ['synth', '-o', join(ROOT, 'node_modules', '.cache', 'bench', 'b')], ROOT),
  () => timeCommand(cli, ['synth', '-o', join(scratch, 'trivial')], join(ROOT, 'bench', 'trivial')),
);

// (c) in-process fleets: build, validate and render to YAML, as `app.synth()` does minus the disk.
// (d) the same with caches, Receive and a sharded, replicated store gateway.
function measureFleet(clusters: number, scaled: boolean) {
  const times: number[] = [];
  let objects = 0,
    bytes = 0;
  for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) {
    const start = process.hrtime.bigint();
    const app = buildFleet(clusters, undefined, scaled);
    for (const c of app.node.findAll()) {
      const problems = c.node.validate();
      if (problems.length) throw new Error(`fleet of ${clusters}: ${problems.join('; ')}`);
    }
    const docs = app.charts.flatMap((c) => c.toJson());
    const yaml = Yaml.stringify(...docs);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    objects = docs.length;
    bytes = Buffer.byteLength(yaml);
  }
  return { clusters, objects, bytes, ms: median(times), peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) };
}
const SIZES = [1, 10, 50, 100];
const fleets = SIZES.map((clusters) => measureFleet(clusters, false));
const scaledFleets = SIZES.map((clusters) => measureFleet(clusters, true));
const perCluster = (fleets[3].ms - fleets[0].ms) / 99;
const scaledPerCluster = (scaledFleets[3].ms - scaledFleets[0].ms) / 99;
rmSync(scratch, { recursive: true, force: true });
rmSync(join(ROOT, 'node_modules', '.cache', 'bench'), { recursive: true, force: true });

// (d) `npm test` (type-check, lint, the unit tier), from cold caches (a fresh clone: no tsc build info, no
// ESLint or Prettier cache) and then warm (a developer's next run), with the floor measured right after: other
// jobs on the machine slow both, so the ratio to the floor is the figure that carries over. BENCH_TESTS=0 skips it.
const npmTest =
  process.env.BENCH_TESTS === '0'
    ? undefined
    : (() => {
        for (const cache of ['tsc', 'eslint', 'prettier']) rmSync(join(ROOT, 'node_modules', '.cache', cache), { recursive: true, force: true });
        const coldMs = timeCommand('npm', ['test', '--silent'], ROOT, { CI: '' });
        const ms = timeCommand('npm', ['test', '--silent'], ROOT, { CI: '' });
        const floorMs = median([floor(), floor(), floor()]);
        return { coldMs, ms, floorMs, floors: ms / floorMs, target: '<= 30 s' };
      })();

const results = {
  machine: `${require('os').cpus().length} cores, node ${process.version}`,
  runs: RUNS,
  appVsFloor: { ...appVsFloor, target: '<= 2.0' },
  uncachedVsFloor,
  synthVsTrivial: { ...synthVsTrivial, target: '<= 1.3' },
  fleets,
  msPerAddedCluster: Number(perCluster.toFixed(2)),
  scaledFleets,
  scaledMsPerAddedCluster: Number(scaledPerCluster.toFixed(2)),
  npmTest,
};
writeFileSync(join(__dirname, 'results.json'), JSON.stringify(results, null, 2) + '\n');

const f = (x: number) => x.toFixed(0);
console.log(`| measure | ours | baseline | ratio | target |
| --- | --- | --- | --- | --- |
| (a) app process, default stack vs node loading cdk8s + cdk8s-plus-27 | ${f(appVsFloor.aMs)} ms | ${f(appVsFloor.bMs)} ms | ${appVsFloor.ratio.toFixed(2)} | <= 2.0 |
| (a0) the same without the kept results (a first synthesis) | ${f(uncachedVsFloor.aMs)} ms | ${f(uncachedVsFloor.bMs)} ms | ${uncachedVsFloor.ratio.toFixed(2)} | |
| (b) \`cdk8s synth\` default stack vs one-Deployment app | ${f(synthVsTrivial.aMs)} ms | ${f(synthVsTrivial.bMs)} ms | ${synthVsTrivial.ratio.toFixed(2)} | <= 1.3 |
${npmTest ? `| (d) \`npm test\` (unit tier), warm caches vs the floor of (a) | ${(npmTest.ms / 1000).toFixed(1)} s (cold ${(npmTest.coldMs / 1000).toFixed(1)} s) | ${f(npmTest.floorMs)} ms | ${npmTest.floors.toFixed(0)} floors | <= 30 s |\n` : ''}
| clusters | objects | output bytes | ms (in-process) | peak RSS MiB |
| --- | --- | --- | --- | --- |
${fleets.map((r) => `| ${r.clusters} | ${r.objects} | ${r.bytes} | ${r.ms.toFixed(1)} | ${r.peakRssMiB} |`).join('\n')}

cost per added cluster: ${perCluster.toFixed(2)} ms

With memcached caches, Receive (every Prometheus remote-writing) and a 2 x 2 store gateway:

| clusters | objects | output bytes | ms (in-process) | peak RSS MiB |
| --- | --- | --- | --- | --- |
${scaledFleets.map((r) => `| ${r.clusters} | ${r.objects} | ${r.bytes} | ${r.ms.toFixed(1)} | ${r.peakRssMiB} |`).join('\n')}

cost per added cluster: ${scaledPerCluster.toFixed(2)} ms (median runs of ${RUNS}; written to bench/results.json)`);
