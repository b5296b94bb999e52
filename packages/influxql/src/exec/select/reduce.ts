// The reduce side of a SELECT: merging what every shard mapped for one call into one stream per
// group, then turning buckets into points (with fill), applying transformations and LIMIT/OFFSET.
// Partials of one bucket from several shards are merged in the order InfluxDB's merge iterator
// over the shards hands them on (merge-order.ts), and re-reduced once more for each level
// InfluxDB stacks above it (the measurement, for a regex source, and the statement), so that
// floats come out as InfluxDB's do.

import { FieldType } from '@shoal/lineproto';
import type { FillOption } from '../../ast.js';
import { MIN_TIME_NS } from '../../time-range.js';
import { floatToInt64 } from '../eval.js';
import { compareStrings, type Value } from '../result.js';
import { createAgg, isPushdown, type Agg, type OutPoint } from './aggregates.js';
import { Buffered, mergeOf, type PointStream } from './merge-order.js';
import type { Bucket, MapBatch, RawRow } from './map.js';
import { windowStart, type CallSpec, type Interval } from './plan.js';
import { zoneOffsetNs } from '../zone.js';
import { createTransform, transformOutputType, type Transform } from './transforms.js';

/** Part of one group's points; consecutive batches may continue the same group. */
export interface GroupPoints {
  readonly key: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly points: OutPoint[];
}

const BATCH = 1024;

/** An async stream of map batches with one item of look-ahead. */
class Peek {
  batch: MapBatch | null = null;
  pos = 0;
  done = false;
  constructor(private readonly it: AsyncIterator<MapBatch>) {}
  private size(): number {
    return this.batch === null ? 0 : (this.batch.rows?.length ?? this.batch.buckets?.length ?? 0);
  }
  /** Loads until an item is at hand or the stream ends. */
  async load(): Promise<void> {
    while (!this.done && (this.batch === null || this.pos >= this.size())) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        this.batch = null;
      } else {
        this.batch = r.value;
        this.pos = 0;
      }
    }
  }
  key(): string | undefined {
    return this.done ? undefined : this.batch!.key;
  }
  async close(): Promise<void> {
    if (!this.done) await this.it.return?.(undefined);
    this.done = true;
  }
}

/**
 * Rows of one group across shards, in time order. Shards hold disjoint times, so this is the
 * order of InfluxDB's sorted merge of the shards; equal times (one shard's rows) keep their order.
 */
async function* groupItems<T extends RawRow>(
  peeks: readonly Peek[],
  key: string,
  pick: (b: MapBatch) => readonly T[],
  timeOf: (x: T) => bigint,
  ascending: boolean,
): AsyncGenerator<T[]> {
  const live = peeks.filter((p) => p.key() === key);
  if (live.length === 1) {
    // One shard holds the group: its batches are already in order; pass them through.
    const p = live[0]!;
    while (p.key() === key) {
      const items = pick(p.batch!);
      const run = p.pos === 0 ? items.slice() : items.slice(p.pos);
      p.pos = items.length;
      await p.load();
      yield run as T[];
    }
    return;
  }
  for (;;) {
    let best: Peek | undefined;
    let bestT = 0n;
    for (const p of live) {
      if (p.key() !== key) continue;
      const t = timeOf(pick(p.batch!)[p.pos]!);
      if (best === undefined || (ascending ? t < bestT : t > bestT)) {
        best = p;
        bestT = t;
      }
    }
    if (best === undefined) return;
    // Everything at this time from every shard, in shard order.
    const same: T[] = [];
    for (const p of live) {
      while (p.key() === key && timeOf(pick(p.batch!)[p.pos]!) === bestT) {
        same.push(pick(p.batch!)[p.pos]!);
        p.pos++;
        if (p.pos >= pick(p.batch!).length) await p.load();
      }
    }
    yield same;
  }
}

export interface CallReduce {
  readonly call: CallSpec;
  /**
   * How many times InfluxDB reduces a pushed-down call's merged partials again above the merge of
   * the shards: once for the statement, once more for a measurement a regex source named. A
   * mean is re-weighted each time; other calls come out unchanged.
   */
  readonly levels: number;
  /** Type of the field the call reads, in this measurement (after any cast). */
  readonly inputType: FieldType;
  readonly interval: Interval;
  readonly ascending: boolean;
  readonly fill: FillOption;
  readonly fillValue: number | bigint | null;
  readonly limit: number;
  readonly offset: number;
}

/** The type an aggregate emits for an input type. */
export function aggOutputType(call: CallSpec, input: FieldType): FieldType {
  const name = call.agg?.name;
  switch (name) {
    case 'count':
      return FieldType.Integer;
    case 'mean':
    case 'median':
    case 'stddev':
      return FieldType.Float;
    default:
      return input;
  }
}

