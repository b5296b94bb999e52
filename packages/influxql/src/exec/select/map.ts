// The map side of a SELECT: what one shard contributes to one call (or to the raw columns) of
// one measurement. The shard's series are grouped by the GROUP BY tags (InfluxDB's tag sets, each
// holding its series in series-key order); each group yields, in group order, either raw rows
// merged by time across its series or, per bucket, a partial aggregate. Both follow InfluxDB's
// iterators step by step (merge-order.ts): rows at equal times come in the order its heap gives
// them, and a partial is built as InfluxDB builds it — per series, then merged in its merge
// iterators' order — so that floats come out identical. Partials are merged across shards on the reduce side (reduce.ts); a distributed
// coordinator can run this function next to the shard and ship what it yields.
//
// Memory stays bounded: a group is read bucket by bucket (aggregates) or row by row (raw), with
// at most one chunk buffered per series and field.

import type { DataType, Expr, VarRef } from '../../ast.js';
import { FieldType } from '@shoal/lineproto';
import { indexPredicate, seriesCondition, type IsField } from '../condition.js';
import type { QueryBudget } from '../context.js';
import { castValue, evalBool } from '../eval.js';
import type { BlockSummary, ColumnChunk, FieldChunk, ShardReader } from '../ports.js';
import { compareStrings, type Value } from '../result.js';
import { createAgg, isPushdown, statValue, usesStats, valueOf, type Agg, type OutPoint } from './aggregates.js';
import { heapInit, heapPop, heapPush, parallelMerge, QueuedStream, Buffered, type Less } from './merge-order.js';
import { window, type AggSpec, type Interval } from './plan.js';

/** How an identifier resolves in one measurement. */
export type Resolved =
  | { readonly kind: 'field'; readonly name: string; readonly type: FieldType; readonly cast: DataType }
  | { readonly kind: 'tag'; readonly name: string }
  | { readonly kind: 'none' };

const CAST_TYPES: Partial<Record<DataType, FieldType>> = {
  float: FieldType.Float,
  integer: FieldType.Integer,
  unsigned: FieldType.Unsigned,
  string: FieldType.String,
  boolean: FieldType.Boolean,
};

/**
 * A field of the measurement (fields win over tags of the same name, as in InfluxDB), a tag, or
 * nothing. A cast to another numeric type converts; a cast to an incompatible type reads nothing.
 */
export function resolveRef(ref: { name: string; dataType: DataType }, fields: ReadonlyMap<string, FieldType>, tagKeys: ReadonlySet<string>): Resolved {
  if (ref.dataType === 'tag') return tagKeys.has(ref.name) ? { kind: 'tag', name: ref.name } : { kind: 'none' };
  const type = fields.get(ref.name);
  if (type !== undefined) {
    const want = CAST_TYPES[ref.dataType];
    if (want !== undefined && want !== type) {
      const numeric = (t: FieldType): boolean => t === FieldType.Float || t === FieldType.Integer || t === FieldType.Unsigned;
      if (!(numeric(want) && numeric(type))) return { kind: 'none' };
    }
    return { kind: 'field', name: ref.name, type, cast: ref.dataType };
  }
  if (ref.dataType === 'field' || CAST_TYPES[ref.dataType] !== undefined) return { kind: 'none' };
  return tagKeys.has(ref.name) ? { kind: 'tag', name: ref.name } : { kind: 'none' };
}

/** What a call (or the raw columns of a raw query) reads from one measurement of one shard. */
export interface MapRequest {
  readonly measurement: string;
  readonly fields: ReadonlyMap<string, FieldType>;
  readonly tagKeys: ReadonlySet<string>;
  /** The WHERE condition without time. */
  readonly condition: Expr | null;
  /** GROUP BY tag keys, sorted. */
  readonly dims: readonly string[];
  readonly interval: Interval;
  readonly ascending: boolean;
  readonly minNs: bigint;
  readonly maxNs: bigint;
  /** The field a call reads; null for the raw columns, where every field among `aux` drives the rows. */
  readonly main: VarRef | null;
  /** Values carried per row or selected point. */
  readonly aux: readonly VarRef[];
  /** Aggregate per bucket; undefined yields raw rows. */
  readonly agg?: AggSpec;
  readonly pointTime: boolean;
  /** Raw rows: at most this many per group are needed (OFFSET + LIMIT); 0 for all. */
  readonly rowsPerGroup: number;
  readonly useBlockStats: boolean;
  /** first()/last() without GROUP BY time stop after each series' first point or summary (see firstOrLast). */
  readonly firstLastEarlyStop: boolean;
  /** Count the series read against the series limit (once per statement and shard, not per call). */
  readonly countSeries: boolean;
  /**
   * Reduce a pushed-down call (count, sum, mean...) series by series before merging, as InfluxDB's
   * storage engine does; false for a subquery's output, whose points InfluxDB reduces directly.
   */
  readonly perSeries: boolean;
  /** The only groups to read (SLIMIT/SOFFSET); all when undefined. */
  readonly groups?: ReadonlySet<string>;
}

