// Statements and expressions back to InfluxQL text, in the canonical form InfluxDB prints
// (its String() methods): keywords upper-case, identifiers quoted only when needed, durations in
// one unit, decimals with three places.
//
// Where InfluxDB's text would not parse back to the same tree we print something that does, and
// docs/influxql.md lists each case: a unary sign right of `*`, `/`, `%` or `&` stays a sign,
// decimals that need more than three places keep their digits,
// an integral fill() value keeps a `.0`, DISTINCT and SHOW MEASUREMENTS ON quote their identifier
// when needed, and SHOW TAG KEYS keeps its WITH KEY clause.

import type {
  BinaryOp,
  Dimension,
  Expr,
  Field,
  Measurement,
  SelectStatement,
  SortField,
  Source,
  Statement,
  Target,
} from './ast.js';
import { formatDuration } from './duration.js';
import { formatFloatPlain } from './params.js';
import { quoteIdent, quoteString } from './quote.js';
import { formatRFC3339Nano } from './time-literal.js';
import { precedence } from './token.js';

/** A decimal with three places, like InfluxDB, or as many more as it takes to read back exactly. */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (Object.is(v, -0)) return '-0.000';
  if (Math.abs(v) >= 1e21) return BigInt(v).toString() + '.000';
  for (let digits = 3; digits < 100; digits++) {
    const s = v.toFixed(digits);
    if (Number(s) === v) return s;
  }
  return v.toFixed(100);
}

/** A fill() number: integers as written, decimals keeping a '.' so they read back as decimals. */
function formatFillValue(v: number | bigint): string {
  if (typeof v === 'bigint') return v.toString();
  const s = formatFloatPlain(v);
  return /[.NI]/.test(s) ? s : s + '.0';
}

function formatRegex(pattern: string): string {
  return '/' + pattern.replaceAll('/', '\\/') + '/';
}

export function formatExpr(e: Expr): string {
  switch (e.kind) {
    case 'VarRef':
      return e.dataType === 'unknown' ? quoteIdent(e.name) : `${quoteIdent(e.name)}::${e.dataType}`;
    case 'Call':
      return `${e.name}(${e.args.map(formatExpr).join(', ')})`;
    case 'Distinct':
      return `DISTINCT ${quoteIdent(e.name)}`;
    case 'NumberLiteral':
      return formatNumber(e.value);
    case 'IntegerLiteral':
    case 'UnsignedLiteral':
      return e.value.toString();
    case 'StringLiteral':
      return quoteString(e.value);
    case 'BooleanLiteral':
      return e.value ? 'true' : 'false';
    case 'DurationLiteral':
      return formatDuration(e.value);
    case 'TimeLiteral':
      return `'${formatRFC3339Nano(e.value)}'`;
    case 'RegexLiteral':
      return formatRegex(e.pattern);
    case 'ListLiteral':
      return `(${e.values.map((v) => quoteIdent(v)).join(', ')})`;
    case 'NilLiteral':
      return 'nil';
    case 'BoundParameter':
      return '$' + quoteIdent(e.name);
    case 'BinaryExpr':
      return `${formatExpr(e.lhs)} ${e.op} ${formatRightOperand(e.op, e.rhs)}`;
    case 'ParenExpr':
      return `(${formatExpr(e.expr)})`;
    case 'Wildcard':
      return e.only === null ? '*' : `*::${e.only}`;
  }
}

/**
 * The right side of a binary expression. The parser only puts an operator of the same or lower
 * precedence there for a unary sign (`a / -b` is a / (-1 * b)); InfluxDB prints that as
 * `a / -1 * b`, which reads back as (a / -1) * b, so we print the sign instead. Any other such
 * tree (built by hand) gets parentheses.
 */
function formatRightOperand(op: BinaryOp, rhs: Expr): string {
  if (rhs.kind !== 'BinaryExpr' || precedence(rhs.op) > precedence(op)) return formatExpr(rhs);
  const operand = rhs.rhs;
  if (
    rhs.op === '*' &&
    rhs.lhs.kind === 'IntegerLiteral' &&
    (rhs.lhs.value === -1n || rhs.lhs.value === 1n) &&
    (operand.kind === 'VarRef' || operand.kind === 'Call' || operand.kind === 'ParenExpr')
  ) {
    return (rhs.lhs.value === -1n ? '-' : '+') + formatExpr(operand);
  }
  return `(${formatExpr(rhs)})`;
}

export function formatMeasurement(m: Measurement): string {
  let out = '';
  if (m.database !== '') out += quoteIdent(m.database) + '.';
  if (m.retentionPolicy !== '') out += quoteIdent(m.retentionPolicy);
  if (m.database !== '' || m.retentionPolicy !== '') out += '.';
  if (m.name !== '') out += quoteIdent(m.name);
  else if (m.regex !== null) out += formatRegex(m.regex.pattern);
  return out;
}

