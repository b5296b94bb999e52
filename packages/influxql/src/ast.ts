// The InfluxQL syntax tree: plain data, discriminated by `kind`.
//
// Kinds are InfluxDB's Go type names (BinaryExpr, StringLiteral, SelectStatement, ...) because some
// InfluxDB error messages name them ("invalid operation: time and *influxql.StringLiteral are not
// compatible"). Absent values follow one rule so trees compare with a deep equality: an absent
// string is '', an absent node is null, an absent list is [], an absent LIMIT/OFFSET is 0n.
// Integers, durations (nanoseconds) and times (nanoseconds since the epoch) are bigints; only
// decimal numbers are JS numbers.

import type { BinaryOp } from './token.js';

export type { BinaryOp } from './token.js';

/** A `field::type` cast, or 'unknown' when none was written. 'time' and 'duration' are internal. */
export type DataType =
  | 'unknown'
  | 'float'
  | 'integer'
  | 'unsigned'
  | 'string'
  | 'boolean'
  | 'time'
  | 'duration'
  | 'tag'
  | 'field';

// ---------------------------------------------------------------- expressions

export interface VarRef {
  readonly kind: 'VarRef';
  /** Segments of `a.b` are joined with '.', quoted dots included: `"a.b"` and `a.b` read the same. */
  name: string;
  dataType: DataType;
}

export interface Call {
  readonly kind: 'Call';
  /** Lower-cased. */
  name: string;
  args: Expr[];
}

/** `DISTINCT field` written without parentheses. */
export interface Distinct {
  readonly kind: 'Distinct';
  name: string;
}

export interface NumberLiteral {
  readonly kind: 'NumberLiteral';
  value: number;
}

/** A signed 64-bit integer. */
export interface IntegerLiteral {
  readonly kind: 'IntegerLiteral';
  value: bigint;
}

/** An integer literal above 2^63-1 (up to 2^64-1). */
export interface UnsignedLiteral {
  readonly kind: 'UnsignedLiteral';
  value: bigint;
}

export interface StringLiteral {
  readonly kind: 'StringLiteral';
  value: string;
}

export interface BooleanLiteral {
  readonly kind: 'BooleanLiteral';
  value: boolean;
}

/** Nanoseconds. */
export interface DurationLiteral {
  readonly kind: 'DurationLiteral';
  value: bigint;
}

/** Nanoseconds since the Unix epoch. Never parsed; produced by reduce() from now() and time strings. */
export interface TimeLiteral {
  readonly kind: 'TimeLiteral';
  value: bigint;
}

/** The pattern as written between the slashes, with `\/` already turned into `/`. RE2 syntax. */
export interface RegexLiteral {
  readonly kind: 'RegexLiteral';
  pattern: string;
}

/** The tag keys of `WITH KEY IN (a, b)`. */
export interface ListLiteral {
  readonly kind: 'ListLiteral';
  values: string[];
}

/** Never parsed; stands for a missing value during evaluation. */
export interface NilLiteral {
  readonly kind: 'NilLiteral';
}

/** Never parsed (parameters are substituted while parsing); lets code build `$name` text. */
export interface BoundParameter {
  readonly kind: 'BoundParameter';
  name: string;
}

export interface BinaryExpr {
  readonly kind: 'BinaryExpr';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
}

export interface ParenExpr {
  readonly kind: 'ParenExpr';
  expr: Expr;
}

/** `*`, `*::field` or `*::tag`. */
export interface Wildcard {
  readonly kind: 'Wildcard';
  only: 'field' | 'tag' | null;
}

export type Literal =
  | NumberLiteral
  | IntegerLiteral
  | UnsignedLiteral
  | StringLiteral
  | BooleanLiteral
  | DurationLiteral
  | TimeLiteral
  | RegexLiteral
  | ListLiteral
  | NilLiteral
  | BoundParameter;

export type Expr = Literal | VarRef | Call | Distinct | BinaryExpr | ParenExpr | Wildcard;

