// SELECT INTO: the SELECT runs as usual and its rows are written back through the node's write
// path, as InfluxDB's statement executor does (coordinator.StatementExecutor.writeInto and
// convertRowToPoints): a row's GROUP BY tags become the point's tags, every other non-null column
// a field — tags selected as columns are written as string fields — and the statement answers
// one row, `result` with the count written at time 0.

import { FieldType, INT64_MAX, formatPoint, type Point } from '@shoal/lineproto';
import type { Measurement, SelectStatement, Source } from '../ast.js';
import { cloneNode } from '../walk.js';
import type { StatementContext } from './context.js';
import { ERR_DATABASE_NAME_REQUIRED, QueryError, databaseNotFound } from './errors.js';
import type { WritePort } from './ports.js';
import { compareStrings, type ResultSeries, type Value } from './result.js';
import { executeSelect } from './select.js';

/** Points sent to the write path at a time. */
const POINTS_PER_WRITE = 5000;

/** The database and policy a measurement of the statement names, filled in as InfluxDB normalizes it. */
function normalized(m: Measurement, ctx: StatementContext): { database: string; retentionPolicy: string } {
  const database = m.database !== '' ? m.database : ctx.db;
  if (database === '') throw new QueryError(ERR_DATABASE_NAME_REQUIRED);
  const info = ctx.ports.catalog.database(database);
  if (info === undefined) throw databaseNotFound(database);
  let retentionPolicy = m.retentionPolicy;
  if (retentionPolicy === '') {
    retentionPolicy = ctx.rp !== '' ? ctx.rp : info.defaultRetentionPolicy;
    if (retentionPolicy === '') throw new QueryError(`default retention policy not set for: ${info.name}`);
  }
  return { database, retentionPolicy };
}

/**
 * The statement as InfluxDB prints it in its read-only warning: after normalization, every
 * source and the target name their database and retention policy.
 */
export function normalizedSelect(stmt: SelectStatement, ctx: StatementContext): SelectStatement {
  const copy = cloneNode(stmt);
  const fill = (s: SelectStatement): void => {
    for (const src of s.sources as Source[]) {
      if (src.kind === 'SubQuery') fill(src.statement);
      else Object.assign(src, normalized(src, ctx));
    }
    if (s.target !== null) Object.assign(s.target.measurement, normalized(s.target.measurement, ctx));
  };
  fill(copy);
  return copy;
}

function fieldOf(name: string, v: Value): Point['fields'][number] | null {
  switch (typeof v) {
    case 'number':
      return [name, FieldType.Float, v];
    case 'bigint':
      return [name, v > INT64_MAX ? FieldType.Unsigned : FieldType.Integer, v];
    case 'string':
      return [name, FieldType.String, v];
    case 'boolean':
      return [name, FieldType.Boolean, v];
    default:
      return null;
  }
}

/** One line per row of the piece; rows that cannot be stored (no field, a name line protocol cannot carry) are dropped. */
function linesOf(piece: ResultSeries, measurement: string): string[] {
  const timeIndex = piece.columns.indexOf('time');
  if (timeIndex < 0) throw new QueryError('error finding time index in result');
  const tags = Object.entries(piece.tags ?? {})
    .filter(([, v]) => v !== '')
    .sort((a, b) => compareStrings(a[0], b[0]));
  const out: string[] = [];
  for (const row of piece.values) {
    const fields: Point['fields'] = [];
    for (let i = 0; i < piece.columns.length; i++) {
      if (i === timeIndex) continue;
      const f = fieldOf(piece.columns[i]!, row[i]!);
      if (f !== null) fields.push(f);
    }
    try {
      out.push(formatPoint({ measurement, tags, fields, time: row[timeIndex] as bigint }));
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
    }
  }
  return out;
}

/** Runs a SELECT with an INTO clause: the rows are written, the answer is how many. */
export async function* executeSelectInto(stmt: SelectStatement, ctx: StatementContext): AsyncGenerator<ResultSeries> {
  const writes: WritePort | undefined = ctx.ports.writes;
  if (writes === undefined) throw new QueryError('SELECT INTO is not supported yet by this server');
  const target = stmt.target!.measurement;
  const { database, retentionPolicy } = normalized(target, ctx);
  let written = 0;
  let pending: string[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const lines = pending;
    pending = [];
    const r = await writes.writeLines(database, retentionPolicy, lines.join('\n'));
    if (r.dropped > 0) throw new QueryError(`partial write: ${r.dropReason ?? 'points refused'} dropped=${r.dropped}`);
    written += lines.length;
  };
  for await (const piece of executeSelect(stmt, ctx)) {
    for (const line of linesOf(piece, target.name !== '' ? target.name : piece.name)) pending.push(line);
    if (pending.length >= POINTS_PER_WRITE) await flush();
  }
  await flush();
  yield { name: 'result', columns: ['time', 'written'], values: [[0n, BigInt(written)]], timeColumn: true };
}