/** A row: the main field's value (null for the raw columns of a raw query) and the auxiliary values. */
export type RawRow = OutPoint;

export interface Bucket {
  /** The bucket's start (the range's start without GROUP BY time). */
  readonly start: bigint;
  readonly agg: Agg;
}

/** Part of one group's output; consecutive batches may continue the same group. */
export interface MapBatch {
  /** Sorts groups: the GROUP BY tag values in key order, joined by NUL. */
  readonly key: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly rows?: RawRow[];
  readonly buckets?: Bucket[];
}

const ROWS_PER_BATCH = 1024;

// ---------------------------------------------------------------- cursors

/** Reads one field of one series chunk by chunk, point by point. */
class FieldCursor {
  private readonly iter: AsyncIterator<FieldChunk>;
  chunk: ColumnChunk | null = null;
  stats: BlockSummary | null = null;
  i = 0;
  done = false;

  constructor(
    readonly shard: ShardReader,
    readonly seriesId: number,
    readonly field: string,
    readonly minNs: bigint,
    readonly maxNs: bigint,
    readonly descending: boolean,
    readonly withStats: boolean,
    private readonly budget: QueryBudget,
  ) {
    this.iter = shard.readField(seriesId, field, minNs, maxNs, { descending, useBlockStats: withStats })[Symbol.asyncIterator]();
  }

  /** True when a point or summary is at hand without loading anything (the hot path stays synchronous). */
  has(): boolean {
    return this.stats !== null || (this.chunk !== null && this.i < this.chunk.count);
  }

  /** True when a point or summary is at hand; loads the next chunk if needed. */
  async ready(): Promise<boolean> {
    while (!this.done && this.stats === null && (this.chunk === null || this.i >= this.chunk.count)) {
      const r = await this.iter.next();
      if (r.done) {
        this.done = true;
        this.chunk = null;
        break;
      }
      if (r.value.kind === 'stats') {
        this.stats = r.value.stats;
        this.chunk = null;
        await this.budget.addPoints(r.value.stats.count);
      } else {
        this.chunk = r.value.data;
        this.i = 0;
        await this.budget.addPoints(r.value.data.count);
      }
    }
    return !this.done;
  }

  /** The time of the point at hand (or the first time of the summary at hand, in read order). */
  headTime(): bigint {
    if (this.stats !== null) return this.descending ? this.stats.maxTime : this.stats.minTime;
    return this.chunk!.times[this.i]!;
  }

  /** Releases the storage iterator (a LevelDB iterator in tsdb) when reading stops early. */
  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.iter.return?.(undefined);
    }
  }

  /** Replaces the summary at hand by the block's points (for a block that spans buckets). */
  async decodeStats(): Promise<void> {
    const s = this.stats!;
    this.stats = null;
    const parts: ColumnChunk[] = [];
    for await (const c of this.shard.readField(this.seriesId, this.field, s.minTime, s.maxTime, { descending: this.descending })) {
      if (c.kind === 'points') parts.push(c.data);
    }
    if (parts.length === 1) {
      this.chunk = parts[0]!;
      this.i = 0;
      return;
    }
    // The block had no cached overlap when summarized; a write since may split it. Join the parts.
    const times: bigint[] = [];
    const values: Value[] = [];
    for (const p of parts) for (let k = 0; k < p.count; k++) {
      times.push(p.times[k]!);
      values.push(valueOf(p.type, p.values, k));
    }
    this.chunk = { type: s.type, count: times.length, times: BigInt64Array.from(times), values: toColumnValues(s.type, values) };
    this.i = 0;
  }
}

function toColumnValues(type: FieldType, values: Value[]): ColumnChunk['values'] {
  switch (type) {
    case FieldType.Float:
      return Float64Array.from(values as number[]);
    case FieldType.Integer:
      return BigInt64Array.from(values as bigint[]);
    case FieldType.Unsigned:
      return BigUint64Array.from(values as bigint[]);
    case FieldType.Boolean:
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
    default:
      return values as string[];
  }
}

/** Rows of one series: times where any driving field has a value, with companions read at those times. */
class RowReader {
  private readonly before: (a: bigint, b: bigint) => boolean;

