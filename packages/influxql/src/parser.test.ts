import { describe, expect, it } from 'vitest';
import {
  type Expr,
  type SelectStatement,
  type Statement,
  ParseError,
  formatExpr,
  formatStatement,
  parseExpr,
  parseQuery,
  parseStatement,
} from './index.js';

// Small builders so expected trees read like the query.
const ref = (name: string, dataType: 'unknown' | 'float' | 'tag' | 'field' = 'unknown'): Expr => ({
  kind: 'VarRef',
  name,
  dataType,
});
const int = (value: bigint): Expr => ({ kind: 'IntegerLiteral', value });
const num = (value: number): Expr => ({ kind: 'NumberLiteral', value });
const str = (value: string): Expr => ({ kind: 'StringLiteral', value });
const dur = (value: bigint): Expr => ({ kind: 'DurationLiteral', value });
const call = (name: string, ...args: Expr[]): Expr => ({ kind: 'Call', name, args });
const bin = (lhs: Expr, op: Extract<Expr, { kind: 'BinaryExpr' }>['op'], rhs: Expr): Expr => ({
  kind: 'BinaryExpr',
  op,
  lhs,
  rhs,
});
const paren = (expr: Expr): Expr => ({ kind: 'ParenExpr', expr });
const HOUR = 3_600_000_000_000n;

function select(q: string): SelectStatement {
  const s = parseStatement(q);
  if (s.kind !== 'SelectStatement') throw new Error(`not a SELECT: ${q}`);
  return s;
}

function failure(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParseError) return err;
    throw err;
  }
  throw new Error('expected a ParseError');
}

describe('SELECT trees', () => {
  it('builds the whole statement', () => {
    const s = select(
      `SELECT mean(value) AS m, max(value) FROM "db"."rp".cpu WHERE host = 'a' AND time > now() - 1h ` +
        `GROUP BY time(10m), host fill(0) ORDER BY time DESC LIMIT 10 OFFSET 2 SLIMIT 3 SOFFSET 4 TZ('Europe/Paris')`,
    );
    expect(s).toEqual({
      kind: 'SelectStatement',
      fields: [
        { kind: 'Field', expr: call('mean', ref('value')), alias: 'm' },
        { kind: 'Field', expr: call('max', ref('value')), alias: '' },
      ],
      target: null,
      sources: [{ kind: 'Measurement', database: 'db', retentionPolicy: 'rp', name: 'cpu', regex: null }],
      condition: bin(bin(ref('host'), '=', str('a')), 'AND', bin(ref('time'), '>', bin(call('now'), '-', dur(HOUR)))),
      dimensions: [
        { kind: 'Dimension', expr: call('time', dur(600_000_000_000n)) },
        { kind: 'Dimension', expr: ref('host') },
      ],
      fill: 'number',
      fillValue: 0n,
      sortFields: [{ kind: 'SortField', name: 'time', ascending: false }],
      limit: 10n,
      offset: 2n,
      slimit: 3n,
      soffset: 4n,
      location: 'Europe/Paris',
      isRawQuery: false,
    } satisfies SelectStatement);
  });

  it('keeps wildcards, casts and regex fields apart', () => {
    const s = select('SELECT *, *::tag, value::float, x::field, /^u/ FROM cpu');
    expect(s.fields.map((f) => f.expr)).toEqual([
      { kind: 'Wildcard', only: null },
      { kind: 'Wildcard', only: 'tag' },
      ref('value', 'float'),
      ref('x', 'field'),
      { kind: 'RegexLiteral', pattern: '^u' },
    ]);
    expect(s.isRawQuery).toBe(true);
  });

  it('reads every measurement form', () => {
    const s = select('SELECT * FROM cpu, rp.cpu, db..cpu, db.rp.cpu, /c.*/, rp./c/, db.rp./c/, db../c/');
    const m = (database: string, retentionPolicy: string, name: string, regex: string | null) => ({
      kind: 'Measurement',
      database,
      retentionPolicy,
      name,
      regex: regex === null ? null : { kind: 'RegexLiteral', pattern: regex },
    });
    expect(s.sources).toEqual([
      m('', '', 'cpu', null),
      m('', 'rp', 'cpu', null),
      m('db', '', 'cpu', null),
      m('db', 'rp', 'cpu', null),
      m('', '', '', 'c.*'),
      m('', 'rp', '', 'c'),
      m('db', 'rp', '', 'c'),
      m('db', '', '', 'c'),
    ]);
  });

  it('nests subqueries as sources', () => {
    const s = select('SELECT max(m) FROM (SELECT mean(v) AS m FROM cpu GROUP BY time(1m)) WHERE time > 0');
    const sub = s.sources[0]!;
    expect(sub.kind).toBe('SubQuery');
    if (sub.kind !== 'SubQuery') return;
    expect(sub.statement.fields).toEqual([{ kind: 'Field', expr: call('mean', ref('v')), alias: 'm' }]);
    expect(sub.statement.dimensions).toEqual([{ kind: 'Dimension', expr: call('time', dur(60_000_000_000n)) }]);
  });

  it('reads INTO targets, including :MEASUREMENT', () => {
    expect(select('SELECT mean(v) INTO db.rp.out FROM cpu GROUP BY time(1h)').target).toEqual({
      kind: 'Target',
      measurement: { kind: 'Measurement', database: 'db', retentionPolicy: 'rp', name: 'out', regex: null },
    });
    expect(select('SELECT mean(*) INTO db..:MEASUREMENT FROM /.*/ GROUP BY time(1h)').target).toEqual({
      kind: 'Target',
      measurement: { kind: 'Measurement', database: 'db', retentionPolicy: '', name: '', regex: null },
    });
  });

  it('reads DISTINCT both ways', () => {
    expect(select('SELECT DISTINCT host FROM cpu').fields[0]!.expr).toEqual({ kind: 'Distinct', name: 'host' });
    expect(select('SELECT DISTINCT(host) FROM cpu').fields[0]!.expr).toEqual(call('distinct', ref('host')));
  });
});

