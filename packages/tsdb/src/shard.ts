// One shard's storage engine: a WAL, a write cache, immutable compressed blocks in classic-level
// and the series index. It knows nothing of HTTP, catalogs or clusters: the write path hands it
// already-validated points, and the read API serves the query engine.
//
// Durability: a write appends its record to the WAL and then updates the cache; the caller is
// answered once the WAL fsync covering the record completes. A flush swaps the cache for a new one
// and rotates the WAL at the same instant, writes the old cache into blocks in one synced
// classic-level batch, and only then deletes the WAL segments it covered. A crash anywhere in
// between replays those segments again; replayed points overwrite identical ones, so replay is
// idempotent. Deletes flush what they cover out of the cache (and so out of the WAL) and then
// rewrite blocks; see deleteSeriesRange.

import fs from 'node:fs';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import type { Logger } from 'pino';
import { INT64_MAX, INT64_MIN, parseLines, type FieldType, type ParsedLine } from '@shoal/lineproto';
import { BlockCache, type ColumnBlocks } from './block-cache.js';
import { BlockReads } from './block-reads.js';
import { Cache, type CacheSeries } from './cache.js';
import type { ColumnData } from './column.js';
import { concatColumnData, lowerBound, mergeColumnData, reverseColumnData, slice, sliceRange } from './column-data.js';
import { decodeBlock, encodeBlock, readBlockStats, type BlockStats } from './encoding/index.js';
import { EngineClosedError } from './errors.js';
import { PointBatch } from './point-batch.js';
import { SeriesIndex, type SeriesInfo } from './series-index.js';
import {
  BLOCK_PREFIX,
  FIELD_PREFIX,
  SERIES_PREFIX,
  blockKey,
  blockRange,
  decodeBlockKey,
  idKey,
  prefixRange,
  type BatchOp,
  type BlockKey,
} from './shard-keys.js';
import { planColumnDelete } from './block-delete.js';
import { decodeWriteRecord } from './shard-wal-record.js';
import { Wal } from './wal.js';

export interface ShardOptions {
  readonly id: number;
  readonly dir: string;
  readonly logger: Logger;
  /** Snapshot the cache into blocks once it holds this many bytes. */
  readonly cacheSnapshotBytes?: number;
  /** Refuse writes while the cache (active plus snapshots being flushed) exceeds this. */
  readonly cacheBytesMax?: number;
  /** Snapshot a cache that has received no write for this long (CACHE_COLD_MS_DEFAULT when absent). */
  readonly cacheColdMs?: number;
  readonly blockPointsMax?: number;
  /** Off only for throwaway data: acknowledges writes before they reach the disk. */
  readonly fsync?: boolean;
  /** Shared by a store's shards; a shard opened on its own gets one of the default size. */
  readonly blockCache?: BlockCache;
}

export class CacheFullError extends Error {
  override name = 'CacheFullError';
  constructor(bytes: number, max: number) {
    super(`engine: cache maximum memory size exceeded (${bytes} > ${max} bytes)`);
  }
}

/** A piece of a field's data in time order: decoded points, or a block's summary (aggregates only). */
export type FieldChunk = { readonly kind: 'points'; readonly data: ColumnData } | { readonly kind: 'stats'; readonly stats: BlockStats };

export interface ReadOptions {
  readonly descending?: boolean;
  /** Yield `stats` for blocks wholly inside the range that no cached point overlaps. */
  readonly useBlockStats?: boolean;
}

/** The numbers a shard reports; the store sums them over its shards. */
export const SHARD_STAT_NAMES = [
  'series',
  'cacheBytes',
  'cacheValues',
  'walBytes',
  'pointsWritten',
  'valuesWritten',
  'flushes',
  'blocksWritten',
  'compactions',
  'deletes',
  'valuesDeleted',
  'blockReadsSync',
  'blockReadsAsync',
] as const;

export type ShardStats = { readonly id: number } & { readonly [K in (typeof SHARD_STAT_NAMES)[number]]: number };

interface TailBlock {
  readonly key: Buffer;
  readonly meta: BlockKey;
}

/** InfluxDB's cache-snapshot-write-cold-duration: an idle shard's cache reaches blocks after 10 min. */
export const CACHE_COLD_MS_DEFAULT = 10 * 60 * 1000;
/** The cold check runs at least this often, so a long cold duration is still honoured within 30 s. */
const COLD_CHECK_MS_MAX = 30_000;