  constructor(
    private readonly drivers: FieldCursor[],
    private readonly companions: FieldCursor[],
    descending: boolean,
  ) {
    this.before = descending ? (a, b) => a > b : (a, b) => a < b;
  }

  async close(): Promise<void> {
    for (const c of [...this.drivers, ...this.companions]) await c.close();
  }

  /** Up to `max` rows: [time, driver values..., companion values...]; empty when done. */
  async batch(max: number): Promise<Array<{ t: bigint; vals: Value[] }>> {
    const out: Array<{ t: bigint; vals: Value[] }> = [];
    while (out.length < max) {
      let t: bigint | undefined;
      for (const d of this.drivers) {
        if (!d.has() && !(await d.ready())) continue;
        const h = d.headTime();
        if (t === undefined || this.before(h, t)) t = h;
      }
      if (t === undefined) break;
      const vals: Value[] = [];
      for (const d of this.drivers) {
        if (!d.done && d.chunk !== null && d.i < d.chunk.count && d.chunk.times[d.i] === t) {
          vals.push(valueOf(d.chunk.type, d.chunk.values, d.i));
          d.i++;
        } else vals.push(null);
      }
      for (const c of this.companions) {
        let v: Value = null;
        while (c.has() || (await c.ready())) {
          const h = c.headTime();
          if (this.before(h, t)) {
            c.i++;
            continue;
          }
          if (h === t) {
            v = valueOf(c.chunk!.type, c.chunk!.values, c.i);
            c.i++;
          }
          break;
        }
        vals.push(v);
      }
      out.push({ t, vals });
    }
    return out;
  }
}

// ---------------------------------------------------------------- the map

interface SeriesPlan {
  readonly shard: ShardReader;
  readonly id: number;
  /** The series key, which orders a tag set's series. */
  readonly key: string;
  readonly tags: ReadonlyArray<readonly [string, string]>;
  /** What remains of the condition for this series' points; true when nothing does. */
  readonly cond: Expr | true;
}

function tagOf(tags: ReadonlyArray<readonly [string, string]>, key: string): string {
  for (const [k, v] of tags) if (k === key) return v;
  return '';
}

function fieldRefsOf(e: Expr | true, isField: IsField, out: Set<string>): Set<string> {
  if (e === true) return out;
  switch (e.kind) {
    case 'VarRef':
      if (isField(e)) out.add(e.name);
      break;
    case 'BinaryExpr':
      fieldRefsOf(e.lhs, isField, out);
      fieldRefsOf(e.rhs, isField, out);
      break;
    case 'ParenExpr':
      fieldRefsOf(e.expr, isField, out);
      break;
    case 'Call':
      for (const a of e.args) fieldRefsOf(a, isField, out);
      break;
    default:
      break;
  }
  return out;
}

/**
 * What one shard yields for a request: batches grouped by GROUP BY tags, groups in key order
 * (reversed for ORDER BY time DESC, as InfluxDB orders them).
 */
export async function* mapShard(shard: ShardReader, req: MapRequest, budget: QueryBudget): AsyncGenerator<MapBatch> {
  const isField: IsField = (ref) => ref.dataType !== 'tag' && req.fields.has(ref.name);
  const predicate = indexPredicate(req.condition, isField);
  if (predicate === null) return;
  const main = req.main === null ? null : resolveRef(req.main, req.fields, req.tagKeys);
  if (main !== null && main.kind !== 'field') return;
  const aux = req.aux.map((r) => resolveRef(r, req.fields, req.tagKeys));
  // Rows are driven by fields: without one there is nothing to read.
  if (main === null && !aux.some((a) => a.kind === 'field')) return;

  const ids = shard.index.match(req.measurement, predicate);
  if (req.countSeries) budget.addSeries(ids.length);
  const groups = new Map<string, { tags: Record<string, string>; series: SeriesPlan[] }>();
  for (const id of ids) {
    const meta = shard.index.getById(id);
    if (meta === undefined) continue;
    const sc = seriesCondition(req.condition, meta.tags, isField);
    if (sc === false) continue;
    const key = req.dims.map((d) => tagOf(meta.tags, d)).join('\u0000');
    let g = groups.get(key);
    if (g === undefined) {
      const tags: Record<string, string> = {};
      for (const d of req.dims) tags[d] = tagOf(meta.tags, d);
      groups.set(key, (g = { tags, series: [] }));
    }
    g.series.push({ shard, id, key: meta.key, tags: meta.tags, cond: sc === true ? true : sc });
  }
  const keys = [...groups.keys()].filter((k) => req.groups === undefined || req.groups.has(k)).sort(compareStrings);
  if (!req.ascending) keys.reverse();
  const less = rowLess(req.ascending, auxCompareOrder(req.aux));
  for (const key of keys) {
    const g = groups.get(key)!;
    // A tag set's series in series-key order, reversed for a descending query (TagSet.Reverse).
    const series = g.series.slice().sort((a, b) => compareStrings(a.key, b.key));
    if (!req.ascending) series.reverse();
    if (req.agg === undefined) yield* rawGroup(key, g.tags, series, req, main, aux, isField, less, budget);
    else yield* bucketGroup(key, g.tags, series, req, req.agg, main!, aux, isField, less, budget);
  }
}

