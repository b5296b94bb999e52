// The single-node write path: parse, check against the catalog (retention and field types), find
// or create shard groups, and write each local shard. Every bad point is counted and explained;
// none of them stops the good ones.

import type { Logger } from 'pino';
import { INT64_MIN, fieldTypeName, type FieldType } from '@shoal/lineproto';
import {
  DatabaseNotFoundError,
  FieldTypeConflictError,
  RetentionPolicyNotFoundError,
  encodeWriteRecordHeader,
  type PointBatch,
  type Catalog,
  type RetentionPolicyInfo,
  type ShardGroupInfo,
  type TSDBStore,
} from '@shoal/tsdb';
import type { PointsWriter, WriteOutcome, WriteRequest } from './points-writer.js';
import { ParsePool } from './parse-pool.js';
import { shardFor } from './shard-mapper.js';

const BEYOND_RETENTION = 'points beyond retention policy';
const NEWLINE = Buffer.from('\n');

export interface LocalPointsWriterOptions {
  readonly catalog: Catalog;
  readonly store: TSDBStore;
  readonly logger: Logger;
  /** Server clock in ns, for points without a timestamp and for retention; injectable for tests. */
  readonly nowNs?: () => bigint;
  /**
   * Threads that parse large bodies; 0 (the default) parses on the main thread. On the 2-core
   * machines measured so far (docs/benchmarks.md) a worker did not raise throughput: the second
   * core already serves fsyncs, LevelDB and the network, and handing batches across threads costs
   * what parsing elsewhere saves. Machines with cores to spare may set it.
   */
  readonly parseWorkers?: number;
}

export class LocalPointsWriter implements PointsWriter {
  private readonly nowNs: () => bigint;
  private readonly parser: ParsePool;

  constructor(private readonly opts: LocalPointsWriterOptions) {
    this.nowNs = opts.nowNs ?? (() => BigInt(Date.now()) * 1_000_000n);
    this.parser = new ParsePool({ workers: opts.parseWorkers ?? 0, logger: opts.logger });
  }

  /** Stops the parse workers; writes in flight must have finished. */
  close(): Promise<void> {
    return this.parser.close();
  }

  async write(req: WriteRequest): Promise<WriteOutcome> {
    const { catalog, store } = this.opts;
    const db = req.database;
    const rp = await retentionPolicyAfterCatchUp(catalog, db, req.retentionPolicy);
    const serverTime = this.nowNs();
    const { parsed, body } = await this.parser.parse(req.body, req.precision, serverTime);
    const { batch, parseErrorCount, parseErrors } = parsed;
    let dropped = parsed.invalidCount;
    let dropReason = parsed.invalidReason;
    const drop = (reason: string): void => {
      dropped++;
      dropReason ??= reason;
    };

    // Retention and field types, point by point; new fields are fixed in the catalog before any
    // point that uses them is written, so every node decides a later conflict the same way.
    const cutoff = rp.durationNs === 0n ? INT64_MIN : serverTime - rp.durationNs;
    const accepted = new Uint8Array(batch.count);
    let newFields = this.checkPoints(db, batch, cutoff, accepted, drop);
    while (newFields.size > 0) {
      const conflicted = await this.addFields(db, newFields);
      if (!conflicted) break;
      // Another write fixed a type first: check the points that relied on the new fields again.
      newFields = this.checkPoints(db, batch, cutoff, accepted, drop, conflicted);
    }

    // Shard groups: one catalog lookup per group boundary crossed, creation when missing.
    const byShard = new Map<number, { group: ShardGroupInfo; points: number[] }>();
    let group: ShardGroupInfo | undefined;
    for (let p = 0; p < batch.count; p++) {
      if (accepted[p] !== 1) continue;
      const t = batch.times[p]!;
      if (!group || t < group.startNs || t >= group.endNs) {
        group = catalog.shardGroupAt(db, rp.name, t) ?? (await catalog.createShardGroup(db, rp.name, t));
      }
      const shard = shardFor(group, batch.seriesKey(p));
      let entry = byShard.get(shard.id);
      if (!entry) {
        entry = { group, points: [] };
        byShard.set(shard.id, entry);
      }
      entry.points.push(p);
    }

    // Groups and field types this write relies on may have been created by a concurrent write and
    // not be on disk yet: nothing is acknowledged until they are.
    await catalog.sync();

    const header = encodeWriteRecordHeader(req.precision, serverTime);
    const wholeBody = parseErrorCount === 0 && dropped === 0 && byShard.size === 1;
    const writes: Promise<void>[] = [];
    let written = 0;
    for (const [shardId, { group: g, points }] of byShard) {
      const shard = await store.createShard(shardId, { database: db, retentionPolicy: rp.name, shardGroupId: g.id });
      // A clean request is logged as it came; otherwise only this shard's accepted lines.
      const lines = wholeBody ? body : linesOf(body, batch, points);
      writes.push(shard.write(batch, points, points.length, [header, lines]));
      written += points.length;
    }
    await Promise.all(writes);
    return { written, parseErrorCount, parseErrors, dropped, dropReason };
  }

