import { describe, expect, it } from 'vitest';
import { LocalCatalog } from '@shoal/tsdb';
import { formatRFC3339 } from '../time-literal.js';
import { executeQuery, type QueryOptions } from './execute.js';
import { formatJson } from './format.js';
import { formatGoDuration, validName } from './meta.js';
import { MemoryStore } from './memory.js';
import type { DeletePort, QueryPorts } from './ports.js';
import type { ResultDocument } from './result.js';

async function collect(ports: QueryPorts, q: string, opts: QueryOptions = {}): Promise<ResultDocument[]> {
  const docs: ResultDocument[] = [];
  for await (const d of executeQuery(q, { db: 'db', ...opts }, ports)) docs.push(d);
  return docs;
}

/** The response body as InfluxDB would send it, parsed back (values here are small). */
async function query(ports: QueryPorts, q: string, opts: QueryOptions = {}): Promise<unknown> {
  const docs = await collect(ports, q, opts);
  expect(docs).toHaveLength(1);
  return JSON.parse(formatJson(docs[0]!));
}

async function setup(): Promise<{ store: MemoryStore; ports: QueryPorts; catalog: LocalCatalog }> {
  const catalog = LocalCatalog.inMemory();
  const store = new MemoryStore(catalog);
  await catalog.createDatabase('db');
  await store.write(
    'db',
    [
      'cpu,host=a,region=east usage=1,idle=2i 10',
      'cpu,host=b,region=west usage=3 20',
      'cpu,host=c usage=4 30',
      'mem,host=a free=5i 10',
      'disk,path=/,host=a used=true 10',
    ].join('\n'),
  );
  return { store, ports: store.ports(), catalog };
}

