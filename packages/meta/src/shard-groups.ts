// Shard-group planning: pure functions of the META state and a time the leader supplies. The
// state machine uses them inside `apply` (so every replica plans the same group) and the leader
// uses them to decide which commands to propose (pre-creation, expiry, pruning).
//
// Rules (docs/meta.md):
// - A group covers [start, end): start is the time aligned as InfluxDB aligns it (Go's
//   time.Truncate, counted from year 1), end = start + the policy's shard-group duration, capped
//   at the largest int64.
// - The replication factor is clamped to the number of live DATA nodes (at least 1).
// - Shards per group = max(1, floor(live DATA nodes / replication factor)).
// - Owners are the live DATA nodes in id order, dealt round robin: shard i gets the `replicaN`
//   nodes after position offset + i·replicaN, and the offset is (group id − 1) mod node count, so
//   successive groups start on successive nodes and load spreads over the cluster.

import { INT64_MAX, INT64_MIN, MAX_TIME_NS } from '@shoal/lineproto';
import { alignToGoZeroTime } from '@shoal/tsdb';
import type { RetentionPolicyInfo, ShardInfo } from '@shoal/tsdb';
import type { CommandOf } from './commands.js';
import type { MetaShardGroupInfo } from './types.js';

/** The replication factor a new group gets: the policy's, at most the live DATA nodes, at least 1. */
export function effectiveReplicaN(replicaN: number, liveDataNodes: number): number {
  return Math.max(1, Math.min(replicaN, liveDataNodes));
}

/** Shards per group: max(1, floor(live DATA nodes / clamped replication factor)). */
export function shardCountFor(liveDataNodes: number, replicaN: number): number {
  return Math.max(1, Math.floor(liveDataNodes / effectiveReplicaN(replicaN, liveDataNodes)));
}

/** [start, end) of the group of a policy with this shard-group duration that covers `timeNs`. */
export function shardGroupBounds(timeNs: bigint, shardGroupDurationNs: bigint): { startNs: bigint; endNs: bigint } {
  const aligned = alignToGoZeroTime(timeNs, shardGroupDurationNs);
  const startNs = aligned < INT64_MIN ? INT64_MIN : aligned;
  const end = aligned + shardGroupDurationNs;
  return { startNs, endNs: end > INT64_MAX ? INT64_MAX : end };
}

/**
 * Owners of each shard, dealt round robin over `nodeIds` (live DATA nodes, ascending) from
 * `offset`. With replicaN ≤ nodes, a shard's owners are distinct.
 */
export function assignOwners(nodeIds: readonly number[], shardCount: number, replicaN: number, offset: number): number[][] {
  const n = nodeIds.length;
  if (n === 0) throw new RangeError('no nodes to assign');
  const owners: number[][] = [];
  let at = offset % n;
  for (let s = 0; s < shardCount; s++) {
    const shard: number[] = [];
    for (let r = 0; r < replicaN; r++) {
      shard.push(nodeIds[at]!);
      at = (at + 1) % n;
    }
    owners.push(shard);
  }
  return owners;
}

export interface ShardGroupPlanInput {
  readonly groupId: number;
  /** Ids of the group's shards are firstShardId, firstShardId + 1, … */
  readonly firstShardId: number;
  readonly database: string;
  readonly policy: RetentionPolicyInfo;
  readonly timeNs: bigint;
  /** Live DATA node ids, ascending. */
  readonly liveDataNodeIds: readonly number[];
}

/** The group `apply` creates for a time not yet covered. */
export function planShardGroup(input: ShardGroupPlanInput): MetaShardGroupInfo {
  const live = input.liveDataNodeIds;
  const replicaN = effectiveReplicaN(input.policy.replicaN, live.length);
  const shardCount = shardCountFor(live.length, input.policy.replicaN);
  const owners = assignOwners(live, shardCount, replicaN, input.groupId - 1);
  const shards: ShardInfo[] = owners.map((o, i) => ({ id: input.firstShardId + i, owners: o }));
  const { startNs, endNs } = shardGroupBounds(input.timeNs, input.policy.shardGroupDurationNs);
  return {
    id: input.groupId,
    database: input.database,
    retentionPolicy: input.policy.name,
    startNs,
    endNs,
    shards,
    deletedAtNs: null,
    truncatedAtNs: null,
  };
}

