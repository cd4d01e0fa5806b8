import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { buildApp, MonitoringChart } from './main';
import { prerequisiteSecrets } from './src';
import { KUBERNETES_VERSIONS, expectValid } from './test/harness';

function synthDefault() {
  const app = Testing.app();
  const chart = new MonitoringChart(app, 'monitoring');
  return { app, chart, objects: Testing.synth(chart) as any[] };
}

describe('the default app (dist/)', () => {
  const { app, objects } = synthDefault();

  test('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('passes the whole validation harness, strict schemas of Kubernetes 1.27, 1.30, 1.33 and 1.36 included', () => {
    expectValid(objects, { externalSecrets: prerequisiteSecrets(app), kubernetesVersions: KUBERNETES_VERSIONS });
  });

  test('the Namespace comes first, so `kubectl apply -f dist/` works in one pass', () => {
    expect(objects[0]).toMatchObject({
      kind: 'Namespace',
      metadata: { name: 'monitoring', labels: { 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' } },
    });
    expect(objects[0].metadata.namespace).toBeUndefined();
  });

  test('every component of the mission is present under its stable name', () => {
    const names = (kind: string) =>
      objects
        .filter((o) => o.kind === kind)
        .map((o) => o.metadata.name)
        .sort();
    expect(names('StatefulSet')).toEqual(['alertmanager', 'minio', 'prometheus', 'thanos-compact', 'thanos-rule', 'thanos-store']);
    expect(names('Deployment')).toEqual(['grafana', 'thanos-bucketweb', 'thanos-query', 'thanos-query-frontend']);
    const prometheus = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'prometheus');
    expect(prometheus.spec.replicas).toBe(2);
    expect(prometheus.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['prometheus', 'thanos-sidecar']);
  });

  test('the prerequisites are exactly the two Secrets the README documents', () => {
    expect(prerequisiteSecrets(app)).toEqual([
      { name: 'grafana-admin', keys: ['admin-password', 'admin-user'], purpose: expect.any(String) },
      { name: 'thanos-objstore', keys: ['access_key', 'secret_key'], purpose: expect.any(String) },
    ]);
    const readme = readFileSync(join(__dirname, 'README.md'), 'utf8');
    for (const s of prerequisiteSecrets(app)) {
      expect(readme).toContain(`create secret generic ${s.name}`);
      for (const k of s.keys) expect(readme).toContain(`${k}=`);
    }
  });

  test('two syntheses are byte-identical', () => {
    const once = JSON.stringify(synthDefault().objects);
    const twice = JSON.stringify(synthDefault().objects);
    expect(twice).toBe(once);
  });

  test('the committed dist/ is what the app synthesizes', () => {
    const dir = join(__dirname, 'dist');
    expect(readdirSync(dir)).toEqual(['monitoring.k8s.yaml']);
    const committed = parseAllDocuments(readFileSync(join(dir, 'monitoring.k8s.yaml'), 'utf8')).map((d) => d.toJSON());
    expect(committed).toEqual(objects);
  });

  test('buildApp writes nothing until synth is called', () => {
    const outdir = join(require('os').tmpdir(), `never-written-${process.pid}`);
    buildApp(outdir);
    expect(require('fs').existsSync(outdir)).toBe(false);
  });
});
