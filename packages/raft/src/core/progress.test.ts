import { describe, expect, it } from 'vitest';
import { Inflights, Progress } from './progress.js';

describe('inflights', () => {
  it('is full at its count cap and frees acknowledged appends in order', () => {
    const f = new Inflights(3, 0);
    f.add(5, 10);
    f.add(8, 10);
    f.add(12, 10);
    expect(f.full()).toBe(true);
    f.freeTo(8);
    expect(f.count).toBe(1);
    expect(f.bytesInFlight).toBe(10);
    expect(f.full()).toBe(false);
  });

  it('is full at its byte cap', () => {
    const f = new Inflights(100, 25);
    f.add(1, 10);
    f.add(2, 10);
    expect(f.full()).toBe(false);
    f.add(3, 10);
    expect(f.full()).toBe(true);
    f.freeFirst();
    expect(f.full()).toBe(false);
  });

  it('keeps working after many adds and frees', () => {
    const f = new Inflights(4, 0);
    for (let i = 1; i <= 1000; i++) {
      f.add(i, 1);
      if (i % 2 === 0) f.freeTo(i - 1);
    }
    expect(f.count).toBeLessThanOrEqual(4);
    f.freeTo(1000);
    expect(f.count).toBe(0);
    expect(f.bytesInFlight).toBe(0);
  });
});

describe('progress', () => {
  const fresh = (): Progress => new Progress('b', 11, false, 2, 0);

  it('probes one append at a time', () => {
    const pr = fresh();
    expect(pr.isPaused()).toBe(false);
    pr.probeSent = true;
    expect(pr.isPaused()).toBe(true);
    expect(pr.maybeUpdate(10)).toBe(true);
    expect(pr.isPaused()).toBe(false);
  });

  it('pipelines in replicate state until the in-flight cap', () => {
    const pr = fresh();
    pr.maybeUpdate(10);
    pr.becomeReplicate();
    pr.optimisticUpdate(12);
    pr.inflights.add(12, 1);
    expect(pr.next).toBe(13);
    pr.optimisticUpdate(14);
    pr.inflights.add(14, 1);
    expect(pr.isPaused()).toBe(true);
  });

  it('ignores a stale rejection in replicate state and falls back to match + 1 otherwise', () => {
    const pr = fresh();
    pr.maybeUpdate(10);
    pr.becomeReplicate();
    pr.optimisticUpdate(20);
    expect(pr.maybeDecrTo(9, 0)).toBe(false);
    expect(pr.maybeDecrTo(15, 0)).toBe(true);
    expect(pr.next).toBe(11);
  });

  it('in probe state only accepts the rejection of the outstanding probe, and jumps to the hint', () => {
    const pr = new Progress('b', 50, false, 2, 0);
    expect(pr.maybeDecrTo(40, 0)).toBe(false);
    expect(pr.maybeDecrTo(49, 30)).toBe(true);
    expect(pr.next).toBe(31);
    expect(pr.maybeDecrTo(30, 0)).toBe(true);
    expect(pr.next).toBe(1);
  });

  it('pauses in snapshot state and resumes after the snapshot', () => {
    const pr = fresh();
    pr.becomeSnapshot(100);
    expect(pr.isPaused()).toBe(true);
    pr.becomeProbe();
    expect(pr.next).toBe(101);
  });
});
