import { describe, expect, it } from 'vitest';
import { LocalCatalog } from '@shoal/tsdb';
import {
  QueryParseError,
  executeStopgapQuery,
  formatGoDuration,
  parseInfluxDuration,
  parseStopgapQuery,
  statementText,
} from './stopgap-influxql.js';

const HOUR = 3_600_000_000_000n;

function parseError(q: string): string {
  try {
    parseStopgapQuery(q);
  } catch (err) {
    expect(err).toBeInstanceOf(QueryParseError);
    return (err as Error).message;
  }
  throw new Error(`parsed: ${q}`);
}

describe('parseStopgapQuery', () => {
  it('parses the database statements, case-insensitively, separated by semicolons', () => {
    expect(parseStopgapQuery('create database a; DROP DATABASE b;;show databases;')).toEqual([
      { kind: 'create-database', name: 'a' },
      { kind: 'drop-database', name: 'b' },
      { kind: 'show-databases' },
    ]);
  });

  it('reads quoted identifiers with escapes, keywords as names only when quoted', () => {
    expect(parseStopgapQuery('CREATE DATABASE "my \\"odd\\" db\\\\"')).toEqual([{ kind: 'create-database', name: 'my "odd" db\\' }]);
    expect(parseStopgapQuery('CREATE DATABASE "select"')).toEqual([{ kind: 'create-database', name: 'select' }]);
    expect(parseError('CREATE DATABASE select')).toBe('found select, expected identifier at line 1, char 17');
  });

  it('parses CREATE DATABASE ... WITH options', () => {
    expect(parseStopgapQuery('CREATE DATABASE d WITH DURATION 1d REPLICATION 1 SHARD DURATION 1h30m NAME "short"')).toEqual([
      {
        kind: 'create-database',
        name: 'd',
        withPolicy: { durationNs: 24n * HOUR, replicaN: 1, shardGroupDurationNs: HOUR + HOUR / 2n, name: 'short' },
      },
    ]);
    expect(parseStopgapQuery('CREATE DATABASE d WITH DURATION INF')).toEqual([{ kind: 'create-database', name: 'd', withPolicy: { durationNs: 0n } }]);
    expect(parseError('CREATE DATABASE d WITH')).toBe('found EOF, expected DURATION, REPLICATION, SHARD, NAME at line 1, char 23');
    expect(parseError('CREATE DATABASE d WITH REPLICATION 0')).toBe('invalid value 0: must be 1 <= n <= 2147483647 at line 1, char 36');
    expect(parseError('CREATE DATABASE d WITH SHARD DURATION INF')).toBe('invalid duration INF for shard duration at line 1, char 39');
    expect(parseError('CREATE DATABASE d WITH DURATION 1x')).toBe('invalid duration at line 1, char 33');
  });

  it('parses the retention policy statements', () => {
    expect(parseStopgapQuery('CREATE RETENTION POLICY rp ON d DURATION 2h REPLICATION 1 SHARD DURATION 1h DEFAULT')).toEqual([
      { kind: 'create-retention-policy', name: 'rp', database: 'd', durationNs: 2n * HOUR, replicaN: 1, shardGroupDurationNs: HOUR, makeDefault: true },
    ]);
    expect(parseStopgapQuery('ALTER RETENTION POLICY rp ON d DURATION 3h DEFAULT')).toEqual([
      { kind: 'alter-retention-policy', name: 'rp', database: 'd', durationNs: 3n * HOUR, makeDefault: true },
    ]);
    expect(parseStopgapQuery('DROP RETENTION POLICY rp ON d; SHOW RETENTION POLICIES ON d; SHOW RETENTION POLICIES')).toEqual([
      { kind: 'drop-retention-policy', name: 'rp', database: 'd' },
      { kind: 'show-retention-policies', database: 'd' },
      { kind: 'show-retention-policies' },
    ]);
    expect(parseError('ALTER RETENTION POLICY rp ON d')).toBe('found EOF, expected DURATION, REPLICATION, SHARD, DEFAULT at line 1, char 31');
    expect(parseError('ALTER RETENTION POLICY rp ON d DEFAULT DEFAULT')).toBe('found duplicate DEFAULT option at line 1, char 40');
  });

  it('accepts other InfluxQL statements whole, to fail them one by one at execution', () => {
    const stmts = parseStopgapQuery("SELECT * FROM \"cpu\" WHERE host = 'a;b' -- comment; still comment\n; SHOW MEASUREMENTS");
    expect(stmts).toEqual([
      { kind: 'unsupported', what: 'SELECT', text: "SELECT * FROM \"cpu\" WHERE host = 'a;b' -- comment; still comment" },
      { kind: 'unsupported', what: 'SHOW MEASUREMENTS', text: 'SHOW MEASUREMENTS' },
    ]);
  });

  it('words parse errors like InfluxQL, with line and char', () => {
    expect(parseError('SHOW DATABASES extra')).toBe('found extra, expected ; at line 1, char 16');
    expect(parseError('SHOW\nNONSENSE')).toMatch(/^found NONSENSE, expected CONTINUOUS, DATABASES, .* at line 2, char 1$/);
    expect(parseError('CREATE TABLE x')).toBe('found TABLE, expected CONTINUOUS, DATABASE, USER, RETENTION, SUBSCRIPTION at line 1, char 8');
    expect(parseError('DROP DATABASE')).toBe('found EOF, expected identifier at line 1, char 14');
    expect(parseError('CREATE DATABASE "open')).toMatch(/unterminated or badly escaped quoted string at line 1, char 17/);
    expect(parseError('/* only a comment */ 42')).toBe('found 42, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL at line 1, char 22');
  });
});

