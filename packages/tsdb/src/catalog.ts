// The cluster catalog as the storage engine and the write path see it: databases, retention
// policies, shard groups and the per-measurement field schema. DATA nodes use MetaCatalog
// (packages/meta), over a META group; local-catalog.ts is an in-memory (or file) implementation for
// tests and for reading the catalog.json older data directories hold. Reads are synchronous over
// locally held state because they sit on the write hot path; mutations are durable when their
// promise resolves.

import type { FieldType } from '@shoal/lineproto';

export const NS_PER_SECOND = 1_000_000_000n;
export const NS_PER_HOUR = 3600n * NS_PER_SECOND;
export const NS_PER_DAY = 24n * NS_PER_HOUR;

export interface RetentionPolicyInfo {
  readonly name: string;
  /** How long data is kept; 0n keeps it forever (InfluxDB's INF). */
  readonly durationNs: bigint;
  readonly shardGroupDurationNs: bigint;
  readonly replicaN: number;
}

export interface DatabaseInfo {
  readonly name: string;
  /** Empty when the database has no default policy (InfluxDB allows that after a drop). */
  readonly defaultRetentionPolicy: string;
  readonly retentionPolicies: readonly RetentionPolicyInfo[];
}

export interface ShardInfo {
  readonly id: number;
  /** DATA node ids that hold a replica of this shard. */
  readonly owners: readonly number[];
}

export interface ShardGroupInfo {
  readonly id: number;
  readonly database: string;
  readonly retentionPolicy: string;
  /** Inclusive start, aligned to the policy's shard-group duration. */
  readonly startNs: bigint;
  /** Exclusive end. */
  readonly endNs: bigint;
  readonly shards: readonly ShardInfo[];
}

export interface RetentionPolicySpec {
  readonly name: string;
  readonly durationNs?: bigint;
  readonly shardGroupDurationNs?: bigint;
  readonly replicaN?: number;
}

export interface RetentionPolicyUpdate {
  readonly durationNs?: bigint;
  readonly shardGroupDurationNs?: bigint;
  readonly replicaN?: number;
}

export type CatalogEvent =
  | { readonly kind: 'database-dropped'; readonly database: string }
  | { readonly kind: 'retention-policy-dropped'; readonly database: string; readonly retentionPolicy: string }
  | { readonly kind: 'shard-group-deleted'; readonly group: ShardGroupInfo }
  /** DROP SHARD removed a shard (and its group, if it was the group's last). */
  | { readonly kind: 'shard-dropped'; readonly shardId: number };

export interface Catalog {
  databases(): readonly DatabaseInfo[];
  database(name: string): DatabaseInfo | undefined;
  /**
   * The named policy, or the database's default when `rp` is undefined or empty.
   * Throws DatabaseNotFoundError or RetentionPolicyNotFoundError.
   */
  retentionPolicy(db: string, rp?: string): RetentionPolicyInfo;
  /** Live (not deleted) shard groups, optionally of one database and policy, ordered by start time. */
  shardGroups(db?: string, rp?: string): readonly ShardGroupInfo[];
  /** The live shard group of db.rp that covers `timeNs`, if one exists. */
  shardGroupAt(db: string, rp: string, timeNs: bigint): ShardGroupInfo | undefined;
  /** The type fixed for a field of a measurement, or undefined if it was never written. */
  fieldType(db: string, measurement: string, field: string): FieldType | undefined;
  /** Every field of a measurement with its type, in name order. */
  fields(db: string, measurement: string): ReadonlyMap<string, FieldType>;

  /** Creates the database (if absent) and its default policy (`autogen` unless `rp` names another). */
  createDatabase(name: string, rp?: RetentionPolicySpec): Promise<DatabaseInfo>;
  /** Dropping a database that does not exist succeeds, as in InfluxDB. */
  dropDatabase(name: string): Promise<void>;
  createRetentionPolicy(db: string, spec: RetentionPolicySpec, makeDefault: boolean): Promise<RetentionPolicyInfo>;
  updateRetentionPolicy(db: string, name: string, update: RetentionPolicyUpdate, makeDefault: boolean): Promise<void>;
  dropRetentionPolicy(db: string, name: string): Promise<void>;
  /** Create-if-absent: returns the group that covers `timeNs`, creating it aligned to the policy's duration. */
  createShardGroup(db: string, rp: string, timeNs: bigint): Promise<ShardGroupInfo>;
  deleteShardGroup(db: string, rp: string, id: number): Promise<void>;
  /**
   * InfluxQL's DROP SHARD: removes the shard from its group, and the group with it when it was the
   * group's last; nodes holding it drop its files. An unknown id is not an error, as in InfluxDB.
   */
  dropShard(id: number): Promise<void>;
  /**
   * Fixes the types of new fields (create-if-absent). A field that already has another type throws
   * FieldTypeConflictError and records nothing of the call.
   */
  addFields(db: string, measurement: string, fields: ReadonlyArray<readonly [string, FieldType]>): Promise<void>;
  /**
   * Forgets the field types of a measurement, so the next write fixes them afresh: InfluxDB's
   * DROP MEASUREMENT does this, and it is how users fix a field written with the wrong type.
   * Forgetting a measurement that has no fields is fine; a missing database throws
   * DatabaseNotFoundError.
   */
  dropMeasurementFields(db: string, measurement: string): Promise<void>;
  /**
   * Resolves once every change this node can already read is durable. Reads see a mutation as soon
   * as it is made, including one still being persisted for another caller; a writer that relies on
   * what it read (a shard group, a field type) waits on this before acknowledging anything.
   */
  sync(): Promise<void>;
  /**
   * Resolves once this node's reads reflect every change committed before the call, through any
   * node or client. Reads are served from a local copy that may trail changes made elsewhere by a
   * few milliseconds; a caller about to refuse a request over something missing (an unknown
   * database, say, created by the CLI just before) catches up once and looks again.
   */
  catchUp(): Promise<void>;
  /** Subscribes to changes that require local cleanup; returns the unsubscribe function. */
  onChange(listener: (event: CatalogEvent) => void): () => void;
  close(): Promise<void>;
}

/** InfluxDB's default shard-group duration for a retention policy duration (0n = infinite). */
export function defaultShardGroupDurationNs(durationNs: bigint): bigint {
  if (durationNs === 0n || durationNs >= 180n * NS_PER_DAY) return 7n * NS_PER_DAY;
  if (durationNs >= 2n * NS_PER_DAY) return NS_PER_DAY;
  return NS_PER_HOUR;
}