  /**
   * Marks points accepted (1) or dropped (2) and returns the fields the catalog does not know yet.
   * With `recheck`, only points of those measurements that were accepted are examined again.
   */
  private checkPoints(
    db: string,
    batch: PointBatch,
    cutoff: bigint,
    accepted: Uint8Array,
    drop: (reason: string) => void,
    recheck?: ReadonlySet<string>,
  ): Map<string, Map<string, FieldType>> {
    const { catalog } = this.opts;
    const pending = new Map<string, Map<string, FieldType>>();
    // The fields of the last point that passed: a point with the same measurement and the same
    // field keys and types passes too, without a catalog lookup per field.
    let okMeasurement: string | undefined;
    let okStart = 0;
    let okEnd = 0;
    for (let p = 0; p < batch.count; p++) {
      const measurement = batch.measurement(p);
      if (recheck) {
        if (accepted[p] !== 1 || !recheck.has(measurement)) continue;
      } else if (batch.times[p]! < cutoff) {
        accepted[p] = 2;
        drop(BEYOND_RETENTION);
        continue;
      }
      const start = batch.fieldOffsets[p]!;
      const end = batch.fieldOffsets[p + 1]!;
      if (measurement === okMeasurement && sameFields(batch, start, end, okStart, okEnd)) {
        accepted[p] = 1;
        continue;
      }
      let newHere = pending.get(measurement);
      let conflict: string | undefined;
      for (let f = start; f < end; f++) {
        const key = batch.fieldKey(f);
        const type = batch.fieldTypes[f]! as FieldType;
        const known = catalog.fieldType(db, measurement, key) ?? newHere?.get(key);
        if (known === undefined) {
          if (!newHere) {
            newHere = new Map();
            pending.set(measurement, newHere);
          }
          newHere.set(key, type);
        } else if (known !== type) {
          conflict = new FieldTypeConflictError(measurement, key, fieldTypeName(type), fieldTypeName(known)).message;
          break;
        }
      }
      if (conflict) {
        accepted[p] = 2;
        drop(conflict);
      } else {
        accepted[p] = 1;
        okMeasurement = measurement;
        okStart = start;
        okEnd = end;
      }
    }
    return pending;
  }

  /** Fixes new field types; returns the measurements whose fields conflicted meanwhile. */
  private async addFields(db: string, fields: Map<string, Map<string, FieldType>>): Promise<Set<string> | undefined> {
    let conflicted: Set<string> | undefined;
    for (const [measurement, f] of fields) {
      try {
        await this.opts.catalog.addFields(db, measurement, [...f]);
      } catch (err) {
        if (!(err instanceof FieldTypeConflictError)) throw err;
        (conflicted ??= new Set()).add(measurement);
      }
    }
    return conflicted;
  }
}

/** Whether fields [a, aEnd) and [b, bEnd) of the batch have the same keys and types in order. */
function sameFields(batch: PointBatch, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let i = 0; i < aEnd - a; i++) {
    if (batch.fieldIds[a + i] !== batch.fieldIds[b + i] || batch.fieldTypes[a + i] !== batch.fieldTypes[b + i]) return false;
  }
  return true;
}

/** The given points' lines, each ending in a newline, as one buffer. */
function linesOf(body: Uint8Array, batch: PointBatch, points: readonly number[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const p of points) {
    parts.push(body.subarray(batch.lineStarts[p]!, batch.lineEnds[p]!), NEWLINE);
  }
  return Buffer.concat(parts);
}

/**
 * The write's policy. The catalog is a local copy that can trail META by a few milliseconds, so a
 * database or policy just created through another node or the CLI may not be in it yet: before
 * refusing the write, catch up once and look again (a round trip only on that error path).
 */
async function retentionPolicyAfterCatchUp(catalog: Catalog, db: string, rp: string | undefined): Promise<RetentionPolicyInfo> {
  try {
    return catalog.retentionPolicy(db, rp);
  } catch (err) {
    if (!(err instanceof DatabaseNotFoundError || err instanceof RetentionPolicyNotFoundError)) throw err;
    await catalog.catchUp();
    return catalog.retentionPolicy(db, rp);
  }
}
