/**
 * What Prometheus would refuse or get wrong at run time, caught at synth (#14.6, #14.7): the replica label needs
 * Prometheus 3's external label expansion, `$` in user values is literal, job names are unique, relabel regexes
 * compile as RE2.
 */
import { Chart } from 'cdk8s';
import { parse } from 'yaml';
import { Alertmanager, MinIO, Prometheus, Receiver, Route, Rule, RuleGroup, ScrapeJob, ThanosStack } from '../../src';
import { Secret } from 'cdk8s-plus-27';
import { find, problems, synth } from '../support/util';

const config = (build: (c: Chart) => void, name = 'prometheus') => parse(find(synth(build), 'ConfigMap', `${name}-config`).data['prometheus.yml']);

describe('the replica label', () => {
  test.each([
    'quay.io/prometheus/prometheus:v2.53.2',
    'prom/prometheus:v2.45.0',
    'registry.example.com:5000/prometheus/prometheus:2.55.1',
    'quay.io/prometheus/prometheus:v2.53.2@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  ])('a Prometheus 2.x image (%s) is refused: it would not expand ${POD_NAME}', (image) => {
    // Before: synthesized, and every replica carried the literal "${POD_NAME}".
    expect(problems((c) => new Prometheus(c, 'P', { image }))).toEqual([
      expect.stringMatching(
        /^\[test\/P\] image ".*" is Prometheus 2\.x, which does not expand \$\{POD_NAME\} in the replica label "replica".*use a Prometheus 3 image, e\.g\. "quay\.io\/prometheus\/prometheus:v3\.14\.0"/,
      ),
    ]);
  });

  test.each([
    'quay.io/prometheus/prometheus:v3.0.0',
    'quay.io/prometheus/prometheus:v3.14.0-distroless',
    'registry.example.com:5000/prometheus:v3.14.0',
    'prometheus@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  ])('%s is accepted', (image) => {
    expect(problems((c) => new Prometheus(c, 'P', { image }))).toEqual([]);
  });

  test('a $ in a user label value is escaped as $$, so Prometheus 3 keeps it literal; the replica label is still expanded', () => {
    // Before: `a$b` was written as is, and Prometheus expanded `$b` to an empty string.
    const c = config((chart) => new Prometheus(chart, 'P', { externalLabels: { cluster: 'a$b', env: '${HOME}' } }));
    expect(c.global.external_labels).toEqual({ cluster: 'a$$b', env: '$${HOME}', replica: '${POD_NAME}' });
  });
});

describe('scrape job names', () => {
  test("a job named like a generated one is refused with the fix (the migration guide's `minio` job)", () => {
    // Before: two `job_name: minio` were written, and Prometheus refused to load the config.
    const found = problems((c) => {
      const stack = new ThanosStack(c, 'Thanos', {});
      stack.prometheus.addScrapeJob(ScrapeJob.staticTargets('minio', ['minio.monitoring.svc:9000']));
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^\[test\/Thanos\/Prometheus\] scrape job "minio" is defined twice, a job the stack generates .*give the job you added another name \(e\.g\. "minio-extra"\)/,
      ),
    ]);
  });

  test('two jobs of the user with one name are refused too', () => {
    const found = problems((c) => {
      const p = new Prometheus(c, 'P');
      p.addScrapeJob(ScrapeJob.staticTargets('node', ['10.0.0.1:9100']));
      p.addScrapeJob(ScrapeJob.staticTargets('node', ['10.0.0.2:9100']));
    });
    expect(found).toEqual([expect.stringMatching(/scrape job "node" is defined twice: Prometheus refuses to load a config with duplicate job_name/)]);
  });

  test('scraping one component twice is refused', () => {
    expect(
      problems((c) => {
        const p = new Prometheus(c, 'P');
        const minio = new MinIO(c, 'MinIO', { credentials: Secret.fromSecretName(c, 'S', 'thanos-objstore') });
        p.scrape(minio);
        p.scrape(minio);
      }),
    ).toContainEqual(expect.stringMatching(/scrape job "minio" is defined twice/));
  });
});

describe('relabel regexes are RE2', () => {
  test('a Service name that makes an invalid regex is refused', () => {
    // Before: written, and Prometheus failed on `error parsing regexp`.
    const found = problems((c) => new Prometheus(c, 'P').addScrapeJob(ScrapeJob.kubernetesService('app', { serviceName: 'app(', portName: 'http' })));
    expect(found).toEqual([
      expect.stringMatching(/scrape job "app" has relabel regex "app\(;http", which Prometheus \(Go's RE2 syntax\) cannot compile: .*fix the pattern/),
    ]);
  });

  test('every generated regex compiles (the annotation relabelling included)', () => {
    expect(problems((c) => new ThanosStack(c, 'Thanos', {}))).toEqual([]);
  });
});

describe('rule groups', () => {
  test('two groups with one name in one Prometheus are refused (they would share a rule file)', () => {
    const group = () => new RuleGroup({ name: 'targets', rules: [Rule.record({ record: 'job:up:sum', expr: 'sum by (job) (up)' })] });
    const found = problems((c) => {
      const p = new Prometheus(c, 'P');
      p.addRuleGroup(group());
      p.addRuleGroup(group());
    });
    expect(found).toEqual([expect.stringMatching(/two rule groups render to targets.rules.yaml: give them different names/)]);
  });
});

describe('Prometheus alerts have somewhere to go', () => {
  const down = () => new RuleGroup({ name: 'down', rules: [Rule.alert({ alert: 'Down', expr: 'up == 0' })] });
  test('alerting rules without an Alertmanager are refused', () => {
    // Before: synthesized without an alerting section, so the alerts went nowhere.
    expect(problems((c) => new Prometheus(c, 'P').addRuleGroup(down()))).toEqual([
      expect.stringMatching(/^\[test\/P\] rule groups "down" have alerting rules but this Prometheus has no Alertmanager.*call addAlertmanager/),
    ]);
  });
  test('with one they are accepted', () => {
    expect(
      problems((c) => {
        const p = new Prometheus(c, 'P');
        p.addRuleGroup(down());
        p.addAlertmanager(new Alertmanager(c, 'AM'));
      }),
    ).toEqual([]);
  });
});

describe('Alertmanager matchers are RE2 too', () => {
  const routed = (matcher: string) => (c: Chart) =>
    new Alertmanager(c, 'AM', {
      receivers: [Receiver.none('default')],
      route: new Route({ receiver: 'default', routes: [new Route({ receiver: 'default', matchers: [matcher] })] }),
    });
  test("(?i) is accepted (Go has it; Node 20's RegExp refused it before)", () => {
    expect(problems(routed('severity=~"(?i)crit.*"'))).toEqual([]);
  });
  test('lookahead is refused (JavaScript accepted it before; Go does not)', () => {
    expect(problems(routed('severity=~"(?!info).*"'))).toEqual([expect.stringMatching(/has an invalid regular expression \(RE2 syntax: .*lookaround/)]);
  });
});