/**
 * The order InfluxDB compares auxiliary values in: its query options hold them sorted by name,
 * whatever order the fields name them in.
 */
function auxCompareOrder(aux: readonly VarRef[]): number[] {
  return aux.map((_, i) => i).sort((a, b) => compareStrings(aux[a]!.name, aux[b]!.name) || a - b);
}

/**
 * InfluxDB's sorted-merge comparison of two rows of one group: by time, then by the auxiliary
 * values while both are strings (a tag, a string field); anything else — a number, a null — ends
 * the comparison as "not less", leaving the tie to the heap.
 */
function rowLess(ascending: boolean, auxOrder: readonly number[]): Less<RawRow> {
  return (x, y) => {
    if (x.t !== y.t) return ascending ? x.t < y.t : x.t > y.t;
    const xa = x.aux;
    const ya = y.aux;
    if (xa === null || ya === null || xa.length === 0 || xa.length !== ya.length) return false;
    for (const i of auxOrder) {
      const a = xa[i];
      const b = ya[i];
      if (typeof a !== 'string' || typeof b !== 'string') return false;
      if (a === b) continue;
      return ascending ? compareStrings(a, b) < 0 : compareStrings(a, b) > 0;
    }
    return false;
  };
}

/** The reader of one series' rows, the condition on them, and how to turn one into a RawRow. */
interface RowSource {
  readonly reader: RowReader;
  readonly project: (t: bigint, vals: Value[]) => RawRow;
  readonly test: (vals: Value[]) => boolean;
}

function seriesReader(
  s: SeriesPlan,
  req: MapRequest,
  main: Resolved | null,
  aux: readonly Resolved[],
  isField: IsField,
  budget: QueryBudget,
): RowSource {
  const desc = !req.ascending;
  const driverNames: string[] = [];
  if (main !== null && main.kind === 'field') driverNames.push(main.name);
  else for (const a of aux) if (a.kind === 'field' && !driverNames.includes(a.name)) driverNames.push(a.name);
  const companionNames: string[] = [];
  const want = (n: string): void => {
    if (!driverNames.includes(n) && !companionNames.includes(n)) companionNames.push(n);
  };
  if (main !== null) for (const a of aux) if (a.kind === 'field') want(a.name);
  for (const n of fieldRefsOf(s.cond, isField, new Set())) want(n);
  const cursor = (n: string): FieldCursor => new FieldCursor(s.shard, s.id, n, req.minNs, req.maxNs, desc, false, budget);
  const reader = new RowReader(driverNames.map(cursor), companionNames.map(cursor), desc);
  const at = new Map<string, number>();
  [...driverNames, ...companionNames].forEach((n, i) => at.set(n, i));
  // Where each value of a row comes from, worked out once per series rather than once per row:
  // a field's position among the values read, or (slot -1) a constant — the series' tag value,
  // null for a series without the tag (InfluxDB's nil cursor for a blank tag value), or null.
  const slotOf = (r: Resolved): number => (r.kind === 'field' ? at.get(r.name)! : -1);
  const constantOf = (r: Resolved): Value => (r.kind === 'tag' ? tagOf(s.tags, r.name) || null : null);
  const castOf = (r: Resolved): DataType => (r.kind === 'field' ? r.cast : 'unknown');
  const auxSlots = aux.map(slotOf);
  const auxConstants = aux.map(constantOf);
  const auxCasts = aux.map(castOf);
  const mainSlot = main === null ? -1 : slotOf(main);
  const mainConstant = main === null ? null : constantOf(main);
  const mainCast = main === null ? 'unknown' : castOf(main);
  const project = (t: bigint, vals: Value[]): RawRow => {
    let values: Value[] | null = null;
    if (aux.length > 0) {
      values = new Array<Value>(aux.length);
      for (let i = 0; i < aux.length; i++) {
        const slot = auxSlots[i]!;
        values[i] = slot < 0 ? auxConstants[i]! : castValue(vals[slot]!, auxCasts[i]!);
      }
    }
    return { t, v: mainSlot < 0 ? mainConstant : castValue(vals[mainSlot]!, mainCast), aux: values };
  };
  const cond = s.cond;
  const test =
    cond === true
      ? (): boolean => true
      : (vals: Value[]): boolean =>
          evalBool(cond, (name) => {
            const i = at.get(name);
            return i === undefined ? null : vals[i];
          });
  return { reader, project, test };
}

