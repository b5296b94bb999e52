// Planning a SELECT: InfluxDB's compile step (what may be combined with what, with its error
// messages), the time range and GROUP BY interval, wildcard expansion against the sources'
// schema, the output columns, and one CallSpec per function call describing the pipeline that
// computes it (read → aggregate per bucket → fill → transformations).

import type { Call, Dimension, Expr, Field, FillOption, RegexLiteral, SelectStatement, VarRef } from '../../ast.js';
import { formatExpr } from '../../format.js';
import { reduce } from '../../reduce.js';
import { MAX_TIME_NS, MIN_TIME_NS, timeRange } from '../../time-range.js';
import { isTimeString, parseTimeString } from '../../time-literal.js';
import { formatDuration } from '../../duration.js';
import { FieldType } from '@shoal/lineproto';
import { QueryError } from '../errors.js';
import { regexOf, regexTest } from '../eval.js';
import { isMathFunction, mathArity } from '../math.js';
import { compareStrings } from '../result.js';
import { zoneOffsetNs } from '../zone.js';

export interface Interval {
  /** 0n: no GROUP BY time. */
  readonly durationNs: bigint;
  readonly offsetNs: bigint;
  /** The IANA zone of TZ('...'): buckets align to its wall clock. */
  readonly location: string | null;
}

export type AggName =
  | 'count'
  | 'sum'
  | 'mean'
  | 'median'
  | 'mode'
  | 'spread'
  | 'stddev'
  | 'min'
  | 'max'
  | 'first'
  | 'last'
  | 'percentile'
  | 'distinct'
  | 'top'
  | 'bottom';

export type TransformName =
  | 'derivative'
  | 'non_negative_derivative'
  | 'difference'
  | 'non_negative_difference'
  | 'moving_average'
  | 'cumulative_sum'
  | 'elapsed'
  | 'integral';

export interface AggSpec {
  readonly name: AggName;
  /** count(distinct(x)). */
  readonly countDistinct: boolean;
  /** percentile's second argument. */
  readonly percentile: number;
  /** top/bottom's limit. */
  readonly n: number;
  /** top/bottom's tag or field arguments between the field and the limit. */
  readonly extraRefs: readonly VarRef[];
}

export interface TransformSpec {
  readonly name: TransformName;
  /** derivative and elapsed: the unit; moving_average: unused. */
  readonly unitNs: bigint;
  /** moving_average's window. */
  readonly n: number;
}

/** How one function call of the SELECT is computed. */
export interface CallSpec {
  /** The call as text: identical calls share one pipeline (InfluxDB's symbol table does the same). */
  readonly key: string;
  /** The aggregate at the bottom of the chain; null for transformations of raw points. */
  readonly agg: AggSpec | null;
  /** The field the call reads. */
  readonly field: VarRef;
  /** Transformations, innermost first. */
  readonly transforms: readonly TransformSpec[];
  /** Values carried with each selected point (a lone selector's companions, top/bottom's arguments). */
  readonly auxRefs: readonly VarRef[];
  /** The selector reports its point's time rather than its bucket's. */
  readonly pointTime: boolean;
  /** Fill applies to the aggregate (GROUP BY time, and not top/bottom/distinct). */
  readonly fill: boolean;
  /** The range this call reads: the statement's, widened for transformations that need earlier buckets. */
  readonly minNs: bigint;
  readonly maxNs: bigint;
}

export interface Dimensions {
  readonly tags: readonly string[];
  readonly wildcard: boolean;
  readonly regexes: readonly RegexLiteral[];
}

export interface CompiledSelect {
  readonly stmt: SelectStatement;
  /** The fields without `time`, constants folded. */
  fields: Field[];
  readonly timeAlias: string;
  /** The WHERE condition without its time comparisons. */
  readonly condition: Expr | null;
  /** The time range, with InfluxDB's defaults applied (now() ends a GROUP BY time query). */
  readonly minNs: bigint;
  readonly maxNs: bigint;
  readonly interval: Interval;
  readonly dims: Dimensions;
  readonly ascending: boolean;
  readonly fill: FillOption;
  readonly fillValue: number | bigint | null;
  /** Extra buckets before the range that derivative() and friends need. */
  readonly extraIntervals: number;
  readonly limit: number;
  readonly offset: number;
  readonly slimit: number;
  readonly soffset: number;
  /** Set for subqueries that inherited their parent's interval. */
  readonly inheritedInterval: boolean;
}

/** Go's zero time (0001-01-01) is this many ns before the Unix epoch. */
const GO_ZERO_TIME_OFFSET_NS = 62_135_596_800n * 1_000_000_000n;

