// Pure operations on sorted column data (times plus values of one field): slicing by time,
// cutting a time range out, merging an older and a newer run (the newer wins a shared
// timestamp), concatenation and reversal. Used where the cache meets blocks: on flush, on
// compaction, on deletes and on reads.

import { FieldType, INT64_MAX } from '@shoal/lineproto';
import type { Values } from './encoding/index.js';
import type { ColumnData } from './column.js';

type NumericArray = Float64Array | BigInt64Array | BigUint64Array | Uint8Array;

/** First index in [lo, hi) whose time is ≥ t (hi if none). */
export function lowerBound(times: BigInt64Array, lo: number, hi: number, t: bigint): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** [lo, hi): the indices of the points with minTime ≤ time ≤ maxTime. */
function rangeIndices(d: ColumnData, minTime: bigint, maxTime: bigint): [number, number] {
  const lo = lowerBound(d.times, 0, d.count, minTime);
  const hi = maxTime === INT64_MAX ? d.count : lowerBound(d.times, lo, d.count, maxTime + 1n);
  return [lo, Math.max(lo, hi)];
}

/** The points with minTime ≤ time ≤ maxTime, as views where possible. */
export function sliceRange(d: ColumnData, minTime: bigint, maxTime: bigint): ColumnData {
  const [lo, hi] = rangeIndices(d, minTime, maxTime);
  return slice(d, lo, hi);
}

/** The points outside [minTime, maxTime]: what a delete of that range leaves of a run. */
export function withoutRange(d: ColumnData, minTime: bigint, maxTime: bigint): ColumnData {
  const [lo, hi] = rangeIndices(d, minTime, maxTime);
  if (lo === hi) return d;
  if (lo === 0) return slice(d, hi, d.count);
  if (hi === d.count) return slice(d, 0, lo);
  return concatColumnData(d.type, [slice(d, 0, lo), slice(d, hi, d.count)]);
}

export function slice(d: ColumnData, lo: number, hi: number): ColumnData {
  if (lo === 0 && hi === d.count && d.times.length === d.count && valuesLength(d.values) === d.count) return d;
  const values = Array.isArray(d.values) ? d.values.slice(lo, hi) : (d.values as NumericArray).subarray(lo, hi);
  return { type: d.type, count: hi - lo, times: d.times.subarray(lo, hi), values };
}

function valuesLength(v: Values): number {
  return v.length;
}

export function emptyColumnData(type: FieldType): ColumnData {
  return { type, count: 0, times: new BigInt64Array(0), values: allocValues(type, 0, false) };
}

function isBig(v: Values): boolean {
  return v instanceof BigInt64Array || v instanceof BigUint64Array;
}

function allocValues(type: FieldType, n: number, big: boolean): Values {
  switch (type) {
    case FieldType.String:
      return new Array<string>(n);
    case FieldType.Boolean:
      return new Uint8Array(n);
    case FieldType.Integer:
      return big ? new BigInt64Array(n) : new Float64Array(n);
    case FieldType.Unsigned:
      return big ? new BigUint64Array(n) : new Float64Array(n);
    default:
      return new Float64Array(n);
  }
}

/** Copies value `i` of `src` into slot `j` of `dst`, converting a double to a bigint if needed. */
function copyValue(dst: Values, j: number, src: Values, i: number): void {
  if (dst instanceof BigInt64Array || dst instanceof BigUint64Array) {
    const v = (src as NumericArray)[i]!;
    dst[j] = typeof v === 'bigint' ? v : BigInt(v);
  } else {
    (dst as unknown as Array<unknown>)[j] = (src as unknown as Array<unknown>)[i];
  }
}

/** Merges two sorted runs; where both hold a time, `newer`'s value is kept. */
export function mergeColumnData(older: ColumnData, newer: ColumnData): ColumnData {
  if (older.count === 0) return newer;
  if (newer.count === 0) return older;
  const big = isBig(older.values) || isBig(newer.values);
  const times = new BigInt64Array(older.count + newer.count);
  const values = allocValues(newer.type, older.count + newer.count, big);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < older.count || j < newer.count) {
    if (j >= newer.count || (i < older.count && older.times[i]! < newer.times[j]!)) {
      times[k] = older.times[i]!;
      copyValue(values, k++, older.values, i++);
    } else {
      if (i < older.count && older.times[i] === newer.times[j]) i++;
      times[k] = newer.times[j]!;
      copyValue(values, k++, newer.values, j++);
    }
  }
  return slice({ type: newer.type, count: k, times, values }, 0, k);
}

/** Concatenates runs that are already in time order and do not overlap. */
export function concatColumnData(type: FieldType, runs: readonly ColumnData[]): ColumnData {
  if (runs.length === 1) return runs[0]!;
  let n = 0;
  let big = false;
  for (const r of runs) {
    n += r.count;
    big ||= isBig(r.values);
  }
  const times = new BigInt64Array(n);
  const values = allocValues(type, n, big);
  let k = 0;
  for (const r of runs) {
    times.set(r.times.subarray(0, r.count), k);
    for (let i = 0; i < r.count; i++) copyValue(values, k + i, r.values, i);
    k += r.count;
  }
  return { type, count: n, times, values };
}

export function reverseColumnData(d: ColumnData): ColumnData {
  const times = new BigInt64Array(d.count);
  const values = allocValues(d.type, d.count, isBig(d.values));
  for (let i = 0, j = d.count - 1; i < d.count; i++, j--) {
    times[i] = d.times[j]!;
    copyValue(values, i, d.values, j);
  }
  return { type: d.type, count: d.count, times, values };
}

/** The value at `i` as a plain JS value (tests and slow paths). */
export function valueAt(d: ColumnData, i: number): number | bigint | boolean | string {
  const v = (d.values as unknown as ArrayLike<number | bigint | string>)[i]!;
  return d.type === FieldType.Boolean ? v === 1 : v;
}
