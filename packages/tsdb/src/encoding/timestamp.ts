// Timestamps: int64 nanoseconds, normally strictly ascending (a block guarantees it, this codec
// does not rely on it). Layout, for n >= 1 values (n == 0 encodes to zero bytes):
//
//   u8      (mode << 4) | e     e = log10 of the divisor common to every delta (0..12)
//   8 bytes first timestamp, int64 little-endian
//   then, by mode (nothing more when n == 1):
//   RLE   1  uvarint d / 10^e                 every delta equals d
//   DELTA 2  simple8b of the n-1 deltas / 10^e
//   DOD   3  uvarint d1 / 10^e, then simple8b of the n-2 zigzag delta-of-deltas (scaled)
//   WIDE  0  simple8b of the n-1 deltas as unsigned 64-bit values (wrapping), e = 0
//
// RLE, DELTA and DOD are computed with number arithmetic on the two 32-bit halves of each
// timestamp. They are used when every delta is non-negative and its high words differ by less
// than 2^19 (the delta is below about 2^51 ns, 26 days): then every delta, delta-of-delta and
// zigzag stays below 2^53, so the arithmetic is exact. Anything else (descending times, gaps of
// a month or more) takes WIDE, which does exact modulo-2^64 arithmetic on the 32-bit words, also
// without BigInt. A regular series is RLE: 10 bytes whatever its length.

import { CorruptionError } from '../errors.js';
import { ByteReader, ByteWriter } from './byte-buffer.js';
import { readSimple8b, writeSimple8b } from './simple8b.js';
import { F64Scratch, U32Scratch } from './scratch.js';
import { readUvarint, writeUvarint } from './varint.js';

const MODE_WIDE = 0;
const MODE_RLE = 1;
const MODE_DELTA = 2;
const MODE_DOD = 3;
/** Largest divisor exponent tried: 10^12 ns (about 17 minutes) still fits 2^40. */
const SCALE_EXP_MAX = 12;
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];
/** High-word difference below which a delta is < 2^51 and number arithmetic stays exact. */
const FAST_DELTA_HI_MAX = 1 << 19;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

const deltaScratch = new F64Scratch();
const laneScratch = new U32Scratch();
const writer = new ByteWriter();

function bitLength(x: number): number {
  return x < TWO_POW_32 ? 32 - Math.clz32(x) : 64 - Math.clz32(x / TWO_POW_32);
}

/** Appends the encoding of times[start, end) to `w`. */
export function writeTimestamps(w: ByteWriter, times: BigInt64Array, start: number, end: number): void {
  const n = end - start;
  if (n <= 0) return;
  const u = new Uint32Array(times.buffer, times.byteOffset + start * 8, 2 * n);
  const firstLo = u[0]!;
  const firstHi = u[1]!;
  const deltas = deltaScratch.get(n);

  let fast = true;
  let allEqual = true;
  let exp = SCALE_EXP_MAX;
  for (let i = 1; i < n; i++) {
    const dh = (u[2 * i + 1]! | 0) - (u[2 * i - 1]! | 0);
    if (dh < 0 || dh >= FAST_DELTA_HI_MAX) {
      fast = false;
      break;
    }
    const d = dh * TWO_POW_32 + (u[2 * i]! - u[2 * i - 2]!);
    if (d < 0) {
      fast = false;
      break;
    }
    deltas[i - 1] = d;
    // A delta equal to the previous one cannot lower the common divisor: skip the fmod.
    if (i === 1 || d !== deltas[i - 2]) {
      if (d !== deltas[0]) allEqual = false;
      while (exp > 0 && d % POW10[exp]! !== 0) exp--;
    }
  }
  if (n === 1 || !fast) {
    writeWide(w, u, n);
    return;
  }

  const div = POW10[exp]!;
  if (allEqual) {
    w.u8((MODE_RLE << 4) | exp);
    w.u64le(firstHi, firstLo);
    writeUvarint(w, deltas[0]! / div);
    return;
  }

  // Scale, then estimate each mode by the sum of significant bits it must store.
  let costDelta = 0;
  let costDod = 0;
  let prev = 0;
  for (let i = 0; i < n - 1; i++) {
    const s = deltas[i]! / div;
    deltas[i] = s;
    costDelta += bitLength(s);
    const dod = s - prev;
    // DOD stores the first delta itself as a varint, then zigzag differences.
    costDod += i === 0 ? bitLength(s) : bitLength(dod >= 0 ? dod * 2 : -dod * 2 - 1);
    prev = s;
  }

  const lanes = laneScratch.get(2 * n);
  if (costDod < costDelta) {
    w.u8((MODE_DOD << 4) | exp);
    w.u64le(firstHi, firstLo);
    writeUvarint(w, deltas[0]!);
    for (let i = 1; i < n - 1; i++) {
      const dod = deltas[i]! - deltas[i - 1]!;
      const z = dod >= 0 ? dod * 2 : -dod * 2 - 1;
      const lo = z >>> 0;
      lanes[2 * i - 2] = lo;
      lanes[2 * i - 1] = (z - lo) / TWO_POW_32;
    }
    writeSimple8b(w, lanes, n - 2);
  } else {
    w.u8((MODE_DELTA << 4) | exp);
    w.u64le(firstHi, firstLo);
    for (let i = 0; i < n - 1; i++) {
      const s = deltas[i]!;
      const lo = s >>> 0;
      lanes[2 * i] = lo;
      lanes[2 * i + 1] = (s - lo) / TWO_POW_32;
    }
    writeSimple8b(w, lanes, n - 1);
  }
}

