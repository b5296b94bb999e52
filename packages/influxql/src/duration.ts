// InfluxQL durations: `10s`, `1h30m`, `1d`, `2w`, `15ms`, `3u`/`3µ`, `100ns`, as int64 nanoseconds.
//
// InfluxDB adds the parts in int64 arithmetic and only notices an overflow when the sum comes out
// negative, so a huge duration can also wrap to a wrong positive value without an error. We keep
// that arithmetic (BigInt.asIntN) so the same text gives the same value or the same error.

import { INT64_MAX } from '@shoal/lineproto';

export const NS_PER_US = 1_000n;
export const NS_PER_MS = 1_000_000n;
export const NS_PER_SECOND = 1_000_000_000n;
export const NS_PER_MINUTE = 60n * NS_PER_SECOND;
export const NS_PER_HOUR = 60n * NS_PER_MINUTE;
export const NS_PER_DAY = 24n * NS_PER_HOUR;
export const NS_PER_WEEK = 7n * NS_PER_DAY;

export class DurationError extends Error {
  override readonly name = 'DurationError';
}

export const INVALID_DURATION = 'invalid duration';

const isDigit = (c: string): boolean => c >= '0' && c <= '9';

/** Parses InfluxQL duration text to nanoseconds; throws DurationError with InfluxDB's message. */
export function parseDuration(text: string): bigint {
  const a = Array.from(text);
  if (a.length < 2) throw new DurationError(INVALID_DURATION);

  let i = 0;
  const negative = a[0] === '-';
  if (negative) i++;

  let total = 0n;
  let measure = 0n;
  let unit = '';
  while (i < a.length) {
    const start = i;
    while (i < a.length && isDigit(a[i]!)) i++;
    if (i >= a.length || i === start) throw new DurationError(INVALID_DURATION);
    const n = BigInt(a.slice(start, i).join(''));
    if (n > INT64_MAX) throw new DurationError(INVALID_DURATION);
    measure = n;

    const c = a[i]!;
    let scale: bigint;
    unit = c;
    if (c === 'n') {
      if (a[i + 1] !== 's') throw new DurationError(INVALID_DURATION);
      unit = 'ns';
      scale = 1n;
      i += 2;
    } else if (c === 'u' || c === 'µ') {
      scale = NS_PER_US;
      i++;
    } else if (c === 'm') {
      if (a[i + 1] === 's') {
        unit = 'ms';
        scale = NS_PER_MS;
        i += 2;
      } else {
        scale = NS_PER_MINUTE;
        i++;
      }
    } else if (c === 's') {
      scale = NS_PER_SECOND;
      i++;
    } else if (c === 'h') {
      scale = NS_PER_HOUR;
      i++;
    } else if (c === 'd') {
      scale = NS_PER_DAY;
      i++;
    } else if (c === 'w') {
      scale = NS_PER_WEEK;
      i++;
    } else {
      throw new DurationError(INVALID_DURATION);
    }
    total = BigInt.asIntN(64, total + BigInt.asIntN(64, n * scale));
  }

  if (total < 0n && !negative) {
    throw new DurationError(`overflowed duration ${measure}${unit}: choose a smaller duration or INF`);
  }
  return negative ? BigInt.asIntN(64, -total) : total;
}

/** The shortest InfluxQL text for a duration in one unit: `0s`, `2w`, `90m`, `1500ms`, `3u`, `7ns`. */
export function formatDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  if (ns % NS_PER_WEEK === 0n) return `${ns / NS_PER_WEEK}w`;
  if (ns % NS_PER_DAY === 0n) return `${ns / NS_PER_DAY}d`;
  if (ns % NS_PER_HOUR === 0n) return `${ns / NS_PER_HOUR}h`;
  if (ns % NS_PER_MINUTE === 0n) return `${ns / NS_PER_MINUTE}m`;
  if (ns % NS_PER_SECOND === 0n) return `${ns / NS_PER_SECOND}s`;
  if (ns % NS_PER_MS === 0n) return `${ns / NS_PER_MS}ms`;
  if (ns % NS_PER_US === 0n) return `${ns / NS_PER_US}u`;
  return `${ns}ns`;
}
