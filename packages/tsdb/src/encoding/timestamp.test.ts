import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../errors.js';
import { SeededRandom, forEachSeed, regularTimes } from './seeded-random.js';
import { decodeTimestamps, encodeTimestamps } from './timestamp.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NOW_NS = 1_700_000_000_000_000_000n;

function roundTrip(times: BigInt64Array): Uint8Array {
  const bytes = encodeTimestamps(times);
  expect(Array.from(decodeTimestamps(bytes, times.length))).toEqual(Array.from(times));
  return bytes;
}

/** Ascending times with gaps drawn by `gap`. */
function ascending(n: number, start: bigint, gap: () => bigint): BigInt64Array {
  const out = new BigInt64Array(n);
  let t = start;
  for (let i = 0; i < n; i++) {
    out[i] = t;
    if (i < n - 1) t += gap();
  }
  return out;
}

describe('timestamps', () => {
  it('encode nothing to nothing and one time to 9 bytes', () => {
    expect(roundTrip(new BigInt64Array(0)).length).toBe(0);
    expect(roundTrip(BigInt64Array.of(NOW_NS)).length).toBe(9);
    expect(roundTrip(BigInt64Array.of(INT64_MIN)).length).toBe(9);
  });

  it('encode a regular 10 s series of 1,000 points to a handful of bytes', () => {
    const bytes = roundTrip(regularTimes(NOW_NS, 10_000_000_000n, 1000));
    expect(bytes.length).toBeLessThanOrEqual(10);
    // Same for 1 ns and 1 h intervals, and for negative times crossing zero.
    expect(roundTrip(regularTimes(NOW_NS, 1n, 1000)).length).toBeLessThanOrEqual(10);
    expect(roundTrip(regularTimes(NOW_NS, 3_600_000_000_000n, 1000)).length).toBeLessThanOrEqual(11);
    expect(roundTrip(regularTimes(-5_000_000_000n, 10_000_000n, 1000)).length).toBeLessThanOrEqual(10);
  });

  it('keep a mostly regular series with missing points small', () => {
    const rng = new SeededRandom(7);
    const times = ascending(1000, NOW_NS, () => (rng.int(0, 50) === 0 ? 20_000_000_000n : 10_000_000_000n));
    expect(roundTrip(times).length).toBeLessThan(200);
  });

  it('use delta-of-deltas when arrival times jitter around a regular interval', () => {
    const rng = new SeededRandom(8);
    // 10 s ± up to 5 ms, at millisecond precision.
    const times = ascending(1000, NOW_NS, () => BigInt(10_000 + rng.int(-5, 5)) * 1_000_000n);
    expect(roundTrip(times).length).toBeLessThan(1000 * 0.75);
  });

  it('are exact at the ends of the int64 range, across zero and over huge gaps', () => {
    roundTrip(BigInt64Array.of(INT64_MIN, INT64_MAX));
    roundTrip(BigInt64Array.of(INT64_MIN, INT64_MIN + 1n, 0n, INT64_MAX - 1n, INT64_MAX));
    roundTrip(BigInt64Array.of(-3n, -2n, -1n, 0n, 1n, 2n));
    roundTrip(BigInt64Array.of(-(2n ** 40n), 2n ** 40n, 2n ** 62n));
    // Gaps right at the boundary of the number fast path (2^51).
    roundTrip(BigInt64Array.of(0n, 2n ** 51n - 1n, 2n ** 52n - 2n, 2n ** 52n - 1n));
    roundTrip(BigInt64Array.of(0n, 2n ** 51n, 2n ** 51n + 1n, 2n ** 53n + 1n));
    roundTrip(BigInt64Array.of(2n ** 32n - 1n, 2n ** 32n, 2n ** 33n + 7n, 2n ** 34n));
  });

  it('are exact even for descending or repeated times, which blocks never hold', () => {
    roundTrip(BigInt64Array.of(5n, 4n, 4n, 100n, -100n, INT64_MAX, INT64_MIN));
    roundTrip(BigInt64Array.of(7n, 7n, 7n, 7n));
  });

  it('round-trip random series of every shape', () => {
    forEachSeed(150, 5000, (rng) => {
      const n = rng.int(1, 1200);
      const shape = rng.int(0, 5);
      let times: BigInt64Array;
      const start = rng.pick([NOW_NS, 0n, -NOW_NS, rng.int64(), INT64_MIN + 1000n]);
      if (shape === 0) {
        const step = BigInt(rng.int(1, 2 ** 40));
        times = ascending(n, start, () => step);
      } else if (shape === 1) {
        const unit = rng.pick([1n, 1000n, 1_000_000n, 1_000_000_000n]);
        times = ascending(n, start, () => BigInt(rng.int(1, 100_000)) * unit);
      } else if (shape === 2) {
        const base = BigInt(rng.int(1, 1e6)) * 1_000_000n;
        times = ascending(n, start, () => base + BigInt(rng.int(-999, 999)) * 1000n);
      } else if (shape === 3) {
        times = ascending(n, start, () => (rng.int(0, 20) === 0 ? BigInt(rng.int(1, 2 ** 53)) * 1024n : BigInt(rng.int(1, 10))));
      } else if (shape === 4) {
        times = BigInt64Array.from({ length: n }, () => rng.int64());
      } else {
        times = ascending(n, start, () => BigInt(rng.int(1, 3)) * 10_000_000_000n);
      }
      roundTrip(times);
    });
  });

  it('decode into the right words when the input is a view at an offset', () => {
    const all = regularTimes(NOW_NS, 1_000n, 50);
    const bytes = encodeTimestamps(all, 10, 20);
    expect(Array.from(decodeTimestamps(bytes, 10))).toEqual(Array.from(all.subarray(10, 20)));
  });

  it('throw CorruptionError on impossible headers, truncation and leftovers', () => {
    const good = encodeTimestamps(regularTimes(NOW_NS, 10n, 100));
    expect(() => decodeTimestamps(good.subarray(0, good.length - 1), 100)).toThrow(CorruptionError);
    expect(() => decodeTimestamps(Uint8Array.of(...good, 0), 100)).toThrow(CorruptionError);
    const badMode = good.slice();
    badMode[0] = 0x70;
    expect(() => decodeTimestamps(badMode, 100)).toThrow(CorruptionError);
    const badScale = good.slice();
    badScale[0] = 0x1f;
    expect(() => decodeTimestamps(badScale, 100)).toThrow(CorruptionError);
    expect(() => decodeTimestamps(new Uint8Array(0), 1)).toThrow(CorruptionError);
  });
});