export function formatSource(s: Source): string {
  return s.kind === 'Measurement' ? formatMeasurement(s) : `(${formatSelect(s.statement)})`;
}

const formatSources = (sources: readonly Source[]): string => sources.map(formatSource).join(', ');

function formatField(f: Field): string {
  const expr = formatExpr(f.expr);
  return f.alias === '' ? expr : `${expr} AS ${quoteIdent(f.alias)}`;
}

const formatDimensions = (dims: readonly Dimension[]): string => dims.map((d) => formatExpr(d.expr)).join(', ');

function formatSortFields(fields: readonly SortField[]): string {
  return fields.map((f) => (f.name !== '' ? f.name + ' ' : '') + (f.ascending ? 'ASC' : 'DESC')).join(', ');
}

function formatTarget(t: Target): string {
  let out = 'INTO ' + formatMeasurement(t.measurement);
  if (t.measurement.name === '') out += ':MEASUREMENT';
  return out;
}

/** The clauses most SHOW statements share, in InfluxDB's order. */
interface Tail {
  on?: string;
  sources?: readonly Source[];
  condition?: Expr | null;
  dimensions?: readonly Dimension[];
  sortFields?: readonly SortField[];
  limit?: bigint;
  offset?: bigint;
  slimit?: bigint;
  soffset?: bigint;
}

function formatTail(t: Tail): string {
  let out = '';
  if (t.on !== undefined && t.on !== '') out += ' ON ' + quoteIdent(t.on);
  if (t.sources !== undefined && t.sources.length > 0) out += ' FROM ' + formatSources(t.sources);
  return out;
}

function formatFilters(t: Tail): string {
  let out = '';
  if (t.condition !== undefined && t.condition !== null) out += ' WHERE ' + formatExpr(t.condition);
  if (t.dimensions !== undefined && t.dimensions.length > 0) out += ' GROUP BY ' + formatDimensions(t.dimensions);
  if (t.sortFields !== undefined && t.sortFields.length > 0) out += ' ORDER BY ' + formatSortFields(t.sortFields);
  if (t.limit !== undefined && t.limit > 0n) out += ` LIMIT ${t.limit}`;
  if (t.offset !== undefined && t.offset > 0n) out += ` OFFSET ${t.offset}`;
  if (t.slimit !== undefined && t.slimit > 0n) out += ` SLIMIT ${t.slimit}`;
  if (t.soffset !== undefined && t.soffset > 0n) out += ` SOFFSET ${t.soffset}`;
  return out;
}

export function formatSelect(s: SelectStatement): string {
  let out = 'SELECT ' + s.fields.map(formatField).join(', ');
  if (s.target !== null) out += ' ' + formatTarget(s.target);
  if (s.sources.length > 0) out += ' FROM ' + formatSources(s.sources);
  if (s.condition !== null) out += ' WHERE ' + formatExpr(s.condition);
  if (s.dimensions.length > 0) out += ' GROUP BY ' + formatDimensions(s.dimensions);
  switch (s.fill) {
    case 'none':
      out += ' fill(none)';
      break;
    case 'number':
      out += ` fill(${formatFillValue(s.fillValue ?? 0n)})`;
      break;
    case 'linear':
      out += ' fill(linear)';
      break;
    case 'previous':
      out += ' fill(previous)';
      break;
  }
  out += formatFilters({
    sortFields: s.sortFields,
    limit: s.limit,
    offset: s.offset,
    slimit: s.slimit,
    soffset: s.soffset,
  });
  if (s.location !== null) out += ` TZ(${quoteString(s.location)})`;
  return out;
}

function formatTagKeyClause(op: string, expr: Expr): string {
  const rhs = expr.kind === 'StringLiteral' ? quoteIdent(expr.value) : formatExpr(expr);
  return ` WITH KEY ${op} ${rhs}`;
}

