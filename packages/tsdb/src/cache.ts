// The write cache of a shard: every point that is in the WAL but not yet in blocks. A flush swaps
// in a fresh cache and turns the old one into a read-only snapshot until its blocks are durable,
// so writes never wait for a flush and readers always see every acknowledged point.

import { FieldType } from '@shoal/lineproto';
import { Column } from './column.js';
import type { PointBatch } from './point-batch.js';
import type { SeriesInfo } from './series-index.js';

/** Estimated heap bytes of one cached value besides strings: time and value, 8 bytes each. */
const VALUE_BYTES = 16;

export class CacheSeries {
  readonly fields = new Map<string, Column>();
  /**
   * The field keys and columns of the last point written, in its order. Points of a series nearly
   * always repeat their shape, and the parser interns field keys, so comparing keys here replaces a
   * map lookup per field with a pointer comparison.
   */
  shapeKeys: string[] = [];
  shapeColumns: Column[] = [];
  constructor(readonly info: SeriesInfo) {}
}

export class Cache {
  readonly series = new Map<string, CacheSeries>();
  bytes = 0;
  values = 0;

  /**
   * The cache this one replaced: new columns start at the size their predecessor reached, which
   * spares steady ingest a dozen regrowths per column and flush cycle.
   */
  constructor(private previous?: Cache) {
    if (previous) previous.previous = undefined;
  }

  get empty(): boolean {
    return this.values === 0;
  }

  entry(info: SeriesInfo): CacheSeries {
    let s = this.series.get(info.key);
    if (!s) {
      s = new CacheSeries(info);
      this.series.set(info.key, s);
    }
    return s;
  }

  /** Adds the fields of point `p` of `batch` to the series' columns. */
  insertPoint(series: CacheSeries, batch: PointBatch, p: number): void {
    const time = batch.times[p]!;
    const start = batch.fieldOffsets[p]!;
    const end = batch.fieldOffsets[p + 1]!;
    const columns = this.columnsFor(series, batch, start, end);
    for (let f = start; f < end; f++) {
      const type = batch.fieldTypes[f]! as FieldType;
      const col = columns[f - start]!;
      if (type === FieldType.String) {
        const s = batch.strs.get(f)!;
        col.appendString(time, s);
        this.bytes += VALUE_BYTES + s.length * 2;
      } else {
        const n = batch.nums[f]!;
        if (Number.isNaN(n) && (type === FieldType.Integer || type === FieldType.Unsigned)) col.appendBig(time, batch.bigs.get(f)!);
        else col.appendNumber(time, n);
        this.bytes += VALUE_BYTES;
      }
    }
    this.values += end - start;
  }

  /** The columns for fields [start, end) of the batch, in that order. */
  private columnsFor(series: CacheSeries, batch: PointBatch, start: number, end: number): Column[] {
    const keys = series.shapeKeys;
    let same = keys.length === end - start;
    for (let f = start; same && f < end; f++) same = keys[f - start] === batch.fieldKey(f);
    if (same) return series.shapeColumns;
    const shapeKeys: string[] = [];
    const shapeColumns: Column[] = [];
    for (let f = start; f < end; f++) {
      const key = batch.fieldKey(f);
      let col = series.fields.get(key);
      if (!col) {
        const hint = this.previous?.series.get(series.info.key)?.fields.get(key)?.count;
        col = new Column(batch.fieldTypes[f]! as FieldType, hint);
        series.fields.set(key, col);
      }
      shapeKeys.push(key);
      shapeColumns.push(col);
    }
    series.shapeKeys = shapeKeys;
    series.shapeColumns = shapeColumns;
    return shapeColumns;
  }
}
