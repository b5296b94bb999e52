// The leader's duties on a hand-moved clock: what each timer proposes, when, and what it leaves
// alone. No wall-clock waits: `tick()` is called after moving the clock.

import { NS_PER_HOUR } from '@shoal/tsdb';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MetaCommand } from './commands.js';
import { LeaderDuties, UnknownDataNodeError, type LeaderDutiesConfig } from './leader-duties.js';
import { MetaStateMachine } from './state-machine.js';
import type { MetaResult } from './types.js';

const MS = 1_000_000n;
const HOUR_MS = 3600_000;

let sm: MetaStateMachine;
let index: number;
let clock: { t: number; nowMs(): number };
let proposed: MetaCommand[];
let failNext: number;

beforeEach(() => {
  sm = new MetaStateMachine();
  index = 0;
  clock = {
    t: 0,
    nowMs() {
      return this.t;
    },
  };
  proposed = [];
  failNext = 0;
});

function run(cmd: MetaCommand): MetaResult {
  return sm.applyCommand(cmd, ++index, 1);
}

/** Duties with the given timers; the failure detector stays quiet unless a test sets it. */
function duties(config: Partial<LeaderDutiesConfig> = {}): LeaderDuties {
  return new LeaderDuties({
    propose: async (cmd) => {
      if (failNext > 0) {
        failNext--;
        throw new Error('no quorum');
      }
      proposed.push(cmd);
      return run(cmd);
    },
    state: () => sm.state,
    clock,
    logger: pino({ level: 'silent' }),
    config: { failureCheckIntervalMs: 1e12, ...config },
  });
}

function types(): string[] {
  return proposed.map((c) => c.type);
}

/** A database whose policy has hour-long groups and keeps data `durationNs`. */
function hourlyPolicy(durationNs: bigint): void {
  run({ type: 'register-data-node', rpcAddress: 'd1:8089', httpAddress: 'd1:8086', nowNs: 0n });
  run({ type: 'create-database', name: 'db', retentionPolicy: { name: 'rp', durationNs, shardGroupDurationNs: NS_PER_HOUR } });
}

