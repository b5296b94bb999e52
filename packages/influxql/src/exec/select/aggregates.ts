// Partial aggregates: the state one bucket of one call accumulates on a shard (the map side) and
// that partials of other series and shards merge into (the reduce side), with InfluxDB's reducer
// rules for values, types, ties and times (query/call_iterator.go, query/functions.go).
//
// Floats are added exactly as InfluxDB adds them: a series' points of one bucket one by one in read
// order, then (merge) the series' partials in the order InfluxDB's merge iterators produce them
// (merge-order.ts), then the shards' partials likewise. A mean is re-weighted at every level as
// InfluxDB's mean reducer does (mean × count, summed, divided). A block summary stands in for a
// block's points only where the result is the same to the bit (statsFit).

import { FieldType } from '@shoal/lineproto';
import { unsupportedIteratorType } from '../errors.js';
import type { BlockSummary, ColumnChunk, ColumnValues } from '../ports.js';
import { compareStrings, type Value } from '../result.js';
import type { AggSpec } from './plan.js';

/** One output point of a call: its time, value and the values carried with it. */
export interface OutPoint {
  readonly t: bigint;
  readonly v: Value;
  readonly aux: readonly Value[] | null;
}

/** A field value as the result model holds it: integers as bigints, booleans as booleans. */
export function valueOf(type: FieldType, values: ColumnValues, i: number): Value {
  const raw = values[i]!;
  switch (type) {
    case FieldType.Integer:
    case FieldType.Unsigned:
      return typeof raw === 'bigint' ? raw : BigInt(raw as number);
    case FieldType.Boolean:
      return raw === 1;
    default:
      return raw as number | string;
  }
}

export abstract class Agg {
  constructor(protected readonly type: FieldType) {}
  /** One point (the general path: rows that passed a condition or carry auxiliary values). */
  abstract addPoint(t: bigint, v: Value, aux: readonly Value[] | null): void;
  /** Points [lo, hi) of a chunk; `descending` says the chunk runs backwards in time. */
  addColumn(c: ColumnChunk, lo: number, hi: number, descending: boolean): void {
    if (descending) for (let i = hi - 1; i >= lo; i--) this.addPoint(c.times[i]!, valueOf(c.type, c.values, i), null);
    else for (let i = lo; i < hi; i++) this.addPoint(c.times[i]!, valueOf(c.type, c.values, i), null);
  }
  /** A whole block by its summary; only aggregates listed in `usesStats` are asked. */
  addStats(_s: BlockSummary): void {
    throw new Error('aggregate cannot use block statistics');
  }
  /** Whether adding this summary now gives the bits adding its points one by one would. */
  statsFit(_s: BlockSummary, _descending: boolean): boolean {
    return true;
  }
  /**
   * Folds another partial of the same call into this one, as InfluxDB's reducer one level up
   * folds the point the level below emitted (the other comes later in merge order). Aggregates
   * that need every value (median...) append the other's values instead.
   */
  abstract merge(other: Agg): void;
  /** The output points of the bucket starting at `bucket` (time already made reportable). */
  abstract result(bucket: bigint): OutPoint[];
  abstract get empty(): boolean;
}

function unsupported(name: string, type: FieldType): never {
  throw unsupportedIteratorType(name, type);
}

const isNumeric = (t: FieldType): boolean => t === FieldType.Float || t === FieldType.Integer || t === FieldType.Unsigned;

function wrap(type: FieldType, v: bigint): bigint {
  return type === FieldType.Unsigned ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v);
}

/** Sums values [lo, hi) of an integer column exactly, without a BigInt per point while the doubles stay safe. */
function sumIntegers(values: ColumnValues, lo: number, hi: number): bigint {
  if (!(values instanceof Float64Array)) {
    let s = 0n;
    for (let i = lo; i < hi; i++) s += values[i] as bigint;
    return s;
  }
  let big = 0n;
  let acc = 0;
  const LIMIT = 2 ** 52;
  for (let i = lo; i < hi; i++) {
    const v = values[i]!;
    // Both below 2^52 in magnitude: their sum is below 2^53, so exact.
    if (acc >= LIMIT || acc <= -LIMIT || v >= LIMIT || v <= -LIMIT) {
      big += BigInt(acc);
      acc = 0;
      big += BigInt(v);
      continue;
    }
    acc += v;
  }
  return big + BigInt(acc);
}

