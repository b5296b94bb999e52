// What reads need from the stored blocks of a column (one field of one series), kept in memory so
// that a repeated query touches LevelDB not at all: each column's block ranges (what its keys say)
// and the encoded bytes of the blocks read lately. Every LevelDB iterator or get is a round trip
// through libuv's thread pool costing 10–60 µs of main-thread time, and a query reads column by
// column: `last(f) GROUP BY host` over 100 hosts spent most of its time opening 100 iterators.
//
// Blocks stay encoded here (~0.5 byte per value); readers decode or summarize them on every read,
// as InfluxDB reads its memory-mapped TSM blocks.
//
// Bound: `bytesMax`, over estimated heap bytes (ranges, encoded bytes and a fixed overhead per
// entry), whole columns evicted least recently used first. One cache serves every shard of a store.
//
// Consistency: entries are dropped by `invalidate` whenever a batch puts or deletes blocks of their
// column (Shard.commitBlocks). A load from LevelDB that began before an invalidation may have read
// the old blocks, so stores carry the `generation` seen when their load began and are refused if
// any invalidation came in between.

/** One column's stored blocks in time order: blocks of a column never overlap. */
export interface ColumnBlocks {
  readonly minTimes: BigInt64Array;
  readonly maxTimes: BigInt64Array;
  readonly counts: Uint32Array;
  /** Encoded blocks read so far, by position; filled in as reads fetch them. */
  readonly values: Array<Uint8Array | undefined>;
}

export interface BlockCacheStats {
  readonly bytes: number;
  readonly columns: number;
  /** Column lookups answered from memory, and those that had to load the column's block keys. */
  readonly columnHits: number;
  readonly columnMisses: number;
  /** Encoded blocks served from memory, and those fetched from LevelDB. */
  readonly blockHits: number;
  readonly blockMisses: number;
  readonly evictions: number;
}

/** Heap bytes of an entry beyond its arrays: the Map entry, the object, the typed array headers. */
const COLUMN_OVERHEAD_BYTES = 400;
/** Per block: two times and a count, and a slot in `values`. */
const BLOCK_RANGE_BYTES = 8 + 8 + 4 + 8;
/** Per cached encoded block beyond its bytes: the Buffer object and its backing store header. */
const BLOCK_VALUE_OVERHEAD_BYTES = 100;

export const BLOCK_CACHE_BYTES_DEFAULT = 64 * 1024 * 1024;

interface Entry {
  readonly column: ColumnBlocks;
  bytes: number;
}

export class BlockCache {
  /** In least-recently-used-first order: a hit re-inserts its entry at the end. */
  private readonly entries = new Map<string, Entry>();
  private totalBytes = 0;
  private invalidations = 0;
  private columnHits = 0;
  private columnMisses = 0;
  private blockHits = 0;
  private blockMisses = 0;
  private evictions = 0;

  constructor(readonly bytesMax: number = BLOCK_CACHE_BYTES_DEFAULT) {
    if (!(bytesMax >= 0)) throw new RangeError(`block cache bound must be >= 0 bytes, got ${bytesMax}`);
  }

  /** Changes whenever an entry is invalidated; a load passes the value it began with to its stores. */
  get generation(): number {
    return this.invalidations;
  }

  /** The column's blocks if cached, marked most recently used. */
  column(key: string): ColumnBlocks | undefined {
    const e = this.entries.get(key);
    if (e === undefined) {
      this.columnMisses++;
      return undefined;
    }
    this.columnHits++;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.column;
  }

  /**
   * Caches a column's block ranges loaded from LevelDB (no encoded blocks yet), unless an
   * invalidation came after `generation` or the column alone exceeds the bound. Evicts as needed.
   */
  addColumn(key: string, column: ColumnBlocks, generation: number): void {
    if (generation !== this.invalidations) return;
    const bytes = COLUMN_OVERHEAD_BYTES + column.minTimes.length * BLOCK_RANGE_BYTES;
    if (bytes > this.bytesMax) return;
    this.remove(key);
    this.entries.set(key, { column, bytes });
    this.totalBytes += bytes;
    this.evictBeyondBound();
  }

  /**
   * Caches a column the way `addColumn` does, but only if it fits without evicting anything:
   * for filling the cache from a scan that reads every column anyway (a shard opening).
   */
  addColumnIfRoom(key: string, column: ColumnBlocks): boolean {
    const bytes = COLUMN_OVERHEAD_BYTES + column.minTimes.length * BLOCK_RANGE_BYTES;
    if (this.totalBytes + bytes > this.bytesMax || this.entries.has(key)) return false;
    this.entries.set(key, { column, bytes });
    this.totalBytes += bytes;
    return true;
  }

  /** Counts blocks a read found cached or had to fetch (the cache learns of hits only this way). */
  countBlocks(hits: number, misses: number): void {
    this.blockHits += hits;
    this.blockMisses += misses;
  }

  /**
   * Records the encoded block at `index` of a cached column, fetched from LevelDB by a read that
   * began at `generation`; refused if an invalidation came in between or the column is gone.
   */
  addBlock(key: string, column: ColumnBlocks, index: number, value: Uint8Array, generation: number): void {
    if (generation !== this.invalidations) return;
    const e = this.entries.get(key);
    if (e === undefined || e.column !== column || column.values[index] !== undefined) return;
    const bytes = value.byteLength + BLOCK_VALUE_OVERHEAD_BYTES;
    column.values[index] = value;
    e.bytes += bytes;
    this.totalBytes += bytes;
    this.evictBeyondBound();
  }

  /** Drops a column whose blocks changed in LevelDB; loads begun before now will not be stored. */
  invalidate(key: string): void {
    this.invalidations++;
    this.remove(key);
  }

  /** Drops every column whose key starts with `prefix` (a shard closing). */
  invalidatePrefix(prefix: string): void {
    this.invalidations++;
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.remove(key);
  }

  stats(): BlockCacheStats {
    return {
      bytes: this.totalBytes,
      columns: this.entries.size,
      columnHits: this.columnHits,
      columnMisses: this.columnMisses,
      blockHits: this.blockHits,
      blockMisses: this.blockMisses,
      evictions: this.evictions,
    };
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.entries.delete(key);
    this.totalBytes -= e.bytes;
  }

  private evictBeyondBound(): void {
    for (const [key] of this.entries) {
      if (this.totalBytes <= this.bytesMax) return;
      this.remove(key);
      this.evictions++;
    }
  }
}
