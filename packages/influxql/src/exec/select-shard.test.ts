// SELECT against the real storage engine: tsdb shards in a temporary directory, written the way
// the write path writes, read through the executor's ports. The block statistics path must give
// results identical to decoding every point, to the last bit of every float.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLines } from '@shoal/lineproto';
import { LocalCatalog, PointBatch, Shard, encodeWriteRecordHeader } from '@shoal/tsdb';
import { parseStatement } from '../parser.js';
import type { SelectStatement } from '../ast.js';
import { QueryBudget, resolveLimits, type StatementContext } from './context.js';
import { executeQuery } from './execute.js';
import { formatJson } from './format.js';
import type { FieldChunk, QueryPorts, ReadFieldOptions, ShardReader } from './ports.js';
import type { ResultSeries } from './result.js';
import { executeSelect } from './select.js';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
const open: Shard[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const S = 1_000_000_000n;
const DAY = 86_400n * S;

/** Counts the block summaries and all chunks (summaries and points) a shard hands out. */
class CountingShard implements ShardReader {
  stats = 0;
  chunks = 0;
  constructor(private readonly shard: Shard) {}
  get id(): number {
    return this.shard.id;
  }
  get index() {
    return this.shard.index;
  }
  fieldsOf(id: number): readonly string[] {
    return this.shard.fieldsOf(id);
  }
  async *readField(id: number, field: string, min?: bigint, max?: bigint, opts?: ReadFieldOptions): AsyncGenerator<FieldChunk> {
    for await (const c of this.shard.readField(id, field, min, max, opts)) {
      if (c.kind === 'stats') this.stats++;
      this.chunks++;
      yield c;
    }
  }
}

async function write(shard: Shard, text: string): Promise<void> {
  const body = Buffer.from(text);
  const batch = new PointBatch();
  parseLines(body, { point: (line) => void batch.addLine(line, line.time ?? 0n, line.lineStart, line.lineEnd), error: (e) => { throw new Error(e.message); } });
  await shard.write(batch, null, batch.count, [encodeWriteRecordHeader('ns', 0n), body]);
}

/** Two shard groups (two weeks) of real shards with flushed blocks and unflushed cached points. */
async function setup(): Promise<{ ports: QueryPorts; shards: CountingShard[]; lines: string[] }> {
  const catalog = LocalCatalog.inMemory();
  await catalog.createDatabase('db');
  const shardsById = new Map<number, CountingShard>();
  const lines: string[] = [];
  // Deterministic pseudo-random floats whose sums depend on the order of additions.
  let seed = 42;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const byGroup = new Map<number, string[]>();
  for (let week = 0; week < 2; week++) {
    for (let i = 0; i < 60; i++) {
      for (const host of ['a', 'b', 'c']) {
        const t = BigInt(week) * 7n * DAY + BigInt(i) * 10n * S + (host === 'b' ? 3n * S : 0n);
        const f = (rnd() * 1000 - 300) / 7;
        const big = 9007199254740993n + BigInt(i) * 1_000_000_007n;
        const line = `m,host=${host} f=${f},i=${host === 'c' ? -big : big}i,s="v${i % 4}",b=${i % 3 === 0} ${t}`;
        lines.push(line);
        const g = await catalog.createShardGroup('db', 'autogen', t);
        await catalog.addFields('db', 'm', [['f', 0], ['i', 1], ['s', 4], ['b', 3]]);
        const list = byGroup.get(g.shards[0]!.id) ?? [];
        list.push(line);
        byGroup.set(g.shards[0]!.id, list);
      }
    }
  }
  for (const [id, group] of byGroup) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-exec-'));
    dirs.push(dir);
    const shard = await Shard.open({ id, dir, logger, blockPointsMax: 7 });
    open.push(shard);
    // Most points flushed into blocks, the last few still in the cache.
    await write(shard, group.slice(0, group.length - 20).join('\n'));
    await shard.flush();
    await write(shard, group.slice(group.length - 20).join('\n'));
    shardsById.set(id, new CountingShard(shard));
  }
  return { ports: { catalog, shard: (id) => shardsById.get(id) }, shards: [...shardsById.values()], lines };
}

async function select(ports: QueryPorts, text: string, useBlockStats: boolean, firstLastEarlyStop = true): Promise<ResultSeries[]> {
  const limits = resolveLimits(undefined);
  const ctx: StatementContext = { ports, db: 'db', rp: '', nowNs: 30n * DAY, limits, budget: new QueryBudget(limits, Date.now()) };
  const out: ResultSeries[] = [];
  for await (const s of executeSelect(parseStatement(text) as SelectStatement, ctx, { useBlockStats, firstLastEarlyStop })) out.push(s);
  return out;
}

