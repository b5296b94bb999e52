// The shards held on this node, one directory each (`<dir>/shards/<shardId>/`), so that dropping a
// shard group is removing directories. A shard's `shard.json` names its database, policy and group
// so an operator can tell what a directory holds and a node can reconcile itself with the catalog.

import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { BLOCK_CACHE_BYTES_DEFAULT, BlockCache, type BlockCacheStats } from './block-cache.js';
import { fsyncDir, writeFileAtomic } from './durable-file.js';
import { SHARD_STAT_NAMES, Shard, type ShardOptions, type ShardStats } from './shard.js';

export interface ShardOwner {
  readonly database: string;
  readonly retentionPolicy: string;
  readonly shardGroupId: number;
}

export interface StoreOptions {
  readonly dir: string;
  readonly logger: Logger;
  /** Engine settings applied to every shard (cache sizes, block size, fsync). */
  readonly shard?: Omit<ShardOptions, 'id' | 'dir' | 'logger' | 'blockCache'>;
  /** Bound of the block cache all shards share (BLOCK_CACHE_BYTES_DEFAULT when absent). */
  readonly blockCacheBytes?: number;
}

/** Every shard's numbers summed, plus how many shards there are. */
export type StoreStats = { readonly shards: number } & Omit<ShardStats, 'id'>;

const SHARD_META_FILE = 'shard.json';

export class TSDBStore {
  private readonly shards = new Map<number, { shard: Shard; owner: ShardOwner }>();
  private readonly opening = new Map<number, Promise<Shard>>();
  private closed = false;
  private readonly blockCache: BlockCache;

  private constructor(private readonly opts: StoreOptions) {
    this.blockCache = new BlockCache(opts.blockCacheBytes ?? BLOCK_CACHE_BYTES_DEFAULT);
  }

  static async open(opts: StoreOptions): Promise<TSDBStore> {
    const store = new TSDBStore(opts);
    const root = store.shardsDir();
    fs.mkdirSync(root, { recursive: true });
    for (const name of fs.readdirSync(root).sort()) {
      const id = Number(name);
      if (!Number.isSafeInteger(id)) continue;
      const metaFile = path.join(root, name, SHARD_META_FILE);
      if (!fs.existsSync(metaFile)) {
        // A shard whose creation did not complete holds no acknowledged data.
        opts.logger.warn({ shardId: id }, 'removing incomplete shard directory');
        fs.rmSync(path.join(root, name), { recursive: true, force: true });
        continue;
      }
      const owner = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as ShardOwner;
      const shard = await Shard.open(store.shardOptions(id));
      store.shards.set(id, { shard, owner });
    }
    return store;
  }

  private shardsDir(): string {
    return path.join(this.opts.dir, 'shards');
  }

  private shardOptions(id: number): ShardOptions {
    return { ...this.opts.shard, id, dir: path.join(this.shardsDir(), String(id)), logger: this.opts.logger, blockCache: this.blockCache };
  }

  shard(id: number): Shard | undefined {
    return this.shards.get(id)?.shard;
  }

  /** The local shard `id`, created (durably) if it does not exist yet. */
  async createShard(id: number, owner: ShardOwner): Promise<Shard> {
    const existing = this.shards.get(id);
    if (existing) return existing.shard;
    let pending = this.opening.get(id);
    if (!pending) {
      pending = this.createShardNow(id, owner).finally(() => this.opening.delete(id));
      this.opening.set(id, pending);
    }
    return pending;
  }

  private async createShardNow(id: number, owner: ShardOwner): Promise<Shard> {
    const opts = this.shardOptions(id);
    const shard = await Shard.open(opts);
    // The meta file is written last: its presence marks a complete shard directory.
    writeFileAtomic(path.join(opts.dir, SHARD_META_FILE), JSON.stringify({ ...owner, id }) + '\n');
    fsyncDir(this.shardsDir());
    this.shards.set(id, { shard, owner });
    this.opts.logger.info({ shardId: id, db: owner.database, rp: owner.retentionPolicy, shardGroupId: owner.shardGroupId }, 'shard created');
    return shard;
  }

  /** Shards of a database (and policy), with their owners. */
  list(database?: string, retentionPolicy?: string): Array<{ id: number; shard: Shard; owner: ShardOwner }> {
    const out: Array<{ id: number; shard: Shard; owner: ShardOwner }> = [];
    for (const [id, e] of this.shards) {
      if (database !== undefined && e.owner.database !== database) continue;
      if (retentionPolicy !== undefined && e.owner.retentionPolicy !== retentionPolicy) continue;
      out.push({ id, shard: e.shard, owner: e.owner });
    }
    return out.sort((a, b) => a.id - b.id);
  }

  /** Closes and deletes a shard's directory. */
  async dropShard(id: number): Promise<void> {
    const pending = this.opening.get(id);
    if (pending) await pending.catch(() => undefined);
    const e = this.shards.get(id);
    if (!e) return;
    this.shards.delete(id);
    await e.shard.close();
    fs.rmSync(e.shard.dir, { recursive: true, force: true });
    this.opts.logger.info({ shardId: id, db: e.owner.database, rp: e.owner.retentionPolicy }, 'shard dropped');
  }

  async flushAll(): Promise<void> {
    for (const e of this.shards.values()) await e.shard.flush();
  }

  stats(): StoreStats {
    const totals: Record<string, number> = { shards: this.shards.size };
    for (const name of SHARD_STAT_NAMES) totals[name] = 0;
    for (const e of this.shards.values()) {
      const s = e.shard.stats();
      for (const name of SHARD_STAT_NAMES) totals[name]! += s[name];
    }
    return totals as StoreStats;
  }

  blockCacheStats(): BlockCacheStats {
    return this.blockCache.stats();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.opening.values()) await p.catch(() => undefined);
    const errors: unknown[] = [];
    for (const e of this.shards.values()) {
      try {
        await e.shard.close();
      } catch (err) {
        errors.push(err);
        this.opts.logger.error({ err, shardId: e.shard.id }, 'shard close failed');
      }
    }
    this.shards.clear();
    if (errors.length > 0) throw errors[0];
  }
}
