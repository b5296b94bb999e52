import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FieldType, parseLines, type Precision } from '@shoal/lineproto';
import { BlockCache } from './block-cache.js';
import type { ColumnData } from './column.js';
import { valueAt } from './column-data.js';
import { PointBatch } from './point-batch.js';
import { Shard, type FieldChunk } from './shard.js';
import { encodeWriteRecordHeader } from './shard-wal-record.js';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-shard-'));
  dirs.push(d);
  return d;
}

async function openShard(dir: string, opts: { blockPointsMax?: number; blockCache?: BlockCache } = {}): Promise<Shard> {
  return Shard.open({ id: 1, dir, logger, blockPointsMax: opts.blockPointsMax ?? 4, ...(opts.blockCache ? { blockCache: opts.blockCache } : {}) });
}

/** Writes line protocol the way the write path does: the lines are the WAL record. */
async function write(shard: Shard, text: string, precision: Precision = 'ns', serverTime = 0n): Promise<void> {
  const body = Buffer.from(text);
  const batch = new PointBatch();
  parseLines(body, {
    point: (line) => void batch.addLine(line, line.time ?? serverTime, line.lineStart, line.lineEnd),
    error: (e) => {
      throw new Error(e.message);
    },
  }, { precision });
  await shard.write(batch, null, batch.count, [encodeWriteRecordHeader(precision, serverTime), body]);
}

async function collect(gen: AsyncGenerator<FieldChunk>): Promise<Array<[bigint, unknown]>> {
  const out: Array<[bigint, unknown]> = [];
  for await (const c of gen) {
    if (c.kind !== 'points') throw new Error('unexpected stats chunk');
    const d: ColumnData = c.data;
    for (let i = 0; i < d.count; i++) out.push([d.times[i]!, valueAt(d, i)]);
  }
  return out;
}

/** Six points of `m`, each older than the last and flushed on its own: small blocks to compact. */
async function writeBackfills(shard: Shard): Promise<void> {
  for (let round = 0; round < 6; round++) {
    await write(shard, `m v=${round} ${1000 - round * 100}`);
    await shard.flush();
  }
}

function seriesId(shard: Shard, key: string): number {
  const info = shard.index.get(key);
  if (!info) throw new Error(`no series ${key}`);
  return info.id;
}

