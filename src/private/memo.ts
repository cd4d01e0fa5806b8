/**
 * `f` with its results kept by argument, at most `max` of them (the oldest goes first): for pure functions
 * the stacks of one process (a fleet of clusters, a test file) call over and over with the same input.
 * A call that throws keeps nothing.
 */
export function memoized<R>(f: (key: string) => R, max: number): (key: string) => R {
  const results = new Map<string, R>();
  return (key) => {
    if (results.has(key)) return results.get(key)!;
    const result = f(key);
    if (results.size >= max) results.delete(results.keys().next().value!);
    results.set(key, result);
    return result;
  };
}
