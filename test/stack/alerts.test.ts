import { Duration } from 'cdk8s';
import { Secret } from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { AlertmanagerEndpoint, Receiver, Route, ThanosStack, ThanosStackProps } from '../../src';
import { Manifest, find, problems, synth } from '../support/util';

/** Rule file name → alert names, of one rules ConfigMap. */
function ruleFiles(objects: Manifest[], configMap: string): { [file: string]: string[] } {
  const data = (find(objects, 'ConfigMap', configMap).data ?? {}) as { [file: string]: string };
  return Object.fromEntries(Object.entries(data).map(([f, y]) => [f, parse(y).groups[0].rules.map((r: any) => r.alert ?? r.record)]));
}
const stackObjects = (props: ThanosStackProps = {}, more?: (s: ThanosStack) => void) =>
  synth((c) => {
    const stack = new ThanosStack(c, 'Thanos', props);
    more?.(stack);
  });
const amConfig = (objects: Manifest[]) => parse(find(objects, 'ConfigMap', 'alertmanager-config').data['alertmanager.yml']);

/** Runs `fn` and returns what it wrote to stderr. */
function stderrOf(fn: () => void): string {
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    fn();
    return spy.mock.calls.map((c) => String(c[0])).join('');
  } finally {
    spy.mockRestore();
  }
}

describe('where the stack alerts are evaluated', () => {
  const objects = stackObjects();

  test('the stack Prometheus evaluates the rules about itself, its sidecar, every other component and the Watchdog', () => {
    expect(Object.keys(ruleFiles(objects, 'prometheus-rules')).sort()).toEqual([
      'alertmanager-alerts.rules.yaml',
      'minio-alerts.rules.yaml',
      'prometheus-prometheus-alerts.rules.yaml',
      'prometheus-sidecar-alerts.rules.yaml',
      'thanos-bucket-web-alerts.rules.yaml',
      'thanos-compactor-alerts.rules.yaml',
      'thanos-query-alerts.rules.yaml',
      'thanos-query-frontend-alerts.rules.yaml',
      'thanos-rule-alerts.rules.yaml',
      'thanos-store-alerts.rules.yaml',
      'watchdog.rules.yaml',
    ]);
  });

  test('the ruler evaluates only the global view: PrometheusDown', () => {
    expect(ruleFiles(objects, 'thanos-rule-rules')).toEqual({ 'prometheus-availability.rules.yaml': ['PrometheusDown'] });
  });

  test('no alert is evaluated twice', () => {
    const all = [...Object.values(ruleFiles(objects, 'prometheus-rules')), ...Object.values(ruleFiles(objects, 'thanos-rule-rules'))].flat();
    expect(all.length).toBe(new Set(all).size);
  });

  test('job selectors are the scrape job names the stack generates', () => {
    const config = parse(find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
    const jobs = new Set(config.scrape_configs.map((j: any) => j.job_name));
    const data = find(objects, 'ConfigMap', 'prometheus-rules').data as { [f: string]: string };
    const selected = Object.values(data).flatMap((y) =>
      parse(y).groups[0].rules.flatMap((r: any) => [...String(r.expr).matchAll(/job="([^"]+)"/g)].map((m) => m[1])),
    );
    expect(selected.length).toBeGreaterThan(30);
    for (const job of new Set(selected)) expect({ job, scraped: jobs.has(job) }).toEqual({ job, scraped: true });
  });

  test("the compactor's halted gauge is alerted on", () => {
    const data = find(objects, 'ConfigMap', 'prometheus-rules').data as { [f: string]: string };
    const halted = parse(data['thanos-compactor-alerts.rules.yaml']).groups[0].rules.find((r: any) => r.alert === 'ThanosCompactHalted');
    expect(halted).toMatchObject({ expr: 'max by (job) (thanos_compact_halted{job="thanos-compact"}) == 1', for: '5m', labels: { severity: 'critical' } });
  });
});

describe('turning things off removes their rules', () => {
  test('a component that is off has no rules', () => {
    const objects = stackObjects({ compactor: { enabled: false }, bucketWeb: { enabled: false }, queryFrontend: { enabled: false } });
    const files = Object.keys(ruleFiles(objects, 'prometheus-rules'));
    expect(files).not.toEqual(expect.arrayContaining(['thanos-compactor-alerts.rules.yaml']));
    for (const f of ['thanos-compactor-alerts.rules.yaml', 'thanos-bucket-web-alerts.rules.yaml', 'thanos-query-frontend-alerts.rules.yaml'])
      expect(files).not.toContain(f);
    expect(files).toContain('thanos-store-alerts.rules.yaml');
  });

  test('without a bucket: no upload alerts, no MinIO, store or compactor rules', () => {
    const objects = stackObjects({ minio: { enabled: false } });
    const files = ruleFiles(objects, 'prometheus-rules');
    expect(files['prometheus-sidecar-alerts.rules.yaml']).toEqual(['ThanosSidecarPrometheusUnreachable']);
    for (const f of ['minio-alerts.rules.yaml', 'thanos-store-alerts.rules.yaml', 'thanos-compactor-alerts.rules.yaml'])
      expect(Object.keys(files)).not.toContain(f);
  });

  test('without any Alertmanager the stack adds none of its alerts (they would have nowhere to go)', () => {
    const objects = stackObjects({ alertmanager: { enabled: false } });
    expect(Object.keys(ruleFiles(objects, 'prometheus-rules')).filter((f) => f.endsWith('-alerts.rules.yaml'))).toEqual([]);
  });

  test("with an external Alertmanager only: no rules about the stack's Alertmanager, and Prometheus still alerts when it loses its Alertmanager", () => {
    const objects = stackObjects({ alertmanager: { enabled: false }, alertmanagers: [AlertmanagerEndpoint.url('http://am.other.svc:9093')] });
    const files = ruleFiles(objects, 'prometheus-rules');
    expect(Object.keys(files)).not.toContain('alertmanager-alerts.rules.yaml');
    expect(files['prometheus-prometheus-alerts.rules.yaml']).toContain('PrometheusNotConnectedToAlertmanagers');
  });

  test('alerts.enabled false: no stack rule anywhere and the user routing untouched', () => {
    const objects = stackObjects({ alerts: { enabled: false } });
    expect(ruleFiles(objects, 'prometheus-rules')).toEqual({});
    expect(ruleFiles(objects, 'thanos-rule-rules')).toEqual({});
    expect(amConfig(objects).receivers).toEqual([{ name: 'default' }]);
  });

  test('a Prometheus added later evaluates its own rules and is covered by PrometheusDown', () => {
    const objects = stackObjects({}, (s) => s.addPrometheus('US1', { externalLabels: { cluster: 'us1' } }));
    expect(Object.keys(ruleFiles(objects, 'prometheus-us1-rules')).sort()).toEqual([
      'prometheus-us1-prometheus-alerts.rules.yaml',
      'prometheus-us1-sidecar-alerts.rules.yaml',
    ]);
    const data = find(objects, 'ConfigMap', 'prometheus-us1-rules').data as { [f: string]: string };
    expect(data['prometheus-us1-prometheus-alerts.rules.yaml']).toContain('{job="prometheus-us1"}');
    const down = parse(find(objects, 'ConfigMap', 'thanos-rule-rules').data['prometheus-availability.rules.yaml']).groups[0].rules;
    expect(down.map((r: any) => r.expr)).toEqual([
      'sum by (job) (up{job="prometheus"}) == 0 or absent(up{job="prometheus"})',
      'sum by (job) (up{job="prometheus-us1"}) == 0 or absent(up{job="prometheus-us1"})',
    ]);
  });
});

describe('thresholds', () => {
  test('are props with defaults', () => {
    const data = (props: ThanosStackProps) => Object.values(find(stackObjects(props), 'ConfigMap', 'prometheus-rules').data as object).join('\n');
    expect(data({})).toContain('> 0.05');
    const custom = data({ alerts: { errorRatio: 0.2, compactionTimeout: Duration.hours(48), sidecarUploadTimeout: Duration.hours(8) } });
    expect(custom).toContain('> 0.2');
    expect(custom).not.toContain('> 0.05');
    expect(custom).toContain('> 172800');
    expect(custom).toContain('[480m]');
  });

  test('out of range is a synth problem naming the prop', () => {
    const found = problems((c) => new ThanosStack(c, 'Thanos', { alerts: { errorRatio: 5, minioFreeRatio: 0, bucketLatency: Duration.millis(10) } }));
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringContaining('alerts.errorRatio is 5: give a share between 0 and 1'),
        expect.stringContaining('alerts.minioFreeRatio is 0: give a share between 0 and 1'),
        expect.stringContaining('alerts.bucketLatency is 10ms: give at least one second'),
      ]),
    );
  });
});

