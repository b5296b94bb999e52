// STOP-GAP: a deliberately small InfluxQL subset for /query, so databases and retention policies
// can be managed before the query engine exists. The InfluxQL package replaces this file whole;
// nothing outside http/query-endpoint.ts may depend on it.
//
// Understood: CREATE DATABASE (with WITH DURATION / REPLICATION / SHARD DURATION / NAME),
// DROP DATABASE, SHOW DATABASES, SHOW RETENTION POLICIES [ON db], CREATE RETENTION POLICY,
// ALTER RETENTION POLICY, DROP RETENTION POLICY; several statements separated by `;`; quoted
// identifiers with InfluxQL's escapes; `--` and `/* */` comments. Any other statement that starts
// the way an InfluxQL statement can is accepted by the parser and fails alone at execution with a
// statement-level error; anything else is a parse error, worded like InfluxQL's.

import type { Catalog, RetentionPolicyInfo } from '@shoal/tsdb';
import { MESSAGES, statementDatabaseNotFoundMessage, statementErrorMessage, unsupportedStatementMessage } from './errors.js';

// ---------------------------------------------------------------------------------------------
// Scanner

type TokenKind = 'word' | 'ident' | 'string' | 'integer' | 'number' | 'duration' | 'punct' | 'eof' | 'bad';

interface Token {
  readonly kind: TokenKind;
  /** Keyword-or-identifier text as written, the unescaped content of quoted tokens, or the punctuation. */
  readonly text: string;
  readonly line: number;
  readonly char: number;
}

/** InfluxQL keywords; an unquoted identifier may not be one of them. */
const KEYWORDS = new Set(
  (
    'ALL ALTER ANALYZE AND ANY AS ASC BEGIN BY CARDINALITY CREATE CONTINUOUS DATABASE DATABASES DEFAULT ' +
    'DELETE DESC DESTINATIONS DIAGNOSTICS DISTINCT DROP DURATION END EVERY EXACT EXPLAIN FIELD FOR FROM ' +
    'GRANT GRANTS GROUP GROUPS IN INF INSERT INTO KEY KEYS KILL LIMIT MEASUREMENT MEASUREMENTS NAME OFFSET ' +
    'ON OR ORDER PASSWORD POLICY POLICIES PRIVILEGES QUERIES QUERY READ REPLICATION RESAMPLE RETENTION ' +
    'REVOKE SELECT SERIES SET SHARD SHARDS SLIMIT SOFFSET SHOW STATS SUBSCRIPTION SUBSCRIPTIONS TAG TO ' +
    'USER USERS VALUES WHERE WITH WRITE'
  ).split(' '),
);

/** Bounds the work one query can cause in this parser. */
const QUERY_TOKENS_MAX = 100_000;

class Scanner {
  private i = 0;
  private line = 0;
  private lineStart = 0;

  constructor(private readonly src: string) {}

  /** The next token that is not whitespace or a comment. */
  next(): Token {
    for (;;) {
      this.skipSpace();
      const c = this.src[this.i];
      if (c === '-' && this.src[this.i + 1] === '-') {
        while (this.i < this.src.length && this.src[this.i] !== '\n') this.i++;
        continue;
      }
      if (c === '/' && this.src[this.i + 1] === '*') {
        const end = this.src.indexOf('*/', this.i + 2);
        const stop = end < 0 ? this.src.length : end + 2;
        while (this.i < stop) this.advance();
        continue;
      }
      break;
    }
    const line = this.line;
    const char = this.i - this.lineStart;
    const tok = (kind: TokenKind, text: string): Token => ({ kind, text, line, char });
    if (this.i >= this.src.length) return tok('eof', '');
    const c = this.src[this.i]!;
    if (isIdentStart(c)) {
      const start = this.i;
      while (this.i < this.src.length && isIdentChar(this.src[this.i]!)) this.i++;
      return tok('word', this.src.slice(start, this.i));
    }
    if (isDigit(c) || (c === '.' && isDigit(this.src[this.i + 1] ?? ''))) return this.scanNumber(line, char);
    if (c === '"' || c === "'") {
      const s = this.scanQuoted(c);
      if (s === undefined) return tok('bad', this.src.slice(this.i));
      return tok(c === '"' ? 'ident' : 'string', s);
    }
    this.i++;
    return tok('punct', c);
  }

