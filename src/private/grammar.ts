import { Duration, Size } from 'cdk8s';
import { ServiceType } from 'cdk8s-plus-27';
import { promDuration } from './units';
import { DNS_LABEL_MAX_LENGTH, DNS_SUBDOMAIN_MAX_LENGTH, LABEL_VALUE_MAX_LENGTH, QUALIFIED_NAME_MAX_LENGTH } from './invariants';

/**
 * One validator per grammar of a user-given value. Each takes the prop path and the value as given
 * (any type: JavaScript callers and loose casts reach the boundary) and returns problems of the form
 * `<path> <value> is not valid: <fix>`; `undefined` (prop not given) is always valid.
 *
 * The grammars are the ones the consumer applies: the Kubernetes API server (apimachinery's
 * validation package: IsDNS1123Label, IsDNS1123Subdomain, IsQualifiedName, IsValidLabelValue,
 * IsCIDR, IsValidPortNum, IsEnvVarName, IsConfigMapKey), Prometheus' model (LabelName) and the
 * distribution reference grammar for images.
 */
export type Grammar = (path: string, value: unknown) => string[];

/** The value as a problem shows it: strings quoted, objects as JSON, with their type when it is the problem. */
export function show(value: unknown): string {
  if (value instanceof Duration) return `Duration ${promDuration(value)}`;
  if (value instanceof Size) return `Size ${value.toMebibytes()}MiB`;
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function invalid(path: string, value: unknown, fix: string): string[] {
  return [`${path} ${show(value)} is not valid: ${fix}`];
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `a ${(value as object).constructor?.name ?? 'object'}`;
  return `a ${typeof value}`;
}

/** Wraps a string grammar with the type check every string prop needs. */
function stringGrammar(check: (path: string, value: string) => string[]): Grammar {
  return (path, value) => {
    if (value === undefined) return [];
    if (typeof value !== 'string') return invalid(path, value, `expected a string, got ${typeName(value)}`);
    return check(path, value);
  };
}

const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const PROM_LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isDnsLabel(v: string): boolean {
  return v.length <= DNS_LABEL_MAX_LENGTH && DNS_LABEL_RE.test(v);
}

export function isDnsSubdomain(v: string): boolean {
  return v.length <= DNS_SUBDOMAIN_MAX_LENGTH && DNS_SUBDOMAIN_RE.test(v);
}

/** `[prefix/]name`: prefix a DNS subdomain, name a short alphanumeric with '-', '_', '.' inside. */
export function isQualifiedName(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash >= 0 && (key.indexOf('/', slash + 1) >= 0 || !isDnsSubdomain(key.slice(0, slash)))) return false;
  const name = slash < 0 ? key : key.slice(slash + 1);
  return name.length <= QUALIFIED_NAME_MAX_LENGTH && QUALIFIED_NAME_RE.test(name);
}

export function isLabelValue(v: string): boolean {
  return v.length <= LABEL_VALUE_MAX_LENGTH && LABEL_VALUE_RE.test(v);
}

/** RFC 1123 label: namespaces, Service and StatefulSet names. */
export const dnsLabel: Grammar = stringGrammar((path, v) =>
  isDnsLabel(v)
    ? []
    : invalid(path, v, `use at most ${DNS_LABEL_MAX_LENGTH} lower-case letters, digits and '-', starting and ending with a letter or digit (no '.')`),
);

/** RFC 1123 subdomain: most object names, storage class names. */
export const dnsSubdomain: Grammar = stringGrammar((path, v) =>
  isDnsSubdomain(v)
    ? []
    : invalid(path, v, `use at most ${DNS_SUBDOMAIN_MAX_LENGTH} lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit`),
);

/** Kubernetes label or annotation key. */
export const labelKey: Grammar = stringGrammar((path, v) =>
  isQualifiedName(v)
    ? []
    : invalid(
        path,
        v,
        `use [prefix/]name: name at most ${QUALIFIED_NAME_MAX_LENGTH} letters, digits, '-', '_' and '.', starting and ending with a letter or digit; prefix a DNS subdomain`,
      ),
);

/** Kubernetes label value. */
export const labelValue: Grammar = stringGrammar((path, v) =>
  isLabelValue(v)
    ? []
    : invalid(path, v, `use at most ${LABEL_VALUE_MAX_LENGTH} letters, digits, '-', '_' and '.', starting and ending with a letter or digit`),
);

/** A map of Kubernetes labels (selectors, the prometheus-operator labels). */
export const labelMap: Grammar = mapOf(labelKey, labelValue);

/** A map of annotations: keys are qualified names, values any string. */
export const annotationMap: Grammar = mapOf(
  labelKey,
  stringGrammar(() => []),
);

