// What the query executor needs from the rest of the system, as small interfaces it owns.
//
// influxql must not import the storage engine or the data node (they are siblings; `data` wires
// them together), so the executor describes the read API, the catalog and the deletes it uses
// here. The shapes are chosen so that tsdb's `Shard`, `SeriesIndex`, `TSDBStore` and `Catalog`
// satisfy them structurally, without adapters: `exec/ports.test.ts` checks that against the real
// types. Anything the executor would like but storage does not offer yet is optional and
// answered with a statement error when absent.

import type { FieldType } from '@shoal/lineproto';

// ---------------------------------------------------------------- storage reads

/** The values of a column: one entry per point, `count` in use. */
export type ColumnValues = Float64Array | BigInt64Array | BigUint64Array | Uint8Array | string[];

/**
 * Sorted points of one field of one series. Integer and unsigned values arrive as doubles while
 * they are safe integers and as 64-bit arrays beyond; booleans as 0/1 bytes.
 */
export interface ColumnChunk {
  readonly type: FieldType;
  readonly count: number;
  readonly times: BigInt64Array;
  readonly values: ColumnValues;
}

/** The summary of a stored block that the reader hands out instead of its points. */
export interface BlockSummary {
  readonly type: FieldType;
  readonly count: number;
  readonly minTime: bigint;
  readonly maxTime: bigint;
  /** Float: number; Integer and Unsigned: bigint; Boolean: boolean; String: string. */
  readonly first: number | bigint | boolean | string;
  readonly last: number | bigint | boolean | string;
  readonly firstTime: bigint;
  readonly lastTime: bigint;
  /** Absent for strings. */
  readonly min?: number | bigint | boolean;
  readonly max?: number | bigint | boolean;
  /** Float: float64 sum in time order from 0; Integer/Unsigned: wrapping 64-bit sum. Absent for Boolean and String. */
  readonly sum?: number | bigint;
}

export type FieldChunk = { readonly kind: 'points'; readonly data: ColumnChunk } | { readonly kind: 'stats'; readonly stats: BlockSummary };

export interface ReadFieldOptions {
  /** Chunks (and the points inside them) in descending time order. */
  readonly descending?: boolean;
  /** May answer a block wholly inside the range, that no cached point overlaps, with its summary. */
  readonly useBlockStats?: boolean;
}

/** A predicate on tags with InfluxDB's semantics: a missing tag has the value ''. */
export type TagPredicate =
  | { readonly op: 'and' | 'or'; readonly left: TagPredicate; readonly right: TagPredicate }
  | { readonly op: '=' | '!='; readonly key: string; readonly value: string }
  | { readonly op: '=~' | '!~'; readonly key: string; readonly regex: RegExp };

export interface SeriesMeta {
  readonly id: number;
  /** The canonical series key: measurement and tags sorted by key, escaped as in line protocol. */
  readonly key: string;
  readonly measurement: string;
  /** Sorted by key. */
  readonly tags: ReadonlyArray<readonly [string, string]>;
}

export interface SeriesIndexReader {
  measurements(): readonly string[];
  tagKeys(measurement: string): readonly string[];
  tagValues(measurement: string, key: string): readonly string[];
  /** Ascending ids of the measurement's series matching `predicate` (all of them when undefined). */
  match(measurement: string, predicate?: TagPredicate): readonly number[];
  getById(id: number): SeriesMeta | undefined;
}

/** One shard as the executor reads it (tsdb's `Shard`). */
export interface ShardReader {
  readonly id: number;
  readonly index: SeriesIndexReader;
  /** Every point of one field of one series in [minTime, maxTime] (inclusive), chunk by chunk in time order. */
  readField(seriesId: number, field: string, minTime?: bigint, maxTime?: bigint, opts?: ReadFieldOptions): AsyncIterable<FieldChunk>;
  /** The fields that have data for the series in this shard, sorted. */
  fieldsOf(seriesId: number): readonly string[];
}

// ---------------------------------------------------------------- catalog

export interface RetentionPolicyView {
  readonly name: string;
  /** 0n keeps data forever. */
  readonly durationNs: bigint;
  readonly shardGroupDurationNs: bigint;
  readonly replicaN: number;
}

export interface DatabaseView {
  readonly name: string;
  /** '' when the database has no default policy. */
  readonly defaultRetentionPolicy: string;
  readonly retentionPolicies: readonly RetentionPolicyView[];
}

export interface ShardView {
  readonly id: number;
  readonly owners: readonly number[];
}

export interface ShardGroupView {
  readonly id: number;
  readonly database: string;
  readonly retentionPolicy: string;
  /** Inclusive. */
  readonly startNs: bigint;
  /** Exclusive. */
  readonly endNs: bigint;
  readonly shards: readonly ShardView[];
}

