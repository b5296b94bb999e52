// LEB128 unsigned varints and zigzag, for numbers (exact below 2^53) and for 64-bit values held
// as two 32-bit words so no hot loop needs a BigInt. Decoders reject overlong encodings and
// values that do not fit, so a damaged length cannot send a reader far out of its section.

import { CorruptionError } from '../errors.js';
import type { ByteReader, ByteWriter } from './byte-buffer.js';

const TWO_POW_32 = 4294967296;

/** Writes a non-negative integer below 2^53. */
export function writeUvarint(w: ByteWriter, n: number): void {
  w.ensure(8);
  const b = w.buf;
  let p = w.pos;
  if (n < 0x80000000) {
    while (n >= 0x80) {
      b[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
  } else {
    while (n >= 0x80) {
      b[p++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
  }
  b[p++] = n;
  w.pos = p;
}

/** Writes the unsigned 64-bit value hi * 2^32 + lo (both words taken as unsigned). */
export function writeUvarint64(w: ByteWriter, hi: number, lo: number): void {
  w.ensure(10);
  const b = w.buf;
  let p = w.pos;
  hi >>>= 0;
  lo >>>= 0;
  while (hi !== 0 || lo >= 0x80) {
    b[p++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  b[p++] = lo;
  w.pos = p;
}

/** Reads a varint written by writeUvarint; larger than 2^53 - 1 is corruption. */
export function readUvarint(r: ByteReader): number {
  const buf = r.buf;
  const end = r.end;
  let p = r.pos;
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (p >= end) throw new CorruptionError(`truncated varint at offset ${p}`);
    const byte = buf[p++]!;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (byte === 0 && i > 0) throw new CorruptionError(`overlong varint at offset ${r.pos}`);
      if (result > Number.MAX_SAFE_INTEGER) throw new CorruptionError(`varint too large at offset ${r.pos}`);
      r.pos = p;
      return result;
    }
    scale *= 128;
  }
  throw new CorruptionError(`varint too long at offset ${r.pos}`);
}

/**
 * Reads a 64-bit unsigned varint into out[0] (low word) and out[1] (high word), both unsigned.
 * `out` is caller-owned so reading allocates nothing.
 */
export function readUvarint64(r: ByteReader, out: Uint32Array): void {
  const buf = r.buf;
  const end = r.end;
  let p = r.pos;
  let lo = 0;
  let hi = 0;
  for (let shift = 0; ; shift += 7) {
    if (p >= end) throw new CorruptionError(`truncated varint at offset ${p}`);
    const byte = buf[p++]!;
    const v = byte & 0x7f;
    if (shift < 28) lo |= v << shift;
    else if (shift === 28) {
      lo |= v << 28;
      hi |= v >>> 4;
    } else if (shift < 63) hi |= v << (shift - 32);
    else {
      // The tenth byte holds only bit 63.
      if (v > 1) throw new CorruptionError(`varint overflows 64 bits at offset ${r.pos}`);
      hi |= v << 31;
    }
    if (byte < 0x80) {
      if (byte === 0 && shift > 0) throw new CorruptionError(`overlong varint at offset ${r.pos}`);
      break;
    }
    if (shift === 63) throw new CorruptionError(`varint too long at offset ${r.pos}`);
  }
  out[0] = lo;
  out[1] = hi;
  r.pos = p;
}

/** Zigzag of an integer whose magnitude is below 2^52 (so the result stays exact). */
export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

// Per-block (not per-value) helpers for the header statistics, which are bigints.

export function writeUvarintBig(w: ByteWriter, u: bigint): void {
  const v = BigInt.asUintN(64, u);
  writeUvarint64(w, Number(v >> 32n), Number(v & 0xffffffffn));
}

export function writeVarintBig(w: ByteWriter, s: bigint): void {
  const v = BigInt.asIntN(64, s);
  writeUvarintBig(w, v >= 0n ? v << 1n : (-v << 1n) - 1n);
}

const wordPair = new Uint32Array(2);

export function readUvarintBig(r: ByteReader): bigint {
  readUvarint64(r, wordPair);
  return (BigInt(wordPair[1]!) << 32n) | BigInt(wordPair[0]!);
}

export function readVarintBig(r: ByteReader): bigint {
  const z = readUvarintBig(r);
  return (z & 1n) === 0n ? z >> 1n : -((z + 1n) >> 1n);
}

export { TWO_POW_32 };