const SELECTORS = new Set(['first', 'last', 'min', 'max', 'percentile', 'sample', 'top', 'bottom']);
const AGGREGATES = new Set(['count', 'sum', 'mean', 'median', 'mode', 'stddev', 'spread']);
const TRANSFORMS = new Set<string>([
  'derivative',
  'non_negative_derivative',
  'difference',
  'non_negative_difference',
  'moving_average',
  'cumulative_sum',
  'elapsed',
]);

export const isSelector = (c: Call): boolean => SELECTORS.has(c.name);

function fail(message: string): never {
  throw new QueryError(message);
}

/** Go's %T of an argument, as some of InfluxDB's messages print it. */
function goType(e: Expr): string {
  return `*influxql.${e.kind}`;
}

/** Go's `%` on int64: the sign follows the dividend. */
function goMod(a: bigint, b: bigint): bigint {
  return a % b;
}

// ---------------------------------------------------------------- compile

interface CompileState {
  calls: Call[];
  onlySelectors: boolean;
  hasDistinct: boolean;
  topBottom: string;
  hasAux: boolean;
  extraIntervals: number;
  interval: bigint;
  inheritedInterval: boolean;
  limit: number;
}

function compileField(expr: Expr, st: CompileState, allowWildcard: { v: boolean }): void {
  switch (expr.kind) {
    case 'VarRef':
      st.hasAux = true;
      return;
    case 'Wildcard':
      st.hasAux = true;
      if (!allowWildcard.v) fail('unable to use wildcard in a binary expression');
      return;
    case 'RegexLiteral':
      if (!allowWildcard.v) fail('unable to use regex in a binary expression');
      st.hasAux = true;
      return;
    case 'Call':
      if (isMathFunction(expr.name)) {
        // Math functions are row functions: their arguments are compiled, the call itself is not one.
        const n = mathArity(expr.name);
        if (expr.args.length !== n) fail(`invalid number of arguments for ${expr.name}, expected ${n}, got ${expr.args.length}`);
        for (const a of expr.args) if (!isLiteral(a)) compileField(a, st, allowWildcard);
        return;
      }
      st.calls.push(expr);
      compileCall(expr, st, allowWildcard);
      return;
    case 'Distinct': {
      const call: Call = { kind: 'Call', name: 'distinct', args: [{ kind: 'VarRef', name: expr.name, dataType: 'unknown' }] };
      st.calls.push(call);
      compileDistinct(call.args, false, st);
      return;
    }
    case 'BinaryExpr': {
      allowWildcard.v = false;
      const lit = (e: Expr): boolean => isLiteral(e);
      if (lit(expr.lhs)) {
        if (lit(expr.rhs)) fail('cannot perform a binary expression on two literals');
        compileField(expr.rhs, st, allowWildcard);
      } else if (lit(expr.rhs)) {
        compileField(expr.lhs, st, allowWildcard);
      } else {
        compileField(expr.lhs, st, allowWildcard);
        compileField(expr.rhs, st, allowWildcard);
      }
      return;
    }
    case 'ParenExpr':
      compileField(expr.expr, st, allowWildcard);
      return;
    default:
      if (isLiteral(expr)) fail('field must contain at least one variable');
      fail('unimplemented');
  }
}

function isLiteral(e: Expr): boolean {
  switch (e.kind) {
    case 'NumberLiteral':
    case 'IntegerLiteral':
    case 'UnsignedLiteral':
    case 'StringLiteral':
    case 'BooleanLiteral':
    case 'DurationLiteral':
    case 'TimeLiteral':
    case 'NilLiteral':
    case 'ListLiteral':
    case 'BoundParameter':
      return true;
    default:
      return false;
  }
}

function compileSymbol(name: string, arg: Expr, st: CompileState, allowWildcard: { v: boolean }): void {
  switch (arg.kind) {
    case 'VarRef':
      return;
    case 'Wildcard':
      if (!allowWildcard.v) fail(`unsupported expression with wildcard: ${name}()`);
      st.onlySelectors = false;
      return;
    case 'RegexLiteral':
      if (!allowWildcard.v) fail(`unsupported expression with regex field: ${name}()`);
      st.onlySelectors = false;
      return;
    default:
      fail(`expected field argument in ${name}()`);
  }
}

function compileDistinct(args: Expr[], nested: boolean, st: CompileState): void {
  if (args.length === 0) fail('distinct function requires at least one argument');
  if (args.length !== 1) fail('distinct function can only have one argument');
  if (args[0]!.kind !== 'VarRef') fail('expected field argument in distinct()');
  if (!nested) st.hasDistinct = true;
  st.onlySelectors = false;
}

