// What deleting a time range does to the blocks of one series and field. A block wholly inside the
// range is removed by its key alone, without being read; a block that straddles an end of the
// range is decoded and written again without the deleted points, under a key that tells its new
// range and count (the encoder recomputes its statistics). The kept points lie within the old
// block's range, so blocks of the column still never overlap. The shard commits the operations in
// one synced batch, so a crash leaves each block either as it was or as the delete left it.

import type { ClassicLevel } from 'classic-level';
import { INT64_MIN } from '@shoal/lineproto';
import { withoutRange } from './column-data.js';
import { decodeBlock, encodeBlock } from './encoding/index.js';
import { blockKey, blockRange, decodeBlockKey, type BatchOp } from './shard-keys.js';

export interface ColumnDelete {
  /** Whether any point of the column survives the delete. */
  readonly remains: boolean;
  /** Whether any block was removed or rewritten. */
  readonly changed: boolean;
  /** Whether a block was rewritten smaller (compaction may merge it with a neighbour). */
  readonly shrunk: boolean;
  readonly valuesDeleted: number;
}

/** Appends to `ops` what removes the points of (sid, fid) with minTime ≤ time ≤ maxTime. */
export async function planColumnDelete(
  db: ClassicLevel<Buffer, Buffer>,
  sid: number,
  fid: number,
  minTime: bigint,
  maxTime: bigint,
  ops: BatchOp[],
): Promise<ColumnDelete> {
  let remains = false;
  let changed = false;
  let shrunk = false;
  let valuesDeleted = 0;
  const straddling: Buffer[] = [];
  // The range starts at the first block whose maxTime reaches minTime.
  const from = blockRange(sid, fid, minTime);
  for await (const k of db.keys(from)) {
    const meta = decodeBlockKey(k);
    if (meta.minTime > maxTime) {
      remains = true;
      break;
    }
    if (meta.minTime >= minTime && meta.maxTime <= maxTime) {
      ops.push({ type: 'del', key: Buffer.from(k) });
      valuesDeleted += meta.count;
      changed = true;
    } else {
      straddling.push(Buffer.from(k));
    }
  }
  for (const k of straddling) {
    const v = await db.get(k);
    if (v === undefined) continue;
    const meta = decodeBlockKey(k);
    const kept = withoutRange(decodeBlock(v), minTime, maxTime);
    // A block that spans the range without a point in it stays as it is.
    if (kept.count < meta.count) {
      ops.push({ type: 'del', key: k });
      ops.push({ type: 'put', key: blockKey(sid, fid, kept.times[0]!, kept.times[kept.count - 1]!, kept.count), value: encodeBlock(kept.type, kept.times, kept.values, 0, kept.count) });
      valuesDeleted += meta.count - kept.count;
      changed = true;
      shrunk = true;
    }
    // It holds a point before minTime or after maxTime, which survives.
    remains = true;
  }
  // Blocks that end before minTime are untouched; one is enough to keep the column alive.
  if (!remains) {
    const before = blockRange(sid, fid, INT64_MIN);
    remains = (await db.keys({ gte: before.gte, lt: from.gte, limit: 1 }).all()).length > 0;
  }
  return { remains, changed, shrunk, valuesDeleted };
}
