import { describe, expect, it } from 'vitest';
import {
  MAX_TIME_NS,
  MIN_TIME_NS,
  TimeConditionError,
  formatExpr,
  formatRFC3339Nano,
  parseExpr,
  parseTimeString,
  reduce,
  timeRange,
} from './index.js';

const ns = (iso: string): bigint => parseTimeString(iso);
const NOW = ns('2000-01-01T00:00:00Z');

function range(cond: string): [string | null, bigint | null, bigint | null] {
  const r = timeRange(parseExpr(cond), NOW);
  return [r.condition === null ? null : formatExpr(r.condition), r.hasMin ? r.minNs : null, r.hasMax ? r.maxNs : null];
}

describe('timeRange', () => {
  it.each([
    ["host = 'a'", ["host = 'a'", null, null]],
    [
      "time >= '2000-01-01T00:00:00Z' AND time < '2000-01-01T01:00:00Z'",
      [null, ns('2000-01-01T00:00:00Z'), ns('2000-01-01T01:00:00Z') - 1n],
    ],
    ["host = 'a' AND (region = 'us' AND time >= now() - 10m)", ["host = 'a' AND (region = 'us')", ns('1999-12-31T23:50:00Z'), null]],
    ["(host = 'a' AND region = 'us') AND time >= now() - 10m", ["host = 'a' AND region = 'us'", ns('1999-12-31T23:50:00Z'), null]],
    ["'2000-01-01T00:00:00Z' < time AND '2000-01-01T01:00:00Z' >= time", [null, NOW + 1n, ns('2000-01-01T01:00:00Z')]],
    ["time = '2000-01-01T00:00:00Z'", [null, NOW, NOW]],
    ['time >= 10s', [null, 10_000_000_000n, null]],
    ['time >= 10000000000', [null, 10_000_000_000n, null]],
    ['time >= 10000000000.0', [null, 10_000_000_000n, null]],
    ['time > now()', [null, NOW + 1n, null]],
    ['time > 1700000000000000001', [null, 1700000000000000002n, null]],
    ['time <= 1700000000000000001 AND time < 1800000000000000000', [null, null, 1700000000000000001n]],
    ["time > '2000-01-01' + 1d", [null, ns('2000-01-02T00:00:00Z') + 1n, null]],
    ["time > '2000-01-01 12:30:00.5'", [null, ns('2000-01-01T12:30:00.5Z') + 1n, null]],
    ["time > '2000-01-01T00:00:00+02:00'", [null, ns('1999-12-31T22:00:00Z') + 1n, null]],
    ['time < now() + 2000000000', [null, null, NOW + 2_000_000_000n - 1n]],
    ['time > now() - 1h AND time > now() - 2h AND time < now()', [null, NOW - 3_600_000_000_000n + 1n, NOW - 1n]],
    ['TIME > 5', [null, 6n, null]],
    ['true AND time > 5', [null, 6n, null]],
    ["host = 'a' AND true", ["host = 'a'", null, null]],
    // InfluxDB intersects time bounds under OR too.
    ["host = 'a' OR (time >= now() - 10m AND host = 'b')", ["host = 'a' OR (host = 'b')", ns('1999-12-31T23:50:00Z'), null]],
    ['time < 10 OR time > 20', [null, 21n, 9n]],
  ] as const)('%s', (cond, expected) => {
    expect(range(cond)).toEqual(expected);
  });

  it('defaults the bounds to the representable range', () => {
    const r = timeRange(null, NOW);
    expect([r.minNs, r.maxNs, r.hasMin, r.hasMax, r.condition]).toEqual([MIN_TIME_NS, MAX_TIME_NS, false, false, null]);
  });

  it.each([
    ['value', 'invalid condition expression: value'],
    ['4', 'invalid condition expression: 4'],
    ["value AND host = 'a'", 'invalid condition expression: value'],
    ["host = 'a' OR (value)", 'invalid condition expression: value'],
    ["time >= 'today'", 'invalid operation: time and *influxql.StringLiteral are not compatible'],
    ['time > host', 'invalid operation: time and *influxql.VarRef are not compatible'],
    ['time =~ /x/', 'invalid operation: time and *influxql.RegexLiteral are not compatible'],
    ['time > 18446744073709551615', 'invalid operation: time and *influxql.UnsignedLiteral are not compatible'],
    ["time != '2000-01-01T00:00:00Z'", 'invalid time comparison operator: !='],
    ['time <> 5', 'invalid time comparison operator: !='],
    ["time > '2000-13-01'", 'invalid timestamp string'],
    ["time > '2262-04-11 23:47:17'", 'time 2262-04-11T23:47:17Z overflows time literal'],
    ["time > '1677-09-20 19:12:43'", 'time 1677-09-20T19:12:43Z underflows time literal'],
  ])('%s fails: %s', (cond, message) => {
    expect(() => timeRange(parseExpr(cond), NOW)).toThrow(new TimeConditionError(message));
  });

  it('can refuse time comparisons under OR', () => {
    const strict = { timeInOr: 'error' } as const;
    expect(() => timeRange(parseExpr("host = 'a' OR time > 5"), NOW, strict)).toThrow('cannot use OR with time conditions');
    expect(timeRange(parseExpr("(host = 'a' OR host = 'b') AND time > 5"), NOW, strict).minNs).toBe(6n);
  });

  it('reads zone-less time strings in the query zone', () => {
    const r = timeRange(parseExpr("time >= '2000-06-01 00:00:00'"), NOW, { location: 'Europe/Paris' });
    expect(r.minNs).toBe(ns('2000-05-31T22:00:00Z'));
    expect(formatRFC3339Nano(r.minNs)).toBe('2000-05-31T22:00:00Z');
  });
});