function compileNested(arg: Expr, st: CompileState, allowWildcard: { v: boolean }): void {
  if (arg.kind === 'Call' && arg.name === 'distinct') return compileDistinct(arg.args, true, st);
  if (arg.kind === 'Distinct') return compileDistinct([{ kind: 'VarRef', name: arg.name, dataType: 'unknown' }], true, st);
  // As InfluxDB's compileNestedExpr: a nested call counts among the statement's function calls.
  compileField(arg, st, allowWildcard);
}

function compileTransform(c: Call, st: CompileState, allowWildcard: { v: boolean }): void {
  const name = c.name;
  const args = c.args;
  switch (name) {
    case 'derivative':
    case 'non_negative_derivative':
    case 'elapsed': {
      if (args.length < 1 || args.length > 2) {
        fail(`invalid number of arguments for ${name}, expected at least 1 but no more than 2, got ${args.length}`);
      }
      if (args.length === 2) {
        const a1 = args[1]!;
        if (a1.kind !== 'DurationLiteral') fail(`second argument to ${name} must be a duration, got ${goType(a1)}`);
        if (a1.value <= 0n) fail(`duration argument must be positive, got ${formatDuration(a1.value)}`);
      }
      break;
    }
    case 'difference':
    case 'non_negative_difference':
    case 'cumulative_sum':
      if (args.length !== 1) fail(`invalid number of arguments for ${name}, expected 1, got ${args.length}`);
      break;
    case 'moving_average': {
      if (args.length !== 2) fail(`invalid number of arguments for moving_average, expected 2, got ${args.length}`);
      const a1 = args[1]!;
      if (a1.kind !== 'IntegerLiteral') fail(`second argument for moving_average must be an integer, got ${goType(a1)}`);
      if (a1.value <= 1n) fail(`moving_average window must be greater than 1, got ${a1.value}`);
      if (st.extraIntervals < Number(a1.value)) st.extraIntervals = Number(a1.value);
      break;
    }
  }
  st.onlySelectors = false;
  if (st.extraIntervals < 1) st.extraIntervals = 1;
  const a0 = args[0]!;
  if (a0.kind === 'Call') {
    if (st.interval === 0n) fail(`${name} aggregate requires a GROUP BY interval`);
    compileNested(a0, st, allowWildcard);
  } else {
    if (st.interval !== 0n && !st.inheritedInterval) fail(`aggregate function required inside the call to ${name}`);
    compileSymbol(name, a0, st, allowWildcard);
  }
}

function compileCall(c: Call, st: CompileState, allowWildcard: { v: boolean }): void {
  if (TRANSFORMS.has(c.name)) return compileTransform(c, st, allowWildcard);
  switch (c.name) {
    case 'percentile': {
      if (c.args.length !== 2) fail(`invalid number of arguments for percentile, expected 2, got ${c.args.length}`);
      const a1 = c.args[1]!;
      if (a1.kind !== 'IntegerLiteral' && a1.kind !== 'NumberLiteral') fail('expected float argument in percentile()');
      return compileSymbol('percentile', c.args[0]!, st, allowWildcard);
    }
    case 'distinct':
      return compileDistinct(c.args, false, st);
    case 'integral':
      return compileIntegral(c, st, allowWildcard);
    case 'top':
    case 'bottom':
      return compileTopBottom(c, st);
    default:
      break;
  }
  if (SELECTORS.has(c.name) && c.name !== 'sample') {
    // max, min, first, last
  } else if (AGGREGATES.has(c.name)) {
    st.onlySelectors = false;
  } else {
    fail(`undefined function ${c.name}()`);
  }
  if (c.args.length !== 1) fail(`invalid number of arguments for ${c.name}, expected 1, got ${c.args.length}`);
  if (c.name === 'count') {
    const a0 = c.args[0]!;
    if (a0.kind === 'Call' && a0.name === 'distinct') return compileDistinct(a0.args, true, st);
    if (a0.kind === 'Distinct') return compileDistinct([{ kind: 'VarRef', name: a0.name, dataType: 'unknown' }], true, st);
  }
  compileSymbol(c.name, c.args[0]!, st, allowWildcard);
}

function compileIntegral(c: Call, st: CompileState, allowWildcard: { v: boolean }): void {
  const args = c.args;
  if (args.length < 1 || args.length > 2) fail(`invalid number of arguments for integral, expected at least 1 but no more than 2, got ${args.length}`);
  if (args.length === 2) {
    const a1 = args[1]!;
    if (a1.kind !== 'DurationLiteral') fail('second argument must be a duration');
    if (a1.value <= 0n) fail(`duration argument must be positive, got ${formatDuration(a1.value)}`);
  }
  st.onlySelectors = false;
  compileSymbol('integral', args[0]!, st, allowWildcard);
}