/** `s` plus the floats [lo, hi) one by one, in read order. */
function addFloats(s: number, values: ColumnValues, lo: number, hi: number, descending: boolean): number {
  const f = values as Float64Array;
  if (descending) for (let i = hi - 1; i >= lo; i--) s += f[i]!;
  else for (let i = lo; i < hi; i++) s += f[i]!;
  return s;
}

/** Integers below this magnitude (2^53) convert to float64 exactly, and so do their sums while they stay below. */
const EXACT_FLOAT_INT = 2 ** 53;

// ---------------------------------------------------------------- count, sum, mean, spread

class CountAgg extends Agg {
  n = 0;
  addPoint(): void {
    this.n++;
  }
  override addColumn(_c: ColumnChunk, lo: number, hi: number): void {
    this.n += hi - lo;
  }
  override addStats(s: BlockSummary): void {
    this.n += s.count;
  }
  merge(o: CountAgg): void {
    this.n += o.n;
  }
  result(bucket: bigint): OutPoint[] {
    return [{ t: bucket, v: BigInt(this.n), aux: null }];
  }
  get empty(): boolean {
    return this.n === 0;
  }
}

class SumAgg extends Agg {
  n = 0;
  fsum = 0;
  isum = 0n;
  constructor(type: FieldType) {
    super(type);
    if (!isNumeric(type)) unsupported('sum', type);
  }
  addPoint(_t: bigint, v: Value): void {
    if (this.type === FieldType.Float) this.fsum = this.n === 0 ? (v as number) : this.fsum + (v as number);
    else this.isum += v as bigint;
    this.n++;
  }
  override addColumn(c: ColumnChunk, lo: number, hi: number, descending: boolean): void {
    if (hi <= lo) return;
    if (this.type === FieldType.Float) {
      const f = c.values as Float64Array;
      // InfluxDB's sum starts from the first value (so -0 stays -0), then adds one by one.
      const first = descending ? hi - 1 : lo;
      let s = this.n === 0 ? f[first]! : this.fsum + f[first]!;
      s = descending ? addFloats(s, f, lo, hi - 1, true) : addFloats(s, f, lo + 1, hi, false);
      this.fsum = s;
    } else this.isum += sumIntegers(c.values, lo, hi);
    this.n += hi - lo;
  }
  override statsFit(_s: BlockSummary, descending: boolean): boolean {
    // A summary's float sum runs from the block's first point: the series' own sum only when
    // nothing came before it in this bucket and points are read in ascending order.
    return this.type !== FieldType.Float || (this.n === 0 && !descending);
  }
  override addStats(s: BlockSummary): void {
    if (this.type === FieldType.Float) this.fsum += s.sum as number;
    else this.isum += s.sum as bigint;
    this.n += s.count;
  }
  merge(o: SumAgg): void {
    if (o.n === 0) return;
    this.fsum = this.n === 0 ? o.fsum : this.fsum + o.fsum;
    this.isum += o.isum;
    this.n += o.n;
  }
  result(bucket: bigint): OutPoint[] {
    return [{ t: bucket, v: this.type === FieldType.Float ? this.fsum : wrap(this.type, this.isum), aux: null }];
  }
  get empty(): boolean {
    return this.n === 0;
  }
}

/**
 * InfluxDB's mean reducer: values are added one by one as float64 (integers converted first) and
 * counted; one level up, each partial counts as its mean times its count (or as its mean alone
 * when it holds one point), so every level re-rounds.
 */
