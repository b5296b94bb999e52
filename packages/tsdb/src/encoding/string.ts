// Strings, as UTF-8. Layout, n >= 1 values (n == 0 encodes to zero bytes):
//
//   u8  mode: 0 = plain, 1 = deflate
//   plain:    per value, uvarint byte length then the UTF-8 bytes
//   deflate:  uvarint length of the plain body, then that body compressed with raw deflate
//
// Deflate is tried only when the plain body is large enough for it to pay, and kept only when
// it saves a clear share (see STRING_DEFLATE_*; measured in string.test.ts and the benchmark).
// JS strings with lone surrogates are not valid Unicode and come back with U+FFFD in their place.

import { deflateRawSync, inflateRawSync, constants as zlibConstants } from 'node:zlib';
import { CorruptionError } from '../errors.js';
import { ByteReader, ByteWriter } from './byte-buffer.js';
import { readUvarint, writeUvarint } from './varint.js';

const MODE_PLAIN = 0;
const MODE_DEFLATE = 1;
/** Plain bodies smaller than this are not worth a zlib call. */
export const STRING_DEFLATE_BYTES_MIN = 256;
/** Deflate is kept only if it brings the body to at most this fraction of its plain size. */
export const STRING_DEFLATE_RATIO_MAX = 0.75;
/** zlib level: 1 is several times faster than the default and loses little on short repeats. */
const STRING_DEFLATE_LEVEL = 1;
/** Short strings are copied by a JS loop when ASCII; longer ones go to the native UTF-8 encoder. */
const ASCII_FAST_CHARS_MAX = 64;
/** Up to this many bytes a JS loop decodes ASCII faster than Buffer#toString (measured: ~10). */
const ASCII_DECODE_JS_BYTES_MAX = 10;

const writer = new ByteWriter();
const bodyWriter = new ByteWriter();

/** Appends the plain body (length-prefixed UTF-8 values) of values[start, end) to `w`. */
function writePlainBody(w: ByteWriter, values: readonly string[], start: number, end: number): void {
  let bound = 0;
  for (let i = start; i < end; i++) bound += values[i]!.length * 3 + 5;
  w.ensure(bound);
  const b = w.buf;
  const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
  let p = w.pos;
  for (let i = start; i < end; i++) {
    const s = values[i]!;
    if (typeof s !== 'string') throw new TypeError(`value at index ${i} is not a string`);
    const len = s.length;
    if (len <= ASCII_FAST_CHARS_MAX) {
      let j = 0;
      for (; j < len; j++) {
        const c = s.charCodeAt(j);
        if (c >= 0x80) break;
        b[p + 1 + j] = c;
      }
      if (j === len) {
        b[p] = len;
        p += 1 + len;
        continue;
      }
      if (len * 3 < 0x80) {
        // Not ASCII but its UTF-8 still has a one-byte length.
        const written = buf.write(s, p + 1, 'utf8');
        b[p] = written;
        p += 1 + written;
        continue;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    w.pos = p;
    writeUvarint(w, bytes);
    p = w.pos;
    p += buf.write(s, p, 'utf8');
  }
  w.pos = p;
}

/** Appends the encoding of values[start, end) to `w`. */
export function writeStrings(w: ByteWriter, values: readonly string[], start: number, end: number): void {
  if (end <= start) return;
  bodyWriter.reset();
  writePlainBody(bodyWriter, values, start, end);
  const plainBytes = bodyWriter.pos;
  const body = bodyWriter.buf.subarray(0, plainBytes);
  if (plainBytes >= STRING_DEFLATE_BYTES_MIN) {
    const packed = deflateRawSync(body, { level: STRING_DEFLATE_LEVEL, strategy: zlibConstants.Z_DEFAULT_STRATEGY });
    if (packed.length <= plainBytes * STRING_DEFLATE_RATIO_MAX) {
      w.u8(MODE_DEFLATE);
      writeUvarint(w, plainBytes);
      w.bytes(packed);
      return;
    }
  }
  w.u8(MODE_PLAIN);
  w.bytes(body);
}

/** Encodes values[start, end) (default: the whole array) to a new buffer. */
export function encodeStrings(values: readonly string[], start: number = 0, end: number = values.length): Uint8Array {
  writer.reset();
  writeStrings(writer, values, start, end);
  return writer.toBytes();
}

/** Decodes exactly n values filling all of `src`. */
export function decodeStrings(src: Uint8Array, n: number): string[] {
  const out = new Array<string>(n);
  if (n === 0) {
    if (src.length !== 0) throw new CorruptionError('strings: data for zero values');
    return out;
  }
  const r = new ByteReader(src);
  const mode = r.u8();
  let body: Uint8Array;
  if (mode === MODE_PLAIN) {
    body = src.subarray(1);
  } else if (mode === MODE_DEFLATE) {
    const plainBytes = readUvarint(r);
    const packed = src.subarray(r.pos);
    try {
      // maxOutputLength bounds what a damaged stream can make us allocate.
      body = inflateRawSync(packed, { maxOutputLength: Math.max(plainBytes, 1) });
    } catch (err) {
      throw new CorruptionError(`strings: deflate stream is damaged (${(err as Error).message})`);
    }
    if (body.length !== plainBytes) {
      throw new CorruptionError(`strings: inflated to ${body.length} bytes, header says ${plainBytes}`);
    }
  } else {
    throw new CorruptionError(`strings: bad mode ${mode}`);
  }
  const buf = Buffer.from(body.buffer, body.byteOffset, body.length);
  const br = new ByteReader(body);
  let prevP = 0;
  let prevLen = -1;
  for (let i = 0; i < n; i++) {
    const len = readUvarint(br);
    br.need(len);
    const p = br.pos;
    br.pos = p + len;
    // Repeated values are common (states, hosts): share the previous string instead of decoding.
    if (len === prevLen && sameBytes(body, p, prevP, len)) {
      out[i] = out[i - 1]!;
      continue;
    }
    prevP = p;
    prevLen = len;
    out[i] = len <= ASCII_DECODE_JS_BYTES_MAX ? shortString(buf, p, len) : buf.toString('utf8', p, p + len);
  }
  br.expectEnd('strings');
  return out;
}

function sameBytes(b: Uint8Array, p: number, q: number, len: number): boolean {
  for (let j = 0; j < len; j++) if (b[p + j] !== b[q + j]) return false;
  return true;
}

/** Builds a short ASCII string in JS, which beats a native call per value; others go native. */
function shortString(buf: Buffer, p: number, len: number): string {
  let s = '';
  for (let j = 0; j < len; j++) {
    const c = buf[p + j]!;
    if (c >= 0x80) return buf.toString('utf8', p, p + len);
    s += String.fromCharCode(c);
  }
  return s;
}
