// Executing a SELECT: resolve the sources (measurements, regexes, subqueries) and the shards they
// live in, expand wildcards, then per measurement run one map/reduce pipeline per function call
// (or one for the raw columns) and join the pipelines' points by group and time into rows, as
// InfluxDB's cursors do. Output is streamed as series pieces of bounded size.

import { FieldType } from '@shoal/lineproto';
import type { Expr, Measurement, SelectStatement, VarRef } from '../ast.js';
import { formatExpr as formatKey } from '../format.js';
import { MAX_TIME_NS, MIN_TIME_NS } from '../time-range.js';
import type { StatementContext } from './context.js';
import { ERR_DATABASE_NAME_REQUIRED, QueryError, QueryLimitError, databaseNotFound } from './errors.js';
import { indexPredicate, seriesCondition, type IsField } from './condition.js';
import { binaryValues, regexOf, regexTest } from './eval.js';
import { applyMath, isMathFunction } from './math.js';
import type { ShardReader } from './ports.js';
import { compareStrings, type ResultSeries, type Value } from './result.js';
import { mapShards } from './shards.js';
import { type OutPoint } from './select/aggregates.js';
import { mapShard, resolveRef, type MapBatch, type MapRequest } from './select/map.js';
import {
  auxRefsOf,
  bucketCount,
  callSpec,
  compileSelect,
  expandFields,
  isSelector,
  outputColumns,
  topLevelCalls,
  type CallSpec,
  type CompiledSelect,
  type SourceSchema,
} from './select/plan.js';
import { reduceCall, type GroupPoints } from './select/reduce.js';
import { subquerySource } from './select/subquery.js';

/** One measurement a SELECT reads, wherever it lives. */
export interface MeasurementSource {
  readonly name: string;
  readonly shards: readonly ShardReader[];
  readonly fields: ReadonlyMap<string, FieldType>;
  readonly tagKeys: ReadonlySet<string>;
  /** Named by a regex source: InfluxDB merges (and re-reduces) its measurements once more. */
  readonly viaRegex?: boolean;
  /** A subquery's output: InfluxDB reduces its points directly, with no per-series partials. */
  readonly subquery?: boolean;
}

/** Rows per emitted series piece; executeQuery re-cuts pieces for chunked responses. */
const PIECE_ROWS = 4096;

/** The range the shards must cover: the statement's, widened for transformations. */
function readRange(c: CompiledSelect): { minNs: bigint; maxNs: bigint } {
  const extra = c.interval.durationNs * BigInt(c.extraIntervals);
  if (extra === 0n) return { minNs: c.minNs, maxNs: c.maxNs };
  if (c.ascending) return { minNs: c.minNs - extra < MIN_TIME_NS ? MIN_TIME_NS : c.minNs - extra, maxNs: c.maxNs };
  return { minNs: c.minNs, maxNs: c.maxNs + extra > MAX_TIME_NS ? MAX_TIME_NS : c.maxNs + extra };
}

/** InfluxDB's normalizeMeasurement: the database and policy a source names or defaults to. */
function normalize(m: Measurement, ctx: StatementContext): { db: string; rp: string } {
  if (m.name === '' && m.regex === null) throw new QueryError('invalid measurement');
  const db = m.database !== '' ? m.database : ctx.db;
  if (db === '') throw new QueryError(ERR_DATABASE_NAME_REQUIRED);
  const info = ctx.ports.catalog.database(db);
  if (info === undefined) throw databaseNotFound(db);
  let rp = m.retentionPolicy;
  if (rp === '') {
    rp = ctx.rp !== '' ? ctx.rp : info.defaultRetentionPolicy;
    if (rp === '') throw new QueryError(`default retention policy not set for: ${info.name}`);
  }
  return { db, rp };
}