class MeanAgg extends Agg {
  count = 0;
  sum = 0;
  constructor(type: FieldType) {
    super(type);
    if (!isNumeric(type)) unsupported('mean', type);
  }
  addPoint(_t: bigint, v: Value): void {
    this.sum += typeof v === 'bigint' ? Number(this.type === FieldType.Unsigned ? BigInt.asUintN(64, v) : v) : (v as number);
    this.count++;
  }
  override addColumn(c: ColumnChunk, lo: number, hi: number, descending: boolean): void {
    // Integers arrive as doubles while they are safe integers: the same float64 Go converts them to.
    if (c.values instanceof Float64Array) {
      this.sum = addFloats(this.sum, c.values, lo, hi, descending);
      this.count += hi - lo;
      return;
    }
    super.addColumn(c, lo, hi, descending);
  }
  override statsFit(s: BlockSummary, descending: boolean): boolean {
    if (this.type === FieldType.Float) return this.count === 0 && !descending;
    // Integer sums are exact in float64 while every partial sum stays below 2^53: then adding
    // the block's exact sum at once gives what adding its points one by one gives.
    const lo = Math.abs(Number(s.min as bigint | number));
    const hi = Math.abs(Number(s.max as bigint | number));
    return Math.abs(this.sum) + Math.max(lo, hi) * s.count < EXACT_FLOAT_INT;
  }
  override addStats(s: BlockSummary): void {
    this.sum += Number(s.sum as number | bigint);
    this.count += s.count;
  }
  merge(o: MeanAgg): void {
    if (o.count === 0) return;
    const mean = o.sum / o.count;
    if (o.count >= 2) {
      this.sum += mean * o.count;
      this.count += o.count;
    } else {
      this.sum += mean;
      this.count++;
    }
  }
  result(bucket: bigint): OutPoint[] {
    return [{ t: bucket, v: this.sum / this.count, aux: null }];
  }
  get empty(): boolean {
    return this.count === 0;
  }
}

class SpreadAgg extends Agg {
  min: number | bigint | undefined;
  max: number | bigint | undefined;
  constructor(type: FieldType) {
    super(type);
    if (!isNumeric(type)) unsupported('spread', type);
  }
  addPoint(_t: bigint, v: Value): void {
    this.see(v as number | bigint, v as number | bigint);
  }
  private see(lo: number | bigint, hi: number | bigint): void {
    if (this.min === undefined || lo < this.min) this.min = lo;
    if (this.max === undefined || hi > this.max) this.max = hi;
  }
  override addColumn(c: ColumnChunk, lo: number, hi: number): void {
    const vals = c.values as ArrayLike<number | bigint>;
    for (let i = lo; i < hi; i++) this.see(vals[i]!, vals[i]!);
  }
  override addStats(s: BlockSummary): void {
    this.see(s.min as number | bigint, s.max as number | bigint);
  }
  merge(o: SpreadAgg): void {
    if (o.min !== undefined) this.see(o.min, o.max!);
  }
  result(bucket: bigint): OutPoint[] {
    if (this.type === FieldType.Float) return [{ t: bucket, v: (this.max as number) - (this.min as number), aux: null }];
    return [{ t: bucket, v: wrap(this.type, BigInt(this.max!) - BigInt(this.min!)), aux: null }];
  }
  get empty(): boolean {
    return this.min === undefined;
  }
}

// ---------------------------------------------------------------- selectors: min, max, first, last

/** Orders two values of one field type: negative when a < b. */
function compareValues(a: Value, b: Value): number {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  const x = a as number | bigint;
  const y = b as number | bigint;
  return x < y ? -1 : x > y ? 1 : 0;
}

type SelectorKind = 'min' | 'max' | 'first' | 'last';

