import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../errors.js';
import { SeededRandom, forEachSeed } from './seeded-random.js';
import { decodeStrings, encodeStrings } from './string.js';

function roundTrip(values: string[]): Uint8Array {
  const bytes = encodeStrings(values);
  expect(decodeStrings(bytes, values.length)).toEqual(values);
  return bytes;
}

const UNICODE = ['', 'a', 'é', 'naïve café', '日本語のテキスト', '🚀 rocket', '👩‍👩‍👧 family', 'e\u0301', '\u{10FFFF}', '\u0000nul', 'ᚠᛇᚻ'];

function randomText(rng: SeededRandom, maxChars: number): string {
  let s = '';
  for (let k = rng.int(0, maxChars); k > 0; k--) {
    const r = rng.int(0, 9);
    if (r < 6) s += String.fromCharCode(rng.int(32, 126));
    else if (r < 8) s += String.fromCharCode(rng.int(0xa0, 0xd7ff));
    else s += String.fromCodePoint(rng.int(0x10000, 0x10ffff));
  }
  return s;
}

describe('strings', () => {
  it('encode nothing to nothing and round-trip empty and unicode strings', () => {
    expect(roundTrip([]).length).toBe(0);
    expect(roundTrip(['']).length).toBe(2);
    roundTrip(UNICODE);
    roundTrip(['x'.repeat(127), 'y'.repeat(128), 'é'.repeat(64), '😀'.repeat(40)]); // length-prefix boundaries
  });

  it('round-trip huge strings', () => {
    const big = 'ab€'.repeat(400_000); // 2 MB of UTF-8
    const rng = new SeededRandom(3);
    roundTrip([big, 'small', randomText(rng, 200_000), big]);
  });

  it('deflate repetitive columns and leave incompressible ones plain', () => {
    const rng = new SeededRandom(4);
    const status = Array.from({ length: 1000 }, () => rng.pick(['OK', 'WARN', 'ERROR', 'CRITICAL']));
    const plainBytes = status.reduce((n, s) => n + 1 + s.length, 0);
    const packed = roundTrip(status);
    expect(packed[0]).toBe(1);
    expect(packed.length).toBeLessThan(plainBytes * 0.25);
    const noise = Array.from({ length: 200 }, () => String.fromCharCode(...Array.from({ length: 20 }, () => rng.int(33, 126))));
    const plain = roundTrip(noise);
    expect(plain[0]).toBe(0);
  });

  it('round-trip random columns, repeated values included', () => {
    forEachSeed(100, 12_000, (rng) => {
      const n = rng.int(1, 1100);
      const pool = Array.from({ length: rng.int(1, 20) }, () => randomText(rng, 30));
      roundTrip(Array.from({ length: n }, () => (rng.int(0, 2) === 0 ? randomText(rng, 40) : rng.pick(pool))));
    });
  });

  it('replace lone surrogates, which are not Unicode, with U+FFFD', () => {
    expect(decodeStrings(encodeStrings(['a\uD800b']), 1)).toEqual(['a\uFFFDb']);
  });

  it('throw CorruptionError on bad modes, damaged deflate data, truncation and leftovers', () => {
    const plain = encodeStrings(['abc', 'de']);
    expect(() => decodeStrings(plain.subarray(0, plain.length - 1), 2)).toThrow(CorruptionError);
    expect(() => decodeStrings(Uint8Array.of(...plain, 0), 2)).toThrow(CorruptionError);
    expect(() => decodeStrings(Uint8Array.of(7, 0), 1)).toThrow(CorruptionError);
    const packed = encodeStrings(new Array<string>(500).fill('the same words again'));
    expect(packed[0]).toBe(1);
    const damaged = packed.slice();
    damaged[damaged.length - 3]! ^= 0x55;
    expect(() => decodeStrings(damaged, 500)).toThrow(CorruptionError);
    const wrongLength = packed.slice();
    wrongLength[1]! ^= 1; // the declared plain length
    expect(() => decodeStrings(wrongLength, 500)).toThrow(CorruptionError);
  });
});