  private scanNumber(line: number, char: number): Token {
    const start = this.i;
    while (isDigit(this.src[this.i] ?? '')) this.i++;
    let decimal = false;
    if (this.src[this.i] === '.' && isDigit(this.src[this.i + 1] ?? '')) {
      decimal = true;
      this.i++;
      while (isDigit(this.src[this.i] ?? '')) this.i++;
    }
    if (!decimal && isUnitChar(this.src[this.i] ?? '')) {
      // As InfluxQL's scanner: digits then letters, repeated, make one duration token (1h30m).
      while (isUnitChar(this.src[this.i] ?? '') || isDigit(this.src[this.i] ?? '')) this.i++;
      return { kind: 'duration', text: this.src.slice(start, this.i), line, char };
    }
    return { kind: decimal ? 'number' : 'integer', text: this.src.slice(start, this.i), line, char };
  }

  /** The unescaped content of a quoted token, or undefined when unterminated or badly escaped. */
  private scanQuoted(quote: string): string | undefined {
    let out = '';
    this.i++;
    while (this.i < this.src.length) {
      const c = this.src[this.i]!;
      if (c === quote) {
        this.i++;
        return out;
      }
      if (c === '\n') return undefined;
      if (c === '\\') {
        const e = this.src[this.i + 1];
        if (e === 'n') out += '\n';
        else if (e === '\\' || e === '"' || e === "'") out += e;
        else return undefined;
        this.i += 2;
        continue;
      }
      out += c;
      this.i++;
    }
    return undefined;
  }

  private skipSpace(): void {
    while (this.i < this.src.length && /\s/.test(this.src[this.i]!)) this.advance();
  }

  private advance(): void {
    if (this.src[this.i] === '\n') {
      this.line++;
      this.lineStart = this.i + 1;
    }
    this.i++;
  }
}

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isIdentChar(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
function isUnitChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === 'µ';
}

// ---------------------------------------------------------------------------------------------
// Statements

export type StopgapStatement =
  | { readonly kind: 'create-database'; readonly name: string; readonly withPolicy?: PolicyOptions }
  | { readonly kind: 'drop-database'; readonly name: string }
  | { readonly kind: 'show-databases' }
  | { readonly kind: 'show-retention-policies'; readonly database?: string }
  | {
      readonly kind: 'create-retention-policy';
      readonly name: string;
      readonly database: string;
      readonly durationNs: bigint;
      readonly replicaN: number;
      readonly shardGroupDurationNs?: bigint;
      readonly makeDefault: boolean;
    }
  | {
      readonly kind: 'alter-retention-policy';
      readonly name: string;
      readonly database: string;
      readonly durationNs?: bigint;
      readonly replicaN?: number;
      readonly shardGroupDurationNs?: bigint;
      readonly makeDefault: boolean;
    }
  | { readonly kind: 'drop-retention-policy'; readonly name: string; readonly database: string }
  /** A statement InfluxQL has that this stop-gap does not run; `what` names it, e.g. `SELECT`. */
  | { readonly kind: 'unsupported'; readonly what: string; readonly text: string };

export interface PolicyOptions {
  readonly name?: string;
  readonly durationNs?: bigint;
  readonly replicaN?: number;
  readonly shardGroupDurationNs?: bigint;
}

/** A query that does not parse; the message is InfluxQL's `found X, expected Y at line L, char C`. */
export class QueryParseError extends Error {
  override name = 'QueryParseError';
}

function expected(tok: Token, what: readonly string[]): QueryParseError {
  const found = tok.kind === 'eof' ? 'EOF' : tok.text;
  return new QueryParseError(`found ${found}, expected ${what.join(', ')} at line ${tok.line + 1}, char ${tok.char + 1}`);
}

function messageAt(tok: Token, message: string): QueryParseError {
  return new QueryParseError(`${message} at line ${tok.line + 1}, char ${tok.char + 1}`);
}

