import { readFileSync } from 'fs';
import { join } from 'path';

/** Reference data copied from /work/shared/reference (see test/fixtures/README.md). */
const FIXTURES = join(__dirname, '..', 'fixtures');

const cache = new Map<string, unknown>();

/**
 * Parsed once per process. Read with fs rather than `import x from '*.json'`: TypeScript would type-infer the
 * 1 MB Kubernetes schema on every `tsc` run.
 */
export function fixture<T>(file: string): T {
  if (!cache.has(file)) cache.set(file, JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')));
  return cache.get(file) as T;
}

export interface FlagSpec {
  takesValue: boolean;
  repeatable?: boolean;
  deprecated?: boolean;
  /** Prometheus: 'server' flags are refused with --agent, 'agent' flags without. */
  mode?: 'server' | 'agent' | 'both';
  mutuallyExclusiveWith?: string;
  /** Thanos: the component refuses to start without one flag of this group. */
  requiredGroup?: unknown;
  validValues?: string[];
  acceptedNoOpOrDeprecatedValues?: Record<string, string>;
}

export interface ThanosFlags {
  commands: Record<string, Record<string, FlagSpec>>;
  hiddenFlags: Record<string, Record<string, FlagSpec> | string>;
}

export interface PrometheusFlags {
  flags: Record<string, FlagSpec>;
  removedFlags: Record<string, string>;
  removedFeatureFlagsIn3_0: string[];
}

export interface AlertmanagerFlags {
  flags: Record<string, FlagSpec>;
  removedFlags: Record<string, string>;
  removedFeatureValues: Record<string, string>;
}
