import { describe, expect, it } from 'vitest';
import { LogInvariantError, RaftLog } from './log.js';
import type { Entry } from './types.js';

const ent = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: new Uint8Array(0) });
const terms = (log: RaftLog): number[] => {
  const out: number[] = [];
  for (let i = log.firstIndex(); i <= log.lastIndex(); i++) out.push(log.termAt(i)!);
  return out;
};

describe('raft log', () => {
  it('appends when the previous entry matches and truncates a conflicting suffix', () => {
    const log = RaftLog.restore(null, [ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2)], 1);
    expect(log.maybeAppend(2, 1, [ent(3, 3), ent(4, 3), ent(5, 3)])).toBe(5);
    expect(terms(log)).toEqual([1, 1, 3, 3, 3]);
    // The durable watermark falls back below the truncation point.
    expect(log.stable).toBe(2);
    expect(log.handedOut).toBe(2);
  });

  it('does not truncate on a stale append whose entries already match', () => {
    const log = RaftLog.restore(null, [ent(1, 1), ent(2, 1), ent(3, 1)], 0);
    expect(log.maybeAppend(0, 0, [ent(1, 1)])).toBe(1);
    expect(log.lastIndex()).toBe(3);
  });

  it('rejects an append whose previous entry does not match', () => {
    const log = RaftLog.restore(null, [ent(1, 1), ent(2, 1)], 0);
    expect(log.maybeAppend(2, 2, [ent(3, 2)])).toBeUndefined();
    expect(log.maybeAppend(5, 1, [])).toBeUndefined();
  });

  it('refuses to overwrite a committed entry', () => {
    const log = RaftLog.restore(null, [ent(1, 1), ent(2, 1)], 2);
    expect(() => log.maybeAppend(1, 1, [ent(2, 2)])).toThrow(LogInvariantError);
  });

  it('finds the last index whose term is at most the given one', () => {
    const log = RaftLog.restore(null, [ent(1, 1), ent(2, 1), ent(3, 4), ent(4, 4), ent(5, 5)], 0);
    expect(log.findConflictByTerm(5, 4)).toEqual({ index: 4, term: 4 });
    expect(log.findConflictByTerm(5, 3)).toEqual({ index: 2, term: 1 });
    expect(log.findConflictByTerm(9, 9)).toEqual({ index: 5, term: 5 });
    expect(log.findConflictByTerm(5, 0)).toEqual({ index: 0, term: 0 });
  });

  it('compares logs by last term, then by length (§5.4.1)', () => {
    const log = RaftLog.restore(null, [ent(1, 1), ent(2, 2)], 0);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(true);
    expect(log.isUpToDate(5, 1)).toBe(false);
    expect(log.isUpToDate(1, 2)).toBe(false);
  });

  it('serves slices within a byte budget but always at least one entry', () => {
    const big: Entry[] = [1, 2, 3].map((i) => ({ index: i, term: 1, type: 'normal', data: new Uint8Array(100) }));
    const log = RaftLog.restore(null, big, 0);
    expect(log.slice(1, 3, 10)!.length).toBe(1);
    expect(log.slice(1, 3, 260)!.length).toBe(2);
    expect(log.slice(4, 3, 10)).toEqual([]);
  });

  it('after compaction knows the snapshot term but not what came before', () => {
    const log = RaftLog.restore(null, [ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2)], 4);
    log.setSnapshot({ index: 3, term: 2, conf: { voters: ['a'], learners: [] } });
    log.compact(2);
    expect(log.firstIndex()).toBe(3);
    expect(log.termAt(2)).toBe(1);
    expect(log.termAt(1)).toBeUndefined();
    expect(log.slice(2, 4, 1 << 20)).toBeUndefined();
    expect(log.slice(3, 4, 1 << 20)!.map((e) => e.index)).toEqual([3, 4]);
  });

  it('restores from a snapshot with trailing entries below it', () => {
    const meta = { index: 5, term: 3, conf: { voters: ['a'], learners: [] } };
    const log = RaftLog.restore(meta, [ent(4, 3), ent(5, 3), ent(6, 3)], 6);
    expect(log.firstIndex()).toBe(4);
    expect(log.termAt(3)).toBeUndefined();
    expect(log.termAt(5)).toBe(3);
    expect(log.committed).toBe(6);
    expect(() => RaftLog.restore(meta, [ent(8, 3)], 8)).toThrow(LogInvariantError);
  });
});
