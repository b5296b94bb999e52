import { INT64_MAX, INT64_MIN, MAX_TIME_NS, MIN_TIME_NS } from '@shoal/lineproto';
import { NS_PER_DAY, NS_PER_HOUR } from '@shoal/tsdb';
import { describe, expect, it } from 'vitest';
import { prng } from '../../../test/support/prng.js';
import type { MetaCommand } from './commands.js';
import {
  assignOwners,
  effectiveReplicaN,
  planExpiry,
  planPrecreation,
  planPrune,
  planShardGroup,
  shardCountFor,
  shardGroupBounds,
} from './shard-groups.js';
import { MetaState } from './state.js';

const WEEK = 7n * NS_PER_DAY;

/** A state with `dataNodes` live DATA nodes and database `db` whose default policy is given. */
function stateWith(dataNodes: number, policy: { durationNs?: bigint; shardGroupDurationNs?: bigint; replicaN?: number } = {}): MetaState {
  const s = new MetaState();
  for (let i = 0; i < dataNodes; i++) must(s, { type: 'register-data-node', rpcAddress: `d${i}:8089`, httpAddress: `d${i}:8086`, nowNs: 0n });
  must(s, { type: 'create-database', name: 'db', retentionPolicy: { name: 'rp', ...policy } });
  return s;
}

function must(s: MetaState, cmd: MetaCommand): unknown {
  const { result } = s.apply(cmd);
  if (!result.ok) throw new Error(`${cmd.type}: ${result.error.message}`);
  return result.value;
}

describe('replication factor and shard count', () => {
  it('clamps the replication factor to the live DATA nodes, and to at least 1', () => {
    expect(effectiveReplicaN(3, 5)).toBe(3);
    expect(effectiveReplicaN(3, 2)).toBe(2);
    expect(effectiveReplicaN(1, 0)).toBe(1);
    expect(effectiveReplicaN(0, 4)).toBe(1);
  });

  it('makes max(1, floor(live / replicaN)) shards', () => {
    const cases: Array<[nodes: number, replicaN: number, shards: number]> = [
      [1, 1, 1],
      [3, 1, 3],
      [3, 2, 1],
      [4, 2, 2],
      [5, 2, 2],
      [6, 3, 2],
      [7, 3, 2],
      [2, 3, 1], // factor clamped to 2
      [0, 1, 1],
    ];
    for (const [nodes, replicaN, shards] of cases) expect(shardCountFor(nodes, replicaN), `${nodes} nodes, RF ${replicaN}`).toBe(shards);
  });
});

describe('owner assignment', () => {
  it('deals nodes round robin from the offset', () => {
    expect(assignOwners([1, 2, 3], 3, 1, 0)).toEqual([[1], [2], [3]]);
    expect(assignOwners([1, 2, 3], 3, 1, 1)).toEqual([[2], [3], [1]]);
    expect(assignOwners([1, 2, 3, 4], 2, 2, 3)).toEqual([
      [4, 1],
      [2, 3],
    ]);
    expect(assignOwners([5, 9], 1, 2, 7)).toEqual([[9, 5]]);
  });

  it('gives each shard distinct owners and uses each node at most once per group (seeded)', () => {
    const seed = 7;
    const rand = prng(seed);
    for (let n = 0; n < 500; n++) {
      const nodes = 1 + Math.floor(rand() * 12);
      const ids = Array.from({ length: nodes }, (_, i) => 10 * i + 1);
      const replicaN = effectiveReplicaN(1 + Math.floor(rand() * 5), nodes);
      const shards = shardCountFor(nodes, replicaN);
      const owners = assignOwners(ids, shards, replicaN, Math.floor(rand() * 100));
      expect(owners).toHaveLength(shards);
      for (const o of owners) expect(new Set(o).size, `seed ${seed} case ${n}`).toBe(replicaN);
      expect(new Set(owners.flat()).size).toBe(shards * replicaN);
    }
  });

  it('rotates the first owner from one group to the next, so groups spread over the nodes', () => {
    const policy = { name: 'rp', durationNs: 0n, shardGroupDurationNs: NS_PER_HOUR, replicaN: 2 };
    const firstOwners = [1, 2, 3, 4, 5, 6].map(
      (groupId) =>
        planShardGroup({ groupId, firstShardId: 1, database: 'db', policy, timeNs: 0n, liveDataNodeIds: [11, 12, 13] }).shards[0]!.owners,
    );
    expect(firstOwners).toEqual([
      [11, 12],
      [12, 13],
      [13, 11],
      [11, 12],
      [12, 13],
      [13, 11],
    ]);
  });

  it('plans a group with consecutive shard ids and a clamped replication factor', () => {
    const policy = { name: 'rp', durationNs: 0n, shardGroupDurationNs: WEEK, replicaN: 5 };
    const g = planShardGroup({ groupId: 4, firstShardId: 20, database: 'db', policy, timeNs: 0n, liveDataNodeIds: [1, 2, 3] });
    expect(g.shards).toEqual([{ id: 20, owners: [1, 2, 3] }]);
    const wide = planShardGroup({ groupId: 1, firstShardId: 7, database: 'db', policy: { ...policy, replicaN: 1 }, timeNs: 0n, liveDataNodeIds: [1, 2, 3] });
    expect(wide.shards).toEqual([
      { id: 7, owners: [1] },
      { id: 8, owners: [2] },
      { id: 9, owners: [3] },
    ]);
    expect(wide).toMatchObject({ id: 1, database: 'db', retentionPolicy: 'rp', deletedAtNs: null, truncatedAtNs: null });
  });
});

