// An in-memory shard: the ShardReader port over plain arrays, for tests and tools (as hashicorp's
// inmem stores sit beside the real ones). It follows the storage engine's read contract: the
// index's missing-tag-is-'' rule, chunks in time order, safe integers as doubles, and block
// summaries for whole blocks when asked, with a float sum computed in time order from 0.

import { FieldType, INT64_MAX, INT64_MIN, escapeMeasurement, escapeTagKey, escapeTagValue, formatPoint, parseToPoints } from '@shoal/lineproto';
import type {
  BlockSummary,
  CatalogPort,
  ColumnChunk,
  FieldChunk,
  QueryPorts,
  ReadFieldOptions,
  SeriesIndexReader,
  SeriesMeta,
  ShardGroupView,
  ShardReader,
  TagPredicate,
  WritePort,
} from './ports.js';

type Scalar = number | bigint | boolean | string;

interface Column {
  type: FieldType;
  /** Sorted by time, one value per time (a later write replaces an earlier one). */
  points: Array<{ t: bigint; v: Scalar }>;
}

class MemoryIndex implements SeriesIndexReader {
  readonly series: SeriesMeta[] = [];
  private readonly byKey = new Map<string, SeriesMeta>();

  getOrCreate(measurement: string, tags: Array<[string, string]>): SeriesMeta {
    const sorted = [...tags].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const key = escapeMeasurement(measurement) + sorted.map(([k, v]) => `,${escapeTagKey(k)}=${escapeTagValue(v)}`).join('');
    let meta = this.byKey.get(key);
    if (meta === undefined) {
      meta = { id: this.series.length + 1, key, measurement, tags: sorted };
      this.series.push(meta);
      this.byKey.set(key, meta);
    }
    return meta;
  }

  measurements(): string[] {
    return [...new Set(this.series.map((s) => s.measurement))].sort();
  }

  tagKeys(measurement: string): string[] {
    const keys = new Set<string>();
    for (const s of this.series) if (s.measurement === measurement) for (const [k] of s.tags) keys.add(k);
    return [...keys].sort();
  }

  tagValues(measurement: string, key: string): string[] {
    const values = new Set<string>();
    for (const s of this.series) {
      if (s.measurement !== measurement) continue;
      for (const [k, v] of s.tags) if (k === key) values.add(v);
    }
    return [...values].sort();
  }

  match(measurement: string, predicate?: TagPredicate): number[] {
    return this.series.filter((s) => s.measurement === measurement && (predicate === undefined || matches(s, predicate))).map((s) => s.id);
  }

  getById(id: number): SeriesMeta | undefined {
    return this.series[id - 1];
  }
}

/** Whether a series' tags satisfy a predicate (a missing tag reads as ''), for in-memory indexes. */
export function matches(s: SeriesMeta, p: TagPredicate): boolean {
  switch (p.op) {
    case 'and':
      return matches(s, p.left) && matches(s, p.right);
    case 'or':
      return matches(s, p.left) || matches(s, p.right);
    case '=':
    case '!=': {
      const value = s.tags.find(([k]) => k === p.key)?.[1] ?? '';
      return p.op === '=' ? value === p.value : value !== p.value;
    }
    default: {
      const value = s.tags.find(([k]) => k === p.key)?.[1] ?? '';
      p.regex.lastIndex = 0;
      const m = p.regex.test(value);
      return p.op === '=~' ? m : !m;
    }
  }
}

export interface MemoryShardOptions {
  /** Points per block: the unit of block summaries. */
  readonly blockPoints?: number;
}

export class MemoryShard implements ShardReader {
  readonly index = new MemoryIndex();
  private readonly columns = new Map<number, Map<string, Column>>();
  private readonly blockPoints: number;

  constructor(
    readonly id: number,
    opts: MemoryShardOptions = {},
  ) {
    this.blockPoints = opts.blockPoints ?? 1000;
  }

  /** Adds the points of some line protocol (nanosecond times; points without one get time 0). */
  write(lines: string): this {
    const { points, errors } = parseToPoints(lines);
    if (errors.length > 0) throw new Error(errors[0]!.message);
    for (const p of points) {
      const meta = this.index.getOrCreate(p.measurement, p.tags);
      let fields = this.columns.get(meta.id);
      if (fields === undefined) this.columns.set(meta.id, (fields = new Map()));
      for (const [name, type, value] of p.fields) {
        let col = fields.get(name);
        if (col === undefined) fields.set(name, (col = { type, points: [] }));
        if (col.type !== type) throw new Error(`field type conflict: ${name}`);
        // Integers arrive as numbers while they are safe; hold every integer as a bigint.
        insert(col.points, p.time ?? 0n, typeof value === 'number' && (type === FieldType.Integer || type === FieldType.Unsigned) ? BigInt(value) : value);
      }
    }
    return this;
  }

  fieldsOf(seriesId: number): string[] {
    return [...(this.columns.get(seriesId)?.keys() ?? [])].sort();
  }

