import { IConstruct } from 'constructs';

/** RFC 1123 label: Service, StatefulSet and most object names that end up in DNS. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Prometheus label name (reserved `__` prefix excluded separately). */
const PROM_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Registers a validator that runs at synth time; every problem of every construct is reported together. */
export function validateWith(scope: IConstruct, problems: () => string[]): void {
  scope.node.addValidation({ validate: problems });
}

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

/** Problems with a replica count. */
export function replicaProblems(what: string, value: number, min = 1): string[] {
  if (!Number.isInteger(value) || value < min) {
    return [`${what} ${value} is not a valid replica count: use a whole number >= ${min}`];
  }
  return [];
}
