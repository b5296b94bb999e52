// Enforces retention: shard groups whose whole time range has fallen out of their policy's
// duration are deleted from the catalog, and local shards the catalog no longer lists (expired,
// or of dropped databases and policies) are removed from disk.

import type { Logger } from 'pino';
import type { Catalog } from './catalog.js';
import type { TSDBStore } from './store.js';

export interface RetentionServiceOptions {
  readonly catalog: Catalog;
  readonly store: TSDBStore;
  readonly logger: Logger;
  readonly checkIntervalMs: number;
  /** Clock in ns since the epoch; injectable so tests need no waiting. */
  readonly nowNs?: () => bigint;
}

export class RetentionService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly nowNs: () => bigint;
  private readonly logger: Logger;

  constructor(private readonly opts: RetentionServiceOptions) {
    this.nowNs = opts.nowNs ?? (() => BigInt(Date.now()) * 1_000_000n);
    this.logger = opts.logger.child({ service: 'retention' });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.enforce(), this.opts.checkIntervalMs);
    this.timer.unref();
  }

  /** One pass: delete expired groups, then drop shards that are no longer in the catalog. */
  enforce(): Promise<void> {
    if (!this.running) {
      this.running = this.enforceNow()
        .catch((err: Error) => this.logger.error({ err }, 'retention enforcement failed'))
        .finally(() => {
          this.running = undefined;
        });
    }
    return this.running;
  }

  private async enforceNow(): Promise<void> {
    const { catalog, store } = this.opts;
    const now = this.nowNs();
    for (const db of catalog.databases()) {
      for (const rp of db.retentionPolicies) {
        if (rp.durationNs === 0n) continue;
        const cutoff = now - rp.durationNs;
        for (const g of catalog.shardGroups(db.name, rp.name)) {
          if (g.endNs > cutoff) continue;
          await catalog.deleteShardGroup(db.name, rp.name, g.id);
          this.logger.info({ db: db.name, rp: rp.name, shardGroupId: g.id }, 'expired shard group deleted');
        }
      }
    }
    const live = new Set<number>();
    for (const g of catalog.shardGroups()) for (const s of g.shards) live.add(s.id);
    await store.dropShardsNotIn(live);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.running) await this.running;
  }
}
