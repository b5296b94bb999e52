import { FieldType } from '@shoal/lineproto';
import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../errors.js';
import {
  BLOCK_POINTS_MAX,
  blockTimeRange,
  decodeBlock,
  encodeBlock,
  readBlockStats,
  type BlockStats,
  type Values,
} from './block.js';
import { SeededRandom, forEachSeed, regularTimes, tsbsCpuInts } from './seeded-random.js';

const NOW_NS = 1_700_000_000_000_000_000n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function sliceValues(values: Values, start: number, end: number): unknown[] {
  return Array.from((values as ArrayLike<unknown>) as unknown[]).slice(start, end);
}

/** Values as comparable primitives: integers as bigints, floats by their bits. */
function comparable(type: FieldType, values: unknown[]): unknown[] {
  if (type === FieldType.Integer || type === FieldType.Unsigned) return values.map((v) => BigInt(v as number | bigint));
  if (type === FieldType.Float) return Array.from(new BigUint64Array(Float64Array.from(values as number[]).buffer));
  return values;
}

function roundTrip(type: FieldType, times: BigInt64Array, values: Values, start = 0, end = times.length): Uint8Array {
  const buf = encodeBlock(type, times, values, start, end);
  const d = decodeBlock(buf);
  expect(d.type).toBe(type);
  expect(d.count).toBe(end - start);
  expect(Array.from(d.times)).toEqual(Array.from(times.subarray(start, end)));
  expect(comparable(type, sliceValues(d.values, 0, d.count))).toEqual(comparable(type, sliceValues(values, start, end)));
  expect(blockTimeRange(buf)).toEqual({ minTime: times[start], maxTime: times[end - 1], count: end - start });
  return buf;
}

/** Stats recomputed from plain values with BigInt and Math, as an independent reference. */
function expectedStats(type: FieldType, times: BigInt64Array, values: unknown[]): BlockStats {
  const n = values.length;
  const base = { type, count: n, minTime: times[0]!, maxTime: times[n - 1]!, firstTime: times[0]!, lastTime: times[n - 1]! };
  if (type === FieldType.Float) {
    const v = values as number[];
    const real = v.filter((x) => !Number.isNaN(x));
    return {
      ...base,
      first: v[0]!,
      last: v[n - 1]!,
      // Compared with < and >, so between 0 and -0 the first one seen stays.
      min: real.length ? real.reduce((a, b) => (b < a ? b : a)) : NaN,
      max: real.length ? real.reduce((a, b) => (b > a ? b : a)) : NaN,
      sum: v.reduce((a, b) => a + b, 0),
    };
  }
  if (type === FieldType.Integer || type === FieldType.Unsigned) {
    const v = values.map((x) => BigInt(x as number | bigint));
    const wrap = type === FieldType.Integer ? (x: bigint) => BigInt.asIntN(64, x) : (x: bigint) => BigInt.asUintN(64, x);
    return {
      ...base,
      first: v[0]!,
      last: v[n - 1]!,
      min: v.reduce((a, b) => (b < a ? b : a)),
      max: v.reduce((a, b) => (b > a ? b : a)),
      sum: wrap(v.reduce((a, b) => a + b, 0n)),
    };
  }
  if (type === FieldType.Boolean) {
    const v = values.map((x) => x === 1);
    return { ...base, first: v[0]!, last: v[n - 1]!, min: v.every(Boolean), max: v.some(Boolean) };
  }
  return { ...base, first: values[0] as string, last: values[n - 1] as string };
}