const STATEMENT_STARTS = ['SELECT', 'DELETE', 'SHOW', 'CREATE', 'DROP', 'EXPLAIN', 'GRANT', 'REVOKE', 'ALTER', 'SET', 'KILL'];
const SHOW_TARGETS = [
  'CONTINUOUS', 'DATABASES', 'DIAGNOSTICS', 'FIELD', 'GRANTS', 'MEASUREMENT', 'MEASUREMENTS', 'QUERIES',
  'RETENTION', 'SERIES', 'SHARD', 'SHARDS', 'STATS', 'SUBSCRIPTIONS', 'TAG', 'USERS',
];
const CREATE_TARGETS = ['CONTINUOUS', 'DATABASE', 'USER', 'RETENTION', 'SUBSCRIPTION'];
const DROP_TARGETS = ['CONTINUOUS', 'DATABASE', 'MEASUREMENT', 'RETENTION', 'SERIES', 'SHARD', 'SUBSCRIPTION', 'USER'];
const ALTER_TARGETS = ['RETENTION'];

class Parser {
  private readonly scanner: Scanner;
  private buffered: Token | undefined;
  private tokens = 0;

  constructor(private readonly src: string) {
    this.scanner = new Scanner(src);
  }

  parseQuery(): StopgapStatement[] {
    const out: StopgapStatement[] = [];
    let afterSemicolon = true;
    for (;;) {
      const tok = this.next();
      if (tok.kind === 'eof') return out;
      if (isPunct(tok, ';')) {
        afterSemicolon = true;
        continue;
      }
      if (!afterSemicolon) throw expected(tok, [';']);
      this.unread(tok);
      out.push(this.parseStatement());
      afterSemicolon = false;
    }
  }

  private parseStatement(): StopgapStatement {
    const first = this.next();
    const kw = keyword(first);
    if (kw === undefined || !STATEMENT_STARTS.includes(kw)) throw expected(first, STATEMENT_STARTS);
    const startOffset = this.offsetOf(first);
    switch (kw) {
      case 'SHOW': {
        const t = this.next();
        const target = this.requireOneOf(t, SHOW_TARGETS);
        if (target === 'DATABASES') return { kind: 'show-databases' };
        if (target === 'RETENTION') {
          this.expectKeyword('POLICIES');
          const on = this.next();
          if (keyword(on) === 'ON') return { kind: 'show-retention-policies', database: this.parseIdent() };
          this.unread(on);
          return { kind: 'show-retention-policies' };
        }
        return this.unsupported(`SHOW ${target}`, startOffset);
      }
      case 'CREATE': {
        const target = this.requireOneOf(this.next(), CREATE_TARGETS);
        if (target === 'DATABASE') return this.parseCreateDatabase();
        if (target === 'RETENTION') {
          this.expectKeyword('POLICY');
          return this.parseCreateRetentionPolicy();
        }
        return this.unsupported(`CREATE ${target}`, startOffset);
      }
      case 'DROP': {
        const target = this.requireOneOf(this.next(), DROP_TARGETS);
        if (target === 'DATABASE') return { kind: 'drop-database', name: this.parseIdent() };
        if (target === 'RETENTION') {
          this.expectKeyword('POLICY');
          const name = this.parseIdent();
          this.expectKeyword('ON');
          return { kind: 'drop-retention-policy', name, database: this.parseIdent() };
        }
        return this.unsupported(`DROP ${target}`, startOffset);
      }
      case 'ALTER': {
        this.requireOneOf(this.next(), ALTER_TARGETS);
        this.expectKeyword('POLICY');
        return this.parseAlterRetentionPolicy();
      }
      default:
        return this.unsupported(kw, startOffset);
    }
  }