describe('operator precedence', () => {
  const cases: [string, Expr][] = [
    ['1 + 2 * 3', bin(int(1n), '+', bin(int(2n), '*', int(3n)))],
    ['1 * 2 + 3', bin(bin(int(1n), '*', int(2n)), '+', int(3n))],
    ['1 - 2 - 3', bin(bin(int(1n), '-', int(2n)), '-', int(3n))],
    ['1 / 2 % 3', bin(bin(int(1n), '/', int(2n)), '%', int(3n))],
    ['a | b & c', bin(ref('a'), '|', bin(ref('b'), '&', ref('c')))],
    ['a ^ b + c', bin(bin(ref('a'), '^', ref('b')), '+', ref('c'))],
    ['(1 + 2) * 3', bin(paren(bin(int(1n), '+', int(2n))), '*', int(3n))],
    ['a = 1 OR b = 2 AND c = 3', bin(bin(ref('a'), '=', int(1n)), 'OR', bin(bin(ref('b'), '=', int(2n)), 'AND', bin(ref('c'), '=', int(3n))))],
    ['a + 1 < 2 AND b OR true', bin(bin(bin(bin(ref('a'), '+', int(1n)), '<', int(2n)), 'AND', ref('b')), 'OR', { kind: 'BooleanLiteral', value: true })],
    ['time>now()-5m', bin(ref('time'), '>', bin(call('now'), '-', dur(300_000_000_000n)))],
    ['-a * 2', bin(bin(int(-1n), '*', ref('a')), '*', int(2n))],
    ['-2 * 3', bin(int(-2n), '*', int(3n))],
    ['x =~ /a\\/b/', bin(ref('x'), '=~', { kind: 'RegexLiteral', pattern: 'a/b' })],
    ['.5 + 100.', bin(num(0.5), '+', num(100))],
  ];
  it.each(cases)('%s', (text, expected) => {
    const e = parseExpr(text);
    expect(e).toEqual(expected);
    expect(parseExpr(formatExpr(e))).toEqual(e);
  });
});