// ---------------------------------------------------------------- clauses

/** A measurement source: `m`, `rp.m`, `db.rp.m`, `db..m`, `/regex/`, `db.rp./regex/`. */
export interface Measurement {
  readonly kind: 'Measurement';
  database: string;
  retentionPolicy: string;
  name: string;
  regex: RegexLiteral | null;
}

export interface SubQuery {
  readonly kind: 'SubQuery';
  statement: SelectStatement;
}

export type Source = Measurement | SubQuery;

export interface Field {
  readonly kind: 'Field';
  expr: Expr;
  alias: string;
}

export interface Dimension {
  readonly kind: 'Dimension';
  expr: Expr;
}

/** InfluxDB only sorts by time: name is 'time' or '' (`ORDER BY DESC`). */
export interface SortField {
  readonly kind: 'SortField';
  name: string;
  ascending: boolean;
}

/** `INTO db.rp.m`; an empty name means `:MEASUREMENT` (write back to each source's name). */
export interface Target {
  readonly kind: 'Target';
  measurement: Measurement;
}

export type FillOption = 'null' | 'none' | 'number' | 'previous' | 'linear';

export type Privilege = 'READ' | 'WRITE' | 'ALL PRIVILEGES';

/** The operator of a `WITH KEY` clause. */
export type TagKeyOp = '=' | '!=' | '=~' | '!~' | 'IN';

// ---------------------------------------------------------------- statements

export interface SelectStatement {
  readonly kind: 'SelectStatement';
  fields: Field[];
  target: Target | null;
  sources: Source[];
  condition: Expr | null;
  dimensions: Dimension[];
  fill: FillOption;
  /** Set when fill is 'number'. */
  fillValue: number | bigint | null;
  sortFields: SortField[];
  limit: bigint;
  offset: bigint;
  slimit: bigint;
  soffset: bigint;
  /** The IANA zone name of a TZ('...') clause. */
  location: string | null;
  /** True when no function call appears among the fields. */
  isRawQuery: boolean;
}

export interface DeleteSeriesStatement {
  readonly kind: 'DeleteSeriesStatement';
  sources: Source[];
  condition: Expr | null;
}

export interface DropSeriesStatement {
  readonly kind: 'DropSeriesStatement';
  sources: Source[];
  condition: Expr | null;
}

export interface ShowDatabasesStatement {
  readonly kind: 'ShowDatabasesStatement';
}

export interface ShowMeasurementsStatement {
  readonly kind: 'ShowMeasurementsStatement';
  database: string;
  /** `WITH MEASUREMENT = name` or `=~ /regex/`. */
  source: Measurement | null;
  condition: Expr | null;
  sortFields: SortField[];
  limit: bigint;
  offset: bigint;
}

export interface ShowTagKeysStatement {
  readonly kind: 'ShowTagKeysStatement';
  database: string;
  sources: Source[];
  tagKeyOp: TagKeyOp | null;
  tagKeyExpr: StringLiteral | ListLiteral | RegexLiteral | null;
  condition: Expr | null;
  sortFields: SortField[];
  limit: bigint;
  offset: bigint;
  slimit: bigint;
  soffset: bigint;
}

export interface ShowTagValuesStatement {
  readonly kind: 'ShowTagValuesStatement';
  database: string;
  sources: Source[];
  op: TagKeyOp;
  tagKeyExpr: StringLiteral | ListLiteral | RegexLiteral;
  condition: Expr | null;
  sortFields: SortField[];
  limit: bigint;
  offset: bigint;
}

export interface ShowFieldKeysStatement {
  readonly kind: 'ShowFieldKeysStatement';
  database: string;
  sources: Source[];
  sortFields: SortField[];
  limit: bigint;
  offset: bigint;
}

export interface ShowSeriesStatement {
  readonly kind: 'ShowSeriesStatement';
  database: string;
  sources: Source[];
  condition: Expr | null;
  sortFields: SortField[];
  limit: bigint;
  offset: bigint;
}