/** Reportable time of a bucket: InfluxDB shows the open start of time as 0. */
function reportTime(t: bigint): bigint {
  return t === MIN_TIME_NS ? 0n : t;
}

/** Fill for one call in one group: the points of empty buckets, as InfluxDB's fill iterator makes them. */
class Filler {
  private next: bigint | null;
  /** The zone offset at `next`, to step over daylight-saving changes as InfluxDB's fill does. */
  private offset = 0n;
  private prev: OutPoint | null = null;
  private readonly step: bigint;
  private readonly end: bigint | null;

  constructor(
    private readonly r: CallReduce,
    private readonly type: FieldType,
  ) {
    const iv = r.interval;
    this.step = r.ascending ? iv.durationNs : -iv.durationNs;
    const { minNs, maxNs } = r.call;
    if (r.ascending) {
      this.next = minNs === MIN_TIME_NS ? null : windowStart(minNs, iv);
      this.end = windowStart(maxNs, iv);
    } else {
      this.next = windowStart(maxNs, iv);
      this.end = minNs === MIN_TIME_NS ? null : windowStart(minNs, iv);
    }
    if (this.next !== null) this.offset = zoneOffsetNs(iv.location, this.next);
  }

  private start(t: bigint): void {
    this.next = t;
    this.offset = zoneOffsetNs(this.r.interval.location, t);
  }

  /** Moves to the next bucket; in a zone, a bucket after an offset change starts that much later or earlier. */
  private advance(): void {
    let next = this.next! + this.step;
    const zone = this.r.interval.location;
    if (zone !== null) {
      const offset = zoneOffsetNs(zone, next - 1n);
      if (offset !== this.offset) {
        const diff = this.offset - offset;
        if ((diff < 0n ? -diff : diff) < this.r.interval.durationNs) next += diff;
        this.offset = offset;
      }
    }
    this.next = next;
  }

  private before(a: bigint, b: bigint): boolean {
    return this.r.ascending ? a < b : a > b;
  }

  private value(t: bigint, nextPoint: OutPoint | null): Value {
    const r = this.r;
    switch (r.fill) {
      case 'null':
        // count() fills with 0 rather than null (InfluxDB turns fill(null) into fill(0) for it).
        return r.call.agg?.name === 'count' ? 0n : null;
      case 'number': {
        const fv = r.fillValue ?? 0;
        if (this.type === FieldType.Integer || this.type === FieldType.Unsigned) return typeof fv === 'bigint' ? fv : floatToInt64(fv);
        return Number(fv);
      }
      case 'previous':
        return this.prev === null ? null : this.prev.v;
      case 'linear': {
        if (this.prev === null || nextPoint === null || nextPoint.v === null || this.prev.v === null) return null;
        const iv = r.interval.durationNs;
        // InfluxDB divides the times by the interval first (integer division, toward zero).
        const x = Number(t / iv - this.prev.t / iv);
        const span = Number(nextPoint.t / iv - this.prev.t / iv);
        if (this.type === FieldType.Float) {
          const m = ((nextPoint.v as number) - (this.prev.v as number)) / span;
          return m * x + (this.prev.v as number);
        }
        const m = Number(BigInt.asIntN(64, (nextPoint.v as bigint) - (this.prev.v as bigint))) / span;
        return floatToInt64(m * x + Number(this.prev.v as bigint));
      }
      default:
        return null;
    }
  }

  /** The fill points before a bucket with data at `t` (window start), then notes the bucket. */
  fillBefore(t: bigint, first: OutPoint | null, out: OutPoint[]): void {
    if (this.next === null) this.start(t);
    while (this.before(this.next!, t)) {
      out.push({ t: reportTime(this.next!), v: this.value(this.next!, first), aux: null });
      this.advance();
    }
    if (this.next === t) this.advance();
  }

  /** Records the last real point (for previous and linear fill). */
  saw(p: OutPoint): void {
    if (p.v !== null) this.prev = { t: p.t, v: p.v, aux: null };
  }

  /** The fill points after the group's last bucket, up to the end of the range. */
  fillAfter(out: OutPoint[]): void {
    if (this.next === null || this.end === null) return;
    while (!this.before(this.end, this.next!)) {
      out.push({ t: reportTime(this.next!), v: this.value(this.next!, null), aux: null });
      this.advance();
    }
  }
}

/** Applies the transformations, then OFFSET and LIMIT, to a group's points as they come. */
class Tail {
  private readonly transforms: Transform[] = [];
  private seen = 0;
  private taken = 0;

