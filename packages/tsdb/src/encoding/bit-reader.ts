// MSB-first bit stream reader over a section of a buffer. Running past the section is a
// CorruptionError: a decoder never invents bits. The float codec inlines the same logic in its
// hot loop; its tests use this class as the reference.

import { CorruptionError } from '../errors.js';

export class BitReader {
  private acc = 0;
  private accBits = 0;

  constructor(
    private readonly buf: Uint8Array,
    private pos: number,
    private readonly end: number,
  ) {}

  private refill(): void {
    while (this.accBits <= 24 && this.pos < this.end) {
      this.acc = (this.acc << 8) | this.buf[this.pos++]!;
      this.accBits += 8;
    }
  }

  /** Reads `n` bits (1 <= n <= 32) as an unsigned number. */
  read(n: number): number {
    if (this.accBits < n) this.refill();
    if (this.accBits >= n) {
      this.accBits -= n;
      return ((this.acc >>> this.accBits) & (0xffffffff >>> (32 - n))) >>> 0;
    }
    // Only when n > 24: take what the accumulator holds, refill, take the rest.
    const n1 = this.accBits;
    const n2 = n - n1;
    const high = n1 === 0 ? 0 : this.acc & (0xffffffff >>> (32 - n1));
    this.accBits = 0;
    this.refill();
    if (this.accBits < n2) throw new CorruptionError('bit stream ends early');
    this.accBits -= n2;
    const low = (this.acc >>> this.accBits) & (0xffffffff >>> (32 - n2));
    return n1 === 0 ? low : ((high << n2) | low) >>> 0;
  }

  bit(): number {
    if (this.accBits === 0) {
      if (this.pos >= this.end) throw new CorruptionError('bit stream ends early');
      this.acc = this.buf[this.pos++]!;
      this.accBits = 8;
    }
    return (this.acc >>> --this.accBits) & 1;
  }

  /**
   * Whole bytes not yet consumed, plus whether the bits left in the current byte are all zero
   * padding. Decoders use it to insist the stream ends exactly where the data ends.
   */
  endsCleanly(): boolean {
    if (this.pos !== this.end) return false;
    const left = this.accBits;
    if (left >= 8) return false;
    return left === 0 || (this.acc & ((1 << left) - 1)) === 0;
  }
}
