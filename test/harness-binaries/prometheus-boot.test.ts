/**
 * The real, pinned `prometheus` binary (scripts/tools.sh) runs the default ThanosStack's generated
 * prometheus.yml, rule files and container args, and its HTTP API confirms what the constructs promise.
 *
 * Kubernetes SD outside a cluster: the generated kubernetes_sd_configs have no api_server, so Prometheus
 * calls client-go's rest.InClusterConfig(), which fails with ErrNotInCluster when KUBERNETES_SERVICE_HOST /
 * _PORT are unset (the process gets only the pod's env, so they are). Prometheus does NOT refuse to start:
 * the discovery manager logs "Cannot create service discovery" and skips that provider
 * (discovery/manager.go registerProviders), counting it in `prometheus_sd_failed_configs`. Asserted below,
 * so a future Prometheus that refuses would fail this test rather than pass silently. The alerting
 * dns_sd_configs name (alertmanager-cluster.monitoring.svc) just fails to resolve; also harmless.
 */
import { Chart, Duration, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { DEFAULT_IMAGES, Rule, RuleGroup, ThanosStack } from '../../src';
import { containerTree, globFiles } from '../harness/files';
import { hasTool, testWithTools, toolVersion } from '../harness/tools';
import { LocalPod, Running, findContainer, get, preparePod, start, waitFor } from './pod';

const it = testWithTools(['prometheus'], 'prometheus boot test');

/**
 * The default stack. Its Prometheus has no rule group of its own (PrometheusDown belongs to the ruler), so one
 * user group (an alert and a recording rule) is added through the public API to exercise rule_files loading.
 */
function defaultStack(): unknown[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'monitoring' });
  const stack = new ThanosStack(chart, 'Thanos');
  stack.prometheus.addRuleGroup(
    new RuleGroup({
      name: 'user-rules',
      rules: [
        Rule.alert({ alert: 'TargetDown', expr: 'up == 0', pendingFor: Duration.minutes(5), labels: { severity: 'warning' } }),
        Rule.record({ record: 'job:up:sum', expr: 'sum by (job) (up)' }),
      ],
    }),
  );
  return Testing.synth(chart);
}

describe('prometheus runs the generated config', () => {
  let run: Running | undefined;
  let local: LocalPod;
  let port: number;
  const objects = defaultStack();
  const pc = findContainer(objects, 'prometheus', 'prometheus');

  afterAll(async () => {
    await run?.stop();
  });

  it('starts with the generated flags, loads config and every rule group, labels as promised', async () => {
    if (hasTool('prometheus')) {
      // The binary under test is the pin, not whatever happens to be on PATH.
      expect(`v${toolVersion('prometheus')}`).toBe(DEFAULT_IMAGES.prometheus.split(':')[1]);
    }
    local = await preparePod(pc, { podName: 'prometheus-0' });
    port = local.ports['--web.listen-address'];
    expect(port).toBeGreaterThan(0);
    run = start('prometheus', local);
    // /-/ready answers 200 once the TSDB is open and the config (rules included) is applied; 503 before
    // (web/web.go: "Prometheus Server is Ready." vs "Service Unavailable").
    await waitFor('prometheus /-/ready', run, 30_000, async () => {
      const r = await fetch(`http://127.0.0.1:${port}/-/ready`, { signal: AbortSignal.timeout(2000) });
      return r.status === 200 ? true : undefined;
    });

    // Flags: every generated flag was accepted (kingpin refuses unknown ones before anything listens) and
    // the values are the generated ones.
    const flagsApi = (await get(port, '/api/v1/status/flags')).data as Record<string, string>;
    for (const a of local.args) {
      const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
      if (!m) continue;
      // kingpin's negated boolean: `--no-x` shows as x = false.
      const negated = m[2] === undefined && m[1].startsWith('no-') && flagsApi[m[1]] === undefined;
      const [name, value] = negated ? [m[1].slice(3), 'false'] : [m[1], m[2] ?? 'true'];
      expect({ flag: name, value: flagsApi[name] }).toEqual({ flag: name, value });
    }

    // Config: the one loaded is the one generated (Prometheus re-marshals it, so compare parsed fields).
    const loaded = (await get(port, '/api/v1/status/config')).data.yaml as string;
    const cfg = parse(loaded);
    const gen = local.config as any;
    expect(cfg.scrape_configs.map((s: any) => s.job_name)).toEqual(gen.scrape_configs.map((s: any) => s.job_name));
    expect(cfg.global.scrape_interval).toBe(gen.global.scrape_interval);
    expect(cfg.global.evaluation_interval).toBe(gen.global.evaluation_interval);

    // External labels: the cluster label as generated and the replica label expanded from POD_NAME
    // (Prometheus 3 expands ${VAR} in external_labels; an unset one would be "").
    expect(cfg.global.external_labels).toEqual({ ...gen.global.external_labels, replica: 'prometheus-0' });
    expect(gen.global.external_labels.replica).toBe('${POD_NAME}');

    // Rules: every group of every generated rule file loaded, with all its rules, none unhealthy.
    // The rule files are the ones the container mounts that match the generated rule_files patterns,
    // found by the harness' file tree (the same files preparePod materialized).
    const tree = containerTree(pc.set, {}, pc.pod, pc.container);
    const ruleFiles = (gen.rule_files as string[]).flatMap((p) => globFiles(tree, p));
    expect(ruleFiles.length).toBeGreaterThan(0);
    const expected: Record<string, number> = {};
    for (const f of ruleFiles) {
      for (const g of parse(tree.files.get(f)?.content ?? '').groups ?? []) expected[g.name] = (g.rules ?? []).length;
    }
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    const groups = (await get(port, '/api/v1/rules')).data.groups as Array<{
      name: string;
      rules: Array<{ health: string; name: string; lastError?: string }>;
    }>;
    expect(Object.fromEntries(groups.map((g) => [g.name, g.rules.length]))).toEqual(expected);
    const unhealthy = groups.flatMap((g) => g.rules.filter((r) => r.health === 'err').map((r) => `${g.name}/${r.name}: ${r.lastError}`));
    expect(unhealthy).toEqual([]);

    // Kubernetes SD failed harmlessly (see the file comment): one failed SD config per kubernetes_sd job.
    const k8sJobs = gen.scrape_configs.filter((s: any) => s.kubernetes_sd_configs).length;
    const metrics = (await get(port, '/metrics')) as string;
    const failed = /^prometheus_sd_failed_configs\{name="scrape"\} (\d+)/m.exec(metrics);
    expect(Number(failed?.[1])).toBe(k8sJobs);
    expect(run.output()).toMatch(/Cannot create service discovery/);
  }, 60_000);
});
