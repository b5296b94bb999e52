// Evaluating InfluxQL expressions on values, with InfluxDB's rules (influxql.ValuerEval).
//
// Values carry their InfluxQL type in their JS type: floats are numbers, integers bigints,
// strings, booleans, and null for a missing value. The rules, briefly:
// - arithmetic on a float and an integer is float; on two integers it is integer, wrapping at 64
//   bits as Go does, except `/`, which divides as floats where InfluxDB does so (SELECT fields);
//   dividing or taking the remainder by zero gives zero;
// - a comparison of incomparable values is false, arithmetic on them is null;
// - null beside a boolean counts as false (so `missing AND true` is false, not null);
// - strings compare and concatenate; `=~` and `!~` match a string against a regex.

import { INT64_MAX, INT64_MIN } from '@shoal/lineproto';
import type { BinaryOp, DataType, Expr, RegexLiteral } from '../ast.js';
import { formatExpr } from '../format.js';
import { compileRegex } from '../regex.js';
import { applyMath, isMathFunction } from './math.js';
import type { Value } from './result.js';

/** Supplies the value of an identifier; undefined when it has none (a missing field or tag). */
export type Valuer = (name: string, cast: DataType) => Value | undefined;

export interface EvalOptions {
  /** Integer / integer gives a float (SELECT fields) rather than an integer (conditions). */
  readonly integerFloatDivision?: boolean;
}

const regexCache = new WeakMap<RegexLiteral, RegExp>();

/** The compiled form of a regex literal, compiled once per tree node. */
export function regexOf(lit: RegexLiteral): RegExp {
  let re = regexCache.get(lit);
  if (re === undefined) {
    re = compileRegex(lit.pattern);
    regexCache.set(lit, re);
  }
  return re;
}

export function regexTest(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  return re.test(s);
}

const wrap64 = (v: bigint): bigint => BigInt.asIntN(64, v);

/** Go's float64 → int64 conversion, for casts: truncation, saturating outside the range. */
export function floatToInt64(v: number): bigint | null {
  if (Number.isNaN(v)) return null;
  if (v >= 9223372036854775807) return INT64_MAX;
  if (v <= -9223372036854775808) return INT64_MIN;
  return BigInt(Math.trunc(v));
}

/** Applies a `::type` cast to a value read for a field, as InfluxDB's iterators cast. */
export function castValue(v: Value, cast: DataType): Value {
  switch (cast) {
    case 'float':
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      return null;
    case 'integer':
    case 'unsigned':
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number') return floatToInt64(v);
      return null;
    case 'string':
      return typeof v === 'string' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    default:
      return v;
  }
}

/** The value of `expr`; null when it has none. */
export function evaluate(expr: Expr, valuer: Valuer, opts: EvalOptions = {}): Value {
  switch (expr.kind) {
    case 'VarRef': {
      const v = valuer(expr.name, expr.dataType);
      return v === undefined ? null : v;
    }
    case 'ParenExpr':
      return evaluate(expr.expr, valuer, opts);
    case 'NumberLiteral':
      return expr.value;
    case 'IntegerLiteral':
    case 'UnsignedLiteral':
    case 'DurationLiteral':
    case 'TimeLiteral':
      return expr.value;
    case 'StringLiteral':
      return expr.value;
    case 'BooleanLiteral':
      return expr.value;
    case 'BinaryExpr':
      return evalBinary(expr.op, expr.lhs, expr.rhs, valuer, opts);
    case 'Call':
      return isMathFunction(expr.name) ? applyMath(expr.name, expr.args.map((a) => evaluate(a, valuer, opts))) : null;
    default:
      return null;
  }
}

/** True when the condition holds; anything but the boolean true fails it. */
export function evalBool(expr: Expr, valuer: Valuer, opts: EvalOptions = {}): boolean {
  return evaluate(expr, valuer, opts) === true;
}

