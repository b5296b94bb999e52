// Packs unsigned 64-bit integers into 64-bit words, Simple-8b style: a 4-bit selector says how
// the other 60 bits are used. Our selector table (not the original paper's):
//
//   0       run: the low 28 bits of the high word are a count (>= 1), the low word is the value
//           repeated (so runs of any value below 2^32 cost 8 bytes, whatever their length)
//   1..14   packed: `CAP` values of `WIDTH` bits each, first value in the least significant bits
//   15      escape: the other 60 bits are zero and the next 8 bytes hold one raw 64-bit value
//           (for values >= 2^60, which the packed selectors cannot hold)
//
// Words are stored little-endian (low 32-bit word first). The number of values is not stored:
// the caller knows it, so the last word may be partly filled and its spare fields are zero.
//
// Values travel as interleaved 32-bit words, value i being lo = words[2i], hi = words[2i+1] —
// the memory layout of a BigInt64Array viewed as a Uint32Array — so nothing here needs a BigInt.

import { CorruptionError } from '../errors.js';
import type { ByteReader, ByteWriter } from './byte-buffer.js';

const SEL_RUN = 0;
const SEL_WIDE = 14;
const SEL_ESCAPE = 15;
/** Largest count a run word holds (28 bits). */
const RUN_COUNT_MAX = 0x0fffffff;

