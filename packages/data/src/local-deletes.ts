// The query engine's DeletePort over this node's own shards: DROP MEASUREMENT, DROP SERIES and
// DELETE. Each local shard of the database whose group overlaps the time range matches the
// measurement's series against the tag predicate in its own index (the one the query path reads)
// and deletes them over the range; the shard makes that durable and crash-safe. Shards run one
// after another, so one statement never holds more than one shard's delete in memory.

import type { DeletePort, TagPredicate } from '@shoal/influxql';
import { INT64_MAX, INT64_MIN } from '@shoal/lineproto';
import type { Catalog, Shard, TSDBStore } from '@shoal/tsdb';

/** Every time a point can have: DROP SERIES and DROP MEASUREMENT remove series whole. */
const ALL_TIME_MIN_NS = INT64_MIN;
const ALL_TIME_MAX_NS = INT64_MAX;

export class LocalDeletes implements DeletePort {
  constructor(
    private readonly catalog: Catalog,
    private readonly store: TSDBStore,
  ) {}

  async dropMeasurement(db: string, measurement: string): Promise<void> {
    await this.deleteSeries(db, measurement, undefined, ALL_TIME_MIN_NS, ALL_TIME_MAX_NS);
    // A write that raced the drop may have brought the measurement back; its points carry the
    // old types, which must stay fixed (InfluxDB keeps the field set in that case too).
    if (this.localShards(db, ALL_TIME_MIN_NS, ALL_TIME_MAX_NS).some((s) => s.index.hasMeasurement(measurement))) return;
    await this.catalog.dropMeasurementFields(db, measurement);
  }

  dropSeries(db: string, measurement: string, where: TagPredicate | undefined): Promise<void> {
    return this.deleteSeries(db, measurement, where, ALL_TIME_MIN_NS, ALL_TIME_MAX_NS);
  }

  async deleteSeries(db: string, measurement: string, where: TagPredicate | undefined, minNs: bigint, maxNs: bigint): Promise<void> {
    for (const shard of this.localShards(db, minNs, maxNs)) {
      const ids = shard.index.match(measurement, where);
      if (ids.length > 0) await shard.deleteSeriesRange(ids, minNs, maxNs);
    }
  }

  /** The shards of `db` this node holds whose groups overlap [minNs, maxNs]. */
  private localShards(db: string, minNs: bigint, maxNs: bigint): Shard[] {
    const out: Shard[] = [];
    for (const g of this.catalog.shardGroups(db)) {
      if (g.startNs > maxNs || g.endNs <= minNs) continue;
      for (const s of g.shards) {
        const shard = this.store.shard(s.id);
        if (shard !== undefined) out.push(shard);
      }
    }
    return out;
  }
}
