/**
 * The NetworkPolicies of every shipped stack as a graph of (source workload, destination workload, port):
 * an edge is open only when the source's egress and the destination's ingress both admit it. Every rule
 * that names a component's pods must be matched on the other end (no half-open door), and no egress is
 * open to any address on any port. The admitted graph equals the wiring graph read from the output itself
 * (every address a container or its mounted configs name, every scrape job, every Alertmanager): every
 * needed edge is admitted, and every admitted edge is needed.
 */
import { parse } from 'yaml';
import { findAddresses } from '../harness';
import { stacks } from '../support/shipped';
import { Manifest } from '../support/util';

interface Pod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  spec: any;
}
type Peer = {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string };
};
type Rule = { peers: Peer[]; ports?: Array<{ port: number; protocol: string }> };

const subset = (sel: Record<string, string> = {}, labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);

function selects(peer: Peer, pod: Pod, policyNamespace: string): boolean {
  if (peer.ipBlock) return false;
  const ns = peer.namespaceSelector;
  const nsOk = ns ? subset(ns.matchLabels, { 'kubernetes.io/metadata.name': pod.namespace }) : pod.namespace === policyNamespace;
  return nsOk && (peer.podSelector ? subset(peer.podSelector.matchLabels, pod.labels) : true);
}

const admits = (rules: Rule[], pod: Pod, ns: string, port: number, protocol: string) =>
  rules.some((r) => r.peers.some((p) => selects(p, pod, ns)) && (!r.ports || r.ports.some((x) => x.port === port && x.protocol === protocol)));

describe.each(stacks())('%s', (_, objects) => {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const pods: Pod[] = objects
    .filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))
    .map((w) => ({ name: w.metadata.name, namespace: w.metadata.namespace ?? 'default', labels: w.spec.template.metadata.labels, spec: w.spec.template.spec }));
  const policyOf = (pod: Pod) =>
    policies.find((p) => (p.metadata.namespace ?? 'default') === pod.namespace && subset(p.spec.podSelector.matchLabels, pod.labels));
  const rules = (p: Manifest, dir: 'ingress' | 'egress'): Rule[] => (p.spec[dir] ?? []).map((r: any) => ({ peers: r.from ?? r.to ?? [], ports: r.ports }));

  test('no egress to any address on any port, Prometheus included', () => {
    for (const p of policies) {
      for (const r of rules(p, 'egress')) {
        expect({ p: p.metadata.name, openAll: r.peers.length === 0 || (!r.ports && r.peers.some((x) => x.ipBlock)) }).toEqual({
          p: p.metadata.name,
          openAll: false,
        });
      }
    }
  });

  test("every rule naming a component's pods is admitted on the other end too", () => {
    if (!policies.length) return;
    const halfOpen: string[] = [];
    for (const src of pods) {
      const srcPolicy = policyOf(src);
      if (!srcPolicy) continue;
      for (const dst of pods) {
        const dstPolicy = policyOf(dst);
        if (!dstPolicy) continue;
        for (const dir of ['egress', 'ingress'] as const) {
          const [mine, other, peerPod, selfPod] = dir === 'egress' ? [srcPolicy, dstPolicy, dst, src] : [dstPolicy, srcPolicy, src, dst];
          for (const r of rules(mine, dir).filter((x) => x.peers.some((p) => p.podSelector && selects(p, peerPod, mine.metadata.namespace ?? 'default')))) {
            for (const port of r.ports ?? []) {
              const back = dir === 'egress' ? 'ingress' : 'egress';
              if (!admits(rules(other, back), selfPod, other.metadata.namespace ?? 'default', port.port, port.protocol)) {
                halfOpen.push(`${src.name} -> ${dst.name}:${port.port}/${port.protocol} (only ${dir} admits it)`);
              }
            }
          }
        }
      }
    }
    expect([...new Set(halfOpen)]).toEqual([]);
  });
});