async function* rawGroup(
  key: string,
  tags: Record<string, string>,
  series: readonly SeriesPlan[],
  req: MapRequest,
  main: Resolved | null,
  aux: readonly Resolved[],
  isField: IsField,
  less: Less<RawRow>,
  budget: QueryBudget,
  rowsPerGroup = req.rowsPerGroup,
): AsyncGenerator<MapBatch> {
  // One buffered batch of rows per series; rows leave in InfluxDB's sorted-merge order.
  const heads = series.map((s) => ({ ...seriesReader(s, req, main, aux, isField, budget), buf: [] as RawRow[], at: 0, done: false }));
  const refill = async (h: (typeof heads)[number]): Promise<void> => {
    while (!h.done && h.at >= h.buf.length) {
      const rows = await h.reader.batch(ROWS_PER_BATCH);
      if (rows.length === 0) {
        h.done = true;
        break;
      }
      h.buf = [];
      h.at = 0;
      for (const r of rows) if (h.test(r.vals)) h.buf.push(h.project(r.t, r.vals));
    }
  };
  try {
    yield* mergeRows(key, tags, heads, refill, less, rowsPerGroup);
  } finally {
    for (const h of heads) await h.reader.close();
  }
}

/**
 * The rows of a group's series merged as InfluxDB's sorted merge iterator merges them: a Go heap
 * of the series, popped for the smallest row and pushed back with the series' next row.
 */
async function* mergeRows<H extends { buf: RawRow[]; at: number; done: boolean }>(
  key: string,
  tags: Record<string, string>,
  heads: H[],
  refill: (h: H) => Promise<void>,
  less: Less<RawRow>,
  rowsPerGroup: number,
): AsyncGenerator<MapBatch> {
  for (const h of heads) await refill(h);
  const itemLess: Less<H> = (a, b) => less(a.buf[a.at]!, b.buf[b.at]!);
  const heap = heads.filter((h) => !h.done);
  heapInit(heap, itemLess);
  let emitted = 0;
  let out: RawRow[] = [];
  while (heap.length > 0) {
    const h = heapPop(heap, itemLess);
    out.push(h.buf[h.at++]!);
    emitted++;
    if (rowsPerGroup > 0 && emitted >= rowsPerGroup) break;
    if (h.at >= h.buf.length) await refill(h);
    if (!h.done) heapPush(heap, h, itemLess);
    if (out.length >= ROWS_PER_BATCH) {
      yield { key, tags, rows: out };
      out = [];
    }
  }
  if (out.length > 0) yield { key, tags, rows: out };
}

/** Feeds one series' points of one bucket into a partial. */
/**
 * Each method comes as a synchronous part that works on what is already loaded and an async one
 * that loads more: a bucket of a dozen points would otherwise cost several promises per series,
 * more than adding its points up. Callers try the synchronous part first.
 */
interface Feeder {
  /** True when the next point is at hand without loading anything. */
  primed(): boolean;
  /** Loads the next point; false when the series has no more. */
  prime(): Promise<boolean>;
  /** The time of the next point (after primed() or prime() said there is one). */
  head(): bigint;
  /**
   * Adds the points at hand with a time in [start, end) to `agg`; true when that finished the
   * bucket (a later point is at hand), false when feed() must load more to know.
   */
  feedAtHand(start: bigint, end: bigint, agg: Agg): boolean;
  /** Adds every (remaining) point with a time in [start, end) to `agg`. */
  feed(start: bigint, end: bigint, agg: Agg): Promise<void>;
  close(): Promise<void>;
}

/** Reads the field column by column and adds runs (or whole blocks by their summaries). */
class ColumnFeeder implements Feeder {
  constructor(private readonly c: FieldCursor) {}

  primed(): boolean {
    return this.c.has();
  }

  prime(): Promise<boolean> {
    return this.c.ready();
  }

  close(): Promise<void> {
    return this.c.close();
  }

  head(): bigint {
    return this.c.headTime();
  }