/** Prometheus label name (`__` is reserved for internal labels). */
export const promLabelName: Grammar = stringGrammar((path, v) =>
  PROM_LABEL_NAME_RE.test(v) && !v.startsWith('__') ? [] : invalid(path, v, 'match [a-zA-Z_][a-zA-Z0-9_]* and do not start with "__"'),
);

/**
 * Prometheus label value as a user writes it: whitespace at either end or a line break is kept by
 * Prometheus and makes a different series than the one meant. (`$` is escaped by the renderer.)
 */
export const promLabelValue: Grammar = stringGrammar((path, v) => {
  if (v === '') return invalid(path, v, 'give it a value or remove the label');
  if (v.trim() !== v || /[\r\n]/.test(v)) return invalid(path, v, 'remove the leading/trailing whitespace and line breaks');
  return [];
});

/** External labels and similar Prometheus label sets. */
export const promLabels: Grammar = mapOf(promLabelName, promLabelValue);

/** Kubernetes environment variable name. */
export const envVarName: Grammar = stringGrammar((path, v) =>
  /^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(v) ? [] : invalid(path, v, "use letters, digits, '_', '-' and '.', not starting with a digit"),
);

/** Key of a Secret or ConfigMap. */
export const secretKey: Grammar = stringGrammar((path, v) =>
  v.length <= DNS_SUBDOMAIN_MAX_LENGTH && /^[-._a-zA-Z0-9]+$/.test(v) ? [] : invalid(path, v, "use letters, digits, '-', '_' and '.' (no '/')"),
);

/** TCP/UDP port number. */
export const port: Grammar = (path, v) => {
  if (v === undefined) return [];
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535 ? [] : invalid(path, v, 'use a whole number in 1-65535');
};

/** A count between `min` and `max` (replicas, shards). */
export function count(min: number, max: number): Grammar {
  return (path, v) => {
    if (v === undefined) return [];
    if (typeof v !== 'number') return invalid(path, v, `expected a number, got ${typeName(v)}; use a whole number in ${min}-${max}`);
    return Number.isInteger(v) && v >= min && v <= max ? [] : invalid(path, v, `use a whole number in ${min}-${max}`);
  };
}

/** Replica counts: beyond 100 replicas of one stack component is a typo, not a plan. */
export const replicas: Grammar = count(1, 100);

const QUANTITY_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;

export function isQuantity(v: string): boolean {
  return QUANTITY_RE.test(v);
}

/** Kubernetes resource quantity, positive (`500m`, `2Gi`). */
export const quantity: Grammar = stringGrammar((path, v) => {
  if (!isQuantity(v)) return invalid(path, v, "use a Kubernetes quantity such as '500m', '2' or '4Gi'");
  if (parseQuantity(v) <= 0) return invalid(path, v, 'use a positive quantity');
  return [];
});

const SUFFIX: { [s: string]: number } = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The numeric value of a quantity (NaN when it is not one). */
export function parseQuantity(v: string): number {
  if (!isQuantity(v)) return NaN;
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(.*)$/.exec(v)!;
  const suffix = m[2];
  if (/^[eE]/.test(suffix)) return Number(m[1]) * 10 ** Number(suffix.slice(1));
  return Number(m[1]) * SUFFIX[suffix];
}

/** A positive `Size` (a string or number is the usual JavaScript mistake). */
export const size: Grammar = (path, v) => {
  if (v === undefined) return [];
  if (!(v instanceof Size)) return invalid(path, v, `expected a Size, got ${typeName(v)}; use e.g. Size.gibibytes(20)`);
  return v.toMebibytes() > 0 ? [] : invalid(path, v, 'use a positive size');
};

/** A `Duration` (zero allowed: some fields mean "off" by it). */
export const duration: Grammar = (path, v) => {
  if (v === undefined) return [];
  return v instanceof Duration ? [] : invalid(path, v, `expected a Duration, got ${typeName(v)}; use e.g. Duration.minutes(5)`);
};

/** A positive `Duration`: zero would be replaced by a default or stop the component. */
export const positiveDuration: Grammar = (path, v) => {
  const problems = duration(path, v);
  if (problems.length || v === undefined) return problems;
  return (v as Duration).toMilliseconds() > 0 ? [] : invalid(path, v, 'use a positive duration (0 means "use the default" to the binary, not "off")');
};

/** A value of a string enum (enum-like props), after noticing stray whitespace. */
export function oneOf(values: readonly string[]): Grammar {
  return (path, v) => {
    if (v === undefined || values.includes(v as string)) return [];
    const trimmed = typeof v === 'string' ? values.find((x) => x.toLowerCase() === v.trim().toLowerCase()) : undefined;
    return invalid(path, v, trimmed ? `use ${JSON.stringify(trimmed)} exactly` : `use one of ${JSON.stringify(values)}`);
  };
}