/** `src -> dst:port` for every pod-to-pod TCP edge the wiring in the output needs. */
function neededEdges(objects: Manifest[], pods: Pod[]): Set<string> {
  const edges = new Set<string>();
  const services = objects.filter((o) => o.kind === 'Service');
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((c) => [`${c.metadata.namespace ?? 'default'}/${c.metadata.name}`, c]));
  const containerPort = (pod: Pod, ref: string | number) =>
    pod.spec.containers.flatMap((c: any) => c.ports ?? []).find((p: any) => p.name === ref || p.containerPort === ref)?.containerPort as number | undefined;
  /** The pods behind a Service port (by number or name), with the pod port it forwards to. */
  const reach = (src: Pod, svcName: string, ns: string, match: (p: any) => boolean) => {
    const svc = services.find((x) => x.metadata.name === svcName && (x.metadata.namespace ?? 'default') === ns);
    if (!svc) return;
    for (const sp of svc.spec.ports.filter(match)) {
      for (const dst of pods.filter((d) => d.namespace === ns && subset(svc.spec.selector, d.labels))) {
        const port = containerPort(dst, sp.targetPort ?? sp.port);
        if (port && dst.spec.containers.some((c: any) => (c.ports ?? []).some((p: any) => p.containerPort === port && (p.protocol ?? 'TCP') === 'TCP'))) {
          edges.add(`${src.name} -> ${dst.name}:${port}`);
        }
      }
    }
  };
  for (const src of pods) {
    const mounted = (src.spec.volumes ?? [])
      .filter((v: any) => v.configMap)
      .map((v: any) => configMaps.get(`${src.namespace}/${v.configMap.name}`))
      .filter(Boolean) as Manifest[];
    const texts = [
      // Links for people (alert sources, external URLs) are not connections the pod makes.
      ...src.spec.containers.flatMap((c: any) => [
        ...(c.args ?? []).filter((a: string) => !/^--(alert\.query-url|web\.external-url)=/.test(a)),
        ...(c.command ?? []),
        ...(c.env ?? []).map((e: any) => e.value ?? ''),
      ]),
      ...mounted.filter((c) => !c.data?.['prometheus.yml']).flatMap((c) => Object.values(c.data ?? {}) as string[]),
    ];
    for (const text of texts) {
      // A URL's user info (the bucket Job's `MC_HOST_*=http://$(KEY):$(SECRET)@minio...`) is not part of the address.
      for (const a of findAddresses(String(text).replace(/:\/\/[^@/\s]*@/g, '://'), src.namespace)) {
        reach(src, a.svc, a.ns, (p) => (a.portName !== undefined ? p.name === a.portName : a.port !== undefined ? p.port === a.port : true));
      }
    }
    // Prometheus: each kubernetes_sd job keeps one Service port by name; Alertmanagers by host and port.
    for (const cm of mounted.filter((c) => c.data?.['prometheus.yml'])) {
      const config = parse(cm.data['prometheus.yml']);
      for (const job of config.scrape_configs ?? []) {
        const keep = (job.relabel_configs ?? []).find(
          (r: any) => r.action === 'keep' && String(r.source_labels) === '__meta_kubernetes_service_name,__meta_kubernetes_endpointslice_port_name',
        );
        if (!keep) continue;
        const [svcName, portName] = keep.regex.split(';');
        for (const ns of job.kubernetes_sd_configs[0].namespaces?.names ?? [...new Set(pods.map((d) => d.namespace))])
          reach(src, svcName, ns, (p) => p.name === portName);
      }
      for (const rw of config.remote_write ?? []) {
        for (const a of findAddresses(rw.url, src.namespace)) reach(src, a.svc, a.ns, (p) => (a.port !== undefined ? p.port === a.port : true));
      }
      for (const am of config.alerting?.alertmanagers ?? []) {
        const targets = [
          ...(am.dns_sd_configs ?? []).flatMap((d: any) => d.names.map((n: string) => `${n}:${d.port}`)),
          ...(am.static_configs ?? []).flatMap((t: any) => t.targets),
        ];
        for (const t of targets) for (const a of findAddresses(t, src.namespace)) reach(src, a.svc, a.ns, (p) => p.port === a.port);
      }
    }
  }
  return edges;
}

describe.each(stacks())('%s: admitted edges equal the wiring', (_, objects) => {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const pods: Pod[] = objects
    .filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))
    .map((w) => ({ name: w.metadata.name, namespace: w.metadata.namespace ?? 'default', labels: w.spec.template.metadata.labels, spec: w.spec.template.spec }));
  const policyOf = (pod: Pod) =>
    policies.find((p) => (p.metadata.namespace ?? 'default') === pod.namespace && subset(p.spec.podSelector.matchLabels, pod.labels));
  const rules = (p: Manifest, dir: 'ingress' | 'egress'): Rule[] => (p.spec[dir] ?? []).map((r: any) => ({ peers: r.from ?? r.to ?? [], ports: r.ports }));
  const covered = pods.filter((p) => policyOf(p));

  test('every needed edge is admitted, and every admitted edge is needed', () => {
    if (!policies.length) return;
    const admitted = new Set<string>();
    for (const src of covered) {
      for (const dst of covered) {
        for (const port of dst.spec.containers
          .flatMap((c: any) => c.ports ?? [])
          .filter((p: any) => (p.protocol ?? 'TCP') === 'TCP')
          .map((p: any) => p.containerPort as number)) {
          const out = admits(rules(policyOf(src)!, 'egress'), dst, src.namespace, port, 'TCP');
          const into = admits(rules(policyOf(dst)!, 'ingress'), src, dst.namespace, port, 'TCP');
          if (out && into) admitted.add(`${src.name} -> ${dst.name}:${port}`);
        }
      }
    }
    const coveredNames = new Set(covered.map((p) => p.name));
    const needed = [...neededEdges(objects, pods)].filter((e) => {
      const [s, d] = e.split(' -> ');
      return coveredNames.has(s) && coveredNames.has(d.split(':')[0]);
    });
    expect({
      neededNotAdmitted: needed.filter((e) => !admitted.has(e)).sort(),
      admittedNotNeeded: [...admitted].filter((e) => !needed.includes(e)).sort(),
    }).toEqual({ neededNotAdmitted: [], admittedNotNeeded: [] });
  });
});