function compileTopBottom(c: Call, st: CompileState): void {
  if (st.topBottom !== '') fail(`selector function ${st.topBottom}() cannot be combined with other functions`);
  if (c.args.length < 2) fail(`invalid number of arguments for ${c.name}, expected at least 2, got ${c.args.length}`);
  const last = c.args[c.args.length - 1]!;
  if (last.kind !== 'IntegerLiteral') fail(`expected integer as last argument in ${c.name}(), found ${formatExpr(last)}`);
  if (last.value <= 0n) fail(`limit (${last.value}) in ${c.name} function must be at least 1`);
  if (st.limit > 0 && last.value > BigInt(st.limit)) {
    fail(`limit (${last.value}) in ${c.name} function can not be larger than the LIMIT (${st.limit}) in the select statement`);
  }
  if (c.args[0]!.kind !== 'VarRef') fail(`expected first argument to be a field in ${c.name}(), found ${formatExpr(c.args[0]!)}`);
  for (const a of c.args.slice(1, -1)) {
    if (a.kind !== 'VarRef') fail(`only fields or tags are allowed in ${c.name}(), found ${formatExpr(a)}`);
    // Each listed argument is also a column: an auxiliary field.
    st.hasAux = true;
  }
  st.topBottom = c.name;
}

// ---------------------------------------------------------------- dimensions

interface DimsResult {
  dims: Dimensions;
  interval: Interval;
}

function compileDimensions(stmt: SelectStatement, nowNs: bigint): DimsResult {
  const tags: string[] = [];
  const regexes: RegexLiteral[] = [];
  let wildcard = false;
  let durationNs = 0n;
  let offsetNs = 0n;
  for (const d of stmt.dimensions as Dimension[]) {
    const expr = reduce(d.expr);
    switch (expr.kind) {
      case 'VarRef':
        if (expr.name.toLowerCase() === 'time') fail('time() is a function and expects at least one argument');
        tags.push(expr.name);
        break;
      case 'Call': {
        if (expr.name !== 'time') fail('only time() calls allowed in dimensions');
        if (expr.args.length < 1 || expr.args.length > 2) fail('time dimension expected 1 or 2 arguments');
        const lit = expr.args[0]!;
        if (lit.kind !== 'DurationLiteral') fail('time dimension must have duration argument');
        if (durationNs !== 0n) fail('multiple time dimensions not allowed');
        durationNs = lit.value;
        if (durationNs <= 0n) fail('time dimension must have duration argument');
        if (expr.args.length === 2) {
          const off = expr.args[1]!;
          // Go's Time.Truncate counts from year 1, not from the Unix epoch.
          const truncOffset = (t: bigint): bigint => {
            let r = (t + GO_ZERO_TIME_OFFSET_NS) % durationNs;
            if (r < 0n) r += durationNs;
            return r;
          };
          if (off.kind === 'DurationLiteral') offsetNs = goMod(off.value, durationNs);
          else if (off.kind === 'TimeLiteral') offsetNs = truncOffset(off.value);
          else if (off.kind === 'Call') {
            if (off.name !== 'now') fail('time dimension offset function must be now()');
            if (off.args.length !== 0) fail('time dimension offset now() function requires no arguments');
            offsetNs = truncOffset(nowNs);
          } else if (off.kind === 'StringLiteral' && isTimeString(off.value)) {
            offsetNs = truncOffset(parseTimeString(off.value, stmt.location));
          } else fail('time dimension offset must be duration or now()');
        }
        break;
      }
      case 'Wildcard':
        wildcard = true;
        break;
      case 'RegexLiteral':
        regexes.push(expr);
        break;
      default:
        fail('only time and tag dimensions allowed');
    }
  }
  return { dims: { tags, wildcard, regexes }, interval: { durationNs, offsetNs, location: stmt.location } };
}

// ---------------------------------------------------------------- condition

function validateCondition(e: Expr | null): void {
  if (e === null) return;
  switch (e.kind) {
    case 'BinaryExpr':
      validateCondition(e.lhs);
      validateCondition(e.rhs);
      return;
    case 'ParenExpr':
      validateCondition(e.expr);
      return;
    case 'Call': {
      if (!isMathFunction(e.name)) fail(`invalid function call in condition: ${formatExpr(e)}`);
      // InfluxDB's own arity table for conditions (it leaves log() out).
      const n = e.name === 'atan2' || e.name === 'pow' ? 2 : 1;
      if (e.args.length !== n) fail(`invalid number of arguments for ${e.name}, expected ${n}, got ${e.args.length}`);
      for (const a of e.args) validateCondition(a);
      return;
    }
    default:
      return;
  }
}

