// The InfluxQL parser: recursive descent over the scanner's tokens, with InfluxDB 1.x's grammar,
// operator precedence and error messages.
//
// Error positions depend on exactly which tokens were read and pushed back (see scanner.ts), so
// each rule here reads tokens in the order InfluxDB's parser does: where InfluxDB reads the next
// token with or without skipping whitespace, so do we; where it pushes a token back, so do we.
// InfluxDB's token buffer holds three tokens, as ours does.

import { INT64_MAX, INT64_MIN, UINT64_MAX } from '@shoal/lineproto';
import {
  type AlterRetentionPolicyStatement,
  type BinaryExpr,
  type Call,
  type CreateContinuousQueryStatement,
  type CreateDatabaseStatement,
  type CreateRetentionPolicyStatement,
  type CreateUserStatement,
  type DataType,
  type DeleteSeriesStatement,
  type Dimension,
  type DropSeriesStatement,
  type Expr,
  type Field,
  type FillOption,
  type ListLiteral,
  type Measurement,
  type Privilege,
  type RegexLiteral,
  type SelectStatement,
  type ShowMeasurementsStatement,
  type ShowTagKeysStatement,
  type SortField,
  type Source,
  type Statement,
  type StringLiteral,
  type TagKeyOp,
  type Target,
  emptySelect,
} from './ast.js';
import { DurationError, formatDuration, parseDuration } from './duration.js';
import { ORIGIN, ParseError } from './errors.js';
import { formatExpr } from './format.js';
import { GroupByError, groupByInterval } from './group-by.js';
import { type BoundToken, type Params, bindValue } from './params.js';
import { quoteIdent } from './quote.js';
import { RegexError, compileRegex } from './regex.js';
import { EOF_RUNE, RuneReader, type ScannedToken, Scanner } from './scanner.js';
import { isKnownTimeZone } from './time-literal.js';
import { type BinaryOp, type Token, isOperator, precedence, tokenText } from './token.js';

export interface ParseOptions {
  /** Values for `$name` parameters, as decoded from the `params` JSON of /query. */
  params?: Params;
}

/** Deepest nesting of expressions and subqueries; deeper input is refused rather than overflowing the stack. */
export const MAX_NESTING_DEPTH = 400;

const INT32_MAX = 2147483647;

const TOKEN_RING = 3;

type TargetRequirement = 'required' | 'optional' | 'subquery';

type Handler = (p: Parser) => Statement;

/** Statement dispatch: each level lists the tokens that may come next, in InfluxDB's order. */
interface Tree {
  readonly keys: readonly Token[];
  readonly next: ReadonlyMap<Token, Tree | Handler>;
}

function tree(...entries: [Token, Tree | Handler][]): Tree {
  return { keys: entries.map(([k]) => k), next: new Map(entries) };
}

const unexpected = (t: ScannedToken, expected: readonly string[]): ParseError =>
  ParseError.unexpected(tokenText(t.tok, t.lit), expected, t.pos);

function isWhitespaceRune(ch: number): boolean {
  return ch === 0x20 || ch === 0x09 || ch === 0x0a;
}

function measurement(database: string, retentionPolicy: string, name: string, regex: RegexLiteral | null): Measurement {
  return { kind: 'Measurement', database, retentionPolicy, name, regex };
}

const BAD_SELECT_OPERATORS: ReadonlySet<BinaryOp> = new Set(['=', '!=', '=~', '!~', '<', '<=', '>', '>=', 'AND', 'OR']);

/**
 * The comparison or logical operator that makes an expression unfit for a SELECT field, if any.
 * Like InfluxDB, the search does not descend below an offending operator and the last one found in
 * pre-order wins.
 */
function badSelectOperator(expr: Expr): BinaryOp | null {
  let found: BinaryOp | null = null;
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'BinaryExpr':
        if (BAD_SELECT_OPERATORS.has(e.op)) {
          found = e.op;
          return;
        }
        visit(e.lhs);
        visit(e.rhs);
        return;
      case 'ParenExpr':
        visit(e.expr);
        return;
      case 'Call':
        for (const a of e.args) visit(a);
        return;
    }
  };
  visit(expr);
  return found;
}

function containsCall(fields: readonly Field[]): boolean {
  const has = (e: Expr): boolean => {
    switch (e.kind) {
      case 'Call':
        return true;
      case 'BinaryExpr':
        return has(e.lhs) || has(e.rhs);
      case 'ParenExpr':
        return has(e.expr);
      default:
        return false;
    }
  };
  return fields.some((f) => has(f.expr));
}

/** Go's strconv.ParseInt(s, 10, 64) with the error ignored: out-of-range values saturate. */
function saturatingInt64(lit: string): bigint {
  let n: bigint;
  try {
    n = BigInt(lit);
  } catch {
    return 0n;
  }
  if (n > INT64_MAX) return INT64_MAX;
  if (n < INT64_MIN) return INT64_MIN;
  return n;
}

function bigintOrNull(lit: string): bigint | null {
  if (!/^[+-]?\d+$/.test(lit)) return null;
  return BigInt(lit);
}

export class Parser {
  private readonly reader: RuneReader;
  private readonly scanner: Scanner;
  private readonly ring: ScannedToken[] = [];
  private head = 0;
  private pending = 0;
  private readonly params: Map<string, BoundToken>;
  private depth = 0;
  private freshScans = 0;
  private readonly maxFreshScans: number;

  constructor(text: string, options: ParseOptions = {}) {
    this.reader = new RuneReader(text);
    this.scanner = new Scanner(this.reader);
    const empty: ScannedToken = { tok: 'EOF', pos: { line: 0, char: 0 }, lit: '' };
    for (let i = 0; i < TOKEN_RING; i++) this.ring.push(empty);
    this.params = new Map();
    for (const [k, v] of Object.entries(options.params ?? {})) this.params.set(k, bindValue(v));
    // Every fresh token consumes input except a few re-reads of the end; a parser loop that stops
    // making progress hits this bound instead of spinning.
    this.maxFreshScans = text.length * 2 + 256;
  }

  // ------------------------------------------------------------------ token plumbing

  private bufferedScan(scanFn: () => ScannedToken): ScannedToken {
    if (this.pending > 0) {
      this.pending--;
    } else {
      if (++this.freshScans > this.maxFreshScans) throw new Error('influxql: parser made no progress (bug)');
      this.head = (this.head + 1) % TOKEN_RING;
      this.ring[this.head] = scanFn();
    }
    return this.substitute(this.ring[(this.head - this.pending + TOKEN_RING) % TOKEN_RING]!);
  }

  private substitute(t: ScannedToken): ScannedToken {
    if (t.tok !== 'BOUNDPARAM') return t;
    const key = t.lit.startsWith('$') ? t.lit.slice(1) : t.lit;
    if (key === '') return t;
    const bound = this.params.get(key);
    if (bound === undefined) return t;
    return { tok: bound.tok, pos: t.pos, lit: bound.lit };
  }

  /** The next token, whitespace and comments included. */
  scan(): ScannedToken {
    return this.bufferedScan(() => this.scanner.scan());
  }

  private scanRegexToken(): ScannedToken {
    return this.bufferedScan(() => this.scanner.scanRegex());
  }

  private unscan(): void {
    this.pending++;
  }