interface CardinalityFields {
  database: string;
  exact: boolean;
  sources: Source[];
  condition: Expr | null;
  dimensions: Dimension[];
  limit: bigint;
  offset: bigint;
}

export interface ShowSeriesCardinalityStatement extends CardinalityFields {
  readonly kind: 'ShowSeriesCardinalityStatement';
}

export interface ShowMeasurementCardinalityStatement extends CardinalityFields {
  readonly kind: 'ShowMeasurementCardinalityStatement';
}

export interface ShowTagKeyCardinalityStatement extends CardinalityFields {
  readonly kind: 'ShowTagKeyCardinalityStatement';
}

export interface ShowFieldKeyCardinalityStatement extends CardinalityFields {
  readonly kind: 'ShowFieldKeyCardinalityStatement';
}

export interface ShowTagValuesCardinalityStatement extends CardinalityFields {
  readonly kind: 'ShowTagValuesCardinalityStatement';
  op: TagKeyOp;
  tagKeyExpr: StringLiteral | ListLiteral | RegexLiteral;
}

export interface ShowRetentionPoliciesStatement {
  readonly kind: 'ShowRetentionPoliciesStatement';
  database: string;
}

export interface ShowShardsStatement {
  readonly kind: 'ShowShardsStatement';
}

export interface ShowShardGroupsStatement {
  readonly kind: 'ShowShardGroupsStatement';
}

export interface ShowUsersStatement {
  readonly kind: 'ShowUsersStatement';
}

export interface ShowGrantsForUserStatement {
  readonly kind: 'ShowGrantsForUserStatement';
  name: string;
}

export interface ShowQueriesStatement {
  readonly kind: 'ShowQueriesStatement';
}

export interface ShowContinuousQueriesStatement {
  readonly kind: 'ShowContinuousQueriesStatement';
}

export interface ShowSubscriptionsStatement {
  readonly kind: 'ShowSubscriptionsStatement';
}

export interface ShowStatsStatement {
  readonly kind: 'ShowStatsStatement';
  module: string;
}

export interface ShowDiagnosticsStatement {
  readonly kind: 'ShowDiagnosticsStatement';
  module: string;
}

export interface CreateDatabaseStatement {
  readonly kind: 'CreateDatabaseStatement';
  name: string;
  /** True when a WITH clause was given. */
  retentionPolicyCreate: boolean;
  retentionPolicyDuration: bigint | null;
  retentionPolicyReplication: number | null;
  /** 0n when not given. */
  retentionPolicyShardGroupDuration: bigint;
  retentionPolicyName: string;
}

export interface DropDatabaseStatement {
  readonly kind: 'DropDatabaseStatement';
  name: string;
}

export interface CreateRetentionPolicyStatement {
  readonly kind: 'CreateRetentionPolicyStatement';
  name: string;
  database: string;
  /** 0n for INF. */
  duration: bigint;
  replication: number;
  /** 0n when not given. */
  shardGroupDuration: bigint;
  default: boolean;
}

export interface AlterRetentionPolicyStatement {
  readonly kind: 'AlterRetentionPolicyStatement';
  name: string;
  database: string;
  duration: bigint | null;
  replication: number | null;
  shardGroupDuration: bigint | null;
  default: boolean;
}

export interface DropRetentionPolicyStatement {
  readonly kind: 'DropRetentionPolicyStatement';
  name: string;
  database: string;
}

export interface DropMeasurementStatement {
  readonly kind: 'DropMeasurementStatement';
  name: string;
}

export interface DropShardStatement {
  readonly kind: 'DropShardStatement';
  id: bigint;
}

export interface CreateUserStatement {
  readonly kind: 'CreateUserStatement';
  name: string;
  password: string;
  admin: boolean;
}

export interface DropUserStatement {
  readonly kind: 'DropUserStatement';
  name: string;
}

