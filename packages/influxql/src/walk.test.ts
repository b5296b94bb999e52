import { describe, expect, it } from 'vitest';
import { type Node, cloneNode, formatExpr, hasTimeExpr, parseExpr, parseStatement, rewriteExpr, walk } from './index.js';

describe('walk', () => {
  it('visits a statement parents first, in source order', () => {
    const stmt = parseStatement("SELECT mean(v) FROM (SELECT v FROM cpu) WHERE host = 'a' GROUP BY time(1m)");
    const kinds: string[] = [];
    walk(stmt, (n: Node) => {
      kinds.push(n.kind);
    });
    expect(kinds).toEqual([
      'SelectStatement',
      'Field',
      'Call',
      'VarRef',
      'SubQuery',
      'SelectStatement',
      'Field',
      'VarRef',
      'Measurement',
      'BinaryExpr',
      'VarRef',
      'StringLiteral',
      'Dimension',
      'Call',
      'DurationLiteral',
    ]);
  });

  it('skips children when the visitor returns false', () => {
    const names: string[] = [];
    walk(parseExpr('a + f(b, c) * d'), (n) => {
      if (n.kind === 'VarRef') names.push(n.name);
      return n.kind !== 'Call';
    });
    expect(names).toEqual(['a', 'd']);
  });
});

describe('rewriteExpr', () => {
  it('replaces nodes bottom-up without touching the input', () => {
    const e = parseExpr('time > 1 OR foo = 2');
    const flipped = rewriteExpr(e, (n) => (n.kind === 'BinaryExpr' ? { ...n, lhs: n.rhs, rhs: n.lhs } : n));
    expect(formatExpr(flipped!)).toBe('2 = foo OR 1 > time');
    expect(formatExpr(e)).toBe('time > 1 OR foo = 2');
  });

  it('collapses a binary expression that loses a side', () => {
    const e = parseExpr('(time > 1 AND time < 10) OR foo = 2');
    const out = rewriteExpr(e, (n) =>
      n.kind === 'BinaryExpr' && n.lhs.kind === 'VarRef' && n.lhs.name === 'time' ? null : n,
    );
    expect(formatExpr(out!)).toBe('foo = 2');
  });

  it('clones deeply, bigints included', () => {
    const s = parseStatement('SELECT v FROM m LIMIT 9223372036854775807');
    const c = cloneNode(s);
    expect(c).toEqual(s);
    expect(c).not.toBe(s);
  });
});

describe('hasTimeExpr', () => {
  it('finds time comparisons under AND, OR and parentheses only', () => {
    expect(hasTimeExpr(parseExpr("host = 'a' AND (x = 1 OR time > 5)"))).toBe(true);
    expect(hasTimeExpr(parseExpr("host = 'a'"))).toBe(false);
    expect(hasTimeExpr(parseExpr('5 < time'))).toBe(false);
  });
});
