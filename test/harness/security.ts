/**
 * Credentials never in the output, and every pod admissible under Pod Security "restricted" (a namespace
 * labelled `pod-security.kubernetes.io/enforce: restricted` rejects the pod otherwise), plus project policy:
 * read-only root filesystem, resource requests/limits, probes on long-running containers.
 */
import { HarnessOptions, ManifestSet, SecurityContext, Volume, allContainers, arr, cref, dataOf, rec, EnvVar } from './model';

const SECRET_ENV_NAME = /(PASSWORD|SECRET|ACCESS_KEY|TOKEN|CREDENTIAL)/i;
/** `GF_SECURITY_ADMIN_PASSWORD__FILE=/etc/...` holds a path to the credential, which is the safe pattern. */
const PATH_ENV_NAME = /(_FILE|_PATH|_DIR)$/i;
/**
 * `key: value` / `key = value` lines assigning a credential. A value starting with `$` is a reference
 * (`$(VAR)`, `${VAR}`, Grafana's `$__file{...}`/`$__env{...}`), as is an empty one.
 */
const CREDENTIAL_LINE =
  /^\s*-?\s*["']?(access_key|secret_key|session_token|password|admin_password|client_secret|storage_account_key|basicAuthPassword|bearer_token)["']?\s*[:=]\s*(.*?)\s*,?\s*$/gim;

function literalCredential(value: string): boolean {
  const v = value.replace(/^["']|["']$/g, '').trim();
  return v !== '' && !v.startsWith('$') && v !== 'null' && v !== '~';
}

export function checkCredentials(set: ManifestSet, opts: HarnessOptions): string[] {
  const problems: string[] = [];
  for (const obj of set.objects) {
    if (obj.kind === 'Secret' && !opts.allowSecretData) {
      for (const field of ['data', 'stringData']) {
        if (Object.keys(rec(obj[field])).length > 0) {
          problems.push(
            `${set.ref(obj)}: carries ${field} (${Object.keys(rec(obj[field])).join(', ')}): credentials must not be rendered; declare the Secret as a prerequisite instead`,
          );
        }
      }
    }
    if (obj.kind === 'ConfigMap') {
      for (const [key, text] of Object.entries(dataOf(obj))) {
        for (const m of text.matchAll(CREDENTIAL_LINE)) {
          if (literalCredential(m[2]))
            problems.push(`${set.ref(obj)}: key ${JSON.stringify(key)}: ${m[1]} is assigned a literal value; reference a Secret (env var / file) instead`);
        }
      }
    }
  }
  for (const pod of set.pods) {
    for (const { container } of allContainers(pod.spec)) {
      for (const e of arr<EnvVar>(container.env)) {
        // A file path (GOOGLE_APPLICATION_CREDENTIALS=/etc/...) points at a mounted Secret: a reference, not a value.
        const isPath = typeof e.value === 'string' && e.value.startsWith('/');
        if (e.name && SECRET_ENV_NAME.test(e.name) && !PATH_ENV_NAME.test(e.name) && !isPath && e.value !== undefined && e.value !== '') {
          problems.push(`${pod.ref}: ${cref(container)}: env ${e.name} has a literal value; use valueFrom.secretKeyRef`);
        }
      }
    }
  }
  return problems;
}

const ALLOWED_VOLUME_TYPES = new Set(['configMap', 'secret', 'emptyDir', 'persistentVolumeClaim', 'projected', 'downwardAPI', 'ephemeral', 'csi']);
const SECCOMP_OK = new Set(['RuntimeDefault', 'Localhost']);
/** Baseline (so also restricted) limits that the restricted list builds on. */
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
]);

function baselineProblems(at: string, sc: SecurityContext): string[] {
  const problems: string[] = [];
  const se = sc.seLinuxOptions;
  if (se && (!SELINUX_TYPES.has(se.type ?? '') || se.user || se.role))
    problems.push(`${at}: seLinuxOptions ${JSON.stringify(se)} is forbidden (only type container_t/container_init_t/container_kvm_t, no user/role)`);
  if (sc.procMount !== undefined && sc.procMount !== 'Default') problems.push(`${at}: procMount ${sc.procMount} is forbidden`);
  if (sc.windowsOptions?.hostProcess) problems.push(`${at}: windowsOptions.hostProcess is forbidden`);
  return problems;
}

export function checkSecurity(set: ManifestSet): string[] {
  const problems: string[] = [];
  for (const pod of set.pods) {
    const spec = pod.spec;
    const psc: SecurityContext = rec(spec.securityContext);
    const where = pod.ref;
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (spec[f]) problems.push(`${where}: ${f}: true is forbidden (restricted)`);
    if (psc.runAsUser === 0) problems.push(`${where}: pod securityContext.runAsUser 0 (root) is forbidden`);
    problems.push(...baselineProblems(`${where}: pod securityContext`, psc));
    for (const sysctl of arr<{ name?: string }>(psc.sysctls)) {
      if (!SAFE_SYSCTLS.has(String(sysctl.name))) problems.push(`${where}: sysctl ${sysctl.name} is not in the safe set`);
    }
    for (const [k, v] of Object.entries(pod.annotations)) {
      if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v !== 'runtime/default' && !String(v).startsWith('localhost/')) {
        problems.push(`${where}: AppArmor profile ${k}=${v} is forbidden (runtime/default or localhost/*)`);
      }
    }
    for (const v of arr<Volume>(spec.volumes)) {
      const types = Object.keys(v).filter((k) => k !== 'name');
      const bad = types.filter((t) => !ALLOWED_VOLUME_TYPES.has(t));
      if (bad.length)
        problems.push(
          `${where}: volume ${JSON.stringify(v.name)} of type ${bad.join(', ')} is not allowed (restricted: ${[...ALLOWED_VOLUME_TYPES].join(', ')})`,
        );
    }
    for (const { container: c, init, ephemeral } of allContainers(spec)) {
      const at = `${where}: ${cref(c)}`;
      const sc: SecurityContext = rec(c.securityContext);
      const runAsNonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
      if (runAsNonRoot !== true) problems.push(`${at}: runAsNonRoot must be true (pod or container securityContext; got ${JSON.stringify(runAsNonRoot)})`);
      if (sc.runAsUser === 0) problems.push(`${at}: runAsUser 0 (root) is forbidden`);
      const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
      if (!SECCOMP_OK.has(String(seccomp)))
        problems.push(`${at}: seccompProfile.type must be RuntimeDefault or Localhost (pod or container; got ${JSON.stringify(seccomp)})`);
      if (sc.allowPrivilegeEscalation !== false)
        problems.push(`${at}: allowPrivilegeEscalation must be false (got ${JSON.stringify(sc.allowPrivilegeEscalation)})`);
      if (sc.privileged) problems.push(`${at}: privileged: true is forbidden`);
      problems.push(...baselineProblems(at, sc));
      const drop = arr<string>(sc.capabilities?.drop);
      if (!drop.includes('ALL')) problems.push(`${at}: capabilities.drop must include ALL (got ${JSON.stringify(drop)})`);
      const add = arr<string>(sc.capabilities?.add).filter((cap) => cap !== 'NET_BIND_SERVICE');
      if (add.length) problems.push(`${at}: capabilities.add ${JSON.stringify(add)} is forbidden (only NET_BIND_SERVICE)`);
      for (const p of arr<{ hostPort?: number; containerPort?: number }>(c.ports)) {
        if (p.hostPort) problems.push(`${at}: hostPort ${p.hostPort} is forbidden`);
      }
      if (ephemeral) continue;
      // Project policy beyond the Pod Security Standard.
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem must be true (got ${JSON.stringify(sc.readOnlyRootFilesystem)})`);
      const requests = rec(c.resources?.requests);
      const limits = rec(c.resources?.limits);
      const missing = [
        requests.cpu === undefined && 'requests.cpu',
        requests.memory === undefined && 'requests.memory',
        limits.memory === undefined && 'limits.memory',
      ].filter(Boolean);
      if (missing.length) problems.push(`${at}: resources ${missing.join(', ')} must be set`);
      if (!init && !pod.runsToCompletion) {
        const probes = [!c.livenessProbe && 'livenessProbe', !c.readinessProbe && 'readinessProbe'].filter(Boolean);
        if (probes.length) problems.push(`${at}: long-running container needs ${probes.join(' and ')}`);
      }
    }
  }
  return problems;
}