describe('executeStopgapQuery', () => {
  it('creates, shows and drops databases and policies against a catalog', async () => {
    const catalog = LocalCatalog.inMemory();
    const run = (q: string, readOnly = false) => executeStopgapQuery(parseStopgapQuery(q), { catalog, database: 'd', readOnly });
    expect(await run('CREATE DATABASE d WITH DURATION 2d NAME two')).toEqual([{ statement_id: 0 }]);
    expect(await run('SHOW RETENTION POLICIES')).toEqual([
      {
        statement_id: 0,
        series: [{ columns: ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'], values: [['two', '48h0m0s', '24h0m0s', 1, true]] }],
      },
    ]);
    expect(await run('CREATE RETENTION POLICY rp ON d DURATION 1h REPLICATION 1; SHOW DATABASES')).toEqual([
      { statement_id: 0 },
      { statement_id: 1, series: [{ name: 'databases', columns: ['name'], values: [['d']] }] },
    ]);
    expect(await run('DROP RETENTION POLICY rp ON d; DROP DATABASE d; SHOW DATABASES')).toEqual([
      { statement_id: 0 },
      { statement_id: 1 },
      { statement_id: 2, series: [{ name: 'databases', columns: ['name'] }] },
    ]);
  });

  it('stops at the first failing statement and marks the rest not executed', async () => {
    const catalog = LocalCatalog.inMemory();
    const results = await executeStopgapQuery(parseStopgapQuery('SHOW RETENTION POLICIES ON nope; CREATE DATABASE x'), {
      catalog,
      database: '',
      readOnly: false,
    });
    expect(results).toEqual([
      { statement_id: 0, error: 'database not found: nope' },
      { statement_id: 1, error: 'not executed' },
    ]);
    expect(catalog.database('x')).toBeUndefined();
  });

  it('refuses InfluxDB-invalid names and needs a database for SHOW RETENTION POLICIES', async () => {
    const catalog = LocalCatalog.inMemory();
    const run = (q: string) => executeStopgapQuery(parseStopgapQuery(q), { catalog, database: '', readOnly: false });
    expect(await run('CREATE DATABASE "a/b"')).toEqual([{ statement_id: 0, error: 'invalid name' }]);
    expect(await run('CREATE DATABASE ".."')).toEqual([{ statement_id: 0, error: 'invalid name' }]);
    expect(await run('SHOW RETENTION POLICIES')).toEqual([{ statement_id: 0, error: 'database name required' }]);
  });
});

describe('durations', () => {
  it('parses InfluxQL duration literals', () => {
    expect(parseInfluxDuration('1h30m')).toBe(HOUR + HOUR / 2n);
    expect(parseInfluxDuration('1w')).toBe(168n * HOUR);
    expect(parseInfluxDuration('10ms')).toBe(10_000_000n);
    expect(parseInfluxDuration('5u')).toBe(5_000n);
    expect(parseInfluxDuration('1x')).toBeUndefined();
    expect(parseInfluxDuration('h')).toBeUndefined();
  });

  it('formats like Go time.Duration', () => {
    expect(formatGoDuration(0n)).toBe('0s');
    expect(formatGoDuration(168n * HOUR)).toBe('168h0m0s');
    expect(formatGoDuration(90n * 1_000_000_000n)).toBe('1m30s');
    expect(formatGoDuration(1_500_000_000n)).toBe('1.5s');
    expect(formatGoDuration(2_000_000n)).toBe('2ms');
  });

  it('prints statements for the read-only warning', () => {
    const [s] = parseStopgapQuery('create database "we ird" with duration 168h name x');
    expect(statementText(s!)).toBe('CREATE DATABASE "we ird" WITH DURATION 1w NAME x');
  });
});