/** The measurements of the statement's sources, merged by name, sorted by name. */
async function resolveSources(c: CompiledSelect, ctx: StatementContext): Promise<MeasurementSource[]> {
  const byName = new Map<string, { shards: ShardReader[]; fields: Map<string, FieldType>; tagKeys: Set<string>; viaRegex: boolean; subquery: boolean }>();
  const add = (
    name: string,
    shards: readonly ShardReader[],
    fields: ReadonlyMap<string, FieldType>,
    tagKeys: Iterable<string>,
    how: { viaRegex?: boolean; subquery?: boolean },
  ): void => {
    let m = byName.get(name);
    if (m === undefined) byName.set(name, (m = { shards: [], fields: new Map(), tagKeys: new Set(), viaRegex: false, subquery: false }));
    if (how.viaRegex) m.viaRegex = true;
    if (how.subquery) m.subquery = true;
    for (const s of shards) if (!m.shards.includes(s)) m.shards.push(s);
    for (const [k, t] of fields) if (!m.fields.has(k)) m.fields.set(k, t);
    for (const k of tagKeys) m.tagKeys.add(k);
  };
  const range = readRange(c);
  for (const src of c.stmt.sources) {
    if (src.kind === 'SubQuery') {
      for (const m of await subquerySource(src.statement, c, ctx)) add(m.name, m.shards, m.fields, m.tagKeys, { subquery: true });
      continue;
    }
    const { db, rp } = normalize(src, ctx);
    const shards = mapShards(ctx.ports, db, rp, range.minNs, range.maxNs).map((s) => s.reader);
    let names: string[];
    if (src.regex !== null) {
      const re = regexOf(src.regex);
      const all = new Set<string>();
      for (const s of shards) for (const n of s.index.measurements()) if (regexTest(re, n)) all.add(n);
      names = [...all];
    } else names = [src.name];
    for (const name of names) {
      const tagKeys = new Set<string>();
      for (const s of shards) for (const k of s.index.tagKeys(name)) tagKeys.add(k);
      add(name, shards, ctx.ports.catalog.fields(db, name), tagKeys, { viaRegex: src.regex !== null });
    }
  }
  return [...byName.entries()].sort((a, b) => compareStrings(a[0], b[0])).map(([name, m]) => ({ name, ...m }));
}

/**
 * The groups SLIMIT and SOFFSET let through, or undefined when the statement has neither. As in
 * InfluxDB they count the tag sets the index holds for the condition, in ascending order of their
 * tag values whatever the ORDER BY (a descending query shows the first N groups, last first);
 * unlike InfluxDB, which counts them shard by shard, they count the tag sets of all the shards read.
 */
function limitedGroups(c: CompiledSelect, src: MeasurementSource, dims: readonly string[]): ReadonlySet<string> | undefined {
  if (c.slimit === 0 && c.soffset === 0) return undefined;
  const isField: IsField = (ref) => ref.dataType !== 'tag' && src.fields.has(ref.name);
  const predicate = indexPredicate(c.condition, isField);
  const keys = new Set<string>();
  if (predicate !== null) {
    for (const shard of src.shards) {
      for (const id of shard.index.match(src.name, predicate)) {
        const meta = shard.index.getById(id);
        if (meta === undefined || seriesCondition(c.condition, meta.tags, isField) === false) continue;
        keys.add(dims.map((d) => meta.tags.find(([k]) => k === d)?.[1] ?? '').join('\u0000'));
      }
    }
  }
  const sorted = [...keys].sort(compareStrings);
  return new Set(sorted.slice(c.soffset, c.slimit > 0 ? c.soffset + c.slimit : undefined));
}

/** The GROUP BY tag keys of one measurement, sorted. */
function dimsFor(c: CompiledSelect, tagKeys: ReadonlySet<string>): string[] {
  const out = new Set<string>(c.dims.tags);
  if (c.dims.wildcard) for (const k of tagKeys) out.add(k);
  for (const re of c.dims.regexes) for (const k of tagKeys) if (regexTest(regexOf(re), k)) out.add(k);
  return [...out].sort(compareStrings);
}

/** Evaluates one output column from a row's call values and auxiliary values. */
type ColumnEval = (calls: readonly Value[], aux: readonly Value[] | null) => Value;