describe('SELECT over tsdb shards', () => {
  it('reads raw points of several shards, exactly', async () => {
    const { ports, lines } = await setup();
    const docs = [];
    for await (const d of executeQuery("SELECT i, f FROM m WHERE host = 'c' LIMIT 2", { db: 'db' }, ports)) docs.push(d);
    const [l0, l1] = lines.filter((l) => l.startsWith('m,host=c'));
    const val = (l: string, re: RegExp): string => l.match(re)![1]!;
    expect(formatJson(docs[0]!, { epoch: 'ns' })).toBe(
      '{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","i","f"],"values":' +
        `[[0,${val(l0!, /i=(-?\d+)i/)},${Number(val(l0!, /f=([^,]+)/))}],[10000000000,${val(l1!, /i=(-?\d+)i/)},${Number(val(l1!, /f=([^,]+)/))}]]}]}]}\n`,
    );
  });

  it('gives identical aggregates whether blocks are summarized or decoded', async () => {
    const { ports, shards } = await setup();
    const queries = [
      'SELECT count(f), sum(f), mean(f), min(f), max(f), first(f), last(f), spread(f) FROM m',
      'SELECT count(f), sum(f), mean(f), spread(f), first(f), last(f) FROM m GROUP BY host',
      'SELECT sum(f), mean(f), min(f), max(f), count(i), sum(i), mean(i), spread(i) FROM m GROUP BY time(1h)',
      'SELECT sum(f), mean(i), first(s), last(b), count(s), min(b), max(b) FROM m WHERE time >= 45s AND time < 8d GROUP BY time(70s), host fill(none)',
      'SELECT mean(f), sum(i) FROM m GROUP BY time(1d) ORDER BY time DESC',
      // Without GROUP BY time first() and last() read rows, as InfluxDB's engine does; with it, summaries.
      'SELECT first(f), last(i) FROM m GROUP BY time(1d)',
      'SELECT derivative(mean(f), 1s), cumulative_sum(sum(i)) FROM m WHERE time >= 0s AND time < 600s GROUP BY time(100s)',
    ];
    for (const q of queries) {
      for (const s of shards) s.stats = 0;
      const withStats = await select(ports, q, true);
      const used = shards.reduce((n, s) => n + s.stats, 0);
      for (const s of shards) s.stats = 0;
      const decoded = await select(ports, q, false);
      expect({ q, used: used > 0 }).toEqual({ q, used: true });
      expect(shards.reduce((n, s) => n + s.stats, 0)).toBe(0);
      // Compare the exact bytes, floats to the last digit.
      expect(formatJson({ results: [{ statementId: 0, series: withStats }] }, { epoch: 'ns' })).toBe(
        formatJson({ results: [{ statementId: 0, series: decoded }] }, { epoch: 'ns' }),
      );
      expect(withStats.length).toBeGreaterThan(0);
    }
  });

  it('sums integers beyond 2^53 exactly, and counts every point', async () => {
    const { ports, lines } = await setup();
    const out = await select(ports, "SELECT count(i), sum(i) FROM m WHERE host = 'a'", true);
    let sum = 0n;
    let n = 0n;
    for (const l of lines) {
      if (!l.startsWith('m,host=a ')) continue;
      sum += BigInt(l.match(/i=(-?\d+)i/)![1]!);
      n++;
    }
    expect(out[0]!.values).toEqual([[0n, n, BigInt.asIntN(64, sum)]]);
  });

  it('reports the time of a lone min or max (no summaries there) and the value that stats would give', async () => {
    const { ports } = await setup();
    const a = await select(ports, 'SELECT max(f) FROM m', true);
    const b = await select(ports, 'SELECT max(f) FROM m', false);
    expect(a).toEqual(b);
    expect(typeof a[0]!.values[0]![0]).toBe('bigint');
  });

  it('answers first() and last() without GROUP BY time from one point or summary per series, as reading rows does', async () => {
    const { ports, shards } = await setup();
    const bytes = (series: ResultSeries[]): string => formatJson({ results: [{ statementId: 0, series }] }, { epoch: 'ns' });
    const chunks = (): number => shards.reduce((n, s) => n + s.chunks, 0);
    // Hosts a and c have points at the same times in both shards (b's come 3 s later): first()
    // of all hosts and last() of a and c are ties between series, decided by the merge's order.
    const queries = [
      'SELECT last(f) FROM m',
      'SELECT first(f) FROM m',
      'SELECT last(i) FROM m',
      "SELECT last(i) FROM m WHERE host != 'b'",
      'SELECT first(i) FROM m',
      'SELECT last(i), first(i) FROM m GROUP BY host',
      'SELECT last(s), first(b), last(b) FROM m',
      "SELECT last(f), host FROM m WHERE host != 'b'",
      'SELECT first(i::float), last(f::integer) FROM m GROUP BY host',
      'SELECT last(f), first(i) FROM m WHERE time >= 45s AND time < 8d ORDER BY time DESC',
      'SELECT last(f) FROM m GROUP BY host ORDER BY time DESC',
    ];
    for (const q of queries) {
      for (const useBlockStats of [true, false]) {
        for (const s of shards) s.chunks = 0;
        const fast = await select(ports, q, useBlockStats, true);
        const fastChunks = chunks();
        for (const s of shards) s.chunks = 0;
        const slow = await select(ports, q, useBlockStats, false);
        const slowChunks = chunks();
        expect({ q, useBlockStats, fast: bytes(fast) }).toEqual({ q, useBlockStats, fast: bytes(slow) });
        expect(fast.length).toBeGreaterThan(0);
        // The slow path reads a batch of rows per series: several blocks of 7 points.
        expect({ q, useBlockStats, fewer: fastChunks < slowChunks }).toEqual({ q, useBlockStats, fewer: true });
      }
    }
    // One chunk per series and shard: 2 series in 2 shards.
    for (const s of shards) s.chunks = 0;
    const last = await select(ports, "SELECT last(i) FROM m WHERE host != 'b'", true);
    expect(chunks()).toBe(4);
    // The tie: a (i > 0) and c (i < 0) share the last time. The merge runs backwards over the
    // series in key order reversed, [c, a], and pops c first, where the reducer's larger-value
    // rule would pick a.
    expect(last[0]!.values[0]![1]).toBeLessThan(0n);
  });
});
