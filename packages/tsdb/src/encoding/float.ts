// Float64 values, XOR-compressed as in Facebook's Gorilla paper, on the raw bits (so NaN
// payloads, -0, infinities and subnormals come back bit for bit). Bit stream, MSB first,
// n >= 1 values (n == 0 encodes to zero bytes):
//
//   64 bits  first value (high word, then low word)
//   per further value, x = bits XOR previous bits:
//     0                              x == 0 (same value)
//     10 <meaningful bits>           x fits the previous window (its leading and trailing zero
//                                    counts are at least the window's); window's width of bits
//     11 <lead:5> <width:6> <bits>   a new window: `lead` leading zeros (capped at 31), `width`
//                                    meaningful bits (64 stored as 0), trailing zeros implied
//   zero bits pad the last byte.
//
// An encoder may keep the old window even when a new one would be narrower; we open a new one
// when the old window is more than 11 bits (the cost of a window header) wider than needed.
// All work is on the two 32-bit halves of each value; nothing allocates per value.

import { CorruptionError } from '../errors.js';
import { BitReader } from './bit-reader.js';
import { BitWriter } from './bit-writer.js';
import { ByteWriter } from './byte-buffer.js';

/** Bits a new-window header costs beyond a reused window: 5 (lead) + 6 (width). */
const WINDOW_HEADER_BITS = 11;

const writer = new ByteWriter();

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Appends the encoding of values[start, end) to `w`. */
export function writeFloats(w: ByteWriter, values: Float64Array, start: number, end: number): void {
  const n = end - start;
  if (n <= 0) return;
  const u = new Uint32Array(values.buffer, values.byteOffset + start * 8, 2 * n);
  const bw = new BitWriter(w);
  let prevLo = u[0]!;
  let prevHi = u[1]!;
  bw.write(prevHi, 32);
  bw.write(prevLo, 32);
  let winLead = -1;
  let winTrail = 0;
  let winWidth = 0;
  for (let i = 1; i < n; i++) {
    const lo = u[2 * i]!;
    const hi = u[2 * i + 1]!;
    const xl = (lo ^ prevLo) >>> 0;
    const xh = (hi ^ prevHi) >>> 0;
    prevLo = lo;
    prevHi = hi;
    if (xl === 0 && xh === 0) {
      bw.write(0, 1);
      continue;
    }
    let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    if (lead > 31) lead = 31;
    const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    const width = 64 - lead - trail;
    let t: number;
    let m: number;
    if (winLead >= 0 && lead >= winLead && trail >= winTrail && winWidth <= width + WINDOW_HEADER_BITS) {
      bw.write(0b10, 2);
      t = winTrail;
      m = winWidth;
    } else {
      bw.write((0b11 << 11) | (lead << 6) | (width & 63), 13);
      winLead = lead;
      winTrail = trail;
      winWidth = width;
      t = trail;
      m = width;
    }
    // The meaningful bits are x >> t, m of them.
    if (t >= 32) {
      bw.write(xh >>> (t - 32), m);
    } else {
      const low = t === 0 ? xl : ((xl >>> t) | (xh << (32 - t))) >>> 0;
      if (m <= 32) bw.write(low, m);
      else {
        bw.write(xh >>> t, m - 32);
        bw.write(low, 32);
      }
    }
  }
  bw.finish();
}

/** Encodes values[start, end) (default: the whole array) to a new buffer. */
export function encodeFloats(values: Float64Array, start: number = 0, end: number = values.length): Uint8Array {
  writer.reset();
  writeFloats(writer, values, start, end);
  return writer.toBytes();
}

/** Decodes exactly `n` values that fill all of `src`. */
export function decodeFloats(src: Uint8Array, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 0) {
    if (src.length !== 0) throw new CorruptionError('floats: data for zero values');
    return out;
  }
  const o = new Uint32Array(out.buffer);
  const br = new BitReader(src, 0, src.length);
  let hi = br.read(32);
  let lo = br.read(32);
  o[0] = lo;
  o[1] = hi;
  let winTrail = -1;
  let winWidth = 0;
  for (let i = 1; i < n; i++) {
    if (br.bit() !== 0) {
      if (br.bit() !== 0) {
        const lead = br.read(5);
        winWidth = br.read(6) || 64;
        winTrail = 64 - lead - winWidth;
        if (winTrail < 0) throw new CorruptionError(`floats: window of ${lead} + ${winWidth} bits exceeds 64`);
      } else if (winTrail < 0) {
        throw new CorruptionError('floats: window reused before one was set');
      }
      const t = winTrail;
      const m = winWidth;
      let high = 0;
      let low: number;
      if (m <= 32) low = br.read(m);
      else {
        high = br.read(m - 32);
        low = br.read(32);
      }
      if (t >= 32) {
        hi ^= low << (t - 32);
      } else if (t === 0) {
        hi ^= high;
        lo ^= low;
      } else {
        hi ^= (high << t) | (low >>> (32 - t));
        lo ^= low << t;
      }
      hi >>>= 0;
      lo >>>= 0;
    }
    o[2 * i] = lo;
    o[2 * i + 1] = hi;
  }
  if (!br.endsCleanly()) throw new CorruptionError('floats: data continues past the last value');
  return out;
}
