import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Chart } from 'cdk8s';
import { Prometheus, Synth, formatSynthError, synthesize } from '../../src';
import { buildApp } from '../../main';

const ROOT = join(__dirname, '..', '..');

function runApp(script: string) {
  const outdir = join(mkdtempSync(join(tmpdir(), 'synth-test-')), 'dist');
  const r = spawnSync(process.execPath, ['scripts/run-ts.js', script], {
    cwd: ROOT,
    env: { ...process.env, CDK8S_OUTDIR: outdir },
    encoding: 'utf8',
  });
  return { ...r, outdir };
}

describe('synthesis of bad input', () => {
  const r = runApp('test/apps/bad-app.ts');
  afterAll(() => rmSync(join(r.outdir, '..'), { recursive: true, force: true }));

  test('exits 1 and writes nothing', () => {
    expect(r.status).toBe(1);
    expect(existsSync(r.outdir) ? readdirSync(r.outdir) : []).toEqual([]);
  });

  test('reports every problem with its construct path, and no stack trace', () => {
    expect(r.stderr).toMatch(/^cdk8s-thanos: 4 problems in the stack, nothing was written:/);
    expect(r.stderr).toContain('[bad/Eu1] scrapeInterval Duration 0s is not valid: use a positive duration');
    expect(r.stderr).toContain('[bad/Us1] name "Prometheus_US1" is not a valid name');
    expect(r.stderr).toMatch(/\[bad\/Eu1\] external labels .* are the same as those of bad\/Us1/);
    expect(r.stderr).toMatch(/\[bad\/Us1\] external labels .* are the same as those of bad\/Eu1/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('the final pass: what the API server refuses', () => {
  const r = runApp('test/apps/refused-by-api-server-app.ts');
  afterAll(() => rmSync(join(r.outdir, '..'), { recursive: true, force: true }));

  test('exits 1, writes nothing and names the construct, the field and the value', () => {
    expect(r.status).toBe(1);
    expect(existsSync(r.outdir) ? readdirSync(r.outdir) : []).toEqual([]);
    expect(r.stderr).toMatch(/^cdk8s-thanos: 3 problems in the stack, nothing was written:/m);
    expect(r.stderr).toContain('[refused/Extra] Service monitoring/extra: metadata.labels key "team name" is not a valid qualified name');
    expect(r.stderr).toContain('[refused/Extra] Service monitoring/extra: spec.ports name "metrics-endpoint-http" is not a valid IANA service name');
    expect(r.stderr).toContain('[refused/Extra] Service monitoring/extra: spec.ports port 70000 is not in 1-65535');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('synthesis of the default app', () => {
  const r = runApp('main.ts');
  afterAll(() => rmSync(join(r.outdir, '..'), { recursive: true, force: true }));

  test('exits 0 and writes one file per chart', () => {
    // The default app has no receiver that notifies anyone: one warning, and synth succeeds.
    expect(r.stderr).toBe(
      '[WARNING] monitoring/Thanos: no Alertmanager receiver notifies anyone (every receiver is Receiver.none): give alertmanager.receivers a Slack, PagerDuty, email or webhook receiver (README "Alerts that reach someone")\n',
    );
    expect(r.status).toBe(0);
    expect(readdirSync(r.outdir)).toEqual(['monitoring.k8s.yaml']);
  });
});

test('errors other than validation are reported in one line', () => {
  expect(formatSynthError(new Error('boom'))).toBe('cdk8s-thanos: synthesis failed: boom\n');
});

describe('Synth, the class other languages call', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synth-class-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("Synth.synthesize(app) writes what synthesize(build) writes, into the app's outdir", () => {
    synthesize(buildApp, join(dir, 'fn'));
    const app = buildApp(join(dir, 'class'));
    Synth.synthesize(app);
    expect(app.outdir).toBe(join(dir, 'class'));
    expect(readdirSync(join(dir, 'class'))).toEqual(['monitoring.k8s.yaml']);
    expect(readFileSync(join(dir, 'class', 'monitoring.k8s.yaml'), 'utf8')).toBe(readFileSync(join(dir, 'fn', 'monitoring.k8s.yaml'), 'utf8'));
  });

  test('on bad input Synth.synthesize throws and Synth.trySynthesize returns the report; nothing is written', () => {
    const outdir = join(dir, 'bad');
    const app = new App({ outdir });
    new Prometheus(new Chart(app, 'bad'), 'Eu1', { externalLabels: { cluster: 'eu1' }, externalUrl: 'prometheus.example.com' });
    expect(() => Synth.synthesize(app)).toThrow(/externalUrl "prometheus.example.com"/);
    expect(Synth.trySynthesize(app)).toMatch(
      /^cdk8s-thanos: 1 problem in the stack, nothing was written:\n {2}- \[bad\/Eu1\] externalUrl "prometheus.example.com"/,
    );
    expect(existsSync(outdir)).toBe(false);
    expect(app.outdir).toBe(outdir);
  });

  test('Synth.trySynthesize returns nothing when it wrote the output', () => {
    expect(Synth.trySynthesize(buildApp(join(dir, 'ok')))).toBeUndefined();
    expect(readdirSync(join(dir, 'ok'))).toEqual(['monitoring.k8s.yaml']);
  });
});