/** A Service type the components can expose pods through (ExternalName has no pods behind it). */
export const serviceType: Grammar = (path, v) => {
  if (v === ServiceType.EXTERNAL_NAME) return [`${path} ExternalName cannot expose pods: use CLUSTER_IP, NODE_PORT or LOAD_BALANCER`];
  return oneOf([ServiceType.CLUSTER_IP, ServiceType.NODE_PORT, ServiceType.LOAD_BALANCER])(path, v);
};

/** A boolean (the string 'false' is truthy). */
export const bool: Grammar = (path, v) => (v === undefined || typeof v === 'boolean' ? [] : invalid(path, v, `expected true or false, got ${typeName(v)}`));

/** A plain object map whose keys and values follow their grammars. */
export function mapOf(key: Grammar, value: Grammar): Grammar {
  return (path, v) => {
    if (v === undefined) return [];
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Duration || v instanceof Size) {
      return invalid(path, v, `expected a map of key to value, got ${typeName(v)}; use e.g. { key: "value" }`);
    }
    return Object.entries(v).flatMap(([k, x]) => [...key(`${path} key`, k), ...value(`${path}.${k}`, x)]);
  };
}

/** An array whose items follow `item`. */
export function listOf(item: Grammar): Grammar {
  return (path, v) => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) return invalid(path, v, `expected an array, got ${typeName(v)}`);
    return v.flatMap((x, i) => item(`${path}[${i}]`, x));
  };
}

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The address of a CIDR as a bigint with its bit width, or undefined when it is not one. */
export function parseCidr(v: string): { bits: number; base: bigint; prefix: number } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
  if (!m) return undefined;
  const prefix = Number(m[2]);
  if (IPV4_RE.test(m[1])) {
    if (prefix > 32) return undefined;
    return { bits: 32, base: m[1].split('.').reduce((a, o) => (a << 8n) + BigInt(o), 0n), prefix };
  }
  const ip6 = parseIpv6(m[1]);
  if (ip6 === undefined || prefix > 128) return undefined;
  return { bits: 128, base: ip6, prefix };
}

function parseIpv6(v: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(v) || (v.match(/::/g) ?? []).length > 1) return undefined;
  const [head, tail] = v.includes('::') ? v.split('::') : [v, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const missing = 8 - h.length - t.length;
  if (tail === undefined ? h.length !== 8 : missing < 1) return undefined;
  const groups = [...h, ...Array(tail === undefined ? 0 : missing).fill('0'), ...t];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.reduce((a, g) => (a << 16n) + BigInt(parseInt(g, 16)), 0n);
}

/** True when `inner` lies within `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o || !i || o.bits !== i.bits || i.prefix < o.prefix) return false;
  const shift = BigInt(o.bits - o.prefix);
  return o.base >> shift === i.base >> shift;
}

/** An IPv4 or IPv6 CIDR (`10.0.0.0/8`, `fd00::/8`). */
export const cidr: Grammar = stringGrammar((path, v) =>
  parseCidr(v) ? [] : invalid(path, v, "use an IPv4 or IPv6 CIDR such as '10.0.0.0/8' (prefix 0-32 for IPv4, 0-128 for IPv6)"),
);

/** `except` entries of an ipBlock: each a CIDR strictly inside its `cidr`. */
export function cidrExcept(path: string, outer: string, except: unknown): string[] {
  return listOf((p, e) => {
    const problems = cidr(p, e);
    if (problems.length || typeof e !== 'string' || !parseCidr(outer)) return problems;
    return cidrContains(outer, e) && e !== outer ? [] : invalid(p, e, `an except must lie inside its cidr ${outer}; drop it or widen the cidr`);
  })(path, except);
}

