import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';
import { forEachSeed } from './seeded-random.js';

/** Bit-at-a-time reference, straight from the definition. */
function crc32cSlow(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('matches the published check value and the RFC 3720 test vectors', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('agrees with the bitwise definition on random data, lengths and offsets', () => {
    forEachSeed(20, 1000, (rng) => {
      const buf = Uint8Array.from({ length: rng.int(0, 300) }, () => rng.int(0, 255));
      const start = rng.int(0, buf.length);
      const end = rng.int(start, buf.length);
      expect(crc32c(buf, start, end)).toBe(crc32cSlow(buf.subarray(start, end)));
    });
  });

  it('continues from a previous result so a stream can be checksummed in pieces', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff);
    for (const cut of [0, 1, 7, 8, 9, 500, 999, 1000]) {
      expect(crc32c(data, cut, data.length, crc32c(data, 0, cut))).toBe(crc32c(data));
    }
  });
});