/** Exact for any int64 sequence: deltas are taken modulo 2^64 on the 32-bit words. */
function writeWide(w: ByteWriter, u: Uint32Array, n: number): void {
  w.u8(MODE_WIDE << 4);
  w.u64le(u[1]!, u[0]!);
  const lanes = laneScratch.get(2 * n);
  for (let i = 1; i < n; i++) {
    const lo = u[2 * i]!;
    const prevLo = u[2 * i - 2]!;
    const borrow = lo < prevLo ? 1 : 0;
    lanes[2 * i - 2] = (lo - prevLo) >>> 0;
    lanes[2 * i - 1] = (u[2 * i + 1]! - u[2 * i - 1]! - borrow) >>> 0;
  }
  writeSimple8b(w, lanes, n - 1);
}

/** Encodes times[start, end) (default: the whole array) to a new buffer. */
export function encodeTimestamps(times: BigInt64Array, start: number = 0, end: number = times.length): Uint8Array {
  writer.reset();
  writeTimestamps(writer, times, start, end);
  return writer.toBytes();
}

/**
 * Reads `n` timestamps from `r` into `out` (a new array by default), leaving `r` just past them.
 * Throws CorruptionError when the bytes cannot be what writeTimestamps wrote.
 */
export function readTimestamps(r: ByteReader, n: number, out: BigInt64Array = new BigInt64Array(n)): BigInt64Array {
  if (n === 0) return out;
  if (out.length < n) throw new RangeError(`output holds ${out.length} timestamps, need ${n}`);
  const header = r.u8();
  const mode = header >>> 4;
  const exp = header & 15;
  if (mode > MODE_DOD || exp > SCALE_EXP_MAX || (mode === MODE_WIDE && exp !== 0)) {
    throw new CorruptionError(`timestamps: bad header byte 0x${header.toString(16)}`);
  }
  if (n === 1 && mode !== MODE_WIDE) throw new CorruptionError('timestamps: one value must use the plain mode');
  // Int32 words and int32 arithmetic throughout: V8 keeps them in registers, unlike uint32.
  const o = new Int32Array(out.buffer, out.byteOffset, 2 * n);
  const lo = r.u32le() | 0;
  const hi = r.u32le() | 0;
  o[0] = lo;
  o[1] = hi;
  if (n === 1) return out;
  const div = POW10[exp]!;

  if (mode === MODE_WIDE) {
    // The deltas land in `o` from index 1 on and become running sums in place.
    readSimple8b(r, new Uint32Array(out.buffer, out.byteOffset + 8, 2 * (n - 1)), n - 1);
    addDeltaWords(o, n);
    return out;
  }
  if (mode === MODE_RLE) {
    const step = readUvarint(r) * div;
    if (step >= TWO_POW_53) throw new CorruptionError('timestamps: delta out of range');
    addConstantStep(o, n, step);
    return out;
  }
  const lanes = laneScratch.get(2 * n);
  if (mode === MODE_DELTA) {
    readSimple8b(r, lanes, n - 1);
    addScaledDeltas(o, 1, n, lanes, div);
    return out;
  }
  // DOD: t1 = t0 + d0; then each zigzag delta-of-delta becomes, in place, the delta it implies.
  let d = readUvarint(r);
  if (d * div >= TWO_POW_53) throw new CorruptionError('timestamps: delta out of range');
  addConstantStep(o, 2, d * div);
  readSimple8b(r, lanes, n - 2);
  for (let j = 0; j < n - 2; j++) {
    const zl = lanes[2 * j]!;
    const z = lanes[2 * j + 1]! * TWO_POW_32 + zl;
    d += (zl & 1) === 0 ? z / 2 : -(z + 1) / 2;
    if (!(d >= 0 && d < TWO_POW_53)) throw new CorruptionError('timestamps: delta out of range');
    const dl = d >>> 0;
    lanes[2 * j] = dl;
    lanes[2 * j + 1] = (d - dl) / TWO_POW_32;
  }
  addScaledDeltas(o, 2, n, lanes, div);
  return out;
}