describe('alerts that reach someone', () => {
  test('by default the Watchdog goes to its own receiver, everything else to the first receiver', () => {
    const config = amConfig(stackObjects());
    expect(config.receivers).toEqual([{ name: 'default' }, { name: 'watchdog' }]);
    expect(config.route).toMatchObject({
      receiver: 'default',
      group_by: ['alertname', 'cluster'],
      routes: [{ matchers: ['alertname="Watchdog"'], receiver: 'watchdog' }],
    });
  });

  test('a stack whose alerts reach nobody warns at synth, without failing', () => {
    let objects: Manifest[] = [];
    const err = stderrOf(() => {
      objects = stackObjects();
    });
    expect(objects.length).toBeGreaterThan(0);
    expect(err).toContain('[WARNING] test/Thanos: no Alertmanager receiver notifies anyone');
    expect(stderrOf(() => stackObjects({ alertmanager: { enabled: false } }))).toContain('the stack has no Alertmanager');
  });

  test('a real receiver gets every alert but the Watchdog, and silences the warning', () => {
    let objects: Manifest[] = [];
    const err = stderrOf(() => {
      objects = synth(
        (c) =>
          new ThanosStack(c, 'Thanos', {
            alertmanager: {
              receivers: [
                Receiver.slack('team', { apiUrlSecret: { secret: Secret.fromSecretName(c, 'Slack', 'alertmanager-slack'), key: 'url' }, channel: '#alerts' }),
              ],
            },
          }),
      );
    });
    expect(err).not.toContain('WARNING');
    const config = amConfig(objects);
    expect(config.route.receiver).toBe('team');
    expect(config.receivers.map((r: any) => r.name)).toEqual(['team', 'watchdog']);
  });

  test('a receiver named "watchdog" (a dead-man switch) gets the Watchdog; a route of your own is kept', () => {
    const deadman = Receiver.webhook('watchdog', { url: 'https://deadman.example.com/ping' });
    const config = amConfig(stackObjects({ alertmanager: { receivers: [Receiver.none('default'), deadman] } }));
    expect(config.receivers.map((r: any) => r.name)).toEqual(['default', 'watchdog']);
    expect(config.receivers[1].webhook_configs[0].url).toBe('https://deadman.example.com/ping');
    const own = amConfig(stackObjects({ alertmanager: { receivers: [Receiver.none('x')], route: new Route({ receiver: 'x' }) } }));
    expect(own.route).toEqual({ receiver: 'x' });
  });
});