function evalBinary(op: BinaryOp, lhsExpr: Expr, rhsExpr: Expr, valuer: Valuer, opts: EvalOptions): Value {
  let lhs = evaluate(lhsExpr, valuer, opts);
  if (op === '=~' || op === '!~') {
    if (rhsExpr.kind !== 'RegexLiteral' || typeof lhs !== 'string') return false;
    const m = regexTest(regexOf(rhsExpr), lhs);
    return op === '=~' ? m : !m;
  }
  let rhs = evaluate(rhsExpr, valuer, opts);
  if (lhs === null && typeof rhs === 'boolean') lhs = false;
  else if (rhs === null && typeof lhs === 'boolean') rhs = false;
  return binaryValues(op, lhs, rhs, opts.integerFloatDivision === true);
}

/** `lhs op rhs` on two values (exported for the aggregate math of SELECT rows). */
export function binaryValues(op: BinaryOp, lhs: Value, rhs: Value, integerFloatDivision: boolean): Value {
  if (typeof lhs === 'boolean' && typeof rhs === 'boolean') {
    switch (op) {
      case 'AND':
        return lhs && rhs;
      case 'OR':
        return lhs || rhs;
      case '=':
        return lhs === rhs;
      case '!=':
        return lhs !== rhs;
      case '&':
        return lhs && rhs;
      case '|':
        return lhs || rhs;
      case '^':
        return lhs !== rhs;
      default:
        return incomparable(op);
    }
  }
  if (typeof lhs === 'bigint' && typeof rhs === 'bigint') return integerOp(op, lhs, rhs, integerFloatDivision);
  if ((typeof lhs === 'number' || typeof lhs === 'bigint') && (typeof rhs === 'number' || typeof rhs === 'bigint')) {
    return floatOp(op, Number(lhs), Number(rhs));
  }
  if (typeof lhs === 'string' && typeof rhs === 'string') {
    switch (op) {
      case '=':
        return lhs === rhs;
      case '!=':
        return lhs !== rhs;
      case '<':
        return lhs < rhs;
      case '<=':
        return lhs <= rhs;
      case '>':
        return lhs > rhs;
      case '>=':
        return lhs >= rhs;
      case '+':
        return lhs + rhs;
      default:
        return incomparable(op);
    }
  }
  return incomparable(op);
}

function incomparable(op: BinaryOp): Value {
  switch (op) {
    case '=':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
    case '=~':
    case '!~':
    case 'AND':
    case 'OR':
      return false;
    default:
      return null;
  }
}

function floatOp(op: BinaryOp, a: number, b: number): Value {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? 0 : a / b;
    case '%':
      return a % b;
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return incomparable(op);
  }
}

function integerOp(op: BinaryOp, a: bigint, b: bigint, integerFloatDivision: boolean): Value {
  switch (op) {
    case '+':
      return wrap64(a + b);
    case '-':
      return wrap64(a - b);
    case '*':
      return wrap64(a * b);
    case '/':
      if (integerFloatDivision) return b === 0n ? 0 : Number(a) / Number(b);
      return b === 0n ? 0n : wrap64(a / b);
    case '%':
      return b === 0n ? 0n : a % b;
    case '&':
      return wrap64(a & b);
    case '|':
      return wrap64(a | b);
    case '^':
      return wrap64(a ^ b);
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return incomparable(op);
  }
}

/** The identifiers an expression reads, in order of first appearance. */
export function varRefs(expr: Expr, out: Array<{ name: string; dataType: DataType }> = []): Array<{ name: string; dataType: DataType }> {
  switch (expr.kind) {
    case 'VarRef':
      if (!out.some((r) => r.name === expr.name && r.dataType === expr.dataType)) out.push({ name: expr.name, dataType: expr.dataType });
      break;
    case 'BinaryExpr':
      varRefs(expr.lhs, out);
      varRefs(expr.rhs, out);
      break;
    case 'ParenExpr':
      varRefs(expr.expr, out);
      break;
    case 'Call':
      for (const a of expr.args) varRefs(a, out);
      break;
    default:
      break;
  }
  return out;
}

/** For error messages. */
export function exprText(expr: Expr): string {
  return formatExpr(expr);
}
