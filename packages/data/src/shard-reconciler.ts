// A DATA node keeps on disk only the shards its catalog still lists. META decides what goes — its
// leader expires shard groups past their policy's duration (docs/meta.md, leader duties), DROP
// SHARD removes one shard, and DROP DATABASE and DROP RETENTION POLICY take their groups along —
// and this node follows: a pass
// right after each such catalog event, one at start-up for what went while the node was down, and
// one every `intervalMs` as a safety net for an event it missed (a crash between an event and the
// removal it asked for).
//
// A local shard whose id the copy has not handed out yet is kept: after a restart the copy may
// come from a META node that is behind the one that created the shard's group, and absence from a
// copy that old proves nothing.

import type { MetaState } from '@shoal/meta';
import type { CatalogEvent, TSDBStore } from '@shoal/tsdb';
import type { Logger } from 'pino';

/** What the reconciler reads of the catalog (MetaCatalog has it). */
export interface ShardListing {
  /** The current copy of the META state; a snapshot replaces it, so it is read afresh each pass. */
  readonly state: MetaState;
  onChange(listener: (event: CatalogEvent) => void): () => void;
}

/** The local shards to remove: handed out by `state` and in none of its live groups. */
export function shardsToDrop(state: MetaState, localShardIds: Iterable<number>): number[] {
  const live = new Set<number>();
  for (const g of state.shardGroups()) for (const s of g.shards) live.add(s.id);
  const drop: number[] = [];
  for (const id of localShardIds) if (state.hasIssuedShardId(id) && !live.has(id)) drop.push(id);
  return drop;
}

export interface ShardReconcilerOptions {
  readonly catalog: ShardListing;
  readonly store: TSDBStore;
  readonly logger: Logger;
  /** How often a pass runs without an event. */
  readonly intervalMs: number;
}

export class ShardReconciler {
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly opts: ShardReconcilerOptions) {}

  /** Subscribes to the catalog's events, starts the timer and runs a first pass at once. */
  start(): void {
    if (this.timer !== null || this.stopped) return;
    this.unsubscribe = this.opts.catalog.onChange((event) => void this.reconcile(event.kind));
    this.timer = setInterval(() => void this.reconcile('interval'), this.opts.intervalMs);
    this.timer.unref();
    void this.reconcile('start');
  }

  /**
   * Resolves once a pass that started after this call has ended. A call during a pass waits for
   * the next one, which every call made meanwhile shares: the pass in progress may have read the
   * catalog before the change that prompted the call. Never rejects: a failed pass is logged, and
   * the next event or tick tries again.
   */
  reconcile(trigger: string): Promise<void> {
    if (this.running === null) return this.startPass(trigger);
    this.queued ??= this.running.then(() => {
      this.queued = null;
      return this.startPass(trigger);
    });
    return this.queued;
  }

  /** No pass starts after this; resolves once the one in progress has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer !== null) clearInterval(this.timer);
    await (this.queued ?? this.running);
  }

  private startPass(trigger: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const pass = this.pass(trigger)
      .catch((err: unknown) => this.opts.logger.error({ err, event: trigger }, 'removing local shards failed'))
      .finally(() => {
        if (this.running === pass) this.running = null;
      });
    this.running = pass;
    return pass;
  }

  private async pass(trigger: string): Promise<void> {
    const { catalog, store, logger } = this.opts;
    const drop = shardsToDrop(catalog.state, store.list().map((s) => s.id));
    for (const id of drop) await store.dropShard(id);
    if (drop.length > 0) logger.info({ event: trigger, shardIds: drop }, 'local shards removed');
  }
}