  feedAtHand(start: bigint, end: bigint, agg: Agg): boolean {
    const c = this.c;
    for (;;) {
      if (c.stats !== null) {
        const s = c.stats;
        if (!(s.minTime >= start && s.maxTime < end && agg.statsFit(s, c.descending))) return false;
        agg.addStats(s);
        c.stats = null;
        continue;
      }
      const chunk = c.chunk;
      if (chunk === null || c.i >= chunk.count) return false;
      const times = chunk.times;
      const from = c.i;
      let to = from;
      while (to < chunk.count && times[to]! >= start && times[to]! < end) to++;
      if (to > from) {
        agg.addColumn(chunk, from, to, c.descending);
        c.i = to;
      }
      if (to < chunk.count) return true;
    }
  }

  async feed(start: bigint, end: bigint, agg: Agg): Promise<void> {
    const c = this.c;
    while (!this.feedAtHand(start, end, agg)) {
      // A summary at hand that does not fit the bucket is replaced by its block's points.
      if (c.stats !== null) await c.decodeStats();
      else if (!(await c.ready())) return;
    }
  }
}

/** Reads rows (main field plus companions), tests the condition, adds main value and aux values. */
class RowFeeder implements Feeder {
  private buf: RawRow[] = [];
  private at = 0;
  private done = false;

  constructor(private readonly src: RowSource) {}

  close(): Promise<void> {
    return this.src.reader.close();
  }

  primed(): boolean {
    return this.at < this.buf.length;
  }

  async prime(): Promise<boolean> {
    while (!this.done && this.at >= this.buf.length) {
      const rows = await this.src.reader.batch(ROWS_PER_BATCH);
      if (rows.length === 0) {
        this.done = true;
        break;
      }
      this.buf = [];
      this.at = 0;
      for (const r of rows) if (this.src.test(r.vals)) this.buf.push(this.src.project(r.t, r.vals));
    }
    return !this.done;
  }

  head(): bigint {
    return this.buf[this.at]!.t;
  }

  feedAtHand(start: bigint, end: bigint, agg: Agg): boolean {
    while (this.at < this.buf.length) {
      const r = this.buf[this.at]!;
      if (r.t < start || r.t >= end) return true;
      if (r.v !== null) agg.addPoint(r.t, r.v, r.aux);
      this.at++;
    }
    return false;
  }

  async feed(start: bigint, end: bigint, agg: Agg): Promise<void> {
    while (!this.feedAtHand(start, end, agg) && (await this.prime()));
  }
}

async function* bucketGroup(
  key: string,
  tags: Record<string, string>,
  series: readonly SeriesPlan[],
  req: MapRequest,
  spec: AggSpec,
  main: Resolved,
  aux: readonly Resolved[],
  isField: IsField,
  less: Less<RawRow>,
  budget: QueryBudget,
): AsyncGenerator<MapBatch> {
  if (main.kind !== 'field') return;
  const desc = !req.ascending;
  // top/bottom group by the tags among their own arguments, which come first among the aux values.
  const tagArgs: number[] = [];
  for (let i = 0; i < spec.extraRefs.length; i++) if (aux[i]?.kind === 'tag') tagArgs.push(i);
  const outType = castType(main);
  const fresh = (): Agg => createAgg(spec, outType, { pointTime: req.pointTime, tagArgs, ascending: req.ascending });
  fresh(); // fails early for unsupported types
  const perSeries = isPushdown(spec) && req.perSeries;
  if (perSeries && (spec.name === 'first' || spec.name === 'last') && req.interval.durationNs === 0n) {
    yield* firstOrLast(key, tags, series, req, spec.name, main, aux, isField, budget, fresh);
    return;
  }
  if (!perSeries && !(tagArgs.length > 0 || spec.name === 'spread')) {
    // InfluxDB feeds every point of the group, merged by time, to one reducer.
    yield* orderedBuckets(key, tags, series, req, main, aux, isField, less, budget, fresh);
    return;
  }
  const stats = req.useBlockStats && main.cast === 'unknown' && usesStats(spec, main.type, req.pointTime);
  const feeders: Feeder[] = series.map((s) => {
    if (s.cond === true && aux.length === 0 && outType === main.type) {
      return new ColumnFeeder(new FieldCursor(s.shard, s.id, main.name, req.minNs, req.maxNs, desc, stats, budget));
    }
    return new RowFeeder(seriesReader(s, req, main, aux, isField, budget));
  });
  try {
    if (perSeries) yield* seriesBuckets(key, tags, feeders, req, fresh);
    else yield* buckets(key, tags, feeders, req, fresh);
  } finally {
    for (const f of feeders) await f.close();
  }
}

/**
 * first() and last() without GROUP BY time, as InfluxDB's storage engine answers them: the tag
 * set's first row of a sorted merge running forwards for first() and backwards for last() (series
 * in key order, reversed backwards). Between series with a point at the same time the merge's
 * order decides, not the reducer's larger-value rule.
 */
