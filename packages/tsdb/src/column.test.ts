import { describe, expect, it } from 'vitest';
import { FieldType } from '@shoal/lineproto';
import { Column } from './column.js';

describe('Column', () => {
  it('keeps in-order appends as they are', () => {
    const c = new Column(FieldType.Float);
    for (let i = 0; i < 100; i++) c.appendNumber(BigInt(i), i / 2);
    const d = c.data();
    expect(d.count).toBe(100);
    expect(d.times[99]).toBe(99n);
    expect((d.values as Float64Array)[99]).toBe(49.5);
  });

  it('sorts out-of-order points and keeps the last write of a repeated timestamp', () => {
    const c = new Column(FieldType.String);
    c.appendString(30n, 'a');
    c.appendString(10n, 'b');
    c.appendString(30n, 'c');
    c.appendString(20n, 'd');
    c.appendString(10n, 'e');
    const d = c.data();
    expect([...d.times.subarray(0, d.count)]).toEqual([10n, 20n, 30n]);
    expect((d.values as string[]).slice(0, d.count)).toEqual(['e', 'd', 'c']);
  });

  it('switches to exact 64-bit storage when an integer exceeds 2^53', () => {
    const c = new Column(FieldType.Integer);
    c.appendNumber(1n, 5);
    c.appendBig(2n, 9223372036854775807n);
    c.appendNumber(3n, -7);
    const d = c.data();
    expect(d.values).toBeInstanceOf(BigInt64Array);
    expect([...(d.values as BigInt64Array).subarray(0, 3)]).toEqual([5n, 9223372036854775807n, -7n]);
  });

  it('stores unsigned values beyond 2^63 exactly', () => {
    const c = new Column(FieldType.Unsigned);
    c.appendBig(1n, 18446744073709551615n);
    const d = c.data();
    expect((d.values as BigUint64Array)[0]).toBe(18446744073709551615n);
  });

  it('hands out booleans as 0/1 bytes', () => {
    const c = new Column(FieldType.Boolean);
    c.appendNumber(1n, 1);
    c.appendNumber(2n, 0);
    expect([...(c.data().values as Uint8Array)]).toEqual([1, 0]);
  });
});

describe('sortedOrder', () => {
  it('orders arbitrary times stably, ties in arrival order', async () => {
    const { sortedOrder } = await import('./column.js');
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) % 1000) / 1000;
    for (let round = 0; round < 200; round++) {
      const n = Math.floor(rand() * 300);
      const times = new BigInt64Array(n);
      for (let i = 0; i < n; i++) times[i] = BigInt(Math.floor(rand() * (round % 3 === 0 ? 10 : 1000)) - 500);
      const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => (times[a]! < times[b]! ? -1 : times[a]! > times[b]! ? 1 : a - b));
      expect([...sortedOrder(times, n)]).toEqual(expected);
    }
  });
});
