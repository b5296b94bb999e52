// int64 values: the first value, then the differences between neighbours. Differences are
// taken modulo 2^64 (they may overflow int64; wrapping is undone on decode), zigzagged so small
// negative steps stay small, and packed with simple8b — or, when they are all equal, stored once.
// Layout, n >= 1 values (n == 0 encodes to zero bytes):
//
//   u8       mode: 0 = packed, 1 = RLE (n >= 2 and every difference is equal)
//   varint   first value (zigzag uvarint64; plain uvarint64 for unsigned)
//   packed:  simple8b of the n-1 zigzag differences
//   RLE:     uvarint64 of the zigzag difference
//
// In memory a column of integers is a Float64Array while every value is a safe integer
// (|v| <= 2^53 - 1), else a BigInt64Array (BigUint64Array for unsigned; see unsigned.ts, which
// shares this code). Everything is computed on the two 32-bit words of each value, so neither
// representation needs BigInt arithmetic per value, and the full 64-bit range is exact.

import { CorruptionError } from '../errors.js';
import { ByteReader, ByteWriter } from './byte-buffer.js';
import { readSimple8b, writeSimple8b } from './simple8b.js';
import { U32Scratch } from './scratch.js';
import { readUvarint64, writeUvarint64 } from './varint.js';

export type IntegerValues = Float64Array | BigInt64Array;

const MODE_PACKED = 0;
const MODE_RLE = 1;
const TWO_POW_32 = 4294967296;
/** Block sums add up to this many values exactly (see int64Stats). */
export const INT64_SUM_VALUES_MAX = 1 << 21;

const wordScratch = new U32Scratch();
const laneScratch = new U32Scratch();
const decodeScratch = new U32Scratch();
const pair = new Uint32Array(2);
const writer = new ByteWriter();

/**
 * values[start, end) as interleaved 32-bit words (lo, hi per value): a view for bigint arrays,
 * a converted copy in reusable scratch for Float64Arrays, which must hold safe integers
 * (non-negative ones when `signed` is false) or this throws a RangeError.
 */
export function int64Words(
  values: Float64Array | BigInt64Array | BigUint64Array,
  start: number,
  end: number,
  signed: boolean,
): Uint32Array {
  const n = end - start;
  if (!(values instanceof Float64Array)) {
    return new Uint32Array(values.buffer, values.byteOffset + start * 8, 2 * n);
  }
  const words = wordScratch.get(2 * n);
  for (let i = 0; i < n; i++) {
    const v = values[start + i]!;
    // Most values fit 32 bits: integer checks by bit operations, no division.
    if (v >>> 0 === v) {
      words[2 * i] = v;
      words[2 * i + 1] = 0;
      continue;
    }
    if (signed && (v | 0) === v) {
      words[2 * i] = v;
      words[2 * i + 1] = 0xffffffff;
      continue;
    }
    if (!Number.isSafeInteger(v) || (!signed && v < 0)) {
      throw new RangeError(`value ${v} at index ${start + i} is not a safe ${signed ? '' : 'non-negative '}integer`);
    }
    const hi = Math.floor(v / TWO_POW_32);
    words[2 * i] = v - hi * TWO_POW_32;
    words[2 * i + 1] = hi; // negative wraps to its two's-complement word
  }
  return words;
}

/** Appends the encoding of n values given as words (see int64Words). */
export function writeInt64Words(w: ByteWriter, words: Uint32Array, n: number, signed: boolean): void {
  if (n <= 0) return;
  const lanes = laneScratch.get(2 * n);
  let allEqual = true;
  for (let i = 1; i < n; i++) {
    const lo = words[2 * i]!;
    const prevLo = words[2 * i - 2]!;
    const dl = (lo - prevLo) >>> 0;
    const dh = (words[2 * i + 1]! - words[2 * i - 1]! - (lo < prevLo ? 1 : 0)) | 0;
    const sign = dh >> 31;
    const zl = ((dl << 1) ^ sign) >>> 0;
    const zh = (((dh << 1) | (dl >>> 31)) ^ sign) >>> 0;
    lanes[2 * i - 2] = zl;
    lanes[2 * i - 1] = zh;
    if (zl !== lanes[0] || zh !== lanes[1]) allEqual = false;
  }
  const rle = n >= 2 && allEqual;
  w.u8(rle ? MODE_RLE : MODE_PACKED);
  const lo0 = words[0]!;
  const hi0 = words[1]!;
  if (signed) {
    const sign = (hi0 | 0) >> 31;
    writeUvarint64(w, ((hi0 << 1) | (lo0 >>> 31)) ^ sign, (lo0 << 1) ^ sign);
  } else {
    writeUvarint64(w, hi0, lo0);
  }
  if (rle) writeUvarint64(w, lanes[1]!, lanes[0]!);
  else writeSimple8b(w, lanes, n - 1);
}

