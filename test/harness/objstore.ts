/**
 * Thanos objstore configs (ConfigMap/Secret key `objstore.yml`, or inline `--objstore.config=`): field names
 * against the Thanos client config structs (an unknown field is a startup error: objstore parses strictly),
 * credentials only as `$(VAR)` placeholders, and every placeholder backed by an env var of each container
 * that reads the file (Thanos substitutes from its own environment and fails on an unset variable).
 */
import { mountersOf } from './files';
import { flagValue, parseCommandLine } from './flags';
import { Container, HarnessOptions, K8sObject, ManifestSet, allContainers, cref, dataOf, dollarRefs, envNames, rec } from './model';
import { parseYaml } from './yaml';

const FIELDS: Record<string, { fields: string[]; required: string[][] }> = {
  S3: {
    fields: [
      'bucket',
      'endpoint',
      'region',
      'disable_dualstack',
      'aws_sdk_auth',
      'access_key',
      'insecure',
      'signature_version2',
      'secret_key',
      'session_token',
      'put_user_metadata',
      'http_config',
      'trace',
      'list_objects_version',
      'bucket_lookup_type',
      'send_content_md5',
      'disable_multipart',
      'part_size',
      'sse_config',
      'sts_endpoint',
      'max_retries',
    ],
    required: [['bucket'], ['endpoint']],
  },
  GCS: {
    fields: ['bucket', 'service_account', 'use_grpc', 'grpc_conn_pool_size', 'http_config', 'chunk_size_bytes', 'max_retries'],
    required: [['bucket']],
  },
  AZURE: {
    fields: [
      'storage_account',
      'storage_account_key',
      'storage_connection_string',
      'container',
      'endpoint',
      'user_assigned_id',
      'max_retries',
      'reader_config',
      'pipeline_config',
      'http_config',
      'msi_resource',
      'az_tenant_id',
      'client_id',
      'client_secret',
    ],
    required: [['storage_account', 'storage_connection_string'], ['container']],
  },
  FILESYSTEM: { fields: ['directory'], required: [['directory']] },
};

/** Fields that hold credentials: a literal value puts the credential in a ConfigMap / the pod spec. */
const SECRET_FIELDS = ['access_key', 'secret_key', 'session_token', 'storage_account_key', 'storage_connection_string', 'client_secret', 'service_account'];
const PLACEHOLDER = /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/;

/** Problems of one objstore document; `readers` are the containers whose environment Thanos expands it with. */
function objstoreProblems(
  set: ManifestSet,
  opts: HarnessOptions,
  text: string,
  where: string,
  readers: Array<{ ns: string; container: Container; ref: string }>,
): string[] {
  const problems: string[] = [];
  let doc: Record<string, unknown>;
  try {
    doc = rec(parseYaml(text));
  } catch (e) {
    return [`${where}: not valid YAML: ${(e as Error).message.split('\n')[0]}`];
  }
  for (const k of Object.keys(doc)) {
    if (!['type', 'config', 'prefix'].includes(k)) problems.push(`${where}: unknown top-level field ${JSON.stringify(k)} (allowed: type, config, prefix)`);
  }
  const type = String(doc.type ?? '').toUpperCase();
  const spec = FIELDS[type];
  const config = rec(doc.config);
  if (!spec) {
    problems.push(`${where}: type ${JSON.stringify(doc.type)} is not one of S3, GCS, AZURE, FILESYSTEM`);
  } else {
    for (const [k, v] of Object.entries(config)) {
      if (!spec.fields.includes(k)) problems.push(`${where}: unknown ${type} config field ${JSON.stringify(k)} (value ${JSON.stringify(v)})`);
    }
    for (const alternatives of spec.required) {
      if (!alternatives.some((k) => config[k] !== undefined && config[k] !== '')) problems.push(`${where}: ${type} config needs ${alternatives.join(' or ')}`);
    }
    if (type === 'S3' && Boolean(config.access_key) !== Boolean(config.secret_key)) {
      problems.push(`${where}: S3 access_key and secret_key must be set together (or neither, for the AWS SDK chain)`);
    }
  }
  for (const k of SECRET_FIELDS) {
    const v = config[k];
    if (v !== undefined && v !== '' && !(typeof v === 'string' && PLACEHOLDER.test(v))) {
      problems.push(`${where}: config.${k} holds a literal value: use a $(ENV_VAR) placeholder backed by a secretKeyRef env var`);
    }
  }
  const refs = [...new Set(dollarRefs(text))];
  for (const r of readers) {
    const names = envNames(set, opts, r.ns, r.container);
    for (const v of refs) {
      if (!names.has(v))
        problems.push(`${where}: $(${v}) is not an env var of ${r.ref} ${cref(r.container)}, which reads this config (Thanos fails on unset variables)`);
    }
  }
  return problems;
}

export function checkObjstore(set: ManifestSet, opts: HarnessOptions): { problems: string[]; checked: number } {
  const problems: string[] = [];
  let checked = 0;
  for (const obj of set.objects) {
    if (obj.kind !== 'ConfigMap' && obj.kind !== 'Secret') continue;
    const text = dataOf(obj)['objstore.yml'];
    if (text === undefined) continue;
    checked++;
    const readers = mountersOf(set, obj as K8sObject).map((m) => ({ ns: m.pod.namespace, container: m.container, ref: m.pod.ref }));
    problems.push(...objstoreProblems(set, opts, text, `${set.ref(obj)}: key "objstore.yml"`, readers));
  }
  for (const pod of set.pods) {
    for (const { container } of allContainers(pod.spec)) {
      const cl = parseCommandLine(container);
      const inline = cl && flagValue(cl, '--objstore.config');
      if (!inline) continue;
      checked++;
      const where = `${pod.ref}: ${cref(container)}: --objstore.config`;
      problems.push(...objstoreProblems(set, opts, inline, where, [{ ns: pod.namespace, container, ref: pod.ref }]));
    }
  }
  return { problems, checked };
}
