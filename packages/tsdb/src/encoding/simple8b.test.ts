import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../errors.js';
import { ByteReader, ByteWriter } from './byte-buffer.js';
import { SeededRandom, forEachSeed } from './seeded-random.js';
import { readSimple8b, writeSimple8b } from './simple8b.js';

function toWords(values: readonly bigint[]): Uint32Array {
  const words = new Uint32Array(values.length * 2);
  values.forEach((v, i) => {
    words[2 * i] = Number(v & 0xffffffffn);
    words[2 * i + 1] = Number(v >> 32n);
  });
  return words;
}

function roundTrip(values: readonly bigint[]): Uint8Array {
  const w = new ByteWriter(8);
  writeSimple8b(w, toWords(values), values.length);
  const bytes = w.toBytes();
  expect(bytes.length % 8).toBe(0);
  const out = new Uint32Array(values.length * 2);
  const r = new ByteReader(bytes);
  readSimple8b(r, out, values.length);
  expect(r.remaining).toBe(0);
  expect(Array.from(out)).toEqual(Array.from(toWords(values)));
  return bytes;
}

/** A value of exactly `bits` significant bits (0 means zero). */
function ofBits(rng: SeededRandom, bits: number): bigint {
  if (bits === 0) return 0n;
  const r = (BigInt(rng.u32()) << 32n) | BigInt(rng.u32());
  return (1n << BigInt(bits - 1)) | (r & ((1n << BigInt(bits - 1)) - 1n));
}

describe('simple8b', () => {
  it('round-trips nothing, one value and the extremes of every width', () => {
    expect(roundTrip([]).length).toBe(0);
    expect(roundTrip([0n]).length).toBe(8);
    expect(roundTrip([2n ** 64n - 1n]).length).toBe(16);
    for (const bits of [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30, 31, 32, 33, 53, 59, 60, 61, 64]) {
      roundTrip(Array.from({ length: 70 }, () => (1n << BigInt(bits)) - 1n));
    }
  });

  it('packs as many values as the widest one allows', () => {
    expect(roundTrip(Array.from({ length: 60 }, (_, i) => BigInt(i & 1))).length).toBe(8);
    expect(roundTrip(Array.from({ length: 120 }, (_, i) => BigInt(i % 3))).length).toBe(32);
    expect(roundTrip(Array.from({ length: 20 }, () => 7n)).length).toBe(8);
    // 15 four-bit values then 15 more: two words; 3-bit values alone would pack 20 per word.
    expect(roundTrip(Array.from({ length: 30 }, (_, i) => BigInt(i % 16))).length).toBe(16);
  });

  it('stores a run of any value below 2^32 in one word, however long', () => {
    expect(roundTrip(Array.from({ length: 100_000 }, () => 1n)).length).toBe(8);
    expect(roundTrip(Array.from({ length: 999 }, () => 0xdeadbeefn)).length).toBe(8);
    // A run in the middle of varied data.
    const values = [5n, 9n, ...Array.from({ length: 500 }, () => 3n), 1n, 2n];
    expect(roundTrip(values).length).toBeLessThanOrEqual(24);
  });

  it('escapes values of 61..64 bits between packed ones', () => {
    const values = [1n, 2n ** 60n, 3n, 2n ** 64n - 1n, 2n ** 60n - 1n, 0n];
    roundTrip(values);
  });

  it('round-trips random mixes of widths, runs and escapes', () => {
    forEachSeed(150, 4000, (rng) => {
      const n = rng.int(0, 400);
      const values: bigint[] = [];
      while (values.length < n) {
        const kind = rng.int(0, 9);
        if (kind === 0) {
          const v = ofBits(rng, rng.int(0, 32));
          for (let k = rng.int(1, 150); k > 0 && values.length < n; k--) values.push(v);
        } else if (kind === 1) {
          values.push(ofBits(rng, rng.int(0, 64)));
        } else {
          const bits = rng.int(0, 12);
          for (let k = rng.int(1, 40); k > 0 && values.length < n; k--) values.push(ofBits(rng, rng.int(0, bits)));
        }
      }
      roundTrip(values);
    });
  });

  it('rejects selectors and lengths that cannot be right', () => {
    const out = new Uint32Array(200);
    const word = (lo: number, hi: number) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setUint32(0, lo, true);
      new DataView(b.buffer).setUint32(4, hi, true);
      return b;
    };
    // run of 0, run longer than what is left, escape with payload, escape of a small value, truncated
    expect(() => readSimple8b(new ByteReader(word(5, 0)), out, 3)).toThrow(CorruptionError);
    expect(() => readSimple8b(new ByteReader(word(5, 4)), out, 3)).toThrow(CorruptionError);
    expect(() => readSimple8b(new ByteReader(word(1, 0xf0000000)), out, 1)).toThrow(CorruptionError);
    const smallEscape = new Uint8Array(16);
    smallEscape.set(word(0, 0xf0000000));
    smallEscape.set(word(7, 0), 8);
    expect(() => readSimple8b(new ByteReader(smallEscape), out, 1)).toThrow(CorruptionError);
    expect(() => readSimple8b(new ByteReader(word(0, 0x10000000)), out, 61)).toThrow(CorruptionError);
    expect(() => readSimple8b(new ByteReader(new Uint8Array(7)), out, 1)).toThrow(CorruptionError);
  });
});
