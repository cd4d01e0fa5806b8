import { App, Chart, Size, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { Memcached, SizePreset, ThanosStack, prerequisiteSecrets } from '../../src';
import { validateManifestsDetailed } from '../harness';
import { containerOf, find, flag, Manifest, problems, synth } from '../support/util';

describe('Memcached', () => {
  let m!: Memcached;
  const objects = synth((c) => {
    m = new Memcached(c, 'Cache', { replicas: 2, cacheSize: Size.mebibytes(512) });
  });
  const sts = find(objects, 'StatefulSet', 'memcached');

  test('passes every harness check, Pod Security restricted included', () => {
    expect(validateManifestsDetailed(objects).problems).toEqual([]);
  });

  test("memcached runs as the image's memcache user with its memory and a request above it", () => {
    const c = containerOf(sts, 'memcached');
    expect(c.args).toEqual(['memcached', '-m512', '-I1024k', '-c1024']);
    expect(c.securityContext).toMatchObject({ runAsUser: 11211, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.resources.requests.memory).toBe('576Mi');
    expect(c.livenessProbe.tcpSocket.port).toBe('memcached');
    expect(sts.spec.template.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test('GOMEMLIMIT only for the Go exporter: memcached (C) is bounded by -m', () => {
    expect(containerOf(sts, 'memcached').env).toBeUndefined();
    expect(containerOf(sts, 'exporter').env.map((e: { name: string }) => e.name)).toEqual(['GOMEMLIMIT']);
  });

  test('the exporter runs beside it as nobody, and is the scrape endpoint', () => {
    const e = containerOf(sts, 'exporter');
    expect(flag(e.args, '--memcached.address')).toBe('localhost:11211');
    expect(e.securityContext.runAsUser).toBe(65534);
    expect(m.scrapeEndpoints).toEqual([expect.objectContaining({ serviceName: 'memcached', port: { name: 'metrics', port: 9150 } })]);
  });

  test('a headless Service with a port named memcached gives the SRV address, and replicas get a PDB', () => {
    const svc = find(objects, 'Service', 'memcached');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports.map((p: any) => p.name)).toEqual(['memcached', 'metrics']);
    expect(m.addresses).toEqual(['dnssrvnoa+_memcached._tcp.memcached.monitoring.svc']);
    expect(find(objects, 'PodDisruptionBudget', 'memcached').spec.maxUnavailable).toBe(1);
  });

  test('rejects an item limit above half the memory, with the fix', () => {
    expect(
      problems((c) => {
        new Memcached(c, 'Cache', { cacheSize: Size.mebibytes(64), maxItemSize: Size.mebibytes(40) });
      }),
    ).toEqual([
      expect.stringContaining('maxItemSize 40960KiB is more than half of cacheSize: memcached refuses to start; raise cacheSize or lower maxItemSize'),
    ]);
  });
});

describe('ThanosStack with caches', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  new ThanosStack(chart, 'Thanos', { caches: SizePreset.MEDIUM });
  const objects = Testing.synth(chart) as Manifest[];
  const storeArgs: string[] = containerOf(find(objects, 'StatefulSet', 'thanos-store'), 'thanos-store').args;

  test('passes every harness check', () => {
    expect(validateManifestsDetailed(objects, { externalSecrets: prerequisiteSecrets(app as App) }).problems).toEqual([]);
  });

  test('renders one memcached cluster per cache, sized by the preset', () => {
    const replicas = (n: string) => find(objects, 'StatefulSet', n).spec.replicas;
    expect([replicas('memcached-index'), replicas('memcached-bucket'), replicas('memcached-results')]).toEqual([2, 2, 2]);
    expect(containerOf(find(objects, 'StatefulSet', 'memcached-bucket'), 'memcached').args).toContain('-m4096');
  });

  test('the store uses them for its index cache and caching bucket', () => {
    expect(parse(flag(storeArgs, '--index-cache.config') as string)).toEqual({
      type: 'MEMCACHED',
      config: { addresses: ['dnssrvnoa+_memcached._tcp.memcached-index.monitoring.svc'] },
    });
    expect(parse(flag(storeArgs, '--store.caching-bucket.config') as string)).toEqual({
      type: 'MEMCACHED',
      config: { addresses: ['dnssrvnoa+_memcached._tcp.memcached-bucket.monitoring.svc'] },
    });
  });

  test('the frontend caches results and labels in memcached', () => {
    const args: string[] = containerOf(find(objects, 'Deployment', 'thanos-query-frontend'), 'thanos-query-frontend').args;
    expect(flag(args, '--labels.response-cache-config-file')).toBe('/etc/thanos/query-frontend/labels-cache.yaml');
    const data = find(objects, 'ConfigMap', 'thanos-query-frontend-config').data;
    for (const f of ['response-cache.yaml', 'labels-cache.yaml']) {
      expect(parse(data[f])).toEqual({ type: 'MEMCACHED', config: { addresses: ['dnssrvnoa+_memcached._tcp.memcached-results.monitoring.svc'] } });
    }
  });

  test('NetworkPolicies: each memcached admits its clients on 11211 and Prometheus on 9150, nothing else', () => {
    const ingress = (n: string) =>
      find(objects, 'NetworkPolicy', n)
        .spec.ingress.map(
          (r: any) =>
            `${r.from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/instance']).join('+')}:${r.ports.map((p: any) => p.port).join(',')}`,
        )
        .sort();
    expect(ingress('memcached-index')).toEqual(['prometheus:9150', 'thanos-store:11211']);
    expect(ingress('memcached-results')).toEqual(['prometheus:9150', 'thanos-query-frontend:11211']);
  });
});
