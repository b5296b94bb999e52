// An in-memory, append-optimised column of one field of one series: the unit of the write cache.
// Appends are O(1) into typed arrays; points may arrive out of order or repeat a timestamp, so the
// column sorts and de-duplicates (last write wins) lazily, the first time someone reads it.

import { FieldType, INT64_MIN } from '@shoal/lineproto';
import type { Values } from './encoding/index.js';

const INITIAL_CAPACITY = 16;
/** A hint never reserves more than this many points up front. */
const CAPACITY_HINT_MAX = 1 << 16;

/** Sorted, de-duplicated points of one field; `values` holds exactly `count` entries in use. */
export interface ColumnData {
  readonly type: FieldType;
  readonly count: number;
  readonly times: BigInt64Array;
  readonly values: Values;
}

export class Column {
  count = 0;
  private times: BigInt64Array;
  /** Float, Boolean (0/1), and Integer/Unsigned while every value is a safe integer. */
  private nums: Float64Array | undefined;
  /** Integer/Unsigned once a value beyond 2^53 arrived. */
  private bigs: BigInt64Array | BigUint64Array | undefined;
  private strs: string[] | undefined;
  private sorted = true;
  private lastTime = INT64_MIN;

  /** `capacityHint`: how many points the column is expected to take (its predecessor's count). */
  constructor(
    readonly type: FieldType,
    capacityHint = INITIAL_CAPACITY,
  ) {
    const capacity = Math.min(Math.max(capacityHint, INITIAL_CAPACITY), CAPACITY_HINT_MAX);
    this.times = new BigInt64Array(capacity);
    if (type === FieldType.String) this.strs = [];
    else this.nums = new Float64Array(capacity);
  }

  /** Approximate heap bytes held, for the cache's size limit. */
  bytes(): number {
    let b = this.times.byteLength + 64;
    if (this.nums) b += this.nums.byteLength;
    if (this.bigs) b += this.bigs.byteLength;
    if (this.strs) for (let i = 0; i < this.count; i++) b += 16 + this.strs[i]!.length * 2;
    return b;
  }

  get minTimeIfSorted(): bigint | undefined {
    return this.count > 0 && this.sorted ? this.times[0] : undefined;
  }

  appendNumber(time: bigint, value: number): void {
    const i = this.reserve(time);
    if (this.bigs) {
      this.bigs[i] = BigInt(value);
    } else {
      this.nums![i] = value;
    }
  }

  appendBig(time: bigint, value: bigint): void {
    const i = this.reserve(time);
    if (!this.bigs) this.widen();
    this.bigs![i] = value;
  }

  appendString(time: bigint, value: string): void {
    const i = this.reserve(time);
    this.strs![i] = value;
  }

  /** Sorts and de-duplicates in place if needed and returns a view of the points. */
  data(): ColumnData {
    if (!this.sorted) this.sortAndDedupe();
    return { type: this.type, count: this.count, times: this.times, values: this.valuesView() };
  }

  private valuesView(): Values {
    if (this.strs) return this.strs;
    if (this.bigs) return this.bigs;
    if (this.type === FieldType.Boolean) {
      const out = new Uint8Array(this.count);
      const nums = this.nums!;
      for (let i = 0; i < this.count; i++) out[i] = nums[i]!;
      return out;
    }
    return this.nums!;
  }

  private reserve(time: bigint): number {
    const i = this.count;
    if (i === this.times.length) this.growTo(i * 2);
    this.times[i] = time;
    if (time <= this.lastTime) this.sorted = false;
    else this.lastTime = time;
    this.count = i + 1;
    return i;
  }

  private growTo(capacity: number): void {
    const times = new BigInt64Array(capacity);
    times.set(this.times);
    this.times = times;
    if (this.nums) {
      const nums = new Float64Array(capacity);
      nums.set(this.nums);
      this.nums = nums;
    }
    if (this.bigs) {
      const bigs = this.type === FieldType.Unsigned ? new BigUint64Array(capacity) : new BigInt64Array(capacity);
      bigs.set(this.bigs as never);
      this.bigs = bigs;
    }
  }

  /** Switches an integer column to 64-bit storage once a value no longer fits a double exactly. */
  private widen(): void {
    const cap = this.times.length;
    const bigs = this.type === FieldType.Unsigned ? new BigUint64Array(cap) : new BigInt64Array(cap);
    const nums = this.nums!;
    // The slot being appended (count - 1) is written by the caller.
    for (let i = 0; i < this.count - 1; i++) bigs[i] = BigInt(nums[i]!);
    this.bigs = bigs;
    this.nums = undefined;
  }

  private sortAndDedupe(): void {
    const n = this.count;
    const times = this.times;
    const order = sortedOrder(times, n);
    const newTimes = new BigInt64Array(Math.max(n, INITIAL_CAPACITY));
    const nums = this.nums;
    const bigs = this.bigs;
    const strs = this.strs;
    const newNums = nums ? new Float64Array(newTimes.length) : undefined;
    const newBigs = bigs ? (this.type === FieldType.Unsigned ? new BigUint64Array(newTimes.length) : new BigInt64Array(newTimes.length)) : undefined;
    const newStrs: string[] | undefined = strs ? [] : undefined;
    let out = 0;
    for (let k = 0; k < n; k++) {
      const src = order[k]!;
      const t = times[src]!;
      // A later arrival of the same timestamp overwrites the earlier one.
      const slot = out > 0 && newTimes[out - 1] === t ? out - 1 : out++;
      newTimes[slot] = t;
      if (newNums) newNums[slot] = nums![src]!;
      if (newBigs) newBigs[slot] = bigs![src] as never;
      if (newStrs) newStrs[slot] = strs![src]!;
    }
    this.times = newTimes;
    this.nums = newNums;
    this.bigs = newBigs;
    this.strs = newStrs;
    this.count = out;
    this.sorted = true;
    this.lastTime = out > 0 ? newTimes[out - 1]! : INT64_MIN;
  }
}

/**
 * Indices of times[0..n) in ascending time order, stable (equal times keep arrival order). Points
 * arrive as a few ascending runs (requests applied slightly out of order), so this is a natural
 * merge sort: find the runs, then merge neighbours pairwise, O(n log runs).
 */
export function sortedOrder(times: BigInt64Array, n: number): Uint32Array {
  let src = new Uint32Array(n);
  for (let i = 0; i < n; i++) src[i] = i;
  const bounds: number[] = [0];
  for (let i = 1; i < n; i++) if (times[i]! < times[i - 1]!) bounds.push(i);
  bounds.push(n);
  let dst = new Uint32Array(n);
  while (bounds.length > 2) {
    const next: number[] = [0];
    for (let r = 0; r + 1 < bounds.length; r += 2) {
      const lo = bounds[r]!;
      const mid = bounds[r + 1]!;
      const hi = r + 2 < bounds.length ? bounds[r + 2]! : mid;
      let i = lo;
      let j = mid;
      let k = lo;
      // Ties take the left run first: it arrived earlier.
      while (i < mid && j < hi) dst[k++] = times[src[j]!]! < times[src[i]!]! ? src[j++]! : src[i++]!;
      while (i < mid) dst[k++] = src[i++]!;
      while (j < hi) dst[k++] = src[j++]!;
      next.push(hi);
    }
    if (next[next.length - 1] !== n) next.push(n);
    const t = src;
    src = dst;
    dst = t;
    bounds.length = 0;
    bounds.push(...next);
  }
  return src;
}
