import { describe, expect, it } from 'vitest';
import { LocalCatalog } from '@shoal/tsdb';
import { executeQuery, type QueryOptions } from './execute.js';
import { formatJson } from './format.js';
import { MemoryStore } from './memory.js';
import type { QueryPorts } from './ports.js';

const S = 1_000_000_000n;

async function fixture(lines: string[], opts: { blockPoints?: number } = {}): Promise<{ store: MemoryStore; ports: QueryPorts }> {
  const catalog = LocalCatalog.inMemory();
  const store = new MemoryStore(catalog, { blockPoints: opts.blockPoints ?? 3 });
  await catalog.createDatabase('db');
  await store.write('db', lines.join('\n'));
  return { store, ports: store.ports() };
}

/** Runs a query and returns the body InfluxDB would send (epoch=s unless told), parsed back. */
async function q(ports: QueryPorts, text: string, opts: QueryOptions & { epoch?: 'ns' | 's' | 'ms' } = {}): Promise<any> {
  const docs = [];
  for await (const d of executeQuery(text, { db: 'db', now: 1000n * S, ...opts }, ports)) docs.push(d);
  expect(docs).toHaveLength(1);
  return JSON.parse(formatJson(docs[0]!, { epoch: opts.epoch ?? 's' }));
}

/** The series of the first statement, or its error. */
async function series(ports: QueryPorts, text: string, opts: QueryOptions = {}): Promise<any> {
  const body = await q(ports, text, opts);
  const r = body.results[0];
  if (r.error !== undefined) return { error: r.error };
  return r.series ?? [];
}

const CPU = [
  'cpu,host=a,region=east usage=1,idle=10i,note="x" 1000000000',
  'cpu,host=b,region=west usage=2,idle=20i 1000000000',
  'cpu,host=a,region=east usage=3,idle=30i 2000000000',
  'cpu,host=b,region=west usage=4 3000000000',
  'cpu,host=a,region=east usage=5,idle=50i,note="y" 4000000000',
  'mem,host=a free=100i 1000000000',
  'mem,host=a free=200i 5000000000',
];

