import { describe, expect, it } from 'vitest';
import { LocalCatalog } from '@shoal/tsdb';
import { executeQuery, type QueryOptions } from './execute.js';
import { formatJson } from './format.js';
import { MemoryStore } from './memory.js';
import type { QueryPorts } from './ports.js';

const S = 1_000_000_000n;

async function fixture(): Promise<{ ports: QueryPorts; catalog: LocalCatalog }> {
  const catalog = LocalCatalog.inMemory();
  const store = new MemoryStore(catalog);
  await catalog.createDatabase('db');
  await catalog.createDatabase('copy');
  await store.write(
    'db',
    ['cpu,host=a,region=east usage=1,idle=10i 1000000000', 'cpu,host=b,region=west usage=2 1000000000', 'cpu,host=a,region=east usage=3 2000000000'].join('\n'),
  );
  return { ports: store.ports(), catalog };
}

async function q(ports: QueryPorts, text: string, opts: QueryOptions = {}): Promise<any> {
  const docs = [];
  for await (const d of executeQuery(text, { db: 'db', now: 1000n * S, ...opts }, ports)) docs.push(d);
  return JSON.parse(formatJson(docs[0]!, { epoch: 's' }));
}

describe('SELECT INTO', () => {
  it('writes the rows back, selected tags as string fields, and answers how many at time 0', async () => {
    const { ports } = await fixture();
    expect(await q(ports, 'SELECT usage, host INTO copy..cpu_copy FROM cpu')).toEqual({
      results: [{ statement_id: 0, series: [{ name: 'result', columns: ['time', 'written'], values: [[0, 3]] }] }],
    });
    // Without GROUP BY the rows of both hosts land in one series: the later row at 1s overwrites.
    expect((await q(ports, 'SELECT * FROM cpu_copy', { db: 'copy' })).results[0].series).toEqual([
      { name: 'cpu_copy', columns: ['time', 'host', 'usage'], values: [[1, 'b', 2], [2, 'a', 3]] },
    ]);
    expect((await q(ports, 'SHOW SERIES', { db: 'copy' })).results[0].series).toEqual([{ columns: ['key'], values: [['cpu_copy']] }]);
  });

  it('keeps GROUP BY tags as tags, names the target after the source with :MEASUREMENT, and does not fill', async () => {
    const { ports } = await fixture();
    expect((await q(ports, 'SELECT usage INTO copy.autogen.:MEASUREMENT FROM cpu GROUP BY *')).results[0].series[0].values).toEqual([[0, 3]]);
    expect((await q(ports, 'SHOW SERIES', { db: 'copy' })).results[0].series[0].values).toEqual([['cpu,host=a,region=east'], ['cpu,host=b,region=west']]);
    expect((await q(ports, 'SELECT max(usage) INTO copy..m FROM cpu WHERE time >= 0s AND time < 4s GROUP BY time(1s)')).results[0].series[0].values).toEqual([[0, 2]]);
  });

  it('warns about a GET with the statement as InfluxDB prints it, databases and policies filled in', async () => {
    const { ports } = await fixture();
    const body = await q(ports, 'SELECT usage INTO copy..c FROM cpu', { readOnly: true });
    expect(body.results[0].messages).toEqual([
      { level: 'warning', text: "deprecated use of 'SELECT usage INTO copy.autogen.c FROM db.autogen.cpu' in a read only context, please use a POST request instead" },
    ]);
  });

  it('fails for a target database that does not exist, and without a write port', async () => {
    const { ports } = await fixture();
    expect((await q(ports, 'SELECT usage INTO nope..c FROM cpu')).results[0].error).toBe('database not found: nope');
    const { catalog, shard } = ports;
    expect((await q({ catalog, shard }, 'SELECT usage INTO copy..c FROM cpu')).results[0].error).toBe('SELECT INTO is not supported yet by this server');
  });
});