describe('group bounds', () => {
  it('aligns weeks to Mondays counted from Go zero time, as InfluxDB does', () => {
    // 2016-01-01T00:00:00Z falls in the week starting Monday 2015-12-28.
    expect(shardGroupBounds(1_451_606_400_000_000_000n, WEEK)).toEqual({ startNs: 1_451_260_800_000_000_000n, endNs: 1_451_865_600_000_000_000n });
    // The Unix epoch (a Thursday) falls in the week starting Monday 1969-12-29.
    expect(shardGroupBounds(0n, WEEK)).toEqual({ startNs: -3n * NS_PER_DAY, endNs: 4n * NS_PER_DAY });
  });

  it('puts a boundary time in the group it starts, and the last nanosecond before it in the previous one', () => {
    expect(shardGroupBounds(NS_PER_HOUR, NS_PER_HOUR)).toEqual({ startNs: NS_PER_HOUR, endNs: 2n * NS_PER_HOUR });
    expect(shardGroupBounds(NS_PER_HOUR - 1n, NS_PER_HOUR)).toEqual({ startNs: 0n, endNs: NS_PER_HOUR });
  });

  it('aligns negative times down, not toward zero', () => {
    expect(shardGroupBounds(-1n, NS_PER_HOUR)).toEqual({ startNs: -NS_PER_HOUR, endNs: 0n });
    expect(shardGroupBounds(-NS_PER_HOUR, NS_PER_HOUR)).toEqual({ startNs: -NS_PER_HOUR, endNs: 0n });
    expect(shardGroupBounds(-NS_PER_HOUR - 1n, NS_PER_DAY)).toEqual({ startNs: -NS_PER_DAY, endNs: 0n });
  });

  it('keeps the groups at the ends of time within int64', () => {
    expect(shardGroupBounds(MAX_TIME_NS, WEEK).endNs).toBe(INT64_MAX);
    expect(shardGroupBounds(MIN_TIME_NS, WEEK).startNs).toBe(INT64_MIN);
    const last = shardGroupBounds(MAX_TIME_NS, WEEK);
    expect(last.startNs <= MAX_TIME_NS && MAX_TIME_NS < last.endNs).toBe(true);
  });
});

describe('pre-creation', () => {
  it('plans the successor of a group that ends within the advance period', () => {
    const s = stateWith(2, { durationNs: 0n, shardGroupDurationNs: NS_PER_HOUR });
    must(s, { type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 10n });
    const now = NS_PER_HOUR - 10n * 60n * 1_000_000_000n; // 10 minutes before the group ends
    expect(planPrecreation(s, now, 30n * 60n * 1_000_000_000n)).toEqual([
      { type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: NS_PER_HOUR },
    ]);
    // Too early: the group ends after the advance period.
    expect(planPrecreation(s, now, 5n * 60n * 1_000_000_000n)).toEqual([]);
    // Too late: the group has ended; nobody writes to a past successor in advance.
    expect(planPrecreation(s, NS_PER_HOUR, NS_PER_HOUR)).toEqual([]);
  });

  it('plans nothing once the successor exists, and nothing for a policy without groups', () => {
    const s = stateWith(1, { shardGroupDurationNs: NS_PER_HOUR });
    expect(planPrecreation(s, 0n, NS_PER_DAY)).toEqual([]);
    must(s, { type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    must(s, { type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: NS_PER_HOUR });
    // Now the newest group is the successor, ending at 2h: outside (now, now + 30m).
    expect(planPrecreation(s, NS_PER_HOUR - 60_000_000_000n, 30n * 60_000_000_000n)).toEqual([]);
  });
});

describe('expiry and pruning', () => {
  it('marks groups deleted once their end is more than the policy duration ago', () => {
    const s = stateWith(1, { durationNs: NS_PER_DAY, shardGroupDurationNs: NS_PER_HOUR });
    const g = must(s, { type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n }) as { id: number; endNs: bigint };
    const expiresAfter = g.endNs + NS_PER_DAY;
    expect(planExpiry(s, expiresAfter)).toEqual([]);
    expect(planExpiry(s, expiresAfter + 1n)).toEqual([
      { type: 'delete-shard-group', database: 'db', retentionPolicy: 'rp', id: g.id, nowNs: expiresAfter + 1n },
    ]);
    must(s, planExpiry(s, expiresAfter + 1n)[0]!);
    expect(planExpiry(s, expiresAfter + 1n)).toEqual([]);
    expect(planPrune(s, expiresAfter + 1n + NS_PER_DAY, NS_PER_DAY)).toBeNull();
    expect(planPrune(s, expiresAfter + 2n + NS_PER_DAY, NS_PER_DAY)).toEqual({ type: 'prune-shard-groups', beforeNs: expiresAfter + 2n });
  });

  it('never expires groups of an infinite policy', () => {
    const s = stateWith(1, { durationNs: 0n });
    must(s, { type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    expect(planExpiry(s, MAX_TIME_NS)).toEqual([]);
  });
});
