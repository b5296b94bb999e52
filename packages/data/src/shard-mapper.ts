// Which shard of a shard group holds a series: FNV-1a 64 of the series key modulo the number of
// shards, as InfluxDB does, so the mapping is stable across nodes, restarts and versions.

import type { ShardGroupInfo, ShardInfo } from '@shoal/tsdb';

const FNV_OFFSET_BASIS = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;

export function fnv1a64(bytes: Uint8Array): bigint {
  let h = FNV_OFFSET_BASIS;
  for (let i = 0; i < bytes.length; i++) {
    h ^= BigInt(bytes[i]!);
    h = (h * FNV_PRIME) & MASK_64;
  }
  return h;
}

export function shardFor(group: ShardGroupInfo, seriesKey: string): ShardInfo {
  const shards = group.shards;
  // One shard per group is the single-node case: no hashing on the hot path.
  if (shards.length === 1) return shards[0]!;
  const h = fnv1a64(Buffer.from(seriesKey, 'utf8'));
  return shards[Number(h % BigInt(shards.length))]!;
}
