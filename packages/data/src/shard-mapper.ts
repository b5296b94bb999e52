// Which shard of a shard group holds a series: FNV-1a 64 of the series key modulo the number of
// shards, as InfluxDB does, so the mapping is stable across nodes, restarts and versions. The
// hash itself belongs to META, which plans the groups.

import { shardIndexFor } from '@shoal/meta';
import type { ShardGroupInfo, ShardInfo } from '@shoal/tsdb';

export function shardFor(group: ShardGroupInfo, seriesKey: string): ShardInfo {
  const shards = group.shards;
  // One shard per group is the single-node case: no hashing on the hot path.
  if (shards.length === 1) return shards[0]!;
  return shards[shardIndexFor(seriesKey, shards.length)]!;
}
