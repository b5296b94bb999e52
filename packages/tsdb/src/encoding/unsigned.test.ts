import { describe, expect, it } from 'vitest';
import { int64Stats, int64Words } from './integer.js';
import { forEachSeed } from './seeded-random.js';
import { decodeUnsigned, encodeUnsigned, type UnsignedValues } from './unsigned.js';

const UINT64_MAX = 2n ** 64n - 1n;
const SAFE = Number.MAX_SAFE_INTEGER;

function asBig(values: UnsignedValues): bigint[] {
  return Array.from(values as ArrayLike<number | bigint>, (v) => BigInt(v));
}

function roundTrip(values: UnsignedValues): UnsignedValues {
  const decoded = decodeUnsigned(encodeUnsigned(values), values.length);
  expect(asBig(decoded)).toEqual(asBig(values));
  expect(decoded).toBeInstanceOf(asBig(values).every((v) => v <= BigInt(SAFE)) ? Float64Array : BigUint64Array);
  return decoded;
}

describe('unsigned', () => {
  it('are exact over the whole uint64 range, with wrapping differences', () => {
    roundTrip(new Float64Array(0));
    roundTrip(BigUint64Array.of(0n, UINT64_MAX, 0n, 2n ** 63n, 2n ** 63n - 1n, UINT64_MAX - 1n));
    roundTrip(BigUint64Array.of(UINT64_MAX));
    roundTrip(Float64Array.of(0, SAFE, 0, SAFE));
    roundTrip(BigUint64Array.of(BigInt(SAFE), BigInt(SAFE) + 1n));
  });

  it('store the first value without zigzag', () => {
    expect(encodeUnsigned(Float64Array.of(100)).length).toBe(2); // mode + one varint byte
  });

  it('reject negative or fractional numbers', () => {
    expect(() => encodeUnsigned(Float64Array.of(-1))).toThrow(RangeError);
    expect(() => encodeUnsigned(Float64Array.of(0.5))).toThrow(RangeError);
  });

  it('round-trip random sequences', () => {
    forEachSeed(100, 10_000, (rng) => {
      const n = rng.int(1, 1100);
      if (rng.int(0, 1) === 0) {
        roundTrip(BigUint64Array.from({ length: n }, () => BigInt.asUintN(64, rng.int64())));
      } else {
        let v = rng.int(0, 1e9);
        roundTrip(Float64Array.from({ length: n }, () => (v = Math.max(0, v + rng.int(-100, 100)))));
      }
    });
  });

  it('sum with uint64 wrap-around and order min and max as unsigned', () => {
    const v = BigUint64Array.of(UINT64_MAX, 2n, 2n ** 63n);
    const s = int64Stats(int64Words(v, 0, 3, false), 3, false);
    expect(s).toEqual({ first: UINT64_MAX, last: 2n ** 63n, min: 2n, max: UINT64_MAX, sum: BigInt.asUintN(64, UINT64_MAX + 2n + 2n ** 63n) });
  });
});