describe('SELECT raw', () => {
  it('selects fields and tags, merging series by time', async () => {
    const { ports } = await fixture(CPU);
    expect(await series(ports, 'SELECT usage, host FROM cpu')).toEqual([
      {
        name: 'cpu',
        columns: ['time', 'usage', 'host'],
        values: [
          [1, 1, 'a'],
          [1, 2, 'b'],
          [2, 3, 'a'],
          [3, 4, 'b'],
          [4, 5, 'a'],
        ],
      },
    ]);
  });

  it('rows come from the selected fields only; tags alone select nothing', async () => {
    const { ports } = await fixture(CPU);
    expect(await series(ports, 'SELECT note FROM cpu')).toEqual([{ name: 'cpu', columns: ['time', 'note'], values: [[1, 'x'], [4, 'y']] }]);
    expect(await series(ports, 'SELECT idle, note FROM cpu WHERE host = \'a\'')).toEqual([
      { name: 'cpu', columns: ['time', 'idle', 'note'], values: [[1, 10, 'x'], [2, 30, null], [4, 50, 'y']] },
    ]);
    expect(await series(ports, 'SELECT host FROM cpu')).toEqual([]);
  });

  it('orders rows at equal times as InfluxDB sorted merge: by string aux values, else as its heap leaves them', async () => {
    // Four series with a point at the same time; a tag set lists its series in series-key order.
    const { ports } = await fixture(['t,host=c v=3i 1000000000', 't,host=a v=1i 1000000000', 't,host=d v=4i 1000000000', 't,host=b v=2i 1000000000']);
    const rows = async (text: string): Promise<unknown> => (await series(ports, text))[0].values;
    // Only an integer to compare: Go's heap pops the first series, then the last to the second.
    expect(await rows('SELECT v FROM t')).toEqual([[1, 1], [1, 4], [1, 3], [1, 2]]);
    expect(await rows('SELECT v FROM t ORDER BY time DESC')).toEqual([[1, 4], [1, 1], [1, 2], [1, 3]]);
    // A tag among the values (compared first: InfluxDB keeps them sorted by name) decides.
    expect(await rows('SELECT v, host FROM t')).toEqual([[1, 1, 'a'], [1, 2, 'b'], [1, 3, 'c'], [1, 4, 'd']]);
    expect(await rows('SELECT v, host FROM t ORDER BY time DESC')).toEqual([[1, 4, 'd'], [1, 3, 'c'], [1, 2, 'b'], [1, 1, 'a']]);
  });

  it('reads a tag a series does not have as null, as InfluxDB does', async () => {
    const { ports } = await fixture(['w,loc=x v=1 1000000000', 'w v=2 2000000000']);
    expect(await series(ports, 'SELECT * FROM w')).toEqual([{ name: 'w', columns: ['time', 'loc', 'v'], values: [[1, 'x', 1], [2, null, 2]] }]);
    expect(await series(ports, "SELECT v, loc FROM w WHERE loc = ''")).toEqual([{ name: 'w', columns: ['time', 'v', 'loc'], values: [[2, 2, null]] }]);
  });

  it('expands * to fields and tags sorted by name, aliases and resolves duplicate names', async () => {
    const { ports } = await fixture(CPU);
    const s = await series(ports, "SELECT * FROM cpu WHERE host = 'a'");
    expect(s[0].columns).toEqual(['time', 'host', 'idle', 'note', 'region', 'usage']);
    expect(s[0].values[0]).toEqual([1, 'a', 10, 'x', 'east', 1]);
    expect((await series(ports, 'SELECT *::field FROM cpu LIMIT 1'))[0].columns).toEqual(['time', 'idle', 'note', 'usage']);
    expect((await series(ports, 'SELECT *::tag, usage FROM cpu LIMIT 1'))[0].columns).toEqual(['time', 'host', 'region', 'usage']);
    expect((await series(ports, 'SELECT /u/ FROM cpu LIMIT 1'))[0].columns).toEqual(['time', 'usage']);
    expect((await series(ports, 'SELECT usage AS u, usage, usage FROM cpu LIMIT 1'))[0].columns).toEqual(['time', 'u', 'usage', 'usage_1']);
    expect((await series(ports, 'SELECT time AS ts, usage FROM cpu LIMIT 1'))[0].columns).toEqual(['ts', 'usage']);
  });

  it('computes arithmetic on fields and literals with InfluxDB typing', async () => {
    const { ports } = await fixture(CPU);
    expect(await series(ports, "SELECT usage * 2 + idle, idle / 4, idle - 1, usage / 0, -usage FROM cpu WHERE host = 'a'")).toEqual([
      {
        name: 'cpu',
        columns: ['time', 'usage_idle', 'idle', 'idle_1', 'usage', 'usage_1'],
        values: [
          [1, 12, 2.5, 9, 0, -1],
          [2, 36, 7.5, 29, 0, -3],
          [4, 60, 12.5, 49, 0, -5],
        ],
      },
    ]);
  });

  it('filters on tags, fields, regexes, AND/OR and parentheses', async () => {
    const { ports } = await fixture(CPU);
    const times = async (where: string): Promise<number[]> => {
      const s = await series(ports, `SELECT usage FROM cpu WHERE ${where}`);
      return s.length === 0 ? [] : s[0].values.map((r: number[]) => r[1]);
    };
    expect(await times("host = 'a'")).toEqual([1, 3, 5]);
    expect(await times("host != 'a'")).toEqual([2, 4]);
    expect(await times('host =~ /^b/')).toEqual([2, 4]);
    expect(await times('host !~ /^b/')).toEqual([1, 3, 5]);
    expect(await times('usage > 2')).toEqual([3, 4, 5]);
    expect(await times("usage > 2 AND host = 'b'")).toEqual([4]);
    expect(await times("usage < 2 OR host = 'b'")).toEqual([1, 2, 4]);
    expect(await times("(usage < 2 OR usage > 4) AND region = 'east'")).toEqual([1, 5]);
    expect(await times('idle >= 30')).toEqual([3, 5]);
    expect(await times("note = 'x'")).toEqual([1]);
    expect(await times("nosuchtag = ''")).toEqual([1, 2, 3, 4, 5]);
    expect(await times('time > 1s AND time <= 3s')).toEqual([3, 4]);
    expect(await times('time >= 2000000000 AND usage < 4')).toEqual([3]);
  });

  it('orders by time descending, and applies LIMIT and OFFSET per series', async () => {
    const { ports } = await fixture(CPU);
    expect(await series(ports, 'SELECT usage FROM cpu ORDER BY time DESC LIMIT 2')).toEqual([{ name: 'cpu', columns: ['time', 'usage'], values: [[4, 5], [3, 4]] }]);
    expect(await series(ports, 'SELECT usage FROM cpu LIMIT 2 OFFSET 1')).toEqual([{ name: 'cpu', columns: ['time', 'usage'], values: [[1, 2], [2, 3]] }]);
    expect(await series(ports, 'SELECT usage FROM cpu GROUP BY host LIMIT 1')).toEqual([
      { name: 'cpu', tags: { host: 'a' }, columns: ['time', 'usage'], values: [[1, 1]] },
      { name: 'cpu', tags: { host: 'b' }, columns: ['time', 'usage'], values: [[1, 2]] },
    ]);
  });

  it('groups by tags, *, and limits series with SLIMIT and SOFFSET', async () => {
    const { ports } = await fixture(CPU);
    expect(await series(ports, 'SELECT usage FROM cpu GROUP BY region')).toEqual([
      { name: 'cpu', tags: { region: 'east' }, columns: ['time', 'usage'], values: [[1, 1], [2, 3], [4, 5]] },
      { name: 'cpu', tags: { region: 'west' }, columns: ['time', 'usage'], values: [[1, 2], [3, 4]] },
    ]);
    const star = await series(ports, 'SELECT * FROM cpu GROUP BY *');
    expect(star.map((s: any) => s.tags)).toEqual([{ host: 'a', region: 'east' }, { host: 'b', region: 'west' }]);
    expect(star[0].columns).toEqual(['time', 'idle', 'note', 'usage']);
    expect((await series(ports, 'SELECT usage FROM cpu GROUP BY host SLIMIT 1 SOFFSET 1')).map((s: any) => s.tags)).toEqual([{ host: 'b' }]);
    expect((await series(ports, 'SELECT usage FROM cpu GROUP BY host ORDER BY time DESC')).map((s: any) => s.tags)).toEqual([{ host: 'b' }, { host: 'a' }]);
    // SLIMIT counts groups in ascending tag order whatever ORDER BY says, as InfluxDB does.
    expect((await series(ports, 'SELECT usage FROM cpu GROUP BY host ORDER BY time DESC SLIMIT 1')).map((s: any) => s.tags)).toEqual([{ host: 'a' }]);
    expect((await series(ports, 'SELECT usage FROM cpu GROUP BY host ORDER BY time DESC SOFFSET 1')).map((s: any) => s.tags)).toEqual([{ host: 'b' }]);
    expect((await series(ports, 'SELECT usage FROM cpu GROUP BY nosuch')).map((s: any) => s.tags)).toEqual([{ nosuch: '' }]);
  });

  it('reads several measurements, regexes and fully qualified sources', async () => {
    const { ports } = await fixture(CPU);
    const s = await series(ports, 'SELECT * FROM cpu, mem WHERE time < 2s');
    expect(s.map((x: any) => x.name)).toEqual(['cpu', 'mem']);
    expect(s[1]).toEqual({ name: 'mem', columns: ['time', 'free', 'host', 'idle', 'note', 'region', 'usage'], values: [[1, 100, 'a', null, null, null, null]] });
    expect((await series(ports, 'SELECT free FROM /m.m/')).map((x: any) => x.name)).toEqual(['mem']);
    expect((await series(ports, 'SELECT free FROM "db"."autogen"."mem"'))[0].values).toEqual([[1, 100], [5, 200]]);
    expect((await series(ports, 'SELECT free FROM db..mem', { db: '' }))[0].values).toEqual([[1, 100], [5, 200]]);
    expect(await series(ports, 'SELECT free FROM mem', { db: '' })).toEqual({ error: 'database name required' });
    expect(await series(ports, 'SELECT free FROM nope..mem')).toEqual({ error: 'database not found: nope' });
    expect(await series(ports, 'SELECT free FROM nothing')).toEqual([]);
  });

  it('streams chunked SELECT output: one document per piece, partial until the last of the statement', async () => {
    const { ports } = await fixture(CPU);
    const docs = [];
    for await (const d of executeQuery('SELECT usage FROM cpu GROUP BY host; SELECT count(free) FROM mem', { db: 'db', chunked: true, chunkSize: 2 }, ports)) {
      docs.push(JSON.parse(formatJson(d, { epoch: 's' })));
    }
    expect(docs).toEqual([
      { results: [{ statement_id: 0, series: [{ name: 'cpu', tags: { host: 'a' }, columns: ['time', 'usage'], values: [[1, 1], [2, 3]], partial: true }], partial: true }] },
      { results: [{ statement_id: 0, series: [{ name: 'cpu', tags: { host: 'a' }, columns: ['time', 'usage'], values: [[4, 5]] }], partial: true }] },
      { results: [{ statement_id: 0, series: [{ name: 'cpu', tags: { host: 'b' }, columns: ['time', 'usage'], values: [[1, 2], [3, 4]] }] }] },
      { results: [{ statement_id: 1, series: [{ name: 'mem', columns: ['time', 'count'], values: [[0, 2]] }] }] },
    ]);
  });

  it('merges rows and buckets across shard groups, in both directions', async () => {
    const week = 7n * 86_400n * S;
    // Shard groups are a week long: these points land in three groups (two shards each side of a boundary).
    const lines = [0n, week - S, week, week + S, 2n * week].flatMap((t, i) => [`w,host=a v=${i}i ${t}`, `w,host=b v=${10 + i}i ${t + 1n}`]);
    const { store, ports } = await fixture(lines);
    expect(new Set(store.catalog.shardGroups('db').map((g) => g.id)).size).toBe(3);
    const secs = (x: bigint): number => Number(x / S);
    expect(await series(ports, 'SELECT v FROM w WHERE host = \'a\' ORDER BY time DESC LIMIT 3', { epoch: 'ns' } as QueryOptions)).toEqual([
      { name: 'w', columns: ['time', 'v'], values: [[secs(2n * week) * 1e9, 4], [secs(week + S) * 1e9, 3], [secs(week) * 1e9, 2]] },
    ]);
    // One 14-day bucket spans the first two groups: partials from two shards merge.
    expect(await series(ports, 'SELECT count(v), sum(v), first(v), last(v) FROM w WHERE time >= 0s AND time < 28d GROUP BY time(14d)')).toEqual([
      { name: 'w', columns: ['time', 'count', 'sum', 'first', 'last'], values: [[0, 8, 52, 0, 13], [1209600, 2, 18, 4, 14]] },
    ]);
    expect((await series(ports, 'SELECT count(v) FROM w WHERE time >= 0s AND time < 28d GROUP BY time(14d) ORDER BY time DESC'))[0].values).toEqual([
      [1209600, 2],
      [0, 8],
    ]);
  });

  it('writes times as RFC3339 or epoch and int64 exactly', async () => {
    const { ports } = await fixture(['big v=9223372036854775807i,w=-9223372036854775808i 1700000000123456789']);
    const docs = [];
    for await (const d of executeQuery('SELECT v, w FROM big', { db: 'db' }, ports)) docs.push(d);
    expect(formatJson(docs[0]!)).toBe(
      '{"results":[{"statement_id":0,"series":[{"name":"big","columns":["time","v","w"],"values":[["2023-11-14T22:13:20.123456789Z",9223372036854775807,-9223372036854775808]]}]}]}\n',
    );
    expect(formatJson(docs[0]!, { epoch: 'ns' })).toContain('[[1700000000123456789,9223372036854775807,-9223372036854775808]]');
  });
});

