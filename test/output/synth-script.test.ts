/**
 * `npm run synth` (scripts/synth.js) in a child process, on a scratch cdk8s project: the app runs into
 * a staging folder that replaces dist/ only on success.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');
const project = mkdtempSync(join(tmpdir(), 'synth-script-test-'));
const dist = join(project, 'dist');
afterAll(() => rmSync(project, { recursive: true, force: true }));

writeFileSync(join(project, 'cdk8s.yaml'), `app: node ${join(ROOT, 'scripts', 'run-ts.js')} main.ts\noutput: dist\n`);

/** Writes main.ts with `body` after the imports and runs the synth script in the project. */
function synth(body: string) {
  writeFileSync(
    join(project, 'main.ts'),
    `
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { ThanosStack, synthesizeOrExit } from ${JSON.stringify(join(ROOT, 'src'))};
void App; void Chart; void k8s; void ThanosStack; void synthesizeOrExit;
${body}
`,
  );
  return spawnSync(process.execPath, [join(ROOT, 'scripts', 'synth.js')], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
  });
}

const chartApp = (chart: string) => `synthesizeOrExit((outdir) => {
  const app = new App({ outdir });
  new k8s.KubeConfigMap(new Chart(app, '${chart}', { namespace: 'monitoring' }), 'Config', { metadata: { name: 'c' }, data: { chart: '${chart}' } });
  return app;
});`;

/** Every file under dist/ with its bytes. */
function contents(): { [file: string]: string } {
  return Object.fromEntries(
    readdirSync(dist, { recursive: true })
      .map(String)
      .sort()
      .map((f) => [f, readFileSync(join(dist, f), 'latin1')]),
  );
}

/** What is left in the project folder besides the app and dist/ (staging folders must not be). */
const leftovers = () => readdirSync(project).filter((f) => !['cdk8s.yaml', 'main.ts', 'dist'].includes(f));

let good: { [file: string]: string };

test('a successful synth writes dist/', () => {
  const r = synth(chartApp('alpha'));
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  good = contents();
  expect(Object.keys(good)).toEqual(['alpha.k8s.yaml']);
  expect(good['alpha.k8s.yaml']).toContain('chart: alpha');
  expect(leftovers()).toEqual([]);
});

test('a broken app exits 1 and leaves the previous dist/ byte-identical', () => {
  const r = synth(`synthesizeOrExit((outdir) => {
  const app = new App({ outdir });
  new ThanosStack(new Chart(app, 'alpha', { namespace: 'monitoring' }), 'Thanos', { compactor: { replicas: 2 } });
  return app;
});`);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/Compactor\] replicas 2/);
  expect(r.stderr).toMatch(/dist\/ was left as it was/);
  expect(contents()).toEqual(good);
  expect(leftovers()).toEqual([]);
});

test('an app that throws leaves dist/ byte-identical', () => {
  const r = synth(`throw new Error('boom');`);
  expect(r.status).toBe(1);
  expect(contents()).toEqual(good);
  expect(leftovers()).toEqual([]);
});

test('an app that ignores the outdir it is given is an error, and dist/ is left as it was', () => {
  const elsewhere = synth(`new App({ outdir: 'elsewhere' }).synth();`);
  expect(elsewhere.status).toBe(1);
  expect(elsewhere.stderr).toMatch(/wrote nothing into the folder in CDK8S_OUTDIR/);
  expect(contents()).toEqual(good);
  rmSync(join(project, 'elsewhere'), { recursive: true, force: true });

  const ignored = synth(`synthesizeOrExit(() => new App({ outdir: 'elsewhere' }));`);
  expect(ignored.status).toBe(1);
  expect(ignored.stderr).toMatch(/created its App with outdir elsewhere, not the one it was given/);
  expect(contents()).toEqual(good);
  expect(leftovers()).toEqual([]);
});

test('an app that writes into dist/ itself is an error', () => {
  const r = synth(`const app = new App({ outdir: 'dist' });
new k8s.KubeConfigMap(new Chart(app, 'direct'), 'Config', { data: { a: 'b' } });
app.synth();`);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/wrote into dist\/ itself instead of the folder in CDK8S_OUTDIR/);
  expect(leftovers()).toEqual([]);
});

test('a renamed chart leaves no stale file: dist/ is exactly this synthesis', () => {
  synth(chartApp('alpha'));
  const r = synth(chartApp('beta'));
  expect(r.status).toBe(0);
  expect(Object.keys(contents())).toEqual(['beta.k8s.yaml']);
  expect(leftovers()).toEqual([]);
});
