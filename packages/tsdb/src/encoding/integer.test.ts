import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../errors.js';
import { decodeIntegers, encodeIntegers, int64Stats, int64Words, type IntegerValues } from './integer.js';
import { SeededRandom, forEachSeed, tsbsCpuInts } from './seeded-random.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SAFE = Number.MAX_SAFE_INTEGER;

function asBig(values: IntegerValues): bigint[] {
  return Array.from(values as ArrayLike<number | bigint>, (v) => BigInt(v));
}

function roundTrip(values: IntegerValues): { bytes: Uint8Array; decoded: IntegerValues } {
  const bytes = encodeIntegers(values);
  const decoded = decodeIntegers(bytes, values.length);
  expect(asBig(decoded)).toEqual(asBig(values));
  const allSafe = asBig(values).every((v) => v >= -BigInt(SAFE) && v <= BigInt(SAFE));
  expect(decoded).toBeInstanceOf(allSafe ? Float64Array : BigInt64Array);
  return { bytes, decoded };
}

describe('integers', () => {
  it('encode nothing to nothing; one value to a mode byte and a varint', () => {
    expect(roundTrip(new Float64Array(0)).bytes.length).toBe(0);
    expect(roundTrip(Float64Array.of(-3)).bytes.length).toBe(2);
    expect(roundTrip(BigInt64Array.of(INT64_MIN)).bytes.length).toBe(11);
  });

  it('accept either representation and give the same bytes', () => {
    const nums = Float64Array.of(1, -2, 3, SAFE, -SAFE, 0);
    expect(encodeIntegers(nums)).toEqual(encodeIntegers(BigInt64Array.from(asBig(nums))));
  });

  it('store equal steps once, whatever the length', () => {
    expect(roundTrip(Float64Array.from({ length: 1000 }, (_, i) => 1000 + 5 * i)).bytes.length).toBeLessThanOrEqual(4);
    expect(roundTrip(new Float64Array(1000).fill(7)).bytes.length).toBeLessThanOrEqual(3);
    expect(roundTrip(BigInt64Array.from({ length: 1000 }, (_, i) => INT64_MAX - BigInt(i) * 2n ** 40n)).bytes.length).toBeLessThan(
      20,
    );
  });

  it('are exact at the int64 limits, including differences that overflow int64', () => {
    roundTrip(BigInt64Array.of(INT64_MIN, INT64_MAX, INT64_MIN, 0n, INT64_MAX, -1n, INT64_MIN + 1n));
    roundTrip(BigInt64Array.of(INT64_MAX, INT64_MIN)); // the step wraps past 2^64
    roundTrip(BigInt64Array.of(INT64_MIN, INT64_MAX, INT64_MIN)); // equal wrapping steps (RLE)
    roundTrip(BigInt64Array.of(0n, 2n ** 53n, -(2n ** 53n), 2n ** 53n - 1n));
  });

  it('come back as numbers only while every value is a safe integer', () => {
    expect(roundTrip(Float64Array.of(SAFE, -SAFE, SAFE)).decoded).toBeInstanceOf(Float64Array);
    // Safe values whose differences are not safe still round-trip.
    expect(roundTrip(Float64Array.of(-SAFE, SAFE, -SAFE, 0)).decoded).toBeInstanceOf(Float64Array);
    expect(roundTrip(BigInt64Array.of(1n, BigInt(SAFE) + 1n)).decoded).toBeInstanceOf(BigInt64Array);
    expect(roundTrip(BigInt64Array.of(-(2n ** 53n))).decoded).toBeInstanceOf(BigInt64Array);
  });

  it('reject numbers that are not safe integers rather than store something else', () => {
    expect(() => encodeIntegers(Float64Array.of(1.5))).toThrow(RangeError);
    expect(() => encodeIntegers(Float64Array.of(NaN))).toThrow(RangeError);
    expect(() => encodeIntegers(Float64Array.of(2 ** 53))).toThrow(RangeError);
  });

  it('pack TSBS-like cpu random walks under 0.45 bytes per value', () => {
    let bytes = 0;
    let values = 0;
    forEachSeed(20, 7000, (rng) => {
      const v = tsbsCpuInts(rng, 1000);
      bytes += roundTrip(v).bytes.length;
      values += v.length;
    });
    expect(bytes / values).toBeLessThan(0.45);
  });

  it('round-trip random sequences of every shape', () => {
    forEachSeed(150, 8000, (rng) => {
      const n = rng.int(1, 1200);
      const kind = rng.int(0, 4);
      if (kind === 0) {
        roundTrip(BigInt64Array.from({ length: n }, () => rng.int64()));
      } else if (kind === 1) {
        let v = rng.int(-1e6, 1e6);
        roundTrip(Float64Array.from({ length: n }, () => (v += rng.int(-1000, 1000))));
      } else if (kind === 2) {
        const edge = [INT64_MIN, INT64_MAX, 0n, -1n, 1n, 2n ** 53n, -(2n ** 53n), 2n ** 60n, -(2n ** 60n)];
        roundTrip(BigInt64Array.from({ length: n }, () => rng.pick(edge) + BigInt(rng.int(-3, 3))));
      } else if (kind === 3) {
        roundTrip(Float64Array.from({ length: n }, () => rng.int(-SAFE, SAFE)));
      } else {
        let v = rng.int64();
        const step = rng.int64() >> BigInt(rng.int(0, 63));
        roundTrip(BigInt64Array.from({ length: n }, () => (v = BigInt.asIntN(64, v + (rng.int(0, 10) === 0 ? 1n : step)))));
      }
    });
  });

  it('throw CorruptionError on a bad mode, truncation and leftovers', () => {
    const good = encodeIntegers(tsbsCpuInts(new SeededRandom(1), 100));
    expect(() => decodeIntegers(good.subarray(0, good.length - 1), 100)).toThrow(CorruptionError);
    expect(() => decodeIntegers(Uint8Array.of(...good, 0), 100)).toThrow(CorruptionError);
    expect(() => decodeIntegers(Uint8Array.of(2, 0), 1)).toThrow(CorruptionError);
    expect(() => decodeIntegers(Uint8Array.of(1, 0), 1)).toThrow(CorruptionError); // RLE needs two values
    expect(() => decodeIntegers(Uint8Array.of(0), 0)).toThrow(CorruptionError);
  });
});

describe('int64 stats', () => {
  const stats = (values: IntegerValues) => int64Stats(int64Words(values, 0, values.length, true), values.length, true);

  it('give exact first, last, min and max', () => {
    const s = stats(BigInt64Array.of(5n, INT64_MIN, 7n, INT64_MAX, -1n));
    expect(s).toMatchObject({ first: 5n, last: -1n, min: INT64_MIN, max: INT64_MAX });
    expect(stats(Float64Array.of(-1, -2, -3))).toMatchObject({ min: -3n, max: -1n, sum: -6n });
  });

  it('sum exactly beyond 2^53 and wrap like Go int64 beyond 2^63', () => {
    expect(stats(Float64Array.of(SAFE, SAFE, SAFE)).sum).toBe(3n * BigInt(SAFE));
    expect(stats(BigInt64Array.of(INT64_MAX, 1n)).sum).toBe(INT64_MIN);
    expect(stats(BigInt64Array.of(INT64_MIN, -1n)).sum).toBe(INT64_MAX);
    forEachSeed(30, 9000, (rng) => {
      const v = BigInt64Array.from({ length: rng.int(1, 1000) }, () => rng.int64());
      expect(stats(v).sum).toBe(BigInt.asIntN(64, Array.from(v).reduce((a, b) => a + b, 0n)));
    });
  });
});
