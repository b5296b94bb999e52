// The entry point the HTTP layer calls: run a query's statements one after another and hand back
// InfluxDB's response documents, streamed when the request asked for chunks.
//
// Semantics follow InfluxDB 1.x's query.Executor and HTTP handler:
// - statements run in order; after a failing statement the rest are answered `not executed`,
//   with InfluxDB 1.6's numbering (see notExecutedIds);
// - without `chunked`, one document holds every statement's result, each series whole;
// - with `chunked`, every series is cut into pieces of at most `chunkSize` rows and each piece is
//   its own document; `partial: true` marks a series that continues in the next document and a
//   statement result that more documents follow for, so the last document of a statement has
//   neither;
// - a GET (readOnly) that changes state gets InfluxDB's deprecation warning.

import type { Statement, StatementKind } from '../ast.js';
import { formatStatement } from '../format.js';
import type { Params } from '../params.js';
import { parseQuery } from '../parser.js';
import { QueryBudget, resolveLimits, type CancelSignal, type StatementContext } from './context.js';
import { ERR_NOT_EXECUTED, QueryError, statementErrorText } from './errors.js';
import { executeMetaStatement } from './meta.js';
import type { QueryPorts } from './ports.js';
import type { Message, ResultDocument, ResultSeries, StatementResult } from './result.js';
import { executeSelect } from './select.js';
import { executeSelectInto, normalizedSelect } from './select-into.js';

export interface QueryOptions {
  /** The `db` parameter: database of statements and sources that name none. */
  readonly db?: string;
  /** The `rp` parameter: retention policy of sources that name none. */
  readonly rp?: string;
  /** The `params` parameter, already parsed from JSON. */
  readonly params?: Params;
  /** `chunked=true`: one document per piece of at most `chunkSize` rows. */
  readonly chunked?: boolean;
  /** `chunk_size`; InfluxDB's default is 10000. */
  readonly chunkSize?: number;
  /** now() in nanoseconds; the wall clock when absent. */
  readonly now?: bigint;
  /** The request was a GET: state-changing statements get a deprecation warning. */
  readonly readOnly?: boolean;
  /** Aborts the query once set (the client went away); an AbortSignal will do. */
  readonly signal?: CancelSignal;
}

export const DEFAULT_CHUNK_SIZE = 10_000;

const READ_ONLY_KINDS = new Set<StatementKind>([
  'SelectStatement',
  'ShowDatabasesStatement',
  'ShowMeasurementsStatement',
  'ShowTagKeysStatement',
  'ShowTagValuesStatement',
  'ShowFieldKeysStatement',
  'ShowSeriesStatement',
  'ShowSeriesCardinalityStatement',
  'ShowMeasurementCardinalityStatement',
  'ShowTagKeyCardinalityStatement',
  'ShowFieldKeyCardinalityStatement',
  'ShowTagValuesCardinalityStatement',
  'ShowRetentionPoliciesStatement',
  'ShowShardsStatement',
  'ShowShardGroupsStatement',
  'ShowUsersStatement',
  'ShowGrantsForUserStatement',
  'ShowQueriesStatement',
  'ShowContinuousQueriesStatement',
  'ShowSubscriptionsStatement',
  'ShowStatsStatement',
  'ShowDiagnosticsStatement',
  'ExplainStatement',
]);

/** Whether a statement sent with GET gets InfluxDB's deprecation warning. */
function warnsWhenReadOnly(stmt: Statement): boolean {
  if (stmt.kind === 'SelectStatement') return stmt.target !== null;
  // InfluxDB 1.6.7 runs DELETE from a GET without the warning it gives DROP SERIES (del-get-warns).
  if (stmt.kind === 'DeleteSeriesStatement') return false;
  return !READ_ONLY_KINDS.has(stmt.kind);
}

