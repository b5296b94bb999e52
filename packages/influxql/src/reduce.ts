// Constant folding with InfluxDB's rules: `now() - 1h` becomes a time, `1 + 2` becomes 3,
// `x AND true` becomes x, `'2000-01-01' + 1d` becomes a time, and so on. Whatever cannot be
// folded stays as written. Integer and duration arithmetic wraps at 64 bits as in Go; an integer
// divided by an integer gives a decimal; dividing by zero gives zero.
//
// The folding matches InfluxDB's Reduce for the literal kinds the parser produces; the executor
// uses it on conditions and the time-range extraction uses it on the right side of `time > ...`.

import { INT64_MAX, INT64_MIN } from '@shoal/lineproto';
import type { BinaryOp, Expr, TimeLiteral } from './ast.js';
import { isTimeString, parseTimeString } from './time-literal.js';

export interface ReduceOptions {
  /** The instant now() stands for, in nanoseconds since the epoch; now() stays a call without it. */
  now?: bigint | null;
  /** IANA zone for time strings without an offset (the query's TZ clause). */
  location?: string | null;
}

const wrap64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const wrapU64 = (v: bigint): bigint => BigInt.asUintN(64, v);

const bool = (value: boolean): Expr => ({ kind: 'BooleanLiteral', value });
const num = (value: number): Expr => ({ kind: 'NumberLiteral', value });
const int = (value: bigint): Expr => ({ kind: 'IntegerLiteral', value });
const uint = (value: bigint): Expr => ({ kind: 'UnsignedLiteral', value });
const dur = (value: bigint): Expr => ({ kind: 'DurationLiteral', value });
const time = (value: bigint): TimeLiteral => ({ kind: 'TimeLiteral', value });
const bin = (op: BinaryOp, lhs: Expr, rhs: Expr): Expr => ({ kind: 'BinaryExpr', op, lhs, rhs });

const isTrue = (e: Expr): boolean => e.kind === 'BooleanLiteral' && e.value;
const isFalse = (e: Expr): boolean => e.kind === 'BooleanLiteral' && !e.value;

/** Go's float64 → int64 conversion for the values that occur here: truncation toward zero. */
function truncToInt64(v: number): bigint {
  if (!Number.isFinite(v)) return v > 0 ? INT64_MAX : INT64_MIN;
  return wrap64(BigInt(Math.trunc(v)));
}

function compare<T extends number | bigint>(op: BinaryOp, a: T, b: T): Expr | null {
  switch (op) {
    case '=':
      return bool(a === b);
    case '!=':
      return bool(a !== b);
    case '>':
      return bool(a > b);
    case '>=':
      return bool(a >= b);
    case '<':
      return bool(a < b);
    case '<=':
      return bool(a <= b);
    default:
      return null;
  }
}

/** The time a string names, or null when it is not one. */
function stringAsTime(s: string, o: ReduceOptions): TimeLiteral | null {
  if (!isTimeString(s)) return null;
  try {
    return time(parseTimeString(s, o.location ?? null));
  } catch {
    return null;
  }
}

const folded = (e: Expr): boolean => e.kind !== 'BinaryExpr';

function durationLHS(op: BinaryOp, lhs: bigint, rhs: Expr, o: ReduceOptions): Expr | null {
  switch (rhs.kind) {
    case 'DurationLiteral':
      if (op === '+') return dur(wrap64(lhs + rhs.value));
      if (op === '-') return dur(wrap64(lhs - rhs.value));
      return compare(op, lhs, rhs.value);
    case 'NumberLiteral': {
      const r = truncToInt64(rhs.value);
      if (op === '*') return dur(wrap64(lhs * r));
      if (op === '/') return dur(r === 0n ? 0n : wrap64(lhs / r));
      return null;
    }
    case 'IntegerLiteral':
      if (op === '*') return dur(wrap64(lhs * rhs.value));
      if (op === '/') return dur(rhs.value === 0n ? 0n : wrap64(lhs / rhs.value));
      return null;
    case 'TimeLiteral':
      return op === '+' ? time(rhs.value + lhs) : null;
    case 'StringLiteral': {
      const t = stringAsTime(rhs.value, o);
      if (t === null) return null;
      const r = durationLHS(op, lhs, t, o);
      return r !== null && folded(r) ? r : null;
    }
    case 'NilLiteral':
      return bool(false);
    default:
      return null;
  }
}

