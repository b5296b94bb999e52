// uint64 values: the integer codec (integer.ts) with the first value stored without zigzag.
// Differences wrap modulo 2^64 exactly as for int64. In memory a Float64Array while every value
// is at most 2^53 - 1, else a BigUint64Array.

import { ByteWriter } from './byte-buffer.js';
import { decodeInt64Words, decodeSafeInt64, int64Words, wordsToFloat64, writeInt64Words } from './integer.js';

export type UnsignedValues = Float64Array | BigUint64Array;

const writer = new ByteWriter();

/** Appends the encoding of values[start, end); Float64Arrays must hold non-negative safe integers. */
export function writeUnsigned(w: ByteWriter, values: UnsignedValues, start: number, end: number): void {
  if (end <= start) return;
  writeInt64Words(w, int64Words(values, start, end, false), end - start, false);
}

/** Encodes values[start, end) (default: the whole array) to a new buffer. */
export function encodeUnsigned(values: UnsignedValues, start: number = 0, end: number = values.length): Uint8Array {
  writer.reset();
  writeUnsigned(writer, values, start, end);
  return writer.toBytes();
}

/** Decodes exactly n values filling all of `src`: a Float64Array if all are at most 2^53 - 1. */
export function decodeUnsigned(src: Uint8Array, n: number): UnsignedValues {
  if (n > 0) {
    const fast = decodeSafeInt64(src, n, false);
    if (fast !== undefined) return fast;
  }
  const { words, allSafe } = decodeInt64Words(src, n, false);
  if (allSafe) return wordsToFloat64(words, n, false);
  const out = new BigUint64Array(n);
  new Uint32Array(out.buffer).set(words.subarray(0, 2 * n));
  return out;
}
