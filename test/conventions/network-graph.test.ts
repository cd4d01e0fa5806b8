/**
 * The NetworkPolicies of every shipped stack as a graph of (source workload, destination workload, port):
 * an edge is open only when the source's egress and the destination's ingress both admit it. Every rule
 * that names a component's pods must be matched on the other end (no half-open door), and no egress is
 * open to any address on any port.
 */
import { stacks } from '../support/shipped';
import { Manifest } from '../support/util';

interface Pod { name: string; namespace: string; labels: Record<string, string> }
type Peer = { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: { matchLabels?: Record<string, string> }; ipBlock?: { cidr: string } };
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
  const pods: Pod[] = objects.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))
    .map((w) => ({ name: w.metadata.name, namespace: w.metadata.namespace ?? 'default', labels: w.spec.template.metadata.labels }));
  const policyOf = (pod: Pod) => policies.find((p) => (p.metadata.namespace ?? 'default') === pod.namespace && subset(p.spec.podSelector.matchLabels, pod.labels));
  const rules = (p: Manifest, dir: 'ingress' | 'egress'): Rule[] => (p.spec[dir] ?? []).map((r: any) => ({ peers: r.from ?? r.to ?? [], ports: r.ports }));

  test('no egress to any address on any port, Prometheus included', () => {
    for (const p of policies) {
      for (const r of rules(p, 'egress')) {
        expect({ p: p.metadata.name, openAll: r.peers.length === 0 || (!r.ports && r.peers.some((x) => x.ipBlock)) }).toEqual({ p: p.metadata.name, openAll: false });
      }
    }
  });

  test('every rule naming a component\'s pods is admitted on the other end too', () => {
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
