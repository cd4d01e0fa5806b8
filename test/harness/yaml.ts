/**
 * YAML parsing for the harness, memoized by text: every stack a test file checks carries the same rule
 * files and configs, and parsing them again was the harness's largest cost. Callers get their own copy,
 * so one that edits the document (stripThanosRuleFields) cannot change what the next one reads.
 */
import { parse } from 'yaml';

const parsed = new Map<string, unknown>();
const MAX_PARSED = 512;

/** `parse(text)` from the yaml package; throws as it does. */
export function parseYaml(text: string): unknown {
  if (!parsed.has(text)) {
    const doc = parse(text);
    if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
    parsed.set(text, doc);
  }
  return structuredClone(parsed.get(text));
}
