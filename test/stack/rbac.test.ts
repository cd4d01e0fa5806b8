/**
 * Least privilege, computed from the output: for every shipped stack, the permissions each ServiceAccount
 * needs follow from the `kubernetes_sd_configs` of the Prometheus config its pods mount, and the RBAC
 * bound to it grants exactly those.
 */
import { parse } from 'yaml';
import { Prometheus, ScrapeJob } from '../../src';
import { stacks } from '../support/shipped';
import { Manifest, find, problems, synth } from '../support/util';

/**
 * What Prometheus' informers read per role (prometheus/prometheus discovery/kubernetes: the endpoints and
 * endpointslice roles also watch Services and Pods). Written out here independently of the source.
 */
const NEEDS: { [role: string]: string[] } = {
  endpoints: ['/endpoints', '/services', '/pods'],
  endpointslice: ['discovery.k8s.io/endpointslices', '/services', '/pods'],
  pod: ['/pods'],
  service: ['/services'],
  node: ['/nodes'],
  ingress: ['networking.k8s.io/ingresses'],
};
const VERBS = ['list', 'watch'];

/** `<namespace or *> <group>/<resource> <verb>` for every permission a ServiceAccount's Prometheus config needs. */
function needed(objects: Manifest[], serviceAccount: string): Set<string> {
  const out = new Set<string>();
  for (const w of objects.filter((o) => o.kind === 'StatefulSet' && o.spec.template.spec.serviceAccountName === serviceAccount)) {
    for (const v of w.spec.template.spec.volumes ?? []) {
      const cm = v.configMap && objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === v.configMap.name && o.data?.['prometheus.yml']);
      if (!cm) continue;
      for (const job of parse(cm.data['prometheus.yml']).scrape_configs ?? []) {
        for (const sd of job.kubernetes_sd_configs ?? []) {
          const namespaces: string[] = sd.namespaces?.names ?? ['*'];
          for (const ns of namespaces) for (const r of NEEDS[sd.role]) for (const verb of VERBS) out.add(`${ns} ${r} ${verb}`);
        }
      }
    }
  }
  // A cluster-wide need covers the namespaced one.
  for (const p of [...out]) if (!p.startsWith('* ') && out.has(`* ${p.split(' ').slice(1).join(' ')}`)) out.delete(p);
  return out;
}

/** Every permission RBAC grants the ServiceAccount, in the same notation. */
function granted(objects: Manifest[], serviceAccount: string, namespace: string): Set<string> {
  const out = new Set<string>();
  for (const b of objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
    if (!b.subjects.some((s: any) => s.kind === 'ServiceAccount' && s.name === serviceAccount && s.namespace === namespace)) continue;
    const scope = b.kind === 'ClusterRoleBinding' ? '*' : b.metadata.namespace;
    const role = objects.find(
      (o) => o.kind === b.roleRef.kind && o.metadata.name === b.roleRef.name && (o.kind === 'ClusterRole' || o.metadata.namespace === b.metadata.namespace),
    );
    expect({ binding: b.metadata.name, role: !!role }).toEqual({ binding: b.metadata.name, role: true });
    for (const rule of role!.rules) {
      expect(rule.nonResourceURLs).toBeUndefined();
      for (const g of rule.apiGroups) for (const r of rule.resources) for (const verb of rule.verbs) out.add(`${scope} ${g}/${r} ${verb}`);
    }
  }
  return out;
}

describe.each(stacks())('%s', (_, objects) => {
  const accounts = objects.filter((o) => o.kind === 'ServiceAccount');

  test('every ServiceAccount is granted exactly what the discovery jobs of its pods need', () => {
    expect(accounts.length).toBeGreaterThan(0);
    for (const sa of accounts) {
      const ns = sa.metadata.namespace ?? 'default';
      expect({ sa: sa.metadata.name, grants: [...granted(objects, sa.metadata.name, ns)].sort() }).toEqual({
        sa: sa.metadata.name,
        grants: [...needed(objects, sa.metadata.name)].sort(),
      });
    }
  });

  test('no pod automounts an API token; only a container that discovers mounts one', () => {
    for (const w of objects.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))) {
      const spec = w.spec.template.spec;
      expect({ w: w.metadata.name, automount: spec.automountServiceAccountToken }).toEqual({ w: w.metadata.name, automount: false });
      for (const c of spec.containers) {
        const mounted = (c.volumeMounts ?? []).some((m: any) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount');
        expect({ c: `${w.metadata.name}/${c.name}`, mounted }).toEqual({ c: `${w.metadata.name}/${c.name}`, mounted: c.name === 'prometheus' });
      }
    }
  });
});

describe('namespaced discovery', () => {
  test('with annotation discovery off, every job is in the namespace and RBAC is a Role there', () => {
    const objects = synth((c) => new Prometheus(c, 'P', { annotationDiscovery: false }));
    expect(objects.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    const role = find(objects, 'Role', 'prometheus');
    expect(role.metadata.namespace).toBe('monitoring');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods', 'services'], verbs: ['list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    ]);
    expect(find(objects, 'RoleBinding', 'prometheus').roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'prometheus' });
  });

  test('a job outside the namespace with namespaced RBAC is refused with the fix', () => {
    expect(
      problems((c) => {
        const p = new Prometheus(c, 'P', { annotationDiscovery: false });
        p.addScrapeJob(ScrapeJob.kubernetesService('elsewhere', { serviceName: 'x', portName: 'metrics', namespace: 'apps' }));
      }),
    ).toEqual([
      expect.stringContaining(
        "scrape jobs elsewhere discover outside namespace monitoring, but with annotationDiscovery false this Prometheus' RBAC is a Role in that namespace",
      ),
    ]);
  });
});
