/**
 * PromQL syntax checks at synth, with the Prometheus project's own grammar (the parser its web UI
 * uses). It checks syntax, not types: `rate(up)` parses.
 */
import { keptTable } from './kept';
import { memoized } from './memo';

/** Grafana variables (`$__rate_interval`, `${job}`, `$job`) are no PromQL: stand-ins of equal length keep positions. */
const GRAFANA_VARIABLE = /\$\{[^}]*\}|\$\w+/g;

/** Which expressions parsed, named with the parser's versions. */
const kept = keptTable('promql', ['@prometheus-io/lezer-promql', '@lezer/lr']);

/**
 * Where the first syntax error of `expr` is, or undefined when it parses. Which expressions parse is kept
 * for the next synthesis (src/private/kept.ts), which then need not even load the parser, and memoized in
 * the process: the stacks of one process (a fleet, a test file) validate the same rules and panels.
 */
export function promqlSyntaxError(expr: string, grafana = false): { line: number; column: number } | undefined {
  const text = grafana ? expr.replace(GRAFANA_VARIABLE, (v) => '5m'.padEnd(v.length, ' ')) : expr;
  if (!text.trim()) return { line: 1, column: 1 };
  let error: { line: number; column: number } | undefined;
  kept(text, () => {
    error = syntaxErrorOf(text);
    return error ? undefined : '';
  });
  return error;
}

const syntaxErrorOf = memoized(syntaxError, 4096);

function syntaxError(text: string): { line: number; column: number } | undefined {
  let at: number | undefined;
  // Loaded on first use (about 10 ms); the tables load once, with the module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parser } = require('@prometheus-io/lezer-promql') as typeof import('@prometheus-io/lezer-promql');
  parser.parse(text).iterate({
    enter: (node) => {
      if (at === undefined && node.type.isError) at = node.from;
      return at === undefined;
    },
  });
  if (at === undefined) return undefined;
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** A problem for an expression that does not parse: `what`, the position and the expression. */
export function promqlProblems(what: string, expr: string, grafana = false): string[] {
  const error = promqlSyntaxError(expr, grafana);
  if (!error) return [];
  return [
    `${what}: PromQL syntax error at line ${error.line}, column ${error.column} in ${JSON.stringify(expr)}: fix the expression (it must parse as PromQL)`,
  ];
}
