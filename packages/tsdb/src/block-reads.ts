// Fetching stored blocks the block cache does not have. A LevelDB get served from memory (its
// block cache or the OS page cache) takes a few microseconds when made synchronously, while the
// same get through libuv's thread pool costs a round trip whose latency, on a busy machine, is
// a millisecond or more: worker threads queue behind everything else runnable. That round trip
// was most of a short query's time right after a start, when every block is read once.
//
// So blocks are read synchronously, as InfluxDB reads its memory-mapped TSM files, as long as
// such reads stay fast. One that is slow went to the disk, which a synchronous read would make
// the whole process wait for: after it, reads go through the thread pool for a while, so other
// requests are served while the disk works.

/** The reads this needs from the store (classic-level's). */
export interface BlockStore {
  getSync(key: Buffer): Uint8Array | undefined;
  getMany(keys: Buffer[]): Promise<Array<Uint8Array | undefined>>;
}

/** A synchronous read slower than this was not served from memory. */
export const SYNC_READ_SLOW_MS = 1;
/** After a slow synchronous read, reads go through the thread pool for this long. */
export const ASYNC_READS_AFTER_SLOW_MS = 10_000;

export class BlockReads {
  private asyncUntilMs = -Infinity;
  private syncReads = 0;
  private asyncReads = 0;

  /** `nowMs`: a monotonic clock in milliseconds (tests pass their own). */
  constructor(
    private readonly store: BlockStore,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** The blocks under `keys`, undefined where a key is gone; synchronous while reads are fast. */
  fetch(keys: Buffer[]): Array<Uint8Array | undefined> | Promise<Array<Uint8Array | undefined>> {
    if (this.nowMs() < this.asyncUntilMs) {
      this.asyncReads += keys.length;
      return this.store.getMany(keys);
    }
    const out = new Array<Uint8Array | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const started = this.nowMs();
      out[i] = this.store.getSync(keys[i]!);
      const ended = this.nowMs();
      this.syncReads++;
      if (ended - started > SYNC_READ_SLOW_MS) {
        this.asyncUntilMs = ended + ASYNC_READS_AFTER_SLOW_MS;
        if (i + 1 < keys.length) return this.rest(out, keys, i + 1);
        break;
      }
    }
    return out;
  }

  /** Blocks read synchronously and through the thread pool since the shard opened. */
  stats(): { readonly syncReads: number; readonly asyncReads: number } {
    return { syncReads: this.syncReads, asyncReads: this.asyncReads };
  }

  private async rest(out: Array<Uint8Array | undefined>, keys: Buffer[], from: number): Promise<Array<Uint8Array | undefined>> {
    const more = await this.store.getMany(keys.slice(from));
    this.asyncReads += more.length;
    for (let i = 0; i < more.length; i++) out[from + i] = more[i];
    return out;
  }
}