  constructor(
    private readonly r: CallReduce,
    type: FieldType,
  ) {
    let t = type;
    for (const spec of r.call.transforms) {
      this.transforms.push(createTransform(spec, t, { ascending: r.ascending, interval: r.interval, minNs: r.call.minNs, maxNs: r.call.maxNs }));
      t = transformOutputType(spec, t);
    }
  }

  get full(): boolean {
    return this.r.limit > 0 && this.taken >= this.r.limit;
  }

  push(p: OutPoint, out: OutPoint[]): void {
    if (this.transforms.length === 0) this.take(p, out);
    else this.pass([p], 0, out);
  }

  /** The end of the group: what the transformations still hold. */
  finish(out: OutPoint[]): void {
    for (let i = 0; i < this.transforms.length; i++) {
      const held = this.transforms[i]!.flush?.() ?? [];
      if (held.length > 0) this.pass(held, i + 1, out);
    }
  }

  /** Runs points through the transformations from the `from`-th on, then OFFSET and LIMIT. */
  private pass(input: OutPoint[], from: number, out: OutPoint[]): void {
    let pts = input;
    for (let i = from; i < this.transforms.length; i++) {
      const tr = this.transforms[i]!;
      const next: OutPoint[] = [];
      for (const x of pts) if (x.v !== null) for (const y of tr.push(x)) next.push(y);
      pts = next;
    }
    for (const x of pts) this.take(x, out);
  }

  /** OFFSET and LIMIT. */
  private take(x: OutPoint, out: OutPoint[]): void {
    if (this.full || this.seen++ < this.r.offset) return;
    this.taken++;
    out.push(x);
  }
}

/** One shard's buckets, with enough look-ahead buffered for the merge emulation to run synchronously. */
class ShardBuckets implements PointStream<ShardBucket> {
  private items: ShardBucket[] = [];
  private pos = 0;
  private done = false;
  constructor(
    private readonly it: AsyncIterator<MapBatch>,
    private readonly shard: number,
  ) {}
  /** Whether ensure(n) has anything to do. */
  needs(n: number): boolean {
    return !this.done && this.items.length - this.pos < n;
  }
  /** Buffers at least `n` buckets, or all that are left. */
  async ensure(n: number): Promise<void> {
    while (!this.done && this.items.length - this.pos < n) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      if (this.pos > 0) {
        this.items = this.items.slice(this.pos);
        this.pos = 0;
      }
      for (const b of r.value.buckets!) this.items.push({ key: r.value.key, tags: r.value.tags, bucket: b, shard: this.shard });
    }
  }
  next(): ShardBucket | null {
    if (this.pos < this.items.length) return this.items[this.pos++]!;
    if (this.done) return null;
    throw new Error('merge order: a shard was read beyond its buffered buckets');
  }
  async close(): Promise<void> {
    if (!this.done) await this.it.return?.(undefined);
    this.done = true;
  }
}

interface ShardBucket {
  readonly key: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly bucket: Bucket;
  /** The shard's position, oldest first. */
  readonly shard: number;
}

/** Buckets each shard must have buffered before a step of the merge: the one at hand and two of look-ahead. */
const LOOK_AHEAD = 3;

/**
 * One call's points per group, merged from every shard's map: buckets become points (reported
 * at their start unless the call keeps its point's time), empty buckets are filled, then the
 * transformations and OFFSET/LIMIT apply.
 */
export async function* reduceCall(maps: ReadonlyArray<AsyncGenerator<MapBatch>>, r: CallReduce): AsyncGenerator<GroupPoints> {
  if (r.call.agg === null) {
    yield* reduceRows(maps, r);
    return;
  }
  const spec = r.call.agg;
  const outType = aggOutputType(r.call, r.inputType);
  const pushdown = isPushdown(spec);
  const fresh = (): Agg => createAgg(spec, r.inputType, { pointTime: r.call.pointTime, tagArgs: [], ascending: r.ascending });
  const streams = maps.map((m, i) => new ShardBuckets(m, i));
  const order = new Buffered(mergeOf(streams, (b: ShardBucket) => ({ group: b.key, window: b.bucket.start }), r.ascending));
  let group: GroupReduce | undefined;
  try {
    for (;;) {
      for (const s of streams) if (s.needs(LOOK_AHEAD)) await s.ensure(LOOK_AHEAD);
      const first = order.next();
      if (first === null) break;
      // Every shard's partial of this bucket, in the merge's order.
      const same: ShardBucket[] = [first];
      for (;;) {
        const p = order.next();
        if (p === null) break;
        if (p.key !== first.key || p.bucket.start !== first.bucket.start) {
          order.unread(p);
          break;
        }
        same.push(p);
      }
      if (group === undefined || first.key !== group.key) {
        if (group !== undefined) yield* group.finish();
        group = new GroupReduce(r, outType, first.key, first.tags);
      }
      if (group.full) continue; // LIMIT reached: the rest of the group is read and dropped
      group.add(first.bucket.start, pushdown ? mergePushdown(same, fresh, r.levels) : mergeInTimeOrder(same, r.ascending));
      if (group.out.length >= BATCH) yield group.take();
    }
    if (group !== undefined) yield* group.finish();
  } finally {
    for (const s of streams) await s.close();
  }
}