function columnEvaluator(expr: Expr, callIndex: ReadonlyMap<string, number>, auxRefs: readonly VarRef[], callKey: (e: Expr) => string): ColumnEval {
  switch (expr.kind) {
    case 'Call': {
      if (isMathFunction(expr.name)) {
        const args = expr.args.map((a) => columnEvaluator(a, callIndex, auxRefs, callKey));
        const name = expr.name;
        return (calls, aux) => applyMath(name, args.map((f) => f(calls, aux)));
      }
      const i = callIndex.get(callKey(expr));
      return (calls) => (i === undefined ? null : calls[i]!);
    }
    case 'Distinct': {
      const i = callIndex.get(callKey(expr));
      return (calls) => (i === undefined ? null : calls[i]!);
    }
    case 'VarRef': {
      const i = auxRefs.findIndex((r) => r.name === expr.name && r.dataType === expr.dataType);
      const j = i >= 0 ? i : auxRefs.findIndex((r) => r.name === expr.name);
      return (_calls, aux) => (j < 0 || aux === null ? null : (aux[j] ?? null));
    }
    case 'ParenExpr':
      return columnEvaluator(expr.expr, callIndex, auxRefs, callKey);
    case 'BinaryExpr': {
      const l = columnEvaluator(expr.lhs, callIndex, auxRefs, callKey);
      const r = columnEvaluator(expr.rhs, callIndex, auxRefs, callKey);
      const op = expr.op;
      return (calls, aux) => binaryValues(op, l(calls, aux), r(calls, aux), true);
    }
    case 'NumberLiteral':
    case 'IntegerLiteral':
    case 'UnsignedLiteral':
    case 'DurationLiteral':
    case 'TimeLiteral':
    case 'StringLiteral':
    case 'BooleanLiteral': {
      const v = expr.value;
      return () => v;
    }
    default:
      return () => null;
  }
}

class StreamHead {
  batch: GroupPoints | null = null;
  pos = 0;
  done = false;
  constructor(private readonly it: AsyncIterator<GroupPoints>) {}
  async load(): Promise<void> {
    while (!this.done && (this.batch === null || this.pos >= this.batch.points.length)) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        this.batch = null;
      } else {
        this.batch = r.value;
        this.pos = 0;
      }
    }
  }
  head(): OutPoint | undefined {
    return this.done ? undefined : this.batch!.points[this.pos];
  }
  async close(): Promise<void> {
    if (!this.done) await this.it.return?.(undefined);
    this.done = true;
  }
}

export interface JoinSpec {
  readonly name: string;
  readonly columns: readonly string[];
  readonly evals: readonly ColumnEval[];
  readonly withTags: boolean;
  readonly ascending: boolean;
  readonly timeZone: string | null;
}

/**
 * Joins the call streams of one measurement into rows, as InfluxDB's multi-scanner cursor: the
 * next row is at the smallest (group, time) among the streams' heads, and takes one point from
 * each stream that has one there.
 */
async function* joinRows(streams: ReadonlyArray<AsyncGenerator<GroupPoints>>, spec: JoinSpec): AsyncGenerator<ResultSeries> {
  const heads = streams.map((s) => new StreamHead(s));
  try {
    for (const h of heads) await h.load();
    let groupKey: string | undefined;
    let groupTags: Readonly<Record<string, string>> = {};
    let rows: Value[][] = [];
    const piece = (): ResultSeries => ({
      name: spec.name,
      ...(spec.withTags ? { tags: groupTags } : {}),
      columns: spec.columns,
      values: rows,
      timeColumn: true,
      ...(spec.timeZone !== null ? { timeZone: spec.timeZone } : {}),
    });
    for (;;) {
      let key: string | undefined;
      for (const h of heads) {
        if (h.done) continue;
        const k = h.batch!.key;
        if (key === undefined || (spec.ascending ? compareStrings(k, key) < 0 : compareStrings(k, key) > 0)) key = k;
      }
      if (key === undefined) break;
      if (key !== groupKey) {
        if (rows.length > 0) yield piece();
        rows = [];
        groupKey = key;
        groupTags = heads.find((h) => !h.done && h.batch!.key === key)!.batch!.tags;
      }
      if (joinGroupRows(heads, key, spec, rows) === JOIN_LOAD) {
        for (const h of heads) if (!h.done && h.pos >= h.batch!.points.length) await h.load();
      }
      if (rows.length >= PIECE_ROWS) {
        yield piece();
        rows = [];
      }
    }
    if (rows.length > 0) yield piece();
  } finally {
    for (const h of heads) await h.close();
  }
}