describe('leader duties', () => {
  it('propose nothing on a node that is not the leader', async () => {
    hourlyPolicy(0n);
    run({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    const d = duties();
    clock.t = HOUR_MS - 60_000;
    await d.tick();
    d.leadershipGained();
    d.leadershipLost();
    clock.t += 24 * HOUR_MS;
    await d.tick();
    expect(proposed).toEqual([]);
  });

  it('pre-create the next group once the newest ends within the advance window, and only then', async () => {
    hourlyPolicy(0n);
    run({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    const d = duties({ precreateCheckIntervalMs: 10 * 60_000, precreateAdvanceMs: 30 * 60_000 });
    // 40 minutes before the group ends: outside the 30-minute window.
    clock.t = HOUR_MS - 40 * 60_000;
    d.leadershipGained();
    await d.tick();
    expect(types()).toEqual([]);
    // The next check is 10 minutes later: 30 minutes before the end is not *within* the window yet.
    clock.t += 5 * 60_000;
    await d.tick();
    expect(types(), 'not before the check interval').toEqual([]);
    clock.t += 6 * 60_000;
    await d.tick();
    expect(types()).toEqual(['precreate-shard-groups']);
    expect(proposed[0]).toEqual({ type: 'precreate-shard-groups', nowNs: BigInt(clock.t) * MS, advanceNs: 30n * 60_000n * MS });
    expect(sm.state.shardGroups('db', 'rp').map((g) => g.startNs)).toEqual([0n, NS_PER_HOUR]);
    // The successor exists: later checks propose nothing (an empty command would still be a log entry).
    clock.t += 10 * 60_000;
    await d.tick();
    expect(types()).toEqual(['precreate-shard-groups']);
  });

  it('mark expired groups deleted, then prune the markers after the grace period', async () => {
    hourlyPolicy(NS_PER_HOUR);
    run({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    run({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: NS_PER_HOUR });
    const d = duties({ retentionCheckIntervalMs: 30 * 60_000, pruneGraceMs: 24 * HOUR_MS, precreateCheckIntervalMs: 1e12 });
    // Group 1 ends at 1h and keeps data 1h: expired once now > 2h. Group 2 is still kept.
    clock.t = 2 * HOUR_MS + 1;
    d.leadershipGained();
    await d.tick();
    expect(proposed).toEqual([{ type: 'delete-shard-group', database: 'db', retentionPolicy: 'rp', id: 1, nowNs: BigInt(clock.t) * MS }]);
    expect(sm.state.deletedShardGroups().map((g) => g.id)).toEqual([1]);
    expect(sm.state.shardGroups().map((g) => g.id)).toEqual([2]);
    const deletedAtMs = clock.t;
    // Group 2 expires at 3h; the marker of group 1 stays until a day after its deletion.
    clock.t = 3 * HOUR_MS + 1;
    await d.tick();
    expect(types()).toEqual(['delete-shard-group', 'delete-shard-group']);
    clock.t = deletedAtMs + 24 * HOUR_MS + 30 * 60_000;
    await d.tick();
    expect(proposed.at(-1)).toEqual({ type: 'prune-shard-groups', beforeNs: BigInt(clock.t - 24 * HOUR_MS) * MS });
    // Group 2's marker (deleted at 3 h) is younger than a day: it stays.
    expect(sm.state.deletedShardGroups().map((g) => g.id)).toEqual([2]);
  });

  it('with expiry off, keep expired groups but still prune the markers of groups deleted otherwise', async () => {
    hourlyPolicy(NS_PER_HOUR);
    run({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    run({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: NS_PER_HOUR });
    run({ type: 'delete-shard-group', database: 'db', retentionPolicy: 'rp', id: 2, nowNs: 0n });
    const d = duties({ expireShardGroups: false, retentionCheckIntervalMs: 30 * 60_000, pruneGraceMs: 24 * HOUR_MS, precreateCheckIntervalMs: 1e12 });
    clock.t = 25 * HOUR_MS;
    d.leadershipGained();
    await d.tick();
    expect(proposed).toEqual([{ type: 'prune-shard-groups', beforeNs: BigInt(HOUR_MS) * MS }]);
    expect(sm.state.shardGroups().map((g) => g.id), 'group 1 ended a day ago and stays').toEqual([1]);
    expect(sm.state.deletedShardGroups()).toEqual([]);
  });

  it('mark a silent DATA node down a full timeout after the election at the earliest, and bring it back on a heartbeat', async () => {
    run({ type: 'register-data-node', rpcAddress: 'd1:8089', httpAddress: 'd1:8086', nowNs: 0n });
    run({ type: 'register-data-node', rpcAddress: 'd2:8089', httpAddress: 'd2:8086', nowNs: 0n });
    const d = duties({ failureCheckIntervalMs: 1000, dataNodeTimeoutMs: 10_000, heartbeatRecordIntervalMs: 60_000, precreateCheckIntervalMs: 1e12, retentionCheckIntervalMs: 1e12 });
    // Registered long ago (t=0), but this leader was elected at 100 s: it has heard from nobody yet.
    clock.t = 100_000;
    d.leadershipGained();
    await d.tick();
    for (let t = 101_000; t <= 110_000; t += 1000) {
      clock.t = t;
      if (t % 3000 === 0) await d.recordHeartbeat(1);
      await d.tick();
    }
    const statusChanges = (): MetaCommand[] => proposed.filter((c) => c.type === 'set-node-status');
    expect(statusChanges(), 'nobody is down within the timeout of the election').toEqual([]);
    clock.t = 111_000;
    await d.tick();
    await Promise.resolve();
    expect(statusChanges()).toEqual([{ type: 'set-node-status', nodeId: 2, status: 'down' }]);
    expect(sm.state.node(2)?.status).toBe('down');
    expect(sm.state.node(1)?.status, 'node 1 kept beating').toBe('up');
    expect(sm.state.liveDataNodeIds()).toEqual([1]);
    // A down node is not marked down again.
    clock.t += 5000;
    await d.tick();
    expect(statusChanges()).toHaveLength(1);
    // Its heartbeat brings it back at once, recorded with the leader's time.
    await d.recordHeartbeat(2);
    expect(proposed.at(-1)).toEqual({ type: 'heartbeat', nodeId: 2, nowNs: BigInt(clock.t) * MS });
    expect(sm.state.node(2)).toMatchObject({ status: 'up', lastHeartbeatNs: BigInt(clock.t) * MS });
  });

  it('write a live node heartbeat to the state at most once per record interval', async () => {
    run({ type: 'register-data-node', rpcAddress: 'd1:8089', httpAddress: 'd1:8086', nowNs: 0n });
    const d = duties({ heartbeatRecordIntervalMs: 60_000, precreateCheckIntervalMs: 1e12, retentionCheckIntervalMs: 1e12 });
    clock.t = 1_000;
    d.leadershipGained();
    for (let t = 1_000; t <= 180_000; t += 1000) {
      clock.t = t;
      await d.recordHeartbeat(1);
    }
    // Registered at 0: records at 60 s, 120 s, 180 s.
    expect(proposed.map((c) => (c.type === 'heartbeat' ? Number(c.nowNs / MS) : -1))).toEqual([60_000, 120_000, 180_000]);
    await expect(d.recordHeartbeat(99)).rejects.toThrow(UnknownDataNodeError);
  });

  it('retry a failed proposal after retryAfterErrorMs instead of a whole interval', async () => {
    hourlyPolicy(0n);
    run({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    const d = duties({ precreateCheckIntervalMs: 10 * 60_000, precreateAdvanceMs: 30 * 60_000, retryAfterErrorMs: 5000, retentionCheckIntervalMs: 1e12 });
    clock.t = HOUR_MS - 20 * 60_000;
    failNext = 1;
    d.leadershipGained();
    await d.tick();
    expect(proposed).toEqual([]);
    clock.t += 5000;
    await d.tick();
    expect(types()).toEqual(['precreate-shard-groups']);
  });

  it('share one run between overlapping ticks', async () => {
    hourlyPolicy(0n);
    run({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    const d = duties({ retentionCheckIntervalMs: 1e12 });
    clock.t = HOUR_MS - 60_000;
    d.leadershipGained();
    const a = d.tick();
    expect(d.tick()).toBe(a);
    await a;
    expect(types()).toEqual(['precreate-shard-groups']);
  });
});
