// Seeded fuzzing of the parser: random token soups and mutated statements must either parse or
// fail with a ParseError — never another exception, never a hang — and whatever parses must read
// back unchanged from its canonical text. A failure prints the seed and the input; rerun one seed
// with INFLUXQL_FUZZ_SEED=<seed>, or search wider with INFLUXQL_FUZZ_SEED=<first>-<last>.

import { describe, expect, it } from 'vitest';
import { KEYWORDS, OPERATORS, ParseError, type Statement, formatQuery, parseQuery } from './index.js';

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
  ...KEYWORDS,
  ...OPERATORS,
  'true', 'false', 'fill', 'tz', 'time', 'now()', 'mean', 'count', 'value', 'host', 'cpu', 'x',
  '"quoted id"', '"', "'", "'str'", "'it\\'s'", "'2000-01-01T00:00:00Z'", "'bad \\q'", '"a\\"b"',
  '0', '1', '42', '9223372036854775807', '9223372036854775808', '18446744073709551616', '1.5', '.5', '100.',
  '1h', '10s', '1ms', '5µ', '3u', '1h30m', '15251w', '1y', 'INF',
  '/re/', '/a\\/b/', '/(x/', '/*', '*/', '--', '\n', '\r\n', '\t',
  '(', ')', ',', ';', '.', '..', ':', '::', '::field', '::tag', '::float', '*', '$p', '$', '$$', '$"q"',
  '!', '@', '#', '[', ']', '{', '}', '\\', '`', '\u0000', 'é', '😀', '\u00a0',
];

const SEEDS = [
  "SELECT mean(value) FROM cpu WHERE host = 'a' AND time > now() - 1h GROUP BY time(10m), host fill(0) LIMIT 10",
  'SELECT * FROM db.rp./c.*/, (SELECT max(v) AS m FROM x GROUP BY time(1m)) ORDER BY time DESC TZ(\'UTC\')',
  'SHOW TAG VALUES ON db FROM cpu WITH KEY IN (host, region) WHERE x =~ /y/ LIMIT 1 OFFSET 2',
  'CREATE RETENTION POLICY rp ON db DURATION 1d REPLICATION 1 SHARD DURATION 1h DEFAULT',
  'CREATE CONTINUOUS QUERY cq ON db RESAMPLE EVERY 1m FOR 1h BEGIN SELECT mean(v) INTO db..:MEASUREMENT FROM /.*/ GROUP BY time(5m) END',
  'ALTER RETENTION POLICY rp ON db DURATION INF REPLICATION 2 DEFAULT',
  'DELETE FROM cpu WHERE time < \'2020-01-01\'; DROP SERIES WHERE host = \'a\'; GRANT ALL TO u',
  'SELECT -value, +2, -(a + b) * 3 % 4 & 5 | 6 ^ 7, value::integer, *::tag, DISTINCT host FROM m',
];

const pick = <T>(rand: () => number, a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;

function tokenSoup(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 14);
  let out = '';
  for (let i = 0; i < n; i++) out += pick(rand, FRAGMENTS) + (rand() < 0.7 ? ' ' : '');
  return out;
}

function mutate(rand: () => number): string {
  const words = pick(rand, SEEDS).split(' ');
  const edits = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * words.length);
    const r = rand();
    if (r < 0.33) words.splice(at, 1);
    else if (r < 0.66) words.splice(at, 0, pick(rand, FRAGMENTS));
    else words[at] = pick(rand, FRAGMENTS);
  }
  return words.join(rand() < 0.2 ? '' : ' ');
}

function check(input: string, seed: number, params: Record<string, unknown> | undefined): void {
  let stmts: Statement[];
  try {
    stmts = parseQuery(input, params === undefined ? {} : { params });
  } catch (err) {
    if (err instanceof ParseError) return;
    throw new Error(`seed ${seed}: ${JSON.stringify(input)} threw ${(err as Error).stack}`);
  }
  if (params !== undefined) return;
  const text = formatQuery(stmts);
  if (text.includes('[REDACTED]')) return;
  let again: Statement[];
  try {
    again = parseQuery(text);
  } catch (err) {
    throw new Error(`seed ${seed}: ${JSON.stringify(input)} printed as ${JSON.stringify(text)}, which fails: ${(err as Error).message}`);
  }
  expect(again, `seed ${seed}: ${JSON.stringify(input)} → ${JSON.stringify(text)}`).toEqual(stmts);
}

function seedList(spec: string | undefined): number[] {
  if (spec === undefined || spec === '') return [1, 2, 3, 4, 5, 6, 7, 8];
  const [first, last] = spec.split('-').map(Number) as [number, number | undefined];
  const out: number[] = [];
  for (let s = first; s <= (last ?? first); s++) out.push(s);
  return out;
}

const SEED_LIST = seedList(process.env.INFLUXQL_FUZZ_SEED);
const CASES_PER_SEED = 600;

describe('parser fuzz', () => {
  it.each(SEED_LIST)('seed %i: only ParseErrors, and parsed text reads back the same', (seed) => {
    const rand = prng(seed);
    const started = Date.now();
    for (let i = 0; i < CASES_PER_SEED; i++) {
      const input = rand() < 0.5 ? tokenSoup(rand) : mutate(rand);
      const params = rand() < 0.2 ? { p: pick(rand, ['cpu', 1, 1.5, true, { identifier: 'x' }, { regex: 'y' }, { duration: '1h' }, null]) } : undefined;
      check(input, seed, params);
    }
    // A parser loop that stopped consuming input would spin here; this keeps it visible as a failure.
    expect(Date.now() - started, `seed ${seed} took too long`).toBeLessThan(20_000);
  });

  it('refuses very deep nesting with a ParseError instead of overflowing the stack', () => {
    const deep = 'SELECT ' + '('.repeat(5000) + '1' + ')'.repeat(5000) + ' FROM m';
    expect(() => parseQuery(deep)).toThrow(ParseError);
    const subs = 'SELECT * FROM ' + '(SELECT * FROM '.repeat(2000) + 'm' + ')'.repeat(2000);
    expect(() => parseQuery(subs)).toThrow(ParseError);
  });
});
