import { ApiObject, Chart } from 'cdk8s';
import { ServiceType } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';

/** RFC 1123 label: Service, StatefulSet and most object names that end up in DNS. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Prometheus label name (reserved `__` prefix excluded separately). */
const PROM_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Registers a validator that runs at synth time; every problem of every construct is reported together.
 * The first construct of a chart also checks that the chart's object names are unique.
 */
export function validateWith(scope: IConstruct, problems: () => string[]): void {
  scope.node.addValidation({ validate: problems });
  const chart = Chart.of(scope);
  if (!checkedCharts.has(chart)) {
    checkedCharts.add(chart);
    chart.node.addValidation({ validate: () => duplicateNameProblems(chart) });
  }
}

const checkedCharts = new WeakSet<Chart>();

/** Two objects of one kind and name in a chart: the second silently replaces the first when applied. */
function duplicateNameProblems(chart: Chart): string[] {
  const seen = new Map<string, ApiObject>();
  const problems: string[] = [];
  for (const o of chart.node.findAll()) {
    if (!(o instanceof ApiObject)) continue;
    const key = `${o.apiVersion}/${o.kind}/${o.name}`;
    const first = seen.get(key);
    if (first) {
      problems.push(`${o.kind} ${JSON.stringify(o.name)} is defined by both ${first.node.path} and ${o.node.path}: applying one overwrites the other; give one of them another name`);
    } else {
      seen.set(key, o);
    }
  }
  return problems;
}

/**
 * Longest StatefulSet name: its pods carry a `controller-revision-hash` label of the name plus an
 * 11-character hash, and label values stop at 63 characters.
 */
export const MAX_STATEFULSET_NAME = 52;

/** Problems with an object name that becomes a DNS label (Service, StatefulSet pods). */
export function nameProblems(what: string, value: string, maxLength = 63): string[] {
  if (value.length > maxLength || !DNS_LABEL.test(value)) {
    return [`${what} ${JSON.stringify(value)} is not a valid name: use at most ${maxLength} lower-case letters, digits and '-', starting and ending with a letter or digit`];
  }
  return [];
}

/** Problems with a Prometheus label name (external labels, replica labels). */
export function labelNameProblems(what: string, value: string): string[] {
  if (!PROM_LABEL_NAME.test(value) || value.startsWith('__')) {
    return [`${what} ${JSON.stringify(value)} is not a valid Prometheus label name: match [a-zA-Z_][a-zA-Z0-9_]* and do not start with "__"`];
  }
  return [];
}

/** Problems with the key of a Secret (what `kubectl create secret --from-file=<key>=...` accepts). */
export function secretKeyProblems(what: string, key: string): string[] {
  return /^[-._a-zA-Z0-9]+$/.test(key) ? [] : [`${what} ${JSON.stringify(key)} is not a valid Secret key: use letters, digits, '-', '_' and '.'`];
}

/** True for a Prometheus label name (Alertmanager's groupBy and equal take them too). */
export function isLabelName(name: string): boolean {
  return PROM_LABEL_NAME.test(name) && !name.startsWith('__');
}

/** Problems with a replica count. */
export function replicaProblems(what: string, value: number): string[] {
  if (!Number.isInteger(value) || value < 1) {
    return [`${what} ${value} is not a valid replica count: use a whole number >= 1`];
  }
  return [];
}

/** Problems with a Service type: an ExternalName Service has no pods behind it. */
export function serviceTypeProblems(prop: string, type: ServiceType | undefined): string[] {
  return type === ServiceType.EXTERNAL_NAME ? [`${prop} ExternalName cannot expose pods: use CLUSTER_IP, NODE_PORT or LOAD_BALANCER`] : [];
}

/**
 * Problems with an external label set and its per-pod replica label (Prometheus, ruler).
 * @param whyNeeded what breaks without labels, e.g. 'the Thanos sidecar refuses to start without external labels'
 * @param example a label set to suggest, e.g. '{ cluster: "eu1" }'
 */
export function externalLabelProblems(labels: { [name: string]: string }, replicaLabel: string, whyNeeded: string, example: string): string[] {
  const problems = labelNameProblems('replicaLabel', replicaLabel);
  if (Object.keys(labels).length === 0) problems.push(`externalLabels is empty: ${whyNeeded}; set e.g. ${example}`);
  for (const [k, v] of Object.entries(labels)) {
    problems.push(...labelNameProblems('external label', k));
    if (!v) problems.push(`external label ${JSON.stringify(k)} has an empty value: give it a value or remove it`);
  }
  if (replicaLabel in labels) {
    problems.push(`replicaLabel ${JSON.stringify(replicaLabel)} is also in externalLabels: remove it from externalLabels; its value is set per pod`);
  }
  return problems;
}