export interface SetPasswordUserStatement {
  readonly kind: 'SetPasswordUserStatement';
  name: string;
  password: string;
}

export interface GrantStatement {
  readonly kind: 'GrantStatement';
  privilege: Privilege;
  on: string;
  user: string;
}

export interface GrantAdminStatement {
  readonly kind: 'GrantAdminStatement';
  user: string;
}

export interface RevokeStatement {
  readonly kind: 'RevokeStatement';
  privilege: Privilege;
  on: string;
  user: string;
}

export interface RevokeAdminStatement {
  readonly kind: 'RevokeAdminStatement';
  user: string;
}

export interface CreateContinuousQueryStatement {
  readonly kind: 'CreateContinuousQueryStatement';
  name: string;
  database: string;
  source: SelectStatement;
  /** 0n when not given. */
  resampleEvery: bigint;
  /** 0n when not given. */
  resampleFor: bigint;
}

export interface DropContinuousQueryStatement {
  readonly kind: 'DropContinuousQueryStatement';
  name: string;
  database: string;
}

export interface CreateSubscriptionStatement {
  readonly kind: 'CreateSubscriptionStatement';
  name: string;
  database: string;
  retentionPolicy: string;
  destinations: string[];
  mode: 'ALL' | 'ANY';
}

export interface DropSubscriptionStatement {
  readonly kind: 'DropSubscriptionStatement';
  name: string;
  database: string;
  retentionPolicy: string;
}

export interface ExplainStatement {
  readonly kind: 'ExplainStatement';
  statement: SelectStatement;
  analyze: boolean;
}

export interface KillQueryStatement {
  readonly kind: 'KillQueryStatement';
  queryId: bigint;
  host: string;
}

export type Statement =
  | SelectStatement
  | DeleteSeriesStatement
  | DropSeriesStatement
  | ShowDatabasesStatement
  | ShowMeasurementsStatement
  | ShowTagKeysStatement
  | ShowTagValuesStatement
  | ShowFieldKeysStatement
  | ShowSeriesStatement
  | ShowSeriesCardinalityStatement
  | ShowMeasurementCardinalityStatement
  | ShowTagKeyCardinalityStatement
  | ShowFieldKeyCardinalityStatement
  | ShowTagValuesCardinalityStatement
  | ShowRetentionPoliciesStatement
  | ShowShardsStatement
  | ShowShardGroupsStatement
  | ShowUsersStatement
  | ShowGrantsForUserStatement
  | ShowQueriesStatement
  | ShowContinuousQueriesStatement
  | ShowSubscriptionsStatement
  | ShowStatsStatement
  | ShowDiagnosticsStatement
  | CreateDatabaseStatement
  | DropDatabaseStatement
  | CreateRetentionPolicyStatement
  | AlterRetentionPolicyStatement
  | DropRetentionPolicyStatement
  | DropMeasurementStatement
  | DropShardStatement
  | CreateUserStatement
  | DropUserStatement
  | SetPasswordUserStatement
  | GrantStatement
  | GrantAdminStatement
  | RevokeStatement
  | RevokeAdminStatement
  | CreateContinuousQueryStatement
  | DropContinuousQueryStatement
  | CreateSubscriptionStatement
  | DropSubscriptionStatement
  | ExplainStatement
  | KillQueryStatement;

export type StatementKind = Statement['kind'];

/** Anything walk() visits. */
export type Node = Statement | Expr | Source | Field | Dimension | SortField | Target;

/** A fresh SELECT with every clause absent; the parser fills it in. */
export function emptySelect(): SelectStatement {
  return {
    kind: 'SelectStatement',
    fields: [],
    target: null,
    sources: [],
    condition: null,
    dimensions: [],
    fill: 'null',
    fillValue: null,
    sortFields: [],
    limit: 0n,
    offset: 0n,
    slimit: 0n,
    soffset: 0n,
    location: null,
    isRawQuery: true,
  };
}