describe('reduce', () => {
  const red = (e: string, now: bigint | null = NOW): string => formatExpr(reduce(parseExpr(e), { now }));
  it.each([
    ['1 + 2', '3'],
    ['(foo * 2) + ((4 / 2) + (3 * 5) - 0.5)', '(foo * 2) + 16.500'],
    ['foo(bar(2 + 3), 4)', 'foo(bar(5), 4)'],
    ['4 / 0', '0.000'],
    ['1 / 2', '0.500'],
    ['5 % 2', '1'],
    ['2 % 0', '0'],
    ['254 & 3', '2'],
    ['254 | 3', '255'],
    ['254 ^ 3', '253'],
    ['-3 & 3', '1'],
    ['9223372036854775807 + 1', '-9223372036854775808'],
    ['4 = 4', 'true'],
    ['4 <> 4', 'false'],
    ['4 AND 5', '4 AND 5'],
    ['true AND false', 'false'],
    ['true OR (foo = bar AND 1 > 2)', 'true'],
    ['(foo = bar AND 1 > 2) OR false', 'false'],
    ["x = 'a' AND true", "x = 'a'"],
    ['true + false', 'true + false'],
    ['now() + 2h', "'2000-01-01T02:00:00Z'"],
    ['now() / 2h', "'2000-01-01T00:00:00Z' / 2h"],
    ['4µ + now()', "'2000-01-01T00:00:00.000004Z'"],
    ['now() + 2000000000', "'2000-01-01T00:00:02Z'"],
    ['now() - now()', '0s'],
    ['1h + 30m', '90m'],
    ['1h * 2', '2h'],
    ['1h / 2.5', '30m'],
    ["'2000-01-01T00:00:00Z' = '2000-01-01 00:00:00'", 'true'],
    ["'a' + 'b'", "'ab'"],
    ["'2000-01-01T00:00:00Z' + 1h", "'2000-01-01T01:00:00Z'"],
    ['18446744073709551615 + 1', '0'],
    ['1.5 > 1', 'true'],
  ])('%s → %s', (e, out) => {
    expect(red(e)).toBe(out);
  });

  it('leaves now() alone without a clock', () => {
    expect(red('now() - 1h', null)).toBe('now() - 1h');
  });
});