/**
 * Decodes n values filling all of `src` into words (lo, hi per value) in reusable scratch,
 * valid until the next call; returns whether every value is a safe integer.
 */
export function decodeInt64Words(src: Uint8Array, n: number, signed: boolean): { words: Uint32Array; allSafe: boolean } {
  const words = decodeScratch.get(2 * n);
  if (n === 0) {
    if (src.length !== 0) throw new CorruptionError('integers: data for zero values');
    return { words, allSafe: true };
  }
  const r = new ByteReader(src);
  const mode = r.u8();
  if (mode > MODE_RLE || (mode === MODE_RLE && n < 2)) throw new CorruptionError(`integers: bad mode ${mode}`);
  readUvarint64(r, pair);
  let lo = pair[0]!;
  let hi = pair[1]!;
  if (signed) {
    const sign = -(lo & 1);
    lo = (((lo >>> 1) | (hi << 31)) ^ sign) >>> 0;
    hi = ((hi >>> 1) ^ sign) | 0;
  }
  words[0] = lo;
  words[1] = hi;
  let allSafe = isSafe(hi, lo, signed);
  if (n === 1) {
    r.expectEnd('integers');
    return { words, allSafe };
  }
  if (mode === MODE_RLE) {
    readUvarint64(r, pair);
    const zl = pair[0]!;
    const zh = pair[1]!;
    const sign = -(zl & 1);
    const dl = (((zl >>> 1) | (zh << 31)) ^ sign) >>> 0;
    const dh = (zh >>> 1) ^ sign;
    for (let i = 1; i < n; i++) {
      const sum = lo + dl;
      lo = sum >>> 0;
      hi = (hi + dh + (sum >= TWO_POW_32 ? 1 : 0)) | 0;
      words[2 * i] = lo;
      words[2 * i + 1] = hi;
      if (allSafe && !isSafe(hi, lo, signed)) allSafe = false;
    }
  } else {
    // Differences land in words[2..], then become running sums in place.
    readSimple8b(r, words.subarray(2), n - 1);
    for (let i = 1; i < n; i++) {
      const zl = words[2 * i]!;
      const zh = words[2 * i + 1]!;
      const sign = -(zl & 1);
      const dl = (((zl >>> 1) | (zh << 31)) ^ sign) >>> 0;
      const dh = (zh >>> 1) ^ sign;
      const sum = lo + dl;
      lo = sum >>> 0;
      hi = (hi + dh + (sum >= TWO_POW_32 ? 1 : 0)) | 0;
      words[2 * i] = lo;
      words[2 * i + 1] = hi;
      if (allSafe && !isSafe(hi, lo, signed)) allSafe = false;
    }
  }
  r.expectEnd('integers');
  return { words, allSafe };
}

/**
 * The common case, done in doubles straight into the result: every value a safe integer and every
 * zigzag difference below 2^32. Returns undefined as soon as that does not hold (the caller then
 * decodes on 32-bit words); throws CorruptionError like decodeInt64Words.
 */
export function decodeSafeInt64(src: Uint8Array, n: number, signed: boolean): Float64Array | undefined {
  const r = new ByteReader(src);
  const mode = r.u8();
  if (mode > MODE_RLE || (mode === MODE_RLE && n < 2)) throw new CorruptionError(`integers: bad mode ${mode}`);
  readUvarint64(r, pair);
  let lo = pair[0]!;
  let hi = pair[1]!;
  if (signed) {
    const sign = -(lo & 1);
    lo = (((lo >>> 1) | (hi << 31)) ^ sign) >>> 0;
    hi = ((hi >>> 1) ^ sign) | 0;
  }
  if (!isSafe(hi, lo, signed)) return undefined;
  let v = (signed ? hi | 0 : hi) * TWO_POW_32 + lo;
  const min = signed ? -Number.MAX_SAFE_INTEGER : 0;
  const out = new Float64Array(n);
  out[0] = v;
  if (mode === MODE_RLE) {
    readUvarint64(r, pair);
    const zl = pair[0]!;
    if (pair[1] !== 0) return undefined;
    const d = (zl >>> 1) ^ -(zl & 1);
    for (let i = 1; i < n; i++) {
      v += d;
      if (v > Number.MAX_SAFE_INTEGER || v < min) return undefined;
      out[i] = v;
    }
  } else {
    const lanes = laneScratch.get(2 * n);
    readSimple8b(r, lanes, n - 1);
    for (let i = 1; i < n; i++) {
      const zl = lanes[2 * i - 2]!;
      if (lanes[2 * i - 1] !== 0) return undefined;
      v += (zl >>> 1) ^ -(zl & 1);
      if (v > Number.MAX_SAFE_INTEGER || v < min) return undefined;
      out[i] = v;
    }
  }
  r.expectEnd('integers');
  return out;
}

