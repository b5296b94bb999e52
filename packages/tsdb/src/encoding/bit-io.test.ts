import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../errors.js';
import { BitReader } from './bit-reader.js';
import { BitWriter } from './bit-writer.js';
import { ByteWriter } from './byte-buffer.js';
import { forEachSeed } from './seeded-random.js';

describe('bit writer and reader', () => {
  it('write MSB first and pad the last byte with zeros', () => {
    const w = new ByteWriter(1);
    const bw = new BitWriter(w);
    bw.write(0b101, 3);
    bw.write(0xffff, 16);
    bw.bit(0);
    bw.finish();
    expect(Array.from(w.toBytes())).toEqual([0b10111111, 0b11111111, 0b11100000]);
  });

  it('read back any sequence of 1..32-bit fields', () => {
    forEachSeed(100, 3000, (rng) => {
      const count = rng.int(0, 200);
      const widths: number[] = [];
      const values: number[] = [];
      const w = new ByteWriter(1);
      const bw = new BitWriter(w);
      for (let i = 0; i < count; i++) {
        const n = rng.int(1, 32);
        const v = rng.u32() >>> (32 - n);
        widths.push(n);
        values.push(v);
        bw.write(v, n);
      }
      bw.finish();
      const bytes = w.toBytes();
      const totalBits = widths.reduce((a, b) => a + b, 0);
      expect(bytes.length).toBe(Math.ceil(totalBits / 8));
      const br = new BitReader(bytes, 0, bytes.length);
      for (let i = 0; i < count; i++) expect(br.read(widths[i]!)).toBe(values[i]);
      expect(br.endsCleanly()).toBe(true);
    });
  });

  it('ignores stray high bits of a written value', () => {
    const w = new ByteWriter();
    const bw = new BitWriter(w);
    bw.write(0xffffffff, 4);
    bw.write(0, 4);
    bw.finish();
    expect(Array.from(w.toBytes())).toEqual([0xf0]);
  });

  it('throws CorruptionError when reading past the end, and spots leftover data', () => {
    const br = new BitReader(Uint8Array.of(0xab, 0xcd), 0, 2);
    expect(br.read(12)).toBe(0xabc);
    expect(br.endsCleanly()).toBe(false); // 0xd is not zero padding
    expect(() => br.read(5)).toThrow(CorruptionError);
    const one = new BitReader(Uint8Array.of(0x80), 0, 1);
    expect(one.bit()).toBe(1);
    expect(one.endsCleanly()).toBe(true);
    expect(() => new BitReader(new Uint8Array(3), 0, 3).read(32)).toThrow(CorruptionError);
  });
});