/** Bits per value, by selector (index 0 and 15 unused). */
const WIDTH = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30, 60, 0]);
/** Values per word, by selector. */
const CAP = new Uint8Array([0, 60, 30, 20, 15, 12, 10, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
/** Narrowest packed selector whose width holds a value of `b` significant bits (0..60). */
const SEL_FOR_BITS = new Uint8Array(61);
/** Values per word of the narrowest selector holding `b` bits: CAP[SEL_FOR_BITS[b]]. */
const CAP_FOR_BITS = new Uint8Array(61);
/** Packed selector with the largest capacity not above `c` values (1..60). */
const SEL_FOR_COUNT = new Uint8Array(61);

for (let b = 0; b <= 60; b++) {
  let s = 1;
  while (WIDTH[s]! < b) s++;
  SEL_FOR_BITS[b] = s;
  CAP_FOR_BITS[b] = CAP[s]!;
}
for (let c = 1; c <= 60; c++) {
  let s = 1;
  while (CAP[s]! > c) s++;
  SEL_FOR_COUNT[c] = s;
}

/** Upper bound of the encoded size, for callers sizing a buffer up front. */
export function simple8bBytesMax(n: number): number {
  return n * 16;
}

/** Appends `n` values from `words` (interleaved lo/hi, unsigned) to `w`. */
export function writeSimple8b(w: ByteWriter, words: Uint32Array, n: number): void {
  w.ensure(simple8bBytesMax(n));
  const b = w.buf;
  let p = w.pos;
  let i = 0;
  while (i < n) {
    const lo0 = words[2 * i]!;
    const hi0 = words[2 * i + 1]!;
    let wlo = 0;
    let whi = 0;
    if (hi0 >= 0x10000000) {
      // >= 2^60: an escape word, then the raw value.
      whi = SEL_ESCAPE << 28;
      b[p] = 0; b[p + 1] = 0; b[p + 2] = 0; b[p + 3] = 0;
      b[p + 4] = 0; b[p + 5] = 0; b[p + 6] = 0; b[p + 7] = whi >>> 24;
      b[p + 8] = lo0; b[p + 9] = lo0 >>> 8; b[p + 10] = lo0 >>> 16; b[p + 11] = lo0 >>> 24;
      b[p + 12] = hi0; b[p + 13] = hi0 >>> 8; b[p + 14] = hi0 >>> 16; b[p + 15] = hi0 >>> 24;
      p += 16;
      i++;
      continue;
    }
    const left = n - i;
    let run = 1;
    if (hi0 === 0) {
      const runLimit = left < RUN_COUNT_MAX ? left : RUN_COUNT_MAX;
      let k = 2 * (i + 1);
      while (run < runLimit && words[k] === lo0 && words[k + 1] === 0) {
        run++;
        k += 2;
      }
    }
    let count = 0;
    let sel = 0;
    if (run < 60) {
      // Greedy: extend while the values so far fit some word. When value c no longer fits,
      // the first c - 1 do, and so does any shorter prefix in a word of smaller capacity (its
      // width is larger), so the best word is the one of the largest capacity <= c - 1.
      const limit = left < 60 ? left : 60;
      let bits = 0;
      let capNow = 60;
      let c = 1;
      for (let k = 2 * i; c <= limit; c++, k += 2) {
        const vhi = words[k + 1]!;
        const vb = vhi !== 0 ? 64 - Math.clz32(vhi) : 32 - Math.clz32(words[k]!);
        if (vb > bits) {
          if (vb > 60) break;
          bits = vb;
          capNow = CAP_FOR_BITS[bits]!;
        }
        if (capNow < c) break;
      }
      if (c > limit && limit === left) {
        // Everything left fits one word: the final, possibly partial, word.
        sel = SEL_FOR_BITS[bits]!;
        count = left;
      } else {
        sel = SEL_FOR_COUNT[c - 1]!;
        count = CAP[sel]!;
      }
    }
    if (run > count) {
      whi = (SEL_RUN << 28) | run;
      wlo = lo0;
      i += run;
    } else {
      whi = sel << 28;
      if (sel === SEL_WIDE) {
        wlo = lo0;
        whi |= hi0;
      } else {
        const width = WIDTH[sel]!;
        let pos = 0;
        for (let j = 0; j < count; j++) {
          const v = words[2 * (i + j)]!;
          if (pos + width <= 32) wlo |= v << pos;
          else if (pos >= 32) whi |= v << (pos - 32);
          else {
            wlo |= v << pos;
            whi |= v >>> (32 - pos);
          }
          pos += width;
        }
      }
      i += count;
    }
    b[p] = wlo; b[p + 1] = wlo >>> 8; b[p + 2] = wlo >>> 16; b[p + 3] = wlo >>> 24;
    b[p + 4] = whi; b[p + 5] = whi >>> 8; b[p + 6] = whi >>> 16; b[p + 7] = whi >>> 24;
    p += 8;
  }
  w.pos = p;
}

/** Reads `n` values into `out` (interleaved lo/hi, length >= 2n). */
export function readSimple8b(r: ByteReader, out: Uint32Array, n: number): void {
  const b = r.buf;
  let p = r.pos;
  const end = r.end;
  let i = 0;
  while (i < n) {
    if (end - p < 8) throw new CorruptionError(`simple8b: truncated at offset ${p}, ${n - i} values missing`);
    const lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    const hi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
    p += 8;
    const sel = hi >>> 28;
    if (sel === SEL_RUN) {
      const count = hi & RUN_COUNT_MAX;
      if (count === 0 || count > n - i) throw new CorruptionError(`simple8b: bad run length ${count}`);
      const stop = 2 * (i + count);
      for (let k = 2 * i; k < stop; k += 2) {
        out[k] = lo;
        out[k + 1] = 0;
      }
      i += count;
    } else if (sel === SEL_ESCAPE) {
      if (lo !== 0 || (hi & 0x0fffffff) !== 0) throw new CorruptionError('simple8b: escape word has payload');
      if (end - p < 8) throw new CorruptionError('simple8b: truncated escaped value');
      const vlo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
      const vhi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
      if (vhi < 0x10000000) throw new CorruptionError('simple8b: escaped value is small enough to pack');
      p += 8;
      out[2 * i] = vlo;
      out[2 * i + 1] = vhi;
      i++;
    } else if (sel === SEL_WIDE) {
      out[2 * i] = lo;
      out[2 * i + 1] = hi & 0x0fffffff;
      i++;
    } else {
      const width = WIDTH[sel]!;
      const cap = CAP[sel]!;
      const count = cap < n - i ? cap : n - i;
      const mask = (1 << width) - 1;
      // Fields wholly in the low word, at most one straddling both words, then the high word.
      let pos = 0;
      let k = 2 * i;
      const stop = 2 * (i + count);
      for (; k < stop && pos + width <= 32; k += 2, pos += width) {
        out[k] = (lo >>> pos) & mask;
        out[k + 1] = 0;
      }
      if (k < stop && pos < 32) {
        out[k] = ((lo >>> pos) | (hi << (32 - pos))) & mask;
        out[k + 1] = 0;
        k += 2;
        pos += width;
      }
      for (; k < stop; k += 2, pos += width) {
        out[k] = (hi >>> (pos - 32)) & mask;
        out[k + 1] = 0;
      }
      i += count;
    }
  }
  r.pos = p;
}