export interface CompileOptions {
  readonly nowNs: bigint;
  /** A parent's time range to intersect with (subqueries). */
  readonly parent?: CompiledSelect;
}

/** InfluxDB's Compile for one SELECT (and, with `parent`, for a subquery). */
export function compileSelect(stmt: SelectStatement, opts: CompileOptions): CompiledSelect {
  const tr = timeRange(stmt.condition, opts.nowNs, { location: stmt.location });
  validateCondition(tr.condition);
  const { dims, interval: ownInterval } = compileDimensions(stmt, opts.nowNs);
  const parent = opts.parent;
  let interval = ownInterval;
  let inheritedInterval = false;
  if (parent !== undefined && parent.interval.durationNs !== 0n && interval.durationNs === 0n) {
    interval = parent.interval;
    inheritedInterval = true;
  }
  let minNs = tr.minNs;
  let maxNs = tr.hasMax ? tr.maxNs : interval.durationNs !== 0n && !inheritedInterval ? opts.nowNs : MAX_TIME_NS;
  if (parent !== undefined) {
    if (parent.minNs > minNs) minNs = parent.minNs;
    if (parent.maxNs < maxNs) maxNs = parent.maxNs;
  }
  const ascending = stmt.sortFields.length === 0 || stmt.sortFields[0]!.ascending;
  if (parent !== undefined && stmt.sortFields.length !== 0 && ascending !== parent.ascending) {
    fail('subqueries must be ordered in the same direction as the query itself');
  }

  const st: CompileState = {
    calls: [],
    onlySelectors: true,
    hasDistinct: false,
    topBottom: '',
    hasAux: false,
    extraIntervals: 0,
    interval: interval.durationNs,
    inheritedInterval,
    limit: Number(stmt.limit),
  };
  let timeAlias = 'time';
  const fields: Field[] = [];
  for (const f of stmt.fields) {
    if (f.expr.kind === 'VarRef' && f.expr.name === 'time') {
      if (f.alias !== '') timeAlias = f.alias;
      continue;
    }
    const expr = reduce(f.expr);
    fields.push({ kind: 'Field', expr, alias: f.alias });
    compileField(expr, st, { v: true });
  }
  // validateFields
  if (fields.length === 0) fail('at least 1 non-time field must be queried');
  if (st.calls.length > 1 && st.topBottom !== '') fail(`selector function ${st.topBottom}() cannot be combined with other functions`);
  if (st.calls.length === 0) {
    if (stmt.fill === 'none') fail('fill(none) must be used with a function');
    if (stmt.fill === 'linear') fail('fill(linear) must be used with a function');
    if (interval.durationNs !== 0n && !inheritedInterval) fail('GROUP BY requires at least one aggregate function');
  }
  if (st.hasDistinct && (st.calls.length !== 1 || st.hasAux)) fail('aggregate function distinct() cannot be combined with other functions or fields');
  if (st.hasAux) {
    if (!st.onlySelectors) fail('mixing aggregate and non-aggregate queries is not supported');
    if (st.calls.length > 1) fail('mixing multiple selector functions with tags or fields is not supported');
  }
  let fill = stmt.fill;
  if (parent !== undefined && interval.durationNs !== 0n && fill === 'null') fill = 'none';
  // Null values are not written: InfluxDB does not fill for a SELECT INTO.
  if (stmt.target !== null && fill === 'null') fill = 'none';
  return {
    stmt,
    fields,
    timeAlias,
    condition: tr.condition,
    minNs,
    maxNs,
    interval,
    dims,
    ascending,
    fill,
    fillValue: stmt.fillValue,
    extraIntervals: st.extraIntervals,
    limit: Number(stmt.limit),
    offset: Number(stmt.offset),
    slimit: Number(stmt.slimit),
    soffset: Number(stmt.soffset),
    inheritedInterval,
  };
}

// ---------------------------------------------------------------- wildcards and columns

/** The fields and tag keys a statement's sources offer, for wildcard expansion. */
export interface SourceSchema {
  readonly fields: ReadonlyMap<string, FieldType>;
  readonly tagKeys: ReadonlySet<string>;
}

const NUMERIC = new Set<FieldType>([FieldType.Float, FieldType.Integer, FieldType.Unsigned]);
const ALL_TYPES = new Set<FieldType>([FieldType.Float, FieldType.Integer, FieldType.Unsigned, FieldType.String, FieldType.Boolean]);

