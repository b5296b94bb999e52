// Reading the GROUP BY time(...) clause of a SELECT.

import type { SelectStatement } from './ast.js';

export class GroupByError extends Error {
  override readonly name = 'GroupByError';
}

/**
 * The interval of GROUP BY time(interval[, offset]) in nanoseconds, or 0n without one. Throws
 * GroupByError with InfluxDB's message when the time() dimension is malformed.
 */
export function groupByInterval(stmt: SelectStatement): bigint {
  for (const d of stmt.dimensions) {
    const e = d.expr;
    if (e.kind !== 'Call' || e.name !== 'time') continue;
    if (e.args.length < 1 || e.args.length > 2) {
      throw new GroupByError('time dimension expected 1 or 2 arguments');
    }
    const arg = e.args[0]!;
    if (arg.kind !== 'DurationLiteral') throw new GroupByError('time dimension must have duration argument');
    return arg.value;
  }
  return 0n;
}