/** joinGroupRows stopped because a stream used up its batch: the caller loads it. */
const JOIN_LOAD = 0;
/** joinGroupRows stopped at PIECE_ROWS rows, or because no stream has a point of the group left. */
const JOIN_STOP = 1;

/**
 * Adds rows of group `key` while every stream's next point is at hand. The per-row work lives
 * here rather than in joinRows because V8 compiles an async generator's loop late and at great
 * cost (tens of milliseconds on the two shared cores, competing with the query being answered);
 * a plain function is compiled once, small. Every loaded stream of the group has a point at hand
 * (StreamHead.load), so the first row always comes out.
 */
function joinGroupRows(heads: readonly StreamHead[], key: string, spec: JoinSpec, rows: Value[][]): number {
  for (;;) {
    let t: bigint | undefined;
    for (const h of heads) {
      if (h.done || h.batch!.key !== key) continue;
      const p = h.head()!;
      if (t === undefined || (spec.ascending ? p.t < t : p.t > t)) t = p.t;
    }
    if (t === undefined) return JOIN_STOP;
    const values: Value[] = [];
    let aux: readonly Value[] | null = null;
    let usedUp = false;
    for (const h of heads) {
      const p = !h.done && h.batch!.key === key ? h.head() : undefined;
      if (p !== undefined && p.t === t) {
        values.push(p.v);
        if (aux === null) aux = p.aux;
        h.pos++;
        if (h.pos >= h.batch!.points.length) usedUp = true;
      } else values.push(null);
    }
    const row: Value[] = [t];
    for (const ev of spec.evals) {
      const v = ev(values, aux);
      row.push(typeof v === 'number' && Number.isNaN(v) ? null : v);
    }
    rows.push(row);
    if (usedUp) return JOIN_LOAD;
    if (rows.length >= PIECE_ROWS) return JOIN_STOP;
  }
}

export interface SelectOptions {
  /** Use block summaries where they give identical results (default true; tests turn it off to compare). */
  readonly useBlockStats?: boolean;
  /**
   * first()/last() without GROUP BY time read only each series' first point or summary in their
   * direction (default true; tests turn it off to compare with reading rows in batches).
   */
  readonly firstLastEarlyStop?: boolean;
}

/** A SELECT's output as series pieces (consecutive pieces of one series share name and tags). */
export async function* executeSelect(stmt: SelectStatement, ctx: StatementContext, opts: SelectOptions = {}): AsyncGenerator<ResultSeries> {
  const c = compileSelect(stmt, { nowNs: ctx.nowNs });
  yield* runCompiled(c, ctx, opts);
}