export interface RetentionPolicyDefinition {
  readonly name: string;
  readonly durationNs?: bigint;
  readonly shardGroupDurationNs?: bigint;
  readonly replicaN?: number;
}

export interface RetentionPolicyChange {
  readonly durationNs?: bigint;
  readonly shardGroupDurationNs?: bigint;
  readonly replicaN?: number;
}

/**
 * The catalog as the executor uses it (a subset of tsdb's `Catalog`). Mutations validate as
 * InfluxDB's meta store does and throw errors whose `name` the executor maps to InfluxDB's
 * wording (DatabaseNotFoundError, RetentionPolicyNotFoundError, RetentionPolicyExistsError,
 * InvalidRetentionPolicyError, DatabaseNameRequiredError).
 */
export interface CatalogPort {
  databases(): readonly DatabaseView[];
  database(name: string): DatabaseView | undefined;
  /** Live shard groups, optionally of one database and policy, ordered by start time. */
  shardGroups(db?: string, rp?: string): readonly ShardGroupView[];
  /** Every field of a measurement with its type, in name order. */
  fields(db: string, measurement: string): ReadonlyMap<string, FieldType>;
  createDatabase(name: string, rp?: RetentionPolicyDefinition): Promise<unknown>;
  dropDatabase(name: string): Promise<void>;
  createRetentionPolicy(db: string, spec: RetentionPolicyDefinition, makeDefault: boolean): Promise<unknown>;
  updateRetentionPolicy(db: string, name: string, update: RetentionPolicyChange, makeDefault: boolean): Promise<void>;
  dropRetentionPolicy(db: string, name: string): Promise<void>;
  /** Removes the shard (and its group, if it was the last); an unknown id is not an error. */
  dropShard(id: number): Promise<void>;
}

// ---------------------------------------------------------------- deletes

/**
 * Deleting data (data's `LocalDeletes` over the node's shards). Optional: without it DROP
 * MEASUREMENT, DROP SERIES and DELETE answer a statement error saying storage cannot delete.
 */
export interface DeletePort {
  /** Removes every series of the measurement in every shard of the database, and forgets its field types. */
  dropMeasurement(db: string, measurement: string): Promise<void>;
  /** Removes the matching series (all of them when `where` is undefined) and their points. */
  dropSeries(db: string, measurement: string, where: TagPredicate | undefined): Promise<void>;
  /** Removes the points of the matching series in [minNs, maxNs]. */
  deleteSeries(db: string, measurement: string, where: TagPredicate | undefined, minNs: bigint, maxNs: bigint): Promise<void>;
}

// ---------------------------------------------------------------- writes (SELECT INTO)

/** What a write stored, as the node's write path reports it. */
export interface WriteResult {
  readonly written: number;
  /** Points refused (field type conflict, beyond retention...), with the first reason. */
  readonly dropped: number;
  readonly dropReason?: string | undefined;
}

/**
 * Writing points back (SELECT INTO), through the node's own write path. Optional: without it
 * SELECT INTO answers `SELECT INTO is not supported yet by this server`.
 */
export interface WritePort {
  /**
   * Writes line protocol (nanosecond times) into `db` and `rp` (the database's default when
   * empty). Throws the catalog's DatabaseNotFoundError / RetentionPolicyNotFoundError when the
   * target does not exist.
   */
  writeLines(db: string, rp: string, lines: string): Promise<WriteResult>;
}

// ---------------------------------------------------------------- composition

/** Bounds on what one query may cost; 0 means no bound. */
export interface QueryLimits {
  /** Series a SELECT may read (InfluxDB's max-select-series). */
  readonly maxSeries: number;
  /** Points a SELECT may read (InfluxDB's max-select-point). */
  readonly maxPoints: number;
  /** GROUP BY time buckets a SELECT may produce (InfluxDB's max-select-buckets). */
  readonly maxBuckets: number;
  /** Wall-clock time a query may run (InfluxDB's query-timeout). */
  readonly maxDurationMs: number;
  /** Hand the event loop back after reading this many points, so writes keep flowing. */
  readonly yieldEveryPoints: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxSeries: 0,
  maxPoints: 0,
  maxBuckets: 0,
  maxDurationMs: 0,
  yieldEveryPoints: 16_384,
};

/** Everything the executor reaches outside itself. */
export interface QueryPorts {
  readonly catalog: CatalogPort;
  /** The local shard with this id, if this node holds it (tsdb's `TSDBStore.shard`). */
  shard(id: number): ShardReader | undefined;
  readonly deletes?: DeletePort;
  readonly writes?: WritePort;
  readonly limits?: Partial<QueryLimits>;
}
