// Splitting a WHERE condition (without its time comparisons) between the series index and the
// points: which series can match at all (a tag predicate the index evaluates), and, per series,
// what is left to check on each point once the series' tag values are known.

import type { BinaryExpr, Expr, VarRef } from '../ast.js';
import { evaluate, regexOf } from './eval.js';
import type { TagPredicate } from './ports.js';
import type { Value } from './result.js';

/** Whether an identifier in a condition names a field (true) or a tag (false). */
export type IsField = (ref: VarRef) => boolean;

type Pred = TagPredicate | 'all' | 'none';

/**
 * A predicate every matching series satisfies (a superset of the matches when the condition also
 * tests fields): undefined for "every series", null for "no series".
 */
export function indexPredicate(cond: Expr | null, isField: IsField): TagPredicate | undefined | null {
  if (cond === null) return undefined;
  const p = toPredicate(cond, isField);
  return p === 'all' ? undefined : p === 'none' ? null : p;
}

function toPredicate(e: Expr, isField: IsField): Pred {
  switch (e.kind) {
    case 'ParenExpr':
      return toPredicate(e.expr, isField);
    case 'BooleanLiteral':
      return e.value ? 'all' : 'none';
    case 'BinaryExpr':
      return binaryPredicate(e, isField);
    default:
      return 'all';
  }
}

function binaryPredicate(e: BinaryExpr, isField: IsField): Pred {
  if (e.op === 'AND' || e.op === 'OR') {
    const a = toPredicate(e.lhs, isField);
    const b = toPredicate(e.rhs, isField);
    if (e.op === 'AND') {
      if (a === 'none' || b === 'none') return 'none';
      if (a === 'all') return b;
      if (b === 'all') return a;
      return { op: 'and', left: a, right: b };
    }
    if (a === 'all' || b === 'all') return 'all';
    if (a === 'none') return b;
    if (b === 'none') return a;
    return { op: 'or', left: a, right: b };
  }
  const tagRef = (x: Expr): VarRef | null => (x.kind === 'VarRef' && !isField(x) ? x : null);
  if (e.op === '=' || e.op === '!=') {
    const l = tagRef(e.lhs);
    if (l !== null && e.rhs.kind === 'StringLiteral') return { op: e.op, key: l.name, value: e.rhs.value };
    const r = tagRef(e.rhs);
    if (r !== null && e.lhs.kind === 'StringLiteral') return { op: e.op, key: r.name, value: e.lhs.value };
    return 'all';
  }
  if (e.op === '=~' || e.op === '!~') {
    const l = tagRef(e.lhs);
    if (l !== null && e.rhs.kind === 'RegexLiteral') {
      return { op: e.op, key: l.name, regex: regexOf(e.rhs) };
    }
    return 'all';
  }
  return 'all';
}

/**
 * The condition with the series' tag values put in for its tag identifiers and folded: true
 * (every point of the series matches), false (none does) or what remains to test on each point.
 * A tag the series lacks has the value ''.
 */
export function seriesCondition(cond: Expr | null, tags: ReadonlyArray<readonly [string, string]>, isField: IsField): Expr | boolean {
  if (cond === null) return true;
  const out = substitute(cond, tags, isField);
  if (out.kind === 'BooleanLiteral') return out.value;
  return out;
}

function tagValue(tags: ReadonlyArray<readonly [string, string]>, key: string): string {
  for (const [k, v] of tags) if (k === key) return v;
  return '';
}

const TRUE: Expr = { kind: 'BooleanLiteral', value: true };
const FALSE: Expr = { kind: 'BooleanLiteral', value: false };

function isLiteral(e: Expr): boolean {
  switch (e.kind) {
    case 'NumberLiteral':
    case 'IntegerLiteral':
    case 'UnsignedLiteral':
    case 'StringLiteral':
    case 'BooleanLiteral':
    case 'DurationLiteral':
    case 'TimeLiteral':
    case 'RegexLiteral':
      return true;
    default:
      return false;
  }
}

function substitute(e: Expr, tags: ReadonlyArray<readonly [string, string]>, isField: IsField): Expr {
  switch (e.kind) {
    case 'VarRef':
      return isField(e) ? e : { kind: 'StringLiteral', value: tagValue(tags, e.name) };
    case 'ParenExpr': {
      const inner = substitute(e.expr, tags, isField);
      return isLiteral(inner) ? inner : { kind: 'ParenExpr', expr: inner };
    }
    case 'BinaryExpr': {
      const lhs = substitute(e.lhs, tags, isField);
      const rhs = substitute(e.rhs, tags, isField);
      if (e.op === 'AND') {
        if (isFalse(lhs) || isFalse(rhs)) return FALSE;
        if (isTrue(lhs)) return rhs;
        if (isTrue(rhs)) return lhs;
      } else if (e.op === 'OR') {
        if (isTrue(lhs) || isTrue(rhs)) return TRUE;
        if (isFalse(lhs)) return rhs;
        if (isFalse(rhs)) return lhs;
      }
      if (isLiteral(lhs) && isLiteral(rhs)) {
        const folded = literalOf(evaluate({ kind: 'BinaryExpr', op: e.op, lhs, rhs }, () => undefined));
        if (folded !== null) return folded;
      }
      return { kind: 'BinaryExpr', op: e.op, lhs, rhs };
    }
    case 'Call': {
      const args = e.args.map((a) => substitute(a, tags, isField));
      if (args.every(isLiteral)) {
        const folded = literalOf(evaluate({ kind: 'Call', name: e.name, args }, () => undefined));
        if (folded !== null) return folded;
      }
      return { kind: 'Call', name: e.name, args };
    }
    default:
      return e;
  }
}

const isTrue = (e: Expr): boolean => e.kind === 'BooleanLiteral' && e.value;
const isFalse = (e: Expr): boolean => e.kind === 'BooleanLiteral' && !e.value;

function literalOf(v: Value): Expr | null {
  switch (typeof v) {
    case 'boolean':
      return v ? TRUE : FALSE;
    case 'string':
      return { kind: 'StringLiteral', value: v };
    case 'number':
      return { kind: 'NumberLiteral', value: v };
    case 'bigint':
      return { kind: 'IntegerLiteral', value: v };
    default:
      return null;
  }
}
