import { memoized } from '../../src/private/memo';

test('memoized calls f once per argument, keeps at most max results (the oldest goes), and keeps nothing of a throw', () => {
  const calls: string[] = [];
  const f = memoized((k) => {
    calls.push(k);
    if (k === 'bad') throw new Error(k);
    return k.length;
  }, 2);
  expect([f('a'), f('bb'), f('a'), f('bb')]).toEqual([1, 2, 1, 2]);
  expect(calls).toEqual(['a', 'bb']);
  f('ccc'); // 'a' goes
  f('bb');
  f('a');
  expect(calls).toEqual(['a', 'bb', 'ccc', 'a']);
  expect(() => f('bad')).toThrow('bad');
  expect(() => f('bad')).toThrow('bad');
  expect(calls.filter((k) => k === 'bad')).toHaveLength(2);
});
