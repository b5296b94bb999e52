// The order in which InfluxDB's iterators hand points on, reproduced step by step.
//
// InfluxDB merges the iterators of series, tag sets and shards with Go's container/heap. Where its
// comparison calls two heads equal (two series with a point at the same time, two shards with a
// partial aggregate for the same bucket) the heap's internal layout decides which comes first, and
// that layout depends on every push and pop before. The order matters wherever it shows: which of
// two rows at one time is printed first, and the last bits of a float sum or mean, which InfluxDB
// adds in merge order. So instead of inventing a tie rule, this module performs the same heap
// operations on the same inputs: Go's heap.Init/Push/Pop, the merge iterator (one window of one
// input at a time) and the parallel merge that splits a tag set's series into GOMAXPROCS groups.
//
// Everything here is synchronous: the callers keep each input's next points buffered.

import { compareStrings } from '../result.js';

/** `less(a, b)`: a sorts strictly before b. */
export type Less<T> = (a: T, b: T) => boolean;

function down<T>(h: T[], less: Less<T>, i0: number, n: number): void {
  let i = i0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(h[j2]!, h[j1]!)) j = j2;
    if (!less(h[j]!, h[i]!)) break;
    const t = h[i]!;
    h[i] = h[j]!;
    h[j] = t;
    i = j;
  }
}

function up<T>(h: T[], less: Less<T>, j: number): void {
  for (;;) {
    // Go's (j-1)/2 truncates toward zero: the root is its own parent.
    const i = Math.trunc((j - 1) / 2);
    if (i === j || !less(h[j]!, h[i]!)) break;
    const t = h[i]!;
    h[i] = h[j]!;
    h[j] = t;
    j = i;
  }
}

/** Go's heap.Init. */
export function heapInit<T>(h: T[], less: Less<T>): void {
  const n = h.length;
  for (let i = Math.trunc(n / 2) - 1; i >= 0; i--) down(h, less, i, n);
}

/** Go's heap.Push. */
export function heapPush<T>(h: T[], x: T, less: Less<T>): void {
  h.push(x);
  up(h, less, h.length - 1);
}

/** Go's heap.Pop: swap the root with the last item, sift down, remove the last. */
export function heapPop<T>(h: T[], less: Less<T>): T {
  const n = h.length - 1;
  const t = h[0]!;
  h[0] = h[n]!;
  h[n] = t;
  down(h, less, 0, n);
  return h.pop()!;
}

/** A stream of points; `next()` returns null at the end. */
export interface PointStream<P> {
  next(): P | null;
}

/** Go's buffered iterator: one point of look-ahead that can be put back. */
export class Buffered<P> implements PointStream<P> {
  private buf: P | null = null;
  constructor(private readonly input: PointStream<P>) {}
  next(): P | null {
    const b = this.buf;
    if (b !== null) {
      this.buf = null;
      return b;
    }
    return this.input.next();
  }
  peek(): P | null {
    const p = this.next();
    this.buf = p;
    return p;
  }
  unread(p: P): void {
    this.buf = p;
  }
}

/** Where a point belongs in a merge: its group (the GROUP BY tag values) and its bucket's start. */
export interface MergeKey {
  readonly group: string;
  readonly window: bigint;
}

/**
 * InfluxDB's merge iterator (query.floatMergeIterator and its siblings): a heap of inputs ordered
 * by the group and bucket of their next point; the smallest input is read for as long as its
 * points stay in that group and bucket, then goes back on the heap.
 */
export class MergeStream<P> implements PointStream<P> {
  private readonly items: Array<Buffered<P>>;
  private started = false;
  private curr: Buffered<P> | null = null;
  private group = '';
  private window = 0n;
  private readonly less: Less<Buffered<P>>;

  constructor(
    inputs: ReadonlyArray<PointStream<P>>,
    private readonly keyOf: (p: P) => MergeKey,
    ascending: boolean,
  ) {
    this.items = inputs.map((i) => new Buffered(i));
    this.less = (x, y) => {
      const a = keyOf(x.peek()!);
      const b = keyOf(y.peek()!);
      if (a.group !== b.group) return ascending ? compareStrings(a.group, b.group) < 0 : compareStrings(a.group, b.group) > 0;
      return ascending ? a.window < b.window : a.window > b.window;
    };
  }

  next(): P | null {
    if (!this.started) {
      // Go initializes the heap on the first read, with the inputs that have a point.
      const live = this.items.filter((i) => i.peek() !== null);
      this.items.length = 0;
      this.items.push(...live);
      heapInit(this.items, this.less);
      this.started = true;
    }
    for (;;) {
      if (this.curr === null) {
        if (this.items.length === 0) return null;
        this.curr = heapPop(this.items, this.less);
        const p = this.curr.next()!;
        const k = this.keyOf(p);
        this.group = k.group;
        this.window = k.window;
        return p;
      }
      const p = this.curr.next();
      if (p === null) {
        this.curr = null;
        continue;
      }
      const k = this.keyOf(p);
      if (k.group !== this.group || k.window !== this.window) {
        this.curr.unread(p);
        heapPush(this.items, this.curr, this.less);
        this.curr = null;
        continue;
      }
      return p;
    }
  }
}

/** NewMergeIterator: one input passes through unchanged. */
export function mergeOf<P>(inputs: ReadonlyArray<PointStream<P>>, keyOf: (p: P) => MergeKey, ascending: boolean): PointStream<P> {
  if (inputs.length === 1) return inputs[0]!;
  return new MergeStream(inputs, keyOf, ascending);
}

/**
 * GOMAXPROCS of the InfluxDB 1.6.7 that recorded the answers Shoal is compared with (see
 * test/compat): its parallel merge splits a tag set's series into this many groups, which decides
 * the order it adds their sums in. The recording machine had 2 (fn-sum-float proves it: no other
 * split gives its last digit).
 */
export const INFLUXDB_PARALLELISM = 2;

/**
 * NewParallelMergeIterator: the inputs (one per series of a tag set, in series-key order) are cut
 * into `parallelism` consecutive groups, the last taking the remainder; each group is merged, and
 * the groups' outputs are merged again.
 */
export function parallelMerge<P>(
  inputs: ReadonlyArray<PointStream<P>>,
  keyOf: (p: P) => MergeKey,
  ascending: boolean,
  parallelism = INFLUXDB_PARALLELISM,
): PointStream<P> {
  if (inputs.length === 0) return { next: () => null };
  if (inputs.length === 1) return inputs[0]!;
  const p = Math.min(parallelism, inputs.length);
  const n = Math.floor(inputs.length / p);
  const outputs: Array<PointStream<P>> = [];
  for (let i = 0; i < p; i++) {
    const slice = i < p - 1 ? inputs.slice(i * n, (i + 1) * n) : inputs.slice(i * n);
    outputs.push(mergeOf(slice, keyOf, ascending));
  }
  return mergeOf(outputs, keyOf, ascending);
}

/** A stream over points queued by the caller; reading past what was queued is a caller's bug. */
export class QueuedStream<P> implements PointStream<P> {
  private readonly queue: P[] = [];
  private head = 0;
  private ended = false;

  push(p: P): void {
    this.queue.push(p);
  }

  /** No more points will be queued. */
  end(): void {
    this.ended = true;
  }

  next(): P | null {
    if (this.head < this.queue.length) {
      const p = this.queue[this.head++]!;
      if (this.head > 64 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      return p;
    }
    if (this.ended) return null;
    throw new Error('merge order: an input was read beyond the points queued for it');
  }
}