/** Canonical InfluxQL for a statement. Passwords print as [REDACTED], as in InfluxDB. */
export function formatStatement(stmt: Statement): string {
  switch (stmt.kind) {
    case 'SelectStatement':
      return formatSelect(stmt);
    case 'DeleteSeriesStatement':
      return 'DELETE' + formatTail({ sources: stmt.sources }) + formatFilters({ condition: stmt.condition });
    case 'DropSeriesStatement':
      return 'DROP SERIES' + formatTail({ sources: stmt.sources }) + formatFilters({ condition: stmt.condition });
    case 'ShowDatabasesStatement':
      return 'SHOW DATABASES';
    case 'ShowMeasurementsStatement': {
      let out = 'SHOW MEASUREMENTS' + formatTail({ on: stmt.database });
      if (stmt.source !== null) {
        out += ' WITH MEASUREMENT ' + (stmt.source.regex !== null ? '=~ ' : '= ') + formatMeasurement(stmt.source);
      }
      return out + formatFilters(stmt);
    }
    case 'ShowTagKeysStatement': {
      let out = 'SHOW TAG KEYS' + formatTail({ on: stmt.database, sources: stmt.sources });
      if (stmt.tagKeyOp !== null && stmt.tagKeyExpr !== null) out += formatTagKeyClause(stmt.tagKeyOp, stmt.tagKeyExpr);
      return out + formatFilters(stmt);
    }
    case 'ShowTagValuesStatement':
      return (
        'SHOW TAG VALUES' +
        formatTail({ on: stmt.database, sources: stmt.sources }) +
        formatTagKeyClause(stmt.op, stmt.tagKeyExpr) +
        formatFilters(stmt)
      );
    case 'ShowFieldKeysStatement':
      return 'SHOW FIELD KEYS' + formatTail({ on: stmt.database, sources: stmt.sources }) + formatFilters(stmt);
    case 'ShowSeriesStatement':
      return 'SHOW SERIES' + formatTail({ on: stmt.database, sources: stmt.sources }) + formatFilters(stmt);
    case 'ShowSeriesCardinalityStatement':
      return (
        'SHOW SERIES' +
        (stmt.exact ? ' EXACT' : '') +
        ' CARDINALITY' +
        formatTail({ on: stmt.database, sources: stmt.sources }) +
        formatFilters(stmt)
      );
    case 'ShowMeasurementCardinalityStatement':
      return (
        'SHOW MEASUREMENT' +
        (stmt.exact ? ' EXACT' : '') +
        ' CARDINALITY' +
        formatTail({ on: stmt.database, sources: stmt.sources }) +
        formatFilters(stmt)
      );
    case 'ShowTagKeyCardinalityStatement':
      return (
        'SHOW TAG KEY ' +
        (stmt.exact ? 'EXACT ' : '') +
        'CARDINALITY' +
        formatTail({ on: stmt.database, sources: stmt.sources }) +
        formatFilters(stmt)
      );
    case 'ShowFieldKeyCardinalityStatement':
      return (
        'SHOW FIELD KEY ' +
        (stmt.exact ? 'EXACT ' : '') +
        'CARDINALITY' +
        formatTail({ on: stmt.database, sources: stmt.sources }) +
        formatFilters(stmt)
      );
    case 'ShowTagValuesCardinalityStatement':
      return (
        'SHOW TAG VALUES ' +
        (stmt.exact ? 'EXACT ' : '') +
        'CARDINALITY' +
        formatTail({ on: stmt.database, sources: stmt.sources }) +
        formatTagKeyClause(stmt.op, stmt.tagKeyExpr) +
        formatFilters(stmt)
      );
    case 'ShowRetentionPoliciesStatement':
      return 'SHOW RETENTION POLICIES' + formatTail({ on: stmt.database });
    case 'ShowShardsStatement':
      return 'SHOW SHARDS';
    case 'ShowShardGroupsStatement':
      return 'SHOW SHARD GROUPS';
    case 'ShowUsersStatement':
      return 'SHOW USERS';
    case 'ShowGrantsForUserStatement':
      return 'SHOW GRANTS FOR ' + quoteIdent(stmt.name);
    case 'ShowQueriesStatement':
      return 'SHOW QUERIES';
    case 'ShowContinuousQueriesStatement':
      return 'SHOW CONTINUOUS QUERIES';
    case 'ShowSubscriptionsStatement':
      return 'SHOW SUBSCRIPTIONS';
    case 'ShowStatsStatement':
      return 'SHOW STATS' + (stmt.module !== '' ? ' FOR ' + quoteString(stmt.module) : '');
    case 'ShowDiagnosticsStatement':
      return 'SHOW DIAGNOSTICS' + (stmt.module !== '' ? ' FOR ' + quoteString(stmt.module) : '');
    case 'CreateDatabaseStatement': {
      let out = 'CREATE DATABASE ' + quoteIdent(stmt.name);
      if (stmt.retentionPolicyCreate) {
        out += ' WITH';
        if (stmt.retentionPolicyDuration !== null) out += ' DURATION ' + formatDuration(stmt.retentionPolicyDuration);
        if (stmt.retentionPolicyReplication !== null) out += ` REPLICATION ${stmt.retentionPolicyReplication}`;
        if (stmt.retentionPolicyShardGroupDuration > 0n) {
          out += ' SHARD DURATION ' + formatDuration(stmt.retentionPolicyShardGroupDuration);
        }
        if (stmt.retentionPolicyName !== '') out += ' NAME ' + quoteIdent(stmt.retentionPolicyName);
      }
      return out;
    }
    case 'DropDatabaseStatement':
      return 'DROP DATABASE ' + quoteIdent(stmt.name);
    case 'CreateRetentionPolicyStatement': {
      let out = `CREATE RETENTION POLICY ${quoteIdent(stmt.name)} ON ${quoteIdent(stmt.database)}`;
      out += ` DURATION ${formatDuration(stmt.duration)} REPLICATION ${stmt.replication}`;
      if (stmt.shardGroupDuration > 0n) out += ' SHARD DURATION ' + formatDuration(stmt.shardGroupDuration);
      if (stmt.default) out += ' DEFAULT';
      return out;
    }
    case 'AlterRetentionPolicyStatement': {
      let out = `ALTER RETENTION POLICY ${quoteIdent(stmt.name)} ON ${quoteIdent(stmt.database)}`;
      if (stmt.duration !== null) out += ' DURATION ' + formatDuration(stmt.duration);
      if (stmt.replication !== null) out += ` REPLICATION ${stmt.replication}`;
      if (stmt.shardGroupDuration !== null) out += ' SHARD DURATION ' + formatDuration(stmt.shardGroupDuration);
      if (stmt.default) out += ' DEFAULT';
      return out;
    }
    case 'DropRetentionPolicyStatement':
      return `DROP RETENTION POLICY ${quoteIdent(stmt.name)} ON ${quoteIdent(stmt.database)}`;
    case 'DropMeasurementStatement':
      return 'DROP MEASUREMENT ' + quoteIdent(stmt.name);
    case 'DropShardStatement':
      return `DROP SHARD ${stmt.id}`;
    case 'CreateUserStatement':
      return `CREATE USER ${quoteIdent(stmt.name)} WITH PASSWORD [REDACTED]` + (stmt.admin ? ' WITH ALL PRIVILEGES' : '');
    case 'DropUserStatement':
      return 'DROP USER ' + quoteIdent(stmt.name);
    case 'SetPasswordUserStatement':
      return `SET PASSWORD FOR ${quoteIdent(stmt.name)} = [REDACTED]`;
    case 'GrantStatement':
      return `GRANT ${stmt.privilege} ON ${quoteIdent(stmt.on)} TO ${quoteIdent(stmt.user)}`;
    case 'GrantAdminStatement':
      return 'GRANT ALL PRIVILEGES TO ' + quoteIdent(stmt.user);
    case 'RevokeStatement':
      return `REVOKE ${stmt.privilege} ON ${quoteIdent(stmt.on)} FROM ${quoteIdent(stmt.user)}`;
    case 'RevokeAdminStatement':
      return 'REVOKE ALL PRIVILEGES FROM ' + quoteIdent(stmt.user);
    case 'CreateContinuousQueryStatement': {
      let out = `CREATE CONTINUOUS QUERY ${quoteIdent(stmt.name)} ON ${quoteIdent(stmt.database)} `;
      if (stmt.resampleEvery > 0n || stmt.resampleFor > 0n) {
        out += 'RESAMPLE ';
        if (stmt.resampleEvery > 0n) out += `EVERY ${formatDuration(stmt.resampleEvery)} `;
        if (stmt.resampleFor > 0n) out += `FOR ${formatDuration(stmt.resampleFor)} `;
      }
      return out + `BEGIN ${formatSelect(stmt.source)} END`;
    }
    case 'DropContinuousQueryStatement':
      return `DROP CONTINUOUS QUERY ${quoteIdent(stmt.name)} ON ${quoteIdent(stmt.database)}`;
    case 'CreateSubscriptionStatement':
      return (
        `CREATE SUBSCRIPTION ${quoteIdent(stmt.name)} ON ${quoteIdent(stmt.database)}.${quoteIdent(stmt.retentionPolicy)}` +
        ` DESTINATIONS ${stmt.mode} ${stmt.destinations.map(quoteString).join(', ')}`
      );
    case 'DropSubscriptionStatement':
      return `DROP SUBSCRIPTION ${quoteIdent(stmt.name)} ON ${quoteIdent(stmt.database)}.${quoteIdent(stmt.retentionPolicy)}`;
    case 'ExplainStatement':
      return 'EXPLAIN ' + (stmt.analyze ? 'ANALYZE ' : '') + formatSelect(stmt.statement);
    case 'KillQueryStatement':
      return `KILL QUERY ${stmt.queryId}` + (stmt.host !== '' ? ' ON ' + quoteIdent(stmt.host) : '');
  }
}

/** Statements joined as InfluxDB joins them: `;` and a newline. */
export function formatQuery(stmts: readonly Statement[]): string {
  return stmts.map(formatStatement).join(';\n');
}