class SelectorAgg extends Agg {
  has = false;
  t = 0n;
  v: Value = null;
  aux: readonly Value[] | null = null;
  constructor(
    type: FieldType,
    private readonly kind: SelectorKind,
    private readonly pointTime: boolean,
  ) {
    super(type);
    if ((kind === 'min' || kind === 'max') && type === FieldType.String) unsupported(kind, type);
  }
  /** InfluxDB's reduce functions: ties go to the earlier point (min/max) or the larger value (first/last). */
  private better(t: bigint, v: Value): boolean {
    if (!this.has) return true;
    const c = compareValues(v, this.v);
    switch (this.kind) {
      case 'max':
        return c > 0 || (c === 0 && t < this.t);
      case 'min':
        return c < 0 || (c === 0 && t < this.t);
      case 'first':
        // InfluxDB's BooleanFirstReduce prefers false on a tie; the others the larger value.
        return t < this.t || (t === this.t && (typeof v === 'boolean' ? c < 0 : c > 0));
      case 'last':
        return t > this.t || (t === this.t && c > 0);
    }
  }
  addPoint(t: bigint, v: Value, aux: readonly Value[] | null): void {
    if (typeof v === 'number' && Number.isNaN(v)) return;
    if (this.better(t, v)) {
      this.has = true;
      this.t = t;
      this.v = v;
      this.aux = aux;
    }
  }
  override addColumn(c: ColumnChunk, lo: number, hi: number, descending: boolean): void {
    if (hi <= lo) return;
    if (this.kind === 'first' || this.kind === 'last') {
      // Only the earliest (latest) point of the run can win.
      const earliest = descending ? hi - 1 : lo;
      const latest = descending ? lo : hi - 1;
      const i = this.kind === 'first' ? earliest : latest;
      this.addPoint(c.times[i]!, valueOf(c.type, c.values, i), null);
      return;
    }
    if (c.values instanceof Float64Array) {
      // Doubles (floats, and integers while they are safe) compare as their values do: find the
      // run's own winner without a Value per point, then offer only it. The winner of a run,
      // then of the run against the state, is the winner of adding its points one by one.
      const i = extremeIndex(c.values, c.times, lo, hi, this.kind === 'max');
      if (i >= 0) this.addPoint(c.times[i]!, valueOf(c.type, c.values, i), null);
      return;
    }
    super.addColumn(c, lo, hi, descending);
  }
  override addStats(s: BlockSummary): void {
    switch (this.kind) {
      case 'first':
        return this.addPoint(s.firstTime, statValue(this.type, s.first), null);
      case 'last':
        return this.addPoint(s.lastTime, statValue(this.type, s.last), null);
      case 'min':
        // Used only when the point's time is not reported (stats do not say when the minimum was).
        return this.addPoint(s.minTime, statValue(this.type, s.min!), null);
      case 'max':
        return this.addPoint(s.minTime, statValue(this.type, s.max!), null);
    }
  }
  merge(o: SelectorAgg): void {
    if (o.has) this.addPoint(o.t, o.v, o.aux);
  }
  result(bucket: bigint): OutPoint[] {
    return [{ t: this.pointTime ? this.t : bucket, v: this.v, aux: this.aux }];
  }
  get empty(): boolean {
    return !this.has;
  }
}

/**
 * The index in [lo, hi) of the largest (`max`) or smallest value, the earliest point among equal
 * ones (the min/max reducers' tie rule), NaN skipped; -1 when there is none.
 */
function extremeIndex(values: Float64Array, times: BigInt64Array, lo: number, hi: number, max: boolean): number {
  let best = -1;
  let bestV = 0;
  for (let i = lo; i < hi; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    if (best < 0 || (max ? v > bestV : v < bestV) || (v === bestV && times[i]! < times[best]!)) {
      best = i;
      bestV = v;
    }
  }
  return best;
}

/** A summary's value as the Value a decoded point of the block would give. */
export function statValue(type: FieldType, v: number | bigint | boolean | string): Value {
  if ((type === FieldType.Integer || type === FieldType.Unsigned) && typeof v === 'number') return BigInt(v);
  return v;
}

// ---------------------------------------------------------------- aggregates over every value

interface Rec {
  t: bigint;
  v: Value;
  aux: readonly Value[] | null;
}

/** Sorts points by value, then time (InfluxDB sorts by value only, leaving ties in no set order). */
function byValue(a: Rec, b: Rec): number {
  return compareValues(a.v, b.v) || (a.t < b.t ? -1 : a.t > b.t ? 1 : 0);
}

type ValuesKind = 'median' | 'mode' | 'stddev' | 'percentile' | 'distinct' | 'countDistinct';

class ValuesAgg extends Agg {
  recs: Rec[] = [];
  constructor(
    type: FieldType,
    private readonly kind: ValuesKind,
    private readonly percentile: number,
    private readonly pointTime: boolean,
  ) {
    super(type);
    if ((kind === 'median' || kind === 'stddev' || kind === 'percentile') && !isNumeric(type)) unsupported(kind, type);
  }
  addPoint(t: bigint, v: Value, aux: readonly Value[] | null): void {
    this.recs.push({ t, v, aux });
  }
  merge(o: ValuesAgg): void {
    for (const r of o.recs) this.recs.push(r);
  }
  get empty(): boolean {
    return this.recs.length === 0;
  }
  result(bucket: bigint): OutPoint[] {
    const a = this.recs;
    switch (this.kind) {
      case 'median':
        return [{ t: bucket, v: median(this.type, a), aux: null }];
      case 'mode':
        return [{ t: bucket, v: mode(this.type, a), aux: null }];
      case 'stddev':
        return [{ t: bucket, v: stddev(a), aux: null }];
      case 'percentile': {
        const i = Math.floor((a.length * this.percentile) / 100 + 0.5) - 1;
        if (i < 0 || i >= a.length) return [];
        const sorted = a.slice().sort(byValue);
        const p = sorted[i]!;
        return [{ t: this.pointTime ? p.t : bucket, v: p.v, aux: p.aux }];
      }
      case 'distinct':
      case 'countDistinct': {
        // Each value with the time it was first seen; InfluxDB emits them ordered by that time.
        // Values first seen at the same time come out of a Go map there, in no set order; Shoal
        // orders them by value.
        const seen = new Map<string | number | bigint | boolean, Rec>();
        for (const r of a) {
          const k = r.v as string | number | bigint | boolean;
          if (!seen.has(k)) seen.set(k, r);
        }
        if (this.kind === 'countDistinct') return [{ t: bucket, v: BigInt(seen.size), aux: null }];
        return [...seen.values()].sort((x, y) => (x.t < y.t ? -1 : x.t > y.t ? 1 : compareValues(x.v, y.v))).map((r) => ({ t: bucket, v: r.v, aux: null }));
      }
    }
  }
}