// distribution/reference: lower-case path components, optional registry host[:port], tag or digest.
const IMAGE_RE =
  /^(?:((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?)\/)?([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/;

/**
 * An image reference, pinned: a tag other than `latest` or a digest. Without one the cluster pulls
 * whatever `latest` is that day, so two nodes run different versions.
 */
export const image: Grammar = stringGrammar((path, v) => {
  const m = IMAGE_RE.exec(v);
  // A first component without '.', ':' or 'localhost' is a repository path, not a registry.
  if (!m)
    return invalid(
      path,
      v,
      "use registry/repository:tag with a lower-case repository and a tag of letters, digits, '_', '.', '-' (e.g. quay.io/thanos/thanos:v0.42.4)",
    );
  const [, , , tag, digest] = m;
  if (!tag && !digest) return invalid(path, v, 'pin a tag or digest (e.g. quay.io/thanos/thanos:v0.42.4)');
  if (tag === 'latest' && !digest) return invalid(path, v, "pin a version tag or digest instead of 'latest'");
  return [];
});

const CREDENTIAL_QUERY = /^(.*[-_])?(token|access[-_]?token|api[-_]?key|apikey|key|secret|password|passwd|pass|auth|signature|sig|credential|credentials)$/i;

/**
 * An http(s) URL rendered into a config file: no password in its userinfo and no credential-shaped
 * query parameter, because the file lands in a ConfigMap and in git.
 * @param secretFix how to give the URL from a Secret instead, e.g. 'use urlSecret'
 */
export function url(secretFix: string): Grammar {
  return stringGrammar((path, v) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      return invalid(path, v, 'use an absolute URL such as https://host/path');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return invalid(path, v, 'use an http:// or https:// URL');
    const credentialParam = [...u.searchParams.keys()].find((k) => CREDENTIAL_QUERY.test(k));
    if (u.password || (u.username && !u.password) || credentialParam) {
      return [
        `${path} ${JSON.stringify(redact(u))} carries a credential (${u.password || u.username ? 'userinfo' : `query parameter ${credentialParam}`}) that would be written into a ConfigMap: ${secretFix}`,
      ];
    }
    return [];
  });
}

function redact(u: URL): string {
  const r = new URL(u.href);
  if (r.password) r.password = '***';
  for (const k of [...r.searchParams.keys()]) if (CREDENTIAL_QUERY.test(k)) r.searchParams.set(k, '***');
  return r.href;
}

/** An e-mail address as Alertmanager's `to`/`from` take it (`name@domain`, optionally `Name <a@b>`). */
export const email: Grammar = stringGrammar((path, v) =>
  /^([^<>\n]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(v) ? [] : invalid(path, v, 'use an address such as alerts@example.com'),
);

/** An environment variable name that looks like it carries a credential (Grafana's GF_*). */
export function isCredentialName(name: string): boolean {
  return /(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|PRIVATE_KEY|CREDENTIAL)/i.test(name) && !/__FILE$/.test(name);
}

/**
 * Literal environment variables: valid names, string values, and none whose name says it carries a
 * credential (the value would be written into the output).
 */
export function literalEnv(secretFix: string): Grammar {
  const entries = mapOf(
    envVarName,
    stringGrammar(() => []),
  );
  return (path, v) => {
    const problems = entries(path, v);
    if (problems.length || v === undefined) return problems;
    return Object.keys(v as object)
      .filter(isCredentialName)
      .map((k) => `${path}.${k} is not valid: a credential-shaped variable would be written into the output as a literal; ${secretFix}`);
  };
}

/** The checks of a props object: prop name -> grammar. */
export type PropRules = { readonly [prop: string]: Grammar };

/**
 * Every problem of `props` by the grammar of each prop, with `prefix` before the prop name
 * (`prometheus.` when a stack passes its options through).
 */
export function propProblems(props: object | undefined, rules: PropRules, prefix = ''): string[] {
  if (props === undefined) return [];
  if (props === null || typeof props !== 'object')
    return invalid(prefix.replace(/\.$/, '') || 'props', props, `expected an object of props, got ${typeName(props)}`);
  const p = props as { [k: string]: unknown };
  return Object.entries(rules).flatMap(([name, grammar]) => grammar(`${prefix}${name}`, p[name]));
}

/** Escapes `$` for Prometheus 3, which expands `${VAR}` and `$VAR` in external label values. */
export function escapeDollar(v: string): string {
  return v.replace(/\$/g, '$$$$');
}

/** `value` when it has the type, else `fallback`: construction goes on and the type problem is reported at synth. */
export function sizeOr(value: unknown, fallback: Size): Size;
export function sizeOr(value: unknown, fallback?: Size): Size | undefined;
export function sizeOr(value: unknown, fallback?: Size): Size | undefined {
  return value instanceof Size ? value : fallback;
}

export function durationOr(value: unknown, fallback: Duration): Duration;
export function durationOr(value: unknown, fallback?: Duration): Duration | undefined;
export function durationOr(value: unknown, fallback?: Duration): Duration | undefined {
  return value instanceof Duration ? value : fallback;
}

/** Any plain object map (the type check alone; the entries are checked where they are used). */
export const anyMap: Grammar = mapOf(
  () => [],
  () => [],
);

/** `value` when it is a plain object map, else `fallback`. */
export function mapOr<T extends object>(value: unknown, fallback: T): T {
  return anyMap('', value).length === 0 && value !== undefined ? (value as T) : fallback;
}