function typesFor(call: string): ReadonlySet<FieldType> {
  switch (call) {
    case 'count':
    case 'first':
    case 'last':
    case 'distinct':
    case 'elapsed':
    case 'mode':
    case 'sample':
      return ALL_TYPES;
    case 'min':
    case 'max':
      return new Set([FieldType.Float, FieldType.Integer, FieldType.Unsigned, FieldType.Boolean]);
    default:
      return NUMERIC;
  }
}

const DATA_TYPE_NAMES: Record<number, 'float' | 'integer' | 'unsigned' | 'boolean' | 'string'> = {
  [FieldType.Float]: 'float',
  [FieldType.Integer]: 'integer',
  [FieldType.Unsigned]: 'unsigned',
  [FieldType.Boolean]: 'boolean',
  [FieldType.String]: 'string',
};

/** InfluxDB's RewriteFields: `*`, `*::field`, `*::tag`, `/regex/` and `f(*)` become the fields and tags they stand for. */
export function expandFields(c: CompiledSelect, schema: SourceSchema, dimTags: ReadonlySet<string>): void {
  const fieldNames = [...schema.fields.keys()].sort(compareStrings);
  const tagNames = [...schema.tagKeys].filter((t) => !dimTags.has(t)).sort(compareStrings);
  const out: Field[] = [];
  const refsFor = (only: 'field' | 'tag' | null, re: RegexLiteral | null): VarRef[] => {
    const refs: VarRef[] = [];
    if (only !== 'tag') {
      for (const f of fieldNames) if (re === null || regexTest(regexOf(re), f)) refs.push({ kind: 'VarRef', name: f, dataType: DATA_TYPE_NAMES[schema.fields.get(f)!]! });
    }
    if (only !== 'field') {
      for (const t of tagNames) if (re === null || regexTest(regexOf(re), t)) refs.push({ kind: 'VarRef', name: t, dataType: 'tag' });
    }
    return refs.sort((a, b) => compareStrings(a.name, b.name));
  };
  for (const f of c.fields) {
    const e = f.expr;
    if (e.kind === 'Wildcard') {
      for (const r of refsFor(e.only, null)) out.push({ kind: 'Field', expr: r, alias: '' });
    } else if (e.kind === 'RegexLiteral') {
      for (const r of refsFor(null, e)) out.push({ kind: 'Field', expr: r, alias: '' });
    } else if (e.kind === 'Call' && !isMathFunction(e.name) && e.args.length > 0 && (e.args[0]!.kind === 'Wildcard' || e.args[0]!.kind === 'RegexLiteral')) {
      const a0 = e.args[0]!;
      const supported = typesFor(e.name);
      for (const name of fieldNames) {
        if (a0.kind === 'RegexLiteral' && !regexTest(regexOf(a0), name)) continue;
        if (!supported.has(schema.fields.get(name)!)) continue;
        const ref: VarRef = { kind: 'VarRef', name, dataType: 'unknown' };
        out.push({ kind: 'Field', expr: { kind: 'Call', name: e.name, args: [ref, ...e.args.slice(1)] }, alias: `${e.name}_${name}` });
      }
    } else {
      out.push(f);
    }
  }
  c.fields = out;
}

/** Field.Name(): the alias, the call's name, the identifier, or a binary expression's names joined by `_`. */
function fieldName(f: Field): string {
  if (f.alias !== '') return f.alias;
  return exprName(f.expr);
}

function exprName(e: Expr): string {
  switch (e.kind) {
    case 'Call':
      return e.name;
    case 'VarRef':
      return e.name;
    case 'ParenExpr':
      return exprName(e.expr);
    case 'BinaryExpr': {
      const names: string[] = [];
      const visit = (x: Expr): void => {
        if (x.kind === 'VarRef') names.push(x.name);
        else if (x.kind === 'Call') names.push(x.name);
        else if (x.kind === 'BinaryExpr') {
          visit(x.lhs);
          visit(x.rhs);
        } else if (x.kind === 'ParenExpr') visit(x.expr);
      };
      visit(e);
      return names.join('_');
    }
    case 'Distinct':
      return 'distinct';
    default:
      return '';
  }
}

