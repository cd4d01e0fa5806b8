/** Alerts have somewhere to go, and their links lead somewhere reachable (#14.8). */
import { Alertmanager, AlertmanagerEndpoint, NetworkPeer, Prometheus, Rule, RuleGroup, ThanosQuery, ThanosRuler } from '../../src';
import { validateManifests } from '../harness';
import { containerOf, find, flag, problems, synth } from '../support/util';

const ALERT = new RuleGroup({ name: 'down', rules: [Rule.alert({ alert: 'Down', expr: 'up == 0' })] });
const RECORD = new RuleGroup({ name: 'rec', rules: [Rule.record({ record: 'job:up:sum', expr: 'sum by (job) (up)' })] });

describe('the ruler', () => {
  test('with alerting rules and no Alertmanager is an error, not silence', () => {
    // Before: synthesized without --alertmanagers.url.
    expect(problems((c) => new ThanosRuler(c, 'Ruler', { query: new ThanosQuery(c, 'Q'), ruleGroups: [ALERT] }))).toEqual([
      expect.stringMatching(/^\[test\/Ruler\] rule groups "down" have alerting rules but the ruler has no Alertmanager.*AlertmanagerEndpoint\.url/),
    ]);
  });

  test('with recording rules only needs none', () => {
    expect(problems((c) => new ThanosRuler(c, 'Ruler', { query: new ThanosQuery(c, 'Q'), ruleGroups: [RECORD] }))).toEqual([]);
  });

  test("sends to the app's Alertmanager and an external one, and links alerts to alertQueryUrl", () => {
    const objects = synth(
      (c) =>
        new ThanosRuler(c, 'Ruler', {
          query: new ThanosQuery(c, 'Q'),
          ruleGroups: [ALERT],
          alertQueryUrl: 'https://thanos.example.com',
          alertmanagers: [
            new Alertmanager(c, 'AM'),
            AlertmanagerEndpoint.url('http://am.ops.svc:9093', { networkPeer: NetworkPeer.pods({ app: 'am' }, 'ops') }),
          ],
        }),
    );
    const args: string[] = containerOf(find(objects, 'StatefulSet', 'thanos-rule'), 'thanos-rule').args;
    expect(args.filter((a) => a.startsWith('--alertmanagers.url='))).toEqual([
      '--alertmanagers.url=dns+http://alertmanager-cluster.monitoring.svc:9093',
      '--alertmanagers.url=http://am.ops.svc:9093',
    ]);
    expect(flag(args, '--alert.query-url')).toBe('https://thanos.example.com');
    expect(find(objects, 'NetworkPolicy', 'thanos-rule').spec.egress).toContainEqual({
      to: [
        { podSelector: { matchLabels: { app: 'am' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } },
        expect.objectContaining({ podSelector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/instance': 'alertmanager' }) } }),
      ].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
      ports: [{ protocol: 'TCP', port: 9093 }],
    });
  });

  test('a bad alertQueryUrl is refused', () => {
    expect(problems((c) => new ThanosRuler(c, 'Ruler', { query: new ThanosQuery(c, 'Q'), ruleGroups: [RECORD], alertQueryUrl: 'thanos.example.com' }))).toEqual(
      [expect.stringMatching(/alertQueryUrl "thanos.example.com" is not an http\(s\) URL/)],
    );
  });
});

describe('Prometheus', () => {
  test('externalUrl sets --web.external-url (alert generatorURL) and keeps serving at /', () => {
    const objects = synth((c) => new Prometheus(c, 'P', { externalUrl: 'https://prometheus.example.com/eu1' }));
    const args: string[] = containerOf(find(objects, 'StatefulSet', 'prometheus'), 'prometheus').args;
    expect(flag(args, '--web.external-url')).toBe('https://prometheus.example.com/eu1');
    expect(flag(args, '--web.route-prefix')).toBe('/');
    // Both are flags of the pinned Prometheus (the harness checks every arg against its flag list).
    expect(validateManifests(objects).filter((p) => p.startsWith('[flags]'))).toEqual([]);
  });

  test('a bad externalUrl is refused', () => {
    expect(problems((c) => new Prometheus(c, 'P', { externalUrl: '/prometheus' }))).toEqual([
      expect.stringMatching(/externalUrl "\/prometheus" is not an http\(s\) URL/),
    ]);
  });
});