function numberLHS(op: BinaryOp, lhs: number, rhs: Expr): Expr | null {
  let r: number;
  switch (rhs.kind) {
    case 'NumberLiteral':
      r = rhs.value;
      break;
    case 'IntegerLiteral':
    case 'UnsignedLiteral':
      r = Number(rhs.value);
      break;
    case 'NilLiteral':
      return bool(false);
    default:
      return null;
  }
  switch (op) {
    case '+':
      return num(lhs + r);
    case '-':
      return num(lhs - r);
    case '*':
      return num(lhs * r);
    case '/':
      return num(r === 0 ? 0 : lhs / r);
    case '%':
      return num(lhs % r);
    default:
      return compare(op, lhs, r);
  }
}

function unsignedLHS(op: BinaryOp, lhs: bigint, rhs: Expr): Expr | null {
  switch (rhs.kind) {
    case 'NumberLiteral':
      return numberLHS(op, Number(lhs), rhs);
    case 'IntegerLiteral':
      // A negative integer compares below every unsigned value without a cast.
      if (rhs.value < 0n) {
        if (op === '<' || op === '<=') return bool(false);
        if (op === '>' || op === '>=') return bool(true);
      }
      return unsignedLHS(op, lhs, uint(wrapU64(rhs.value)));
    case 'UnsignedLiteral': {
      const r = rhs.value;
      switch (op) {
        case '+':
          return uint(wrapU64(lhs + r));
        case '-':
          return uint(wrapU64(lhs - r));
        case '*':
          return uint(wrapU64(lhs * r));
        case '/':
          return uint(r === 0n ? 0n : lhs / r);
        case '%':
          return uint(r === 0n ? 0n : lhs % r);
        default:
          return compare(op, lhs, r);
      }
    }
    default:
      return null;
  }
}

function integerLHS(op: BinaryOp, lhs: bigint, rhs: Expr, o: ReduceOptions): Expr | null {
  switch (rhs.kind) {
    case 'NumberLiteral':
      return numberLHS(op, Number(lhs), rhs);
    case 'IntegerLiteral': {
      const r = rhs.value;
      switch (op) {
        case '+':
          return int(wrap64(lhs + r));
        case '-':
          return int(wrap64(lhs - r));
        case '*':
          return int(wrap64(lhs * r));
        case '/':
          return num(r === 0n ? 0 : Number(lhs) / Number(r));
        case '%':
          return int(r === 0n ? 0n : lhs % r);
        case '&':
          return int(lhs & r);
        case '|':
          return int(lhs | r);
        case '^':
          return int(lhs ^ r);
        default:
          return compare(op, lhs, r);
      }
    }
    case 'UnsignedLiteral':
      if (lhs < 0n) {
        if (op === '<' || op === '<=') return bool(true);
        if (op === '>' || op === '>=') return bool(false);
      }
      return unsignedLHS(op, wrapU64(lhs), rhs);
    case 'DurationLiteral':
      // The integer is a timestamp.
      if (op === '+') return time(lhs + rhs.value);
      if (op === '-') return time(lhs - rhs.value);
      return null;
    case 'TimeLiteral': {
      const r = durationLHS(op, lhs, rhs, o);
      return r !== null && folded(r) ? r : null;
    }
    case 'StringLiteral': {
      const t = stringAsTime(rhs.value, o);
      if (t === null) return null;
      const r = durationLHS(op, lhs, t, o);
      return r !== null && folded(r) ? r : null;
    }
    case 'NilLiteral':
      return bool(false);
    default:
      return null;
  }
}

function timeLHS(op: BinaryOp, lhs: bigint, rhs: Expr, o: ReduceOptions): Expr | null {
  switch (rhs.kind) {
    case 'DurationLiteral':
      if (op === '+') return time(lhs + rhs.value);
      if (op === '-') return time(lhs - rhs.value);
      return null;
    case 'IntegerLiteral': {
      const r = timeLHS(op, lhs, dur(rhs.value), o);
      return r !== null && folded(r) ? r : null;
    }
    case 'TimeLiteral':
      if (op === '-') return dur(wrap64(lhs - rhs.value));
      return compare(op, lhs, rhs.value);
    case 'StringLiteral': {
      const t = stringAsTime(rhs.value, o);
      if (t === null) return null;
      const r = timeLHS(op, lhs, t, o);
      return r !== null && folded(r) ? r : null;
    }
    case 'NilLiteral':
      return bool(false);
    default:
      return null;
  }
}