/** Field ids share a number with series ids in the tail map: id * FIELD_SPACE + fieldId. */
const FIELD_SPACE = 1 << 20;
/** A flush yields to the event loop after this many columns so writes keep flowing. */
const FLUSH_COLUMNS_PER_SLICE = 256;
/** A delete commits its block changes in batches of about this many operations, series by series. */
const DELETE_BATCH_OPS_MAX = 10_000;
/**
 * A read whose blocks a flush or compaction replaced before it could fetch them reads the column
 * again; each retry needs another commit to land in a window of microseconds, so this is never
 * reached unless something is broken.
 */
const STORED_BLOCKS_ATTEMPTS_MAX = 16;

export class Shard {
  readonly index = new SeriesIndex();
  private cache = new Cache();
  /** Caches being written to blocks, oldest first; still served to readers. */
  private snapshots: Array<{ readonly cache: Cache; readonly sealed: Promise<number> }> = [];
  private readonly fieldIds = new Map<string, number>();
  private readonly persistedSeries = new Set<number>();
  private readonly tails = new Map<number, TailBlock>();
  private flushing: Promise<void> | undefined;
  /** Set when a flush wrote before a column's tail or a delete shrank a block: small blocks may be left behind. */
  private compactionDue = false;
  private compacting: Promise<number> | undefined;
  /** Deletes called and not finished; close() lets them finish first. */
  private readonly deleting = new Set<Promise<void>>();
  /** Flushes, compactions and deletes all rewrite blocks and tails: they run one at a time, in order. */
  private blockWork: Promise<unknown> = Promise.resolve();
  private closed = false;
  private lastWriteMs = Date.now();
  private coldTimer: NodeJS.Timeout | undefined;
  private pointsWritten = 0;
  private valuesWritten = 0;
  private flushes = 0;
  private blocksWritten = 0;
  private compactions = 0;
  private deletes = 0;
  private valuesDeleted = 0;
  private readonly cacheSnapshotBytes: number;
  private readonly cacheBytesMax: number;
  private readonly blockPointsMax: number;
  private readonly blockCache: BlockCache;
  private readonly blockReads: BlockReads;
  /** Starts the block cache's key of every column of this shard. */
  private readonly blockCachePrefix: string;

  private constructor(
    readonly id: number,
    readonly dir: string,
    private readonly db: ClassicLevel<Buffer, Buffer>,
    private wal: Wal,
    private readonly logger: Logger,
    opts: ShardOptions,
  ) {
    this.cacheSnapshotBytes = opts.cacheSnapshotBytes ?? 64 * 1024 * 1024;
    this.cacheBytesMax = opts.cacheBytesMax ?? 1024 * 1024 * 1024;
    this.blockPointsMax = opts.blockPointsMax ?? 1000;
    this.blockCache = opts.blockCache ?? new BlockCache();
    this.blockReads = new BlockReads(db);
    this.blockCachePrefix = `${id}/`;
    const coldMs = opts.cacheColdMs ?? CACHE_COLD_MS_DEFAULT;
    this.coldTimer = setInterval(() => {
      if (!this.cache.empty && Date.now() - this.lastWriteMs >= coldMs) this.flushInBackground('cold');
    }, Math.min(coldMs, COLD_CHECK_MS_MAX));
    this.coldTimer.unref();
  }

