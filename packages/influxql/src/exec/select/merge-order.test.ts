import { describe, expect, it } from 'vitest';
import { Buffered, heapInit, heapPop, heapPush, MergeStream, parallelMerge, QueuedStream, type PointStream } from './merge-order.js';

/** Points of one group: [window, label]. */
type P = readonly [bigint, string];
const keyOf = (p: P): { group: string; window: bigint } => ({ group: '', window: p[0] });

function stream(points: P[]): PointStream<P> {
  let i = 0;
  return { next: () => (i < points.length ? points[i++]! : null) };
}

function drain<T>(s: PointStream<T>): T[] {
  const out: T[] = [];
  for (let p = s.next(); p !== null; p = s.next()) out.push(p);
  return out;
}

describe('Go heap', () => {
  it('pops items that compare equal in the order Go container/heap does: first, then last to second', () => {
    const h = ['a', 'b', 'c', 'd', 'e'];
    const never = (): boolean => false;
    heapInit(h, never);
    const popped: string[] = [];
    while (h.length > 0) popped.push(heapPop(h, never));
    expect(popped).toEqual(['a', 'e', 'd', 'c', 'b']);
  });

  it('sorts like any heap when the comparison decides', () => {
    const h = [5, 3, 8, 1, 9, 2];
    const less = (a: number, b: number): boolean => a < b;
    heapInit(h, less);
    heapPush(h, 0, less);
    const popped: number[] = [];
    while (h.length > 0) popped.push(heapPop(h, less));
    expect(popped).toEqual([0, 1, 2, 3, 5, 8, 9]);
  });
});

describe('InfluxDB merge iterators', () => {
  it('reads one input for as long as it stays in the window, then takes the next input from the heap', () => {
    // Equal windows are left to the heap: after a0 and b0 the heap holds c10, a10, b10 in an
    // order only Go's pushes and pops decide.
    const m = new MergeStream(
      [
        stream([
          [0n, 'a0'],
          [10n, 'a10'],
        ]),
        stream([
          [0n, 'b0'],
          [10n, 'b10'],
        ]),
        stream([[10n, 'c10']]),
      ],
      keyOf,
      true,
    );
    expect(drain(m).map((p) => p[1])).toEqual(['a0', 'b0', 'a10', 'b10', 'c10']);
  });

  it('merges descending windows in descending order', () => {
    const m = new MergeStream([stream([[10n, 'a10'], [0n, 'a0']]), stream([[5n, 'b5']])], keyOf, false);
    expect(drain(m).map((p) => p[1])).toEqual(['a10', 'b5', 'a0']);
  });

  it('splits a tag set of five series into two groups, as a GOMAXPROCS=2 parallel merge: 0, 1, then 2, 4, 3', () => {
    const inputs = ['s0', 's1', 's2', 's3', 's4'].map((s) => stream([[0n, s]]));
    expect(drain(parallelMerge(inputs, keyOf, true)).map((p) => p[1])).toEqual(['s0', 's1', 's2', 's4', 's3']);
    // With enough processors every series is its own group: one flat heap.
    const flat = ['s0', 's1', 's2', 's3', 's4'].map((s) => stream([[0n, s]]));
    expect(drain(parallelMerge(flat, keyOf, true, 8)).map((p) => p[1])).toEqual(['s0', 's4', 's3', 's2', 's1']);
  });

  it('runs on queued points and refuses to read past them', () => {
    const q = new QueuedStream<P>();
    q.push([0n, 'x']);
    const b = new Buffered(q);
    expect(b.peek()).toEqual([0n, 'x']);
    expect(b.next()).toEqual([0n, 'x']);
    expect(() => b.next()).toThrow('beyond the points queued');
    q.end();
    expect(b.next()).toBeNull();
  });
});
