/**
 * What compiled schema validators call at run time: the OpenAPI formats of the API server and Go's
 * regular expressions. Its own module so that validators generated as standalone code (cached on
 * disk by schema.ts) can require it.
 */
export const formats = {
  int32: { type: 'number' as const, validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
  int64: { type: 'number' as const, validate: (n: number) => Number.isInteger(n) },
  double: { type: 'number' as const, validate: () => true },
  byte: /^[A-Za-z0-9+/]*={0,2}$/,
  'date-time': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i,
};

/**
 * Go (RE2) patterns as JavaScript ones: the `(?i)` flag group (as in `^(?i)(abort|warn)?$`) becomes
 * the `i` flag, for the whole pattern: the same for the anchored enums CRDs use it on.
 */
export function goRegExp(pattern: string, flags: string): RegExp {
  return pattern.includes('(?i)') ? new RegExp(pattern.split('(?i)').join(''), `${flags}i`) : new RegExp(pattern, flags);
}