/** `CREATE USER`, `SHOW STATS`...: how an unsupported statement is named in its error. */
function statementName(stmt: Statement): string {
  const words = stmt.kind
    .replace(/Statement$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
  return words;
}

/**
 * The pieces of series a statement produces, in order. A series may arrive in several pieces;
 * consecutive pieces with the same name and tags belong to one series.
 */
async function* runStatement(stmt: Statement, ctx: StatementContext): AsyncGenerator<ResultSeries> {
  if (stmt.kind === 'SelectStatement') {
    if (stmt.target !== null) yield* executeSelectInto(stmt, ctx);
    else yield* executeSelect(stmt, ctx);
    return;
  }
  const meta = await executeMetaStatement(stmt, ctx);
  if (meta !== undefined) {
    yield* meta.series;
    return;
  }
  switch (stmt.kind) {
    case 'ShowUsersStatement':
      // Shoal has no users yet; InfluxDB lists them in one unnamed series.
      yield { name: '', columns: ['user', 'admin'], values: [] };
      return;
    case 'ShowContinuousQueriesStatement':
      for (const db of ctx.ports.catalog.databases()) yield { name: db.name, columns: ['name', 'query'], values: [] };
      return;
    case 'ShowSubscriptionsStatement':
      return;
    default:
      throw new QueryError(`${statementName(stmt)} is not supported yet by this server`);
  }
}

function sameSeries(a: ResultSeries, b: ResultSeries): boolean {
  if (a.name !== b.name) return false;
  const at = a.tags ?? {};
  const bt = b.tags ?? {};
  const ak = Object.keys(at);
  if (ak.length !== Object.keys(bt).length) return false;
  return ak.every((k) => at[k] === bt[k]);
}

/** Cuts a piece into pieces of at most `size` rows, marking all but the last partial. */
function* cut(piece: ResultSeries, size: number, continues: boolean): Generator<ResultSeries> {
  if (piece.values.length <= size) {
    yield continues ? { ...piece, partial: true } : withoutPartial(piece);
    return;
  }
  for (let i = 0; i < piece.values.length; i += size) {
    const last = i + size >= piece.values.length;
    const part: ResultSeries = { ...piece, values: piece.values.slice(i, i + size) };
    yield last && !continues ? withoutPartial(part) : { ...part, partial: true };
  }
}

function withoutPartial(s: ResultSeries): ResultSeries {
  if (!s.partial) return s;
  const { partial: _partial, ...rest } = s;
  return rest;
}

/** Series pieces of a statement re-cut so that none exceeds `size` rows, partial where the series goes on. */
async function* pieces(source: AsyncIterable<ResultSeries>, size: number): AsyncGenerator<ResultSeries> {
  let pending: ResultSeries | undefined;
  for await (const s of source) {
    if (pending !== undefined) yield* cut(pending, size, sameSeries(pending, s));
    pending = s;
  }
  if (pending !== undefined) yield* cut(pending, size, false);
}

/**
 * The ids InfluxDB 1.6 answers `not executed` after statement `failed` of `count` fails. Its
 * executor numbers them from the failed statement itself and stops one short of the last, so the
 * failed statement's own error is replaced by `not executed` when more statements follow, and the
 * last statement gets no result at all (`a; bad; c` answers 0, then 1: not executed).
 */
export function notExecutedIds(failed: number, count: number): number[] {
  const ids: number[] = [];
  for (let i = failed; i < count - 1; i++) ids.push(i);
  return ids;
}

/**
 * Runs every statement of the query and yields response documents: one at the end without
 * `chunked`, one per piece of at most `chunkSize` rows with it.
 *
 * A query that does not parse throws ParseError from the first `next()`, before any document:
 * answer it with HTTP 400 and `{"error": err.message}`.
 */
export async function* executeQuery(query: string | readonly Statement[], opts: QueryOptions, ports: QueryPorts): AsyncGenerator<ResultDocument> {
  const statements = typeof query === 'string' ? parseQuery(query, opts.params === undefined ? {} : { params: opts.params }) : query;
  const startedMs = Date.now();
  const nowNs = opts.now ?? BigInt(startedMs) * 1_000_000n;
  const limits = resolveLimits(ports.limits);
  const chunked = opts.chunked === true;
  const chunkSize = opts.chunkSize !== undefined && opts.chunkSize > 0 ? opts.chunkSize : DEFAULT_CHUNK_SIZE;
  const collected: StatementResult[] = [];

  for (let id = 0; id < statements.length; id++) {
    const stmt = statements[id]!;
    const ctx: StatementContext = {
      ports,
      db: opts.db ?? '',
      rp: opts.rp ?? '',
      nowNs,
      limits,
      budget: new QueryBudget(limits, startedMs, opts.signal),
    };
    let messages: Message[] | undefined;
    if (opts.readOnly && warnsWhenReadOnly(stmt)) {
      let text: string;
      try {
        // InfluxDB prints the statement after filling in databases and policies.
        text = formatStatement(stmt.kind === 'SelectStatement' ? normalizedSelect(stmt, ctx) : stmt);
      } catch {
        // The statement fails below with this error; a failed statement carries no warning.
        text = formatStatement(stmt);
      }
      messages = [{ level: 'warning', text: `deprecated use of '${text}' in a read only context, please use a POST request instead` }];
    }
    const base = (r: Omit<StatementResult, 'statementId' | 'messages'>, first: boolean): StatementResult => ({
      statementId: id,
      ...r,
      ...(first && messages !== undefined ? { messages } : {}),
    });

    if (!chunked) {
      const series: ResultSeries[] = [];
      try {
        for await (const piece of runStatement(stmt, ctx)) {
          const last = series[series.length - 1];
          if (last !== undefined && sameSeries(last, piece)) last.values.push(...piece.values);
          else series.push({ ...withoutPartial(piece), values: piece.values.slice() });
        }
        collected.push(base(series.length > 0 ? { series } : {}, true));
      } catch (err) {
        // InfluxDB sends a failed statement's error without its warnings.
        collected.push(base({ error: statementErrorText(err) }, false));
        for (const n of notExecutedIds(id, statements.length)) {
          // InfluxDB's handler merges results by statement id; an error replaces the result before it.
          const r: StatementResult = { statementId: n, error: ERR_NOT_EXECUTED };
          if (collected[collected.length - 1]!.statementId === n) collected[collected.length - 1] = r;
          else collected.push(r);
        }
        break;
      }
      continue;
    }

    // Chunked: hold one document back to learn whether it is the statement's last.
    let held: ResultSeries | undefined;
    let first = true;
    try {
      for await (const piece of pieces(runStatement(stmt, ctx), chunkSize)) {
        if (held !== undefined) {
          yield { results: [base({ series: [held], partial: true }, first)] };
          first = false;
        }
        held = piece;
      }
      yield { results: [base(held === undefined ? {} : { series: [held] }, first)] };
    } catch (err) {
      if (held !== undefined) {
        yield { results: [base({ series: [held], partial: true }, first)] };
        first = false;
      }
      yield { results: [base({ error: statementErrorText(err) }, false)] };
      for (const n of notExecutedIds(id, statements.length)) yield { results: [{ statementId: n, error: ERR_NOT_EXECUTED }] };
      break;
    }
  }
  if (!chunked) yield { results: collected };
}
