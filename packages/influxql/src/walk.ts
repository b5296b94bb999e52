// Traversing and rewriting syntax trees.

import type { Expr, Node } from './ast.js';

/** The nodes directly below `node`, in source order. */
export function children(node: Node): Node[] {
  switch (node.kind) {
    case 'BinaryExpr':
      return [node.lhs, node.rhs];
    case 'Call':
      return [...node.args];
    case 'ParenExpr':
      return [node.expr];
    case 'Field':
    case 'Dimension':
      return [node.expr];
    case 'Measurement':
      return node.regex !== null ? [node.regex] : [];
    case 'SubQuery':
      return [node.statement];
    case 'Target':
      return [node.measurement];
    case 'SelectStatement': {
      const out: Node[] = [...node.fields];
      if (node.target !== null) out.push(node.target);
      out.push(...node.sources);
      if (node.condition !== null) out.push(node.condition);
      out.push(...node.dimensions, ...node.sortFields);
      return out;
    }
    case 'ExplainStatement':
      return [node.statement];
    case 'CreateContinuousQueryStatement':
      return [node.source];
    case 'DeleteSeriesStatement':
    case 'DropSeriesStatement':
      return node.condition !== null ? [...node.sources, node.condition] : [...node.sources];
    case 'ShowMeasurementsStatement': {
      const out: Node[] = [];
      if (node.source !== null) out.push(node.source);
      if (node.condition !== null) out.push(node.condition);
      return [...out, ...node.sortFields];
    }
    case 'ShowSeriesStatement':
    case 'ShowTagKeysStatement':
    case 'ShowTagValuesStatement': {
      const out: Node[] = [...node.sources];
      if (node.kind === 'ShowTagKeysStatement' && node.tagKeyExpr !== null) out.push(node.tagKeyExpr);
      if (node.kind === 'ShowTagValuesStatement') out.push(node.tagKeyExpr);
      if (node.condition !== null) out.push(node.condition);
      return [...out, ...node.sortFields];
    }
    case 'ShowFieldKeysStatement':
      return [...node.sources, ...node.sortFields];
    case 'ShowSeriesCardinalityStatement':
    case 'ShowMeasurementCardinalityStatement':
    case 'ShowTagKeyCardinalityStatement':
    case 'ShowFieldKeyCardinalityStatement':
    case 'ShowTagValuesCardinalityStatement': {
      const out: Node[] = [...node.sources];
      if (node.kind === 'ShowTagValuesCardinalityStatement') out.push(node.tagKeyExpr);
      if (node.condition !== null) out.push(node.condition);
      return [...out, ...node.dimensions];
    }
    default:
      return [];
  }
}

/**
 * Visits `node` and everything below it depth-first, parents before children. Returning false from
 * `visit` skips the children of that node.
 */
export function walk(node: Node, visit: (n: Node) => boolean | void): void {
  if (visit(node) === false) return;
  for (const c of children(node)) walk(c, visit);
}

/** Visits every expression below (and including) `expr`, parents first; false skips children. */
export function walkExpr(expr: Expr, visit: (e: Expr) => boolean | void): void {
  walk(expr, (n) => visit(n as Expr));
}

/** A deep copy; trees are plain data (bigints included), so structuredClone does it. */
export function cloneNode<T extends Node>(node: T): T {
  return structuredClone(node);
}

/**
 * Rebuilds an expression bottom-up through `fn`, which may return a replacement, the node itself,
 * or null to remove it. A binary expression that loses one side becomes its other side; one that
 * loses both, and a parenthesis that loses its content, are removed too; a call drops removed
 * arguments. The input is not modified.
 */
export function rewriteExpr(expr: Expr, fn: (e: Expr) => Expr | null): Expr | null {
  switch (expr.kind) {
    case 'BinaryExpr': {
      const lhs = rewriteExpr(expr.lhs, fn);
      const rhs = rewriteExpr(expr.rhs, fn);
      if (lhs === null && rhs === null) return null;
      if (lhs === null) return rhs;
      if (rhs === null) return lhs;
      return fn({ kind: 'BinaryExpr', op: expr.op, lhs, rhs });
    }
    case 'ParenExpr': {
      const inner = rewriteExpr(expr.expr, fn);
      return inner === null ? null : fn({ kind: 'ParenExpr', expr: inner });
    }
    case 'Call': {
      const args: Expr[] = [];
      for (const a of expr.args) {
        const r = rewriteExpr(a, fn);
        if (r !== null) args.push(r);
      }
      return fn({ kind: 'Call', name: expr.name, args });
    }
    default:
      return fn(structuredClone(expr));
  }
}

/** True when a comparison anywhere under AND/OR/parentheses has `time` on its left side. */
export function hasTimeExpr(expr: Expr): boolean {
  switch (expr.kind) {
    case 'BinaryExpr':
      if (expr.op === 'AND' || expr.op === 'OR') return hasTimeExpr(expr.lhs) || hasTimeExpr(expr.rhs);
      return expr.lhs.kind === 'VarRef' && expr.lhs.name.toLowerCase() === 'time';
    case 'ParenExpr':
      return hasTimeExpr(expr.expr);
    default:
      return false;
  }
}