/** The output columns: one expression each (top/bottom arguments become their own columns), with InfluxDB's names. */
export function outputColumns(c: CompiledSelect): { names: string[]; exprs: Expr[] } {
  const cols: Field[] = [];
  for (const f of c.fields) {
    cols.push(f);
    // Written into a target, top and bottom do not add their arguments as columns (InfluxDB).
    if (c.stmt.target === null && f.expr.kind === 'Call' && (f.expr.name === 'top' || f.expr.name === 'bottom')) {
      for (const a of f.expr.args.slice(1)) if (a.kind === 'VarRef') cols.push({ kind: 'Field', expr: a, alias: '' });
    }
  }
  const names: string[] = cols.map((f) => f.alias);
  const taken = new Map<string, number>();
  for (const n of names) if (n !== '') taken.set(n, 1);
  for (let i = 0; i < cols.length; i++) {
    if (names[i] !== '') continue;
    let name = fieldName(cols[i]!);
    let count = taken.get(name);
    if (count !== undefined) {
      for (;;) {
        const resolved = `${name}_${count}`;
        if (!taken.has(resolved)) {
          taken.set(name, count + 1);
          name = resolved;
          break;
        }
        count++;
      }
    }
    taken.set(name, (taken.get(name) ?? 0) + 1);
    names[i] = name;
  }
  return { names: [c.timeAlias, ...names], exprs: cols.map((f) => f.expr) };
}

// ---------------------------------------------------------------- calls

/** The top-level function calls of the fields (math between them stays in the fields), deduplicated. */
export function topLevelCalls(fields: readonly Field[]): Call[] {
  const out = new Map<string, Call>();
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'Call':
        if (isMathFunction(e.name)) e.args.forEach(visit);
        else if (!out.has(formatExpr(e))) out.set(formatExpr(e), e);
        return;
      case 'Distinct': {
        const call: Call = { kind: 'Call', name: 'distinct', args: [{ kind: 'VarRef', name: e.name, dataType: 'unknown' }] };
        if (!out.has(formatExpr(call))) out.set(formatExpr(call), call);
        return;
      }
      case 'BinaryExpr':
        visit(e.lhs);
        visit(e.rhs);
        return;
      case 'ParenExpr':
        visit(e.expr);
        return;
      default:
        return;
    }
  };
  for (const f of fields) visit(f.expr);
  return [...out.values()];
}

/** The identifiers the fields read outside of calls (the auxiliary fields), deduplicated. */
export function auxRefsOf(fields: readonly Field[]): VarRef[] {
  const out: VarRef[] = [];
  const add = (r: VarRef): void => {
    if (!out.some((x) => x.name === r.name && x.dataType === r.dataType)) out.push(r);
  };
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'VarRef':
        add(e);
        return;
      case 'Call':
        if (isMathFunction(e.name)) e.args.forEach(visit);
        else if (e.name === 'top' || e.name === 'bottom') for (const a of e.args.slice(1, -1)) if (a.kind === 'VarRef') add(a);
        return;
      case 'BinaryExpr':
        visit(e.lhs);
        visit(e.rhs);
        return;
      case 'ParenExpr':
        visit(e.expr);
        return;
      default:
        return;
    }
  };
  for (const f of fields) visit(f.expr);
  return out;
}

function distinctArg(e: Expr): VarRef | null {
  if (e.kind === 'Call' && e.name === 'distinct' && e.args[0]?.kind === 'VarRef') return e.args[0];
  if (e.kind === 'Distinct') return { kind: 'VarRef', name: e.name, dataType: 'unknown' };
  return null;
}

