/**
 * Strict schema check against the Kubernetes 1.27.0 OpenAPI definitions (what `kubeconform -strict` does),
 * plus the field rules the API server enforces that the OpenAPI schema does not express (from
 * src/private/api-server-rules.ts, shared with synthesize()'s final pass).
 */
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { fixture } from './fixtures';
import { apiServerProblems } from '../../src/private/api-server-rules';
import { HarnessOptions, K8sObject, ManifestSet, arr, rec } from './model';

type Schema = Record<string, unknown>;


/**
 * Adds `additionalProperties: false` to every schema with `properties` (except preserve-unknown-fields ones),
 * recursing into sub-schemas. `properties`/`definitions` are maps of schemas, not schemas: JSONSchemaProps has
 * a property literally named "properties".
 */
function strictify(schema: unknown): void {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return;
  const s = schema as Schema;
  if (s.properties && !s['x-kubernetes-preserve-unknown-fields'] && s.additionalProperties === undefined) s.additionalProperties = false;
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' || k === 'definitions' || k === 'patternProperties') Object.values(v as Schema).forEach(strictify);
    else if (Array.isArray(v)) v.forEach(strictify);
    else strictify(v);
  }
}

interface Compiled {
  ajv: Ajv;
  /** `apiVersion|kind` -> definition name. */
  gvk: Map<string, string>;
  validators: Map<string, ValidateFunction>;
}

let compiled: Compiled | undefined;

function k8sSchemas(): Compiled {
  if (compiled) return compiled;
  // A fresh parse, not the cached fixture object: the strict copy is mutated.
  const defs = JSON.parse(JSON.stringify(fixture<{ definitions: Record<string, Schema> }>('k8s-v1.27.0-definitions.json').definitions)) as Record<string, Schema>;
  Object.values(defs).forEach(strictify);
  // The API server accepts both JSON forms; the published oneOf yields unreadable double errors.
  defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = { type: ['string', 'integer'] };
  defs['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { type: ['string', 'number'] };
  const gvk = new Map<string, string>();
  for (const [name, def] of Object.entries(defs)) {
    const list = arr<{ group?: string; version?: string; kind?: string }>(def['x-kubernetes-group-version-kind']);
    if (list.length !== 1) continue; // DeleteOptions, WatchEvent...: not objects anyone applies
    const { group, version, kind } = list[0];
    gvk.set(`${group ? `${group}/` : ''}${version}|${kind}`, name);
  }
  const ajv = kubernetesAjv();
  ajv.addSchema({ $id: 'k8s', definitions: defs });
  compiled = { ajv, gvk, validators: new Map() };
  return compiled;
}

/**
 * An ajv that speaks the OpenAPI dialect of the API server: strict:false because the schemas carry
 * x-kubernetes-* keywords, its formats, and Go's `(?i)` inline flag in CRD patterns.
 */
function kubernetesAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateFormats: true, code: { regExp: goRegExp } });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i);
  return ajv;
}

/**
 * Go (RE2) patterns as JavaScript ones: the `(?i)` flag group (as in `^(?i)(abort|warn)?$`) becomes
 * the `i` flag, for the whole pattern: the same for the anchored enums CRDs use it on.
 */
function goRegExp(pattern: string, flags: string): RegExp {
  return pattern.includes('(?i)') ? new RegExp(pattern.split('(?i)').join(''), `${flags}i`) : new RegExp(pattern, flags);
}
goRegExp.code = 'goRegExp';

/** Compiled once per kind per process (the Pod-bearing kinds take ~100 ms each to compile). */
function validatorFor(definition: string): ValidateFunction {
  const c = k8sSchemas();
  let v = c.validators.get(definition);
  if (!v) {
    v = c.ajv.getSchema(`k8s#/definitions/${definition}`) as ValidateFunction;
    c.validators.set(definition, v);
  }
  return v;
}

const customValidators = new WeakMap<object, ValidateFunction>();

function customValidator(schema: object): ValidateFunction {
  let v = customValidators.get(schema);
  if (!v) {
    v = kubernetesAjv().compile(schema);
    customValidators.set(schema, v);
  }
  return v;
}

/** `/spec/template/spec/containers/0/x` -> `spec.template.spec.containers[0].x (container "c")`. */
function describePath(obj: K8sObject, instancePath: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  let node: unknown = obj;
  let container = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    out += /^\d+$/.test(p) ? `[${p}]` : `${out ? '.' : ''}${p}`;
    node = Array.isArray(node) ? node[Number(p)] : rec(node)[p];
    if (/ontainers$/.test(parts[i - 1] ?? '') && /^\d+$/.test(p)) container = String(rec(node).name ?? '');
  }
  return `${out || '(root)'}${container ? ` (container ${JSON.stringify(container)})` : ''}`;
}

function formatErrors(set: ManifestSet, obj: K8sObject, errors: ErrorObject[]): string[] {
  const out = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    const at = describePath(obj, e.instancePath);
    const shown = JSON.stringify(e.data);
    if (e.keyword === 'additionalProperties') {
      const field = String(e.params.additionalProperty);
      out.add(`${set.ref(obj)}: ${at}: unknown field ${JSON.stringify(field)} (value ${JSON.stringify(rec(e.data)[field])?.slice(0, 80)})`);
    } else {
      out.add(`${set.ref(obj)}: ${at}: ${e.message} (got ${shown === undefined ? 'undefined' : shown.slice(0, 80)})`);
    }
  }
  return [...out];
}

export function checkSchema(set: ManifestSet, opts: HarnessOptions): string[] {
  const problems: string[] = [];
  const { gvk } = k8sSchemas();
  for (const obj of set.objects) {
    const apiVersion = obj.apiVersion;
    const kind = obj.kind;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      problems.push(`${set.ref(obj)}: apiVersion and kind are required (got ${JSON.stringify(apiVersion)}, ${JSON.stringify(kind)})`);
      continue;
    }
    const definition = gvk.get(`${apiVersion}|${kind}`);
    const custom = opts.allowedCustomKinds?.[`${apiVersion}/${kind}`] ?? opts.allowedCustomKinds?.[kind];
    let validate: ValidateFunction | undefined;
    if (definition) validate = validatorFor(definition);
    else if (custom) validate = customValidator(custom);
    if (!validate) {
      problems.push(`${set.ref(obj)}: unknown apiVersion/kind ${apiVersion} ${kind} for Kubernetes 1.27 (add it to allowedCustomKinds if it is a CRD)`);
    } else if (!validate(obj)) {
      problems.push(...formatErrors(set, obj, validate.errors ?? []));
    }
    // The API server's field rules: the same implementation as synthesize()'s final pass.
    problems.push(...apiServerProblems(obj).map((p) => `${set.ref(obj)}: ${p}`));
  }
  return problems;
}

/** Compiles the validators of the usual kinds up front (tests call this in beforeAll to keep timings honest). */
export function warmUpSchemas(kinds: string[] = ['apps/v1|Deployment', 'apps/v1|StatefulSet', 'v1|ConfigMap', 'v1|Service']): void {
  const { gvk } = k8sSchemas();
  for (const k of kinds) {
    const def = gvk.get(k);
    if (def) validatorFor(def);
  }
}
