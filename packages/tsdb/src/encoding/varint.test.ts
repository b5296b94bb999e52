import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../errors.js';
import { ByteReader, ByteWriter } from './byte-buffer.js';
import { forEachSeed } from './seeded-random.js';
import {
  readUvarint,
  readUvarint64,
  readUvarintBig,
  readVarintBig,
  unzigzag,
  writeUvarint,
  writeUvarint64,
  writeUvarintBig,
  writeVarintBig,
  zigzag,
} from './varint.js';

function bytesOf(fn: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter(4);
  fn(w);
  return w.toBytes();
}

describe('varint', () => {
  it('round-trips numbers up to 2^53 - 1 in the fewest bytes', () => {
    const cases = [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 49 - 1, 2 ** 49, Number.MAX_SAFE_INTEGER];
    for (const n of cases) {
      const b = bytesOf((w) => writeUvarint(w, n));
      expect(b.length).toBe(Math.ceil(n.toString(2).length / 7));
      const r = new ByteReader(b);
      expect(readUvarint(r)).toBe(n);
      expect(r.remaining).toBe(0);
    }
  });

  it('round-trips any 64-bit value held as two words', () => {
    const out = new Uint32Array(2);
    forEachSeed(200, 2000, (rng) => {
      const hi = rng.int(0, 3) === 0 ? 0 : rng.u32() >>> rng.int(0, 31);
      const lo = rng.u32() >>> rng.int(0, 31);
      const b = bytesOf((w) => writeUvarint64(w, hi, lo));
      const r = new ByteReader(b);
      readUvarint64(r, out);
      expect([out[1], out[0]]).toEqual([hi, lo]);
      expect(r.remaining).toBe(0);
    });
    const max = bytesOf((w) => writeUvarint64(w, 0xffffffff, 0xffffffff));
    expect(max.length).toBe(10);
  });

  it('round-trips signed and unsigned bigints through zigzag', () => {
    for (const v of [0n, -1n, 1n, -(2n ** 63n), 2n ** 63n - 1n, 123456789012345n, -987654321098765n]) {
      const r = new ByteReader(bytesOf((w) => writeVarintBig(w, v)));
      expect(readVarintBig(r)).toBe(v);
    }
    for (const v of [0n, 1n, 2n ** 64n - 1n, 2n ** 63n]) {
      const r = new ByteReader(bytesOf((w) => writeUvarintBig(w, v)));
      expect(readUvarintBig(r)).toBe(v);
    }
  });

  it('zigzag maps small magnitudes to small numbers and back', () => {
    expect([0, -1, 1, -2, 2].map(zigzag)).toEqual([0, 1, 2, 3, 4]);
    for (const n of [0, 5, -5, 2 ** 51, -(2 ** 51), 2 ** 52 - 1, -(2 ** 52 - 1)]) expect(unzigzag(zigzag(n))).toBe(n);
  });

  it('rejects truncated, overlong and oversized encodings as corruption', () => {
    const out = new Uint32Array(2);
    expect(() => readUvarint(new ByteReader(Uint8Array.of(0x80)))).toThrow(CorruptionError);
    expect(() => readUvarint(new ByteReader(Uint8Array.of(0x81, 0x00)))).toThrow(CorruptionError);
    expect(() => readUvarint(new ByteReader(new Uint8Array(9).fill(0xff)))).toThrow(CorruptionError);
    // 2^53 is one past what a number varint may hold.
    expect(() => readUvarint(new ByteReader(bytesOf((w) => writeUvarint64(w, 0x200000, 0))))).toThrow(CorruptionError);
    expect(() => readUvarint64(new ByteReader(new Uint8Array(10).fill(0xff)), out)).toThrow(CorruptionError);
    expect(() => readUvarint64(new ByteReader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02)), out)).toThrow(
      CorruptionError,
    );
    expect(() => readUvarint64(new ByteReader(new Uint8Array(11).fill(0x80)), out)).toThrow(CorruptionError);
  });
});
