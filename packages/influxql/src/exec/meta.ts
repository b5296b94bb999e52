// SHOW statements and the statements that change the catalog (databases, retention policies),
// plus the deletes, which go through the optional DeletePort. Output shapes, orders and error
// texts follow InfluxDB 1.8's coordinator.StatementExecutor.

import type {
  AlterRetentionPolicyStatement,
  CreateDatabaseStatement,
  CreateRetentionPolicyStatement,
  DeleteSeriesStatement,
  DropMeasurementStatement,
  DropSeriesStatement,
  Expr,
  Measurement,
  ShowFieldKeysStatement,
  ShowFieldKeyCardinalityStatement,
  ShowMeasurementCardinalityStatement,
  ShowMeasurementsStatement,
  ShowSeriesCardinalityStatement,
  ShowTagKeyCardinalityStatement,
  ShowTagValuesCardinalityStatement,
  ShowRetentionPoliciesStatement,
  ShowSeriesStatement,
  ShowTagKeysStatement,
  ShowTagValuesStatement,
  Source,
  Statement,
  StringLiteral,
  ListLiteral,
  RegexLiteral,
  TagKeyOp,
} from '../ast.js';
import { FIELD_TYPE_NAMES } from '@shoal/lineproto';
import { formatRFC3339 } from '../time-literal.js';
import { MAX_TIME_NS, MIN_TIME_NS, timeRange } from '../time-range.js';
import { hasTimeExpr } from '../walk.js';
import { indexPredicate, seriesCondition } from './condition.js';
import type { StatementContext } from './context.js';
import { ERR_DATABASE_NAME_REQUIRED, ERR_INVALID_NAME, QueryError, databaseNotFound } from './errors.js';
import { regexOf, regexTest } from './eval.js';
import type { DatabaseView, DeletePort, ShardReader, TagPredicate } from './ports.js';
import { compareStrings, type ResultSeries, type Value } from './result.js';
import { mapShards } from './shards.js';

/** What a statement produced; DDL produces nothing. */
export interface StatementOutput {
  readonly series: ResultSeries[];
}

const NOTHING: StatementOutput = { series: [] };

/** Go's time.Duration.String(): `0s`, `1h0m0s`, `168h0m0s`, `1.5s`, `500ms`. */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let v = neg ? -ns : ns;
  let out: string;
  if (v < 1_000_000_000n) {
    const [unit, size] = v < 1_000n ? (['ns', 1n] as const) : v < 1_000_000n ? (['µs', 1_000n] as const) : (['ms', 1_000_000n] as const);
    out = fraction(v, size) + unit;
  } else {
    const h = v / 3_600_000_000_000n;
    v %= 3_600_000_000_000n;
    const m = v / 60_000_000_000n;
    v %= 60_000_000_000n;
    const s = fraction(v, 1_000_000_000n) + 's';
    out = h > 0n ? `${h}h${m}m${s}` : m > 0n ? `${m}m${s}` : s;
  }
  return neg ? '-' + out : out;
}

function fraction(v: bigint, size: bigint): string {
  const whole = v / size;
  const rest = v % size;
  if (rest === 0n) return String(whole);
  const digits = String(size).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** InfluxDB's meta.ValidName: printable, not empty, `.` or `..`, and without slashes. */
export function validName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\]/.test(name) && /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u.test(name);
}

function requireDatabase(ctx: StatementContext, name: string): DatabaseView {
  if (name === '') throw new QueryError(ERR_DATABASE_NAME_REQUIRED);
  const db = ctx.ports.catalog.database(name);
  if (db === undefined) throw databaseNotFound(name);
  return db;
}

function limitOffset<T>(items: T[], limit: bigint, offset: bigint): T[] {
  const off = Number(offset);
  let out = off > 0 ? items.slice(off) : items;
  if (limit > 0n && out.length > Number(limit)) out = out.slice(0, Number(limit));
  return out;
}

// ---------------------------------------------------------------- catalog reads

function showDatabases(ctx: StatementContext): StatementOutput {
  const names = ctx.ports.catalog.databases().map((d) => [d.name] as Value[]);
  return { series: [{ name: 'databases', columns: ['name'], values: names }] };
}

