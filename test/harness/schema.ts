/**
 * Strict schema check against the Kubernetes OpenAPI definitions of 1.27.0 (the typed L1 classes of
 * cdk8s-plus-27) and of 1.30.0, 1.33.0 and 1.36.0 (the clusters users run today), what `kubeconform
 * -strict` does, plus the field rules the API server enforces that the OpenAPI schema does not express
 * (from src/private/api-server-rules.ts, shared with synthesize()'s final pass).
 */
import { createHash } from 'crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'fs';
import { join } from 'path';
import Ajv, { ErrorObject, ValidateFunction, _ } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { formats, goRegExp } from './ajv-runtime';
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

/** The Kubernetes versions the harness knows (test/fixtures/k8s-v<version>.0-definitions.json). */
export const KUBERNETES_VERSIONS = ['1.27', '1.30', '1.33', '1.36'];

/**
 * Kinds whose validators are generated once as standalone code and cached in node_modules/.cache: what the
 * stacks emit. Compiling the Pod-bearing ones takes ~100 ms each, in every test file that validates.
 */
const PRECOMPILED = [
  'v1|Namespace',
  'v1|ConfigMap',
  'v1|Secret',
  'v1|Service',
  'v1|ServiceAccount',
  'v1|PersistentVolumeClaim',
  'v1|Pod',
  'apps/v1|Deployment',
  'apps/v1|StatefulSet',
  'batch/v1|Job',
  'networking.k8s.io/v1|NetworkPolicy',
  'policy/v1|PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1|ClusterRole',
  'rbac.authorization.k8s.io/v1|ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1|Role',
  'rbac.authorization.k8s.io/v1|RoleBinding',
];
const CACHE_DIR = join(__dirname, '..', '..', 'node_modules', '.cache', 'k8s-harness');
const RUNTIME = join(__dirname, 'ajv-runtime');

interface Compiled {
  version: string;
  /** `apiVersion|kind` -> definition name. */
  gvk: Map<string, string>;
  /** Strict definitions and an ajv holding them, made on first use (kinds not precompiled). */
  runtime: () => { ajv: Ajv; defs: Record<string, Schema> };
  /** Validators loaded from the standalone cache, by definition name. */
  precompiled: Record<string, ValidateFunction>;
}

const compiled = new Map<string, Compiled>();

/** The strict definitions of `version`: additionalProperties false, and the two union types simplified. */
function strictDefinitions(version: string): Record<string, Schema> {
  // A fresh parse, not the cached fixture object: the strict copy is mutated.
  const defs = JSON.parse(JSON.stringify(fixture<{ definitions: Record<string, Schema> }>(`k8s-v${version}.0-definitions.json`).definitions)) as Record<
    string,
    Schema
  >;
  Object.values(defs).forEach(strictify);
  // The API server accepts both JSON forms; the published oneOf yields unreadable double errors.
  defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = { type: ['string', 'integer'] };
  defs['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { type: ['string', 'number'] };
  return defs;
}

/**
 * The precompiled validators of `version`, generated on first use and cached on disk keyed by the schema
 * file, this module and ajv-runtime.ts (any change regenerates them).
 */
function precompiledValidators(version: string, gvk: Map<string, string>): Record<string, ValidateFunction> {
  const fixtureFile = join(__dirname, '..', 'fixtures', `k8s-v${version}.0-definitions.json`);
  const key = createHash('sha1')
    .update(readFileSync(fixtureFile))
    .update(readFileSync(__filename))
    .update(readFileSync(`${RUNTIME}.ts`))
    .update(PRECOMPILED.join())
    .digest('hex')
    .slice(0, 16);
  const file = join(CACHE_DIR, `k8s-v${version}-${key}.js`);
  if (!existsSync(file)) {
    const defs = strictDefinitions(version);
    const ajv = kubernetesAjv(true);
    ajv.addSchema({ $id: 'k8s', definitions: defs });
    const refs = Object.fromEntries(PRECOMPILED.filter((k) => gvk.has(k)).map((k) => [gvk.get(k)!, `k8s#/definitions/${gvk.get(k)}`]));
    mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, standaloneCode(ajv, refs));
    renameSync(tmp, file);
  }

  return require(file);
}

function k8sSchemas(version: string): Compiled {
  const cached = compiled.get(version);
  if (cached) return cached;
  const gvk = new Map<string, string>();
  for (const [name, def] of Object.entries(fixture<{ definitions: Record<string, Schema> }>(`k8s-v${version}.0-definitions.json`).definitions)) {
    const list = arr<{ group?: string; version?: string; kind?: string }>(def['x-kubernetes-group-version-kind']);
    if (list.length !== 1) continue; // DeleteOptions, WatchEvent...: not objects anyone applies
    const { group, version: v, kind } = list[0];
    gvk.set(`${group ? `${group}/` : ''}${v}|${kind}`, name);
  }
  let runtime: { ajv: Ajv; defs: Record<string, Schema> } | undefined;
  const c: Compiled = {
    version,
    gvk,
    runtime: () => {
      if (!runtime) {
        const defs = strictDefinitions(version);
        const ajv = kubernetesAjv();
        ajv.addSchema({ $id: 'k8s', definitions: defs });
        runtime = { ajv, defs };
      }
      return runtime;
    },
    precompiled: precompiledValidators(version, gvk),
  };
  compiled.set(version, c);
  return c;
}