  static async open(opts: ShardOptions): Promise<Shard> {
    fs.mkdirSync(opts.dir, { recursive: true });
    const db = new ClassicLevel<Buffer, Buffer>(path.join(opts.dir, 'index'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    const logger = opts.logger.child({ shardId: opts.id });
    const started = Date.now();
    const shard = new Shard(opts.id, opts.dir, db, undefined as unknown as Wal, logger, opts);
    await shard.loadIndex();
    const { wal, stats } = await Wal.open({ dir: path.join(opts.dir, 'wal'), fsync: opts.fsync ?? true }, (payload) => shard.replay(payload));
    shard.wal = wal;
    logger.info(
      { series: shard.index.size, walRecords: stats.records, walBytes: stats.bytes, walTruncatedBytes: stats.truncatedBytes, ms: Date.now() - started },
      'shard opened',
    );
    // Replayed data is flushed right away so the replayed segments can go.
    if (!shard.cache.empty) await shard.flush();
    return shard;
  }

  private async loadIndex(): Promise<void> {
    for await (const [k, v] of this.db.iterator(prefixRange(SERIES_PREFIX))) {
      const id = k.readUInt32BE(1);
      this.index.load(id, v.toString('utf8'));
      this.persistedSeries.add(id);
    }
    for await (const [k, v] of this.db.iterator(prefixRange(FIELD_PREFIX))) {
      this.fieldIds.set(v.toString('utf8'), k.readUInt32BE(1));
    }
    // Keys alone tell each block's range; the last key of a series and field is its tail. The
    // block cache gets every column's ranges as long as they fit, so first reads need no key scan.
    let seeding = true;
    let column: BlockKey[] = [];
    const seed = (): void => {
      if (seeding && column.length > 0) seeding = this.blockCache.addColumnIfRoom(this.columnCacheKey(column[0]!.seriesId, column[0]!.fieldId), columnBlocks(column));
      column = [];
    };
    for await (const k of this.db.keys(prefixRange(BLOCK_PREFIX))) {
      const meta = decodeBlockKey(k);
      this.tails.set(meta.seriesId * FIELD_SPACE + meta.fieldId, { key: k, meta });
      if (!seeding) continue;
      const prev = column[column.length - 1];
      if (prev !== undefined && (prev.seriesId !== meta.seriesId || prev.fieldId !== meta.fieldId)) seed();
      column.push(meta);
    }
    seed();
  }

  private columnCacheKey(seriesId: number, fieldId: number): string {
    return `${this.blockCachePrefix}${seriesId}/${fieldId}`;
  }

  private replay(payload: Buffer): void {
    const record = decodeWriteRecord(payload);
    const batch = new PointBatch();
    parseLines(
      record.lines,
      {
        point: (line: ParsedLine) => {
          batch.addLine(line, line.time ?? record.serverTimeNs, 0, 0);
        },
        error: (err) => {
          // Only accepted lines are logged, so this means the parser changed under old data.
          this.logger.error({ line: err.lineNumber, error: err.message }, 'unparsable line in WAL record skipped');
        },
      },
      { precision: record.precision },
    );
    this.applyToCache(batch, null, batch.count);
  }

  /**
   * Makes points durable: `walRecord` (the parts of one WAL record holding exactly these points)
   * is appended, the points enter the cache, and the promise resolves once the record is fsynced.
   * `points` lists the batch indices that belong to this shard; null means all of them.
   */
  write(batch: PointBatch, points: ArrayLike<number> | null, count: number, walRecord: readonly Uint8Array[]): Promise<void> {
    if (this.closed) return Promise.reject(new EngineClosedError());
    const cacheBytes = this.cacheBytes();
    if (cacheBytes > this.cacheBytesMax) return Promise.reject(new CacheFullError(cacheBytes, this.cacheBytesMax));
    const durable = this.wal.append(walRecord);
    this.applyToCache(batch, points, count);
    this.lastWriteMs = Date.now();
    if (this.cache.bytes >= this.cacheSnapshotBytes) this.flushInBackground('size');
    return durable;
  }

  private applyToCache(batch: PointBatch, points: ArrayLike<number> | null, count: number): void {
    const cache = this.cache;
    let lastSeriesId = -1;
    let series: CacheSeries | undefined;
    let values = 0;
    for (let k = 0; k < count; k++) {
      const p = points === null ? k : points[k]!;
      const seriesId = batch.seriesIds[p]!;
      if (seriesId !== lastSeriesId || series === undefined) {
        const key = batch.seriesKey(p);
        const info = this.index.get(key) ?? this.index.create(key);
        series = cache.entry(info);
        lastSeriesId = seriesId;
      }
      cache.insertPoint(series, batch, p);
      values += batch.fieldOffsets[p + 1]! - batch.fieldOffsets[p]!;
    }
    this.pointsWritten += count;
    this.valuesWritten += values;
  }

  private cacheBytes(): number {
    let b = this.cache.bytes;
    for (const s of this.snapshots) b += s.cache.bytes;
    return b;
  }

  private flushInBackground(reason: string): void {
    if (this.flushing || this.closed) return;
    this.flush().catch((err: Error) => this.logger.error({ err, reason }, 'cache flush failed'));
  }

  /** Writes everything cached so far into blocks and drops the WAL segments that held it. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.cache.empty && this.snapshots.length === 0) return;
    if (!this.cache.empty) {
      const snapshot = this.cache;
      this.cache = new Cache(snapshot);
      // Rotating in the same tick as the swap makes the sealed segments hold exactly the snapshot.
      const sealed = this.wal.rotate();
      // Observed here so a failed rotation cannot surface as an unhandled rejection before use.
      sealed.catch(() => undefined);
      this.snapshots.push({ cache: snapshot, sealed });
    }
    this.flushing = this.serially(() => this.writeSnapshots()).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /**
   * Writes the pending snapshots, oldest first. A snapshot that fails stays pending (still served
   * to readers, its WAL segments kept) and is retried by the next flush.
   */
  private async writeSnapshots(): Promise<void> {
    while (this.snapshots.length > 0) {
      const { cache, sealed } = this.snapshots[0]!;
      await this.writeSnapshot(cache);
      this.wal.removeSealedUpTo(await sealed);
      this.snapshots.shift();
    }
    if (this.compactionDue && !this.compacting && !this.closed) {
      this.compactionDue = false;
      // Queued behind this flush; not awaited here, or the flush would wait on itself.
      this.compacting = this.serially(() => this.compactBlocks())
        .catch((err: Error) => {
          this.logger.error({ err }, 'compaction failed');
          return 0;
        })
        .finally(() => {
          this.compacting = undefined;
        });
    }
  }

  private async writeSnapshot(snapshot: Cache): Promise<void> {
    const started = Date.now();
    const ops: BatchOp[] = [];
    const newTails = new Map<number, TailBlock | undefined>();
    let columns = 0;
    let blocks = 0;
    for (const s of snapshot.series.values()) {
      const sid = s.info.id;
      if (!this.persistedSeries.has(sid)) ops.push({ type: 'put', key: idKey(SERIES_PREFIX, sid), value: Buffer.from(s.info.key, 'utf8') });
      for (const [name, col] of s.fields) {
        const fid = this.fieldId(name, ops);
        blocks += await this.planColumn(sid, fid, col.data(), ops, newTails);
        if (++columns % FLUSH_COLUMNS_PER_SLICE === 0) await new Promise<void>((r) => setImmediate(r));
      }
    }
    await this.commitBlocks(ops);
    for (const s of snapshot.series.values()) this.persistedSeries.add(s.info.id);
    for (const [k, t] of newTails) {
      if (t) this.tails.set(k, t);
      else this.tails.delete(k);
    }
    this.flushes++;
    this.blocksWritten += blocks;
    this.logger.debug({ values: snapshot.values, bytes: snapshot.bytes, blocks, ms: Date.now() - started }, 'cache flushed');
  }

  /**
   * Writes a batch to the store, then drops from the block cache every column whose blocks it puts
   * or deletes. Every change to block keys goes through here (flushes, compactions, deletes), or
   * reads could be answered from blocks that are gone.
   */
  private async commitBlocks(ops: BatchOp[]): Promise<void> {
    try {
      await this.db.batch(ops as never, { sync: true });
    } finally {
      // Also after a failure: invalidating is always safe, and the batch's outcome is not known.
      for (const op of ops) {
        if (op.key[0] === BLOCK_PREFIX) this.blockCache.invalidate(this.columnCacheKey(op.key.readUInt32BE(1), op.key.readUInt32BE(5)));
      }
    }
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.blockWork.then(work, work);
    this.blockWork = run.catch(() => undefined);
    return run;
  }

  private fieldId(name: string, ops: BatchOp[]): number {
    let fid = this.fieldIds.get(name);
    if (fid === undefined) {
      fid = this.fieldIds.size + 1;
      if (fid >= FIELD_SPACE) throw new RangeError(`shard ${this.id} has more than ${FIELD_SPACE - 1} field names`);
      this.fieldIds.set(name, fid);
      ops.push({ type: 'put', key: idKey(FIELD_PREFIX, fid), value: Buffer.from(name, 'utf8') });
    }
    return fid;
  }

  /**
   * Adds the ops that store `data` as blocks of (sid, fid). Appends after the tail block merge a
   * small tail into the new data (so steady ingest leaves full blocks behind); data that reaches
   * back into existing blocks is merged with every block it overlaps, the new values winning.
   */
  private async planColumn(sid: number, fid: number, data: ColumnData, ops: BatchOp[], newTails: Map<number, TailBlock | undefined>): Promise<number> {
    if (data.count === 0) return 0;
    const tailId = sid * FIELD_SPACE + fid;
    const tail = newTails.has(tailId) ? newTails.get(tailId) : this.tails.get(tailId);
    const first = data.times[0]!;
    const last = data.times[data.count - 1]!;
    let merged = slice(data, 0, data.count);
    let keepTail = tail;
    if (tail && first <= tail.meta.maxTime) {
      const old: ColumnData[] = [];
      for await (const [k, v] of this.db.iterator(blockRange(sid, fid, first))) {
        const meta = decodeBlockKey(k);
        if (meta.minTime > last) break;
        old.push(blockData(decodeBlock(v)));
        ops.push({ type: 'del', key: k });
        if (k.equals(tail.key)) keepTail = undefined;
      }
      if (old.length > 0) merged = mergeColumnData(concatColumnData(data.type, old), merged);
      // Data before the tail lands between existing blocks, as blocks that may be small.
      this.compactionDue = true;
    } else if (tail && tail.meta.count < this.blockPointsMax) {
      const v = await this.db.get(tail.key);
      if (v) {
        merged = mergeColumnData(blockData(decodeBlock(v)), merged);
        ops.push({ type: 'del', key: tail.key });
        keepTail = undefined;
      }
    }
    let written = 0;
    let lastBlock: TailBlock | undefined;
    for (let lo = 0; lo < merged.count; lo += this.blockPointsMax) {
      const hi = Math.min(merged.count, lo + this.blockPointsMax);
      const minTime = merged.times[lo]!;
      const maxTime = merged.times[hi - 1]!;
      const key = blockKey(sid, fid, minTime, maxTime, hi - lo);
      ops.push({ type: 'put', key, value: encodeBlock(data.type, merged.times, merged.values, lo, hi) });
      lastBlock = { key, meta: { seriesId: sid, fieldId: fid, minTime, maxTime, count: hi - lo } };
      written++;
    }
    const tailNow = keepTail && lastBlock && keepTail.meta.maxTime > lastBlock.meta.maxTime ? keepTail : (lastBlock ?? keepTail);
    newTails.set(tailId, tailNow);
    return written;
  }

  /** Field names stored in this shard with data of the given series. */
  fieldsOf(seriesId: number): string[] {
    const out = new Set<string>();
    for (const [name, fid] of this.fieldIds) if (this.tails.has(seriesId * FIELD_SPACE + fid)) out.add(name);
    const info = this.index.getById(seriesId);
    if (info) {
      for (const c of this.cachesOldestFirst()) {
        const s = c.series.get(info.key);
        if (s) for (const name of s.fields.keys()) out.add(name);
      }
    }
    return [...out].sort();
  }

  /** Every point of one field of one series in [minTime, maxTime], in time order. */
  async *readField(seriesId: number, field: string, minTime = INT64_MIN, maxTime = INT64_MAX, opts: ReadOptions = {}): AsyncGenerator<FieldChunk> {
    const info = this.index.getById(seriesId);
    if (!info || minTime > maxTime) return;
    const cached = this.cachedRange(info, field, minTime, maxTime);
    const fid = this.fieldIds.get(field);
    const descending = opts.descending ?? false;
    // Cached points not yet emitted lie in [cLo, cHi) of `cached`.
    let cLo = 0;
    let cHi = cached ? cached.count : 0;
    const emit = (d: ColumnData): FieldChunk => ({ kind: 'points', data: descending ? reverseColumnData(d) : d });
    if (fid !== undefined) {
      const { column, lo, values } = await this.storedBlocks(seriesId, fid, minTime, maxTime);
      for (let k = 0; k < values.length; k++) {
        const j = descending ? values.length - 1 - k : k;
        const blockMin = column.minTimes[lo + j]!;
        const blockMax = column.maxTimes[lo + j]!;
        const v = values[j]!;
        // Cached points outside this block on the side we come from go out first.
        if (cached) {
          if (!descending) {
            const before = lowerBound(cached.times, cLo, cHi, blockMin);
            if (before > cLo) yield emit(slice(cached, cLo, before));
            cLo = before;
          } else {
            const after = lowerBound(cached.times, cLo, cHi, blockMax + 1n);
            if (after < cHi) yield emit(slice(cached, after, cHi));
            cHi = after;
          }
        }
        const overlapLo = cached ? lowerBound(cached.times, cLo, cHi, blockMin) : 0;
        const overlapHi = cached ? lowerBound(cached.times, cLo, cHi, blockMax + 1n) : 0;
        const inside = blockMin >= minTime && blockMax <= maxTime;
        if (opts.useBlockStats && inside && overlapHi === overlapLo) {
          yield { kind: 'stats', stats: readBlockStats(v) };
          continue;
        }
        let d = sliceRange(blockData(decodeBlock(v)), minTime, maxTime);
        if (cached && overlapHi > overlapLo) {
          d = mergeColumnData(d, slice(cached, overlapLo, overlapHi));
          if (!descending) cLo = overlapHi;
          else cHi = overlapLo;
        }
        if (d.count > 0) yield emit(d);
      }
    }
    if (cached && cHi > cLo) yield emit(slice(cached, cLo, cHi));
  }

  /**
   * The stored blocks of a column that overlap [minTime, maxTime] (`values[k]` is block `lo + k`
   * of `column`), from the block cache where it has them. Otherwise the column's keys are read
   * (one LevelDB iterator) and missing blocks fetched (block-reads.ts), and the cache keeps both.
   *
   * Points only ever move from the write cache into blocks, so blocks newer than the write cache
   * the caller took hold nothing it lacks; but a block that a flush or compaction deleted after
   * the column's keys were taken is no longer there to fetch: then the column is read again.
   */
  private async storedBlocks(seriesId: number, fieldId: number, minTime: bigint, maxTime: bigint): Promise<{ column: ColumnBlocks; lo: number; values: Uint8Array[] }> {
    const key = this.columnCacheKey(seriesId, fieldId);
    for (let attempt = 1; ; attempt++) {
      const generation = this.blockCache.generation;
      const column = this.blockCache.column(key) ?? (await this.loadColumn(seriesId, fieldId, key, generation));
      const n = column.minTimes.length;
      const lo = lowerBound(column.maxTimes, 0, n, minTime);
      const hi = lowerBound(column.minTimes, lo, n, maxTime + 1n);
      const values = new Array<Uint8Array>(hi - lo);
      const missing: number[] = [];
      for (let i = lo; i < hi; i++) {
        const v = column.values[i];
        if (v === undefined) missing.push(i);
        else values[i - lo] = v;
      }
      this.blockCache.countBlocks(hi - lo - missing.length, missing.length);
      if (missing.length === 0) return { column, lo, values };
      const keys = missing.map((i) => blockKey(seriesId, fieldId, column.minTimes[i]!, column.maxTimes[i]!, column.counts[i]!));
      const reading = this.blockReads.fetch(keys);
      const fetched = Array.isArray(reading) ? reading : await reading;
      if (fetched.every((v) => v !== undefined)) {
        for (let m = 0; m < missing.length; m++) {
          values[missing[m]! - lo] = fetched[m]!;
          this.blockCache.addBlock(key, column, missing[m]!, fetched[m]!, generation);
        }
        return { column, lo, values };
      }
      if (attempt >= STORED_BLOCKS_ATTEMPTS_MAX) {
        throw new Error(`shard ${this.id}: the blocks of series ${seriesId} field ${fieldId} kept changing under ${attempt} reads`);
      }
      this.blockCache.invalidate(key);
    }
  }

  /** Reads a column's block keys from LevelDB and offers them to the block cache. */
  private async loadColumn(seriesId: number, fieldId: number, key: string, generation: number): Promise<ColumnBlocks> {
    const metas: BlockKey[] = [];
    for (const k of await this.db.keys(blockRange(seriesId, fieldId, INT64_MIN)).all()) metas.push(decodeBlockKey(k));
    const column = columnBlocks(metas);
    this.blockCache.addColumn(key, column, generation);
    return column;
  }

  private cachesOldestFirst(): Cache[] {
    const out = this.snapshots.map((s) => s.cache);
    out.push(this.cache);
    return out;
  }

  /** The cached points of a field in range, snapshots merged under the active cache. */
  private cachedRange(info: SeriesInfo, field: string, minTime: bigint, maxTime: bigint): ColumnData | undefined {
    let out: ColumnData | undefined;
    for (const c of this.cachesOldestFirst()) {
      const col = c.series.get(info.key)?.fields.get(field);
      if (!col || col.count === 0) continue;
      const d = sliceRange(col.data(), minTime, maxTime);
      if (d.count === 0) continue;
      out = out ? mergeColumnData(out, d) : d;
    }
    return out;
  }

  /**
   * Rewrites runs of adjacent small blocks of one series and field into full blocks. Steady
   * appends never leave small blocks (the tail absorbs them), but out-of-order writes and
   * overwrites can; a run is merged when it holds at least two blocks below the block size.
   */
  compact(): Promise<number> {
    return this.serially(() => this.compactBlocks());
  }

  private async compactBlocks(): Promise<number> {
    const ops: BatchOp[] = [];
    let run: Array<{ key: Buffer; meta: BlockKey }> = [];
    let rewritten = 0;
    const flushRun = async (): Promise<void> => {
      if (run.length >= 2) {
        const datas: ColumnData[] = [];
        for (const b of run) {
          const v = await this.db.get(b.key);
          if (!v) return;
          datas.push(blockData(decodeBlock(v)));
          ops.push({ type: 'del', key: b.key });
        }
        const merged = concatColumnData(datas[0]!.type, datas);
        const { seriesId, fieldId } = run[0]!.meta;
        for (let lo = 0; lo < merged.count; lo += this.blockPointsMax) {
          const hi = Math.min(merged.count, lo + this.blockPointsMax);
          ops.push({
            type: 'put',
            key: blockKey(seriesId, fieldId, merged.times[lo]!, merged.times[hi - 1]!, hi - lo),
            value: encodeBlock(merged.type, merged.times, merged.values, lo, hi),
          });
        }
        rewritten += run.length;
      }
      run = [];
    };
    for await (const k of this.db.keys(prefixRange(BLOCK_PREFIX))) {
      const meta = decodeBlockKey(k);
      const prev = run[run.length - 1];
      const sameColumn = prev && prev.meta.seriesId === meta.seriesId && prev.meta.fieldId === meta.fieldId;
      if (!sameColumn) await flushRun();
      if (meta.count < this.blockPointsMax) run.push({ key: Buffer.from(k), meta });
      else await flushRun();
    }
    await flushRun();
    if (ops.length === 0) return 0;
    await this.commitBlocks(ops);
    // Rebuild the tails from keys: compaction may have replaced any of them.
    this.tails.clear();
    for await (const k of this.db.keys(prefixRange(BLOCK_PREFIX))) {
      const meta = decodeBlockKey(k);
      this.tails.set(meta.seriesId * FIELD_SPACE + meta.fieldId, { key: Buffer.from(k), meta });
    }
    this.compactions++;
    return rewritten;
  }

  /**
   * Deletes the points of the given series with minTime ≤ time ≤ maxTime (inclusive, as InfluxDB).
   * A series left without any point is removed from the index and its `S` key dropped, so SHOW
   * statements stop listing it; a later write of the same key makes it a new series.
   *
   * Every point acknowledged before this call is gone when it resolves, also after a crash at any
   * later instant. The WAL holds no delete records; instead a delete first flushes any cached point
   * it covers. A WAL record lives only until the cache snapshot holding its points is durable in
   * blocks, so once no cache holds a covered point, no WAL record does either and replay cannot
   * bring one back. What remains is rewriting blocks, in synced batches under the same lock as
   * flushes and compactions. Points written after the call are not waited for: they may or may not
   * be deleted, and are kept if written after it resolves.
   */
  deleteSeriesRange(seriesIds: readonly number[], minTime: bigint, maxTime: bigint): Promise<void> {
    if (this.closed) return Promise.reject(new EngineClosedError());
    const run: Promise<void> = this.deleteNow(seriesIds, minTime, maxTime).finally(() => this.deleting.delete(run));
    this.deleting.add(run);
    return run;
  }

  private async deleteNow(seriesIds: readonly number[], minTime: bigint, maxTime: bigint): Promise<void> {
    if (seriesIds.length === 0 || minTime > maxTime) return;
    // A delete of old data while the cache holds recent points skips the flush.
    if (this.cachesPointIn(seriesIds, minTime, maxTime)) await this.flush();
    await this.serially(() => this.deleteFromBlocks(seriesIds, minTime, maxTime));
    this.deletes++;
  }

  /** Whether a cache (active or snapshot) holds a point of these series in the range. */
  private cachesPointIn(seriesIds: readonly number[], minTime: bigint, maxTime: bigint): boolean {
    const caches = this.cachesOldestFirst();
    for (const sid of seriesIds) {
      const info = this.index.getById(sid);
      if (!info) continue;
      for (const c of caches) {
        const s = c.series.get(info.key);
        if (s) for (const col of s.fields.values()) if (sliceRange(col.data(), minTime, maxTime).count > 0) return true;
      }
    }
    return false;
  }

  private isCached(info: SeriesInfo): boolean {
    return this.cachesOldestFirst().some((c) => c.series.has(info.key));
  }

  private async deleteFromBlocks(seriesIds: readonly number[], minTime: bigint, maxTime: bigint): Promise<void> {
    let ops: BatchOp[] = [];
    let columns: number[] = [];
    let emptied: SeriesInfo[] = [];
    const commit = async (): Promise<void> => {
      if (ops.length > 0) await this.commitBlocks(ops);
      await this.refreshTails(columns);
      this.forgetSeries(emptied);
      ops = [];
      columns = [];
      emptied = [];
    };
    for (const sid of seriesIds) {
      const info = this.index.getById(sid);
      if (!info) continue;
      let remains = false;
      for (const fid of this.fieldIds.values()) {
        const tailId = sid * FIELD_SPACE + fid;
        if (!this.tails.has(tailId)) continue;
        const col = await planColumnDelete(this.db, sid, fid, minTime, maxTime, ops);
        remains ||= col.remains;
        if (col.changed) columns.push(tailId);
        if (col.shrunk) this.compactionDue = true;
        this.valuesDeleted += col.valuesDeleted;
      }
      if (!remains && !this.isCached(info)) {
        // In the batch that removes the series' last blocks: no crash leaves a key without data.
        if (this.persistedSeries.has(sid)) ops.push({ type: 'del', key: idKey(SERIES_PREFIX, sid) });
        emptied.push(info);
      }
      // Whole series per batch, so each batch leaves a consistent shard behind.
      if (ops.length >= DELETE_BATCH_OPS_MAX) await commit();
    }
    await commit();
  }

  /** Re-reads the last block key of each column, after a batch may have removed or replaced it. */
  private async refreshTails(tailIds: readonly number[]): Promise<void> {
    for (const tailId of tailIds) {
      const sid = Math.floor(tailId / FIELD_SPACE);
      const [last] = await this.db.keys({ ...blockRange(sid, tailId % FIELD_SPACE, INT64_MIN), reverse: true, limit: 1 }).all();
      if (last) this.tails.set(tailId, { key: Buffer.from(last), meta: decodeBlockKey(last) });
      else this.tails.delete(tailId);
    }
  }

  /**
   * Drops series whose data and `S` key a committed batch removed. After a restart the index may
   * hand a dropped id out again, which is safe: no block key refers to it any more.
   */
  private forgetSeries(emptied: readonly SeriesInfo[]): void {
    const gone: number[] = [];
    for (const info of emptied) {
      this.persistedSeries.delete(info.id);
      // A write that arrived during the batch keeps the series; its next flush writes the key again.
      if (!this.isCached(info)) gone.push(info.id);
    }
    this.index.remove(gone);
  }

  /** Bytes of this shard's files on disk (blocks, index and WAL). */
  diskBytes(): number {
    return dirBytes(this.dir);
  }

  stats(): ShardStats {
    return {
      id: this.id,
      series: this.index.size,
      cacheBytes: this.cacheBytes(),
      cacheValues: this.cache.values + this.snapshots.reduce((n, s) => n + s.cache.values, 0),
      walBytes: this.wal.diskBytes(),
      pointsWritten: this.pointsWritten,
      valuesWritten: this.valuesWritten,
      flushes: this.flushes,
      blocksWritten: this.blocksWritten,
      compactions: this.compactions,
      deletes: this.deletes,
      valuesDeleted: this.valuesDeleted,
      blockReadsSync: this.blockReads.stats().syncReads,
      blockReadsAsync: this.blockReads.stats().asyncReads,
    };
  }

  /** Flushes the cache, then closes the WAL and the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.coldTimer) clearInterval(this.coldTimer);
    await Promise.allSettled(this.deleting);
    if (this.compacting) await this.compacting;
    while (this.flushing || !this.cache.empty || this.snapshots.length > 0) await this.flush();
    await this.wal.close();
    await this.db.close();
    this.blockCache.invalidatePrefix(this.blockCachePrefix);
  }
}

function blockData(b: { type: FieldType; times: BigInt64Array; values: ColumnData['values']; count: number }): ColumnData {
  return { type: b.type, count: b.count, times: b.times, values: b.values };
}

/** The block ranges of one column, from its keys in key (= time) order. */
function columnBlocks(metas: readonly BlockKey[]): ColumnBlocks {
  const n = metas.length;
  const column = { minTimes: new BigInt64Array(n), maxTimes: new BigInt64Array(n), counts: new Uint32Array(n), values: new Array<Uint8Array | undefined>(n) };
  for (let i = 0; i < n; i++) {
    const m = metas[i]!;
    column.minTimes[i] = m.minTime;
    column.maxTimes[i] = m.maxTime;
    column.counts[i] = m.count;
  }
  return column;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}