  /** The next token that is not whitespace or a comment. */
  scanIgnoreWhitespace(): ScannedToken {
    for (;;) {
      const t = this.scan();
      if (t.tok !== 'WS' && t.tok !== 'COMMENT') return t;
    }
  }

  private consumeWhitespace(): void {
    if (this.scan().tok !== 'WS') this.unscan();
  }

  /** The next character of the input after the last token scanned (pushed-back tokens aside). */
  private peekRune(): number {
    const ch = this.reader.read();
    if (ch !== EOF_RUNE) this.reader.unread();
    return ch;
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING_DEPTH) {
      throw ParseError.plain(`query nested deeper than ${MAX_NESTING_DEPTH} levels`);
    }
  }

  private leave(): void {
    this.depth--;
  }

  /** Consumes the tokens in order; throws on the first that differs. */
  private expectTokens(toks: readonly Token[]): void {
    for (const expected of toks) {
      const t = this.scanIgnoreWhitespace();
      if (t.tok !== expected) throw unexpected(t, [expected]);
    }
  }

  /** Consumes one token if it is `tok`; otherwise leaves it scanned (the caller pushes it back). */
  private takeToken(tok: Token): boolean {
    return this.scanIgnoreWhitespace().tok === tok;
  }

  // ------------------------------------------------------------------ queries and statements

  parseQuery(): Statement[] {
    const statements: Statement[] = [];
    let afterSemicolon = true;
    for (;;) {
      const t = this.scanIgnoreWhitespace();
      if (t.tok === 'EOF') return statements;
      if (t.tok === ';') {
        afterSemicolon = true;
        continue;
      }
      if (!afterSemicolon) throw unexpected(t, [';']);
      this.unscan();
      statements.push(this.parseStatement());
      afterSemicolon = false;
    }
  }

  parseStatement(): Statement {
    let level: Tree = LANGUAGE;
    for (;;) {
      const t = this.scanIgnoreWhitespace();
      const next = level.next.get(t.tok);
      if (next === undefined) throw unexpected(t, level.keys);
      if (typeof next === 'function') return next(this);
      level = next;
    }
  }

  // ------------------------------------------------------------------ small pieces

  parseIdent(): string {
    const t = this.scanIgnoreWhitespace();
    if (t.tok !== 'IDENT') throw unexpected(t, ['identifier']);
    return t.lit;
  }

  private parseIdentList(): string[] {
    const idents = [this.parseIdent()];
    for (;;) {
      if (this.scanIgnoreWhitespace().tok !== ',') {
        this.unscan();
        return idents;
      }
      idents.push(this.parseIdent());
    }
  }

  /** `a`, `a.b`, `a.b.c`, `a..c`; stops before a `.` followed by a regex or `:`. */
  private parseSegmentedIdents(): string[] {
    const idents = [this.parseIdent()];
    for (;;) {
      if (this.scan().tok !== '.') {
        this.unscan();
        break;
      }
      const ch = this.peekRune();
      if (ch === 0x2f || ch === 0x3a) break; // '/' regex or ':' handled by the caller
      if (ch === 0x2e) {
        idents.push('');
        continue;
      }
      idents.push(this.parseIdent());
    }
    if (idents.length > 3) throw ParseError.at(`too many segments in ${quoteIdent(...idents)}`, ORIGIN);
    return idents;
  }

  private parseString(): string {
    const t = this.scanIgnoreWhitespace();
    if (t.tok !== 'STRING') throw unexpected(t, ['string']);
    return t.lit;
  }

  private parseStringList(): string[] {
    const strs = [this.parseString()];
    for (;;) {
      if (this.scanIgnoreWhitespace().tok !== ',') {
        this.unscan();
        return strs;
      }
      strs.push(this.parseString());
    }
  }

  /** An integer in [min, max] (REPLICATION). */
  private parseInt(min: number, max: number): number {
    const t = this.scanIgnoreWhitespace();
    if (t.tok !== 'INTEGER') throw unexpected(t, ['integer']);
    const n = bigintOrNull(t.lit);
    if (n === null) throw ParseError.at(`strconv.Atoi: parsing "${t.lit}": invalid syntax`, t.pos);
    if (n < INT64_MIN || n > INT64_MAX) {
      throw ParseError.at(`strconv.Atoi: parsing "${t.lit}": value out of range`, t.pos);
    }
    if (n < BigInt(min) || n > BigInt(max)) {
      throw ParseError.at(`invalid value ${n}: must be ${min} <= n <= ${max}`, t.pos);
    }
    return Number(n);
  }

  private parseUInt64(): bigint {
    const t = this.scanIgnoreWhitespace();
    if (t.tok !== 'INTEGER') throw unexpected(t, ['integer']);
    const n = /^\+?\d+$/.test(t.lit) ? BigInt(t.lit) : null;
    if (n === null) throw ParseError.at(`strconv.ParseUint: parsing "${t.lit}": invalid syntax`, t.pos);
    if (n > UINT64_MAX) throw ParseError.at(`strconv.ParseUint: parsing "${t.lit}": value out of range`, t.pos);
    return n;
  }

  /** A duration after DURATION: `1h`, ..., or INF (0). */
  private parseDurationValue(): bigint {
    const t = this.scanIgnoreWhitespace();
    if (t.tok !== 'DURATIONVAL' && t.tok !== 'INF') throw unexpected(t, ['duration']);
    if (t.tok === 'INF') return 0n;
    try {
      return parseDuration(t.lit);
    } catch (err) {
      if (err instanceof DurationError) throw ParseError.at(err.message, t.pos);
      throw err;
    }
  }

  /** `SHARD DURATION d` after SHARD, refusing INF like InfluxDB. */
  private parseShardDuration(): bigint {
    const t = this.scanIgnoreWhitespace();
    if (t.tok !== 'DURATION') throw unexpected(t, ['DURATION']);
    const inf = this.scanIgnoreWhitespace();
    if (inf.tok === 'INF') throw ParseError.at('invalid duration INF for shard duration', inf.pos);
    this.unscan();
    return this.parseDurationValue();
  }

  /** `TOKEN n` when present (LIMIT, OFFSET, SLIMIT, SOFFSET), else 0n. */
  private parseOptionalTokenAndInt(tok: Token): bigint {
    if (this.scanIgnoreWhitespace().tok !== tok) {
      this.unscan();
      return 0n;
    }
    const t = this.scanIgnoreWhitespace();
    if (t.tok !== 'INTEGER') throw unexpected(t, ['integer']);
    const n = saturatingInt64(t.lit);
    if (n < 0n) throw ParseError.at(`${tok} must be >= 0`, t.pos);
    return n;
  }

  // ------------------------------------------------------------------ SELECT

  parseSelectStatement(tr: TargetRequirement): SelectStatement {
    this.enter();
    try {
      const stmt = emptySelect();
      stmt.fields = this.parseFields();
      stmt.target = this.parseTarget(tr);
      const from = this.scanIgnoreWhitespace();
      if (from.tok !== 'FROM') throw unexpected(from, ['FROM']);
      stmt.sources = this.parseSources(true);
      stmt.condition = this.parseCondition();
      stmt.dimensions = this.parseDimensions();
      const [fill, fillValue] = this.parseFill();
      stmt.fill = fill;
      stmt.fillValue = fillValue;
      stmt.sortFields = this.parseOrderBy();
      stmt.limit = this.parseOptionalTokenAndInt('LIMIT');
      stmt.offset = this.parseOptionalTokenAndInt('OFFSET');
      stmt.slimit = this.parseOptionalTokenAndInt('SLIMIT');
      stmt.soffset = this.parseOptionalTokenAndInt('SOFFSET');
      stmt.location = this.parseLocation();
      stmt.isRawQuery = !containsCall(stmt.fields);
      return stmt;
    } finally {
      this.leave();
    }
  }

  private parseFields(): Field[] {
    const fields: Field[] = [];
    for (;;) {
      fields.push(this.parseField());
      if (this.scan().tok !== ',') {
        this.unscan();
        return fields;
      }
    }
  }

  private parseField(): Field {
    let expr: Expr;
    const re = this.parseRegex();
    if (re !== null) {
      expr = re;
    } else {
      const pos = this.scanIgnoreWhitespace().pos;
      this.unscan();
      expr = this.parseExpr();
      const bad = badSelectOperator(expr);
      if (bad !== null) {
        throw ParseError.plain(
          `invalid operator ${bad} in SELECT clause at line ${pos.line + 1}, char ${pos.char + 1}; operator is intended for WHERE clause`,
        );
      }
    }
    const alias = this.parseAlias();
    this.consumeWhitespace();
    return { kind: 'Field', expr, alias };
  }

  private parseAlias(): string {
    if (this.scanIgnoreWhitespace().tok !== 'AS') {
      this.unscan();
      return '';
    }
    return this.parseIdent();
  }

  private parseTarget(tr: TargetRequirement): Target | null {
    const t = this.scanIgnoreWhitespace();
    if (t.tok !== 'INTO') {
      if (tr === 'required') throw unexpected(t, ['INTO']);
      this.unscan();
      return null;
    }
    const idents = this.parseSegmentedIdents();
    if (idents.length < 3 && this.peekRune() === 0x3a) {
      this.expectTokens([':', 'MEASUREMENT']);
      idents.push('');
    }
    let m: Measurement;
    if (idents.length === 1) m = measurement('', '', idents[0]!, null);
    else if (idents.length === 2) m = measurement('', idents[0]!, idents[1]!, null);
    else m = measurement(idents[0]!, idents[1]!, idents[2]!, null);
    return { kind: 'Target', measurement: m };
  }

  private parseSources(subqueries: boolean): Source[] {
    const sources: Source[] = [];
    for (;;) {
      sources.push(this.parseSource(subqueries));
      if (this.scanIgnoreWhitespace().tok !== ',') {
        this.unscan();
        return sources;
      }
    }
  }

  private parseSource(subqueries: boolean): Source {
    const re = this.parseRegex();
    if (re !== null) return measurement('', '', '', re);

    if (subqueries) {
      if (this.scanIgnoreWhitespace().tok === '(') {
        this.expectTokens(['SELECT']);
        const statement = this.parseSelectStatement('subquery');
        this.expectTokens([')']);
        return { kind: 'SubQuery', statement };
      }
      this.unscan();
    }

    const idents = this.parseSegmentedIdents();
    if (idents.length === 3) return measurement(idents[0]!, idents[1]!, idents[2]!, null);
    const re2 = this.parseRegex();
    if (idents.length === 1) {
      return re2 !== null ? measurement('', idents[0]!, '', re2) : measurement('', '', idents[0]!, null);
    }
    return re2 !== null
      ? measurement(idents[0]!, idents[1]!, '', re2)
      : measurement('', idents[0]!, idents[1]!, null);
  }

  private parseCondition(): Expr | null {
    if (this.scanIgnoreWhitespace().tok !== 'WHERE') {
      this.unscan();
      return null;
    }
    return this.parseExpr();
  }

  private parseDimensions(): Dimension[] {
    if (this.scanIgnoreWhitespace().tok !== 'GROUP') {
      this.unscan();
      return [];
    }
    const by = this.scanIgnoreWhitespace();
    if (by.tok !== 'BY') throw unexpected(by, ['BY']);
    const dims: Dimension[] = [];
    for (;;) {
      dims.push(this.parseDimension());
      if (this.scan().tok !== ',') {
        this.unscan();
        return dims;
      }
    }
  }

  private parseDimension(): Dimension {
    const re = this.parseRegex();
    if (re !== null) return { kind: 'Dimension', expr: re };
    const expr = this.parseExpr();
    this.consumeWhitespace();
    return { kind: 'Dimension', expr };
  }

  private parseFill(): [FillOption, number | bigint | null] {
    const t = this.scanIgnoreWhitespace();
    this.unscan();
    if (t.tok !== 'IDENT' || t.lit.toLowerCase() !== 'fill') return ['null', null];
    const expr = this.parseExpr();
    if (expr.kind !== 'Call') throw ParseError.plain('fill must be a function call');
    if (expr.args.length !== 1) {
      throw ParseError.plain('fill requires an argument, e.g.: 0, null, none, previous, linear');
    }
    const arg = expr.args[0]!;
    switch (formatExpr(arg)) {
      case 'null':
        return ['null', null];
      case 'none':
        return ['none', null];
      case 'previous':
        return ['previous', null];
      case 'linear':
        return ['linear', null];
    }
    if (arg.kind === 'IntegerLiteral' || arg.kind === 'NumberLiteral') return ['number', arg.value];
    throw ParseError.plain('expected number argument in fill()');
  }

  private parseLocation(): string | null {
    const t = this.scanIgnoreWhitespace();
    this.unscan();
    if (t.tok !== 'IDENT' || t.lit.toLowerCase() !== 'tz') return null;
    const expr = this.parseExpr();
    if (expr.kind !== 'Call') throw ParseError.plain('tz must be a function call');
    if (expr.args.length !== 1) throw ParseError.plain('tz requires exactly one argument');
    const arg = expr.args[0]!;
    if (arg.kind !== 'StringLiteral') throw ParseError.plain('expected string argument in tz()');
    if (!isKnownTimeZone(arg.value)) throw ParseError.plain(`unable to find time zone ${arg.value}`);
    return arg.value;
  }

  private parseOrderBy(): SortField[] {
    if (this.scanIgnoreWhitespace().tok !== 'ORDER') {
      this.unscan();
      return [];
    }
    const by = this.scanIgnoreWhitespace();
    if (by.tok !== 'BY') throw unexpected(by, ['BY']);
    return this.parseSortFields();
  }

  private parseSortFields(): SortField[] {
    const fields: SortField[] = [];
    const t = this.scanIgnoreWhitespace();
    if (t.tok === 'ASC' || t.tok === 'DESC') {
      fields.push({ kind: 'SortField', name: '', ascending: t.tok === 'ASC' });
    } else if (t.tok === 'IDENT') {
      this.unscan();
      const field = this.parseSortField();
      if (t.lit !== 'time') throw ParseError.plain('only ORDER BY time supported at this time');
      fields.push(field);
    } else {
      throw unexpected(t, ['identifier', 'ASC', 'DESC']);
    }
    for (;;) {
      if (this.scanIgnoreWhitespace().tok !== ',') {
        this.unscan();
        break;
      }
      fields.push(this.parseSortField());
    }
    if (fields.length > 1) throw ParseError.plain('only ORDER BY time supported at this time');
    return fields;
  }

  private parseSortField(): SortField {
    const name = this.parseIdent();
    const t = this.scanIgnoreWhitespace();
    let ascending = true;
    if (t.tok === 'DESC') ascending = false;
    else if (t.tok !== 'ASC') this.unscan();
    return { kind: 'SortField', name, ascending };
  }

  // ------------------------------------------------------------------ expressions

  /** An expression; binary operators bind by precedence, left-associative within a level. */
  parseExpr(): Expr {
    this.enter();
    try {
      // `holder.rhs` is the tree so far; new operators go in down its right spine.
      const holder: { rhs: Expr } = { rhs: this.parseUnaryExpr() };
      for (;;) {
        const opTok = this.scanIgnoreWhitespace();
        if (!isOperator(opTok.tok)) {
          this.unscan();
          return holder.rhs;
        }
        const op: BinaryOp = opTok.tok;
        let rhs: Expr;
        if (op === '=~' || op === '!~') {
          const re = this.parseRegex();
          if (re === null) throw unexpected(this.scanIgnoreWhitespace(), ['regex']);
          rhs = re;
        } else {
          rhs = this.parseUnaryExpr();
        }
        let node: { rhs: Expr } = holder;
        for (;;) {
          const r = node.rhs;
          if (r.kind !== 'BinaryExpr' || precedence(r.op) >= precedence(op)) {
            const joined: BinaryExpr = { kind: 'BinaryExpr', op, lhs: r, rhs };
            node.rhs = joined;
            break;
          }
          node = r;
        }
      }
    } finally {
      this.leave();
    }
  }

  private parseUnaryExpr(): Expr {
    if (this.scanIgnoreWhitespace().tok === '(') {
      const expr = this.parseExpr();
      const close = this.scanIgnoreWhitespace();
      if (close.tok !== ')') throw unexpected(close, [')']);
      return { kind: 'ParenExpr', expr };
    }
    this.unscan();

    const t = this.scanIgnoreWhitespace();
    switch (t.tok) {
      case 'IDENT': {
        if (this.scan().tok === '(') return this.parseCall(t.lit);
        this.unscan();
        this.unscan();
        return this.parseVarRef();
      }
      case 'DISTINCT': {
        const t0 = this.scan();
        if (t0.tok === '(') return this.parseCall('distinct');
        if (t0.tok === 'WS') {
          const t1 = this.scanIgnoreWhitespace();
          if (t1.tok !== 'IDENT') throw unexpected(t1, ['identifier']);
          return { kind: 'Distinct', name: t1.lit };
        }
        throw unexpected(t0, ['(', 'identifier']);
      }
      case 'STRING':
        return { kind: 'StringLiteral', value: t.lit };
      case 'NUMBER': {
        const v = Number(t.lit);
        if (!Number.isFinite(v) || t.lit === '') throw ParseError.at('unable to parse number', t.pos);
        return { kind: 'NumberLiteral', value: v };
      }
      case 'INTEGER': {
        const n = bigintOrNull(t.lit);
        if (n !== null && n >= INT64_MIN && n <= INT64_MAX) return { kind: 'IntegerLiteral', value: n };
        // Too big for int64: InfluxDB keeps it as an unsigned literal when it fits in 64 bits.
        if (n !== null && n >= 0n && n <= UINT64_MAX && !t.lit.startsWith('-')) {
          return { kind: 'UnsignedLiteral', value: n };
        }
        throw ParseError.at('unable to parse integer', t.pos);
      }
      case 'TRUE':
      case 'FALSE':
        return { kind: 'BooleanLiteral', value: t.tok === 'TRUE' };
      case 'DURATIONVAL':
        try {
          return { kind: 'DurationLiteral', value: parseDuration(t.lit) };
        } catch (err) {
          if (err instanceof DurationError) throw ParseError.plain(err.message);
          throw err;
        }
      case '*': {
        let only: 'field' | 'tag' | null = null;
        if (this.scan().tok === '::') {
          const t1 = this.scan();
          if (t1.tok === 'FIELD') only = 'field';
          else if (t1.tok === 'TAG') only = 'tag';
          else throw unexpected(t1, ['field', 'tag']);
        } else {
          this.unscan();
        }
        return { kind: 'Wildcard', only };
      }
      case 'REGEX':
        return this.regexLiteral(t);
      case 'BOUNDPARAM': {
        // A parameter still unresolved here is missing or could not be bound.
        const key = t.lit.startsWith('$') ? t.lit.slice(1) : t.lit;
        if (key === '') throw ParseError.plain('empty bound parameter');
        const bound = this.params.get(key);
        if (bound === undefined) throw ParseError.plain(`missing parameter: ${key}`);
        throw ParseError.plain(bound.lit);
      }
      case '+':
      case '-':
        return this.parseSigned(t.tok === '-');
      default:
        throw unexpected(t, ['identifier', 'string', 'number', 'bool']);
    }
  }

  /** What follows a unary + or -. */
  private parseSigned(negative: boolean): Expr {
    const t0 = this.scanIgnoreWhitespace();
    switch (t0.tok) {
      case 'NUMBER':
      case 'INTEGER':
      case 'DURATIONVAL':
      case '(':
      case 'IDENT':
        break;
      default:
        throw unexpected(t0, ['identifier', 'number', 'duration', '(']);
    }
    this.unscan();
    const e = this.parseUnaryExpr();
    switch (e.kind) {
      case 'NumberLiteral':
        if (negative) e.value = -e.value;
        return e;
      case 'IntegerLiteral':
        if (negative) e.value = BigInt.asIntN(64, -e.value);
        return e;
      case 'UnsignedLiteral':
        if (!negative) return e;
        // -9223372036854775808 scans as an unsigned literal but fits int64 once negated.
        if (-e.value === INT64_MIN) return { kind: 'IntegerLiteral', value: INT64_MIN };
        throw ParseError.plain(`constant -${e.value} underflows int64`);
      case 'DurationLiteral':
        if (negative) e.value = BigInt.asIntN(64, -e.value);
        return e;
      case 'VarRef':
      case 'Call':
      case 'ParenExpr':
        return {
          kind: 'BinaryExpr',
          op: '*',
          lhs: { kind: 'IntegerLiteral', value: negative ? -1n : 1n },
          rhs: e,
        };
      default:
        throw new Error(`influxql: unexpected operand after a sign: ${e.kind}`);
    }
  }

  private parseVarRef(): Expr {
    const segments = this.parseSegmentedIdents();
    let dataType: DataType = 'unknown';
    if (this.scan().tok === '::') {
      const t = this.scan();
      if (t.tok === 'IDENT') {
        const name = t.lit.toLowerCase();
        if (name === 'float' || name === 'integer' || name === 'unsigned' || name === 'string' || name === 'boolean') {
          dataType = name;
        } else {
          throw unexpected(t, ['float', 'integer', 'unsigned', 'string', 'boolean', 'field', 'tag']);
        }
      } else if (t.tok === 'FIELD') {
        dataType = 'field';
      } else if (t.tok === 'TAG') {
        dataType = 'tag';
      } else {
        throw unexpected(t, ['float', 'integer', 'string', 'boolean', 'field', 'tag']);
      }
    } else {
      this.unscan();
    }
    return { kind: 'VarRef', name: segments.join('.'), dataType };
  }

  /** A function call; the name and '(' were read. */
  private parseCall(name: string): Call {
    const call: Call = { kind: 'Call', name: name.toLowerCase(), args: [] };
    const re = this.parseRegex();
    if (re !== null) {
      call.args.push(re);
    } else {
      if (this.scan().tok === ')') return call;
      this.unscan();
      call.args.push(this.parseExpr());
    }
    for (;;) {
      if (this.scanIgnoreWhitespace().tok !== ',') {
        this.unscan();
        break;
      }
      const argRe = this.parseRegex();
      call.args.push(argRe !== null ? argRe : this.parseExpr());
    }
    const close = this.scan();
    if (close.tok !== ')') throw unexpected(close, [')']);
    return call;
  }

  private regexLiteral(t: ScannedToken): RegexLiteral {
    try {
      compileRegex(t.lit);
    } catch (err) {
      if (err instanceof RegexError) throw ParseError.at(err.message, t.pos);
      throw err;
    }
    return { kind: 'RegexLiteral', pattern: t.lit };
  }

  /** A regex if one comes next (`/.../` or a parameter bound to a regex), else null. */
  private parseRegex(): RegexLiteral | null {
    if (isWhitespaceRune(this.peekRune())) this.consumeWhitespace();
    const next = this.peekRune();
    if (next === 0x24) {
      // '$': a parameter, which may be bound to a regex.
      const t = this.scan();
      this.unscan();
      if (t.tok !== 'REGEX') return null;
    } else if (next !== 0x2f) {
      return null;
    }
    const t = this.scanRegexToken();
    if (t.tok === 'BADESCAPE') throw ParseError.at(`bad escape: ${t.lit}`, t.pos);
    if (t.tok === 'BADREGEX') throw ParseError.at(`bad regex: ${t.lit}`, t.pos);
    if (t.tok !== 'REGEX') throw unexpected(t, ['regex']);
    return this.regexLiteral(t);
  }

  // ------------------------------------------------------------------ data statements

  parseDeleteStatement(): DeleteSeriesStatement {
    const stmt: DeleteSeriesStatement = { kind: 'DeleteSeriesStatement', sources: [], condition: null };
    const t = this.scanIgnoreWhitespace();
    if (t.tok === 'FROM') {
      stmt.sources = this.parseSources(false);
      // Deletes apply across the selected database; a database in FROM is refused.
      for (const s of stmt.sources) {
        if (s.kind === 'Measurement' && s.database !== '') throw ParseError.at('database not supported', ORIGIN);
      }
    } else {
      this.unscan();
    }
    stmt.condition = this.parseCondition();
    if (stmt.condition === null && stmt.sources.length === 0) throw unexpected(t, ['FROM', 'WHERE']);
    return stmt;
  }

  parseDropSeriesStatement(): DropSeriesStatement {
    const stmt: DropSeriesStatement = { kind: 'DropSeriesStatement', sources: [], condition: null };
    const t = this.scanIgnoreWhitespace();
    if (t.tok === 'FROM') {
      stmt.sources = this.parseSources(false);
      let problem: string | null = null;
      for (const s of stmt.sources) {
        if (s.kind !== 'Measurement') continue;
        if (s.database !== '') problem = 'database not supported';
        if (s.retentionPolicy !== '') problem = 'retention policy not supported';
      }
      if (problem !== null) throw ParseError.at(problem, ORIGIN);
    } else {
      this.unscan();
    }
    stmt.condition = this.parseCondition();
    if (stmt.condition === null && stmt.sources.length === 0) throw unexpected(t, ['FROM', 'WHERE']);
    return stmt;
  }

  // ------------------------------------------------------------------ SHOW statements

  /** `ON db` when present, else ''. */
  parseOptionalOn(): string {
    if (this.scanIgnoreWhitespace().tok === 'ON') return this.parseIdent();
    this.unscan();
    return '';
  }

  /** `FROM sources` when present, else []. */
  private parseOptionalFrom(): Source[] {
    if (this.scanIgnoreWhitespace().tok === 'FROM') return this.parseSources(false);
    this.unscan();
    return [];
  }

  parseShowMeasurementsStatement(): ShowMeasurementsStatement {
    const stmt: ShowMeasurementsStatement = {
      kind: 'ShowMeasurementsStatement',
      database: this.parseOptionalOn(),
      source: null,
      condition: null,
      sortFields: [],
      limit: 0n,
      offset: 0n,
    };
    if (this.scanIgnoreWhitespace().tok === 'WITH') {
      this.expectTokens(['MEASUREMENT']);
      const op = this.scanIgnoreWhitespace();
      if (op.tok !== '=' && op.tok !== '=~') throw unexpected(op, ['=', '=~']);
      const src = this.parseSource(false);
      if (src.kind === 'Measurement') stmt.source = src;
    } else {
      this.unscan();
    }
    stmt.condition = this.parseCondition();
    stmt.sortFields = this.parseOrderBy();
    stmt.limit = this.parseOptionalTokenAndInt('LIMIT');
    stmt.offset = this.parseOptionalTokenAndInt('OFFSET');
    return stmt;
  }

  parseShowSeriesStatement(): Statement {
    let exact = false;
    if (this.scanIgnoreWhitespace().tok === 'EXACT') exact = true;
    else this.unscan();
    if (this.scanIgnoreWhitespace().tok === 'CARDINALITY') {
      return { kind: 'ShowSeriesCardinalityStatement', exact, ...this.parseCardinalityTail() };
    }
    this.unscan();
    const database = this.parseOptionalOn();
    const sources = this.parseOptionalFrom();
    const condition = this.parseCondition();
    const sortFields = this.parseOrderBy();
    const limit = this.parseOptionalTokenAndInt('LIMIT');
    const offset = this.parseOptionalTokenAndInt('OFFSET');
    return { kind: 'ShowSeriesStatement', database, sources, condition, sortFields, limit, offset };
  }

  /** What follows CARDINALITY: [ON] [FROM] [WHERE] [GROUP BY] [LIMIT] [OFFSET]. */
  private parseCardinalityTail(): {
    database: string;
    sources: Source[];
    condition: Expr | null;
    dimensions: Dimension[];
    limit: bigint;
    offset: bigint;
  } {
    const database = this.parseOptionalOn();
    const sources = this.parseOptionalFrom();
    const condition = this.parseCondition();
    const dimensions = this.parseDimensions();
    const limit = this.parseOptionalTokenAndInt('LIMIT');
    const offset = this.parseOptionalTokenAndInt('OFFSET');
    return { database, sources, condition, dimensions, limit, offset };
  }

  parseShowMeasurementCardinality(exact: boolean): Statement {
    if (exact) {
      const t = this.scanIgnoreWhitespace();
      if (t.tok !== 'CARDINALITY') throw unexpected(t, ['CARDINALITY']);
    }
    return { kind: 'ShowMeasurementCardinalityStatement', exact, ...this.parseCardinalityTail() };
  }

  /** After SHOW TAG KEY / SHOW FIELD KEY: [EXACT] CARDINALITY ... */
  private parseKeyCardinality(): [boolean, ReturnType<Parser['parseCardinalityTail']>] {
    let exact = false;
    let required = ['EXACT', 'CARDINALITY'];
    if (this.scanIgnoreWhitespace().tok === 'EXACT') {
      exact = true;
      required = ['CARDINALITY'];
    } else {
      this.unscan();
    }
    const t = this.scanIgnoreWhitespace();
    if (t.tok !== 'CARDINALITY') throw unexpected(t, required);
    return [exact, this.parseCardinalityTail()];
  }

  parseShowTagKeyCardinality(): Statement {
    const [exact, tail] = this.parseKeyCardinality();
    return { kind: 'ShowTagKeyCardinalityStatement', exact, ...tail };
  }

  parseShowFieldKeyCardinality(): Statement {
    const [exact, tail] = this.parseKeyCardinality();
    return { kind: 'ShowFieldKeyCardinalityStatement', exact, ...tail };
  }

  parseShowTagKeysStatement(): ShowTagKeysStatement {
    const stmt: ShowTagKeysStatement = {
      kind: 'ShowTagKeysStatement',
      database: this.parseOptionalOn(),
      sources: this.parseOptionalFrom(),
      tagKeyOp: null,
      tagKeyExpr: null,
      condition: null,
      sortFields: [],
      limit: 0n,
      offset: 0n,
      slimit: 0n,
      soffset: 0n,
    };
    const t = this.scanIgnoreWhitespace();
    this.unscan();
    if (t.tok === 'WITH') [stmt.tagKeyOp, stmt.tagKeyExpr] = this.parseTagKeyExpr();
    stmt.condition = this.parseCondition();
    stmt.sortFields = this.parseOrderBy();
    stmt.limit = this.parseOptionalTokenAndInt('LIMIT');
    stmt.offset = this.parseOptionalTokenAndInt('OFFSET');
    stmt.slimit = this.parseOptionalTokenAndInt('SLIMIT');
    stmt.soffset = this.parseOptionalTokenAndInt('SOFFSET');
    return stmt;
  }

  parseShowTagValuesStatement(): Statement {
    const t = this.scanIgnoreWhitespace();
    if (t.tok === 'EXACT' || t.tok === 'CARDINALITY') {
      const exact = t.tok === 'EXACT';
      if (exact) {
        const c = this.scanIgnoreWhitespace();
        if (c.tok !== 'CARDINALITY') throw unexpected(c, ['CARDINALITY']);
      }
      const database = this.parseOptionalOn();
      const sources = this.parseOptionalFrom();
      const [op, tagKeyExpr] = this.parseTagKeyExpr();
      const condition = this.parseCondition();
      const dimensions = this.parseDimensions();
      const limit = this.parseOptionalTokenAndInt('LIMIT');
      const offset = this.parseOptionalTokenAndInt('OFFSET');
      return {
        kind: 'ShowTagValuesCardinalityStatement',
        database,
        exact,
        sources,
        op,
        tagKeyExpr,
        condition,
        dimensions,
        limit,
        offset,
      };
    }
    this.unscan();
    const database = this.parseOptionalOn();
    const sources = this.parseOptionalFrom();
    const [op, tagKeyExpr] = this.parseTagKeyExpr();
    const condition = this.parseCondition();
    const sortFields = this.parseOrderBy();
    const limit = this.parseOptionalTokenAndInt('LIMIT');
    const offset = this.parseOptionalTokenAndInt('OFFSET');
    return {
      kind: 'ShowTagValuesStatement',
      database,
      sources,
      op,
      tagKeyExpr,
      condition,
      sortFields,
      limit,
      offset,
    };
  }

  /** `WITH KEY = k`, `!= k`, `=~ /re/`, `!~ /re/` or `IN (a, b)`. */
  private parseTagKeyExpr(): [TagKeyOp, StringLiteral | ListLiteral | RegexLiteral] {
    this.expectTokens(['WITH', 'KEY']);
    const t = this.scanIgnoreWhitespace();
    if (t.tok === 'IN') {
      const open = this.scanIgnoreWhitespace();
      if (open.tok !== '(') throw unexpected(open, ['(']);
      const values = this.parseIdentList();
      const close = this.scanIgnoreWhitespace();
      if (close.tok !== ')') throw unexpected(close, [')']);
      return ['IN', { kind: 'ListLiteral', values }];
    }
    if (t.tok === '=' || t.tok === '!=') {
      return [t.tok, { kind: 'StringLiteral', value: this.parseIdent() }];
    }
    if (t.tok === '=~' || t.tok === '!~') {
      const re = this.parseRegex();
      if (re === null) throw unexpected(this.scanIgnoreWhitespace(), ['regex']);
      return [t.tok, re];
    }
    throw unexpected(t, ['IN', '=', '=~']);
  }

  parseShowFieldKeysStatement(): Statement {
    const database = this.parseOptionalOn();
    const sources = this.parseOptionalFrom();
    const sortFields = this.parseOrderBy();
    const limit = this.parseOptionalTokenAndInt('LIMIT');
    const offset = this.parseOptionalTokenAndInt('OFFSET');
    return { kind: 'ShowFieldKeysStatement', database, sources, sortFields, limit, offset };
  }

  /** `FOR 'module'` of SHOW STATS / SHOW DIAGNOSTICS, else ''. */
  parseOptionalModule(): string {
    if (this.scanIgnoreWhitespace().tok === 'FOR') return this.parseString();
    this.unscan();
    return '';
  }

  // ------------------------------------------------------------------ database and retention policy

  parseCreateDatabaseStatement(): CreateDatabaseStatement {
    const stmt: CreateDatabaseStatement = {
      kind: 'CreateDatabaseStatement',
      name: this.parseIdent(),
      retentionPolicyCreate: false,
      retentionPolicyDuration: null,
      retentionPolicyReplication: null,
      retentionPolicyShardGroupDuration: 0n,
      retentionPolicyName: '',
    };
    if (this.scanIgnoreWhitespace().tok !== 'WITH') {
      this.unscan();
      return stmt;
    }
    const t = this.scanIgnoreWhitespace();
    if (t.tok !== 'DURATION' && t.tok !== 'NAME' && t.tok !== 'REPLICATION' && t.tok !== 'SHARD') {
      throw unexpected(t, ['DURATION', 'NAME', 'REPLICATION', 'SHARD']);
    }
    this.unscan();
    stmt.retentionPolicyCreate = true;
    if (this.takeToken('DURATION')) stmt.retentionPolicyDuration = this.parseDurationValue();
    else this.unscan();
    if (this.takeToken('REPLICATION')) stmt.retentionPolicyReplication = this.parseInt(1, INT32_MAX);
    else this.unscan();
    if (this.takeToken('SHARD')) {
      const d = this.scanIgnoreWhitespace();
      if (d.tok !== 'DURATION') throw unexpected(d, ['DURATION']);
      stmt.retentionPolicyShardGroupDuration = this.parseDurationValue();
    } else {
      this.unscan();
    }
    if (this.takeToken('NAME')) stmt.retentionPolicyName = this.parseIdent();
    else this.unscan();
    return stmt;
  }

  parseCreateRetentionPolicyStatement(): CreateRetentionPolicyStatement {
    const name = this.parseIdent();
    this.expectTokens(['ON']);
    const database = this.parseIdent();
    this.expectTokens(['DURATION']);
    const duration = this.parseDurationValue();
    this.expectTokens(['REPLICATION']);
    const replication = this.parseInt(1, INT32_MAX);
    let shardGroupDuration = 0n;
    if (this.takeToken('SHARD')) shardGroupDuration = this.parseShardDuration();
    else this.unscan();
    let isDefault = false;
    if (this.takeToken('DEFAULT')) isDefault = true;
    else this.unscan();
    return {
      kind: 'CreateRetentionPolicyStatement',
      name,
      database,
      duration,
      replication,
      shardGroupDuration,
      default: isDefault,
    };
  }

  parseAlterRetentionPolicyStatement(): AlterRetentionPolicyStatement {
    const t = this.scanIgnoreWhitespace();
    let name: string;
    if (t.tok === 'DEFAULT') name = 'default';
    else if (t.tok === 'IDENT') name = t.lit;
    else throw unexpected(t, ['identifier']);
    this.expectTokens(['ON']);
    const stmt: AlterRetentionPolicyStatement = {
      kind: 'AlterRetentionPolicyStatement',
      name,
      database: this.parseIdent(),
      duration: null,
      replication: null,
      shardGroupDuration: null,
      default: false,
    };
    const found = new Set<Token>();
    for (;;) {
      const opt = this.scanIgnoreWhitespace();
      if (found.has(opt.tok)) throw ParseError.at(`found duplicate ${opt.tok} option`, opt.pos);
      if (opt.tok === 'DURATION') {
        stmt.duration = this.parseDurationValue();
      } else if (opt.tok === 'REPLICATION') {
        stmt.replication = this.parseInt(1, INT32_MAX);
      } else if (opt.tok === 'SHARD') {
        stmt.shardGroupDuration = this.parseShardDuration();
      } else if (opt.tok === 'DEFAULT') {
        stmt.default = true;
      } else {
        if (found.size === 0) throw unexpected(opt, ['DURATION', 'REPLICATION', 'SHARD', 'DEFAULT']);
        this.unscan();
        return stmt;
      }
      found.add(opt.tok);
    }
  }

  /** `name ON db` of DROP RETENTION POLICY, DROP CONTINUOUS QUERY. */
  parseNameOnDatabase(): [string, string] {
    const name = this.parseIdent();
    this.expectTokens(['ON']);
    return [name, this.parseIdent()];
  }

  // ------------------------------------------------------------------ users and privileges

  parseCreateUserStatement(): CreateUserStatement {
    const name = this.parseIdent();
    this.expectTokens(['WITH', 'PASSWORD']);
    const password = this.parseString();
    if (this.scanIgnoreWhitespace().tok !== 'WITH') {
      this.unscan();
      return { kind: 'CreateUserStatement', name, password, admin: false };
    }
    this.expectTokens(['ALL', 'PRIVILEGES']);
    return { kind: 'CreateUserStatement', name, password, admin: true };
  }

  parseSetPasswordStatement(): Statement {
    const name = this.parseIdent();
    const eq = this.scanIgnoreWhitespace();
    if (eq.tok !== '=') throw unexpected(eq, ['=']);
    return { kind: 'SetPasswordUserStatement', name, password: this.parseString() };
  }

  private parsePrivilege(): Privilege {
    const t = this.scanIgnoreWhitespace();
    if (t.tok === 'READ') return 'READ';
    if (t.tok === 'WRITE') return 'WRITE';
    if (t.tok === 'ALL') {
      if (this.scanIgnoreWhitespace().tok !== 'PRIVILEGES') this.unscan();
      return 'ALL PRIVILEGES';
    }
    throw unexpected(t, ['READ', 'WRITE', 'ALL [PRIVILEGES]']);
  }

  /** GRANT priv ON db TO user | GRANT ALL [PRIVILEGES] TO user, and REVOKE with FROM. */
  parseGrantOrRevoke(grant: boolean): Statement {
    const privilege = this.parsePrivilege();
    const preposition: Token = grant ? 'TO' : 'FROM';
    const t = this.scanIgnoreWhitespace();
    if (t.tok === 'ON') {
      const on = this.parseIdent();
      const p = this.scanIgnoreWhitespace();
      if (p.tok !== preposition) throw unexpected(p, [preposition]);
      const user = this.parseIdent();
      return grant
        ? { kind: 'GrantStatement', privilege, on, user }
        : { kind: 'RevokeStatement', privilege, on, user };
    }
    if (t.tok === preposition) {
      // Only ALL PRIVILEGES is granted or revoked without a database: that is the admin right.
      if (privilege !== 'ALL PRIVILEGES') throw unexpected(t, ['ON']);
      const user = this.parseIdent();
      return grant ? { kind: 'GrantAdminStatement', user } : { kind: 'RevokeAdminStatement', user };
    }
    if (privilege === 'ALL PRIVILEGES') throw unexpected(t, ['ON', preposition]);
    throw unexpected(t, ['ON']);
  }

  // ------------------------------------------------------------------ the rest

  parseCreateContinuousQueryStatement(): CreateContinuousQueryStatement {
    const [name, database] = this.parseNameOnDatabase();
    let resampleEvery = 0n;
    let resampleFor = 0n;
    if (this.scanIgnoreWhitespace().tok === 'RESAMPLE') [resampleEvery, resampleFor] = this.parseResample();
    else this.unscan();
    this.expectTokens(['BEGIN', 'SELECT']);
    const source = this.parseSelectStatement('required');

    if (!source.isRawQuery) {
      let interval = 0n;
      let problem: string | null = null;
      try {
        interval = groupByInterval(source);
      } catch (err) {
        if (!(err instanceof GroupByError)) throw err;
        problem = err.message;
      }
      if (interval === 0n || problem !== null) {
        // Step back over the last token (and the whitespace before it) to point at it.
        this.unscan();
        this.unscan();
        const t = this.scanIgnoreWhitespace();
        throw unexpected(t, problem === null ? ['GROUP BY time(...)'] : ['GROUP BY time(...)', problem]);
      }
    }
    const end = this.scanIgnoreWhitespace();
    if (end.tok !== 'END') throw unexpected(end, ['END']);

    let interval: bigint;
    try {
      interval = groupByInterval(source);
    } catch (err) {
      if (err instanceof GroupByError) throw ParseError.plain(err.message);
      throw err;
    }
    if (resampleFor !== 0n) {
      if (resampleEvery !== 0n && resampleEvery > interval) interval = resampleEvery;
      if (interval > resampleFor) {
        throw ParseError.plain(
          `FOR duration must be >= GROUP BY time duration: must be a minimum of ${formatDuration(interval)}, got ${formatDuration(resampleFor)}`,
        );
      }
    }
    return { kind: 'CreateContinuousQueryStatement', name, database, source, resampleEvery, resampleFor };
  }

  private parseResample(): [bigint, bigint] {
    const readDuration = (): bigint => {
      const t = this.scanIgnoreWhitespace();
      if (t.tok !== 'DURATIONVAL') throw unexpected(t, ['duration']);
      try {
        return parseDuration(t.lit);
      } catch (err) {
        if (err instanceof DurationError) throw ParseError.at(err.message, t.pos);
        throw err;
      }
    };
    let every = 0n;
    if (this.scanIgnoreWhitespace().tok === 'EVERY') every = readDuration();
    else this.unscan();
    let forDuration = 0n;
    if (this.scanIgnoreWhitespace().tok === 'FOR') forDuration = readDuration();
    else this.unscan();
    if (every === 0n && forDuration === 0n) throw unexpected(this.scanIgnoreWhitespace(), ['EVERY', 'FOR']);
    return [every, forDuration];
  }

  parseSubscription(create: boolean): Statement {
    const [name, database] = this.parseNameOnDatabase();
    const dot = this.scan();
    if (dot.tok !== '.') throw unexpected(dot, ['.']);
    const retentionPolicy = this.parseIdent();
    if (!create) return { kind: 'DropSubscriptionStatement', name, database, retentionPolicy };
    this.expectTokens(['DESTINATIONS']);
    const mode = this.scanIgnoreWhitespace();
    if (mode.tok !== 'ALL' && mode.tok !== 'ANY') throw unexpected(mode, ['ALL', 'ANY']);
    const destinations = this.parseStringList();
    return { kind: 'CreateSubscriptionStatement', name, database, retentionPolicy, destinations, mode: mode.tok };
  }

  parseExplainStatement(): Statement {
    let analyze = false;
    if (this.scanIgnoreWhitespace().tok === 'ANALYZE') analyze = true;
    else this.unscan();
    const t = this.scanIgnoreWhitespace();
    if (t.tok !== 'SELECT') throw unexpected(t, ['SELECT']);
    return { kind: 'ExplainStatement', statement: this.parseSelectStatement('optional'), analyze };
  }

  parseKillQueryStatement(): Statement {
    const queryId = this.parseUInt64();
    let host = '';
    if (this.scanIgnoreWhitespace().tok === 'ON') host = this.parseIdent();
    else this.unscan();
    return { kind: 'KillQueryStatement', queryId, host };
  }

  parseDropShardStatement(): Statement {
    return { kind: 'DropShardStatement', id: this.parseUInt64() };
  }

  /** Parses an expression that must be all of the input. */
  parseStandaloneExpr(): Expr {
    const e = this.parseExpr();
    const t = this.scanIgnoreWhitespace();
    if (t.tok !== 'EOF') throw unexpected(t, ['EOF']);
    return e;
  }
}

