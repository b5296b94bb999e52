import { describe, expect, it } from 'vitest';
import { DurationError, formatDuration, parseDuration } from './index.js';

const S = 1_000_000_000n;

describe('durations', () => {
  it.each([
    ['1ns', 1n],
    ['10u', 10_000n],
    ['10µ', 10_000n],
    ['15ms', 15_000_000n],
    ['100s', 100n * S],
    ['2m', 120n * S],
    ['2h', 7200n * S],
    ['2d', 172800n * S],
    ['2w', 1209600n * S],
    ['1h30m', 5400n * S],
    ['30ms3000u', 33_000_000n],
    ['-5m30s', -330n * S],
  ] as const)('%s is %s ns', (text, ns) => {
    expect(parseDuration(text)).toBe(ns);
  });

  it.each(['', '3', '1000', 'w', 'ms', '1.2w', '10x', '10n', '5µs', '1hm', '99999999999999999999s'])(
    '%j is invalid',
    (text) => {
      expect(() => parseDuration(text)).toThrow(new DurationError('invalid duration'));
    },
  );

  it('reports an overflow with the last part, as InfluxDB does', () => {
    expect(() => parseDuration('15251w')).toThrow('overflowed duration 15251w: choose a smaller duration or INF');
    expect(() => parseDuration('1h106752d')).toThrow('overflowed duration 106752d: choose a smaller duration or INF');
  });

  it.each([
    [0n, '0s'],
    [3_000n, '3u'],
    [1_001_000n, '1001u'],
    [15_000_000n, '15ms'],
    [100n * S, '100s'],
    [120n * S, '2m'],
    [5400n * S, '90m'],
    [7200n * S, '2h'],
    [172800n * S, '2d'],
    [604800n * S, '1w'],
    [7n, '7ns'],
    [-3600n * S, '-1h'],
  ] as const)('%s ns prints as %s', (ns, text) => {
    expect(formatDuration(ns)).toBe(text);
  });
});