function showRetentionPolicies(stmt: ShowRetentionPoliciesStatement, ctx: StatementContext): StatementOutput {
  const db = requireDatabase(ctx, stmt.database === '' ? ctx.db : stmt.database);
  const values = db.retentionPolicies.map((rp) => [
    rp.name,
    formatGoDuration(rp.durationNs),
    formatGoDuration(rp.shardGroupDurationNs),
    BigInt(rp.replicaN),
    rp.name === db.defaultRetentionPolicy,
  ]);
  return { series: [{ name: '', columns: ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'], values }] };
}

/** Shard groups of a database in its policies' order, each policy's groups by start time. */
function groupsByPolicy(ctx: StatementContext, db: DatabaseView) {
  return db.retentionPolicies.map((rp) => ({ rp, groups: ctx.ports.catalog.shardGroups(db.name, rp.name) }));
}

function showShards(ctx: StatementContext): StatementOutput {
  const series: ResultSeries[] = [];
  for (const db of ctx.ports.catalog.databases()) {
    const values: Value[][] = [];
    for (const { rp, groups } of groupsByPolicy(ctx, db)) {
      for (const g of groups) {
        for (const s of g.shards) {
          values.push([
            BigInt(s.id),
            db.name,
            rp.name,
            BigInt(g.id),
            formatRFC3339(g.startNs),
            formatRFC3339(g.endNs),
            formatRFC3339(g.endNs + rp.durationNs),
            s.owners.join(','),
          ]);
        }
      }
    }
    series.push({
      name: db.name,
      columns: ['id', 'database', 'retention_policy', 'shard_group', 'start_time', 'end_time', 'expiry_time', 'owners'],
      values,
    });
  }
  return { series };
}

function showShardGroups(ctx: StatementContext): StatementOutput {
  const values: Value[][] = [];
  for (const db of ctx.ports.catalog.databases()) {
    for (const { rp, groups } of groupsByPolicy(ctx, db)) {
      for (const g of groups) {
        values.push([BigInt(g.id), db.name, rp.name, formatRFC3339(g.startNs), formatRFC3339(g.endNs), formatRFC3339(g.endNs + rp.durationNs)]);
      }
    }
  }
  return { series: [{ name: 'shard groups', columns: ['id', 'database', 'retention_policy', 'start_time', 'end_time', 'expiry_time'], values }] };
}

// ---------------------------------------------------------------- index reads

/** The shards of a database whose groups overlap the condition's time range, and the rest of the condition. */
function metaShards(ctx: StatementContext, db: string, cond: Expr | null): { shards: ShardReader[]; condition: Expr | null } {
  requireDatabase(ctx, db);
  let minNs = MIN_TIME_NS;
  let maxNs = MAX_TIME_NS;
  let condition = cond;
  if (cond !== null && hasTimeExpr(cond)) {
    const tr = timeRange(cond, ctx.nowNs);
    minNs = tr.minNs;
    maxNs = tr.maxNs;
    condition = tr.condition;
  }
  return { shards: mapShards(ctx.ports, db, undefined, minNs, maxNs).map((m) => m.reader), condition };
}

/** Measurement names the sources select (all when there are none), sorted and distinct. */
function measurementsOf(shards: readonly ShardReader[], sources: readonly Source[]): string[] {
  const names = new Set<string>();
  for (const s of shards) for (const m of s.index.measurements()) names.add(m);
  const all = [...names].sort(compareStrings);
  if (sources.length === 0) return all;
  return all.filter((m) =>
    sources.some((src) => src.kind === 'Measurement' && (src.regex !== null ? regexTest(regexOf(src.regex), m) : src.name === m)),
  );
}

/** In SHOW statements every identifier of a WHERE condition is a tag. */
const allTags = (): boolean => false;

/** Calls `visit` for each series of the measurement matching the (tag-only) condition. */
function forMatchingSeries(
  shards: readonly ShardReader[],
  measurement: string,
  cond: Expr | null,
  visit: (tags: ReadonlyArray<readonly [string, string]>, key: string) => void,
): void {
  const predicate = indexPredicate(cond, allTags);
  if (predicate === null) return;
  for (const shard of shards) {
    for (const id of shard.index.match(measurement, predicate)) {
      const meta = shard.index.getById(id);
      if (meta === undefined) continue;
      if (cond !== null && seriesCondition(cond, meta.tags, allTags) !== true) continue;
      visit(meta.tags, meta.key);
    }
  }
}

function showMeasurements(stmt: ShowMeasurementsStatement, ctx: StatementContext): StatementOutput {
  const db = stmt.database === '' ? ctx.db : stmt.database;
  // InfluxDB 1.6 reads measurements from the store's index, which has nothing for an unknown
  // database: the answer is empty rather than an error (SHOW RETENTION POLICIES does fail).
  if (db !== '' && ctx.ports.catalog.database(db) === undefined) return NOTHING;
  const { shards, condition } = metaShards(ctx, db, stmt.condition);
  let names = measurementsOf(shards, stmt.source === null ? [] : [stmt.source]);
  if (condition !== null) {
    names = names.filter((m) => {
      let found = false;
      forMatchingSeries(shards, m, condition, () => {
        found = true;
      });
      return found;
    });
  }
  names = limitOffset(names, stmt.limit, stmt.offset);
  if (names.length === 0) return NOTHING;
  return { series: [{ name: 'measurements', columns: ['name'], values: names.map((n) => [n]) }] };
}

/** Whether a tag key passes a `WITH KEY` clause. */
function keyMatches(key: string, op: TagKeyOp | null, expr: StringLiteral | ListLiteral | RegexLiteral | null): boolean {
  if (op === null || expr === null) return true;
  switch (op) {
    case '=':
      return expr.kind === 'StringLiteral' && key === expr.value;
    case '!=':
      return expr.kind === 'StringLiteral' && key !== expr.value;
    case '=~':
      return expr.kind === 'RegexLiteral' && regexTest(regexOf(expr), key);
    case '!~':
      return expr.kind === 'RegexLiteral' && !regexTest(regexOf(expr), key);
    case 'IN':
      return expr.kind === 'ListLiteral' && expr.values.includes(key);
  }
}

function showTagKeys(stmt: ShowTagKeysStatement, ctx: StatementContext): StatementOutput {
  const { shards, condition } = metaShards(ctx, stmt.database === '' ? ctx.db : stmt.database, stmt.condition);
  const series: ResultSeries[] = [];
  for (const m of measurementsOf(shards, stmt.sources)) {
    const keys = new Set<string>();
    if (condition === null) {
      for (const s of shards) for (const k of s.index.tagKeys(m)) keys.add(k);
    } else {
      forMatchingSeries(shards, m, condition, (tags) => {
        for (const [k] of tags) keys.add(k);
      });
    }
    const sorted = [...keys].filter((k) => keyMatches(k, stmt.tagKeyOp, stmt.tagKeyExpr)).sort(compareStrings);
    const page = limitOffset(sorted, stmt.limit, stmt.offset);
    if (page.length === 0) continue;
    series.push({ name: m, columns: ['tagKey'], values: page.map((k) => [k]) });
  }
  return { series: limitOffset(series, stmt.slimit, stmt.soffset) };
}

function showTagValues(stmt: ShowTagValuesStatement, ctx: StatementContext): StatementOutput {
  const { shards, condition } = metaShards(ctx, stmt.database === '' ? ctx.db : stmt.database, stmt.condition);
  const series: ResultSeries[] = [];
  for (const m of measurementsOf(shards, stmt.sources)) {
    const pairs = new Map<string, Set<string>>();
    const add = (k: string, v: string): void => {
      let set = pairs.get(k);
      if (set === undefined) pairs.set(k, (set = new Set()));
      set.add(v);
    };
    if (condition === null) {
      for (const s of shards) {
        for (const k of s.index.tagKeys(m)) {
          if (!keyMatches(k, stmt.op, stmt.tagKeyExpr)) continue;
          for (const v of s.index.tagValues(m, k)) add(k, v);
        }
      }
    } else {
      forMatchingSeries(shards, m, condition, (tags) => {
        for (const [k, v] of tags) if (keyMatches(k, stmt.op, stmt.tagKeyExpr)) add(k, v);
      });
    }
    const values: Value[][] = [];
    for (const k of [...pairs.keys()].sort(compareStrings)) {
      for (const v of [...pairs.get(k)!].sort(compareStrings)) values.push([k, v]);
    }
    const page = limitOffset(values, stmt.limit, stmt.offset);
    if (page.length === 0) continue;
    series.push({ name: m, columns: ['key', 'value'], values: page });
  }
  return { series };
}

/**
 * InfluxDB 1.6 runs SHOW FIELD KEYS as a SELECT from `_fieldKeys` in the default retention policy
 * (or the request's `rp`), so it lists what was written to that policy's shards only: a
 * measurement or field stored only under another policy is not shown.
 */
function showFieldKeys(stmt: ShowFieldKeysStatement, ctx: StatementContext): StatementOutput {
  const { sources } = systemSources(ctx, stmt.database === '' ? ctx.db : stmt.database, stmt.sources, null);
  // Fields actually written to the shards read, by measurement, with the catalog's types.
  const byName = new Map<string, Map<string, string>>();
  for (const src of sources) {
    for (const m of src.measurements) {
      const written = new Set<string>();
      for (const shard of src.shards) for (const id of shard.index.match(m)) for (const f of shard.fieldsOf(id)) written.add(f);
      let fields = byName.get(m);
      if (fields === undefined) byName.set(m, (fields = new Map()));
      for (const [k, t] of ctx.ports.catalog.fields(src.db, m)) if (written.has(k) && !fields.has(k)) fields.set(k, FIELD_TYPE_NAMES[t]!);
    }
  }
  const series: ResultSeries[] = [];
  for (const m of [...byName.keys()].sort(compareStrings)) {
    const fields = [...byName.get(m)!].sort((a, b) => compareStrings(a[0], b[0]));
    const page = limitOffset(fields, stmt.limit, stmt.offset);
    if (page.length === 0) continue;
    series.push({ name: m, columns: ['fieldKey', 'fieldType'], values: page.map(([k, t]) => [k, t]) });
  }
  return { series };
}

function showSeries(stmt: ShowSeriesStatement, ctx: StatementContext): StatementOutput {
  const { shards, condition } = metaShards(ctx, stmt.database === '' ? ctx.db : stmt.database, stmt.condition);
  const keys = new Set<string>();
  for (const m of measurementsOf(shards, stmt.sources)) {
    forMatchingSeries(shards, m, condition, (_tags, key) => keys.add(key));
  }
  const page = limitOffset([...keys].sort(compareStrings), stmt.limit, stmt.offset);
  if (page.length === 0) return NOTHING;
  return { series: [{ name: '', columns: ['key'], values: page.map((k) => [k]) }] };
}

// ---------------------------------------------------------------- cardinality

type CardinalityStatement =
  | ShowSeriesCardinalityStatement
  | ShowMeasurementCardinalityStatement
  | ShowTagKeyCardinalityStatement
  | ShowFieldKeyCardinalityStatement
  | ShowTagValuesCardinalityStatement;

/** Where a statement InfluxDB rewrites into a SELECT over a system source reads: shards and measurements. */
interface SystemSource {
  readonly db: string;
  readonly shards: ShardReader[];
  readonly measurements: string[];
}

/**
 * What InfluxDB 1.6 reads for a statement it rewrites into a SELECT over a system source
 * (`_series`, `_fieldKeys`...): each source keeps its database and retention policy, and a source
 * without a policy (or no source at all) reads the request's `rp` or the default policy, so
 * measurements stored only under another policy are not seen. The condition's time range picks
 * the shard groups; the rest of the condition is returned.
 */
function systemSources(ctx: StatementContext, db: string, sources: readonly Source[], cond: Expr | null): { sources: SystemSource[]; condition: Expr | null } {
  let minNs = MIN_TIME_NS;
  let maxNs = MAX_TIME_NS;
  let condition = cond;
  if (cond !== null && hasTimeExpr(cond)) {
    const tr = timeRange(cond, ctx.nowNs);
    minNs = tr.minNs;
    maxNs = tr.maxNs;
    condition = tr.condition;
  }
  const read = (database: string, policy: string, only: readonly Source[]): SystemSource => {
    const info = requireDatabase(ctx, database);
    const rp = policy !== '' ? policy : ctx.rp !== '' ? ctx.rp : info.defaultRetentionPolicy;
    if (rp === '') throw new QueryError(`default retention policy not set for: ${info.name}`);
    const shards = mapShards(ctx.ports, database, rp, minNs, maxNs).map((m) => m.reader);
    return { db: database, shards, measurements: measurementsOf(shards, only) };
  };
  if (sources.length === 0) return { sources: [read(db, '', [])], condition };
  const out = sources.map((src) => {
    const m = src as Measurement;
    return read(m.database !== '' ? m.database : db, m.retentionPolicy, [m]);
  });
  return { sources: out, condition };
}

/**
 * The EXACT cardinalities, as InfluxDB 1.6 computes them by rewriting each into a SELECT:
 * series are counted shard by shard and the counts added (a series written to three shard groups
 * counts three times), the others count distinct names, keys or values. Without EXACT and without
 * any clause InfluxDB answers a sketch's estimate, which Shoal does not keep.
 */
function showCardinality(stmt: CardinalityStatement, ctx: StatementContext): StatementOutput {
  const estimated =
    !stmt.exact && stmt.sources.length === 0 && stmt.condition === null && stmt.dimensions.length === 0 && stmt.limit === 0n && stmt.offset === 0n;
  if (estimated || stmt.dimensions.length > 0) throw new QueryError(`${cardinalityName(stmt)} is not supported yet by this server`);
  const { sources, condition } = systemSources(ctx, stmt.database === '' ? ctx.db : stmt.database, stmt.sources, stmt.condition);
  const count = (name: string | null, n: number): ResultSeries => ({
    ...(name === null ? { name: '' } : { name }),
    columns: ['count'],
    values: limitOffset([[BigInt(n)]], stmt.limit, stmt.offset),
  });
  if (stmt.kind === 'ShowMeasurementCardinalityStatement') {
    const names = new Set<string>();
    for (const { shards, measurements } of sources) {
      for (const m of measurements) {
        let found = condition === null;
        if (!found) forMatchingSeries(shards, m, condition, () => (found = true));
        if (found) names.add(m);
      }
    }
    return names.size === 0 ? NOTHING : { series: [count(null, names.size)] };
  }
  // One source is what the statements here are used with; several are answered one after another.
  const series: ResultSeries[] = [];
  for (const { shards, measurements } of sources) {
    for (const m of measurements) {
      let n = 0;
      switch (stmt.kind) {
        case 'ShowSeriesCardinalityStatement':
          forMatchingSeries(shards, m, condition, () => n++);
          break;
        case 'ShowTagKeyCardinalityStatement': {
          const keys = new Set<string>();
          forMatchingSeries(shards, m, condition, (tags) => {
            for (const [k] of tags) keys.add(k);
          });
          n = keys.size;
          break;
        }
        case 'ShowTagValuesCardinalityStatement': {
          const values = new Set<string>();
          forMatchingSeries(shards, m, condition, (tags) => {
            for (const [k, v] of tags) if (keyMatches(k, stmt.op, stmt.tagKeyExpr)) values.add(v);
          });
          n = values.size;
          break;
        }
        case 'ShowFieldKeyCardinalityStatement': {
          const fields = new Set<string>();
          for (const shard of shards) for (const id of shard.index.match(m)) for (const f of shard.fieldsOf(id)) fields.add(f);
          n = fields.size;
          break;
        }
      }
      if (n > 0) series.push(count(m, n));
    }
  }
  return { series };
}

function cardinalityName(stmt: CardinalityStatement): string {
  switch (stmt.kind) {
    case 'ShowSeriesCardinalityStatement':
      return 'SHOW SERIES CARDINALITY';
    case 'ShowMeasurementCardinalityStatement':
      return 'SHOW MEASUREMENT CARDINALITY';
    case 'ShowTagKeyCardinalityStatement':
      return 'SHOW TAG KEY CARDINALITY';
    case 'ShowFieldKeyCardinalityStatement':
      return 'SHOW FIELD KEY CARDINALITY';
    case 'ShowTagValuesCardinalityStatement':
      return 'SHOW TAG VALUES CARDINALITY';
  }
}

// ---------------------------------------------------------------- catalog changes

async function createDatabase(stmt: CreateDatabaseStatement, ctx: StatementContext): Promise<StatementOutput> {
  if (!validName(stmt.name)) throw new QueryError(ERR_INVALID_NAME);
  if (!stmt.retentionPolicyCreate) {
    await ctx.ports.catalog.createDatabase(stmt.name);
    return NOTHING;
  }
  if (stmt.retentionPolicyName !== '' && !validName(stmt.retentionPolicyName)) throw new QueryError(ERR_INVALID_NAME);
  await ctx.ports.catalog.createDatabase(stmt.name, {
    name: stmt.retentionPolicyName === '' ? 'autogen' : stmt.retentionPolicyName,
    ...(stmt.retentionPolicyDuration === null ? {} : { durationNs: stmt.retentionPolicyDuration }),
    ...(stmt.retentionPolicyReplication === null ? {} : { replicaN: stmt.retentionPolicyReplication }),
    ...(stmt.retentionPolicyShardGroupDuration === 0n ? {} : { shardGroupDurationNs: stmt.retentionPolicyShardGroupDuration }),
  });
  return NOTHING;
}

async function createRetentionPolicy(stmt: CreateRetentionPolicyStatement, ctx: StatementContext): Promise<StatementOutput> {
  if (!validName(stmt.name)) throw new QueryError(ERR_INVALID_NAME);
  const db = requireDatabase(ctx, stmt.database);
  const existing = db.retentionPolicies.find((p) => p.name === stmt.name);
  // An identical policy is fine unless the statement also asks to make it the default and it is
  // not; InfluxDB calls that a conflict (the catalog would call it "already exists").
  if (existing !== undefined && stmt.default && db.defaultRetentionPolicy !== stmt.name) {
    throw new QueryError('retention policy conflicts with an existing policy');
  }
  await ctx.ports.catalog.createRetentionPolicy(
    stmt.database,
    {
      name: stmt.name,
      durationNs: stmt.duration,
      replicaN: stmt.replication,
      ...(stmt.shardGroupDuration === 0n ? {} : { shardGroupDurationNs: stmt.shardGroupDuration }),
    },
    stmt.default,
  );
  return NOTHING;
}

async function alterRetentionPolicy(stmt: AlterRetentionPolicyStatement, ctx: StatementContext): Promise<StatementOutput> {
  requireDatabase(ctx, stmt.database);
  await ctx.ports.catalog.updateRetentionPolicy(
    stmt.database,
    stmt.name,
    {
      ...(stmt.duration === null ? {} : { durationNs: stmt.duration }),
      ...(stmt.replication === null ? {} : { replicaN: stmt.replication }),
      ...(stmt.shardGroupDuration === null ? {} : { shardGroupDurationNs: stmt.shardGroupDuration }),
    },
    stmt.default,
  );
  return NOTHING;
}

// ---------------------------------------------------------------- deletes

function deletePort(ctx: StatementContext, what: string): DeletePort {
  if (ctx.ports.deletes === undefined) throw new QueryError(`${what} is not supported yet by this server: storage cannot delete data`);
  return ctx.ports.deletes;
}

/** The database a delete runs on: InfluxDB 1.6.7 words a missing one `database not found: ` (del-no-db). */
function deletionDatabase(ctx: StatementContext): DatabaseView {
  const db = ctx.ports.catalog.database(ctx.db);
  if (db === undefined) throw databaseNotFound(ctx.db);
  return db;
}

async function dropMeasurement(stmt: DropMeasurementStatement, ctx: StatementContext): Promise<StatementOutput> {
  const db = deletionDatabase(ctx);
  await deletePort(ctx, 'DROP MEASUREMENT').dropMeasurement(db.name, stmt.name);
  return NOTHING;
}

/** The measurements and tag predicate of DROP SERIES / DELETE, validated as InfluxDB does. */
function deletionTargets(
  stmt: DropSeriesStatement | DeleteSeriesStatement,
  ctx: StatementContext,
  cond: Expr | null,
): { db: string; measurements: string[]; predicate: TagPredicate | undefined | null } {
  const db = deletionDatabase(ctx).name;
  const shards = mapShards(ctx.ports, db, undefined, MIN_TIME_NS, MAX_TIME_NS).map((m) => m.reader);
  const sources = stmt.sources as Measurement[];
  const measurements = measurementsOf(shards, sources);
  const fields = new Set<string>();
  for (const m of measurements) for (const f of ctx.ports.catalog.fields(db, m).keys()) fields.add(f);
  const isField = (ref: { name: string }): boolean => fields.has(ref.name);
  if (cond !== null) {
    let usesField = false;
    const visit = (e: Expr): void => {
      if (e.kind === 'VarRef' && isField(e)) usesField = true;
      else if (e.kind === 'BinaryExpr') {
        visit(e.lhs);
        visit(e.rhs);
      } else if (e.kind === 'ParenExpr') visit(e.expr);
    };
    visit(cond);
    if (usesField) throw new QueryError('fields not supported in WHERE clause during deletion');
  }
  return { db, measurements, predicate: indexPredicate(cond, isField) };
}

async function dropSeries(stmt: DropSeriesStatement, ctx: StatementContext): Promise<StatementOutput> {
  const port = deletePort(ctx, 'DROP SERIES');
  if (stmt.condition !== null && hasTimeExpr(stmt.condition)) throw new QueryError('DROP SERIES doesn\'t support time in WHERE clause');
  const { db, measurements, predicate } = deletionTargets(stmt, ctx, stmt.condition);
  if (predicate === null) return NOTHING;
  for (const m of measurements) await port.dropSeries(db, m, predicate);
  return NOTHING;
}

async function deleteSeries(stmt: DeleteSeriesStatement, ctx: StatementContext): Promise<StatementOutput> {
  const port = deletePort(ctx, 'DELETE');
  const tr = timeRange(stmt.condition, ctx.nowNs);
  const { db, measurements, predicate } = deletionTargets(stmt, ctx, tr.condition);
  if (predicate === null) return NOTHING;
  for (const m of measurements) await port.deleteSeries(db, m, predicate, tr.minNs, tr.maxNs);
  return NOTHING;
}

// ---------------------------------------------------------------- dispatch

/** Runs a statement this module owns; undefined when it is not one of them. */
export async function executeMetaStatement(stmt: Statement, ctx: StatementContext): Promise<StatementOutput | undefined> {
  switch (stmt.kind) {
    case 'ShowDatabasesStatement':
      return showDatabases(ctx);
    case 'ShowRetentionPoliciesStatement':
      return showRetentionPolicies(stmt, ctx);
    case 'ShowShardsStatement':
      return showShards(ctx);
    case 'ShowShardGroupsStatement':
      return showShardGroups(ctx);
    case 'ShowMeasurementsStatement':
      return showMeasurements(stmt, ctx);
    case 'ShowTagKeysStatement':
      return showTagKeys(stmt, ctx);
    case 'ShowTagValuesStatement':
      return showTagValues(stmt, ctx);
    case 'ShowFieldKeysStatement':
      return showFieldKeys(stmt, ctx);
    case 'ShowSeriesStatement':
      return showSeries(stmt, ctx);
    case 'ShowSeriesCardinalityStatement':
    case 'ShowMeasurementCardinalityStatement':
    case 'ShowTagKeyCardinalityStatement':
    case 'ShowFieldKeyCardinalityStatement':
    case 'ShowTagValuesCardinalityStatement':
      return showCardinality(stmt, ctx);
    case 'CreateDatabaseStatement':
      return createDatabase(stmt, ctx);
    case 'DropDatabaseStatement':
      await ctx.ports.catalog.dropDatabase(stmt.name);
      return NOTHING;
    case 'CreateRetentionPolicyStatement':
      return createRetentionPolicy(stmt, ctx);
    case 'AlterRetentionPolicyStatement':
      return alterRetentionPolicy(stmt, ctx);
    case 'DropRetentionPolicyStatement':
      requireDatabase(ctx, stmt.database);
      await ctx.ports.catalog.dropRetentionPolicy(stmt.database, stmt.name);
      return NOTHING;
    case 'DropShardStatement':
      // No shard has an id beyond the safe integers: such an id is unknown, which is not an error.
      if (stmt.id <= BigInt(Number.MAX_SAFE_INTEGER)) await ctx.ports.catalog.dropShard(Number(stmt.id));
      return NOTHING;
    case 'DropMeasurementStatement':
      return dropMeasurement(stmt, ctx);
    case 'DropSeriesStatement':
      return dropSeries(stmt, ctx);
    case 'DeleteSeriesStatement':
      return deleteSeries(stmt, ctx);
    default:
      return undefined;
  }
}
