import { describe, expect, it } from 'vitest';
import { RegexError, compileRegex } from './index.js';

describe('RE2 patterns in JavaScript', () => {
  it.each([
    ['^cpu.*', 'cpu0', true],
    ['(?i)^CPU', 'cpu', true],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['\\Acpu\\z', 'cpu', true],
    ['\\Acpu\\z', 'cpu\n', false],
    ['http\\://x', 'http://x', true],
    ['[[:digit:]]+', 'x42', true],
    ['[[:alpha:]_]+$', 'a_b', true],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['(?P<n>ab)+', 'abab', true],
    ['a{2}', 'aa', true],
    ['a{', 'a{', true],
    ['x}', 'x}', true],
    ['[]a]', ']', true],
    ['\\x41\\x{42}', 'AB', true],
    ['\\pL+', 'été', true],
    ['\\p{Greek}', 'λ', true],
    ['a/b', 'a/b', true],
  ] as const)('/%s/ on %j → %s', (pattern, input, match) => {
    expect(compileRegex(pattern).test(input)).toBe(match);
  });

  it.each([
    ['(abc', 'error parsing regexp: missing closing ): `(abc`'],
    ['abc)', 'error parsing regexp: unexpected ): `abc)`'],
    ['[abc', 'error parsing regexp: missing closing ]: `[abc`'],
    ['*a', 'error parsing regexp: missing argument to repetition operator: `*`'],
    ['a\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
    ['\\q', 'error parsing regexp: invalid escape sequence: `\\q`'],
    ['(?=x)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
    ['(?<!x)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?<!`'],
    ['x\\', 'error parsing regexp: trailing backslash at end of expression: ``'],
  ])('/%s/ is refused', (pattern, message) => {
    expect(() => compileRegex(pattern)).toThrow(new RegexError(message));
  });
});