function randomColumn(rng: SeededRandom, type: FieldType, n: number): Values {
  switch (type) {
    case FieldType.Float:
      return Float64Array.from({ length: n }, () => (rng.int(0, 30) === 0 ? rng.pick([NaN, -0, Infinity, -Infinity]) : rng.normal() * 1000));
    case FieldType.Integer:
      return rng.int(0, 1) === 0 ? tsbsCpuInts(rng, n) : BigInt64Array.from({ length: n }, () => (rng.int(0, 3) === 0 ? rng.pick([INT64_MIN, INT64_MAX]) : rng.int64()));
    case FieldType.Unsigned:
      return rng.int(0, 1) === 0
        ? Float64Array.from({ length: n }, () => rng.int(0, 1e12))
        : BigUint64Array.from({ length: n }, () => (rng.int(0, 3) === 0 ? UINT64_MAX : BigInt.asUintN(64, rng.int64())));
    case FieldType.Boolean:
      return Uint8Array.from({ length: n }, () => rng.int(0, 1));
    default:
      return Array.from({ length: n }, () => rng.pick(['OK', 'fail', 'ünïcode ✓', '', '🚀'.repeat(rng.int(1, 5)), `v${rng.int(0, 1e6)}`]));
  }
}

function randomTimes(rng: SeededRandom, n: number): BigInt64Array {
  const out = new BigInt64Array(n);
  let t = rng.pick([NOW_NS, -NOW_NS, 0n, INT64_MIN + 5n]);
  for (let i = 0; i < n; i++) {
    out[i] = t;
    t += rng.int(0, 4) === 0 ? BigInt(rng.int(1, 2 ** 50)) : 10_000_000_000n;
  }
  return out;
}

const ALL_TYPES = [FieldType.Float, FieldType.Integer, FieldType.Unsigned, FieldType.Boolean, FieldType.String];