function median(type: FieldType, a: Rec[]): Value {
  if (a.length === 1) return type === FieldType.Float ? a[0]!.v : Number(a[0]!.v as bigint);
  const s = a.slice().sort(byValue);
  const mid = s.length >> 1;
  if (type === FieldType.Float) {
    if (s.length % 2 === 0) {
      const lo = s[mid - 1]!.v as number;
      const hi = s[mid]!.v as number;
      return lo + (hi - lo) / 2;
    }
    return s[mid]!.v as number;
  }
  if (s.length % 2 === 0) {
    const lo = s[mid - 1]!.v as bigint;
    const hi = s[mid]!.v as bigint;
    return Number(lo) + Number(wrap(type, hi - lo)) / 2;
  }
  return Number(s[mid]!.v as bigint);
}

function mode(type: FieldType, a: Rec[]): Value {
  if (a.length === 1) return a[0]!.v;
  if (type === FieldType.Boolean) {
    let t = 0;
    for (const r of a) if (r.v === true) t++;
    return t >= a.length - t;
  }
  const s = a.slice().sort(byValue);
  let mostFreq = 0;
  let currFreq = 0;
  let currMode = s[0]!.v;
  let mostMode = s[0]!.v;
  let mostTime = s[0]!.t;
  let currTime = s[0]!.t;
  for (const p of s) {
    if (compareValues(p.v, currMode) !== 0) {
      currFreq = 1;
      currMode = p.v;
      currTime = p.t;
      continue;
    }
    currFreq++;
    if (mostFreq > currFreq || (mostFreq === currFreq && currTime > mostTime)) continue;
    mostFreq = currFreq;
    mostMode = p.v;
    mostTime = p.t;
  }
  return mostMode;
}

function stddev(a: Rec[]): Value {
  if (a.length < 2) return null;
  let mean = 0;
  let count = 0;
  for (const r of a) {
    const v = Number(r.v as number | bigint);
    if (Number.isNaN(v)) continue;
    count++;
    mean += (v - mean) / count;
  }
  let variance = 0;
  for (const r of a) {
    const v = Number(r.v as number | bigint);
    if (Number.isNaN(v)) continue;
    const d = v - mean;
    variance += d * d;
  }
  return Math.sqrt(variance / (count - 1));
}

// ---------------------------------------------------------------- top, bottom

