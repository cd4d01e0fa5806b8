/**
 * YAML parsing for the harness, memoized by text: every stack a test file checks carries the same rule
 * files and configs, and parsing them again was the harness's largest cost. Callers get their own copy,
 * so one that edits the document (stripThanosRuleFields) cannot change what the next one reads.
 */
import { parse } from 'yaml';
import { memoized } from '../../src/private/memo';

const parsed = memoized(parse, 512);

/** `parse(text)` from the yaml package; throws as it does. */
export function parseYaml(text: string): unknown {
  return structuredClone(parsed(text));
}
