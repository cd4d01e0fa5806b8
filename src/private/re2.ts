/**
 * Why Go's `regexp` (RE2 syntax, what Prometheus compiles relabel regexes with) would refuse `pattern`, or
 * undefined when it accepts it. RE2 differs from JavaScript both ways, so the pattern is first checked for
 * what only RE2 refuses (lookaround, backreferences, atomic groups, unknown escapes and POSIX classes,
 * repeat counts over 1000), then rewritten from RE2-only syntax (`(?P<n>`, `(?i)`, `\z`, `\Q...\E`, `\pL`,
 * `[[:alpha:]]`) into something JavaScript parses for the rest (balance, repetition, ranges).
 * Reference: https://github.com/google/re2/wiki/Syntax and Go's regexp/syntax package.
 */
export function re2Problem(pattern: string): string | undefined {
  let js = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) return 'it ends with a lone backslash';
      if (n === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const literal = pattern.slice(i + 2, end < 0 ? undefined : end);
        js += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? pattern.length : end + 1;
        continue;
      }
      if (n === '8' || n === '9' || (n !== '0' && /[1-7]/.test(n) && !/[0-7]/.test(pattern[i + 2] ?? '')))
        return `\\${n} is a backreference, which RE2 does not support`;
      if (/[0-7]/.test(n)) {
        // An octal code of up to three digits.
        js += inClass ? '0' : '.';
        i += /^\\[0-7]{1,3}/.exec(pattern.slice(i))![0].length - 1;
        continue;
      }
      if (n === 'p' || n === 'P') {
        const m = /^\\[pP](\{\^?[A-Za-z_]+\}|[A-Za-z])/.exec(pattern.slice(i));
        if (!m) return `${pattern.slice(i, i + 3)} is not a Unicode class: write \\pL or \\p{Greek}`;
        js += inClass ? 'a' : '.';
        i += m[0].length - 1;
        continue;
      }
      if (n === 'x') {
        const m = /^\\x(\{[0-9A-Fa-f]{1,6}\}|[0-9A-Fa-f]{2})/.exec(pattern.slice(i));
        if (!m) return `${pattern.slice(i, i + 4)} is not a hex escape: write \\x41 or \\x{263a}`;
        js += inClass ? 'a' : '.';
        i += m[0].length - 1;
        continue;
      }
      if (inClass && 'zAbB'.includes(n)) return `\\${n} is not allowed in a character class`;
      if ('zAbB'.includes(n)) {
        // RE2 repeats empty-width assertions (`\b+`), JavaScript refuses: an empty group stands in for them.
        js += '(?:)';
        i++;
        continue;
      }
      if (/[A-Za-z]/.test(n) && !'afnrtvdDsSwW'.includes(n)) return `\\${n} is not an escape RE2 knows`;
      js += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const m = /^\[:\^?([a-z]+):\]/.exec(pattern.slice(i));
        if (m) {
          if (!POSIX_CLASSES.includes(m[1])) return `[:${m[1]}:] is not a POSIX class RE2 knows`;
          js += 'a';
          i += m[0].length - 1;
          continue;
        }
      }
      if (c === ']') inClass = false;
      js += c === '[' ? '\\[' : c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      js += c;
      if (pattern[i + 1] === '^') {
        js += '^';
        i++;
      }
      if (pattern[i + 1] === ']') {
        js += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith(':')) {
        js += '(?:';
        i += 2;
        continue;
      }
      const named = /^P?<([A-Za-z0-9_]+)>/.exec(rest);
      if (named) {
        js += `(?<${named[1]}>`;
        i += 1 + named[0].length;
        continue;
      }
      const flags = /^([imsU]+(-[imsU]+)?|-[imsU]+)([:)])/.exec(rest);
      if (flags) {
        // `(?i)` alone matches nothing and cannot be repeated: it vanishes.
        js += flags[3] === ':' ? '(?:' : '';
        i += 1 + flags[0].length;
        continue;
      }
      return `(?${rest.slice(0, 2)} is lookaround, an atomic group or unknown group syntax, which RE2 does not support`;
    }
    if (c === '^' || c === '$') {
      js += '(?:)';
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (m && (Number(m[1]) > 1000 || Number(m[3] || 0) > 1000)) return `${m[0]} repeats more than 1000 times, the most RE2 allows`;
    }
    js += c;
  }
  try {
    new RegExp(js);
  } catch (e) {
    return (e as Error).message.replace(/^Invalid regular expression: \/.*\/: /, '').toLowerCase();
  }
  return undefined;
}

const POSIX_CLASSES = ['alnum', 'alpha', 'ascii', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'word', 'xdigit'];