class TopBottomAgg extends Agg {
  /** Without grouping arguments: the best `n` points so far. */
  best: Rec[] = [];
  /** With tag arguments: the best point per combination of their values. */
  byTags: Map<string, Rec> | null;
  constructor(
    type: FieldType,
    private readonly top: boolean,
    private readonly n: number,
    /** Indices into the auxiliary values of the arguments that are tags. */
    private readonly tagArgs: readonly number[],
    private readonly ascending: boolean,
  ) {
    super(type);
    if (!isNumeric(type)) unsupported(top ? 'top' : 'bottom', type);
    this.byTags = tagArgs.length > 0 ? new Map() : null;
  }
  /** Rank order: the better point first (higher for top, lower for bottom; then the earlier). */
  private rank = (a: Rec, b: Rec): number => {
    const c = compareValues(a.v, b.v);
    if (c !== 0) return this.top ? -c : c;
    return a.t < b.t ? -1 : a.t > b.t ? 1 : 0;
  };
  addPoint(t: bigint, v: Value, aux: readonly Value[] | null): void {
    const r: Rec = { t, v, aux };
    if (this.byTags !== null) {
      const key = this.tagArgs.map((i) => String(aux?.[i] ?? '')).join('\u0000');
      const cur = this.byTags.get(key);
      // The per-combination aggregate is max() (top) or min() (bottom): ties go to the earlier point.
      if (cur === undefined || this.rank(r, cur) < 0) this.byTags.set(key, r);
      return;
    }
    this.offer(r);
  }
  private offer(r: Rec): void {
    const b = this.best;
    if (b.length === this.n && this.rank(r, b[b.length - 1]!) >= 0) return;
    let i = b.length;
    while (i > 0 && this.rank(r, b[i - 1]!) < 0) i--;
    b.splice(i, 0, r);
    if (b.length > this.n) b.pop();
  }
  merge(o: TopBottomAgg): void {
    if (this.byTags !== null && o.byTags !== null) {
      for (const r of o.byTags.values()) this.addPoint(r.t, r.v, r.aux);
      return;
    }
    for (const r of o.best) this.offer(r);
  }
  get empty(): boolean {
    return this.byTags !== null ? this.byTags.size === 0 : this.best.length === 0;
  }
  result(): OutPoint[] {
    let chosen: Rec[];
    if (this.byTags !== null) chosen = [...this.byTags.values()].sort(this.rank).slice(0, this.n);
    else chosen = this.best.slice();
    // Emitted by time (stable, so equal times keep rank order), as InfluxDB orders top and bottom.
    const dir = this.ascending ? 1 : -1;
    return chosen.map((r, i) => ({ r, i })).sort((x, y) => (x.r.t < y.r.t ? -dir : x.r.t > y.r.t ? dir : x.i - y.i)).map(({ r }) => ({ t: r.t, v: r.v, aux: r.aux }));
  }
}

// ---------------------------------------------------------------- factory

export interface AggOptions {
  /** The selected point's time is reported (a lone selector without GROUP BY time). */
  readonly pointTime: boolean;
  /** Indices of auxiliary values that are tags (top/bottom grouping arguments). */
  readonly tagArgs: readonly number[];
  readonly ascending: boolean;
}

/** A fresh partial for one bucket of a call over a field of `type`; throws for unsupported types. */
export function createAgg(spec: AggSpec, type: FieldType, opts: AggOptions): Agg {
  switch (spec.name) {
    case 'count':
      return spec.countDistinct ? new ValuesAgg(type, 'countDistinct', 0, false) : new CountAgg(type);
    case 'sum':
      return new SumAgg(type);
    case 'mean':
      return new MeanAgg(type);
    case 'spread':
      return new SpreadAgg(type);
    case 'min':
    case 'max':
    case 'first':
    case 'last':
      return new SelectorAgg(type, spec.name, opts.pointTime);
    case 'median':
    case 'mode':
    case 'stddev':
    case 'distinct':
      return new ValuesAgg(type, spec.name, 0, false);
    case 'percentile':
      return new ValuesAgg(type, 'percentile', spec.percentile, opts.pointTime);
    case 'top':
    case 'bottom':
      return new TopBottomAgg(type, spec.name === 'top', spec.n, opts.tagArgs, opts.ascending);
  }
}

/**
 * Whether InfluxDB computes the call in the storage engine, series by series, and merges the
 * series' partials (count, sum, mean, min, max, first, last), rather than feeding every point of a
 * group, merged by time, to one reducer.
 */
export function isPushdown(spec: AggSpec): boolean {
  switch (spec.name) {
    case 'count':
      return !spec.countDistinct;
    case 'sum':
    case 'mean':
    case 'min':
    case 'max':
    case 'first':
    case 'last':
      return true;
    default:
      return false;
  }
}

/** Whether block summaries may stand in for decoded points, with identical results. */
export function usesStats(spec: AggSpec, type: FieldType, pointTime: boolean): boolean {
  switch (spec.name) {
    case 'count':
      return !spec.countDistinct;
    case 'sum':
    case 'mean':
    case 'spread':
      return isNumeric(type);
    case 'first':
    case 'last':
      return true;
    case 'min':
    case 'max':
      // Summaries say what the extreme was, not when: fine unless the point's time is reported.
      return !pointTime && type !== FieldType.String;
    default:
      return false;
  }
}
