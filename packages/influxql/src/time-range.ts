// Splitting a WHERE condition into the time range it selects and the rest of the condition,
// the way InfluxDB 1.x does before it touches any shard.
//
// Every comparison of `time` with a value (`time > now() - 1h`, `'2000-01-01' <= time`,
// `time = 1700000000000000000`) leaves the condition and narrows the range; everything else stays.
// InfluxDB intersects the ranges of all time comparisons whether they were joined by AND or by OR
// ("there is no such thing as using OR with a time range"), so `time < 1 OR host = 'a'` selects
// nothing before 1 and keeps `host = 'a'` as the condition. That is what `timeRange` does by default
// for compatibility; `{ timeInOr: 'error' }` refuses such conditions instead, with the message older
// InfluxDB versions gave: "cannot use OR with time conditions".

import { MAX_TIME_NS, MIN_TIME_NS } from '@shoal/lineproto';
import type { BinaryOp, Expr } from './ast.js';
import { formatExpr } from './format.js';
import { reduce } from './reduce.js';
import { formatRFC3339, isTimeString, parseTimeString } from './time-literal.js';

/** The earliest and latest time a point may have; re-exported so the engine's users need one import. */
export { MAX_TIME_NS, MIN_TIME_NS };

/** An unsupported time condition, worded as InfluxDB words it. */
export class TimeConditionError extends Error {
  override readonly name = 'TimeConditionError';
}

export interface TimeRangeOptions {
  /** IANA zone for time strings without an offset (the query's TZ clause). */
  location?: string | null;
  /** What to do with a time comparison under OR: intersect like InfluxDB (default) or refuse. */
  timeInOr?: 'intersect' | 'error';
}

export interface TimeRange {
  /** Inclusive lower bound in ns; MIN_TIME_NS when the condition sets none. */
  minNs: bigint;
  /** Inclusive upper bound in ns; MAX_TIME_NS when the condition sets none. */
  maxNs: bigint;
  /** Whether the condition set a lower bound. */
  hasMin: boolean;
  /** Whether the condition set an upper bound (InfluxDB then defaults to now() for GROUP BY time). */
  hasMax: boolean;
  /** The condition without its time comparisons; null when nothing else remains. */
  condition: Expr | null;
}

interface Bounds {
  min: bigint | null;
  max: bigint | null;
}

const NO_BOUNDS: Bounds = { min: null, max: null };

function intersect(a: Bounds, b: Bounds): Bounds {
  return {
    min: b.min !== null && (a.min === null || b.min > a.min) ? b.min : a.min,
    max: b.max !== null && (a.max === null || b.max < a.max) ? b.max : a.max,
  };
}

const FLIPPED: Partial<Record<BinaryOp, BinaryOp>> = { '>': '<', '<': '>', '>=': '<=', '<=': '>=' };

const isTimeRef = (e: Expr): boolean => e.kind === 'VarRef' && e.name.toLowerCase() === 'time';

/** The bounds `time <op> value` sets. */
function comparisonBounds(op: BinaryOp, value: Expr, now: bigint, o: TimeRangeOptions): Bounds {
  let rhs = value;
  if (rhs.kind === 'StringLiteral' && isTimeString(rhs.value)) {
    try {
      rhs = { kind: 'TimeLiteral', value: parseTimeString(rhs.value, o.location ?? null) };
    } catch (err) {
      throw new TimeConditionError((err as Error).message);
    }
  }
  rhs = reduce(rhs, { now, location: o.location ?? null });

  let t: bigint;
  switch (rhs.kind) {
    case 'TimeLiteral':
      if (rhs.value > MAX_TIME_NS) throw new TimeConditionError(`time ${formatRFC3339(rhs.value)} overflows time literal`);
      if (rhs.value < MIN_TIME_NS + 1n) {
        throw new TimeConditionError(`time ${formatRFC3339(rhs.value)} underflows time literal`);
      }
      t = rhs.value;
      break;
    case 'DurationLiteral':
    case 'IntegerLiteral':
      t = rhs.value;
      break;
    case 'NumberLiteral':
      t = Number.isFinite(rhs.value) ? BigInt(Math.trunc(rhs.value)) : rhs.value > 0 ? MAX_TIME_NS : MIN_TIME_NS;
      break;
    default:
      throw new TimeConditionError(`invalid operation: time and *influxql.${rhs.kind} are not compatible`);
  }

  switch (op) {
    case '>':
      return { min: t + 1n, max: null };
    case '>=':
      return { min: t, max: null };
    case '<':
      return { min: null, max: t - 1n };
    case '<=':
      return { min: null, max: t };
    case '=':
      return { min: t, max: t };
    default:
      throw new TimeConditionError(`invalid time comparison operator: ${op}`);
  }
}

function split(cond: Expr, now: bigint, o: TimeRangeOptions): [Expr | null, Bounds] {
  switch (cond.kind) {
    case 'BinaryExpr': {
      if (cond.op === 'AND' || cond.op === 'OR') {
        const [lhs, lhsBounds] = split(cond.lhs, now, o);
        const [rhs, rhsBounds] = split(cond.rhs, now, o);
        if (cond.op === 'OR' && o.timeInOr === 'error') {
          const set = (b: Bounds): boolean => b.min !== null || b.max !== null;
          if (set(lhsBounds) || set(rhsBounds)) throw new TimeConditionError('cannot use OR with time conditions');
        }
        const bounds = intersect(lhsBounds, rhsBounds);
        if (rhs === null) return [lhs, bounds];
        if (lhs === null) return [rhs, bounds];
        return [reduce({ kind: 'BinaryExpr', op: cond.op, lhs, rhs }), bounds];
      }
      if (isTimeRef(cond.lhs)) return [null, comparisonBounds(cond.op, cond.rhs, now, o)];
      if (isTimeRef(cond.rhs)) return [null, comparisonBounds(FLIPPED[cond.op] ?? cond.op, cond.lhs, now, o)];
      return [reduce(cond, { now, location: o.location ?? null }), NO_BOUNDS];
    }
    case 'ParenExpr': {
      const [inner, bounds] = split(cond.expr, now, o);
      if (inner === null) return [null, bounds];
      const kept = inner.kind === 'BinaryExpr' ? ({ kind: 'ParenExpr', expr: inner } as const) : inner;
      return [kept, bounds];
    }
    case 'BooleanLiteral':
      return [cond, NO_BOUNDS];
    default:
      throw new TimeConditionError(`invalid condition expression: ${formatExpr(cond)}`);
  }
}

/**
 * The time range a WHERE condition selects and the condition that remains, with now() at `nowNs`.
 * Throws TimeConditionError with InfluxDB's wording for time comparisons it cannot use.
 */
export function timeRange(condition: Expr | null, nowNs: bigint, options: TimeRangeOptions = {}): TimeRange {
  let rest: Expr | null = null;
  let bounds = NO_BOUNDS;
  if (condition !== null) [rest, bounds] = split(condition, nowNs, options);
  if (rest !== null && rest.kind === 'ParenExpr') rest = rest.expr;
  if (rest !== null && rest.kind === 'BooleanLiteral' && rest.value) rest = null;
  return {
    minNs: bounds.min ?? MIN_TIME_NS,
    maxNs: bounds.max ?? MAX_TIME_NS,
    hasMin: bounds.min !== null,
    hasMax: bounds.max !== null,
    condition: rest,
  };
}
