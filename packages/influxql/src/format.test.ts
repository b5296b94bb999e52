import { describe, expect, it } from 'vitest';
import { formatExpr, formatNumber, identNeedsQuotes, parseExpr, quoteIdent, quoteString } from './index.js';

describe('quoting', () => {
  it.each([
    [[''], '""'],
    [['select'], '"select"'],
    [['Duration'], '"Duration"'],
    [['in-bytes'], '"in-bytes"'],
    [['1abc'], '"1abc"'],
    [['abc_1'], 'abc_1'],
    [['db', 'm'], '"db".m'],
    [['db', '', 'm'], '"db"..m'],
    [['a b', 'c'], '"a b".c'],
    [['x.y', 'rp', '1m'], '"x.y"."rp"."1m"'],
    [['say "hi"\n\\'], '"say \\"hi\\"\\n\\\\"'],
  ] as const)('%j → %s', (segments, out) => {
    expect(quoteIdent(...segments)).toBe(out);
  });

  it('quotes strings', () => {
    expect(quoteString('')).toBe("''");
    expect(quoteString("it's\n\\")).toBe("'it\\'s\\n\\\\'");
  });

  it('knows which identifiers need quotes', () => {
    expect(identNeedsQuotes('value')).toBe(false);
    expect(identNeedsQuotes('true')).toBe(true);
    expect(identNeedsQuotes('key')).toBe(true);
    expect(identNeedsQuotes('émoji')).toBe(true);
  });
});

describe('numbers', () => {
  it('print with three places like InfluxDB when that is exact', () => {
    expect(formatNumber(1.5)).toBe('1.500');
    expect(formatNumber(100)).toBe('100.000');
    expect(formatNumber(-0.25)).toBe('-0.250');
    expect(formatNumber(-0)).toBe('-0.000');
  });

  it('keep every digit they need to read back', () => {
    for (const v of [3.14159, 0.1 + 0.2, 1e-7, 123456789.123456, 5e300, 2 ** 60]) {
      expect(Number(formatNumber(v))).toBe(v);
      expect(parseExpr(formatNumber(v))).toEqual({ kind: 'NumberLiteral', value: v });
    }
  });
});

describe('expressions round-trip', () => {
  it.each([
    "a = 'x' AND (b != 2 OR c =~ /re\\/x/)",
    '-1 * (a + b) / 2.500',
    'time >= now() - 1h30m',
    'mean(value) * 100',
    '"weird name"::float + "x.y"',
  ])('%s', (text) => {
    const e = parseExpr(text);
    expect(parseExpr(formatExpr(e))).toEqual(e);
  });
});

describe('unary signs on the right of a tighter operator', () => {
  it.each([
    ['a / -b', 'a / -b'],
    ['a * +mean(b)', 'a * +mean(b)'],
    ['a % -(b + c)', 'a % -(b + c)'],
    ['a + -b', 'a + -1 * b'],
    ['-b / a', '-1 * b / a'],
  ])('%s prints as %s and reads back the same', (text, printed) => {
    const e = parseExpr(text);
    expect(formatExpr(e)).toBe(printed);
    expect(parseExpr(printed)).toEqual(e);
  });
});
