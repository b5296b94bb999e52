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
  constructor(readonly info: SeriesInfo) {}
}

export class Cache {
  readonly series = new Map<string, CacheSeries>();
  bytes = 0;
  values = 0;

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
    const end = batch.fieldOffsets[p + 1]!;
    for (let f = batch.fieldOffsets[p]!; f < end; f++) {
      const key = batch.fieldKeys[f]!;
      const type = batch.fieldTypes[f]! as FieldType;
      let col = series.fields.get(key);
      if (!col) {
        col = new Column(type);
        series.fields.set(key, col);
      }
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
    this.values += end - batch.fieldOffsets[p]!;
  }
}