/** o[i] = o[i-1] + step for i in [1, n), with step in [0, 2^53). */
function addConstantStep(o: Int32Array, n: number, step: number): void {
  const stepLo = step >>> 0;
  const stepHi = ((step - stepLo) / TWO_POW_32) | 0;
  let lo = o[0]!;
  let hi = o[1]!;
  for (let i = 1; i < n; i++) {
    const sum = (lo >>> 0) + stepLo;
    hi = (hi + stepHi + (sum > 0xffffffff ? 1 : 0)) | 0;
    lo = sum | 0;
    o[2 * i] = lo;
    o[2 * i + 1] = hi;
  }
}

/** o[i] = o[i-1] + lanes[i - from] * div for i in [from, n); each step must stay below 2^53. */
function addScaledDeltas(o: Int32Array, from: number, n: number, lanes: Uint32Array, div: number): void {
  let lo = o[2 * from - 2]!;
  let hi = o[2 * from - 1]!;
  for (let i = from; i < n; i++) {
    const k = 2 * (i - from);
    const step = (lanes[k + 1]! * TWO_POW_32 + lanes[k]!) * div;
    if (step >= TWO_POW_53) throw new CorruptionError('timestamps: delta out of range');
    const stepLo = step >>> 0;
    const sum = (lo >>> 0) + stepLo;
    hi = (hi + ((step - stepLo) / TWO_POW_32) + (sum > 0xffffffff ? 1 : 0)) | 0;
    lo = sum | 0;
    o[2 * i] = lo;
    o[2 * i + 1] = hi;
  }
}

/** Words o[2i], o[2i+1] for i >= 1 hold 64-bit deltas; make them running sums modulo 2^64. */
function addDeltaWords(o: Int32Array, n: number): void {
  let lo = o[0]!;
  let hi = o[1]!;
  for (let i = 1; i < n; i++) {
    const sum = (lo >>> 0) + (o[2 * i]! >>> 0);
    hi = (hi + o[2 * i + 1]! + (sum > 0xffffffff ? 1 : 0)) | 0;
    lo = sum | 0;
    o[2 * i] = lo;
    o[2 * i + 1] = hi;
  }
}

/** Decodes exactly `n` timestamps that fill all of `src`. */
export function decodeTimestamps(src: Uint8Array, n: number): BigInt64Array {
  const r = new ByteReader(src);
  const out = readTimestamps(r, n);
  r.expectEnd('timestamps');
  return out;
}
