import { describe, expect, it } from 'vitest';
import { FieldType } from '@shoal/lineproto';
import type { Value } from '../result.js';
import { createAgg, type Agg } from './aggregates.js';
import type { AggSpec } from './plan.js';

const spec = (name: AggSpec['name'], extra: Partial<AggSpec> = {}): AggSpec => ({ name, countDistinct: false, percentile: 0, n: 0, extraRefs: [], ...extra });
const opts = { pointTime: true, tagArgs: [], ascending: true };

function run(agg: Agg, points: Array<[number, Value, Value[]?]>, bucket = 100n): Array<[bigint, Value, readonly Value[] | null]> {
  for (const [t, v, aux] of points) agg.addPoint(BigInt(t), v, aux ?? null);
  return agg.result(bucket).map((p) => [p.t, p.v, p.aux]);
}

describe('partial aggregates', () => {
  it('break ties as InfluxDB: max/min to the earlier point, first/last to the larger value (false first for booleans)', () => {
    expect(run(createAgg(spec('max'), FieldType.Float, opts), [[5, 2], [3, 2], [4, 1]])).toEqual([[3n, 2, null]]);
    expect(run(createAgg(spec('min'), FieldType.Integer, opts), [[5, 1n], [3, 1n]])).toEqual([[3n, 1n, null]]);
    expect(run(createAgg(spec('first'), FieldType.Float, opts), [[1, 1], [1, 7], [2, 0]])).toEqual([[1n, 7, null]]);
    expect(run(createAgg(spec('last'), FieldType.String, opts), [[9, 'a'], [9, 'b'], [2, 'z']])).toEqual([[9n, 'b', null]]);
    expect(run(createAgg(spec('first'), FieldType.Boolean, opts), [[1, true], [1, false]])).toEqual([[1n, false, null]]);
    expect(run(createAgg(spec('last'), FieldType.Boolean, opts), [[1, false], [1, true]])).toEqual([[1n, true, null]]);
    expect(run(createAgg(spec('max'), FieldType.Boolean, { ...opts, pointTime: false }), [[1, false], [2, true], [3, true]])).toEqual([[100n, true, null]]);
  });

  it('wrap integer sums and spreads at 64 bits and add integer means up as float64, as the mean reducer of InfluxDB does', () => {
    const max = 9223372036854775807n;
    expect(run(createAgg(spec('sum'), FieldType.Integer, opts), [[1, max], [2, 1n]])).toEqual([[100n, -9223372036854775808n, null]]);
    expect(run(createAgg(spec('sum'), FieldType.Unsigned, opts), [[1, 18446744073709551615n], [2, 2n]])).toEqual([[100n, 1n, null]]);
    expect(run(createAgg(spec('spread'), FieldType.Integer, opts), [[1, max], [2, -max]])).toEqual([[100n, -2n, null]]);
    expect(run(createAgg(spec('mean'), FieldType.Integer, opts), [[1, 1n], [2, 2n]])).toEqual([[100n, 1.5, null]]);
  });

  it('median, percentile and mode on sorted values; distinct in order of first appearance', () => {
    expect(run(createAgg(spec('median'), FieldType.Integer, opts), [[1, 4n], [2, 1n], [3, 3n], [4, 2n]])).toEqual([[100n, 2.5, null]]);
    expect(run(createAgg(spec('median'), FieldType.Float, opts), [[1, 4], [2, 1], [3, 3]])).toEqual([[100n, 3, null]]);
    const pct = createAgg(spec('percentile', { percentile: 75 }), FieldType.Float, opts);
    expect(run(pct, [[1, 10, ['a']], [2, 40, ['b']], [3, 30, ['c']], [4, 20, ['d']]])).toEqual([[3n, 30, ['c']]]);
    // The most frequent value. On a tie InfluxDB compares the time of the challenger's first point
    // with the time of the leader's latest counted point: here 3 (first at 1) beats 2 (latest at 4).
    expect(run(createAgg(spec('mode'), FieldType.Integer, opts), [[1, 3n], [2, 2n], [3, 3n], [4, 2n]])).toEqual([[100n, 3n, null]]);
    expect(run(createAgg(spec('mode'), FieldType.Integer, opts), [[1, 3n], [2, 2n], [3, 3n], [4, 2n], [5, 2n]])).toEqual([[100n, 2n, null]]);
    expect(run(createAgg(spec('mode'), FieldType.Boolean, opts), [[1, true], [2, false]])).toEqual([[100n, true, null]]);
    // distinct: each value once, ordered by when it was first seen (as InfluxDB emits them).
    expect(run(createAgg(spec('distinct'), FieldType.String, opts), [[1, 'b'], [2, 'a'], [3, 'b']])).toEqual([
      [100n, 'b', null],
      [100n, 'a', null],
    ]);
    // Values first seen at one time: by value (InfluxDB leaves them in Go map order).
    expect(run(createAgg(spec('distinct'), FieldType.String, opts), [[1, 'ok'], [1, 'back'], [2, 'a']])).toEqual([
      [100n, 'back', null],
      [100n, 'ok', null],
      [100n, 'a', null],
    ]);
    // Read descending, a value is first seen at its latest point; the order is still by that time.
    expect(run(createAgg(spec('distinct'), FieldType.Integer, opts), [[5, 1n], [4, 9n], [3, 1n]])).toEqual([
      [100n, 9n, null],
      [100n, 1n, null],
    ]);
    expect(run(createAgg(spec('count', { countDistinct: true }), FieldType.Float, opts), [[1, 1], [2, 1], [3, 2]])).toEqual([[100n, 2n, null]]);
  });

  it('top and bottom rank by value then time, merge partials, and emit by time', () => {
    const a = createAgg(spec('top', { n: 2 }), FieldType.Float, opts);
    const b = createAgg(spec('top', { n: 2 }), FieldType.Float, opts);
    a.addPoint(5n, 3, null);
    a.addPoint(1n, 9, null);
    b.addPoint(2n, 9, null);
    b.addPoint(3n, 10, null);
    a.merge(b);
    expect(a.result(0n).map((p) => [p.t, p.v])).toEqual([[1n, 9], [3n, 10]]);
    const byHost = createAgg(spec('bottom', { n: 2 }), FieldType.Integer, { ...opts, tagArgs: [0] });
    expect(run(byHost, [[1, 5n, ['x']], [2, 1n, ['x']], [3, 2n, ['y']], [4, 3n, ['z']]])).toEqual([
      [2n, 1n, ['x']],
      [3n, 2n, ['y']],
    ]);
  });

  it('pick the same min and max from a column run as from its points one by one (ties, NaN, both directions)', () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(random() * 20);
      const type = round % 2 === 0 ? FieldType.Integer : FieldType.Float;
      const values = Float64Array.from({ length: n }, () => (type === FieldType.Float && random() < 0.1 ? NaN : Math.floor(random() * 4) - 1));
      const times = BigInt64Array.from({ length: n }, (_, i) => BigInt(i * 10));
      const descending = random() < 0.5;
      const chunk = descending
        ? { type, count: n, times: times.slice().reverse(), values: values.slice().reverse() }
        : { type, count: n, times, values };
      const lo = Math.floor(random() * n);
      const hi = lo + Math.floor(random() * (n - lo + 1));
      for (const name of ['min', 'max'] as const) {
        const byColumn = createAgg(spec(name), type, opts);
        const byPoint = createAgg(spec(name), type, opts);
        // A state from an earlier run that the column's winner must beat, tie rules included.
        byColumn.addPoint(15n, type === FieldType.Integer ? 1n : 1, null);
        byPoint.addPoint(15n, type === FieldType.Integer ? 1n : 1, null);
        byColumn.addColumn(chunk, lo, hi, descending);
        const order = Array.from({ length: hi - lo }, (_, k) => (descending ? hi - 1 - k : lo + k));
        for (const i of order) {
          const v = chunk.values[i]!;
          byPoint.addPoint(chunk.times[i]!, type === FieldType.Integer ? BigInt(v) : v, null);
        }
        expect(byColumn.result(0n)).toEqual(byPoint.result(0n));
      }
    }
  });

  it('refuse types a function cannot take', () => {
    expect(() => createAgg(spec('sum'), FieldType.String, opts)).toThrow('unsupported sum iterator type: *query.stringInterruptIterator');
    expect(() => createAgg(spec('max'), FieldType.String, opts)).toThrow('unsupported max iterator type: *query.stringInterruptIterator');
    expect(() => createAgg(spec('top', { n: 1 }), FieldType.Boolean, opts)).toThrow('unsupported top iterator type: *query.booleanInterruptIterator');
  });
});