/** Runs a compiled SELECT (also used for subqueries, compiled against their parent). */
export async function* runCompiled(c: CompiledSelect, ctx: StatementContext, opts: SelectOptions = {}): AsyncGenerator<ResultSeries> {
  if (ctx.limits.maxBuckets > 0 && !isRawStatement(c)) {
    const n = bucketCount(c);
    if (n > BigInt(ctx.limits.maxBuckets)) throw new QueryLimitError(`max-select-buckets limit exceeded: (${n}/${ctx.limits.maxBuckets})`);
  }
  const sources = await resolveSources(c, ctx);
  if (!c.ascending) sources.reverse();

  const schemaFields = new Map<string, FieldType>();
  const schemaTags = new Set<string>();
  for (const s of sources) {
    for (const [k, t] of s.fields) if (!schemaFields.has(k)) schemaFields.set(k, t);
    for (const k of s.tagKeys) schemaTags.add(k);
  }
  const schema: SourceSchema = { fields: schemaFields, tagKeys: schemaTags };
  const dimExclusions = new Set(dimsFor(c, schemaTags));
  expandFields(c, schema, dimExclusions);
  if (c.fields.length === 0) return;

  const calls = topLevelCalls(c.fields);
  const aux = auxRefsOf(c.fields);
  const { names: columns, exprs } = outputColumns(c);
  const selector = calls.length === 1 && isSelector(calls[0]!);
  const specs: CallSpec[] =
    calls.length === 0
      ? [{ key: '', agg: null, field: { kind: 'VarRef', name: '', dataType: 'unknown' }, transforms: [], auxRefs: aux, pointTime: true, fill: false, minNs: c.minNs, maxNs: c.maxNs }]
      : calls.map((call) => callSpec(call, c, selector, aux));
  const callIndex = new Map(specs.map((s, i) => [s.key, i]));
  const auxOf = specs.length === 1 ? specs[0]!.auxRefs : aux;
  const evals = exprs.map((e) => columnEvaluator(e, callIndex, auxOf, (x) => keyOf(x)));
  const raw = calls.length === 0;
  const rowsPerGroup = raw && c.limit > 0 ? c.offset + c.limit : 0;

  for (const src of sources) {
    const dims = dimsFor(c, src.tagKeys);
    const groups = limitedGroups(c, src, dims);
    const streams = specs.map((spec, specIndex) => {
      const main = raw ? null : spec.field;
      let inputType: FieldType = FieldType.Float;
      if (main !== null) {
        const r = resolveRef(main, src.fields, src.tagKeys);
        if (r.kind !== 'field') return emptyStream();
        inputType = castTypeOf(r.cast) ?? r.type;
      }
      const req: MapRequest = {
        measurement: src.name,
        fields: src.fields,
        tagKeys: src.tagKeys,
        condition: c.condition,
        dims,
        interval: c.interval,
        ascending: c.ascending,
        minNs: spec.minNs,
        maxNs: spec.maxNs,
        main,
        aux: spec.auxRefs,
        ...(spec.agg === null ? {} : { agg: spec.agg }),
        pointTime: spec.pointTime,
        rowsPerGroup,
        useBlockStats: opts.useBlockStats ?? true,
        firstLastEarlyStop: opts.firstLastEarlyStop ?? true,
        countSeries: specIndex === 0,
        perSeries: src.subquery !== true,
        ...(groups === undefined ? {} : { groups }),
      };
      const maps: Array<AsyncGenerator<MapBatch>> = src.shards.map((shard) => mapShard(shard, req, ctx.budget));
      return reduceCall(maps, {
        call: spec,
        // The statement's own reduce, and for a regex source the measurement's; a subquery's
        // points get one reduce, which the merge of its one shard stands for.
        levels: src.subquery === true ? 0 : src.viaRegex === true ? 2 : 1,
        inputType,
        interval: c.interval,
        ascending: c.ascending,
        fill: c.fill,
        fillValue: c.fillValue,
        limit: c.limit,
        offset: c.offset,
      });
    });
    yield* joinRows(streams, {
      name: src.name,
      columns,
      evals,
      withTags: dims.length > 0,
      ascending: c.ascending,
      timeZone: c.stmt.location,
    });
    ctx.budget.check();
  }
}

function isRawStatement(c: CompiledSelect): boolean {
  return topLevelCalls(c.fields).length === 0 && !c.fields.some((f) => f.expr.kind === 'Call');
}

function keyOf(e: Expr): string {
  const call = e.kind === 'Distinct' ? { kind: 'Call' as const, name: 'distinct', args: [{ kind: 'VarRef' as const, name: e.name, dataType: 'unknown' as const }] } : e;
  return formatKey(call);
}

function castTypeOf(cast: string): FieldType | undefined {
  switch (cast) {
    case 'float':
      return FieldType.Float;
    case 'integer':
      return FieldType.Integer;
    case 'unsigned':
      return FieldType.Unsigned;
    case 'string':
      return FieldType.String;
    case 'boolean':
      return FieldType.Boolean;
    default:
      return undefined;
  }
}

async function* emptyStream(): AsyncGenerator<GroupPoints> {}
