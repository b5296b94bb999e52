// The data the META service holds, as its readers see it. Every record is immutable: the state
// replaces a record when it changes, so a value handed out (a command result, a change record, a
// read) never changes under its holder.

import type { DatabaseInfo, RetentionPolicyInfo, ShardGroupInfo } from '@shoal/tsdb';

/** `up` nodes are live: they receive shards. The leader marks a node `down` when its heartbeats
 * stop; a heartbeat brings it back `up`. `decommissioned` nodes stay out until set `up` again. */
export type NodeStatus = 'up' | 'down' | 'decommissioned';
export const NODE_STATUSES: readonly NodeStatus[] = ['up', 'down', 'decommissioned'];

interface NodeFields {
  /** Unique across META and DATA nodes (one counter, as in InfluxDB). */
  readonly id: number;
  /** Where the node's gRPC services listen (cluster-internal). */
  readonly rpcAddress: string;
  /** Where the node's HTTP API listens. */
  readonly httpAddress: string;
  readonly status: NodeStatus;
  /** The newest heartbeat time the leader recorded for the node (registration counts as one). */
  readonly lastHeartbeatNs: bigint;
}

export interface MetaNodeInfo extends NodeFields {
  /** The node's id in the META Raft group. */
  readonly raftId: string;
}

export type DataNodeInfo = NodeFields;

/** A shard group as META records it: the catalog's view plus the markers DATA nodes act on. */
export interface MetaShardGroupInfo extends ShardGroupInfo {
  /** When the group was marked deleted (its shards are to be dropped), or null while it is live. */
  readonly deletedAtNs: bigint | null;
  /** Writes at or after this time go to a newer group; null when not truncated. */
  readonly truncatedAtNs: bigint | null;
}

/** InfluxQL's privileges on a database; `none` is kept after a revoke, as SHOW GRANTS shows it. */
export type Privilege = 'none' | 'read' | 'write' | 'all';
export const PRIVILEGES: readonly Privilege[] = ['none', 'read', 'write', 'all'];

export interface UserInfo {
  readonly name: string;
  /** A password hash (never the password); the security layer chooses the scheme. */
  readonly hash: string;
  readonly admin: boolean;
  /** Privilege per database, in the order they were first granted. */
  readonly privileges: ReadonlyMap<string, Privilege>;
}

export type MetaErrorCode =
  | 'bad-command'
  | 'database-name-required'
  | 'database-not-found'
  | 'retention-policy-not-found'
  | 'retention-policy-exists'
  | 'retention-policy-conflict'
  | 'invalid-retention-policy'
  | 'shard-group-not-found'
  | 'time-out-of-range'
  | 'no-data-nodes'
  | 'field-type-conflict'
  | 'username-required'
  | 'user-exists'
  | 'user-not-found'
  | 'node-exists'
  | 'node-not-found';

export interface MetaError {
  readonly code: MetaErrorCode;
  /** InfluxDB's wording, as the single-node catalog words it. */
  readonly message: string;
}

/**
 * The outcome of a command. A rejected command is a result, not a throw: every replica reaches the
 * same verdict for the same log entry, and the log moves on.
 */
export type MetaResult<T = MetaValue> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: MetaError };

/** Values commands return (see `CommandValues` in commands.ts for which command returns which). */
export type MetaValue =
  | null
  | MetaNodeInfo
  | DataNodeInfo
  | DatabaseInfo
  | RetentionPolicyInfo
  | MetaShardGroupInfo
  | readonly MetaShardGroupInfo[]
  | UserInfo;