describe('int64 exactness', () => {
  it('keeps a nanosecond timestamp above 2^53 exactly', () => {
    const s = select('SELECT * FROM m WHERE time > 1700000000000000001');
    expect(s.condition).toEqual(bin(ref('time'), '>', int(1700000000000000001n)));
    expect(formatStatement(s)).toBe('SELECT * FROM m WHERE time > 1700000000000000001');
  });

  it('keeps LIMIT 9223372036854775807 exactly', () => {
    expect(select('SELECT * FROM m LIMIT 9223372036854775807').limit).toBe(9223372036854775807n);
  });

  it('saturates a LIMIT above int64 like InfluxDB', () => {
    expect(select('SELECT * FROM m LIMIT 100000000000000000000').limit).toBe(9223372036854775807n);
  });

  it('reads the int64 extremes and the unsigned range', () => {
    expect(parseExpr('9223372036854775807')).toEqual(int(9223372036854775807n));
    expect(parseExpr('-9223372036854775808')).toEqual(int(-9223372036854775808n));
    expect(parseExpr('9223372036854775808')).toEqual({ kind: 'UnsignedLiteral', value: 9223372036854775808n });
    expect(parseExpr('18446744073709551615')).toEqual({ kind: 'UnsignedLiteral', value: 18446744073709551615n });
    expect(failure(() => parseExpr('18446744073709551616')).detail).toBe('unable to parse integer at line 1, char 1');
  });

  it('keeps durations as nanoseconds', () => {
    expect(parseExpr('1h30m')).toEqual(dur(90n * 60_000_000_000n));
    expect(parseExpr('15250w')).toEqual(dur(15250n * 7n * 24n * HOUR));
    expect(parseExpr('1ns')).toEqual(dur(1n));
  });
});

describe('several statements', () => {
  it('splits on semicolons and ignores empty ones', () => {
    const stmts = parseQuery('SHOW DATABASES; ;SELECT * FROM cpu;\n\nSHOW USERS;');
    expect(stmts.map((s: Statement) => s.kind)).toEqual(['ShowDatabasesStatement', 'SelectStatement', 'ShowUsersStatement']);
  });

  it('skips comments between statements', () => {
    const stmts = parseQuery(
      'SELECT * FROM cpu; -- read cpu\n/* create one\n ** more */\nCREATE DATABASE db0;\n-- the end',
    );
    expect(stmts.map((s) => s.kind)).toEqual(['SelectStatement', 'CreateDatabaseStatement']);
  });

  it('reports positions on later lines', () => {
    expect(failure(() => parseQuery('SHOW DATABASES;\n  SELECT FROM x')).detail).toBe(
      'found FROM, expected identifier, string, number, bool at line 2, char 10',
    );
    // \r\n counts as one line break.
    expect(failure(() => parseQuery('SHOW DATABASES;\r\nSHOW NOPE')).detail).toBe(
      'found NOPE, expected CONTINUOUS, DATABASES, DIAGNOSTICS, FIELD, GRANTS, MEASUREMENT, MEASUREMENTS, QUERIES, RETENTION, SERIES, SHARD, SHARDS, STATS, SUBSCRIPTIONS, TAG, USERS at line 2, char 6',
    );
  });

  it('parseStatement takes exactly one statement', () => {
    expect(parseStatement('SHOW DATABASES;').kind).toBe('ShowDatabasesStatement');
    expect(failure(() => parseStatement('SHOW DATABASES; SHOW USERS')).detail).toBe(
      'found SHOW, expected ; at line 1, char 17',
    );
  });

  it('the error carries its place and tokens', () => {
    const err = failure(() => parseQuery('SELECT value FROM cpu GROUP host'));
    expect(err.message).toBe('error parsing query: found host, expected BY at line 1, char 29');
    expect([err.line, err.char, err.found, err.expected]).toEqual([1, 29, 'host', ['BY']]);
    const plain = failure(() => parseQuery('SELECT value FROM cpu ORDER BY host'));
    expect([plain.line, plain.char, plain.found]).toEqual([null, null, null]);
  });
});

