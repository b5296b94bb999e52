import { describe, expect, it } from 'vitest';
import { LocalCatalog } from '@shoal/tsdb';
import { executeQuery } from './execute.js';
import { formatJson } from './format.js';
import { MemoryStore } from './memory.js';
import type { QueryPorts } from './ports.js';

async function fixture(lines: string[]): Promise<QueryPorts> {
  const catalog = LocalCatalog.inMemory();
  const store = new MemoryStore(catalog, { blockPoints: 2 });
  await catalog.createDatabase('db');
  await store.write('db', lines.join('\n'));
  return store.ports();
}

/** Each series as [tags?, values] with times in seconds, or the error. */
async function run(ports: QueryPorts, text: string): Promise<unknown> {
  const docs = [];
  for await (const d of executeQuery(text, { db: 'db', now: 1_000_000_000_000n }, ports)) docs.push(d);
  const r = JSON.parse(formatJson(docs[0]!, { epoch: 's' })).results[0];
  if (r.error !== undefined) return { error: r.error };
  return (r.series ?? []).map((s: { name: string; tags?: unknown; columns: string[]; values: unknown }) => ({ name: s.name, tags: s.tags, columns: s.columns, values: s.values }));
}

const CPU = [
  'cpu,host=a usage=1 1000000000',
  'cpu,host=b usage=2 1000000000',
  'cpu,host=a usage=3 2000000000',
  'cpu,host=b usage=4 3000000000',
  'cpu,host=a usage=5 4000000000',
];

describe('SELECT from subqueries', () => {
  it('aggregates the output of an aggregate', async () => {
    const ports = await fixture(CPU);
    expect(await run(ports, 'SELECT mean(max) FROM (SELECT max(usage) FROM cpu GROUP BY host)')).toEqual([
      { name: 'cpu', tags: undefined, columns: ['time', 'mean'], values: [[0, 4.5]] },
    ]);
    expect(await run(ports, 'SELECT max, host FROM (SELECT max(usage) FROM cpu GROUP BY host)')).toEqual([
      { name: 'cpu', tags: undefined, columns: ['time', 'max', 'host'], values: [[3, 4, 'b'], [4, 5, 'a']] },
    ]);
  });

  it('filters and groups on the inner tags, with the outer time range and interval', async () => {
    const ports = await fixture(CPU);
    expect(await run(ports, "SELECT max FROM (SELECT max(usage) FROM cpu GROUP BY host) WHERE host = 'a'")).toEqual([
      { name: 'cpu', tags: undefined, columns: ['time', 'max'], values: [[4, 5]] },
    ]);
    expect(await run(ports, 'SELECT sum(m) FROM (SELECT mean(usage) AS m FROM cpu GROUP BY host) WHERE time >= 0s AND time < 4s GROUP BY time(2s)')).toEqual([
      { name: 'cpu', tags: undefined, columns: ['time', 'sum'], values: [[0, 3], [2, 7]] },
    ]);
    expect(await run(ports, 'SELECT max(m) FROM (SELECT mean(usage) AS m FROM cpu WHERE time >= 0s AND time < 6s GROUP BY time(2s), host) GROUP BY host')).toEqual([
      { name: 'cpu', tags: { host: 'a' }, columns: ['time', 'max'], values: [[4, 5]] },
      { name: 'cpu', tags: { host: 'b' }, columns: ['time', 'max'], values: [[2, 4]] },
    ]);
  });

  it('reads raw subquery output with arithmetic and transformations', async () => {
    const ports = await fixture(CPU);
    expect(await run(ports, "SELECT u * 10 FROM (SELECT usage AS u FROM cpu WHERE host = 'b')")).toEqual([
      { name: 'cpu', tags: undefined, columns: ['time', 'u'], values: [[1, 20], [3, 40]] },
    ]);
    // The inner query does not group by host, so its output has no host tag: one group, host ''.
    expect(await run(ports, 'SELECT derivative(u) FROM (SELECT usage AS u FROM cpu) GROUP BY host')).toEqual([
      { name: 'cpu', tags: { host: '' }, columns: ['time', 'derivative'], values: [[2, 2], [3, 1], [4, 1]] },
    ]);
    expect(await run(ports, 'SELECT difference(u) FROM (SELECT usage AS u FROM cpu GROUP BY host) GROUP BY host')).toEqual([
      { name: 'cpu', tags: { host: 'a' }, columns: ['time', 'difference'], values: [[2, 2], [4, 2]] },
      { name: 'cpu', tags: { host: 'b' }, columns: ['time', 'difference'], values: [[3, 2]] },
    ]);
  });

  it('refuses a subquery ordered against its parent', async () => {
    const ports = await fixture(CPU);
    expect(await run(ports, 'SELECT u FROM (SELECT usage AS u FROM cpu ORDER BY time DESC)')).toEqual({
      error: 'subqueries must be ordered in the same direction as the query itself',
    });
  });
});