  private parseCreateDatabase(): StopgapStatement {
    const name = this.parseIdent();
    const withTok = this.next();
    if (keyword(withTok) !== 'WITH') {
      this.unread(withTok);
      return { kind: 'create-database', name };
    }
    const first = this.next();
    const options = ['DURATION', 'REPLICATION', 'SHARD', 'NAME'];
    if (!options.includes(keyword(first) ?? '')) throw expected(first, options);
    this.unread(first);
    const policy: { name?: string; durationNs?: bigint; replicaN?: number; shardGroupDurationNs?: bigint } = {};
    if (this.acceptKeyword('DURATION')) policy.durationNs = this.parseDuration();
    if (this.acceptKeyword('REPLICATION')) policy.replicaN = this.parseReplication();
    if (this.acceptKeyword('SHARD')) {
      this.expectKeyword('DURATION');
      policy.shardGroupDurationNs = this.parseShardDuration();
    }
    if (this.acceptKeyword('NAME')) policy.name = this.parseIdent();
    return { kind: 'create-database', name, withPolicy: policy };
  }

  private parseCreateRetentionPolicy(): StopgapStatement {
    const name = this.parseIdent();
    this.expectKeyword('ON');
    const database = this.parseIdent();
    this.expectKeyword('DURATION');
    const durationNs = this.parseDuration();
    this.expectKeyword('REPLICATION');
    const replicaN = this.parseReplication();
    let shardGroupDurationNs: bigint | undefined;
    if (this.acceptKeyword('SHARD')) {
      this.expectKeyword('DURATION');
      shardGroupDurationNs = this.parseShardDuration();
    }
    const makeDefault = this.acceptKeyword('DEFAULT');
    return {
      kind: 'create-retention-policy',
      name,
      database,
      durationNs,
      replicaN,
      makeDefault,
      ...(shardGroupDurationNs === undefined ? {} : { shardGroupDurationNs }),
    };
  }

  private parseAlterRetentionPolicy(): StopgapStatement {
    const nameTok = this.next();
    let name: string;
    if (keyword(nameTok) === 'DEFAULT') name = 'default';
    else if (nameTok.kind === 'ident' || (nameTok.kind === 'word' && keyword(nameTok) === undefined)) name = nameTok.text;
    else throw expected(nameTok, ['identifier']);
    this.expectKeyword('ON');
    const database = this.parseIdent();
    const found = new Set<string>();
    const out: { durationNs?: bigint; replicaN?: number; shardGroupDurationNs?: bigint; makeDefault: boolean } = { makeDefault: false };
    const options = ['DURATION', 'REPLICATION', 'SHARD', 'DEFAULT'];
    for (;;) {
      const t = this.next();
      const kw = keyword(t);
      if (kw !== undefined && found.has(kw)) throw messageAt(t, `found duplicate ${kw} option`);
      if (kw === 'DURATION') out.durationNs = this.parseDuration();
      else if (kw === 'REPLICATION') out.replicaN = this.parseReplication();
      else if (kw === 'SHARD') {
        this.expectKeyword('DURATION');
        out.shardGroupDurationNs = this.parseShardDuration();
      } else if (kw === 'DEFAULT') out.makeDefault = true;
      else {
        if (found.size === 0) throw expected(t, options);
        this.unread(t);
        break;
      }
      found.add(kw);
    }
    return { kind: 'alter-retention-policy', name, database, ...out };
  }

