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

/** Simulates a crash: the files stay as they are, nothing is flushed, no state is kept. */
async function crash(shard: Shard): Promise<void> {
  const internals = shard as unknown as { wal: { close(): Promise<void> }; db: { close(): Promise<void> }; coldTimer: NodeJS.Timeout };
  clearInterval(internals.coldTimer);
  await internals.wal.close();
  await internals.db.close();
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
    await crash(shard);
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

describe('Shard deletes', () => {
  const MIN = -(2n ** 63n);
  const MAX = 2n ** 63n - 1n;
  /** `m,h=<host> v=<t>i <t>` for t in [from, to). */
  const points = (host: string, from: number, to: number): string =>
    Array.from({ length: to - from }, (_, i) => `m,h=${host} v=${from + i}i ${from + i}`).join('\n');
  const range = (from: number, to: number): bigint[] => Array.from({ length: to - from }, (_, i) => BigInt(from + i));
  async function timesOf(shard: Shard, key: string, field = 'v'): Promise<bigint[]> {
    const info = shard.index.get(key);
    return info ? (await collect(shard.readField(info.id, field))).map((p) => p[0]) : [];
  }
  async function chunkCounts(shard: Shard, key: string): Promise<number[]> {
    const counts: number[] = [];
    for await (const c of shard.readField(seriesId(shard, key), 'v')) if (c.kind === 'points') counts.push(c.data.count);
    return counts;
  }

  it('deletes cached points in the range, both ends included, and keeps the rest', async () => {
    const shard = await openShard(tmpDir());
    await write(shard, points('a', 0, 10));
    await write(shard, 'm,h=b v=100i 5');
    await shard.deleteSeriesRange([seriesId(shard, 'm,h=a')], 3n, 6n);
    expect(await timesOf(shard, 'm,h=a')).toEqual([0n, 1n, 2n, 7n, 8n, 9n]);
    expect(await collect(shard.readField(seriesId(shard, 'm,h=b'), 'v'))).toEqual([[5n, 100]]);
    expect(shard.stats()).toMatchObject({ series: 2, deletes: 1, valuesDeleted: 4 });
    await shard.close();
  });

  it('removes blocks wholly inside the range and rewrites those it overlaps, with statistics that match their points', async () => {
    const dir = tmpDir();
    const shard = await openShard(dir);
    await write(shard, points('a', 0, 20));
    await shard.flush();
    expect(await chunkCounts(shard, 'm,h=a')).toEqual([4, 4, 4, 4, 4]);
    // Blocks [4..7] and [12..15] are cut, [8..11] goes whole; a hole inside [16..19] too.
    await shard.deleteSeriesRange([seriesId(shard, 'm,h=a')], 6n, 13n);
    await shard.deleteSeriesRange([seriesId(shard, 'm,h=a')], 17n, 18n);
    const kept = [0n, 1n, 2n, 3n, 4n, 5n, 14n, 15n, 16n, 19n];
    expect(await timesOf(shard, 'm,h=a')).toEqual(kept);
    expect(await chunkCounts(shard, 'm,h=a')).toEqual([4, 2, 2, 2]);
    // A range with no point in it changes nothing.
    await shard.deleteSeriesRange([seriesId(shard, 'm,h=a')], 7n, 12n);
    expect(shard.stats().valuesDeleted).toBe(10);
    // Every block's summary agrees with its points: each stats chunk is one whole block.
    const sid = seriesId(shard, 'm,h=a');
    const summaries: Array<[number, bigint, bigint, unknown, unknown]> = [];
    for await (const c of shard.readField(sid, 'v', MIN, MAX, { useBlockStats: true })) {
      if (c.kind !== 'stats') throw new Error('expected block statistics');
      summaries.push([c.stats.count, c.stats.minTime, c.stats.maxTime, c.stats.sum, c.stats.max]);
    }
    expect(summaries).toEqual([
      [4, 0n, 3n, 6n, 3n],
      [2, 4n, 5n, 9n, 5n],
      [2, 14n, 15n, 29n, 15n],
      [2, 16n, 19n, 35n, 19n],
    ]);
    await shard.close();
    const again = await openShard(dir);
    expect(await timesOf(again, 'm,h=a')).toEqual(kept);
    await again.close();
  });

  it('deletes flushed and cached points of the same range together', async () => {
    const shard = await openShard(tmpDir());
    await write(shard, points('a', 0, 8));
    await shard.flush();
    await write(shard, points('a', 8, 12));
    await write(shard, 'm,h=a v=99i 2');
    await shard.deleteSeriesRange([seriesId(shard, 'm,h=a')], 1n, 9n);
    expect(await timesOf(shard, 'm,h=a')).toEqual([0n, 10n, 11n]);
    await shard.close();
  });

  it('removes a series left without points from the index and the store, and takes its key again later', async () => {
    const dir = tmpDir();
    const shard = await openShard(dir);
    await write(shard, 'cpu,host=a,region=x user=1,sys=2 10\ncpu,host=b,region=y user=3 10\nmem,host=a free=4i 10');
    await shard.flush();
    await write(shard, 'cpu,host=a,region=x user=5 20');
    const a = seriesId(shard, 'cpu,host=a,region=x');
    await shard.deleteSeriesRange([a], MIN, MAX);
    expect(shard.index.get('cpu,host=a,region=x')).toBeUndefined();
    expect(shard.index.tagValues('cpu', 'host')).toEqual(['b']);
    expect(shard.index.tagValues('cpu', 'region')).toEqual(['y']);
    expect(shard.stats().series).toBe(2);
    // A partial range that covers every point of a series drops it as well, as InfluxDB does.
    await shard.deleteSeriesRange([seriesId(shard, 'cpu,host=b,region=y')], 0n, 15n);
    expect(shard.index.measurements()).toEqual(['mem']);
    await shard.close();

    const again = await openShard(dir);
    expect(again.index.measurements()).toEqual(['mem']);
    expect(again.stats().series).toBe(1);
    await write(again, 'cpu,host=a,region=x idle=7 30');
    const fresh = seriesId(again, 'cpu,host=a,region=x');
    expect(fresh).not.toBe(a);
    expect(again.fieldsOf(fresh)).toEqual(['idle']);
    await again.flush();
    expect(again.fieldsOf(fresh)).toEqual(['idle']);
    expect(await collect(again.readField(fresh, 'idle'))).toEqual([[30n, 7]]);
    expect(await timesOf(again, 'cpu,host=a,region=x', 'user')).toEqual([]);
    await again.close();
  });

  it('keeps deleted points deleted after a crash at any later instant, and keeps points written after the delete', async () => {
    const dir = tmpDir();
    const shard = await openShard(dir);
    await write(shard, points('a', 0, 6));
    await shard.flush();
    await write(shard, points('a', 6, 12));
    await write(shard, points('b', 0, 4));
    await shard.deleteSeriesRange([seriesId(shard, 'm,h=a')], 2n, 9n);
    // Acknowledged after the delete resolved, inside its range: kept.
    await write(shard, 'm,h=a v=77i 5');
    await crash(shard);

    const again = await openShard(dir);
    expect(await timesOf(again, 'm,h=a')).toEqual([0n, 1n, 5n, 10n, 11n]);
    expect(await timesOf(again, 'm,h=b')).toEqual(range(0, 4));
    // Every series dropped, then a crash straight after: nothing comes back.
    await again.deleteSeriesRange(again.index.match('m'), MIN, MAX);
    expect(again.index.measurements()).toEqual([]);
    await crash(again);
    const third = await openShard(dir);
    expect(third.index.measurements()).toEqual([]);
    expect(third.stats().series).toBe(0);
    await third.close();
  });

  it('leaves the shard as it was when a crash comes before the delete commits, and as the delete left it after', async () => {
    const dir = tmpDir();
    const shard = await openShard(dir);
    await write(shard, points('a', 0, 12));
    await write(shard, points('b', 0, 12));
    await shard.flush();
    const db = (shard as unknown as { db: { batch: (...args: unknown[]) => Promise<void>; keys: (...args: unknown[]) => unknown } }).db;
    db.batch = () => Promise.reject(new Error('power cut before the batch'));
    await expect(shard.deleteSeriesRange([seriesId(shard, 'm,h=a')], 2n, 9n)).rejects.toThrow('power cut');
    await crash(shard);
    const before = await openShard(dir);
    expect(await timesOf(before, 'm,h=a')).toEqual(range(0, 12));

    // Now the batch lands and the crash comes right after it, before the shard updates its memory.
    const db2 = (before as unknown as { db: typeof db }).db;
    const batch2 = db2.batch.bind(db2);
    db2.batch = async (...args: unknown[]) => {
      await batch2(...args);
      db2.keys = () => {
        throw new Error('power cut after the batch');
      };
    };
    await expect(before.deleteSeriesRange([seriesId(before, 'm,h=a'), seriesId(before, 'm,h=b')], 2n, 9n)).rejects.toThrow('power cut');
    await crash(before);
    const after = await openShard(dir);
    const expected = [0n, 1n, 10n, 11n];
    expect(await timesOf(after, 'm,h=a')).toEqual(expected);
    expect(await timesOf(after, 'm,h=b')).toEqual(expected);
    expect(await chunkCounts(after, 'm,h=a')).toEqual([2, 2]);
    await after.close();
  });

  it('stays consistent with writes, flushes and compactions running alongside', async () => {
    const dir = tmpDir();
    const shard = await openShard(dir);
    await write(shard, points('a', 0, 40));
    await write(shard, points('b', 0, 40));
    await shard.flush();
    // Out-of-order backfills leave small blocks for compaction to merge.
    for (const t of [41, 43, 45]) {
      await write(shard, `m,h=a v=${t}i ${t}\nm,h=a v=${t - 30}i ${t - 30}`);
      await shard.flush();
    }
    await write(shard, points('a', 50, 60));
    const deleted = shard.deleteSeriesRange([seriesId(shard, 'm,h=a')], 10n, 52n);
    // Called after the delete: each may or may not be deleted, but never half.
    const racing = [write(shard, 'm,h=a v=1000i 30\nm,h=a v=2000i 70'), shard.flush(), shard.compact(), write(shard, points('b', 40, 45))];
    await Promise.all([deleted, ...racing]);
    const got = await collect(shard.readField(seriesId(shard, 'm,h=a'), 'v'));
    const times = got.map((p) => p[0]);
    const concurrent = times.includes(30n) ? [30n] : [];
    expect(times).toEqual([...range(0, 10), ...concurrent, ...range(53, 60), 70n]);
    expect(await timesOf(shard, 'm,h=b')).toEqual(range(0, 45));
    await crash(shard);
    const again = await openShard(dir);
    expect(await collect(again.readField(seriesId(again, 'm,h=a'), 'v'))).toEqual(got);
    expect(await timesOf(again, 'm,h=b')).toEqual(range(0, 45));
    await again.close();
  });

  it('refuses a delete once closed', async () => {
    const shard = await openShard(tmpDir());
    await shard.close();
    await expect(shard.deleteSeriesRange([1], MIN, MAX)).rejects.toThrow('engine is closed');
  });
});