/** Whether the 64-bit value (hi, lo) is within ±(2^53 - 1) (signed) or at most 2^53 - 1. */
function isSafe(hi: number, lo: number, signed: boolean): boolean {
  if (!signed) return hi >>> 0 < 0x200000;
  const h = hi | 0;
  return h >= -0x200000 && h < 0x200000 && (h !== -0x200000 || lo !== 0);
}

/** Words of safe integers to numbers. */
export function wordsToFloat64(words: Uint32Array, n: number, signed: boolean): Float64Array {
  const out = new Float64Array(n);
  if (signed) for (let i = 0; i < n; i++) out[i] = (words[2 * i + 1]! | 0) * TWO_POW_32 + words[2 * i]!;
  else for (let i = 0; i < n; i++) out[i] = words[2 * i + 1]! * TWO_POW_32 + words[2 * i]!;
  return out;
}

/** The value at index i of a words array, as a bigint (per-block use only). */
export function wordsToBigInt(words: Uint32Array, i: number, signed: boolean): bigint {
  const hi = signed ? words[2 * i + 1]! | 0 : words[2 * i + 1]!;
  return BigInt(hi) * 4294967296n + BigInt(words[2 * i]!);
}

export interface Int64Stats {
  first: bigint;
  last: bigint;
  min: bigint;
  max: bigint;
  /** Wrapped to 64 bits like Go's int64/uint64 addition. */
  sum: bigint;
}

/** First, last, min, max and wrapping sum of n >= 1 values given as words. */
export function int64Stats(words: Uint32Array, n: number, signed: boolean): Int64Stats {
  if (n < 1 || n > INT64_SUM_VALUES_MAX) throw new RangeError(`stats need 1..${INT64_SUM_VALUES_MAX} values, got ${n}`);
  // Compare high words as signed or unsigned by flipping their top bit for the signed case.
  const flip = signed ? 0x80000000 : 0;
  let minI = 0;
  let maxI = 0;
  let minHi = (words[1]! ^ flip) >>> 0;
  let minLo = words[0]!;
  let maxHi = minHi;
  let maxLo = minLo;
  // Word sums stay exact doubles while n < 2^21: |sumHi| < 2^52, sumLo < 2^53.
  let sumHi = 0;
  let sumLo = 0;
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i]!;
    const rawHi = words[2 * i + 1]!;
    const hi = (rawHi ^ flip) >>> 0;
    sumLo += lo;
    sumHi += signed ? rawHi | 0 : rawHi;
    if (hi < minHi || (hi === minHi && lo < minLo)) {
      minHi = hi;
      minLo = lo;
      minI = i;
    }
    if (hi > maxHi || (hi === maxHi && lo > maxLo)) {
      maxHi = hi;
      maxLo = lo;
      maxI = i;
    }
  }
  const total = BigInt(sumHi) * 4294967296n + BigInt(sumLo);
  return {
    first: wordsToBigInt(words, 0, signed),
    last: wordsToBigInt(words, n - 1, signed),
    min: wordsToBigInt(words, minI, signed),
    max: wordsToBigInt(words, maxI, signed),
    sum: signed ? BigInt.asIntN(64, total) : BigInt.asUintN(64, total),
  };
}

/** Appends the encoding of values[start, end); Float64Arrays must hold safe integers. */
export function writeIntegers(w: ByteWriter, values: IntegerValues, start: number, end: number): void {
  if (end <= start) return;
  writeInt64Words(w, int64Words(values, start, end, true), end - start, true);
}

/** Encodes values[start, end) (default: the whole array) to a new buffer. */
export function encodeIntegers(values: IntegerValues, start: number = 0, end: number = values.length): Uint8Array {
  writer.reset();
  writeIntegers(writer, values, start, end);
  return writer.toBytes();
}

/** Decodes exactly n values filling all of `src`: a Float64Array if all are safe integers. */
export function decodeIntegers(src: Uint8Array, n: number): IntegerValues {
  if (n > 0) {
    const fast = decodeSafeInt64(src, n, true);
    if (fast !== undefined) return fast;
  }
  const { words, allSafe } = decodeInt64Words(src, n, true);
  if (allSafe) return wordsToFloat64(words, n, true);
  const out = new BigInt64Array(n);
  new Uint32Array(out.buffer).set(words.subarray(0, 2 * n));
  return out;
}