  /** Skips the rest of a statement this stop-gap does not run, up to `;` or the end. */
  private unsupported(what: string, startOffset: number): StopgapStatement {
    let end = this.src.length;
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') break;
      if (isPunct(t, ';')) {
        end = this.offsetOf(t);
        this.unread(t);
        break;
      }
    }
    return { kind: 'unsupported', what, text: this.src.slice(startOffset, end).trim() };
  }

  private parseIdent(): string {
    const t = this.next();
    if (t.kind === 'ident') return t.text;
    if (t.kind === 'word' && !KEYWORDS.has(t.text.toUpperCase())) return t.text;
    throw expected(t, ['identifier']);
  }

  private parseDuration(): bigint {
    const t = this.next();
    if (keyword(t) === 'INF') return 0n;
    if (t.kind !== 'duration') throw expected(t, ['duration']);
    const ns = parseInfluxDuration(t.text);
    if (ns === undefined) throw messageAt(t, 'invalid duration');
    return ns;
  }

  private parseShardDuration(): bigint {
    const t = this.next();
    if (keyword(t) === 'INF') throw messageAt(t, 'invalid duration INF for shard duration');
    this.unread(t);
    return this.parseDuration();
  }

  private parseReplication(): number {
    const t = this.next();
    if (t.kind !== 'integer') throw expected(t, ['integer']);
    const n = Number(t.text);
    if (!(n >= 1 && n <= 2147483647)) throw messageAt(t, `invalid value ${t.text}: must be 1 <= n <= 2147483647`);
    return n;
  }

  private requireOneOf(t: Token, options: readonly string[]): string {
    const kw = keyword(t);
    if (kw === undefined || !options.includes(kw)) throw expected(t, options);
    return kw;
  }

  private expectKeyword(kw: string): void {
    const t = this.next();
    if (keyword(t) !== kw) throw expected(t, [kw]);
  }

  private acceptKeyword(kw: string): boolean {
    const t = this.next();
    if (keyword(t) === kw) return true;
    this.unread(t);
    return false;
  }

  private next(): Token {
    if (this.buffered !== undefined) {
      const t = this.buffered;
      this.buffered = undefined;
      return t;
    }
    if (++this.tokens > QUERY_TOKENS_MAX) throw new QueryParseError(`query has more than ${QUERY_TOKENS_MAX} tokens`);
    const t = this.scanner.next();
    if (t.kind === 'bad') throw messageAt(t, 'unterminated or badly escaped quoted string');
    return t;
  }

  private unread(t: Token): void {
    this.buffered = t;
  }

  private offsetOf(t: Token): number {
    let line = 0;
    let i = 0;
    while (line < t.line) {
      i = this.src.indexOf('\n', i) + 1;
      line++;
    }
    return i + t.char;
  }
}

function keyword(t: Token): string | undefined {
  if (t.kind !== 'word') return undefined;
  const up = t.text.toUpperCase();
  return KEYWORDS.has(up) ? up : undefined;
}

function isPunct(t: Token, p: string): boolean {
  return t.kind === 'punct' && t.text === p;
}

const DURATION_UNITS_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  u: 1_000n,
  µ: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60n * 1_000_000_000n,
  h: 3600n * 1_000_000_000n,
  d: 86400n * 1_000_000_000n,
  w: 7n * 86400n * 1_000_000_000n,
};

/** `1h30m`, `7d`, `500ms` → nanoseconds; undefined when malformed. */
export function parseInfluxDuration(s: string): bigint | undefined {
  const re = /(\d+)(ns|u|µ|ms|s|m|h|d|w)/gy;
  let total = 0n;
  let consumed = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    total += BigInt(m[1]!) * DURATION_UNITS_NS[m[2]!]!;
    consumed = re.lastIndex;
  }
  return consumed === s.length && s.length > 0 ? total : undefined;
}

/** Parses a whole query; throws QueryParseError (answered with 400 `error parsing query: ...`). */
export function parseStopgapQuery(text: string): StopgapStatement[] {
  return new Parser(text).parseQuery();
}

// ---------------------------------------------------------------------------------------------
// Execution

export interface Series {
  readonly name?: string;
  readonly columns: readonly string[];
  readonly values?: readonly (readonly unknown[])[];
}

export interface StatementResult {
  readonly statement_id: number;
  readonly series?: readonly Series[];
  readonly messages?: readonly { readonly level: string; readonly text: string }[];
  readonly error?: string;
}

export interface StopgapContext {
  readonly catalog: Catalog;
  /** The `db` request parameter; the default database of statements that name none. */
  readonly database: string;
  /** A GET request: statements that change state still run but carry InfluxDB's deprecation warning. */
  readonly readOnly: boolean;
}

/** Runs statements in order; after the first failure the rest answer `not executed`, as InfluxDB. */
export async function executeStopgapQuery(statements: readonly StopgapStatement[], ctx: StopgapContext): Promise<StatementResult[]> {
  const results: StatementResult[] = [];
  let failed = false;
  for (let i = 0; i < statements.length; i++) {
    if (failed) {
      results.push({ statement_id: i, error: MESSAGES.notExecuted });
      continue;
    }
    const stmt = statements[i]!;
    try {
      const series = await executeOne(stmt, ctx);
      const messages =
        ctx.readOnly && changesState(stmt)
          ? [{ level: 'warning', text: `deprecated use of '${statementText(stmt)}' in a read only context, please use a POST request instead` }]
          : undefined;
      results.push({
        statement_id: i,
        ...(series === undefined ? {} : { series }),
        ...(messages === undefined ? {} : { messages }),
      });
    } catch (err) {
      failed = true;
      results.push({ statement_id: i, error: statementErrorMessage(err) });
    }
  }
  return results;
}

