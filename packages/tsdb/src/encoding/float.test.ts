import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../errors.js';
import { BitReader } from './bit-reader.js';
import { BitWriter } from './bit-writer.js';
import { ByteWriter } from './byte-buffer.js';
import { decodeFloats, encodeFloats } from './float.js';
import { forEachSeed } from './seeded-random.js';

// A plain reference codec written from the format description with the generic bit writer and
// reader; the production codec inlines its bit I/O for speed and must agree with it bit for bit.

function refEncode(values: Float64Array): Uint8Array {
  const w = new ByteWriter();
  if (values.length === 0) return w.toBytes();
  const bw = new BitWriter(w);
  const raw = new BigUint64Array(values.buffer, values.byteOffset, values.length);
  bw.write(Number(raw[0]! >> 32n), 32);
  bw.write(Number(raw[0]! & 0xffffffffn), 32);
  let win: { lead: number; trail: number; width: number } | undefined;
  for (let i = 1; i < raw.length; i++) {
    const x = raw[i]! ^ raw[i - 1]!;
    if (x === 0n) {
      bw.bit(0);
      continue;
    }
    const lead = Math.min(31, 64 - x.toString(2).length);
    let trail = 0;
    while (((x >> BigInt(trail)) & 1n) === 0n) trail++;
    const width = 64 - lead - trail;
    let use: { lead: number; trail: number; width: number };
    if (win && lead >= win.lead && trail >= win.trail && win.width <= width + 11) {
      bw.write(0b10, 2);
      use = win;
    } else {
      bw.write(0b11, 2);
      bw.write(lead, 5);
      bw.write(width & 63, 6);
      use = win = { lead, trail, width };
    }
    const meaningful = x >> BigInt(use.trail);
    if (use.width > 32) bw.write(Number(meaningful >> 32n), use.width - 32);
    bw.write(Number(meaningful & 0xffffffffn), Math.min(32, use.width));
  }
  bw.finish();
  return w.toBytes();
}

function refDecode(src: Uint8Array, n: number): Float64Array {
  const raw = new BigUint64Array(n);
  if (n === 0) return new Float64Array(0);
  const br = new BitReader(src, 0, src.length);
  raw[0] = (BigInt(br.read(32)) << 32n) | BigInt(br.read(32));
  let trail = 0;
  let width = 0;
  for (let i = 1; i < n; i++) {
    if (br.bit() === 0) {
      raw[i] = raw[i - 1]!;
      continue;
    }
    if (br.bit() === 1) {
      const lead = br.read(5);
      width = br.read(6) || 64;
      trail = 64 - lead - width;
    }
    let m = width > 32 ? BigInt(br.read(width - 32)) << 32n : 0n;
    m |= BigInt(br.read(Math.min(32, width)));
    raw[i] = raw[i - 1]! ^ (m << BigInt(trail));
  }
  expect(br.endsCleanly()).toBe(true);
  return new Float64Array(raw.buffer);
}

/** The raw bits, so NaN payloads and -0 are compared exactly. */
function bits(values: Float64Array): bigint[] {
  return Array.from(new BigUint64Array(values.buffer, values.byteOffset, values.length));
}

function fromBits(...raw: bigint[]): Float64Array {
  return new Float64Array(BigUint64Array.from(raw).buffer);
}

function roundTrip(values: Float64Array): Uint8Array {
  const bytes = encodeFloats(values);
  expect(bits(decodeFloats(bytes, values.length))).toEqual(bits(values));
  return bytes;
}

