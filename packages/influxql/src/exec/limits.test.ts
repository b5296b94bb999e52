import { describe, expect, it } from 'vitest';
import { LocalCatalog } from '@shoal/tsdb';
import { executeQuery } from './execute.js';
import { MemoryStore } from './memory.js';
import type { FieldChunk, QueryLimits, QueryPorts, ReadFieldOptions, ShardReader } from './ports.js';
import type { ResultDocument } from './result.js';

async function store(points: number, hosts = 4): Promise<MemoryStore> {
  const catalog = LocalCatalog.inMemory();
  const s = new MemoryStore(catalog, { blockPoints: 100 });
  await catalog.createDatabase('db');
  const lines: string[] = [];
  for (let i = 0; i < points; i++) lines.push(`m,host=h${i % hosts} v=${i} ${BigInt(i) * 1_000_000_000n}`);
  await s.write('db', lines.join('\n'));
  return s;
}

async function run(ports: QueryPorts, q: string): Promise<ResultDocument> {
  const docs: ResultDocument[] = [];
  for await (const d of executeQuery(q, { db: 'db', now: 10n ** 18n }, ports)) docs.push(d);
  return docs[0]!;
}

const withLimits = (s: MemoryStore, limits: Partial<QueryLimits>): QueryPorts => s.ports({ limits });

describe('query limits', () => {
  it('fails a statement that reads more points than allowed, in InfluxDB words', async () => {
    const s = await store(1000);
    const doc = await run(withLimits(s, { maxPoints: 300 }), 'SELECT v FROM m');
    expect(doc.results[0]!.error).toMatch(/^max-select-point limit exceeed: \(\d+\/300\)$/);
    expect((await run(withLimits(s, { maxPoints: 1000 }), 'SELECT count(v) FROM m')).results[0]!.series![0]!.values).toEqual([[0n, 1000n]]);
  });

  it('fails a statement that reads more series than allowed', async () => {
    const s = await store(100, 10);
    expect((await run(withLimits(s, { maxSeries: 5 }), 'SELECT v FROM m')).results[0]!.error).toBe('max-select-series limit exceeded: (10/5)');
    expect((await run(withLimits(s, { maxSeries: 5 }), "SELECT v FROM m WHERE host = 'h1'")).results[0]!.error).toBeUndefined();
  });

  it('refuses more GROUP BY time buckets than allowed', async () => {
    const s = await store(10);
    expect((await run(withLimits(s, { maxBuckets: 100 }), 'SELECT mean(v) FROM m WHERE time >= 0s AND time < 1000s GROUP BY time(1s)')).results[0]!.error).toBe(
      'max-select-buckets limit exceeded: (1000/100)',
    );
  });

  it('stops a query that runs past its time limit', async () => {
    const s = await store(200, 1);
    // A shard that takes its time over every chunk.
    const slow = (r: ShardReader): ShardReader => ({
      id: r.id,
      index: r.index,
      fieldsOf: (id) => r.fieldsOf(id),
      async *readField(id: number, f: string, min?: bigint, max?: bigint, o?: ReadFieldOptions): AsyncGenerator<FieldChunk> {
        for await (const c of r.readField(id, f, min, max, o)) {
          await new Promise((res) => setTimeout(res, 20));
          yield c;
        }
      },
    });
    const ports: QueryPorts = { catalog: s.catalog, shard: (id) => (s.shard(id) ? slow(s.shard(id)!) : undefined), limits: { maxDurationMs: 10, yieldEveryPoints: 1 } };
    expect((await run(ports, 'SELECT v FROM m')).results[0]!.error).toBe('query-timeout limit exceeded');
  });

  it('stops a query once its cancel flag is set (the client went away)', async () => {
    const s = await store(20_000, 2);
    const cancel = { aborted: false };
    const docs = executeQuery('SELECT v FROM m', { db: 'db', now: 10n ** 18n, signal: cancel }, withLimits(s, { yieldEveryPoints: 1000 }));
    setImmediate(() => (cancel.aborted = true));
    const doc = (await docs.next()).value as ResultDocument;
    expect(doc.results[0]!.error).toBe('query interrupted');
  });

  it('hands the event loop back while a large query runs', async () => {
    const s = await store(20_000, 2);
    let ticks = 0;
    let running = true;
    const tick = (): void => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const before = ticks;
    const doc = await run(withLimits(s, { yieldEveryPoints: 1000 }), 'SELECT sum(v) FROM m');
    running = false;
    expect(doc.results[0]!.series![0]!.values).toEqual([[0n, 199990000]]);
    // Other work ran while the query did: at least once per 1000 points read.
    expect(ticks - before).toBeGreaterThanOrEqual(15);
  });
});