class StatementError extends Error {
  override name = 'StatementError';
}

async function executeOne(stmt: StopgapStatement, ctx: StopgapContext): Promise<Series[] | undefined> {
  const { catalog } = ctx;
  switch (stmt.kind) {
    case 'show-databases': {
      const names = catalog.databases().map((d) => d.name);
      return [{ name: 'databases', columns: ['name'], ...(names.length === 0 ? {} : { values: names.map((n) => [n]) }) }];
    }
    case 'create-database': {
      checkName(stmt.name);
      const p = stmt.withPolicy;
      if (p === undefined) {
        await catalog.createDatabase(stmt.name);
        return undefined;
      }
      if (p.name !== undefined) checkName(p.name);
      await catalog.createDatabase(stmt.name, {
        name: p.name ?? 'autogen',
        ...(p.durationNs === undefined ? {} : { durationNs: p.durationNs }),
        ...(p.replicaN === undefined ? {} : { replicaN: p.replicaN }),
        ...(p.shardGroupDurationNs === undefined ? {} : { shardGroupDurationNs: p.shardGroupDurationNs }),
      });
      return undefined;
    }
    case 'drop-database':
      await catalog.dropDatabase(stmt.name);
      return undefined;
    case 'show-retention-policies': {
      const db = stmt.database ?? ctx.database;
      if (db === '') throw new StatementError(MESSAGES.databaseNameRequired);
      const info = catalog.database(db);
      if (info === undefined) throw new StatementError(statementDatabaseNotFoundMessage(db));
      return [
        {
          columns: ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'],
          ...(info.retentionPolicies.length === 0
            ? {}
            : { values: info.retentionPolicies.map((rp: RetentionPolicyInfo) => [rp.name, formatGoDuration(rp.durationNs), formatGoDuration(rp.shardGroupDurationNs), rp.replicaN, rp.name === info.defaultRetentionPolicy]) }),
        },
      ];
    }
    case 'create-retention-policy':
      checkName(stmt.name);
      await catalog.createRetentionPolicy(
        stmt.database,
        {
          name: stmt.name,
          durationNs: stmt.durationNs,
          replicaN: stmt.replicaN,
          ...(stmt.shardGroupDurationNs === undefined ? {} : { shardGroupDurationNs: stmt.shardGroupDurationNs }),
        },
        stmt.makeDefault,
      );
      return undefined;
    case 'alter-retention-policy':
      await catalog.updateRetentionPolicy(
        stmt.database,
        stmt.name,
        {
          ...(stmt.durationNs === undefined ? {} : { durationNs: stmt.durationNs }),
          ...(stmt.replicaN === undefined ? {} : { replicaN: stmt.replicaN }),
          ...(stmt.shardGroupDurationNs === undefined ? {} : { shardGroupDurationNs: stmt.shardGroupDurationNs }),
        },
        stmt.makeDefault,
      );
      return undefined;
    case 'drop-retention-policy':
      await catalog.dropRetentionPolicy(stmt.database, stmt.name);
      return undefined;
    case 'unsupported':
      throw new StatementError(unsupportedStatementMessage(stmt.what));
  }
}

/** InfluxDB's meta.ValidName: printable, not `.` or `..`, no slashes. */
function checkName(name: string): void {
  const printable = !/[\u0000-\u001f\u007f-\u009f]/.test(name);
  if (!printable || name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) {
    throw new StatementError(MESSAGES.invalidName);
  }
}

function changesState(stmt: StopgapStatement): boolean {
  return stmt.kind !== 'show-databases' && stmt.kind !== 'show-retention-policies' && stmt.kind !== 'unsupported';
}

