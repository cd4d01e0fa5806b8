import { Chart, Duration, Size, Testing } from 'cdk8s';
import { Cpu, ServiceType } from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { NetworkPeer } from '../../src/wiring/connections';
import { prerequisiteSecrets } from '../../src/output/prerequisites';
import { Prometheus } from '../../src/components/prometheus';
import { Resources, SizePreset } from '../../src/config/resources';
import { Rule, RuleGroup } from '../../src/config/rules';
import { ThanosQuery } from '../../src/components/thanos-query';
import { ResultsCache, ThanosQueryFrontend, ThanosQueryFrontendProps } from '../../src/components/thanos-query-frontend';
import { expectValid } from '../harness';
import { containerOf, find, flag, Manifest, problems, synth } from '../support/util';

/** A Prometheus and a querier for the frontend to sit in front of. */
function stack(c: Chart, props: Partial<ThanosQueryFrontendProps> = {}): ThanosQueryFrontend {
  new Prometheus(c, 'P').addRuleGroup(new RuleGroup({ name: 'up', rules: [Rule.record({ record: 'job:up:sum', expr: 'sum by (job) (up)' })] }));
  const query = new ThanosQuery(c, 'Query');
  return new ThanosQueryFrontend(c, 'Frontend', { query, ...props });
}

function frontendOf(objects: Manifest[], name = 'thanos-query-frontend'): any {
  return containerOf(find(objects, 'Deployment', name), 'thanos-query-frontend');
}

function cacheConfig(objects: Manifest[], name = 'thanos-query-frontend'): any {
  return parse(find(objects, 'ConfigMap', `${name}-config`).data['response-cache.yaml']);
}

function policy(objects: Manifest[], name: string, direction: 'ingress' | 'egress'): Map<number, any[]> {
  const rules = new Map<number, any[]>();
  for (const r of find(objects, 'NetworkPolicy', name).spec[direction]) {
    for (const p of r.ports ?? []) rules.set(p.port, [...(rules.get(p.port) ?? []), ...(r.to ?? r.from ?? [])]);
  }
  return rules;
}

const podsOf = (instance: string) => ({
  podSelector: { matchLabels: { 'app.kubernetes.io/name': instance, 'app.kubernetes.io/instance': instance } },
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
});