  async *readField(seriesId: number, field: string, minTime = INT64_MIN, maxTime = INT64_MAX, opts: ReadFieldOptions = {}): AsyncGenerator<FieldChunk> {
    const col = this.columns.get(seriesId)?.get(field);
    if (col === undefined || minTime > maxTime) return;
    const blocks: Array<Array<{ t: bigint; v: Scalar }>> = [];
    for (let i = 0; i < col.points.length; i += this.blockPoints) blocks.push(col.points.slice(i, i + this.blockPoints));
    if (opts.descending) blocks.reverse();
    for (const block of blocks) {
      const inside = block[0]!.t >= minTime && block[block.length - 1]!.t <= maxTime;
      if (opts.useBlockStats && inside) {
        yield { kind: 'stats', stats: summarize(col.type, block) };
        continue;
      }
      const picked = block.filter((p) => p.t >= minTime && p.t <= maxTime);
      if (picked.length === 0) continue;
      if (opts.descending) picked.reverse();
      yield { kind: 'points', data: chunk(col.type, picked) };
    }
  }
}

function insert(points: Array<{ t: bigint; v: Scalar }>, t: bigint, v: Scalar): void {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  if (lo < points.length && points[lo]!.t === t) points[lo] = { t, v };
  else points.splice(lo, 0, { t, v });
}

function chunk(type: FieldType, points: Array<{ t: bigint; v: Scalar }>): ColumnChunk {
  const times = BigInt64Array.from(points, (p) => p.t);
  let values: ColumnChunk['values'];
  switch (type) {
    case FieldType.Float:
      values = Float64Array.from(points, (p) => p.v as number);
      break;
    case FieldType.Integer:
    case FieldType.Unsigned: {
      // As the engine: doubles while every value is a safe integer, 64-bit arrays beyond.
      const safe = points.every((p) => Number.isSafeInteger(Number(p.v as bigint)) && BigInt(Number(p.v as bigint)) === p.v);
      if (safe) values = Float64Array.from(points, (p) => Number(p.v as bigint));
      else values = type === FieldType.Integer ? BigInt64Array.from(points, (p) => p.v as bigint) : BigUint64Array.from(points, (p) => p.v as bigint);
      break;
    }
    case FieldType.Boolean:
      values = Uint8Array.from(points, (p) => (p.v ? 1 : 0));
      break;
    default:
      values = points.map((p) => p.v as string);
  }
  return { type, count: points.length, times, values };
}

function summarize(type: FieldType, block: Array<{ t: bigint; v: Scalar }>): BlockSummary {
  const first = block[0]!;
  const last = block[block.length - 1]!;
  const base = { type, count: block.length, minTime: first.t, maxTime: last.t, first: first.v, last: last.v, firstTime: first.t, lastTime: last.t };
  switch (type) {
    case FieldType.Float: {
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      for (const p of block) {
        const v = p.v as number;
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      return { ...base, sum, min, max };
    }
    case FieldType.Integer:
    case FieldType.Unsigned: {
      let sum = 0n;
      let min = block[0]!.v as bigint;
      let max = min;
      for (const p of block) {
        const v = p.v as bigint;
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      return { ...base, sum: type === FieldType.Integer ? BigInt.asIntN(64, sum) : BigInt.asUintN(64, sum), min, max };
    }
    case FieldType.Boolean:
      return { ...base, min: block.every((p) => p.v === true), max: block.some((p) => p.v === true) };
    default:
      return base;
  }
}

/** The catalog calls writing needs (tsdb's Catalog has them): groups on demand and field types. */
export interface WritableCatalog extends CatalogPort {
  createShardGroup(db: string, rp: string, timeNs: bigint): Promise<ShardGroupView>;
  addFields(db: string, measurement: string, fields: ReadonlyArray<readonly [string, FieldType]>): Promise<void>;
}

/**
 * In-memory shards behind a catalog, written the way the write path writes: each point goes to
 * the shard of the group covering its time (created on demand) and its field types are recorded
 * in the catalog first.
 */
export class MemoryStore {
  private readonly shards = new Map<number, MemoryShard>();
  private pointCount = 0;

  constructor(
    readonly catalog: WritableCatalog,
    private readonly opts: MemoryShardOptions = {},
  ) {}

  shard(id: number): MemoryShard | undefined {
    return this.shards.get(id);
  }

  /** Writes line protocol (nanosecond times) into `db` and its default or the given policy. */
  async write(db: string, lines: string, rp?: string): Promise<void> {
    const { points, errors } = parseToPoints(lines);
    if (errors.length > 0) throw new Error(errors[0]!.message);
    const policy = rp ?? this.catalog.database(db)?.defaultRetentionPolicy ?? '';
    for (const p of points) {
      this.pointCount++;
      const group = await this.catalog.createShardGroup(db, policy, p.time ?? 0n);
      await this.catalog.addFields(db, p.measurement, p.fields.map(([name, type]) => [name, type] as const));
      const id = group.shards[0]!.id;
      let shard = this.shards.get(id);
      if (shard === undefined) this.shards.set(id, (shard = new MemoryShard(id, this.opts)));
      shard.write(formatPoint({ ...p, time: p.time ?? 0n }));
    }
  }

  /** The ports over these shards; writes (SELECT INTO) go through `write`. */
  ports(extra: Partial<Omit<QueryPorts, 'catalog' | 'shard'>> = {}): QueryPorts {
    const writes: WritePort = {
      writeLines: async (db, rp, lines) => {
        const before = this.pointCount;
        await this.write(db, lines, rp === '' ? undefined : rp);
        return { written: this.pointCount - before, dropped: 0 };
      },
    };
    return { catalog: this.catalog, shard: (id) => this.shards.get(id), writes, ...extra };
  }
}