describe('floats', () => {
  it('encode nothing to nothing and one value to 8 bytes', () => {
    expect(roundTrip(new Float64Array(0)).length).toBe(0);
    expect(roundTrip(Float64Array.of(3.14)).length).toBe(8);
  });

  it('keep exact bits of NaN payloads, -0, infinities and subnormals', () => {
    roundTrip(
      fromBits(
        0x7ff8000000000000n, // quiet NaN
        0x7ff0000000000001n, // signalling NaN, lowest payload
        0xfff7ffffffffffffn, // negative NaN, all payload bits
        0x7ff8dead0000beefn,
        0x8000000000000000n, // -0
        0x0000000000000000n,
        0x7ff0000000000000n, // +Inf
        0xfff0000000000000n, // -Inf
        0x0000000000000001n, // smallest subnormal
        0x800fffffffffffffn, // largest negative subnormal
        0x7fefffffffffffffn, // largest finite
        0x0010000000000000n, // smallest normal
      ),
    );
    roundTrip(Float64Array.of(-0, 0, -0, -0, 0));
  });

  it('cost one bit per repeated value', () => {
    const bytes = roundTrip(new Float64Array(1000).fill(42.5));
    expect(bytes.length).toBe(8 + Math.ceil(999 / 8));
  });

  it('compress a slowly varying gauge well below 8 bytes per value', () => {
    const values = new Float64Array(1000);
    for (let i = 0; i < 1000; i++) values[i] = 20 + Math.round(Math.sin(i / 50) * 40) / 4; // quarter steps
    expect(roundTrip(values).length).toBeLessThan(1000 * 2.5);
  });

  it('round-trip random values of every kind', () => {
    forEachSeed(150, 6000, (rng) => {
      const n = rng.int(1, 1200);
      const kind = rng.int(0, 4);
      const values = new Float64Array(n);
      const raw = new Uint32Array(values.buffer);
      let walk = rng.float() * 100;
      for (let i = 0; i < n; i++) {
        if (kind === 0) {
          raw[2 * i] = rng.u32(); // any bit pattern at all
          raw[2 * i + 1] = rng.u32();
        } else if (kind === 1) {
          walk += rng.normal();
          values[i] = Math.round(walk * 100) / 100;
        } else if (kind === 2) {
          values[i] = rng.int(0, 9) === 0 ? rng.pick([NaN, -0, Infinity, -Infinity, 5e-324, -Number.MAX_VALUE]) : rng.int(0, 3);
        } else if (kind === 3) {
          values[i] = rng.normal() * 10 ** rng.int(-300, 300);
        } else {
          values[i] = rng.int(0, 5) === 0 ? rng.float() : values[Math.max(0, i - 1)]!;
        }
      }
      roundTrip(values);
    });
  });

  it('agree bit for bit with a plain reference codec built on the generic bit writer and reader', () => {
    forEachSeed(60, 6500, (rng) => {
      const n = rng.int(0, 600);
      const values = new Float64Array(n);
      const raw = new Uint32Array(values.buffer);
      let walk = rng.normal() * 1000;
      const kind = rng.int(0, 2);
      for (let i = 0; i < n; i++) {
        if (kind === 0) {
          raw[2 * i] = rng.u32();
          raw[2 * i + 1] = rng.u32();
        } else if (kind === 1) {
          values[i] = rng.int(0, 4) === 0 ? values[Math.max(0, i - 1)]! : Math.round((walk += rng.normal()) * 1000) / 1000;
        } else {
          values[i] = rng.pick([0, -0, 1, 2 ** -1074, NaN, Infinity, 0.1, 1e300]);
        }
      }
      const fast = encodeFloats(values);
      expect(Array.from(fast)).toEqual(Array.from(refEncode(values)));
      expect(bits(refDecode(fast, n))).toEqual(bits(values));
    });
  });

  it('encode a slice of a larger array', () => {
    const all = Float64Array.from({ length: 40 }, (_, i) => i * 1.5);
    const bytes = encodeFloats(all, 5, 25);
    expect(Array.from(decodeFloats(bytes, 20))).toEqual(Array.from(all.subarray(5, 25)));
  });

  it('throw CorruptionError on truncation, leftovers and impossible windows', () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => i / 3);
    const good = encodeFloats(values);
    expect(() => decodeFloats(good.subarray(0, good.length - 2), 100)).toThrow(CorruptionError);
    expect(() => decodeFloats(Uint8Array.of(...good, 0), 100)).toThrow(CorruptionError);
    // (Asking for one value more than was written may read a zero padding bit as "repeat":
    // the count comes from a checksummed block header, so the codec cannot and need not tell.)
    expect(() => decodeFloats(Uint8Array.of(1), 0)).toThrow(CorruptionError);
    // first value, then '10' (reuse a window that was never set)
    expect(() => decodeFloats(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0b10000000), 2)).toThrow(CorruptionError);
    // '11', lead 31, width 63: 31 + 63 > 64
    expect(() => decodeFloats(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0b11111111, 0b11111000, 0, 0, 0, 0, 0, 0, 0, 0), 2)).toThrow(
      CorruptionError,
    );
  });
});