/** The pipeline of one call. `selector` is true when the call is the statement's only call and a selector. */
export function callSpec(call: Call, c: CompiledSelect, selector: boolean, auxRefs: readonly VarRef[]): CallSpec {
  const transforms: TransformSpec[] = [];
  let cur: Expr = call;
  let extraBefore = 0n;
  // Unwrap transformations from the outside in; InfluxDB widens the range of what they read.
  while (cur.kind === 'Call' && TRANSFORMS.has(cur.name)) {
    const t: Call = cur;
    const name = t.name as TransformName;
    let unitNs = 0n;
    let n = 0;
    if (name === 'derivative' || name === 'non_negative_derivative') {
      unitNs = t.args[1]?.kind === 'DurationLiteral' ? t.args[1].value : c.interval.durationNs !== 0n ? c.interval.durationNs : 1_000_000_000n;
    } else if (name === 'elapsed') {
      unitNs = t.args[1]?.kind === 'DurationLiteral' ? t.args[1].value : 1n;
    } else if (name === 'moving_average') {
      n = Number((t.args[1] as { value: bigint }).value);
    }
    transforms.unshift({ name, unitNs, n });
    if (c.interval.durationNs !== 0n && name !== 'cumulative_sum') {
      extraBefore += name === 'moving_average' ? c.interval.durationNs * BigInt(n - 1) : c.interval.durationNs;
    }
    cur = t.args[0]!;
  }
  if (cur.kind === 'Call' && cur.name === 'integral') {
    // A stream reducer over raw points: the innermost step, in units of its duration (1s by default).
    const unit = cur.args[1];
    transforms.unshift({ name: 'integral', unitNs: unit?.kind === 'DurationLiteral' ? unit.value : 1_000_000_000n, n: 0 });
    cur = cur.args[0]!;
  }
  let minNs = c.minNs;
  let maxNs = c.maxNs;
  if (extraBefore > 0n) {
    if (c.ascending) minNs = minNs - extraBefore < MIN_TIME_NS ? MIN_TIME_NS : minNs - extraBefore;
    else maxNs = maxNs + extraBefore > MAX_TIME_NS ? MAX_TIME_NS : maxNs + extraBefore;
  }
  if (cur.kind === 'VarRef') {
    return { key: formatExpr(call), agg: null, field: cur, transforms, auxRefs: [], pointTime: true, fill: false, minNs, maxNs };
  }
  const inner = cur as Call;
  const name = inner.name as AggName;
  let field: VarRef;
  let countDistinct = false;
  let percentile = 0;
  let n = 0;
  let extraRefs: VarRef[] = [];
  if (name === 'count' && distinctArg(inner.args[0]!) !== null) {
    countDistinct = true;
    field = distinctArg(inner.args[0]!)!;
  } else {
    field = inner.args[0] as VarRef;
  }
  if (name === 'percentile') {
    const a1 = inner.args[1]!;
    percentile = a1.kind === 'NumberLiteral' ? a1.value : Number((a1 as { value: bigint }).value);
  }
  if (name === 'top' || name === 'bottom') {
    n = Number((inner.args[inner.args.length - 1] as { value: bigint }).value);
    extraRefs = inner.args.slice(1, -1) as VarRef[];
  }
  const isTopBottom = name === 'top' || name === 'bottom';
  // A lone selector without GROUP BY time keeps its point's time; top and bottom always do.
  const pointTime = isTopBottom || (selector && transforms.length === 0 && c.interval.durationNs === 0n);
  return {
    key: formatExpr(call),
    agg: { name, countDistinct, percentile, n, extraRefs },
    field,
    transforms,
    // top/bottom carry their own arguments first (tags among them group the points), then the
    // statement's other fields and tags.
    auxRefs: isTopBottom ? [...extraRefs, ...auxRefs.filter((r) => !extraRefs.some((e) => e.name === r.name && e.dataType === r.dataType))] : selector ? auxRefs : [],
    pointTime,
    fill: c.interval.durationNs !== 0n && c.fill !== 'none' && !isTopBottom && name !== 'distinct',
    minNs,
    maxNs,
  };
}

/** InfluxDB's max-select-buckets check, on the statement's own range. */
export function bucketCount(c: CompiledSelect): bigint {
  if (c.interval.durationNs === 0n || c.minNs === MIN_TIME_NS) return 0n;
  const first = windowStart(c.minNs, c.interval);
  const last = windowStart(c.maxNs - 1n, c.interval);
  return (last - first + c.interval.durationNs) / c.interval.durationNs;
}

/** The start of the GROUP BY time bucket holding `t`. */
export function windowStart(t: bigint, iv: Interval): bigint {
  return window(t, iv)[0];
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v);

/**
 * The GROUP BY time bucket [start, end) holding `t`: InfluxDB's IteratorOptions.Window. In a time
 * zone, buckets follow the wall clock, so a day across a daylight-saving change lasts 23 or 25 hours.
 */
export function window(t: bigint, iv: Interval): [bigint, bigint] {
  const d = iv.durationNs;
  if (d === 0n) return [t, t + 1n];
  const shifted = t - iv.offsetNs;
  const zone = zoneOffsetNs(iv.location, shifted);
  let dt = (shifted + zone) % d;
  if (dt < 0n) dt += d;
  let start = MIN_TIME_NS + dt >= shifted ? MIN_TIME_NS : shifted - dt;
  start += iv.offsetNs;
  if (iv.location !== null) {
    // Across an offset change the first instant of the bucket has another offset than `t`.
    const o = zone - zoneOffsetNs(iv.location, start);
    if (o !== 0n && abs(o) < d) start += o;
  }
  const rest = d - dt;
  let end = MAX_TIME_NS - rest <= shifted ? MAX_TIME_NS : shifted + rest;
  end += iv.offsetNs;
  if (iv.location !== null) {
    const o = zone - zoneOffsetNs(iv.location, end);
    if (o !== 0n) {
      if (abs(o) < d) end += o;
      else if (o > 0n && end + o > t) end += o;
      else if (o < 0n && end + o <= t) end += o;
    }
  }
  return [start, end];
}
