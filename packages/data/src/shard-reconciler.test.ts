// Which local shards a DATA node removes, decided on a META state built by hand, and when: at
// start, on a catalog event, on the timer (fake timers: nothing waits on the wall clock).

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaStateMachine, type MetaCommand } from '@shoal/meta';
import { NS_PER_HOUR, TSDBStore, type CatalogEvent, type ShardGroupInfo } from '@shoal/tsdb';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ShardReconciler, shardsToDrop, type ShardListing } from './shard-reconciler.js';

const logger = pino({ level: 'silent' });

let sm: MetaStateMachine;
let index: number;

beforeEach(() => {
  sm = new MetaStateMachine();
  index = 0;
  run({ type: 'register-data-node', rpcAddress: 'd1:8089', httpAddress: 'd1:8086', nowNs: 0n });
});

function run(cmd: MetaCommand): void {
  const r = sm.applyCommand(cmd, ++index, 1);
  if (!r.ok) throw new Error(r.error.message);
}

/** A one-shard group of db.rp at hour `h`. */
function group(db: string, rp: string, h: bigint): ShardGroupInfo {
  run({ type: 'create-shard-group', database: db, retentionPolicy: rp, timeNs: h * NS_PER_HOUR });
  return sm.state.shardGroupAt(db, rp, h * NS_PER_HOUR)!;
}

function shardOf(g: ShardGroupInfo): number {
  return g.shards[0]!.id;
}

function database(name: string, ...policies: string[]): void {
  run({ type: 'create-database', name, retentionPolicy: null });
  for (const p of policies) {
    run({ type: 'create-retention-policy', database: name, spec: { name: p, durationNs: 0n, shardGroupDurationNs: NS_PER_HOUR }, makeDefault: false });
  }
}

describe('shardsToDrop', () => {
  it('names the shards of deleted groups, dropped policies and dropped databases, and keeps live ones', () => {
    database('db', 'keep', 'gone');
    database('old', 'rp');
    const live = group('db', 'keep', 0n);
    const expired = group('db', 'keep', 1n);
    const ofPolicy = group('db', 'gone', 0n);
    const ofDatabase = group('old', 'rp', 0n);
    run({ type: 'delete-shard-group', database: 'db', retentionPolicy: 'keep', id: expired.id, nowNs: 0n });
    run({ type: 'drop-retention-policy', database: 'db', name: 'gone' });
    run({ type: 'drop-database', name: 'old' });
    const local = [live, expired, ofPolicy, ofDatabase].map(shardOf);
    expect(shardsToDrop(sm.state, local)).toEqual([shardOf(expired), shardOf(ofPolicy), shardOf(ofDatabase)]);
    // Pruning forgets the marker: the shard is still one to drop.
    run({ type: 'prune-shard-groups', beforeNs: 1n });
    expect(shardsToDrop(sm.state, [shardOf(expired)])).toEqual([shardOf(expired)]);
  });

  it('keeps a shard the state has not handed out yet: the copy is older than its group', () => {
    database('db', 'rp');
    const g = group('db', 'rp', 0n);
    expect(shardsToDrop(sm.state, [shardOf(g), shardOf(g) + 1, shardOf(g) + 100])).toEqual([]);
  });
});

describe('ShardReconciler', () => {
  let dir: string;
  let store: TSDBStore;
  let reconciler: ShardReconciler | undefined;
  const listeners = new Set<(event: CatalogEvent) => void>();
  const catalog: ShardListing = {
    get state() {
      return sm.state;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shoal-reconcile-'));
    store = await TSDBStore.open({ dir, logger });
  });

  afterEach(async () => {
    vi.useRealTimers();
    await reconciler?.stop();
    reconciler = undefined;
    listeners.clear();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function localShard(g: ShardGroupInfo): Promise<string> {
    await store.createShard(shardOf(g), { database: g.database, retentionPolicy: g.retentionPolicy, shardGroupId: g.id });
    return join(dir, 'shards', String(shardOf(g)));
  }

  function reconcilerEvery(intervalMs: number): ShardReconciler {
    reconciler = new ShardReconciler({ catalog, store, logger, intervalMs });
    return reconciler;
  }

  it('removes at start what went while the node was down, and on an event what the event took', async () => {
    database('db', 'rp');
    const [a, b, c] = [group('db', 'rp', 0n), group('db', 'rp', 1n), group('db', 'rp', 2n)];
    const [dirA, dirB, dirC] = [await localShard(a), await localShard(b), await localShard(c)];
    run({ type: 'delete-shard-group', database: 'db', retentionPolicy: 'rp', id: a.id, nowNs: 0n });
    const r = reconcilerEvery(3600_000);
    r.start();
    // The start-up pass is in flight; a call now shares the one after it.
    await r.reconcile('test');
    expect([existsSync(dirA), existsSync(dirB), existsSync(dirC)]).toEqual([false, true, true]);

    run({ type: 'delete-shard-group', database: 'db', retentionPolicy: 'rp', id: b.id, nowNs: 0n });
    for (const l of listeners) l({ kind: 'shard-group-deleted', group: sm.state.shardGroup(b.id)! });
    await r.stop();
    expect(store.list().map((s) => s.id)).toEqual([shardOf(c)]);
    expect(existsSync(dirB)).toBe(false);
  });

  it('catches on its timer a removal whose event it missed, and starts no pass once stopped', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    database('db', 'rp');
    database('other', 'rp');
    const a = group('db', 'rp', 0n);
    const b = group('other', 'rp', 0n);
    await localShard(a);
    await localShard(b);
    const r = reconcilerEvery(60_000);
    r.start();
    await r.reconcile('test');
    run({ type: 'drop-database', name: 'db' });
    vi.advanceTimersByTime(60_000);
    await r.stop();
    expect(store.list().map((s) => s.id), 'the timer pass, with no event').toEqual([shardOf(b)]);

    run({ type: 'drop-database', name: 'other' });
    vi.advanceTimersByTime(60_000);
    await r.reconcile('after stop');
    expect(store.list().map((s) => s.id)).toEqual([shardOf(b)]);
  });
});