/** The statement as InfluxQL would print it, for the read-only warning. */
export function statementText(stmt: StopgapStatement): string {
  switch (stmt.kind) {
    case 'show-databases':
      return 'SHOW DATABASES';
    case 'show-retention-policies':
      return stmt.database === undefined ? 'SHOW RETENTION POLICIES' : `SHOW RETENTION POLICIES ON ${quoteIdent(stmt.database)}`;
    case 'create-database': {
      let s = `CREATE DATABASE ${quoteIdent(stmt.name)}`;
      const p = stmt.withPolicy;
      if (p !== undefined) {
        s += ' WITH';
        if (p.durationNs !== undefined) s += ` DURATION ${formatInfluxDuration(p.durationNs)}`;
        if (p.replicaN !== undefined) s += ` REPLICATION ${p.replicaN}`;
        if (p.shardGroupDurationNs !== undefined) s += ` SHARD DURATION ${formatInfluxDuration(p.shardGroupDurationNs)}`;
        if (p.name !== undefined) s += ` NAME ${quoteIdent(p.name)}`;
      }
      return s;
    }
    case 'drop-database':
      return `DROP DATABASE ${quoteIdent(stmt.name)}`;
    case 'create-retention-policy': {
      let s = `CREATE RETENTION POLICY ${quoteIdent(stmt.name)} ON ${quoteIdent(stmt.database)} DURATION ${formatInfluxDuration(stmt.durationNs)} REPLICATION ${stmt.replicaN}`;
      if (stmt.shardGroupDurationNs !== undefined) s += ` SHARD DURATION ${formatInfluxDuration(stmt.shardGroupDurationNs)}`;
      if (stmt.makeDefault) s += ' DEFAULT';
      return s;
    }
    case 'alter-retention-policy': {
      let s = `ALTER RETENTION POLICY ${quoteIdent(stmt.name)} ON ${quoteIdent(stmt.database)}`;
      if (stmt.durationNs !== undefined) s += ` DURATION ${formatInfluxDuration(stmt.durationNs)}`;
      if (stmt.replicaN !== undefined) s += ` REPLICATION ${stmt.replicaN}`;
      if (stmt.shardGroupDurationNs !== undefined) s += ` SHARD DURATION ${formatInfluxDuration(stmt.shardGroupDurationNs)}`;
      if (stmt.makeDefault) s += ' DEFAULT';
      return s;
    }
    case 'drop-retention-policy':
      return `DROP RETENTION POLICY ${quoteIdent(stmt.name)} ON ${quoteIdent(stmt.database)}`;
    case 'unsupported':
      return stmt.text;
  }
}

function quoteIdent(s: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !KEYWORDS.has(s.toUpperCase())) return s;
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** InfluxQL's duration literal: the largest unit that divides evenly; 0 is INF for policies. */
function formatInfluxDuration(ns: bigint): string {
  if (ns === 0n) return 'INF';
  for (const unit of ['w', 'd', 'h', 'm', 's', 'ms', 'u'] as const) {
    const size = DURATION_UNITS_NS[unit]!;
    if (ns % size === 0n) return `${ns / size}${unit}`;
  }
  return `${ns}ns`;
}

/** Go's time.Duration.String(), as SHOW RETENTION POLICIES prints durations (`168h0m0s`). */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let v = neg ? -ns : ns;
  let out: string;
  if (v < 1_000_000_000n) {
    const [unit, size] = v < 1_000n ? ['ns', 1n] : v < 1_000_000n ? ['µs', 1_000n] : ['ms', 1_000_000n];
    out = fraction(v, size as bigint) + (unit as string);
  } else {
    const h = v / 3_600_000_000_000n;
    v %= 3_600_000_000_000n;
    const m = v / 60_000_000_000n;
    v %= 60_000_000_000n;
    const s = fraction(v, 1_000_000_000n) + 's';
    out = h > 0n ? `${h}h${m}m${s}` : m > 0n ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}

function fraction(v: bigint, size: bigint): string {
  const whole = v / size;
  const rest = v % size;
  if (rest === 0n) return String(whole);
  const digits = String(size).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}