async function* firstOrLast(
  key: string,
  tags: Record<string, string>,
  series: readonly SeriesPlan[],
  req: MapRequest,
  name: 'first' | 'last',
  main: Resolved,
  aux: readonly Resolved[],
  isField: IsField,
  budget: QueryBudget,
  fresh: () => Agg,
): AsyncGenerator<MapBatch> {
  const forwards = name === 'first';
  const inKeyOrder = req.ascending ? series : series.slice().reverse();
  const ordered = forwards ? inKeyOrder : inKeyOrder.slice().reverse();
  const dirReq: MapRequest = { ...req, ascending: forwards };
  const less = rowLess(forwards, auxCompareOrder(req.aux));
  if (req.firstLastEarlyStop && main.kind === 'field' && ordered.every((s) => s.cond === true) && aux.every((a) => a.kind !== 'field')) {
    // Fast path. The merge pops one row, so only each series' first row (in the merge's
    // direction) can decide, tie rules included: the heap is built from those heads alone. When a
    // series' rows are just its points of `main` — no condition left on them, no field among the
    // aux values — its first row is the first point or block summary the reader hands out, so
    // reading stops there: last() reads the newest block, first() the oldest, instead of a batch
    // of rows. The heads and the merge are the slow path's, so the answer is the same, byte for
    // byte (select-shard.test.ts compares both).
    const heads: Array<{ buf: RawRow[]; at: number; done: boolean }> = [];
    for (const s of ordered) {
      const row = await firstRow(s, dirReq, main, aux, budget);
      heads.push({ buf: row === null ? [] : [row], at: 0, done: row === null });
    }
    const noMore = async (h: (typeof heads)[number]): Promise<void> => {
      if (h.at >= h.buf.length) h.done = true;
    };
    for await (const batch of mergeRows(key, tags, heads, noMore, less, 1)) {
      const row = batch.rows![0];
      if (row === undefined || row.v === null) continue;
      const agg = fresh();
      agg.addPoint(row.t, row.v, row.aux);
      yield { key, tags, buckets: [{ start: req.minNs, agg }] };
      return;
    }
    return;
  }
  for await (const batch of rawGroup(key, tags, ordered, dirReq, main, aux, isField, less, budget, 1)) {
    const row = batch.rows![0];
    if (row === undefined || row.v === null) continue;
    const agg = fresh();
    agg.addPoint(row.t, row.v, row.aux);
    yield { key, tags, buckets: [{ start: req.minNs, agg }] };
    return;
  }
}

/**
 * The first row of a series whose rows are its points of `main` (no condition on its points, no
 * field among the aux values), reading in `req`'s direction: the first point or block summary
 * (`firstTime`/`first` ascending, `lastTime`/`last` descending) the reader hands out, valued as
 * seriesReader would value the point. The storage iterator is closed right after.
 */
async function firstRow(s: SeriesPlan, req: MapRequest, main: Resolved & { kind: 'field' }, aux: readonly Resolved[], budget: QueryBudget): Promise<RawRow | null> {
  const desc = !req.ascending;
  const c = new FieldCursor(s.shard, s.id, main.name, req.minNs, req.maxNs, desc, req.useBlockStats, budget);
  try {
    if (!(await c.ready())) return null;
    let t: bigint;
    let v: Value;
    if (c.stats !== null) {
      const st = c.stats;
      t = desc ? st.lastTime : st.firstTime;
      v = statValue(st.type, desc ? st.last : st.first);
    } else {
      const ch = c.chunk!;
      t = ch.times[c.i]!;
      v = valueOf(ch.type, ch.values, c.i);
    }
    // As seriesReader projects a row: a series without the tag reads null, not ''.
    const values = aux.length === 0 ? null : aux.map((a) => (a.kind === 'tag' ? tagOf(s.tags, a.name) || null : null));
    return { t, v: castValue(v, main.cast), aux: values };
  } finally {
    await c.close();
  }
}

/** The bucket [start, end) holding `t`: the whole range without GROUP BY time. */
function bucketOf(t: bigint, req: MapRequest): [bigint, bigint] {
  if (req.interval.durationNs === 0n) return [req.minNs, req.maxNs + 1n];
  return window(t, req.interval);
}

