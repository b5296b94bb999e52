// Transformations of a call's point stream, per group, with InfluxDB's rules (query/functions.go):
// derivative and non_negative_derivative, difference and non_negative_difference, moving_average,
// cumulative_sum and elapsed, and integral (a stream reducer over raw points, bucket by bucket). Null points (fill(null) buckets) are skipped, as InfluxDB's stream
// iterators skip them. Integer arithmetic wraps at 64 bits as Go's does.

import { FieldType } from '@shoal/lineproto';
import { unsupportedIteratorType } from '../errors.js';
import type { Value } from '../result.js';
import type { OutPoint } from './aggregates.js';
import { MIN_TIME_NS } from '../../time-range.js';
import { window, type Interval, type TransformSpec } from './plan.js';

export interface Transform {
  push(p: OutPoint): OutPoint[];
  /** The points still held at the end of the group. */
  flush?(): OutPoint[];
}

/** What a transformation may need to know of the statement besides its own arguments. */
export interface TransformContext {
  readonly ascending: boolean;
  readonly interval: Interval;
  /** The statement's time range (InfluxDB's StartTime and EndTime). */
  readonly minNs: bigint;
  readonly maxNs: bigint;
}

const NONE: OutPoint[] = [];

function sub(type: FieldType, a: Value, b: Value): number | bigint {
  if (type === FieldType.Float) return (a as number) - (b as number);
  const d = (a as bigint) - (b as bigint);
  return type === FieldType.Unsigned ? BigInt.asUintN(64, d) : BigInt.asIntN(64, d);
}

class Derivative implements Transform {
  private prev: OutPoint | null = null;
  constructor(
    private readonly type: FieldType,
    private readonly unitNs: bigint,
    private readonly nonNegative: boolean,
    private readonly ascending: boolean,
  ) {}
  push(p: OutPoint): OutPoint[] {
    const prev = this.prev;
    // A joined stream may hold several points at one time: only the first counts.
    if (prev !== null && prev.t === p.t) return NONE;
    this.prev = p;
    if (prev === null) return NONE;
    let diff: number;
    if (this.type === FieldType.Unsigned) {
      const a = p.v as bigint;
      const b = prev.v as bigint;
      diff = a > b ? Number(a - b) : -Number(b - a);
    } else diff = Number(sub(this.type, p.v, prev.v));
    let elapsed = p.t - prev.t;
    if (!this.ascending) elapsed = -elapsed;
    const value = diff / (Number(elapsed) / Number(this.unitNs));
    if (this.nonNegative && diff < 0) return NONE;
    return [{ t: p.t, v: value, aux: null }];
  }
}

class Difference implements Transform {
  private prev: OutPoint | null = null;
  constructor(
    private readonly type: FieldType,
    private readonly nonNegative: boolean,
  ) {}
  push(p: OutPoint): OutPoint[] {
    const prev = this.prev;
    if (prev !== null && prev.t === p.t) return NONE;
    this.prev = p;
    if (prev === null) return NONE;
    if (this.type === FieldType.Unsigned) {
      if (this.nonNegative && (p.v as bigint) < (prev.v as bigint)) return NONE;
      return [{ t: p.t, v: sub(this.type, p.v, prev.v), aux: null }];
    }
    const v = sub(this.type, p.v, prev.v);
    if (this.nonNegative && v < 0) return NONE;
    return [{ t: p.t, v, aux: null }];
  }
}

class MovingAverage implements Transform {
  private readonly buf: Array<number | bigint> = [];
  private pos = 0;
  private fsum = 0;
  private isum = 0n;
  constructor(
    private readonly type: FieldType,
    private readonly n: number,
  ) {}
  push(p: OutPoint): OutPoint[] {
    const float = this.type === FieldType.Float;
    const v = p.v as number | bigint;
    if (this.buf.length < this.n) this.buf.push(v);
    else {
      const old = this.buf[this.pos]!;
      if (float) this.fsum -= old as number;
      else this.isum -= old as bigint;
      this.buf[this.pos] = v;
    }
    if (float) this.fsum += v as number;
    else this.isum += v as bigint;
    this.pos = (this.pos + 1) % this.n;
    if (this.buf.length < this.n) return NONE;
    const sum = float ? this.fsum : Number(this.type === FieldType.Unsigned ? BigInt.asUintN(64, this.isum) : BigInt.asIntN(64, this.isum));
    return [{ t: p.t, v: sum / this.buf.length, aux: null }];
  }
}

class CumulativeSum implements Transform {
  private fsum = 0;
  private isum = 0n;
  constructor(private readonly type: FieldType) {}
  push(p: OutPoint): OutPoint[] {
    if (this.type === FieldType.Float) {
      this.fsum += p.v as number;
      return [{ t: p.t, v: this.fsum, aux: null }];
    }
    this.isum = this.type === FieldType.Unsigned ? BigInt.asUintN(64, this.isum + (p.v as bigint)) : BigInt.asIntN(64, this.isum + (p.v as bigint));
    return [{ t: p.t, v: this.isum, aux: null }];
  }
}

