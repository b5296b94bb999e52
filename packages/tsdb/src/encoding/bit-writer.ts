// MSB-first bit stream writer. Bits gather in a 32-bit accumulator and leave four bytes at a
// time, so a write is a couple of shifts; the byte buffer is a reusable ByteWriter. The float
// codec inlines the same logic in its hot loop; its tests use this class as the reference.

import type { ByteWriter } from './byte-buffer.js';

export class BitWriter {
  private acc = 0;
  private accBits = 0;

  constructor(readonly out: ByteWriter) {}

  /** Writes the low `n` bits of `value` (1 <= n <= 32), most significant first. */
  write(value: number, n: number): void {
    const space = 32 - this.accBits;
    if (n < space) {
      this.acc = (this.acc << n) | (value & (0xffffffff >>> (32 - n)));
      this.accBits += n;
      return;
    }
    // Fill the accumulator, flush it, keep what is left of `value`.
    const rest = n - space;
    const full = space === 32 ? value : (this.acc << space) | ((value >>> rest) & (0xffffffff >>> this.accBits));
    const w = this.out;
    w.ensure(4);
    const b = w.buf;
    const p = w.pos;
    b[p] = full >>> 24;
    b[p + 1] = full >>> 16;
    b[p + 2] = full >>> 8;
    b[p + 3] = full;
    w.pos = p + 4;
    this.acc = rest === 0 ? 0 : value & ((1 << rest) - 1);
    this.accBits = rest;
  }

  /** A single bit. */
  bit(b: number): void {
    this.write(b, 1);
  }

  /** Flushes the partial accumulator, zero-padding the last byte. */
  finish(): void {
    let bits = this.accBits;
    if (bits === 0) return;
    const w = this.out;
    w.ensure(4);
    // Left-align the pending bits in a 32-bit word and emit the bytes they touch.
    let word = (this.acc << (32 - bits)) >>> 0;
    while (bits > 0) {
      w.buf[w.pos++] = word >>> 24;
      word = (word << 8) >>> 0;
      bits -= 8;
    }
    this.acc = 0;
    this.accBits = 0;
  }
}
