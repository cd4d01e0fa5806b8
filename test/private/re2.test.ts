/**
 * The RE2 syntax check behind relabel regexes and Alertmanager matchers, against re2js (a JavaScript port of
 * RE2/J, which follows Go's regexp/syntax): the same verdict on a corpus of Go-only and JavaScript-only syntax,
 * and on random patterns built from regex tokens.
 */
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { re2Problem } from '../../src/private/re2';

const compiles = (p: string) => {
  try {
    RE2JS.compile(p);
    return true;
  } catch {
    return false;
  }
};

const CORPUS: Array<[string, boolean]> = [
  // RE2 accepts what JavaScript (Node 20) refuses or reads differently.
  ['(?i)critical', true],
  ['(?i:warn|crit)', true],
  ['(?P<ns>[a-z]+)-(?<pod>.+)', true],
  ['foo\\z', true],
  ['\\Afoo', true],
  ['\\Q1.2.3\\E', true],
  ['\\pL+', true],
  ['\\p{Greek}', true],
  ['[[:alpha:]_]+', true],
  ['\\x{263a}', true],
  ['^*a', true],
  ['\\b+', true],
  ['([^:]+)(?::\\d+)?;(\\d+)', true],
  ['prometheus;web', true],
  ['\\12', true],
  // JavaScript accepts what RE2 refuses.
  ['(?=a)b', false],
  ['(?!a)b', false],
  ['(?<=a)b', false],
  ['(a)\\1', false],
  ['(?>a)', false],
  ['a{1001}', false],
  ['\\e', false],
  ['[[:foo:]]', false],
  ['[\\z]', false],
  ['\\8', false],
  // Both refuse.
  ['(', false],
  ['a**', false],
  ['[z-a]', false],
  ['*a', false],
  ['a)', false],
];

describe('re2Problem', () => {
  test.each(CORPUS)('%s: RE2 accepts it: %s', (pattern, ok) => {
    expect(compiles(pattern)).toBe(ok);
    expect(re2Problem(pattern) === undefined).toBe(ok);
  });

  test('agrees with re2js on at least 99.9% of 5000 random token patterns', () => {
    const tokens = [
      'a',
      '.',
      '*',
      '+',
      '?',
      '|',
      '(',
      ')',
      '[',
      ']',
      '^',
      '$',
      '{2}',
      '{1,3}',
      '{1001}',
      '\\d',
      '\\1',
      '\\z',
      '\\A',
      '\\Q',
      '\\E',
      '\\pL',
      '\\x41',
      '(?:',
      '(?i)',
      '(?P<n>',
      '(?=',
      '-',
      '[:alpha:]',
      '\\',
      '\\e',
      '\\.',
      '{',
      '}',
      ',',
      '\\b',
      '\\12',
      '(?i:',
      '*?',
    ];
    let disagree = 0;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 8 }), (ts) => {
        const p = ts.join('');
        if (compiles(p) !== (re2Problem(p) === undefined)) disagree++;
      }),
      { numRuns: 5000, seed: 42 },
    );
    expect(disagree).toBeLessThanOrEqual(5);
  });
});
