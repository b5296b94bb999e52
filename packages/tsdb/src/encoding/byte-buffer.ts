// A growable output buffer and a bounds-checked input cursor shared by every encoder.
// Encoders write into a module-level ByteWriter that is reused across calls, so the only
// allocation per encode is the final exact-size copy.

import { CorruptionError } from '../errors.js';

/** Initial capacity of a scratch writer; it grows by doubling. */
const WRITER_BYTES_INITIAL = 4096;

export class ByteWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(capacityBytes: number = WRITER_BYTES_INITIAL) {
    this.buf = new Uint8Array(capacityBytes);
  }

  reset(): void {
    this.pos = 0;
  }

  /** Makes room for `bytes` more bytes after `pos`. */
  ensure(bytes: number): void {
    const need = this.pos + bytes;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32le(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v;
    b[p + 1] = v >>> 8;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 24;
    this.pos = p + 4;
  }

  /** A 64-bit value given as its two 32-bit words, little-endian. */
  u64le(hi: number, lo: number): void {
    this.u32le(lo);
    this.u32le(hi);
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** An exact-size copy of what was written. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Reads a section of a buffer; every overrun is a CorruptionError, never an out-of-range read. */
export class ByteReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start: number = 0,
    readonly end: number = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(bytes: number): void {
    if (bytes > this.end - this.pos) {
      throw new CorruptionError(`truncated data: need ${bytes} bytes at offset ${this.pos}, have ${this.end - this.pos}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u32le(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** A view (not a copy) of the next `length` bytes. */
  bytes(length: number): Uint8Array {
    this.need(length);
    const p = this.pos;
    this.pos = p + length;
    return this.buf.subarray(p, p + length);
  }

  /** Decoders call this last: bytes left over mean the section does not hold what its header says. */
  expectEnd(what: string): void {
    if (this.pos !== this.end) {
      throw new CorruptionError(`${what}: ${this.end - this.pos} unexpected trailing bytes`);
    }
  }
}
