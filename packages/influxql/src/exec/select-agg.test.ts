import { describe, expect, it } from 'vitest';
import { LocalCatalog } from '@shoal/tsdb';
import { executeQuery, type QueryOptions } from './execute.js';
import { formatJson } from './format.js';
import { MemoryStore } from './memory.js';
import type { QueryPorts } from './ports.js';

const S = 1_000_000_000n;

async function fixture(lines: string[]): Promise<{ ports: QueryPorts }> {
  const catalog = LocalCatalog.inMemory();
  const store = new MemoryStore(catalog, { blockPoints: 3 });
  await catalog.createDatabase('db');
  await store.write('db', lines.join('\n'));
  return { ports: store.ports() };
}

/** The series of the first statement (times in seconds), or its error. */
async function series(ports: QueryPorts, text: string, opts: QueryOptions = {}): Promise<any> {
  const docs = [];
  for await (const d of executeQuery(text, { db: 'db', now: 1000n * S, ...opts }, ports)) docs.push(d);
  const r = JSON.parse(formatJson(docs[0]!, { epoch: 's' })).results[0];
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

const values = async (ports: Parameters<typeof series>[0], text: string): Promise<unknown> => {
  const s = await series(ports, text);
  if (!Array.isArray(s)) return s;
  return s.map((x: { values: unknown; tags?: unknown }) => (x.tags === undefined ? x.values : { tags: x.tags, values: x.values }));
};

describe('SELECT aggregates', () => {
  it('aggregates without GROUP BY time report the start of the range, or 0', async () => {
    const { ports } = await fixture(CPU);
    expect(await series(ports, 'SELECT count(usage), sum(usage), mean(usage), min(usage), max(usage), first(usage), last(usage), spread(usage) FROM cpu')).toEqual([
      { name: 'cpu', columns: ['time', 'count', 'sum', 'mean', 'min', 'max', 'first', 'last', 'spread'], values: [[0, 5, 15, 3, 1, 5, 1, 5, 4]] },
    ]);
    expect(await values(ports, 'SELECT count(usage) FROM cpu WHERE time >= 2s')).toEqual([[[2, 3]]]);
    expect(await values(ports, 'SELECT sum(idle), count(note) FROM cpu')).toEqual([[[0, 110, 2]]]);
  });

  it('adds floats in the order InfluxDB does: series by series, then merged as its GOMAXPROCS=2 parallel merge orders them', async () => {
    // Series a..e (key order) each with one point. InfluxDB adds the partials as a, b, c, e, d:
    // 1e16 + 1 + 1 + 1 rounds back to 1e16 each time, and d cancels it. In key order it would be 1.
    const { ports } = await fixture(['f,host=a v=1e16 1000000000', 'f,host=b v=1 1000000000', 'f,host=c v=1 1000000000', 'f,host=d v=-1e16 1000000000', 'f,host=e v=1 1000000000']);
    expect(await values(ports, 'SELECT sum(v) FROM f')).toEqual([[[0, 0]]]);
  });

  it('first() and last() without GROUP BY time take the tag set merge first row, as InfluxDB engine does', async () => {
    // Three series with a point at the same time: the merge, not the larger value, decides.
    const { ports } = await fixture(['s,host=a v=1 1000000000', 's,host=b v=3 1000000000', 's,host=c v=2 1000000000', 's,host=a v=0 5000000000']);
    expect(await values(ports, 'SELECT first(v) FROM s')).toEqual([[[1, 1]]]);
    expect(await values(ports, 'SELECT last(v) FROM s WHERE time < 2s')).toEqual([[[1, 2]]]);
    expect(await values(ports, 'SELECT first(v), host FROM s')).toEqual([[[1, 1, 'a']]]);
    // With GROUP BY time the reducer decides: the larger value at the same time.
    expect(await values(ports, 'SELECT first(v) FROM s WHERE time >= 0s AND time < 2s GROUP BY time(2s)')).toEqual([[[0, 3]]]);
  });

  it('re-weights a mean at every level as InfluxDB does (mean times count, added, divided)', async () => {
    const { ports } = await fixture([
      'm,host=a v=23.7 1000000000',
      'm,host=a v=83.8 2000000000',
      'm,host=a v=47.7 3000000000',
      'm,host=b v=34.6 1000000000',
      'm,host=b v=91.8 2000000000',
    ]);
    // Adding the five values and dividing gives 56.31999999999999.
    expect(await values(ports, 'SELECT mean(v) FROM m')).toEqual([[[0, 56.32000000000001]]]);
  });

  it('integral() follows InfluxDB reducers: trapezia, interpolated bucket edges, and their float/integer quirks', async () => {
    const { ports } = await fixture(['g f=1,i=1i 1000000000', 'g f=3,i=3i 3000000000', 'g f=5,i=5i 5000000000']);
    // Without GROUP BY time a float integral is reported at 0, an integer one at the range's start.
    expect(await values(ports, 'SELECT integral(f) FROM g WHERE time >= 1s')).toEqual([[[0, 12]]]);
    expect(await values(ports, 'SELECT integral(i) FROM g WHERE time >= 1s')).toEqual([[[1, 12]]]);
    expect(await values(ports, 'SELECT integral(f, 2s) FROM g')).toEqual([[[0, 6]]]);
    // Each bucket is closed by interpolating to its end. After an edge the integer reducer adds
    // the next trapezium with the interpolated value but the previous point's own value.
    const q = (f: string): string => `SELECT integral(${f}) FROM g WHERE time >= 0s AND time < 6s GROUP BY time(2s)`;
    expect(await values(ports, q('f'))).toEqual([[[0, 1.5], [2, 6], [4, 4.5]]]);
    expect(await values(ports, q('i'))).toEqual([[[0, 1.5], [2, 5], [4, 3.5]]]);
    expect(await series(ports, 'SELECT integral(f), f FROM g')).toEqual({ error: 'mixing aggregate and non-aggregate queries is not supported' });
    expect(await series(ports, 'SELECT integral(f, 1) FROM g')).toEqual({ error: 'second argument must be a duration' });
  });

  it('a lone selector reports its point time; with companions their values at that point', async () => {
    const { ports } = await fixture(CPU);
    expect(await values(ports, 'SELECT max(usage) FROM cpu')).toEqual([[[4, 5]]]);
    expect(await values(ports, 'SELECT min(usage) FROM cpu')).toEqual([[[1, 1]]]);
    // host=a and host=b both have a point at 1s: the tag set's merge takes host=a's (see below).
    expect(await values(ports, 'SELECT first(usage) FROM cpu')).toEqual([[[1, 1]]]);
    expect(await values(ports, 'SELECT last(note) FROM cpu')).toEqual([[[4, 'y']]]);
    expect(await series(ports, 'SELECT max(usage), host, idle FROM cpu')).toEqual([{ name: 'cpu', columns: ['time', 'max', 'host', 'idle'], values: [[4, 5, 'a', 50]] }]);
    expect(await values(ports, 'SELECT max(usage) * 10 FROM cpu')).toEqual([[[4, 50]]]);
    expect(await values(ports, 'SELECT max(usage), min(usage) FROM cpu')).toEqual([[[0, 5, 1]]]);
    expect(await values(ports, 'SELECT max(usage) FROM cpu GROUP BY host')).toEqual([
      { tags: { host: 'a' }, values: [[4, 5]] },
      { tags: { host: 'b' }, values: [[3, 4]] },
    ]);
  });

  it('GROUP BY time buckets are epoch-aligned, with offsets, per tag group', async () => {
    const { ports } = await fixture(CPU);
    expect(await values(ports, 'SELECT mean(usage) FROM cpu WHERE time >= 0s AND time < 6s GROUP BY time(2s)')).toEqual([[[0, 1.5], [2, 3.5], [4, 5]]]);
    expect(await values(ports, 'SELECT mean(usage) FROM cpu WHERE time >= 1s AND time < 5s GROUP BY time(2s, 1s)')).toEqual([[[1, 2], [3, 4.5]]]);
    expect(await values(ports, 'SELECT max(usage) FROM cpu WHERE time >= 0s AND time < 4s GROUP BY time(2s), host')).toEqual([
      { tags: { host: 'a' }, values: [[0, 1], [2, 3]] },
      { tags: { host: 'b' }, values: [[0, 2], [2, 4]] },
    ]);
    expect(await values(ports, 'SELECT mean(usage) FROM cpu WHERE time >= 0s AND time < 6s GROUP BY time(2s) ORDER BY time DESC')).toEqual([[[4, 5], [2, 3.5], [0, 1.5]]]);
    expect(await values(ports, 'SELECT mean(usage) FROM cpu WHERE time >= 0s AND time < 6s GROUP BY time(2s) LIMIT 1 OFFSET 1')).toEqual([[[2, 3.5]]]);
  });

  it('fills empty buckets: null (0 for count), none, a number, previous, linear', async () => {
    const { ports } = await fixture(['m v=1 0', 'm v=3 2000000000', 'm v=9 8000000000', 'm n=4i 2000000000', 'm n=10i 6000000000']);
    const w = 'WHERE time >= 0s AND time < 10s GROUP BY time(2s)';
    expect(await values(ports, `SELECT mean(v) FROM m ${w}`)).toEqual([[[0, 1], [2, 3], [4, null], [6, null], [8, 9]]]);
    expect(await values(ports, `SELECT count(v) FROM m ${w}`)).toEqual([[[0, 1], [2, 1], [4, 0], [6, 0], [8, 1]]]);
    expect(await values(ports, `SELECT mean(v) FROM m ${w} fill(none)`)).toEqual([[[0, 1], [2, 3], [8, 9]]]);
    expect(await values(ports, `SELECT mean(v) FROM m ${w} fill(-1)`)).toEqual([[[0, 1], [2, 3], [4, -1], [6, -1], [8, 9]]]);
    expect(await values(ports, `SELECT mean(v) FROM m ${w} fill(previous)`)).toEqual([[[0, 1], [2, 3], [4, 3], [6, 3], [8, 9]]]);
    expect(await values(ports, `SELECT mean(v) FROM m ${w} fill(linear)`)).toEqual([[[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]]);
    expect(await values(ports, `SELECT max(n) FROM m ${w} fill(linear)`)).toEqual([[[0, null], [2, 4], [4, 7], [6, 10], [8, null]]]);
    expect(await values(ports, `SELECT mean(v) FROM m ${w} fill(previous) ORDER BY time DESC`)).toEqual([[[8, 9], [6, 9], [4, 9], [2, 3], [0, 1]]]);
    // Without a lower bound the fill starts at the first bucket with data; the upper bound is now().
    expect(await values(ports, 'SELECT count(v) FROM m WHERE time < 10s GROUP BY time(4s)')).toEqual([[[0, 2], [4, 0], [8, 1]]]);
  });

  it('median, mode, stddev, percentile, distinct and count(distinct)', async () => {
    const { ports } = await fixture(CPU);
    expect(await values(ports, 'SELECT median(usage), stddev(usage), mode(idle), count(distinct(usage)) FROM cpu')).toEqual([[[0, 3, 1.5811388300841898, 10, 5]]]);
    expect(await values(ports, 'SELECT percentile(usage, 50) FROM cpu')).toEqual([[[2, 3]]]);
    expect(await values(ports, 'SELECT percentile(usage, 90), host FROM cpu')).toEqual([[[4, 5, 'a']]]);
    expect(await values(ports, 'SELECT percentile(usage, 0) FROM cpu')).toEqual([]);
    expect(await values(ports, 'SELECT distinct(note) FROM cpu')).toEqual([[[0, 'x'], [0, 'y']]]);
    expect(await values(ports, 'SELECT DISTINCT idle FROM cpu WHERE time < 3s')).toEqual([[[0, 10], [0, 20], [0, 30]]]);
    expect(await values(ports, 'SELECT median(idle) FROM cpu')).toEqual([[[0, 25]]]);
    expect(await values(ports, 'SELECT stddev(usage) FROM cpu WHERE time >= 4s')).toEqual([[[4, null]]]);
  });

  it('top and bottom keep point times, sort by time, and take tags as columns', async () => {
    const { ports } = await fixture(CPU);
    expect(await series(ports, 'SELECT top(usage, 2) FROM cpu')).toEqual([{ name: 'cpu', columns: ['time', 'top'], values: [[3, 4], [4, 5]] }]);
    expect(await series(ports, 'SELECT top(usage, host, 1) FROM cpu')).toEqual([{ name: 'cpu', columns: ['time', 'top', 'host'], values: [[4, 5, 'a']] }]);
    expect(await values(ports, 'SELECT top(usage, host, 2) FROM cpu')).toEqual([[[3, 4, 'b'], [4, 5, 'a']]]);
    expect(await values(ports, 'SELECT bottom(usage, 2) FROM cpu')).toEqual([[[1, 1], [1, 2]]]);
    expect(await values(ports, 'SELECT bottom(usage, 1) FROM cpu WHERE time >= 0s AND time < 6s GROUP BY time(2s)')).toEqual([[[1, 1], [2, 3], [4, 5]]]);
  });

  it('transformations of raw points and of aggregates', async () => {
    const { ports } = await fixture(CPU);
    expect(await values(ports, 'SELECT derivative(usage) FROM cpu')).toEqual([[[2, 2], [3, 1], [4, 1]]]);
    expect(await values(ports, 'SELECT derivative(usage, 2s) FROM cpu GROUP BY host')).toEqual([
      { tags: { host: 'a' }, values: [[2, 4], [4, 2]] },
      { tags: { host: 'b' }, values: [[3, 2]] },
    ]);
    expect(await values(ports, 'SELECT difference(usage) FROM cpu GROUP BY host')).toEqual([
      { tags: { host: 'a' }, values: [[2, 2], [4, 2]] },
      { tags: { host: 'b' }, values: [[3, 2]] },
    ]);
    expect(await values(ports, 'SELECT moving_average(usage, 2) FROM cpu')).toEqual([[[1, 1.5], [2, 2.5], [3, 3.5], [4, 4.5]]]);
    expect(await values(ports, 'SELECT cumulative_sum(usage) FROM cpu')).toEqual([[[1, 1], [1, 3], [2, 6], [3, 10], [4, 15]]]);
    expect(await values(ports, 'SELECT elapsed(usage, 1s) FROM cpu')).toEqual([[[1, 0], [2, 1], [3, 1], [4, 1]]]);
    expect(await values(ports, 'SELECT derivative(mean(usage), 1s) FROM cpu WHERE time >= 1s AND time < 5s GROUP BY time(1s)')).toEqual([[[2, 1.5], [3, 1], [4, 1]]]);
    expect(await values(ports, 'SELECT difference(max(idle)) FROM cpu WHERE time >= 1s AND time < 5s GROUP BY time(1s) fill(0)')).toEqual([[[1, 20], [2, 10], [3, -30], [4, 50]]]);
    expect(await values(ports, 'SELECT cumulative_sum(count(usage)) FROM cpu WHERE time >= 0s AND time < 5s GROUP BY time(2s)')).toEqual([[[0, 2], [2, 4], [4, 5]]]);
    expect(await values(ports, 'SELECT non_negative_derivative(v) FROM m')).toEqual([]);
    const { ports: p2 } = await fixture(['c v=1 1000000000', 'c v=5 2000000000', 'c v=2 3000000000', 'c v=4 4000000000']);
    expect(await values(p2, 'SELECT non_negative_derivative(v) FROM c')).toEqual([[[2, 4], [4, 2]]]);
    expect(await values(p2, 'SELECT non_negative_difference(v) FROM c')).toEqual([[[2, 4], [4, 2]]]);
  });

  it('expands wildcards inside calls to the fields of supported types', async () => {
    const { ports } = await fixture(CPU);
    expect(await series(ports, 'SELECT mean(*) FROM cpu')).toEqual([{ name: 'cpu', columns: ['time', 'mean_idle', 'mean_usage'], values: [[0, 27.5, 3]] }]);
    expect((await series(ports, 'SELECT count(*) FROM cpu'))[0].columns).toEqual(['time', 'count_idle', 'count_note', 'count_usage']);
    expect((await series(ports, 'SELECT max(/i/) FROM cpu'))[0].columns).toEqual(['time', 'max_idle']);
  });

  it('joins several calls, also across measurements where some calls have nothing', async () => {
    const { ports } = await fixture(CPU);
    expect(await series(ports, 'SELECT count(free), count(usage) FROM cpu, mem')).toEqual([
      { name: 'cpu', columns: ['time', 'count', 'count_1'], values: [[0, null, 5]] },
      { name: 'mem', columns: ['time', 'count', 'count_1'], values: [[0, 2, null]] },
    ]);
    expect(await values(ports, 'SELECT mean(usage) + max(idle), mean(usage) / 2 FROM cpu')).toEqual([[[0, 53, 1.5]]]);
  });

  it('applies math functions to fields, to aggregates and in conditions', async () => {
    const { ports } = await fixture(CPU);
    expect(await series(ports, "SELECT abs(usage - 3), round(usage / 2), pow(usage, 2), abs(idle) FROM cpu WHERE host = 'a'")).toEqual([
      { name: 'cpu', columns: ['time', 'abs', 'round', 'pow', 'abs_1'], values: [[1, 2, 1, 1, 10], [2, 0, 2, 9, 30], [4, 2, 3, 25, 50]] },
    ]);
    expect(await values(ports, 'SELECT sqrt(max(usage)), floor(mean(usage)) FROM cpu')).toEqual([[[0, Math.sqrt(5), 3]]]);
    expect(await values(ports, 'SELECT sqrt(max(usage)) FROM cpu')).toEqual([[[4, Math.sqrt(5)]]]);
    expect(await values(ports, 'SELECT usage FROM cpu WHERE abs(usage - 3) < 1.5')).toEqual([[[1, 2], [2, 3], [3, 4]]]);
    expect(await series(ports, 'SELECT abs(usage, 1) FROM cpu')).toEqual({ error: 'invalid number of arguments for abs, expected 1, got 2' });
  });

  it('aligns buckets to the wall clock of TZ() across daylight-saving changes and prints its offset', async () => {
    const lines: string[] = [];
    const h = 3_600_000_000_000n;
    const t0 = 1_711_756_800_000_000_000n; // 2024-03-30T00:00:00Z
    for (let i = 0n; i < 60n; i++) lines.push(`m v=1 ${t0 + i * h}`);
    const { ports } = await fixture(lines);
    const docs = [];
    const q = "SELECT count(v) FROM m WHERE time >= '2024-03-30T00:00:00Z' AND time < '2024-04-01T12:00:00Z' GROUP BY time(1d) TZ('Europe/Paris')";
    for await (const d of executeQuery(q, { db: 'db' }, ports)) docs.push(d);
    expect(JSON.parse(formatJson(docs[0]!)).results[0].series[0].values).toEqual([
      ['2024-03-30T00:00:00+01:00', 23],
      ['2024-03-31T00:00:00+01:00', 23],
      ['2024-04-01T00:00:00+02:00', 14],
    ]);
    const raw = [];
    for await (const d of executeQuery("SELECT v FROM m LIMIT 1 TZ('America/New_York')", { db: 'db' }, ports)) raw.push(d);
    expect(JSON.parse(formatJson(raw[0]!)).results[0].series[0].values).toEqual([['2024-03-29T20:00:00-04:00', 1]]);
    expect(JSON.parse(formatJson(raw[0]!, { epoch: 'ns' })).results[0].series[0].values[0][0]).toBe(1711756800000000000);
  });

  it('refuses what InfluxDB refuses, with its words', async () => {
    const { ports } = await fixture(CPU);
    const cases: Array<[string, string]> = [
      ['SELECT mean(usage), host FROM cpu', 'mixing aggregate and non-aggregate queries is not supported'],
      ['SELECT max(usage), min(usage), host FROM cpu', 'mixing multiple selector functions with tags or fields is not supported'],
      ['SELECT foo(usage) FROM cpu', 'undefined function foo()'],
      ['SELECT usage FROM cpu GROUP BY time(1s)', 'GROUP BY requires at least one aggregate function'],
      ['SELECT derivative(mean(usage)) FROM cpu', 'derivative aggregate requires a GROUP BY interval'],
      ['SELECT derivative(usage) FROM cpu WHERE time > 0s GROUP BY time(1s)', 'aggregate function required inside the call to derivative'],
      ['SELECT top(usage, 2), mean(usage) FROM cpu', 'selector function top() cannot be combined with other functions'],
      ['SELECT distinct(usage), host FROM cpu', 'aggregate function distinct() cannot be combined with other functions or fields'],
      ['SELECT mean(note) FROM cpu', 'unsupported mean iterator type: *query.stringInterruptIterator'],
      ['SELECT usage FROM cpu fill(none)', 'fill(none) must be used with a function'],
      ['SELECT count(usage) FROM cpu WHERE mean(usage) > 1', 'invalid function call in condition: mean(usage)'],
      ['SELECT time FROM cpu', 'at least 1 non-time field must be queried'],
      ['SELECT percentile(usage) FROM cpu', 'invalid number of arguments for percentile, expected 2, got 1'],
      ['SELECT top(usage, 0) FROM cpu', 'limit (0) in top function must be at least 1'],
      ['SELECT moving_average(usage, 1) FROM cpu', 'moving_average window must be greater than 1, got 1'],
      ['SELECT mean(usage) FROM cpu GROUP BY time(1s), time(2s)', 'multiple time dimensions not allowed'],
      ["SELECT usage FROM cpu WHERE time > 'bad'", 'invalid operation: time and *influxql.StringLiteral are not compatible'],
      ['SELECT usage + 1 FROM cpu GROUP BY time', 'time() is a function and expects at least one argument'],
    ];
    for (const [text, error] of cases) expect({ text, got: await series(ports, text) }).toEqual({ text, got: { error } });
  });
});