describe('ThanosQueryFrontend defaults', () => {
  const objects = synth((c) => stack(c));
  const deployment = find(objects, 'Deployment', 'thanos-query-frontend');
  const frontend = frontendOf(objects);

  test('matches the snapshot', () => {
    expect(objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/instance'] === 'thanos-query-frontend')).toMatchSnapshot();
  });

  test('args: downstream querier, 24h split, cache config file', () => {
    expect(frontend.args).toEqual([
      'query-frontend',
      '--http-address=0.0.0.0:10902',
      '--query-frontend.downstream-url=http://thanos-query.monitoring.svc:10902',
      '--query-range.split-interval=24h',
      '--query-range.response-cache-config-file=/etc/thanos/query-frontend/response-cache.yaml',
      '--labels.response-cache-config-file=/etc/thanos/query-frontend/labels-cache.yaml',
      '--query-range.max-query-length=8784h',
      '--query-frontend.log-queries-longer-than=10s',
      '--query-frontend.compress-responses',
    ]);
  });

  test('in-memory caches of a quarter (results) and an eighth (labels) of the small limit, mounted, rolling pods on change', () => {
    expect(cacheConfig(objects)).toEqual({ type: 'IN-MEMORY', config: { max_size: '64MiB' } });
    expect(parse(find(objects, 'ConfigMap', 'thanos-query-frontend-config').data['labels-cache.yaml'])).toEqual({
      type: 'IN-MEMORY',
      config: { max_size: '32MiB' },
    });
    expect(frontend.volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/thanos/query-frontend', readOnly: true }]);
    expect(deployment.spec.template.spec.volumes).toEqual([{ name: 'config', configMap: { name: 'thanos-query-frontend-config' } }]);
    expect(deployment.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('two spread replicas with a PodDisruptionBudget', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    expect(find(objects, 'PodDisruptionBudget', 'thanos-query-frontend').spec.maxUnavailable).toBe(1);
  });

  test('Service: ClusterIP, http only', () => {
    const svc = find(objects, 'Service', 'thanos-query-frontend');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 10902, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('probes (readiness follows the downstream), security and resources', () => {
    expect(frontend.livenessProbe.httpGet.path).toBe('/-/healthy');
    expect(frontend.readinessProbe.httpGet.path).toBe('/-/ready');
    expect(frontend.ports).toEqual([{ name: 'http', containerPort: 10902, protocol: 'TCP' }]);
    expect(frontend.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(frontend.resources).toEqual({ requests: { cpu: '50m', memory: '256Mi' }, limits: { memory: '256Mi' } });
  });

  test('NetworkPolicy: egress to the querier on http, and the querier admits it', () => {
    expect(policy(objects, 'thanos-query-frontend', 'egress').get(10902)).toEqual([podsOf('thanos-query')]);
    expect(policy(objects, 'thanos-query', 'ingress').get(10902)).toContainEqual(podsOf('thanos-query-frontend'));
    expect(policy(objects, 'thanos-query-frontend', 'ingress').size).toBe(0);
  });

  test('is a query API for Grafana, and a scrape target matching the mixin', () => {
    let f!: ThanosQueryFrontend;
    synth((c) => {
      f = stack(c);
    });
    expect(f.queryUrl).toBe('http://thanos-query-frontend.monitoring.svc:10902');
    expect(f.queryPort).toBe(10902);
    expect(f.scrapeEndpoints).toEqual([
      { jobName: 'thanos-query-frontend', serviceName: 'thanos-query-frontend', namespace: 'monitoring', port: { name: 'http', port: 10902 } },
    ]);
  });

  test('passes the manifest harness', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
    stack(chart);
    expectValid(Testing.synth(chart), { externalSecrets: prerequisiteSecrets(chart) });
  });
});

describe('ThanosQueryFrontend options', () => {
  test('a memcached cache: addresses, expiration, egress on 11211', () => {
    const memcached = NetworkPeer.pods({ 'app.kubernetes.io/name': 'memcached' });
    const objects = synth((c) =>
      stack(c, {
        cache: ResultsCache.memcached({
          addresses: ['dnssrv+_memcached._tcp.memcached.monitoring.svc'],
          expiration: Duration.hours(12),
          networkPeer: memcached,
        }),
      }),
    );
    expect(cacheConfig(objects)).toEqual({ type: 'MEMCACHED', config: { addresses: ['dnssrv+_memcached._tcp.memcached.monitoring.svc'], expiration: '12h' } });
    expect(policy(objects, 'thanos-query-frontend', 'egress').get(11211)).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'memcached' } } },
    ]);
  });

  test('memcached without a peer may go anywhere, on the ports of its addresses', () => {
    const objects = synth((c) => stack(c, { cache: ResultsCache.memcached({ addresses: ['memcached-0.memcached:11311', 'memcached-1.memcached:11312'] }) }));
    expect(cacheConfig(objects).config).toEqual({ addresses: ['memcached-0.memcached:11311', 'memcached-1.memcached:11312'] });
    const egress = policy(objects, 'thanos-query-frontend', 'egress');
    expect([egress.get(11311), egress.get(11312)]).toEqual([[{ ipBlock: { cidr: '0.0.0.0/0' } }], [{ ipBlock: { cidr: '0.0.0.0/0' } }]]);
    expect(egress.get(11211)).toBeUndefined();
  });

  test('cache size, split interval, name and replicas', () => {
    // A 512MiB cache plus the 256MiB labels cache need the large preset (2GiB limit, 1GiB for caches).
    const objects = synth((c) =>
      stack(c, { name: 'frontend', replicas: 1, splitInterval: Duration.hours(6), cache: ResultsCache.inMemory(Size.mebibytes(512)), size: SizePreset.LARGE }),
    );
    const args = frontendOf(objects, 'frontend').args;
    expect(flag(args, '--query-range.split-interval')).toBe('6h');
    expect(flag(args, '--query-range.response-cache-config-file')).toBe('/etc/thanos/query-frontend/response-cache.yaml');
    expect(cacheConfig(objects, 'frontend').config.max_size).toBe('512MiB');
    expect(find(objects, 'Deployment', 'frontend').spec.replicas).toBe(1);
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'frontend')).toHaveLength(0);
  });

  test('a cache size that is not whole MiB is written in KiB', () => {
    const objects = synth((c) => stack(c, { cache: ResultsCache.inMemory(Size.kibibytes(1536)) }));
    expect(cacheConfig(objects).config.max_size).toBe('1536KiB');
  });

  test('a different cache rolls the pods', () => {
    const sum = (o: Manifest[]) => find(o, 'Deployment', 'thanos-query-frontend').spec.template.metadata.annotations['checksum/config'];
    expect(sum(synth((c) => stack(c)))).not.toEqual(sum(synth((c) => stack(c, { cache: ResultsCache.inMemory(Size.mebibytes(32)) }))));
  });

  test('NodePort Service admits its source ranges on http', () => {
    const objects = synth((c) => stack(c, { serviceType: ServiceType.NODE_PORT, sourceRanges: ['0.0.0.0/0'] }));
    expect(find(objects, 'Service', 'thanos-query-frontend').spec.type).toBe('NodePort');
    expect(policy(objects, 'thanos-query-frontend', 'ingress').get(10902)).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }]);
  });

  test('explicit resources and image', () => {
    const objects = synth((c) =>
      stack(c, { image: 'registry.example.com/thanos:v0.42.4', resources: Resources.of({ cpu: Cpu.millis(300), memory: Size.mebibytes(300) }) }),
    );
    const f = frontendOf(objects);
    expect(f.image).toBe('registry.example.com/thanos:v0.42.4');
    expect(f.resources).toEqual({ requests: { cpu: '300m', memory: '300Mi' }, limits: { memory: '300Mi' } });
  });

  test('passes the manifest harness with memcached', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
    stack(chart, { cache: ResultsCache.memcached({ addresses: ['memcached.cache.svc:11211'] }) });
    expectValid(Testing.synth(chart), { externalSecrets: prerequisiteSecrets(chart), externalServices: ['memcached.cache'] });
  });
});

