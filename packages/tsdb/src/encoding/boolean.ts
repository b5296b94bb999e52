// Booleans (a Uint8Array of 0/1 in memory). Layout, n >= 1 values (n == 0 encodes to zero bytes):
//
//   u8  mode: 0 = packed, 1 = constant
//   packed:   ceil(n/8) bytes, value i in bit (i % 8) of byte i / 8; spare high bits are zero
//   constant: u8 the value every point has

import { CorruptionError } from '../errors.js';
import { ByteReader, ByteWriter } from './byte-buffer.js';

const MODE_PACKED = 0;
const MODE_CONSTANT = 1;

const writer = new ByteWriter();

/** Appends the encoding of values[start, end); any value other than 0 or 1 is a RangeError. */
export function writeBooleans(w: ByteWriter, values: Uint8Array, start: number, end: number): void {
  const n = end - start;
  if (n <= 0) return;
  const first = values[start]!;
  let constant = true;
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    if (v > 1) throw new RangeError(`boolean at index ${i} is ${v}, not 0 or 1`);
    if (v !== first) constant = false;
  }
  if (constant) {
    w.u8(MODE_CONSTANT);
    w.u8(first);
    return;
  }
  w.u8(MODE_PACKED);
  const bytes = (n + 7) >>> 3;
  w.ensure(bytes);
  const b = w.buf;
  const base = w.pos;
  b.fill(0, base, base + bytes);
  for (let i = 0; i < n; i++) b[base + (i >>> 3)]! |= values[start + i]! << (i & 7);
  w.pos = base + bytes;
}

/** Encodes values[start, end) (default: the whole array) to a new buffer. */
export function encodeBooleans(values: Uint8Array, start: number = 0, end: number = values.length): Uint8Array {
  writer.reset();
  writeBooleans(writer, values, start, end);
  return writer.toBytes();
}

/** Decodes exactly n values filling all of `src`. */
export function decodeBooleans(src: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  if (n === 0) {
    if (src.length !== 0) throw new CorruptionError('booleans: data for zero values');
    return out;
  }
  const r = new ByteReader(src);
  const mode = r.u8();
  if (mode === MODE_CONSTANT) {
    const v = r.u8();
    if (v > 1) throw new CorruptionError(`booleans: constant ${v} is not 0 or 1`);
    out.fill(v);
  } else if (mode === MODE_PACKED) {
    const packed = r.bytes((n + 7) >>> 3);
    for (let i = 0; i < n; i++) out[i] = (packed[i >>> 3]! >>> (i & 7)) & 1;
    const spare = n & 7;
    if (spare !== 0 && packed[packed.length - 1]! >>> spare !== 0) {
      throw new CorruptionError('booleans: padding bits are set');
    }
  } else {
    throw new CorruptionError(`booleans: bad mode ${mode}`);
  }
  r.expectEnd('booleans');
  return out;
}
