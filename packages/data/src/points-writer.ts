// The write path between the HTTP API and the shards: parse line protocol, check every point
// against the catalog's field schema, map points to shard groups by time and to shards by series
// hash, and write each shard. On a single node every shard is local; the cluster issue swaps in a
// coordinator that sends shard writes to their owners, behind this same interface.

import type { Precision } from '@shoal/lineproto';

export type ConsistencyLevel = 'any' | 'one' | 'quorum' | 'all';

export interface WriteRequest {
  readonly database: string;
  /** Undefined or empty: the database's default retention policy. */
  readonly retentionPolicy?: string | undefined;
  readonly precision: Precision;
  /** The (already decompressed) request body; never copied. */
  readonly body: Uint8Array;
  readonly consistency?: ConsistencyLevel | undefined;
}

export interface WriteOutcome {
  /** Points stored (durable per the consistency level when the promise resolves). */
  readonly written: number;
  /** Lines that failed to parse, and their messages in InfluxDB's wording (capped at 100). */
  readonly parseErrorCount: number;
  readonly parseErrors: readonly string[];
  /**
   * Points that parsed but were refused: field type conflict, beyond retention, `time` tag.
   * `dropReason` is the first refusal in InfluxDB's wording, e.g.
   * `field type conflict: input field "v" on measurement "m" is type float, already exists as type integer`
   * or `points beyond retention policy`.
   */
  readonly dropped: number;
  readonly dropReason?: string | undefined;
}

export interface PointsWriter {
  /**
   * Throws DatabaseNotFoundError / RetentionPolicyNotFoundError (from @shoal/tsdb) when the target
   * does not exist; any other throw is a server error. Bad points never make the call throw.
   */
  write(req: WriteRequest): Promise<WriteOutcome>;
}
