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
import { ByteWriter } from './byte-buffer.js';

/** Bits a new-window header costs beyond a reused window: 5 (lead) + 6 (width). */
const WINDOW_HEADER_BITS = 11;

const writer = new ByteWriter();

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Most bits one value can take: '11', lead, width and 64 meaningful bits. */
const VALUE_BITS_MAX = 2 + 5 + 6 + 64;

/** Appends the encoding of values[start, end) to `w`. */
export function writeFloats(w: ByteWriter, values: Float64Array, start: number, end: number): void {
  const n = end - start;
  if (n <= 0) return;
  const u = new Uint32Array(values.buffer, values.byteOffset + start * 8, 2 * n);
  w.ensure(Math.ceil((n * VALUE_BITS_MAX) / 8) + 8);
  const b = w.buf;
  let p = w.pos;
  // The bit writer is inlined: `acc` holds `bits` (< 8 between writes) pending bits in its low
  // end; each write of at most 24 bits appends and flushes whole bytes.
  let acc = 0;
  let bits = 0;
  let prevLo = u[0]!;
  let prevHi = u[1]!;
  b[p] = prevHi >>> 24;
  b[p + 1] = prevHi >>> 16;
  b[p + 2] = prevHi >>> 8;
  b[p + 3] = prevHi;
  b[p + 4] = prevLo >>> 24;
  b[p + 5] = prevLo >>> 16;
  b[p + 6] = prevLo >>> 8;
  b[p + 7] = prevLo;
  p += 8;
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
      acc <<= 1;
      if (++bits === 8) {
        b[p++] = acc;
        bits = 0;
      }
      continue;
    }
    let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    if (lead > 31) lead = 31;
    const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    const width = 64 - lead - trail;
    if (winLead >= 0 && lead >= winLead && trail >= winTrail && winWidth <= width + WINDOW_HEADER_BITS) {
      acc = (acc << 2) | 0b10;
      bits += 2;
    } else {
      acc = (acc << 13) | (0b11 << 11) | (lead << 6) | (width & 63);
      bits += 13;
      winLead = lead;
      winTrail = trail;
      winWidth = width;
    }
    while (bits >= 8) {
      bits -= 8;
      b[p++] = acc >>> bits;
    }
    // The meaningful bits are x >> winTrail, winWidth of them; emit them from the top in chunks.
    const t = winTrail;
    const vh = t >= 32 ? 0 : t === 0 ? xh : xh >>> t;
    const vl = t >= 32 ? xh >>> (t - 32) : t === 0 ? xl : ((xl >>> t) | (xh << (32 - t))) >>> 0;
    let r = winWidth;
    while (r > 0) {
      const take = r > 24 ? 24 : r;
      const from = r - take; // lowest bit of this chunk within (vh, vl)
      let chunk: number;
      if (from >= 32) chunk = vh >>> (from - 32);
      else if (r <= 32) chunk = vl >>> from;
      else chunk = from === 0 ? vl : (vl >>> from) | (vh << (32 - from));
      acc = (acc << take) | (chunk & ((1 << take) - 1));
      bits += take;
      while (bits >= 8) {
        bits -= 8;
        b[p++] = acc >>> bits;
      }
      r = from;
    }
  }
  if (bits > 0) b[p++] = acc << (8 - bits);
  w.pos = p;
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
  // The bit reader is inlined here (this loop is the float query path): `acc` holds `bits` unread
  // bits in its low end; a fill tops it up a byte at a time to at least 25 bits. Bytes past the
  // end read as zero, and the final check rejects a stream that needed them.
  const end = src.length;
  let p = 0;
  let acc = 0;
  let bits = 0;
  let hi = 0;
  let lo = 0;
  for (let k = 0; k < 4; k++) {
    while (bits <= 24) {
      acc = (acc << 8) | (p < end ? src[p]! : 0);
      p++;
      bits += 8;
    }
    bits -= 16;
    const half = (acc >>> bits) & 0xffff;
    if (k < 2) hi = (hi << 16) | half;
    else lo = (lo << 16) | half;
  }
  hi >>>= 0;
  lo >>>= 0;
  o[0] = lo;
  o[1] = hi;
  let winTrail = -1;
  let winWidth = 0;
  for (let i = 1; i < n; i++) {
    while (bits <= 24) {
      acc = (acc << 8) | (p < end ? src[p]! : 0);
      p++;
      bits += 8;
    }
    if (((acc >>> (bits - 1)) & 1) === 0) {
      bits -= 1;
      o[2 * i] = lo;
      o[2 * i + 1] = hi;
      continue;
    }
    if (((acc >>> (bits - 2)) & 1) === 0) {
      bits -= 2;
      if (winTrail < 0) throw new CorruptionError('floats: window reused before one was set');
    } else {
      // '11' + lead:5 + width:6 = 13 bits, available after the fill above.
      bits -= 13;
      const header = acc >>> bits;
      const lead = (header >>> 6) & 31;
      winWidth = header & 63 || 64;
      winTrail = 64 - lead - winWidth;
      if (winTrail < 0) throw new CorruptionError(`floats: window of ${lead} + ${winWidth} bits exceeds 64`);
    }
    // The window's meaningful bits, in chunks of at most 24, shifted into (high, low).
    let m = winWidth;
    let high = 0;
    let low = 0;
    while (m > 0) {
      const take = m > 24 ? 24 : m;
      while (bits < take) {
        acc = (acc << 8) | (p < end ? src[p]! : 0);
        p++;
        bits += 8;
      }
      bits -= take;
      const chunk = (acc >>> bits) & ((1 << take) - 1);
      high = ((high << take) | (low >>> (32 - take))) >>> 0;
      low = ((low << take) | chunk) >>> 0;
      m -= take;
    }
    const t = winTrail;
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
    o[2 * i] = lo;
    o[2 * i + 1] = hi;
  }
  // Every byte must be consumed, none invented, and the padding must be zero.
  const consumedBits = p * 8 - bits;
  if (consumedBits > end * 8) throw new CorruptionError('floats: bit stream ends early');
  if (end * 8 - consumedBits >= 8) throw new CorruptionError('floats: data continues past the last value');
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) {
    throw new CorruptionError('floats: padding bits are set');
  }
  return out;
}