describe('bound parameters', () => {
  it('substitutes strings, numbers and booleans from node-influx style params', () => {
    const p = { host: 'server01', min: 10, ok: true, r: 0.5, n: 5 };
    const bound = parseStatement('SELECT * FROM cpu WHERE host = $host AND value > $min AND ok = $ok AND ratio < $r LIMIT $n', {
      params: p,
    });
    expect((bound as SelectStatement).limit).toBe(5n);
    expect(formatStatement(bound)).toBe(
      "SELECT * FROM cpu WHERE host = 'server01' AND value > 10 AND ok = true AND ratio < 0.500 LIMIT 5",
    );
  });

  it('substitutes typed objects: identifiers, regexes, durations, integers', () => {
    const stmt = parseStatement('SELECT count($f) FROM $m WHERE host =~ $re AND time > now() - $d GROUP BY time($i)', {
      params: {
        f: { identifier: 'value' },
        m: { identifier: 'my measurement' },
        re: { regex: '^web' },
        d: { duration: '1h' },
        i: { duration: 600_000_000_000 },
      },
    });
    expect(formatStatement(stmt)).toBe(
      'SELECT count(value) FROM "my measurement" WHERE host =~ /^web/ AND time > now() - 1h GROUP BY time(10m)',
    );
    expect(formatStatement(parseStatement('CREATE DATABASE $db', { params: { db: { identifier: 'mydb' } } }))).toBe(
      'CREATE DATABASE mydb',
    );
  });

  it('keeps int64 parameters exact when given as bigint', () => {
    const s = parseStatement('SELECT * FROM m WHERE time > $t', { params: { t: 1700000000000000001n } });
    expect((s as SelectStatement).condition).toEqual(bin(ref('time'), '>', int(1700000000000000001n)));
  });

  it('reports a missing parameter in InfluxDB words', () => {
    expect(failure(() => parseQuery('SELECT * FROM cpu WHERE host = $host', { params: {} })).message).toBe(
      'error parsing query: missing parameter: host',
    );
  });

  it('reports a parameter where an identifier is needed', () => {
    expect(failure(() => parseQuery('SELECT * FROM $m', { params: { m: 'cpu' } })).detail).toBe(
      'found cpu, expected identifier at line 1, char 15',
    );
  });

  it('fails where an unbindable value is used', () => {
    expect(failure(() => parseQuery('SELECT * FROM cpu WHERE a = $x', { params: { x: { a: 1, b: 2 } } })).detail).toBe(
      'missing parameter: bound object parameter value must have exactly one entry',
    );
    expect(failure(() => parseQuery('SELECT * FROM cpu WHERE a = $x', { params: { x: null } })).detail).toBe(
      'missing parameter: unable to bind parameter with type <nil>',
    );
  });
});

describe('InfluxDB quirks kept on purpose', () => {
  it('a SELECT with only a comment after a field reads the comment as a regex', () => {
    expect(failure(() => parseQuery('SELECT /* x */ v FROM m')).detail).toBe(
      'error parsing regexp: missing argument to repetition operator: `*` at line 1, char 7',
    );
  });

  it('comments after the field list are fine', () => {
    expect(formatStatement(parseStatement('SELECT "user" /*, system */ FROM cpu'))).toBe('SELECT "user" FROM cpu');
  });

  it('keywords are case-insensitive but ORDER BY needs lower-case time', () => {
    expect(formatStatement(parseStatement('select * from cpu order by time desc'))).toBe(
      'SELECT * FROM cpu ORDER BY time DESC',
    );
    expect(failure(() => parseQuery('SELECT * FROM cpu ORDER BY Time')).detail).toBe(
      'only ORDER BY time supported at this time',
    );
  });

  it('-- starts a comment even right after an operand', () => {
    expect(formatStatement(parseStatement('SELECT a FROM m WHERE x = 1--2'))).toBe('SELECT a FROM m WHERE x = 1');
  });
});