function stringLHS(op: BinaryOp, lhs: string, rhs: Expr, o: ReduceOptions): Expr | null {
  switch (rhs.kind) {
    case 'StringLiteral': {
      if (op === '=' || op === '!=') {
        // Two time strings compare as times: different spellings of one instant are equal.
        const plain = bool(op === '=' ? lhs === rhs.value : lhs !== rhs.value);
        const a = stringAsTime(lhs, o);
        const b = stringAsTime(rhs.value, o);
        if (a === null || b === null) return plain;
        return compare(op, a.value, b.value) ?? plain;
      }
      if (op === '+') return { kind: 'StringLiteral', value: lhs + rhs.value };
      const t = stringAsTime(lhs, o);
      if (t === null) return null;
      const r = timeLHS(op, t.value, rhs, o);
      return r !== null && folded(r) ? r : null;
    }
    case 'DurationLiteral':
    case 'TimeLiteral':
    case 'IntegerLiteral': {
      const t = stringAsTime(lhs, o);
      if (t === null) return null;
      const r = timeLHS(op, t.value, rhs, o);
      return r !== null && folded(r) ? r : null;
    }
    case 'NilLiteral':
      return op === '=' || op === '!=' ? bool(false) : null;
    default:
      return null;
  }
}

function booleanLHS(op: BinaryOp, lhs: boolean, rhs: Expr): Expr | null {
  if (rhs.kind === 'NilLiteral') return bool(false);
  if (rhs.kind !== 'BooleanLiteral') return null;
  const r = rhs.value;
  switch (op) {
    case '=':
      return bool(lhs === r);
    case '!=':
    case '^':
      return bool(lhs !== r);
    case 'AND':
    case '&':
      return bool(lhs && r);
    case 'OR':
    case '|':
      return bool(lhs || r);
    default:
      return null;
  }
}

function reduceBinary(op: BinaryOp, lhsIn: Expr, rhsIn: Expr, o: ReduceOptions): Expr {
  const lhs = reduceInner(lhsIn, o);
  const rhs = reduceInner(rhsIn, o);

  if (op === 'AND') {
    if (isFalse(lhs) || isFalse(rhs)) return bool(false);
    if (isTrue(lhs)) return rhs;
    if (isTrue(rhs)) return lhs;
  } else if (op === 'OR') {
    if (isTrue(lhs) || isTrue(rhs)) return bool(true);
    if (isFalse(lhs)) return rhs;
    if (isFalse(rhs)) return lhs;
  }

  let r: Expr | null = null;
  switch (lhs.kind) {
    case 'BooleanLiteral':
      r = booleanLHS(op, lhs.value, rhs);
      break;
    case 'DurationLiteral':
      r = durationLHS(op, lhs.value, rhs, o);
      break;
    case 'IntegerLiteral':
      r = integerLHS(op, lhs.value, rhs, o);
      break;
    case 'UnsignedLiteral':
      r = unsignedLHS(op, lhs.value, rhs);
      break;
    case 'NilLiteral':
      r = op === '=' || op === '!=' ? bool(false) : null;
      break;
    case 'NumberLiteral':
      r = numberLHS(op, lhs.value, rhs);
      break;
    case 'StringLiteral':
      r = stringLHS(op, lhs.value, rhs, o);
      break;
    case 'TimeLiteral':
      r = timeLHS(op, lhs.value, rhs, o);
      break;
  }
  return r ?? bin(op, lhs, rhs);
}

function reduceInner(e: Expr, o: ReduceOptions): Expr {
  switch (e.kind) {
    case 'BinaryExpr':
      return reduceBinary(e.op, e.lhs, e.rhs, o);
    case 'Call': {
      const args = e.args.map((a) => reduceInner(a, o));
      if (e.name === 'now' && args.length === 0 && o.now !== undefined && o.now !== null) return time(o.now);
      return { kind: 'Call', name: e.name, args };
    }
    case 'ParenExpr': {
      const inner = reduceInner(e.expr, o);
      return inner.kind === 'BinaryExpr' ? { kind: 'ParenExpr', expr: inner } : inner;
    }
    default:
      // Leaves (literals, references) are never changed once parsed, so the result shares them
      // with the input instead of copying them: a copy per leaf per query was most of the cost
      // of splitting a WHERE clause.
      return e;
  }
}

/** Folds constants in `expr`; a top-level parenthesis is dropped. The input is not modified (the result may share its leaves). */
export function reduce(expr: Expr, options: ReduceOptions = {}): Expr {
  const e = reduceInner(expr, options);
  return e.kind === 'ParenExpr' ? e.expr : e;
}