describe('blocks', () => {
  it('round-trip every field type at 1 and 1,000 points, and a slice of a longer column', () => {
    const rng = new SeededRandom(21);
    for (const type of ALL_TYPES) {
      for (const n of [1, 2, 1000]) roundTrip(type, regularTimes(NOW_NS, 10_000_000_000n, n), randomColumn(rng, type, n));
      roundTrip(type, randomTimes(rng, 3000), randomColumn(rng, type, 3000), 1200, 2200);
    }
  });

  it('give integers back as numbers when safe and as bigints when not', () => {
    const times = regularTimes(NOW_NS, 1n, 3);
    expect(decodeBlock(encodeBlock(FieldType.Integer, times, BigInt64Array.of(1n, 2n, 3n), 0, 3)).values).toBeInstanceOf(Float64Array);
    expect(decodeBlock(encodeBlock(FieldType.Integer, times, BigInt64Array.of(1n, 2n ** 60n, 3n), 0, 3)).values).toBeInstanceOf(BigInt64Array);
    expect(decodeBlock(encodeBlock(FieldType.Unsigned, times, Float64Array.of(1, 2, 3), 0, 3)).values).toBeInstanceOf(Float64Array);
    expect(decodeBlock(encodeBlock(FieldType.Unsigned, times, BigUint64Array.of(1n, UINT64_MAX, 3n), 0, 3)).values).toBeInstanceOf(
      BigUint64Array,
    );
  });

  it('carry exact statistics for every type, matching a BigInt/Math reference', () => {
    forEachSeed(40, 13_000, (rng) => {
      const type = rng.pick(ALL_TYPES);
      const n = rng.int(1, 1000);
      const times = randomTimes(rng, n);
      const values = randomColumn(rng, type, n);
      const stats = readBlockStats(encodeBlock(type, times, values, 0, n));
      const want = expectedStats(type, times, sliceValues(values, 0, n));
      expect(stats).toEqual(want);
    });
  });

  it('sum integers with int64 wrap-around and unsigned with uint64 wrap-around', () => {
    const times = regularTimes(0n, 1n, 3);
    const i = readBlockStats(encodeBlock(FieldType.Integer, times, BigInt64Array.of(INT64_MAX, 1n, 1n), 0, 3));
    expect(i).toMatchObject({ sum: INT64_MIN + 1n, min: 1n, max: INT64_MAX, first: INT64_MAX, last: 1n });
    const u = readBlockStats(encodeBlock(FieldType.Unsigned, times, BigUint64Array.of(UINT64_MAX, 2n, 0n), 0, 3));
    expect(u).toMatchObject({ sum: 1n, min: 0n, max: UINT64_MAX });
    const big = readBlockStats(encodeBlock(FieldType.Integer, times, Float64Array.of(2 ** 53 - 1, 2 ** 53 - 1, 7), 0, 3));
    expect(big.sum).toBe(2n * (2n ** 53n - 1n) + 7n);
  });

  it('skip NaN in float min and max, keep first and last bit-exact', () => {
    const times = regularTimes(0n, 1n, 4);
    const s = readBlockStats(encodeBlock(FieldType.Float, times, Float64Array.of(NaN, 2.5, -1, NaN), 0, 4));
    expect(s.min).toBe(-1);
    expect(s.max).toBe(2.5);
    expect(s.first).toBeNaN();
    expect(s.sum).toBeNaN();
    const allNaN = readBlockStats(encodeBlock(FieldType.Float, times.subarray(0, 1), Float64Array.of(NaN), 0, 1));
    expect(allNaN.min).toBeNaN();
    expect(Object.is(readBlockStats(encodeBlock(FieldType.Float, times.subarray(0, 1), Float64Array.of(-0), 0, 1)).first, -0)).toBe(true);
  });

  it('refuse input that breaks the block rules, before writing anything', () => {
    const times = BigInt64Array.of(1n, 2n, 2n);
    expect(() => encodeBlock(FieldType.Float, times, new Float64Array(3), 0, 3)).toThrow(RangeError); // duplicate time
    expect(() => encodeBlock(FieldType.Float, BigInt64Array.of(5n, 4n), new Float64Array(2), 0, 2)).toThrow(RangeError);
    expect(() => encodeBlock(FieldType.Float, BigInt64Array.of(-1n, INT64_MIN), new Float64Array(2), 0, 2)).toThrow(RangeError);
    expect(() => encodeBlock(FieldType.Float, times, new Float64Array(3), 1, 1)).toThrow(RangeError); // empty
    expect(() => encodeBlock(FieldType.Float, times, new Float64Array(3), 0, 4)).toThrow(RangeError);
    expect(() => encodeBlock(FieldType.Float, times, new Float64Array(1), 0, 2)).toThrow(RangeError);
    expect(() => encodeBlock(FieldType.Float, times, BigInt64Array.of(1n, 2n), 0, 2)).toThrow(TypeError);
    expect(() => encodeBlock(FieldType.Integer, times, BigUint64Array.of(1n, 2n), 0, 2)).toThrow(TypeError);
    expect(() => encodeBlock(FieldType.Boolean, times, Float64Array.of(1, 0), 0, 2)).toThrow(TypeError);
    expect(() => encodeBlock(FieldType.Boolean, times, Uint8Array.of(1, 5), 0, 2)).toThrow(RangeError);
    expect(() => encodeBlock(FieldType.Integer, times, Float64Array.of(1, 0.5), 0, 2)).toThrow(RangeError);
    expect(() => encodeBlock(7 as FieldType, times, Float64Array.of(1, 2), 0, 2)).toThrow(RangeError);
    const many = BLOCK_POINTS_MAX + 1;
    expect(() => encodeBlock(FieldType.Boolean, new BigInt64Array(many), new Uint8Array(many), 0, many)).toThrow(RangeError);
  });

  it('detect any single flipped byte in decodeBlock, for every type', () => {
    const rng = new SeededRandom(31);
    for (const type of ALL_TYPES) {
      const n = 200;
      const buf = encodeBlock(type, randomTimes(rng, n), randomColumn(rng, type, n), 0, n);
      for (let i = 0; i < buf.length; i++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const bad = buf.slice();
          bad[i]! ^= mask;
          expect(() => decodeBlock(bad), `type ${type} byte ${i} mask ${mask}`).toThrow(CorruptionError);
        }
      }
    }
  });

  it('detect truncation and trailing garbage', () => {
    const rng = new SeededRandom(32);
    const buf = encodeBlock(FieldType.Integer, randomTimes(rng, 50), randomColumn(rng, FieldType.Integer, 50), 0, 50);
    for (let len = 0; len < buf.length; len++) expect(() => decodeBlock(buf.subarray(0, len))).toThrow(CorruptionError);
    expect(() => decodeBlock(Uint8Array.of(...buf, 0))).toThrow(CorruptionError);
  });

  it('never return wrong statistics: readBlockStats throws or is unaffected by any flipped byte', () => {
    const rng = new SeededRandom(33);
    for (const type of ALL_TYPES) {
      const buf = encodeBlock(type, randomTimes(rng, 100), randomColumn(rng, type, 100), 0, 100);
      const good = readBlockStats(buf);
      let caught = 0;
      for (let i = 0; i < buf.length; i++) {
        const bad = buf.slice();
        bad[i]! ^= 0x10;
        let stats: BlockStats;
        try {
          stats = readBlockStats(bad);
        } catch (err) {
          expect(err).toBeInstanceOf(CorruptionError);
          caught++;
          continue;
        }
        // Only bytes past the header checksum (timestamps, values, block CRC) may go unnoticed here.
        expect(stats, `type ${type} byte ${i}`).toEqual(good);
      }
      expect(caught).toBeGreaterThanOrEqual(22 + 1 + 4); // fixed header, some stats, header CRC
    }
  });

  it('reject blocks that are too short or of an unknown version in the cheap header peek', () => {
    expect(() => blockTimeRange(new Uint8Array(10))).toThrow(CorruptionError);
    const buf = encodeBlock(FieldType.Boolean, BigInt64Array.of(1n, 2n), Uint8Array.of(1, 0), 0, 2);
    const v2 = buf.slice();
    v2[0] = 2;
    expect(() => blockTimeRange(v2)).toThrow(CorruptionError);
    expect(() => decodeBlock(v2)).toThrow(CorruptionError);
  });

  it('decode blocks that sit at any offset of a larger buffer, as Buffers from a storage pool do', () => {
    const rng = new SeededRandom(35);
    for (const type of ALL_TYPES) {
      const times = randomTimes(rng, 64);
      const values = randomColumn(rng, type, 64);
      const buf = encodeBlock(type, times, values, 0, 64);
      for (const offset of [1, 3, 7]) {
        const pool = new ArrayBuffer(buf.length + 16);
        const view = Buffer.from(pool, offset, buf.length);
        view.set(buf);
        const d = decodeBlock(view);
        expect(Array.from(d.times)).toEqual(Array.from(times));
        expect(comparable(type, sliceValues(d.values, 0, 64))).toEqual(comparable(type, sliceValues(values, 0, 64)));
        expect(readBlockStats(view)).toEqual(readBlockStats(buf));
        expect(blockTimeRange(view)).toEqual(blockTimeRange(buf));
      }
    }
  });

  it('encode from typed arrays that are views at an offset', () => {
    const backing = new ArrayBuffer(8 * 40);
    const times = new BigInt64Array(backing, 8 * 4, 20);
    times.set(regularTimes(NOW_NS, 1000n, 20));
    const values = new Float64Array(new ArrayBuffer(8 * 30), 8 * 5, 20).map((_, i) => i * 0.5);
    const d = decodeBlock(encodeBlock(FieldType.Float, times, values, 2, 18));
    expect(Array.from(d.times)).toEqual(Array.from(times.subarray(2, 18)));
    expect(Array.from(d.values as Float64Array)).toEqual(Array.from(values.subarray(2, 18)));
    expect(readBlockStats(encodeBlock(FieldType.Float, times, values, 2, 18))).toMatchObject({ first: 1, last: 8.5 });
  });

  it('return values the caller may keep: a later encode or decode does not change them', () => {
    const rng = new SeededRandom(34);
    const a = decodeBlock(encodeBlock(FieldType.Integer, regularTimes(0n, 1n, 100), tsbsCpuInts(rng, 100), 0, 100));
    const snapshot = Array.from(a.values as Float64Array);
    const aBytes = encodeBlock(FieldType.Integer, regularTimes(0n, 1n, 100), tsbsCpuInts(rng, 100), 0, 100);
    decodeBlock(aBytes);
    expect(Array.from(a.values as Float64Array)).toEqual(snapshot);
  });
});
