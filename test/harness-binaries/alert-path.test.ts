/**
 * An alert travels the whole generated path with the real, pinned binaries: two `prometheus` replicas
 * (POD_NAME prometheus-0 / prometheus-1) evaluate an always-firing user rule, send it to a real
 * `alertmanager` running the generated alertmanager.yml, which routes it to a webhook receiver served by
 * this test. The stack promises dedup across replicas (alert_relabel_configs drop the replica label), so
 * exactly ONE alert in ONE notification group must arrive, without the replica label.
 *
 * The only config change: Prometheus' alerting `dns_sd_configs` name the Alertmanager Service's cluster DNS
 * name, which cannot resolve here; it is swapped for a static 127.0.0.1 target after asserting the name and
 * port are the Alertmanager Service's. Everything else (relabeling, api_version, routing, grouping, the
 * webhook receiver) is the generated config.
 */
import { createServer, IncomingMessage, Server } from 'http';
import { Chart, Duration, Testing } from 'cdk8s';
import { Receiver, Route, Rule, RuleGroup, ThanosStack } from '../../src';
import { testWithTools } from '../harness/tools';
import { LocalPod, Running, findContainer, freePort, get, preparePod, start, waitFor } from './pod';

const it = testWithTools(['prometheus', 'alertmanager'], 'alert path test');

interface Notification {
  receiver: string;
  status: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: Array<{ labels: Record<string, string>; status: string }>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let b = '';
    req.on('data', (d) => {
      b += String(d);
    });
    req.on('end', () => resolve(b));
  });
}

describe('an alert from two Prometheus replicas reaches the webhook once', () => {
  const runs: Running[] = [];
  let server: Server | undefined;
  const received: Notification[] = [];

  afterAll(async () => {
    await Promise.all(runs.map((r) => r.stop()));
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('routed to the webhook, grouped by the typed route, deduplicated across replicas', async () => {
    const webhookPort = await freePort();
    server = createServer(async (req, res) => {
      if (req.method === 'POST' && req.url === '/alerts') received.push(JSON.parse(await readBody(req)) as Notification);
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => server!.listen(webhookPort, '127.0.0.1', () => resolve()));

    // Short timings through the public API, so the test runs in seconds.
    const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
    const stack = new ThanosStack(chart, 'Thanos', {
      prometheus: { evaluationInterval: Duration.seconds(1) },
      alertmanager: {
        receivers: [Receiver.webhook('test-hook', { url: `http://127.0.0.1:${webhookPort}/alerts` })],
        route: new Route({
          receiver: 'test-hook',
          groupBy: ['alertname', 'cluster'],
          groupWait: Duration.seconds(1),
          groupInterval: Duration.seconds(2),
          repeatInterval: Duration.hours(1),
        }),
      },
    });
    stack.prometheus.addRuleGroup(
      new RuleGroup({
        name: 'test-always-firing',
        rules: [Rule.alert({ alert: 'AlwaysFiring', expr: 'vector(1)', labels: { severity: 'test' } })],
      }),
    );
    const objects = Testing.synth(chart) as any[];

    // Alertmanager.
    const am = await preparePod(findContainer(objects, 'alertmanager', 'alertmanager'), { podName: 'alertmanager-0' });
    const amPort = am.ports['--web.listen-address'];
    const amRun = start('alertmanager', am);
    runs.push(amRun);

    // Prometheus x2: the generated alerting target is the Alertmanager Service; replace only its address.
    const prom = findContainer(objects, 'prometheus', 'prometheus');
    const editConfig = (c: any): void => {
      const ams = c.alerting.alertmanagers;
      expect(ams).toHaveLength(1);
      const sd = ams[0].dns_sd_configs;
      const svc = objects.find((o) => o.kind === 'Service' && `${o.metadata.name}.${o.metadata.namespace}.svc` === sd?.[0]?.names?.[0]);
      expect(svc).toBeDefined();
      expect(svc.spec.ports.map((p: any) => p.port)).toContain(sd[0].port);
      delete ams[0].dns_sd_configs;
      ams[0].static_configs = [{ targets: [`127.0.0.1:${amPort}`] }];
    };
    const proms: Array<{ local: LocalPod; run: Running }> = [];
    for (const podName of ['prometheus-0', 'prometheus-1']) {
      const local = await preparePod(prom, { podName, editConfig });
      const run = start('prometheus', local);
      runs.push(run);
      proms.push({ local, run });
    }

    // Alertmanager /-/ready: 200 once the config is loaded (api/v2 and ui handlers; cluster settle not awaited).
    await waitFor('alertmanager /-/ready', amRun, 20_000, async () => ((await fetch(`http://127.0.0.1:${amPort}/-/ready`)).ok ? true : undefined));

    // Both replicas evaluated the rule and delivered to Alertmanager (notifier counter > 0, no errors).
    for (const { local, run } of proms) {
      const port = local.ports['--web.listen-address'];
      await waitFor(`${local.env.POD_NAME} sent alerts`, run, 40_000, async () => {
        const m = (await get(port, '/metrics')) as string;
        const sent = /^prometheus_notifications_sent_total\{[^}]*\} (\S+)/m.exec(m);
        return sent && Number(sent[1]) > 0 ? true : undefined;
      });
      const errs = /^prometheus_notifications_errors_total\{[^}]*\} (\S+)/m.exec((await get(port, '/metrics')) as string);
      expect(Number(errs?.[1] ?? 0)).toBe(0);
    }

    // A notification arrived; then wait past group_interval so a second, un-deduplicated alert would show.
    await waitFor('webhook notification', amRun, 20_000, async () => (received.length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 4_000));

    const groups = (await get(amPort, '/api/v2/alerts/groups')) as Array<{
      labels: Record<string, string>;
      receiver: { name: string };
      alerts: Array<{ labels: Record<string, string> }>;
    }>;
    expect(groups.map((g) => ({ labels: g.labels, receiver: g.receiver.name, alerts: g.alerts.length }))).toEqual([
      { labels: { alertname: 'AlwaysFiring', cluster: 'prometheus' }, receiver: 'test-hook', alerts: 1 },
      // The stack's always-firing Watchdog takes the user's route too: a dead-man switch sees it.
      { labels: { alertname: 'Watchdog', cluster: 'prometheus' }, receiver: 'test-hook', alerts: 1 },
    ]);

    const firing = received.filter((n) => n.groupLabels.alertname === 'AlwaysFiring');
    expect(firing.length).toBeGreaterThan(0);
    expect(new Set(firing.map((n) => n.groupKey)).size).toBe(1);
    for (const n of firing) {
      expect(n.receiver).toBe('test-hook');
      expect(n.status).toBe('firing');
      expect(n.groupLabels).toEqual({ alertname: 'AlwaysFiring', cluster: 'prometheus' });
      expect(n.alerts).toHaveLength(1);
      expect(n.alerts[0].labels).toEqual({ alertname: 'AlwaysFiring', cluster: 'prometheus', severity: 'test' });
    }
  }, 90_000);
});
