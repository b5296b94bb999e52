import { describe, expect, it } from 'vitest';
import { formatRFC3339, formatRFC3339Nano, isTimeString, parseTimeString } from './index.js';

const S = 1_000_000_000n;

describe('time strings', () => {
  it.each([
    ['1970-01-01T00:00:00Z', 0n],
    ['1970-01-01', 0n],
    ['1970-01-01 00:00:01', S],
    ['1970-01-01 0:00:01', S],
    ['1970-01-01 00:00:01.5', S + 500_000_000n],
    ['1970-01-01 00:00:01.1234567899', S + 123_456_789n],
    ['1970-01-01T00:00:01.000000001Z', S + 1n],
    ['1970-01-01T01:00:00+01:00', 0n],
    ['1969-12-31T23:59:59Z', -S],
    ['2000-02-29T00:00:00Z', 951782400n * S],
    ['2023-11-14T22:13:20.000000001Z', 1700000000000000001n],
  ])('%s', (text, expected) => {
    expect(parseTimeString(text)).toBe(expected);
  });

  it.each(['2001-02-29', '2000-13-01', '2000-01-01 24:00:00', '2000-01-01T00:00:00', '2000-01-01T00:00:00+1:00', 'today'])(
    '%s is not a time',
    (text) => {
      expect(() => parseTimeString(text)).toThrow('invalid timestamp string');
    },
  );

  it('only date-like strings are treated as times', () => {
    expect(isTimeString('2000-01-01')).toBe(true);
    expect(isTimeString('2000-01-01 junk')).toBe(true);
    expect(isTimeString('01/01/2000')).toBe(false);
  });

  it('prints RFC3339 with trimmed nanoseconds', () => {
    expect(formatRFC3339Nano(1700000000000000001n)).toBe('2023-11-14T22:13:20.000000001Z');
    expect(formatRFC3339Nano(1700000000100000000n)).toBe('2023-11-14T22:13:20.1Z');
    expect(formatRFC3339Nano(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(formatRFC3339(1700000000999999999n)).toBe('2023-11-14T22:13:20Z');
  });

  it('applies a zone, across daylight saving', () => {
    expect(formatRFC3339Nano(parseTimeString('2023-01-15 12:00:00', 'Europe/Paris'))).toBe('2023-01-15T11:00:00Z');
    expect(formatRFC3339Nano(parseTimeString('2023-07-15 12:00:00', 'Europe/Paris'))).toBe('2023-07-15T10:00:00Z');
    expect(formatRFC3339Nano(parseTimeString('2023-07-15T12:00:00Z', 'Europe/Paris'))).toBe('2023-07-15T12:00:00Z');
  });
});