/**
 * The shards' partials of a bucket of a pushed-down call, merged in merge order, then reduced
 * once more per level InfluxDB stacks above the merge.
 */
function mergePushdown(same: readonly ShardBucket[], fresh: () => Agg, levels: number): Agg {
  let agg = fresh();
  for (const x of same) agg.merge(x.bucket.agg);
  for (let level = 0; level < levels; level++) {
    const up = fresh();
    up.merge(agg);
    agg = up;
  }
  return agg;
}

/** Points reach the other reducers merged by time: the older shard's first, or the newer's when descending. */
function mergeInTimeOrder(same: ShardBucket[], ascending: boolean): Agg {
  same.sort((a, b) => (ascending ? a.shard - b.shard : b.shard - a.shard));
  const agg = same[0]!.bucket.agg;
  for (let i = 1; i < same.length; i++) agg.merge(same[i]!.bucket.agg);
  return agg;
}

/**
 * One group's points of one call: merged buckets in; fill, transformations, OFFSET and LIMIT
 * applied; points out. Per-bucket work lives in small methods rather than in reduceCall's loop,
 * which V8 optimizes late: an async generator's loop runs a few dozen times per query.
 */
class GroupReduce {
  out: OutPoint[] = [];
  private readonly tail: Tail;
  private readonly filler: Filler | null;
  /** The fill points due before or after a bucket; reused. */
  private readonly fills: OutPoint[] = [];

  constructor(
    r: CallReduce,
    outType: FieldType,
    readonly key: string,
    readonly tags: Readonly<Record<string, string>>,
  ) {
    this.tail = new Tail(r, outType);
    this.filler = r.call.fill ? new Filler(r, outType) : null;
  }

  get full(): boolean {
    return this.tail.full;
  }

  /** The points of the bucket starting at `start`, after the fill points due before it. */
  add(start: bigint, agg: Agg): void {
    const pts = agg.result(reportTime(start));
    const filler = this.filler;
    if (filler !== null && pts.length > 0) {
      this.fills.length = 0;
      filler.fillBefore(start, pts[0]!, this.fills);
      for (const f of this.fills) this.tail.push(f, this.out);
    }
    for (const p of pts) {
      this.tail.push(p, this.out);
      filler?.saw(p);
    }
  }

  /** The points so far, handed on. */
  take(): GroupPoints {
    const points = this.out;
    this.out = [];
    return { key: this.key, tags: this.tags, points };
  }

  /** The end of the group: fill up to the range's end, what transformations hold, and the rest. */
  *finish(): Generator<GroupPoints> {
    if (this.filler !== null && !this.tail.full) {
      this.fills.length = 0;
      this.filler.fillAfter(this.fills);
      for (const f of this.fills) this.tail.push(f, this.out);
    }
    this.tail.finish(this.out);
    if (this.out.length > 0) yield this.take();
  }
}

/** The raw rows of a raw query, or the input of a transformation, per group across shards. */
async function* reduceRows(maps: ReadonlyArray<AsyncGenerator<MapBatch>>, r: CallReduce): AsyncGenerator<GroupPoints> {
  const peeks = maps.map((m) => new Peek(m));
  try {
    for (const p of peeks) await p.load();
    for (;;) {
      let key: string | undefined;
      for (const p of peeks) {
        const k = p.key();
        if (k === undefined) continue;
        if (key === undefined || (r.ascending ? compareStrings(k, key) < 0 : compareStrings(k, key) > 0)) key = k;
      }
      if (key === undefined) return;
      const tags = peeks.find((p) => p.key() === key)!.batch!.tags;
      const tail = new Tail(r, r.inputType);
      let out: OutPoint[] = [];
      for await (const same of groupItems<RawRow>(peeks, key, (b) => b.rows!, (x) => x.t, r.ascending)) {
        for (const row of same) tail.push(row, out);
        if (out.length >= BATCH) {
          yield { key, tags, points: out };
          out = [];
        }
        if (tail.full) break;
      }
      tail.finish(out);
      if (out.length > 0) yield { key, tags, points: out };
      // Skip whatever is left of this group (LIMIT reached).
      for (const p of peeks) {
        while (p.key() === key) {
          p.pos = Number.MAX_SAFE_INTEGER;
          await p.load();
        }
      }
    }
  } finally {
    for (const p of peeks) await p.close();
  }
}
