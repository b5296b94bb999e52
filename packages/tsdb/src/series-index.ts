// The series index of a shard: series key ↔ series id, and measurement → tag key → tag value →
// series ids (postings). Only the keys are persisted (by the shard); this in-memory structure is
// rebuilt from them when the shard opens. Ids are assigned in increasing order, so postings built
// by appending stay sorted and set operations are linear merges.

import { splitSeriesKey } from '@shoal/lineproto';

export interface SeriesInfo {
  readonly id: number;
  readonly key: string;
  readonly measurement: string;
  readonly tags: ReadonlyArray<readonly [string, string]>;
}

/** A predicate on tags, InfluxDB's semantics: a missing tag has the value ''. */
export type TagExpr =
  | { readonly op: 'and' | 'or'; readonly left: TagExpr; readonly right: TagExpr }
  | { readonly op: '=' | '!='; readonly key: string; readonly value: string }
  | { readonly op: '=~' | '!~'; readonly key: string; readonly regex: RegExp };

class MeasurementIndex {
  /** Every series of the measurement, ascending ids. */
  series: number[] = [];
  /** tag key → tag value → ascending series ids. */
  readonly tags = new Map<string, Map<string, number[]>>();
}

export class SeriesIndex {
  private readonly byKey = new Map<string, SeriesInfo>();
  private readonly byId = new Map<number, SeriesInfo>();
  private readonly measurementIndexes = new Map<string, MeasurementIndex>();
  private nextId = 1;

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): SeriesInfo | undefined {
    return this.byKey.get(key);
  }

  getById(id: number): SeriesInfo | undefined {
    return this.byId.get(id);
  }

  /** Registers a new series under a fresh id. */
  create(key: string): SeriesInfo {
    return this.insert(this.nextId, key);
  }

  /** Registers a series loaded from disk under its persisted id. */
  load(id: number, key: string): SeriesInfo {
    return this.insert(id, key);
  }

  private insert(id: number, key: string): SeriesInfo {
    if (this.byKey.has(key)) throw new Error(`series already indexed: ${key}`);
    const { measurement, tags } = splitSeriesKey(key);
    const info: SeriesInfo = { id, key, measurement, tags };
    this.byKey.set(key, info);
    this.byId.set(id, info);
    if (id >= this.nextId) this.nextId = id + 1;
    let m = this.measurementIndexes.get(measurement);
    if (!m) {
      m = new MeasurementIndex();
      this.measurementIndexes.set(measurement, m);
    }
    insertSorted(m.series, id);
    for (const [k, v] of tags) {
      let values = m.tags.get(k);
      if (!values) {
        values = new Map();
        m.tags.set(k, values);
      }
      let postings = values.get(v);
      if (!postings) {
        postings = [];
        values.set(v, postings);
      }
      insertSorted(postings, id);
    }
    return info;
  }

  /**
   * Forgets series (a delete left them without data). Measurements, tag keys and tag values that
   * no remaining series carries go too, so SHOW statements stop listing them. Each posting list is
   * rewritten once, whatever the number of ids, so dropping a whole measurement stays linear.
   * Ids are never handed out again by this index.
   */
  remove(ids: readonly number[]): void {
    const byMeasurement = new Map<string, SeriesInfo[]>();
    for (const id of ids) {
      const info = this.byId.get(id);
      if (!info) continue;
      this.byId.delete(id);
      this.byKey.delete(info.key);
      let list = byMeasurement.get(info.measurement);
      if (!list) byMeasurement.set(info.measurement, (list = []));
      list.push(info);
    }
    for (const [measurement, removed] of byMeasurement) {
      const m = this.measurementIndexes.get(measurement)!;
      const gone = removed.map((s) => s.id).sort((a, b) => a - b);
      m.series = difference(m.series, gone);
      if (m.series.length === 0) {
        this.measurementIndexes.delete(measurement);
        continue;
      }
      // Lists already rewritten for an earlier series of this call (absent ones were emptied).
      const rewritten = new Set<number[]>();
      for (const info of removed) {
        for (const [k, v] of info.tags) {
          const values = m.tags.get(k);
          const postings = values?.get(v);
          if (!values || !postings || rewritten.has(postings)) continue;
          const left = difference(postings, gone);
          if (left.length > 0) {
            values.set(v, left);
            rewritten.add(left);
          } else values.delete(v);
          if (values.size === 0) m.tags.delete(k);
        }
      }
    }
  }

  measurements(): string[] {
    return [...this.measurementIndexes.keys()].sort();
  }

  hasMeasurement(measurement: string): boolean {
    return this.measurementIndexes.has(measurement);
  }

  tagKeys(measurement: string): string[] {
    const m = this.measurementIndexes.get(measurement);
    return m ? [...m.tags.keys()].sort() : [];
  }

  tagValues(measurement: string, key: string): string[] {
    const values = this.measurementIndexes.get(measurement)?.tags.get(key);
    return values ? [...values.keys()].sort() : [];
  }

  /** Ascending ids of the measurement's series that match `expr` (all of them when undefined). */
  match(measurement: string, expr?: TagExpr): number[] {
    const m = this.measurementIndexes.get(measurement);
    if (!m) return [];
    return expr ? evaluate(m, expr) : m.series.slice();
  }
}

function evaluate(m: MeasurementIndex, e: TagExpr): number[] {
  switch (e.op) {
    case 'and':
      return intersect(evaluate(m, e.left), evaluate(m, e.right));
    case 'or':
      return union(evaluate(m, e.left), evaluate(m, e.right));
    case '=':
      return equalTo(m, e.key, e.value);
    case '!=':
      return difference(m.series, equalTo(m, e.key, e.value));
    case '=~':
      return matching(m, e.key, e.regex);
    case '!~':
      return difference(m.series, matching(m, e.key, e.regex));
  }
}

function equalTo(m: MeasurementIndex, key: string, value: string): number[] {
  const values = m.tags.get(key);
  if (value === '') return values ? difference(m.series, allWithKey(values)) : m.series;
  return values?.get(value) ?? [];
}

function matching(m: MeasurementIndex, key: string, regex: RegExp): number[] {
  const values = m.tags.get(key);
  let out: number[] = [];
  if (values) {
    for (const [v, postings] of values) {
      regex.lastIndex = 0;
      if (regex.test(v)) out = union(out, postings);
    }
  }
  regex.lastIndex = 0;
  // Series without the tag take the value '' and match when the pattern matches ''.
  if (regex.test('')) out = union(out, values ? difference(m.series, allWithKey(values)) : m.series);
  return out;
}

function allWithKey(values: Map<string, number[]>): number[] {
  let out: number[] = [];
  for (const postings of values.values()) out = union(out, postings);
  return out;
}

function insertSorted(a: number[], id: number): void {
  if (a.length === 0 || a[a.length - 1]! < id) {
    a.push(id);
    return;
  }
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  if (a[lo] !== id) a.splice(lo, 0, id);
}

export function intersect(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

export function union(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out.push(a[i++]!);
    else if (i >= a.length || b[j]! < a[i]!) out.push(b[j++]!);
    else {
      out.push(a[i++]!);
      j++;
    }
  }
  return out;
}

export function difference(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j]! < x) j++;
    if (j >= b.length || b[j] !== x) out.push(x);
  }
  return out;
}