/**
 * The definition and every definition it references, as one string: kinds that did not change between
 * versions (most of them) share one compiled validator.
 */
function closureKey(c: Compiled, definition: string): string {
  const { defs } = c.runtime();
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    JSON.stringify(defs[name], (key, value) => {
      if (key === '$ref' && typeof value === 'string') visit(value.replace('#/definitions/', ''));
      return value;
    });
  };
  visit(definition);
  const hash = createHash('sha1');
  for (const name of [...seen].sort()) hash.update(name).update(JSON.stringify(defs[name]));
  return hash.digest('hex');
}

/** Compiled once per distinct schema per process (the Pod-bearing kinds take ~100 ms each to compile). */
const validators = new Map<string, ValidateFunction>();
const keys = new Map<string, string>();

function validatorFor(c: Compiled, definition: string): ValidateFunction {
  if (c.precompiled[definition]) return c.precompiled[definition];
  const id = `${c.version}|${definition}`;
  let key = keys.get(id);
  if (!key) keys.set(id, (key = closureKey(c, definition)));
  let v = validators.get(key);
  if (!v) {
    v = c.runtime().ajv.getSchema(`k8s#/definitions/${definition}`) as ValidateFunction;
    validators.set(key, v);
  }
  return v;
}

/**
 * An ajv that speaks the OpenAPI dialect of the API server: strict:false because the schemas carry
 * x-kubernetes-* keywords, its formats, and Go's `(?i)` inline flag in CRD patterns. With `source`, it
 * generates standalone code that requires ajv-runtime for formats and patterns.
 */
function kubernetesAjv(source = false): Ajv {
  const regExp = Object.assign((pattern: string, flags: string) => goRegExp(pattern, flags), { code: `require(${JSON.stringify(RUNTIME)}).goRegExp` });
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    verbose: true,
    validateFormats: true,
    code: { regExp, ...(source ? { source: true, formats: _`require(${RUNTIME}).formats` } : {}) },
  });
  for (const [name, format] of Object.entries(formats)) ajv.addFormat(name, format);
  return ajv;
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
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
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
  const unknown = (opts.kubernetesVersions ?? []).filter((v) => !KUBERNETES_VERSIONS.includes(v));
  if (unknown.length) throw new Error(`kubernetesVersions: no schema for ${unknown.join(', ')} (known: ${KUBERNETES_VERSIONS.join(', ')})`);
  const versions = (opts.kubernetesVersions ?? ['1.27']).map(k8sSchemas);
  for (const obj of set.objects) {
    const apiVersion = obj.apiVersion;
    const kind = obj.kind;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      problems.push(`${set.ref(obj)}: apiVersion and kind are required (got ${JSON.stringify(apiVersion)}, ${JSON.stringify(kind)})`);
      continue;
    }
    const custom = opts.allowedCustomKinds?.[`${apiVersion}/${kind}`] ?? opts.allowedCustomKinds?.[kind];
    /** problem -> the versions that report it. */
    const found = new Map<string, string[]>();
    for (const c of versions) {
      const definition = c.gvk.get(`${apiVersion}|${kind}`);
      const validate = definition ? validatorFor(c, definition) : custom ? customValidator(custom) : undefined;
      const these = !validate
        ? [`${set.ref(obj)}: unknown apiVersion/kind ${apiVersion} ${kind} (add it to allowedCustomKinds if it is a CRD)`]
        : validate(obj)
          ? []
          : formatErrors(set, obj, validate.errors ?? []);
      for (const p of these) found.set(p, [...(found.get(p) ?? []), c.version]);
    }
    // A problem of every version is just the problem; one of some versions says which.
    for (const [p, in_] of found) problems.push(in_.length === versions.length ? p : `${p} (Kubernetes ${in_.join(', ')})`);
    // The API server's field rules: the same implementation as synthesize()'s final pass.
    problems.push(...apiServerProblems(obj).map((p) => `${set.ref(obj)}: ${p}`));
  }
  return problems;
}

/** Compiles the validators of the usual kinds up front (tests call this in beforeAll to keep timings honest). */
export function warmUpSchemas(
  kinds: string[] = ['apps/v1|Deployment', 'apps/v1|StatefulSet', 'v1|ConfigMap', 'v1|Service'],
  versions: readonly string[] = ['1.27'],
): void {
  for (const c of versions.map(k8sSchemas)) {
    for (const k of kinds) {
      const def = c.gvk.get(k);
      if (def) validatorFor(c, def);
    }
  }
}