describe('Shard', () => {
  it('reads back cached points and the same points after a flush', async () => {
    const shard = await openShard(tmpDir());
    await write(shard, 'cpu,host=a v=1 10\ncpu,host=a v=2 20\ncpu,host=a v=3 30\n');
    const sid = seriesId(shard, 'cpu,host=a');
    const expected = [[10n, 1], [20n, 2], [30n, 3]];
    expect(await collect(shard.readField(sid, 'v'))).toEqual(expected);
    await shard.flush();
    expect(shard.stats().cacheValues).toBe(0);
    expect(await collect(shard.readField(sid, 'v'))).toEqual(expected);
    await shard.close();
  });

  it('merges cache and blocks, with later writes winning a shared timestamp', async () => {
    const shard = await openShard(tmpDir());
    await write(shard, Array.from({ length: 10 }, (_, i) => `m v=${i}i ${i * 10}`).join('\n'));
    await shard.flush();
    await write(shard, 'm v=100i 30\nm v=101i 35\nm v=102i 200');
    const sid = seriesId(shard, 'm');
    const got = await collect(shard.readField(sid, 'v'));
    expect(got.map((p) => p[0])).toEqual([0n, 10n, 20n, 30n, 35n, 40n, 50n, 60n, 70n, 80n, 90n, 200n]);
    expect(got.find((p) => p[0] === 30n)![1]).toBe(100);
    // The overwrite survives its own flush into the overlapping blocks.
    await shard.flush();
    expect(await collect(shard.readField(sid, 'v'))).toEqual(got);
    await shard.close();
  });

  it('reads a time range in both directions', async () => {
    const shard = await openShard(tmpDir());
    await write(shard, Array.from({ length: 20 }, (_, i) => `m v=${i} ${i}`).join('\n'));
    await shard.flush();
    await write(shard, 'm v=50 5\nm v=99 99');
    const sid = seriesId(shard, 'm');
    const asc = await collect(shard.readField(sid, 'v', 3n, 12n));
    expect(asc.map((p) => p[0])).toEqual([3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n, 11n, 12n]);
    expect(asc[2]![1]).toBe(50);
    const desc = await collect(shard.readField(sid, 'v', 3n, 12n, { descending: true }));
    expect(desc).toEqual(asc.slice().reverse());
    const all = await collect(shard.readField(sid, 'v', undefined, undefined, { descending: true }));
    expect(all[0]).toEqual([99n, 99]);
    expect(all.length).toBe(21);
    await shard.close();
  });

  it('serves whole blocks as statistics that agree with the decoded points', async () => {
    const shard = await openShard(tmpDir());
    await write(shard, Array.from({ length: 12 }, (_, i) => `m v=${(i * 7) % 5}i ${i}`).join('\n'));
    await shard.flush();
    const sid = seriesId(shard, 'm');
    let statsCount = 0;
    let sum = 0;
    let n = 0;
    for await (const c of shard.readField(sid, 'v', 1n, 10n, { useBlockStats: true })) {
      if (c.kind === 'stats') {
        statsCount++;
        sum += Number(c.stats.sum);
        n += c.stats.count;
      } else {
        for (let i = 0; i < c.data.count; i++) sum += Number(valueAt(c.data, i));
        n += c.data.count;
      }
    }
    const decoded = await collect(shard.readField(sid, 'v', 1n, 10n));
    expect(statsCount).toBeGreaterThan(0);
    expect(n).toBe(decoded.length);
    expect(sum).toBe(decoded.reduce((s, p) => s + Number(p[1]), 0));
    await shard.close();
  });

  it('replays the WAL after a close without a flush, exactly (int64, ns, strings)', async () => {
    const dir = tmpDir();
    const shard = await openShard(dir);
    await write(shard, 'm,t=x i=-9223372036854775808i,s="a \\"q\\" b",u=18446744073709551615u,b=true 1700000000000000001');
    await write(shard, 'm,t=x i=5i', 'ns', 1700000000000000002n);
    // Simulate a crash: drop the process state without flushing.
    const internals = shard as unknown as { wal: { close(): Promise<void> }; db: { close(): Promise<void> }; coldTimer: NodeJS.Timeout };
    clearInterval(internals.coldTimer);
    await internals.wal.close();
    await internals.db.close();
    const again = await openShard(dir);
    const sid = seriesId(again, 'm,t=x');
    expect(await collect(again.readField(sid, 'i'))).toEqual([
      [1700000000000000001n, -9223372036854775808n],
      [1700000000000000002n, 5n],
    ]);
    expect(await collect(again.readField(sid, 'u'))).toEqual([[1700000000000000001n, 18446744073709551615n]]);
    expect(await collect(again.readField(sid, 's'))).toEqual([[1700000000000000001n, 'a "q" b']]);
    expect(await collect(again.readField(sid, 'b'))).toEqual([[1700000000000000001n, true]]);
    expect(again.fieldsOf(sid)).toEqual(['b', 'i', 's', 'u']);
    await again.close();
  });

  it('keeps data, series and fields across a clean restart', async () => {
    const dir = tmpDir();
    const shard = await openShard(dir);
    await write(shard, 'cpu,host=a usage=1.5 1\ncpu,host=b usage=2.5 1\nmem,host=a free=3i 1');
    await shard.close();
    const again = await openShard(dir);
    expect(again.index.measurements()).toEqual(['cpu', 'mem']);
    expect(again.index.tagValues('cpu', 'host')).toEqual(['a', 'b']);
    expect(await collect(again.readField(seriesId(again, 'cpu,host=b'), 'usage'))).toEqual([[1n, 2.5]]);
    await write(again, 'cpu,host=c usage=9 2');
    expect(seriesId(again, 'cpu,host=c')).toBeGreaterThan(seriesId(again, 'cpu,host=b'));
    await again.close();
  });

  it('appending flush after flush leaves full blocks, not a trail of small ones', async () => {
    const shard = await openShard(tmpDir(), { blockPointsMax: 10 });
    for (let round = 0; round < 10; round++) {
      await write(shard, Array.from({ length: 3 }, (_, i) => `m v=${round * 3 + i} ${round * 3 + i}`).join('\n'));
      await shard.flush();
    }
    const sid = seriesId(shard, 'm');
    const counts: number[] = [];
    for await (const c of shard.readField(sid, 'v')) if (c.kind === 'points') counts.push(c.data.count);
    expect(counts).toEqual([10, 10, 10]);
    await shard.close();
  });

  it('compacts the small blocks out-of-order writes leave behind, on its own after such a flush', async () => {
    const dir = tmpDir();
    const shard = await openShard(dir, { blockPointsMax: 8 });
    await writeBackfills(shard);
    const sid = seriesId(shard, 'm');
    const before = await collect(shard.readField(sid, 'v'));
    expect(before.length).toBe(6);
    // close() waits for the compaction the last backfilling flush queued.
    await shard.close();
    const again = await openShard(dir, { blockPointsMax: 8 });
    expect(again.stats().compactions).toBe(0);
    expect(await collect(again.readField(sid, 'v'))).toEqual(before);
    let blocks = 0;
    for await (const c of again.readField(sid, 'v')) if (c.kind === 'points') blocks++;
    expect(blocks).toBe(1);
    expect(await again.compact()).toBe(0);
    await again.close();
  });

  it('tracks integer fields beyond 2^53 through flush and merge', async () => {
    const shard = await openShard(tmpDir());
    await write(shard, 'm v=1i 1\nm v=2i 2');
    await shard.flush();
    await write(shard, 'm v=9007199254740993i 3\nm v=-9007199254740993i 1');
    await shard.flush();
    expect(await collect(shard.readField(seriesId(shard, 'm'), 'v'))).toEqual([
      [1n, -9007199254740993n],
      [2n, 2n],
      [3n, 9007199254740993n],
    ]);
    await shard.close();
  });

  it('answers a repeated read from the block cache, without LevelDB', async () => {
    const dir = tmpDir();
    const first = await openShard(dir);
    await write(first, Array.from({ length: 10 }, (_, i) => `m v=${i} ${i}`).join('\n'));
    await first.close();
    const cache = new BlockCache();
    const shard = await openShard(dir, { blockCache: cache });
    const sid = seriesId(shard, 'm');
    // Opening filled in the column's block ranges; the first read fetches the blocks it needs.
    const once = await collect(shard.readField(sid, 'v', 2n, 6n));
    expect(cache.stats()).toMatchObject({ columnHits: 1, columnMisses: 0, blockHits: 0, blockMisses: 2 });
    expect(await collect(shard.readField(sid, 'v', 2n, 6n))).toEqual(once);
    expect(cache.stats()).toMatchObject({ columnHits: 2, columnMisses: 0, blockHits: 2, blockMisses: 2 });
    await shard.close();
    expect(cache.stats().columns).toBe(0);
  });

  it('sees writes over cached blocks, then the blocks their flush rewrote instead of the cached ones', async () => {
    const cache = new BlockCache();
    const shard = await openShard(tmpDir(), { blockCache: cache });
    await write(shard, Array.from({ length: 10 }, (_, i) => `m v=${i} ${i * 10}`).join('\n'));
    await shard.flush();
    const sid = seriesId(shard, 'm');
    expect((await collect(shard.readField(sid, 'v'))).length).toBe(10);
    // An overwrite inside the cached blocks, and an append that merges into the tail block: seen
    // from the write cache before the flush, and from the rewritten blocks after it.
    await write(shard, 'm v=100 30\nm v=101 35\nm v=102 95');
    expect((await collect(shard.readField(sid, 'v'))).filter((p) => Number(p[1]) >= 100).map((p) => p[0])).toEqual([30n, 35n, 95n]);
    await shard.flush();
    const got = await collect(shard.readField(sid, 'v'));
    expect(got.map((p) => p[0])).toEqual([0n, 10n, 20n, 30n, 35n, 40n, 50n, 60n, 70n, 80n, 90n, 95n]);
    expect(got.filter((p) => Number(p[1]) >= 100).map((p) => p[0])).toEqual([30n, 35n, 95n]);
    expect(cache.stats().columnMisses).toBe(2);
    await shard.close();
  });

  it('reads the blocks a compaction rewrote, not the cached ones it deleted', async () => {
    const cache = new BlockCache();
    const shard = await openShard(tmpDir(), { blockPointsMax: 8, blockCache: cache });
    await writeBackfills(shard);
    const sid = seriesId(shard, 'm');
    const before = await collect(shard.readField(sid, 'v'));
    const misses = cache.stats().columnMisses;
    await shard.compact();
    expect(await collect(shard.readField(sid, 'v'))).toEqual(before);
    expect(cache.stats().columnMisses).toBe(misses + 1);
    await shard.close();
  });

  it('reads a column again when its cached block ranges name blocks that are gone', async () => {
    // The state a read meets when a compaction commits between its taking the column's ranges
    // and fetching the blocks: ranges cached, their blocks deleted.
    const cache = new BlockCache();
    const shard = await openShard(tmpDir(), { blockPointsMax: 8, blockCache: cache });
    await writeBackfills(shard);
    await shard.compact();
    const sid = seriesId(shard, 'm');
    const key = `1/${sid}/1`;
    const before = await collect(shard.readField(sid, 'v'));
    const stale = cache.column(key)!;
    await write(shard, 'm v=7 150\nm v=8 250');
    await shard.flush();
    await shard.compact();
    cache.addColumn(key, { ...stale, values: new Array(stale.values.length) }, cache.generation);
    const misses = cache.stats().columnMisses;
    const after = await collect(shard.readField(sid, 'v'));
    expect(cache.stats().columnMisses).toBe(misses + 1);
    expect(after.length).toBe(before.length + 2);
    expect(after.map((p) => p[0])).toEqual([...after.map((p) => p[0])].sort((a, b) => (a < b ? -1 : 1)));
    await shard.close();
  });

  it('refuses writes once closed', async () => {
    const shard = await openShard(tmpDir());
    await shard.close();
    await expect(write(shard, 'm v=1 1')).rejects.toThrow('engine is closed');
    expect(FieldType.Float).toBe(0);
  });
});
