import { describe, expect, it } from 'vitest';
import { prng } from '../../../test/support/prng.js';
import { fnv1a64, shardIndexFor } from './fnv.js';

/** The textbook definition, one BigInt multiply per byte: the reference the fast version must match. */
function fnv1a64Reference(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

describe('fnv1a64', () => {
  it('matches the published FNV-1a 64 test vectors', () => {
    expect(fnv1a64(utf8(''))).toBe(0xcbf29ce484222325n);
    expect(fnv1a64(utf8('a'))).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv1a64(utf8('b'))).toBe(0xaf63df4c8601f1a5n);
    expect(fnv1a64(utf8('c'))).toBe(0xaf63de4c8601eff2n);
    expect(fnv1a64(utf8('foobar'))).toBe(0x85944171f73967e8n);
  });

  it('matches the BigInt reference on random byte strings (seeded)', () => {
    const seed = 0x5eed_f00d;
    const rand = prng(seed);
    for (let n = 0; n < 2000; n++) {
      const bytes = new Uint8Array(Math.floor(rand() * 80));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
      expect(fnv1a64(bytes), `seed ${seed}, case ${n}`).toBe(fnv1a64Reference(bytes));
    }
  });

  it('hashes a string as its UTF-8 bytes, lone surrogates included (seeded)', () => {
    const seed = 0xc0de;
    const rand = prng(seed);
    const alphabet = ['a', 'Z', ',', '=', '\\ ', 'é', 'ß', '€', '中', '😀', '\ud800', '\udfff', '\u07ff', '\u0800', '\uffff'];
    for (let n = 0; n < 2000; n++) {
      let s = '';
      const len = Math.floor(rand() * 30);
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
      expect(fnv1a64(s), `seed ${seed}, ${JSON.stringify(s)}`).toBe(fnv1a64Reference(utf8(s)));
    }
  });
});

describe('shardIndexFor', () => {
  it('is the hash modulo the shard count, for strings and bytes alike (seeded)', () => {
    const seed = 42;
    const rand = prng(seed);
    for (let n = 0; n < 1000; n++) {
      const key = `cpu,host=server${Math.floor(rand() * 1e6)},region=r${n}`;
      const count = 1 + Math.floor(rand() * (n % 2 === 0 ? 16 : 0xfffffffe));
      const want = Number(fnv1a64Reference(utf8(key)) % BigInt(count));
      expect(shardIndexFor(key, count), `seed ${seed}, ${key} mod ${count}`).toBe(want);
      expect(shardIndexFor(utf8(key), count)).toBe(want);
    }
  });

  it('maps every series to shard 0 of a one-shard group', () => {
    expect(shardIndexFor('anything', 1)).toBe(0);
  });

  it('refuses a shard count that is not a positive integer within range', () => {
    for (const bad of [0, -1, 1.5, 2 ** 32, Number.NaN]) expect(() => shardIndexFor('k', bad)).toThrow(RangeError);
  });
});
