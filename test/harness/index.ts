/**
 * Validation harness for synthesized manifests: proves a list of Kubernetes objects is what the API server,
 * the kubelet and the real Thanos/Prometheus/Alertmanager binaries accept. It reads output only and imports
 * nothing from src/ except the API server's field rules (src/private/api-server-rules.ts), which synthesize()
 * applies as its final pass: one implementation for both.
 *
 *   expectValid(Testing.synth(chart), { externalSecrets: prerequisiteSecrets(app) });
 */
import { readFileSync, readdirSync, statSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { checkConfigs, ConfigReport } from './configs';
import { checkFlags, FlagReport } from './flags';
import { checkIntegrity } from './integrity';
import { CheckName, HarnessOptions, ManifestSet } from './model';
import { checkObjstore } from './objstore';
import { checkSchema } from './schema';
import { checkCredentials, checkSecurity } from './security';

export { CheckName, ExternalSecret, HarnessOptions, K8sObject } from './model';
export { binaryOf, parseCommandLine } from './flags';
export { findAddresses } from './integrity';
export { KUBERNETES_VERSIONS, warmUpSchemas } from './schema';

export interface HarnessStats {
  objects: number;
  podTemplates: number;
  /** `--flag` arguments checked against the reference tables. */
  flagsChecked: number;
  containersByBinary: FlagReport['containers'];
  configs: ConfigReport['checked'];
  objstoreConfigs: number;
  missingTools: string[];
  /** Wall time per check, ms. */
  timings: Partial<Record<CheckName, number>>;
}

export interface HarnessResult {
  /** Every problem, each prefixed with its check: `[flags] StatefulSet monitoring/prometheus: container ...`. */
  problems: string[];
  stats: HarnessStats;
}

/** Runs every check (except `options.skip`) and returns all problems with run statistics. */
export function validateManifestsDetailed(objects: readonly unknown[], options: HarnessOptions = {}): HarnessResult {
  const set = new ManifestSet(objects, options.defaultNamespace ?? 'default');
  const skip = new Set(options.skip ?? []);
  const stats: HarnessStats = {
    objects: set.objects.length,
    podTemplates: set.pods.length,
    flagsChecked: 0,
    containersByBinary: { thanos: 0, prometheus: 0, alertmanager: 0 },
    configs: { prometheusConfigs: 0, ruleFiles: 0, alertmanagerConfigs: 0 },
    objstoreConfigs: 0,
    missingTools: [],
    timings: {},
  };
  const problems: string[] = [];
  const run = (name: CheckName, check: () => string[]): void => {
    if (skip.has(name)) return;
    const start = Date.now();
    // A config problem already carries its tag (missing-tool message); the rest get theirs here.
    problems.push(...check().map((p) => (p.startsWith('[') ? p : `[${name}] ${p}`)));
    stats.timings[name] = Date.now() - start;
  };
  run('schema', () => checkSchema(set, options));
  run('flags', () => {
    const r = checkFlags(set, options);
    stats.flagsChecked = r.flagsChecked;
    stats.containersByBinary = r.containers;
    return r.problems;
  });
  run('configs', () => {
    const r = checkConfigs(set, options);
    stats.configs = r.checked;
    stats.missingTools = r.missingTools;
    return r.problems;
  });
  run('objstore', () => {
    const r = checkObjstore(set, options);
    stats.objstoreConfigs = r.checked;
    return r.problems;
  });
  run('integrity', () => checkIntegrity(set, options));
  run('credentials', () => checkCredentials(set, options));
  run('security', () => checkSecurity(set));
  return { problems: [...new Set(problems)], stats };
}

/** Every problem found in `objects` (empty when valid). */
export function validateManifests(objects: readonly unknown[], options?: HarnessOptions): string[] {
  return validateManifestsDetailed(objects, options).problems;
}

/** Throws one Error listing every problem. */
export function expectValid(objects: readonly unknown[], options?: HarnessOptions): void {
  const problems = validateManifests(objects, options);
  if (problems.length > 0) {
    throw new Error(`${problems.length} problem(s) in ${objects.length} manifests:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Objects of a multi-document YAML string (e.g. one `dist/*.k8s.yaml`), empty documents dropped. */
export function parseManifests(yamlText: string): unknown[] {
  return parseAllDocuments(yamlText)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`invalid YAML: ${d.errors[0].message}`);
      return d.toJS() as unknown;
    })
    .filter((o) => o !== null && o !== undefined);
}

/** Objects of a `.k8s.yaml` file, or of every `*.k8s.yaml` in a directory (sorted by file name). */
export function loadManifests(path: string): unknown[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith('.k8s.yaml'))
        .sort()
        .map((f) => join(path, f))
    : [path];
  return files.flatMap((f) => parseManifests(readFileSync(f, 'utf8')));
}
