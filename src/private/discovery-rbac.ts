import { JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Labels } from './labels';
import { lazy } from './kubernetes';
import { ScrapeJob } from '../config/scrape-job';

/**
 * What each `kubernetes_sd_configs` role reads. Prometheus runs one informer (list + watch, never get)
 * per resource a role needs: endpoints and endpointslice roles also watch the Services and Pods they
 * join (prometheus/prometheus `discovery/kubernetes/kubernetes.go`, `Discovery.Run`).
 */
const ROLE_RESOURCES: { [role: string]: Array<[apiGroup: string, resource: string]> } = {
  endpoints: [
    ['', 'endpoints'],
    ['', 'services'],
    ['', 'pods'],
  ],
  endpointslice: [
    ['discovery.k8s.io', 'endpointslices'],
    ['', 'services'],
    ['', 'pods'],
  ],
  pod: [['', 'pods']],
  service: [['', 'services']],
  node: [['', 'nodes']],
  ingress: [['networking.k8s.io', 'ingresses']],
};

/** The informers' verbs. */
export const DISCOVERY_VERBS = ['list', 'watch'];

/** The RBAC rules the jobs' discovery needs, per API group, sorted. */
export function discoveryRules(jobs: ScrapeJob[]): k8s.PolicyRule[] {
  const byGroup = new Map<string, Set<string>>();
  for (const d of jobs.flatMap((j) => j._kubernetesDiscovery())) {
    for (const [group, resource] of ROLE_RESOURCES[d.role] ?? []) byGroup.set(group, (byGroup.get(group) ?? new Set()).add(resource));
  }
  const rules = [...byGroup.keys()].sort().map((g): k8s.PolicyRule => ({ apiGroups: [g], resources: [...byGroup.get(g)!].sort(), verbs: DISCOVERY_VERBS }));
  // Scraping a kubelet directly (:10250, not through the API server proxy) is authorized as `get nodes/metrics`
  // (kubernetes.io "Kubelet authentication/authorization").
  if (jobs.some((j) => j._access().nodeMetrics)) rules.push({ apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] });
  return rules;
}

/** Jobs that discover outside `namespace` (or in every namespace). */
export function discoveryOutside(jobs: ScrapeJob[], namespace: string): string[] {
  return jobs.filter((j) => j._kubernetesDiscovery().some((d) => !d.namespaces || d.namespaces.some((n) => n !== namespace))).map((j) => j.jobName);
}

/** What `discoveryRbac` needs. */
export interface DiscoveryRbacOptions {
  readonly name: string;
  readonly labels: Labels;
  readonly serviceAccountName: string;
  /** The ServiceAccount's namespace. */
  readonly namespace?: string;
  /** A Role and RoleBinding in `namespace` instead of cluster-wide objects. */
  readonly namespaced: boolean;
  /** The jobs, read when the rules render (jobs are added after construction). */
  readonly jobs: () => ScrapeJob[];
}

/** A (Cluster)Role granting exactly what the jobs discover, bound to the ServiceAccount. */
export function discoveryRbac(scope: Construct, o: DiscoveryRbacOptions): void {
  const rules = lazy(() => discoveryRules(o.jobs()));
  const subjects = [{ kind: 'ServiceAccount', name: o.serviceAccountName, namespace: o.namespace ?? 'default' }];
  if (o.namespaced) {
    const role = new k8s.KubeRole(scope, 'Role', { metadata: { name: o.name, labels: { ...o.labels } }, rules });
    new k8s.KubeRoleBinding(scope, 'RoleBinding', {
      metadata: { name: o.name, labels: { ...o.labels } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
      subjects,
    });
    return;
  }
  // Cluster-scoped names must be unique across namespaces.
  const name = o.namespace ? `${o.namespace}-${o.name}` : o.name;
  const role = new k8s.KubeClusterRole(scope, 'ClusterRole', { metadata: { name, labels: { ...o.labels } }, rules });
  const binding = new k8s.KubeClusterRoleBinding(scope, 'ClusterRoleBinding', {
    metadata: { name, labels: { ...o.labels } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.name },
    subjects,
  });
  // The chart stamps its namespace on every object; cluster-scoped ones must not carry one.
  if (o.namespace) for (const x of [role, binding]) x.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
}