const LANGUAGE: Tree = tree(
  ['SELECT', (p) => p.parseSelectStatement('optional')],
  ['DELETE', (p) => p.parseDeleteStatement()],
  [
    'SHOW',
    tree(
      ['CONTINUOUS', tree(['QUERIES', () => ({ kind: 'ShowContinuousQueriesStatement' })])],
      ['DATABASES', () => ({ kind: 'ShowDatabasesStatement' })],
      ['DIAGNOSTICS', (p) => ({ kind: 'ShowDiagnosticsStatement', module: p.parseOptionalModule() })],
      [
        'FIELD',
        tree(
          ['KEY', (p) => p.parseShowFieldKeyCardinality()],
          ['KEYS', (p) => p.parseShowFieldKeysStatement()],
        ),
      ],
      ['GRANTS', tree(['FOR', (p) => ({ kind: 'ShowGrantsForUserStatement', name: p.parseIdent() })])],
      [
        'MEASUREMENT',
        tree(
          ['EXACT', (p) => p.parseShowMeasurementCardinality(true)],
          ['CARDINALITY', (p) => p.parseShowMeasurementCardinality(false)],
        ),
      ],
      ['MEASUREMENTS', (p) => p.parseShowMeasurementsStatement()],
      ['QUERIES', () => ({ kind: 'ShowQueriesStatement' })],
      ['RETENTION', tree(['POLICIES', (p) => ({ kind: 'ShowRetentionPoliciesStatement', database: p.parseOptionalOn() })])],
      ['SERIES', (p) => p.parseShowSeriesStatement()],
      ['SHARD', tree(['GROUPS', () => ({ kind: 'ShowShardGroupsStatement' })])],
      ['SHARDS', () => ({ kind: 'ShowShardsStatement' })],
      ['STATS', (p) => ({ kind: 'ShowStatsStatement', module: p.parseOptionalModule() })],
      ['SUBSCRIPTIONS', () => ({ kind: 'ShowSubscriptionsStatement' })],
      [
        'TAG',
        tree(
          ['KEY', (p) => p.parseShowTagKeyCardinality()],
          ['KEYS', (p) => p.parseShowTagKeysStatement()],
          ['VALUES', (p) => p.parseShowTagValuesStatement()],
        ),
      ],
      ['USERS', () => ({ kind: 'ShowUsersStatement' })],
    ),
  ],
  [
    'CREATE',
    tree(
      ['CONTINUOUS', tree(['QUERY', (p) => p.parseCreateContinuousQueryStatement()])],
      ['DATABASE', (p) => p.parseCreateDatabaseStatement()],
      ['USER', (p) => p.parseCreateUserStatement()],
      ['RETENTION', tree(['POLICY', (p) => p.parseCreateRetentionPolicyStatement()])],
      ['SUBSCRIPTION', (p) => p.parseSubscription(true)],
    ),
  ],
  [
    'DROP',
    tree(
      [
        'CONTINUOUS',
        tree([
          'QUERY',
          (p) => {
            const [name, database] = p.parseNameOnDatabase();
            return { kind: 'DropContinuousQueryStatement', name, database };
          },
        ]),
      ],
      ['DATABASE', (p) => ({ kind: 'DropDatabaseStatement', name: p.parseIdent() })],
      ['MEASUREMENT', (p) => ({ kind: 'DropMeasurementStatement', name: p.parseIdent() })],
      [
        'RETENTION',
        tree([
          'POLICY',
          (p) => {
            const [name, database] = p.parseNameOnDatabase();
            return { kind: 'DropRetentionPolicyStatement', name, database };
          },
        ]),
      ],
      ['SERIES', (p) => p.parseDropSeriesStatement()],
      ['SHARD', (p) => p.parseDropShardStatement()],
      ['SUBSCRIPTION', (p) => p.parseSubscription(false)],
      ['USER', (p) => ({ kind: 'DropUserStatement', name: p.parseIdent() })],
    ),
  ],
  ['EXPLAIN', (p) => p.parseExplainStatement()],
  ['GRANT', (p) => p.parseGrantOrRevoke(true)],
  ['REVOKE', (p) => p.parseGrantOrRevoke(false)],
  ['ALTER', tree(['RETENTION', tree(['POLICY', (p) => p.parseAlterRetentionPolicyStatement()])])],
  ['SET', tree(['PASSWORD', tree(['FOR', (p) => p.parseSetPasswordStatement()])])],
  ['KILL', tree(['QUERY', (p) => p.parseKillQueryStatement()])],
);

/** Parses `;`-separated statements. Throws ParseError with InfluxDB's wording. */
export function parseQuery(text: string, options: ParseOptions = {}): Statement[] {
  return new Parser(text, options).parseQuery();
}

/** Parses exactly one statement (a trailing `;` is allowed). */
export function parseStatement(text: string, options: ParseOptions = {}): Statement {
  const p = new Parser(text, options);
  const stmt = p.parseStatement();
  for (;;) {
    const t = p.scanIgnoreWhitespace();
    if (t.tok === 'EOF') return stmt;
    if (t.tok !== ';') throw unexpected(t, [';']);
  }
}

/** Parses one expression, which must be all of the text. */
export function parseExpr(text: string, options: ParseOptions = {}): Expr {
  return new Parser(text, options).parseStandaloneExpr();
}