describe('ThanosQueryFrontend validation', () => {
  const cases: Array<[string, (c: Chart) => void, RegExp]> = [
    ['a zero split interval', (c) => stack(c, { splitInterval: Duration.seconds(0) }), /splitInterval 0 is not allowed: the results cache needs queries split/],
    ['memcached without addresses', (c) => stack(c, { cache: ResultsCache.memcached({ addresses: [] }) }), /memcached results cache has no addresses/],
    [
      'a memcached address with a scheme',
      (c) => stack(c, { cache: ResultsCache.memcached({ addresses: ['http://memcached:11211'] }) }),
      /memcached results cache address "http:\/\/memcached:11211" is not valid/,
    ],
    [
      'a memcached address without a port',
      (c) => stack(c, { cache: ResultsCache.memcached({ addresses: ['memcached.cache.svc'] }) }),
      /memcached results cache address "memcached.cache.svc" has no port/,
    ],
    [
      'a memcached port out of range',
      (c) => stack(c, { cache: ResultsCache.memcached({ addresses: ['memcached:99999'] }) }),
      /address "memcached:99999" has port 99999 outside 1-65535/,
    ],
    [
      'an in-memory cache as large as the memory limit',
      (c) => stack(c, { cache: ResultsCache.inMemory(Size.mebibytes(256)) }),
      /cache \(in memory\) 256MiB \+ labelsCache \(in memory\) 32MiB = 288MiB of in-memory caches do not fit a 256Mi memory limit/,
    ],
    ['an empty in-memory cache', (c) => stack(c, { cache: ResultsCache.inMemory(Size.mebibytes(0)) }), /results cache size 0 disables the cache/],
    ['zero replicas', (c) => stack(c, { replicas: 0 }), /replicas 0 is not valid: use a whole number in 1-100/],
    ['an invalid name', (c) => stack(c, { name: 'Frontend!' }), /name "Frontend!" is not a valid name/],
    ['an ExternalName Service', (c) => stack(c, { serviceType: ServiceType.EXTERNAL_NAME }), /serviceType ExternalName cannot expose pods/],
    [
      'a memory limit under the request',
      (c) => {
        stack(c, { resources: Resources.of({ cpu: Cpu.millis(100), memory: Size.mebibytes(512), memoryLimit: Size.mebibytes(256) }) });
      },
      /memory limit 256Mi is below the request 512Mi/,
    ],
  ];

  test.each(cases)('%s', (_, build, message) => {
    const found = problems(build);
    expect(found.join('\n')).toMatch(message);
    for (const p of found) expect(p).toMatch(/^\[test\//);
  });

  test('reports every problem at once', () => {
    expect(problems((c) => stack(c, { replicas: 0, splitInterval: Duration.seconds(0), name: 'X' }))).toHaveLength(3);
  });
});