/** Whether a write at `timeNs` belongs to this group: inside it, not deleted, not past truncation. */
export function groupCovers(g: MetaShardGroupInfo, timeNs: bigint): boolean {
  return (
    g.deletedAtNs === null && g.startNs <= timeNs && timeNs < g.endNs && (g.truncatedAtNs === null || timeNs < g.truncatedAtNs)
  );
}

/** Order of groups within a policy (and of every list handed out): start time, then id. */
export function compareGroups(a: MetaShardGroupInfo, b: MetaShardGroupInfo): number {
  if (a.startNs !== b.startNs) return a.startNs < b.startNs ? -1 : 1;
  return a.id - b.id;
}

/** What the planners read: every policy with its groups (live and deleted), in a fixed order. */
export interface PolicyGroups {
  readonly database: string;
  readonly policy: RetentionPolicyInfo;
  /** Sorted by compareGroups. */
  readonly groups: readonly MetaShardGroupInfo[];
}

export interface PlanningView {
  policyGroups(): Iterable<PolicyGroups>;
}

/** A policy's group that ends last (live only), or undefined. Ties go to the higher id. */
export function newestGroup(groups: readonly MetaShardGroupInfo[]): MetaShardGroupInfo | undefined {
  let newest: MetaShardGroupInfo | undefined;
  for (const g of groups) {
    if (g.deletedAtNs !== null) continue;
    if (newest === undefined || g.endNs > newest.endNs || (g.endNs === newest.endNs && g.id > newest.id)) newest = g;
  }
  return newest;
}

/**
 * The successor groups to create now, as InfluxDB's precreator picks them: for each policy whose
 * newest live group ends within (now, now + advance) and has no successor yet, the group covering
 * that end. Groups wholly in the past get no successor (nobody writes there).
 */
export function planPrecreation(view: PlanningView, nowNs: bigint, advanceNs: bigint): CommandOf<'create-shard-group'>[] {
  const commands: CommandOf<'create-shard-group'>[] = [];
  const untilNs = nowNs + advanceNs;
  for (const { database, policy, groups } of view.policyGroups()) {
    const newest = newestGroup(groups);
    if (newest === undefined) continue;
    const nextNs = newest.endNs;
    if (!(nextNs > nowNs && nextNs < untilNs) || nextNs > MAX_TIME_NS) continue;
    if (groups.some((g) => groupCovers(g, nextNs))) continue;
    commands.push({ type: 'create-shard-group', database, retentionPolicy: policy.name, timeNs: nextNs });
  }
  return commands;
}

/**
 * Groups a retention pass marks deleted: live groups of a policy with a finite duration whose end
 * lies more than that duration before now (InfluxDB's ExpiredShardGroups).
 */
export function planExpiry(view: PlanningView, nowNs: bigint): CommandOf<'delete-shard-group'>[] {
  const commands: CommandOf<'delete-shard-group'>[] = [];
  for (const { database, policy, groups } of view.policyGroups()) {
    if (policy.durationNs === 0n) continue;
    for (const g of groups) {
      if (g.deletedAtNs === null && g.endNs + policy.durationNs < nowNs) {
        commands.push({ type: 'delete-shard-group', database, retentionPolicy: policy.name, id: g.id, nowNs });
      }
    }
  }
  return commands;
}

/**
 * The prune command that forgets groups deleted more than `graceNs` ago (InfluxDB keeps deleted
 * groups for a day so every DATA node sees the marker), or null when there is none.
 */
export function planPrune(view: PlanningView, nowNs: bigint, graceNs: bigint): CommandOf<'prune-shard-groups'> | null {
  const beforeNs = nowNs - graceNs;
  for (const { groups } of view.policyGroups()) {
    for (const g of groups) {
      if (g.deletedAtNs !== null && g.deletedAtNs < beforeNs) return { type: 'prune-shard-groups', beforeNs };
    }
  }
  return null;
}