class Elapsed implements Transform {
  private prev: bigint | null = null;
  constructor(private readonly unitNs: bigint) {}
  push(p: OutPoint): OutPoint[] {
    const prev = this.prev;
    this.prev = p.t;
    if (prev === null) return NONE;
    return [{ t: p.t, v: (p.t - prev) / this.unitNs, aux: null }];
  }
}

/** The type of what a transformation emits, given what it reads. */
/**
 * integral(): InfluxDB's integral reducers, rule for rule. The area under the points by the
 * trapezium rule, in units of `unitNs`; with GROUP BY time the area up to a bucket's end is closed
 * by interpolating to it, and the bucket is reported at `window.start` — which, descending, holds
 * the bucket's end (InfluxDB swaps start and end there). Float and integer inputs differ as
 * InfluxDB's do: without GROUP BY time a float integral is reported at 0 and an integer one at the
 * statement's start; after a bucket boundary the integer reducer keeps the previous point's own
 * value but adds the next trapezium with the interpolated value.
 */
class Integral implements Transform {
  private prev: { t: bigint; v: number } | null = null;
  private sum = 0;
  private winStart = 0n;
  private winEnd = 0n;
  private readonly float: boolean;

  constructor(
    type: FieldType,
    private readonly unitNs: bigint,
    private readonly ctx: TransformContext,
  ) {
    this.float = type === FieldType.Float;
  }

  /** Go's IteratorOptions.Window: the whole range without an interval. */
  private bounds(t: bigint): [bigint, bigint] {
    if (this.ctx.interval.durationNs === 0n) return [this.ctx.minNs, this.ctx.maxNs + 1n];
    return window(t, this.ctx.interval);
  }

  private setWindow(t: bigint): void {
    const [a, b] = this.bounds(t);
    if (this.ctx.ascending) [this.winStart, this.winEnd] = [a, b];
    else [this.winEnd, this.winStart] = [a, b];
  }

  push(p: OutPoint): OutPoint[] {
    const pv = typeof p.v === 'bigint' ? Number(p.v) : (p.v as number);
    const prev = this.prev;
    if (prev === null) {
      this.prev = { t: p.t, v: pv };
      if (!this.float || this.ctx.interval.durationNs !== 0n) this.setWindow(p.t);
      if (!this.float && this.winStart === MIN_TIME_NS) this.winStart = 0n;
      return NONE;
    }
    // Points at the time of the previous one replace it.
    if (prev.t === p.t) {
      this.prev = { t: p.t, v: pv };
      return NONE;
    }
    const unit = Number(this.unitNs);
    let value = pv;
    let out: OutPoint[] = NONE;
    const crossed = this.ctx.ascending ? p.t >= this.winEnd : p.t <= this.winEnd;
    if ((!this.float || this.ctx.interval.durationNs !== 0n) && crossed) {
      if (prev.t !== this.winEnd) {
        const m = (pv - prev.v) / Number(p.t - prev.t);
        const edge = m * Number(this.winEnd - prev.t) + prev.v;
        const elapsed = Number(this.winEnd - prev.t) / unit;
        this.sum += 0.5 * (edge + prev.v) * elapsed;
        if (this.float) prev.v = edge;
        else value = edge;
        prev.t = this.winEnd;
      }
      out = [{ t: this.winStart, v: this.sum, aux: null }];
      this.setWindow(p.t);
      this.sum = 0;
    }
    const elapsed = Number(p.t - prev.t) / unit;
    this.sum += 0.5 * ((this.float ? pv : value) + prev.v) * elapsed;
    this.prev = { t: p.t, v: pv };
    return out;
  }

  flush(): OutPoint[] {
    // A last point at the bucket's start encloses no area: InfluxDB drops that bucket.
    if (this.prev === null || this.prev.t === this.winStart) return NONE;
    return [{ t: this.winStart, v: this.sum, aux: null }];
  }
}

export function transformOutputType(spec: TransformSpec, input: FieldType): FieldType {
  switch (spec.name) {
    case 'derivative':
    case 'non_negative_derivative':
    case 'moving_average':
    case 'integral':
      return FieldType.Float;
    case 'elapsed':
      return FieldType.Integer;
    default:
      return input;
  }
}

export function createTransform(spec: TransformSpec, input: FieldType, ctx: TransformContext): Transform {
  const ascending = ctx.ascending;
  const numeric = input === FieldType.Float || input === FieldType.Integer || input === FieldType.Unsigned;
  if (spec.name !== 'elapsed' && !numeric) {
    throw unsupportedIteratorType(spec.name, input);
  }
  switch (spec.name) {
    case 'derivative':
      return new Derivative(input, spec.unitNs, false, ascending);
    case 'non_negative_derivative':
      return new Derivative(input, spec.unitNs, true, ascending);
    case 'difference':
      return new Difference(input, false);
    case 'non_negative_difference':
      return new Difference(input, true);
    case 'moving_average':
      return new MovingAverage(input, spec.n);
    case 'cumulative_sum':
      return new CumulativeSum(input);
    case 'elapsed':
      return new Elapsed(spec.unitNs);
    case 'integral':
      return new Integral(input, spec.unitNs, ctx);
  }
}
