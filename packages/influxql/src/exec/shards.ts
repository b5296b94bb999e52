// Which shards a statement reads: the live shard groups of a database (and policy) that overlap
// a time range, oldest first, and of those the shards this node holds.

import type { QueryPorts, ShardReader } from './ports.js';

export interface MappedShard {
  readonly reader: ShardReader;
  readonly groupStartNs: bigint;
  readonly groupEndNs: bigint;
}

/**
 * The local shards of `db` (one policy, or all when `rp` is undefined) whose groups overlap
 * [minNs, maxNs], ordered by group start time and then shard id.
 */
export function mapShards(ports: QueryPorts, db: string, rp: string | undefined, minNs: bigint, maxNs: bigint): MappedShard[] {
  const out: MappedShard[] = [];
  for (const g of ports.catalog.shardGroups(db, rp)) {
    // A group covers [startNs, endNs).
    if (g.endNs <= minNs || g.startNs > maxNs) continue;
    for (const s of [...g.shards].sort((a, b) => a.id - b.id)) {
      const reader = ports.shard(s.id);
      if (reader !== undefined) out.push({ reader, groupStartNs: g.startNs, groupEndNs: g.endNs });
    }
  }
  out.sort((a, b) => (a.groupStartNs < b.groupStartNs ? -1 : a.groupStartNs > b.groupStartNs ? 1 : a.reader.id - b.reader.id));
  return out;
}
