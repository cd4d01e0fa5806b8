import { Chart, Testing } from 'cdk8s';
import { Dashboard, Rule, RuleGroup, ThanosStack } from '../../src';

/** Synthesizes a default stack after `more`; returns the validation error text ('' when it synthesizes). */
function synthError(more: (stack: ThanosStack) => void): string {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: 'monitoring' });
  const stack = new ThanosStack(chart, 'Thanos');
  more(stack);
  try {
    app.synth();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('PromQL is parsed at synth', () => {
  test('a user rule "up ==" fails synth naming the construct path, rule, position and expression', () => {
    const error = synthError((s) => s.prometheus.addRuleGroup(new RuleGroup({ name: 'mine', rules: [Rule.alert({ alert: 'Broken', expr: 'up ==' })] })));
    expect(error).toContain('test/Thanos/Prometheus');
    expect(error).toContain('rule "Broken" in group "mine": PromQL syntax error at line 1, column 6 in "up =="');
  });

  test('"sum by (job (up)" on the ruler fails synth with its position', () => {
    const error = synthError((s) =>
      s.ruler!.addRuleGroup(new RuleGroup({ name: 'mine', rules: [Rule.record({ record: 'job:up:sum', expr: 'sum by (job (up)' })] })),
    );
    expect(error).toContain('test/Thanos/Ruler');
    expect(error).toMatch(/rule "job:up:sum" in group "mine": PromQL syntax error at line 1, column \d+ in "sum by \(job \(up\)"/);
  });

  test('a multi-line expression reports the line', () => {
    const error = synthError((s) =>
      s.prometheus.addRuleGroup(new RuleGroup({ name: 'mine', rules: [Rule.alert({ alert: 'Broken', expr: 'sum(up)\n  / ' })] })),
    );
    expect(error).toMatch(/PromQL syntax error at line 2, column \d+/);
  });

  test('a dashboard panel query that does not parse fails synth naming dashboard, panel and query', () => {
    const json = {
      title: 'Mine',
      uid: 'mine',
      panels: [{ type: 'row', title: 'Row', panels: [{ title: 'Bad', targets: [{ refId: 'A', expr: 'rate(up[$__rate_interval]' }] }] }],
    };
    const error = synthError((s) => s.grafana!.addDashboard(Dashboard.fromJson('mine', json)));
    expect(error).toContain('test/Thanos/Grafana');
    expect(error).toContain('dashboard "mine" panel "Bad" query A: PromQL syntax error at line 1');
  });

  test('valid rules and Grafana variables synthesize', () => {
    const json = {
      title: 'Mine',
      uid: 'mine',
      panels: [{ title: 'Ok', targets: [{ refId: 'A', expr: 'sum by (job) (rate(up{job=~"$job"}[$__rate_interval]))' }] }],
    };
    expect(
      synthError((s) => {
        s.prometheus.addRuleGroup(new RuleGroup({ name: 'mine', rules: [Rule.record({ record: 'job:up:sum', expr: 'sum by (job) (up)' })] }));
        s.grafana!.addDashboard(Dashboard.fromJson('mine', json));
      }),
    ).toBe('');
  });
});
