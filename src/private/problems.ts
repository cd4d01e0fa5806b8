import { ApiObject } from 'cdk8s';
import { Secret, ServiceType } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import * as grammar from './grammar';
import { PropRules, propProblems, replicas } from './grammar';
import { DNS_LABEL_MAX_LENGTH } from './invariants';
import { Resources, SizePreset } from '../config/resources';

/** RFC 1123 label: Service, StatefulSet and most object names that end up in DNS. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Prometheus label name (reserved `__` prefix excluded separately). */
const PROM_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Registers a validator that runs at synth time; every problem of every construct is reported together.
 *
 * With `rules`, the props are checked by grammar first (see grammar.ts), and a validator that then
 * fails on a mistyped value (a string where a Size is expected) is skipped: the type problem says it.
 */
export function validateWith(scope: IConstruct, problems: () => string[], rules?: { props: object | undefined; rules: PropRules; prefix?: string }): void {
  const grammarProblems = () => (rules ? propProblems(rules.props, rules.rules, rules.prefix) : []);
  if (rules) scope.node.addValidation({ validate: grammarProblems });
  scope.node.addValidation({
    validate: () => {
      try {
        return problems();
      } catch (e) {
        if (e instanceof TypeError && grammarProblems().length > 0) return [];
        throw e;
      }
    },
  });
}

/** Problems with an object name that becomes a DNS label (Service, StatefulSet pods). */
export function nameProblems(what: string, value: string, maxLength = DNS_LABEL_MAX_LENGTH): string[] {
  if (value.length > maxLength || !DNS_LABEL.test(value)) {
    return [
      `${what} ${JSON.stringify(value)} is not a valid name: use at most ${maxLength} lower-case letters, digits and '-', starting and ending with a letter or digit`,
    ];
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

/** Problems with a replica count: its type, a whole number, and a bound (2**31 replicas run until killed). */
export function replicaProblems(what: string, value: unknown): string[] {
  return replicas(what, value);
}

/** Problems with a Service type: an ExternalName Service has no pods behind it. */
export function serviceTypeProblems(prop: string, type: ServiceType | undefined): string[] {
  return grammar.serviceType(prop, type);
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
    else problems.push(...grammar.promLabelValue(`external label ${JSON.stringify(k)}`, v));
  }
  if (replicaLabel in labels) {
    problems.push(`replicaLabel ${JSON.stringify(replicaLabel)} is also in externalLabels: remove it from externalLabels; its value is set per pod`);
  }
  return problems;
}

/** Grammar of the options every component takes (ComponentOptions). */
export const COMPONENT_RULES: PropRules = {
  image: grammar.image,
  size: grammar.oneOf(Object.values(SizePreset)),
  resources: instanceOf(Resources, 'Resources.of({ cpu, memory })'),
  networkPolicy: grammar.bool,
};

/** An instance of a library class (a plain object literal where a `Resources` is expected). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- classes with private constructors (Resources.of)
export function instanceOf(type: Function, example: string): grammar.Grammar {
  return (path, v) => (v === undefined || v instanceof type ? [] : [`${path} ${grammar.show(v)} is not valid: expected ${type.name}; use ${example}`]);
}

/** Rules of a component's own props on top of COMPONENT_RULES. */
export function componentRules(rules: PropRules): PropRules {
  return { ...COMPONENT_RULES, storageClassName: grammar.dnsSubdomain, ...rules };
}

/** A prop that takes a Secret reference: a literal Secret is refused. */
export const literalSecret: grammar.Grammar = (path, v) => secretReferenceProblems(path, v);

/** Prometheus and Thanos refuse a label set as a string or array: one problem naming the type, not one per character. */
export const EXTERNAL_LABELS = grammar.promLabels;

/** A literal cdk8s-plus Secret (with data) renders its values into the output: only references are accepted. */
export function secretReferenceProblems(
  path: string,
  secret: unknown,
  fix = 'create the Secret outside the output and pass Secret.fromSecretName(scope, id, name)',
): string[] {
  if (secret instanceof Secret) {
    const json = ApiObject.of(secret).toJson() as { data?: object; stringData?: object };
    if (Object.keys(json.data ?? {}).length || Object.keys(json.stringData ?? {}).length) {
      return [`${path} Secret ${JSON.stringify(secret.name)} is not valid: it has literal data that would be written to the output; ${fix}`];
    }
  }
  return [];
}