describe('SHOW statements', () => {
  it('SHOW DATABASES lists databases in creation order, with columns even when empty', async () => {
    const empty = LocalCatalog.inMemory();
    const ports = new MemoryStore(empty).ports();
    expect(await query(ports, 'SHOW DATABASES')).toEqual({
      results: [{ statement_id: 0, series: [{ name: 'databases', columns: ['name'] }] }],
    });
    await empty.createDatabase('zz');
    await empty.createDatabase('aa');
    expect(await query(ports, 'SHOW DATABASES')).toEqual({
      results: [{ statement_id: 0, series: [{ name: 'databases', columns: ['name'], values: [['zz'], ['aa']] }] }],
    });
  });

  it('SHOW MEASUREMENTS filters by name, regex and tag condition, with LIMIT and OFFSET', async () => {
    const { ports } = await setup();
    const names = async (q: string): Promise<unknown> => ((await query(ports, q)) as { results: Array<{ series?: Array<{ values: unknown }> }> }).results[0]!.series?.[0]?.values;
    expect(await names('SHOW MEASUREMENTS')).toEqual([['cpu'], ['disk'], ['mem']]);
    expect(await names('SHOW MEASUREMENTS WITH MEASUREMENT =~ /m/')).toEqual([['mem']]);
    expect(await names('SHOW MEASUREMENTS WITH MEASUREMENT = cpu')).toEqual([['cpu']]);
    expect(await names("SHOW MEASUREMENTS WHERE host = 'c'")).toEqual([['cpu']]);
    expect(await names("SHOW MEASUREMENTS WHERE region = ''")).toEqual([['cpu'], ['disk'], ['mem']]);
    expect(await names('SHOW MEASUREMENTS LIMIT 1 OFFSET 1')).toEqual([['disk']]);
    expect(await query(ports, "SHOW MEASUREMENTS WHERE host = 'zzz'")).toEqual({ results: [{ statement_id: 0 }] });
    expect(await query(ports, 'SHOW MEASUREMENTS ON nope')).toEqual({ results: [{ statement_id: 0 }] });
    expect(await query(ports, 'SHOW MEASUREMENTS', { db: '' })).toEqual({ results: [{ statement_id: 0, error: 'database name required' }] });
  });

  it('SHOW TAG KEYS per measurement, with FROM, WHERE, LIMIT and SLIMIT', async () => {
    const { ports } = await setup();
    expect(await query(ports, 'SHOW TAG KEYS')).toEqual({
      results: [
        {
          statement_id: 0,
          series: [
            { name: 'cpu', columns: ['tagKey'], values: [['host'], ['region']] },
            { name: 'disk', columns: ['tagKey'], values: [['host'], ['path']] },
            { name: 'mem', columns: ['tagKey'], values: [['host']] },
          ],
        },
      ],
    });
    expect(await query(ports, "SHOW TAG KEYS FROM cpu WHERE host = 'c'")).toEqual({
      results: [{ statement_id: 0, series: [{ name: 'cpu', columns: ['tagKey'], values: [['host']] }] }],
    });
    expect(await query(ports, 'SHOW TAG KEYS LIMIT 1 OFFSET 1 SLIMIT 1 SOFFSET 1')).toEqual({
      results: [{ statement_id: 0, series: [{ name: 'disk', columns: ['tagKey'], values: [['path']] }] }],
    });
  });

  it('SHOW TAG VALUES WITH KEY =, IN, =~ and !=, filtered by WHERE', async () => {
    const { ports } = await setup();
    expect(await query(ports, 'SHOW TAG VALUES FROM cpu WITH KEY = host')).toEqual({
      results: [{ statement_id: 0, series: [{ name: 'cpu', columns: ['key', 'value'], values: [['host', 'a'], ['host', 'b'], ['host', 'c']] }] }],
    });
    expect(await query(ports, 'SHOW TAG VALUES WITH KEY IN (path, region)')).toEqual({
      results: [
        {
          statement_id: 0,
          series: [
            { name: 'cpu', columns: ['key', 'value'], values: [['region', 'east'], ['region', 'west']] },
            { name: 'disk', columns: ['key', 'value'], values: [['path', '/']] },
          ],
        },
      ],
    });
    expect(await query(ports, "SHOW TAG VALUES FROM cpu WITH KEY =~ /./ WHERE region = 'west' OR host = 'c'")).toEqual({
      results: [{ statement_id: 0, series: [{ name: 'cpu', columns: ['key', 'value'], values: [['host', 'b'], ['host', 'c'], ['region', 'west']] }] }],
    });
    expect(await query(ports, 'SHOW TAG VALUES FROM cpu WITH KEY != host LIMIT 1')).toEqual({
      results: [{ statement_id: 0, series: [{ name: 'cpu', columns: ['key', 'value'], values: [['region', 'east']] }] }],
    });
  });

  it('SHOW FIELD KEYS with their catalog types', async () => {
    const { ports } = await setup();
    expect(await query(ports, 'SHOW FIELD KEYS')).toEqual({
      results: [
        {
          statement_id: 0,
          series: [
            { name: 'cpu', columns: ['fieldKey', 'fieldType'], values: [['idle', 'integer'], ['usage', 'float']] },
            { name: 'disk', columns: ['fieldKey', 'fieldType'], values: [['used', 'boolean']] },
            { name: 'mem', columns: ['fieldKey', 'fieldType'], values: [['free', 'integer']] },
          ],
        },
      ],
    });
    expect(await query(ports, 'SHOW FIELD KEYS FROM /m/')).toEqual({
      results: [{ statement_id: 0, series: [{ name: 'mem', columns: ['fieldKey', 'fieldType'], values: [['free', 'integer']] }] }],
    });
  });

  it('SHOW FIELD KEYS lists what the default (or requested) retention policy holds, as InfluxDB 1.6', async () => {
    const { ports, store, catalog } = await setup();
    await catalog.createRetentionPolicy('db', { name: 'other', durationNs: 0n, replicaN: 1 }, false);
    await store.write('db', ['net rx=1i 10', 'cpu extra=1i 10'].join('\n'), 'other');
    const fieldKeys = async (opts: QueryOptions = {}): Promise<unknown> =>
      ((await query(ports, 'SHOW FIELD KEYS', opts)) as { results: Array<{ series: Array<{ name: string; values: unknown[] }> }> }).results[0]!.series.map((s) => [
        s.name,
        s.values.map((v) => (v as string[])[0]),
      ]);
    expect(await fieldKeys()).toEqual([
      ['cpu', ['idle', 'usage']],
      ['disk', ['used']],
      ['mem', ['free']],
    ]);
    expect(await fieldKeys({ rp: 'other' })).toEqual([
      ['cpu', ['extra']],
      ['net', ['rx']],
    ]);
    // A source names its own policy.
    expect(await query(ports, 'SHOW FIELD KEYS FROM other.net')).toEqual({
      results: [{ statement_id: 0, series: [{ name: 'net', columns: ['fieldKey', 'fieldType'], values: [['rx', 'integer']] }] }],
    });
  });

  it('SHOW ... EXACT CARDINALITY counts as InfluxDB 1.6: series shard by shard, the rest distinct', async () => {
    const { ports, store } = await setup();
    // A second shard group (a week later) holding cpu,host=a again and a new cpu,host=d.
    const week = 7n * 24n * 3600n * 1_000_000_000n;
    await store.write('db', [`cpu,host=a,region=east usage=9 ${week + 10n}`, `cpu,host=d usage=9 ${week + 10n}`].join('\n'));
    const counts = async (text: string): Promise<unknown> =>
      ((await query(ports, text)) as { results: Array<{ series?: Array<{ name?: string; values: unknown[][] }>; error?: string }> }).results[0]!.series?.map(
        (s) => [s.name ?? '', Number(s.values[0]![0])],
      );
    expect(await counts('SHOW SERIES EXACT CARDINALITY')).toEqual([
      ['cpu', 5],
      ['disk', 1],
      ['mem', 1],
    ]);
    expect(await counts("SHOW SERIES EXACT CARDINALITY FROM cpu WHERE host = 'a'")).toEqual([['cpu', 2]]);
    expect(await counts('SHOW SERIES EXACT CARDINALITY WHERE time < 100')).toEqual([
      ['cpu', 3],
      ['disk', 1],
      ['mem', 1],
    ]);
    expect(await counts('SHOW MEASUREMENT EXACT CARDINALITY')).toEqual([['', 3]]);
    expect(await counts('SHOW TAG KEY EXACT CARDINALITY FROM cpu')).toEqual([['cpu', 2]]);
    expect(await counts('SHOW TAG VALUES EXACT CARDINALITY WITH KEY = host')).toEqual([
      ['cpu', 4],
      ['disk', 1],
      ['mem', 1],
    ]);
    expect(await counts('SHOW FIELD KEY EXACT CARDINALITY FROM cpu')).toEqual([['cpu', 2]]);
    // The estimate needs a sketch Shoal does not keep.
    expect(await query(ports, 'SHOW SERIES CARDINALITY')).toEqual({
      results: [{ statement_id: 0, error: 'SHOW SERIES CARDINALITY is not supported yet by this server' }],
    });
  });

  it('SHOW SERIES lists keys, filtered and paged', async () => {
    const { ports } = await setup();
    expect(await query(ports, 'SHOW SERIES')).toEqual({
      results: [
        {
          statement_id: 0,
          series: [{ columns: ['key'], values: [['cpu,host=a,region=east'], ['cpu,host=b,region=west'], ['cpu,host=c'], ['disk,host=a,path=/'], ['mem,host=a']] }],
        },
      ],
    });
    expect(await query(ports, "SHOW SERIES FROM cpu WHERE host =~ /a|b/ LIMIT 1 OFFSET 1")).toEqual({
      results: [{ statement_id: 0, series: [{ columns: ['key'], values: [['cpu,host=b,region=west']] }] }],
    });
  });

  it('SHOW RETENTION POLICIES, SHOW SHARDS and SHOW SHARD GROUPS in InfluxDB shape', async () => {
    const { ports, catalog } = await setup();
    expect(await query(ports, 'SHOW RETENTION POLICIES')).toEqual({
      results: [{ statement_id: 0, series: [{ columns: ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'], values: [['autogen', '0s', '168h0m0s', 1, true]] }] }],
    });
    const [g] = catalog.shardGroups('db');
    const start = formatRFC3339(g!.startNs);
    const end = formatRFC3339(g!.endNs);
    expect(await query(ports, 'SHOW SHARDS')).toEqual({
      results: [
        {
          statement_id: 0,
          series: [
            {
              name: 'db',
              columns: ['id', 'database', 'retention_policy', 'shard_group', 'start_time', 'end_time', 'expiry_time', 'owners'],
              values: [[g!.shards[0]!.id, 'db', 'autogen', g!.id, start, end, end, '1']],
            },
          ],
        },
      ],
    });
    expect(await query(ports, 'SHOW SHARD GROUPS')).toEqual({
      results: [
        {
          statement_id: 0,
          series: [{ name: 'shard groups', columns: ['id', 'database', 'retention_policy', 'start_time', 'end_time', 'expiry_time'], values: [[g!.id, 'db', 'autogen', start, end, end]] }],
        },
      ],
    });
  });
});

describe('catalog statements', () => {
  it('CREATE DATABASE WITH ... creates its policy; re-creating is fine, a conflicting policy is not', async () => {
    const catalog = LocalCatalog.inMemory();
    const ports = new MemoryStore(catalog).ports();
    expect(await query(ports, 'CREATE DATABASE d WITH DURATION 2d REPLICATION 1 SHARD DURATION 1h NAME short')).toEqual({ results: [{ statement_id: 0 }] });
    expect(await query(ports, 'SHOW RETENTION POLICIES ON d')).toEqual({
      results: [{ statement_id: 0, series: [{ columns: ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'], values: [['short', '48h0m0s', '1h0m0s', 1, true]] }] }],
    });
    expect(await query(ports, 'CREATE DATABASE d')).toEqual({ results: [{ statement_id: 0 }] });
    expect(await query(ports, 'CREATE DATABASE d WITH DURATION 3d')).toEqual({
      results: [{ statement_id: 0, error: 'retention policy conflicts with an existing policy' }],
    });
    expect(await query(ports, 'CREATE DATABASE "a/b"')).toEqual({ results: [{ statement_id: 0, error: 'invalid name' }] });
    expect(await query(ports, 'CREATE DATABASE d2 WITH DURATION 30m')).toEqual({
      results: [{ statement_id: 0, error: 'retention policy duration must be at least 1h0m0s' }],
    });
  });

  it('CREATE, ALTER and DROP RETENTION POLICY with InfluxDB validation', async () => {
    const catalog = LocalCatalog.inMemory();
    const ports = new MemoryStore(catalog).ports();
    await catalog.createDatabase('db');
    const rps = async (): Promise<unknown> => ((await query(ports, 'SHOW RETENTION POLICIES')) as { results: Array<{ series: Array<{ values: unknown }> }> }).results[0]!.series[0]!.values;
    expect(await query(ports, 'CREATE RETENTION POLICY week ON db DURATION 1w REPLICATION 1 DEFAULT')).toEqual({ results: [{ statement_id: 0 }] });
    expect(await rps()).toEqual([
      ['autogen', '0s', '168h0m0s', 1, false],
      ['week', '168h0m0s', '24h0m0s', 1, true],
    ]);
    // Identical re-creation is accepted; a different one is not; asking for a default it is not conflicts.
    expect(await query(ports, 'CREATE RETENTION POLICY week ON db DURATION 1w REPLICATION 1')).toEqual({ results: [{ statement_id: 0 }] });
    expect(await query(ports, 'CREATE RETENTION POLICY week ON db DURATION 2w REPLICATION 1')).toEqual({
      results: [{ statement_id: 0, error: 'retention policy already exists' }],
    });
    expect(await query(ports, 'CREATE RETENTION POLICY autogen ON db DURATION 0s REPLICATION 1 DEFAULT')).toEqual({
      results: [{ statement_id: 0, error: 'retention policy conflicts with an existing policy' }],
    });
    expect(await query(ports, 'CREATE RETENTION POLICY bad ON db DURATION 2h REPLICATION 1 SHARD DURATION 3h')).toEqual({
      results: [{ statement_id: 0, error: 'retention policy duration must be greater than the shard duration' }],
    });
    expect(await query(ports, 'CREATE RETENTION POLICY x ON nope DURATION 1d REPLICATION 1')).toEqual({
      results: [{ statement_id: 0, error: 'database not found: nope' }],
    });
    expect(await query(ports, 'ALTER RETENTION POLICY week ON db DURATION 2w SHARD DURATION 2d')).toEqual({ results: [{ statement_id: 0 }] });
    expect(await query(ports, 'ALTER RETENTION POLICY autogen ON db DEFAULT')).toEqual({ results: [{ statement_id: 0 }] });
    expect(await rps()).toEqual([
      ['autogen', '0s', '168h0m0s', 1, true],
      ['week', '336h0m0s', '48h0m0s', 1, false],
    ]);
    expect(await query(ports, 'ALTER RETENTION POLICY nope ON db DURATION 2w')).toEqual({
      results: [{ statement_id: 0, error: 'retention policy not found: nope' }],
    });
    expect(await query(ports, 'DROP RETENTION POLICY week ON db')).toEqual({ results: [{ statement_id: 0 }] });
    expect(await rps()).toEqual([['autogen', '0s', '168h0m0s', 1, true]]);
    expect(await query(ports, 'DROP DATABASE db; SHOW DATABASES')).toEqual({
      results: [{ statement_id: 0 }, { statement_id: 1, series: [{ name: 'databases', columns: ['name'] }] }],
    });
  });

  it('DROP SHARD removes the shard and its emptied group; an unknown or out-of-range id is no error; GET warns', async () => {
    const { ports, catalog } = await setup();
    const [g] = catalog.shardGroups('db');
    const id = g!.shards[0]!.id;
    expect(await query(ports, `DROP SHARD ${id + 1}; DROP SHARD 18446744073709551615`)).toEqual({ results: [{ statement_id: 0 }, { statement_id: 1 }] });
    expect(catalog.shardGroups('db')).toEqual([g]);
    expect(await query(ports, `DROP SHARD ${id}`, { readOnly: true })).toEqual({
      results: [{ statement_id: 0, messages: [{ level: 'warning', text: `deprecated use of 'DROP SHARD ${id}' in a read only context, please use a POST request instead` }] }],
    });
    expect(catalog.shardGroups('db')).toEqual([]);
    expect(await query(ports, 'SHOW SHARDS')).toEqual({ results: [{ statement_id: 0, series: [{ name: 'db', columns: ['id', 'database', 'retention_policy', 'shard_group', 'start_time', 'end_time', 'expiry_time', 'owners'] }] }] });
  });

  it('answers DROP MEASUREMENT, DROP SERIES and DELETE through the delete port, or an error without one', async () => {
    const { store } = await setup();
    const without = store.ports();
    expect(await query(without, 'DROP MEASUREMENT cpu')).toEqual({
      results: [{ statement_id: 0, error: 'DROP MEASUREMENT is not supported yet by this server: storage cannot delete data' }],
    });
    const calls: unknown[] = [];
    const deletes: DeletePort = {
      dropMeasurement: async (db, m) => void calls.push(['dropMeasurement', db, m]),
      dropSeries: async (db, m, where) => void calls.push(['dropSeries', db, m, where]),
      deleteSeries: async (db, m, where, min, max) => void calls.push(['deleteSeries', db, m, where, min, max]),
    };
    const ports = store.ports({ deletes });
    await query(ports, 'DROP MEASUREMENT cpu');
    await query(ports, "DROP SERIES FROM cpu WHERE host = 'a'");
    await query(ports, "DELETE FROM /m/ WHERE time < 100 AND host = 'a'");
    expect(calls).toEqual([
      ['dropMeasurement', 'db', 'cpu'],
      ['dropSeries', 'db', 'cpu', { op: '=', key: 'host', value: 'a' }],
      ['deleteSeries', 'db', 'mem', { op: '=', key: 'host', value: 'a' }, -(2n ** 63n) + 2n, 99n],
    ]);
    expect(await query(ports, 'DELETE FROM cpu WHERE usage > 1')).toEqual({
      results: [{ statement_id: 0, error: 'fields not supported in WHERE clause during deletion' }],
    });
    expect(await query(ports, 'DROP SERIES FROM cpu WHERE time > 1')).toEqual({
      results: [{ statement_id: 0, error: "DROP SERIES doesn't support time in WHERE clause" }],
    });
    // InfluxDB 1.6.7 words a delete without a database as a database not found, named ''.
    for (const q of ['DROP SERIES FROM cpu', 'DELETE FROM cpu', 'DROP MEASUREMENT cpu']) {
      expect(await query(ports, q, { db: '' }), q).toEqual({ results: [{ statement_id: 0, error: 'database not found: ' }] });
    }
    // Sent with GET, DROP SERIES is warned about and DELETE is not, as in InfluxDB 1.6.7.
    expect(await query(ports, "DROP SERIES FROM cpu WHERE host = 'a'; DELETE FROM cpu WHERE host = 'a'", { readOnly: true })).toEqual({
      results: [
        { statement_id: 0, messages: [{ level: 'warning', text: "deprecated use of 'DROP SERIES FROM cpu WHERE host = 'a'' in a read only context, please use a POST request instead" }] },
        { statement_id: 1 },
      ],
    });
  });
});

describe('executeQuery', () => {
  it('stops at the first failing statement and answers not executed with InfluxDB 1.6 numbering', async () => {
    const { ports } = await setup();
    // 1.6 numbers the not-executed results from the failed statement and stops one short of the
    // last: the failed statement's own error is replaced, and the last statement has no result.
    expect(await query(ports, 'SHOW DATABASES; SHOW RETENTION POLICIES ON nope; SHOW DATABASES; SHOW DATABASES')).toEqual({
      results: [
        { statement_id: 0, series: [{ name: 'databases', columns: ['name'], values: [['db']] }] },
        { statement_id: 1, error: 'not executed' },
        { statement_id: 2, error: 'not executed' },
      ],
    });
    expect(await query(ports, 'SHOW RETENTION POLICIES ON nope; SHOW DATABASES')).toEqual({ results: [{ statement_id: 0, error: 'not executed' }] });
    // The last statement, or a statement alone, keeps its error.
    expect(await query(ports, 'SHOW DATABASES; SHOW RETENTION POLICIES ON nope')).toEqual({
      results: [
        { statement_id: 0, series: [{ name: 'databases', columns: ['name'], values: [['db']] }] },
        { statement_id: 1, error: 'database not found: nope' },
      ],
    });
  });

  it('streams the failed statement and the not-executed results as separate chunks, ids as InfluxDB 1.6 sends them', async () => {
    const { ports } = await setup();
    const docs = await collect(ports, 'SHOW RETENTION POLICIES ON nope; SHOW DATABASES; SHOW DATABASES', { chunked: true });
    expect(docs.map((d) => JSON.parse(formatJson(d)))).toEqual([
      { results: [{ statement_id: 0, error: 'database not found: nope' }] },
      { results: [{ statement_id: 0, error: 'not executed' }] },
      { results: [{ statement_id: 1, error: 'not executed' }] },
    ]);
  });

  it('answers SHOW MEASUREMENTS ON a database that does not exist with nothing, as InfluxDB 1.6', async () => {
    const { ports } = await setup();
    expect(await query(ports, 'SHOW MEASUREMENTS ON nope')).toEqual({ results: [{ statement_id: 0 }] });
  });

  it('warns about state changes in a read-only (GET) request', async () => {
    const { ports } = await setup();
    expect(await query(ports, 'CREATE DATABASE g; SHOW DATABASES', { readOnly: true })).toEqual({
      results: [
        { statement_id: 0, messages: [{ level: 'warning', text: "deprecated use of 'CREATE DATABASE g' in a read only context, please use a POST request instead" }] },
        { statement_id: 1, series: [{ name: 'databases', columns: ['name'], values: [['db'], ['g']] }] },
      ],
    });
    // A failing statement reports its error alone, as InfluxDB does.
    expect(await query(ports, 'DROP RETENTION POLICY x ON nope', { readOnly: true })).toEqual({
      results: [{ statement_id: 0, error: 'database not found: nope' }],
    });
  });

  it('streams chunked documents, cutting series at chunk_size and marking all but the last partial', async () => {
    const { ports } = await setup();
    const docs = await collect(ports, 'SHOW SERIES; SHOW DATABASES', { chunked: true, chunkSize: 2 });
    expect(docs.map((d) => JSON.parse(formatJson(d)))).toEqual([
      { results: [{ statement_id: 0, series: [{ columns: ['key'], values: [['cpu,host=a,region=east'], ['cpu,host=b,region=west']], partial: true }], partial: true }] },
      { results: [{ statement_id: 0, series: [{ columns: ['key'], values: [['cpu,host=c'], ['disk,host=a,path=/']], partial: true }], partial: true }] },
      { results: [{ statement_id: 0, series: [{ columns: ['key'], values: [['mem,host=a']] }] }] },
      { results: [{ statement_id: 1, series: [{ name: 'databases', columns: ['name'], values: [['db']] }] }] },
    ]);
  });

  it('throws the parse error before any document', async () => {
    const { ports } = await setup();
    await expect(collect(ports, 'SELEKT 1')).rejects.toThrow('error parsing query: found SELEKT');
  });

  it('answers statements it does not run with a statement error', async () => {
    const { ports } = await setup();
    expect(await query(ports, "CREATE USER u WITH PASSWORD 'p'")).toEqual({
      results: [{ statement_id: 0, error: 'CREATE USER is not supported yet by this server' }],
    });
  });
});

describe('helpers', () => {
  it('formats durations as Go does', () => {
    expect(formatGoDuration(0n)).toBe('0s');
    expect(formatGoDuration(3_600_000_000_000n)).toBe('1h0m0s');
    expect(formatGoDuration(1_500_000_000n)).toBe('1.5s');
    expect(formatGoDuration(90_000_000_000n)).toBe('1m30s');
    expect(formatGoDuration(2_500_000n)).toBe('2.5ms');
    expect(formatGoDuration(1_000n)).toBe('1µs');
  });

  it('validates names as meta.ValidName', () => {
    expect(validName('ok name_1')).toBe(true);
    expect(validName('')).toBe(false);
    expect(validName('..')).toBe(false);
    expect(validName('a\\b')).toBe(false);
    expect(validName('tab\there')).toBe(false);
  });
});