/** Partials of a call InfluxDB does not push down (median, stddev...): every row of the group in merge order. */
async function* orderedBuckets(
  key: string,
  tags: Record<string, string>,
  series: readonly SeriesPlan[],
  req: MapRequest,
  main: Resolved,
  aux: readonly Resolved[],
  isField: IsField,
  less: Less<RawRow>,
  budget: QueryBudget,
  fresh: () => Agg,
): AsyncGenerator<MapBatch> {
  let agg: Agg | null = null;
  let start = 0n;
  let end = 0n;
  let out: Bucket[] = [];
  for await (const batch of rawGroup(key, tags, series, req, main, aux, isField, less, budget, 0)) {
    for (const r of batch.rows!) {
      if (agg === null || r.t < start || r.t >= end) {
        if (agg !== null && !agg.empty) out.push({ start, agg });
        [start, end] = bucketOf(r.t, req);
        agg = fresh();
      }
      if (r.v !== null) agg.addPoint(r.t, r.v, r.aux);
    }
    if (out.length >= ROWS_PER_BATCH) {
      yield { key, tags, buckets: out };
      out = [];
    }
  }
  if (agg !== null && !agg.empty) out.push({ start, agg });
  if (out.length > 0) yield { key, tags, buckets: out };
}

/** A series' partial of one bucket, as the point InfluxDB's merge iterators order. */
interface SeriesPartial {
  readonly window: bigint;
  readonly series: number;
}

const partialKey = (p: SeriesPartial): { group: string; window: bigint } => ({ group: '', window: p.window });

/**
 * Partials of a call InfluxDB pushes down (count, sum, mean, min, max, first, last): each series
 * reduces its own points of a bucket, then the series' partials are merged in the order of
 * InfluxDB's parallel merge of the tag set (merge-order.ts), bucket by bucket.
 */
async function* seriesBuckets(key: string, tags: Record<string, string>, feeders: Feeder[], req: MapRequest, fresh: () => Agg): AsyncGenerator<MapBatch> {
  const desc = !req.ascending;
  const windowOf = (t: bigint): bigint => bucketOf(t, req)[0];
  const leaves = feeders.map(() => new QueuedStream<SeriesPartial>());
  /** Each series' next bucket with data (already queued on its leaf), or null when it has no more. */
  const pending: Array<bigint | null> = [];
  const advance = (i: number, more: boolean): void => {
    if (more) {
      const w = windowOf(feeders[i]!.head());
      pending[i] = w;
      leaves[i]!.push({ window: w, series: i });
    } else {
      pending[i] = null;
      leaves[i]!.end();
    }
  };
  for (let i = 0; i < feeders.length; i++) advance(i, feeders[i]!.primed() || (await feeders[i]!.prime()));
  const order = new Buffered(parallelMerge(leaves, partialKey, req.ascending));
  const partials: Array<Agg | null> = feeders.map(() => null);
  let out: Bucket[] = [];
  for (;;) {
    let w: bigint | null = null;
    for (const p of pending) if (p !== null && (w === null || (desc ? p > w : p < w))) w = p;
    if (w === null) break;
    const [start, end] = bucketOf(w, req);
    for (let i = 0; i < feeders.length; i++) {
      if (pending[i] !== w) continue;
      const f = feeders[i]!;
      const a = fresh();
      if (!f.feedAtHand(start, end, a)) await f.feed(start, end, a);
      partials[i] = a;
      advance(i, f.primed() || (await f.prime()));
    }
    const combined = fresh();
    for (;;) {
      const p = order.next();
      if (p === null) break;
      if (p.window !== w) {
        order.unread(p);
        break;
      }
      combined.merge(partials[p.series]!);
      partials[p.series] = null;
    }
    if (!combined.empty) out.push({ start: w, agg: combined });
    if (out.length >= ROWS_PER_BATCH) {
      yield { key, tags, buckets: out };
      out = [];
    }
  }
  if (out.length > 0) yield { key, tags, buckets: out };
}

async function* buckets(key: string, tags: Record<string, string>, feeders: Feeder[], req: MapRequest, fresh: () => Agg): AsyncGenerator<MapBatch> {
  const desc = !req.ascending;
  let out: Bucket[] = [];
  for (;;) {
    let t: bigint | undefined;
    for (const f of feeders) {
      if (!(f.primed() || (await f.prime()))) continue;
      const h = f.head();
      if (t === undefined || (desc ? h > t : h < t)) t = h;
    }
    if (t === undefined) break;
    const [start, end] = bucketOf(t, req);
    const agg = fresh();
    for (const f of feeders) if (!f.feedAtHand(start, end, agg)) await f.feed(start, end, agg);
    if (!agg.empty) out.push({ start, agg });
    if (out.length >= ROWS_PER_BATCH) {
      yield { key, tags, buckets: out };
      out = [];
    }
  }
  if (out.length > 0) yield { key, tags, buckets: out };
}

/** The type a call sees: the field's, or its cast's. */
function castType(r: Resolved & { kind: 'field' }): FieldType {
  return CAST_TYPES[r.cast] ?? r.type;
}
