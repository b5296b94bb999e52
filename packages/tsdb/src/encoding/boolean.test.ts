import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../errors.js';
import { decodeBooleans, encodeBooleans } from './boolean.js';
import { forEachSeed } from './seeded-random.js';

function roundTrip(values: Uint8Array): Uint8Array {
  const bytes = encodeBooleans(values);
  expect(Array.from(decodeBooleans(bytes, values.length))).toEqual(Array.from(values));
  return bytes;
}

describe('booleans', () => {
  it('pack eight values per byte after a mode byte', () => {
    expect(roundTrip(new Uint8Array(0)).length).toBe(0);
    expect(roundTrip(Uint8Array.of(1)).length).toBe(2);
    expect(roundTrip(Uint8Array.of(1, 0, 1, 1, 0, 0, 0, 1, 1)).length).toBe(3);
    expect(roundTrip(Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 3 & 1)).length).toBe(126);
  });

  it('store a constant column in two bytes', () => {
    expect(roundTrip(new Uint8Array(1000).fill(1)).length).toBe(2);
    expect(roundTrip(new Uint8Array(1000)).length).toBe(2);
  });

  it('round-trip random columns', () => {
    forEachSeed(100, 11_000, (rng) => {
      const p = rng.float();
      roundTrip(Uint8Array.from({ length: rng.int(1, 1100) }, () => (rng.float() < p ? 1 : 0)));
    });
  });

  it('reject values other than 0 and 1', () => {
    expect(() => encodeBooleans(Uint8Array.of(0, 2))).toThrow(RangeError);
  });

  it('throw CorruptionError on bad modes, set padding bits, truncation and leftovers', () => {
    expect(() => decodeBooleans(Uint8Array.of(2, 0), 3)).toThrow(CorruptionError);
    expect(() => decodeBooleans(Uint8Array.of(1, 2), 3)).toThrow(CorruptionError);
    expect(() => decodeBooleans(Uint8Array.of(0, 0b1000), 3)).toThrow(CorruptionError);
    expect(() => decodeBooleans(Uint8Array.of(0, 0), 9)).toThrow(CorruptionError);
    expect(() => decodeBooleans(Uint8Array.of(0, 0, 0), 8)).toThrow(CorruptionError);
    expect(() => decodeBooleans(Uint8Array.of(0), 0)).toThrow(CorruptionError);
  });
});
