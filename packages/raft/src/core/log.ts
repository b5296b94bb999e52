// The node's log as the core sees it: the entries after the last compaction point, held in memory,
// with two watermarks that separate what the driver has made durable (`stable`) from what it has
// only been handed (`handedOut`). The durable copy lives in the driver's LogStore; on restart the
// driver loads it back into this structure, so the core itself never waits on storage.

import type { Entry, SnapshotMeta } from './types.js';
import { entryBytes } from './types.js';

export class LogInvariantError extends Error {
  override name = 'LogInvariantError';
}

export class RaftLog {
  private entries: Entry[] = [];
  /** Index of the entry just before entries[0]; its term is `offsetTerm` when known. */
  private offset = 0;
  private offsetTerm: number | undefined = 0;
  /** The latest snapshot this node holds (its own or one received); null before any. */
  snapshot: SnapshotMeta | null = null;
  committed = 0;
  /** Entries at or below this index have been handed to the driver in a Ready. */
  handedOut = 0;
  /** Entries at or below this index are known durable (the driver advanced past them). */
  stable = 0;

  /** Rebuilds the log after a restart from the snapshot and the entries the LogStore holds. */
  static restore(snapshot: SnapshotMeta | null, stored: readonly Entry[], committed: number): RaftLog {
    let entries = stored;
    const log = new RaftLog();
    if (snapshot !== null) {
      log.snapshot = snapshot;
      log.offset = snapshot.index;
      log.offsetTerm = snapshot.term;
    }
    if (snapshot !== null && entries.length > 0) {
      // A crash between saving a received snapshot and resetting the log leaves entries that do
      // not reach or contradict the snapshot: they describe a history the snapshot replaced.
      const last = entries[entries.length - 1]!;
      const atSnap = entries.find((e) => e.index === snapshot.index);
      if (last.index < snapshot.index || (atSnap !== undefined && atSnap.term !== snapshot.term)) entries = [];
    }
    if (entries.length > 0) {
      const first = entries[0]!.index;
      if (snapshot !== null && first > snapshot.index + 1) {
        throw new LogInvariantError(`log starts at ${first}, after snapshot ${snapshot.index} + 1`);
      }
      for (let i = 1; i < entries.length; i++) {
        if (entries[i]!.index !== entries[i - 1]!.index + 1) throw new LogInvariantError('stored log has a gap');
      }
      // Trailing entries kept below the snapshot still serve to catch followers up; the term just
      // before the first of them is known only when that is the snapshot point or the log start.
      log.offset = first - 1;
      log.offsetTerm = first === 1 ? 0 : snapshot !== null && first - 1 === snapshot.index ? snapshot.term : undefined;
      log.entries = entries.slice();
    }
    log.committed = Math.min(committed, log.lastIndex());
    if (snapshot !== null) log.committed = Math.max(log.committed, snapshot.index);
    log.handedOut = log.lastIndex();
    log.stable = log.lastIndex();
    return log;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.entries.length;
  }

  lastTerm(): number {
    return this.termAt(this.lastIndex()) ?? 0;
  }

  /** The term of the entry at `index`, or undefined when it was compacted away or does not exist. */
  termAt(index: number): number | undefined {
    if (index === 0) return 0;
    if (this.snapshot !== null && index === this.snapshot.index) return this.snapshot.term;
    if (index === this.offset) return this.offsetTerm;
    if (index < this.offset || index > this.lastIndex()) return undefined;
    return this.entries[index - this.offset - 1]!.term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.termAt(index) === term;
  }

  entry(index: number): Entry | undefined {
    if (index <= this.offset || index > this.lastIndex()) return undefined;
    return this.entries[index - this.offset - 1];
  }

  /**
   * Entries from `lo` to `hi` inclusive, stopping once `bytesMax` is reached (at least one entry is
   * returned when any is in range). Undefined when `lo` was compacted away.
   */
  slice(lo: number, hi: number, bytesMax: number): Entry[] | undefined {
    if (lo <= this.offset) return undefined;
    const last = Math.min(hi, this.lastIndex());
    if (lo > last) return [];
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i <= last; i++) {
      const e = this.entries[i - this.offset - 1]!;
      bytes += entryBytes(e);
      if (out.length > 0 && bytes > bytesMax) break;
      out.push(e);
    }
    return out;
  }

  /** §5.4.1: a candidate's log is at least as up-to-date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Walks back from `index` to the last entry whose term is at most `term`: that is the furthest
   * point where two logs can still agree, used for the fast back-off of nextIndex. Stops at the
   * compaction point, where the term may be unknown.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (;;) {
      const t = this.termAt(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term || i <= this.offset) return { index: i, term: t };
      i--;
    }
  }

  /**
   * The follower half of AppendEntries: if our log holds (prevIndex, prevTerm), reconcile `entries`
   * (§5.3: delete a conflicting suffix, append what is new) and return the last index the leader's
   * message proves matching; otherwise return undefined.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      if (e.index !== prevIndex + 1 + k) throw new LogInvariantError('append entries are not contiguous');
      if (e.index <= this.offset) continue; // already compacted, hence committed and matching
      const t = this.termAt(e.index);
      if (t === e.term) continue;
      if (t !== undefined && e.index <= this.committed) {
        throw new LogInvariantError(`entry ${e.index} conflicts with the committed log`);
      }
      this.truncateAndAppend(entries.slice(k));
      break;
    }
    return lastNew;
  }

  /** Appends entries that follow the last index (the leader's own proposals). */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    if (entries[0]!.index !== this.lastIndex() + 1) throw new LogInvariantError('append leaves a gap');
    for (const e of entries) this.entries.push(e);
  }

  private truncateAndAppend(entries: readonly Entry[]): void {
    const after = entries[0]!.index - 1;
    if (after < this.lastIndex()) {
      this.entries.length = after - this.offset;
      this.handedOut = Math.min(this.handedOut, after);
      this.stable = Math.min(this.stable, after);
    }
    for (const e of entries) this.entries.push(e);
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    if (index > this.lastIndex()) throw new LogInvariantError(`commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /** Replaces the whole log with a received snapshot. */
  restoreSnapshot(meta: SnapshotMeta): void {
    this.entries = [];
    this.offset = meta.index;
    this.offsetTerm = meta.term;
    this.snapshot = meta;
    this.committed = meta.index;
    this.handedOut = meta.index;
    this.stable = Math.min(this.stable, meta.index);
  }

  /** Records a snapshot taken locally; entries are dropped separately by `compact`. */
  setSnapshot(meta: SnapshotMeta): void {
    if (this.snapshot !== null && meta.index <= this.snapshot.index) return;
    this.snapshot = meta;
  }

  /** Drops entries up to `index` from memory; the caller guarantees they are applied and durable. */
  compact(index: number): void {
    if (index <= this.offset) return;
    if (index > this.lastIndex()) throw new LogInvariantError(`compact ${index} beyond last index`);
    this.offsetTerm = this.termAt(index);
    this.entries = this.entries.slice(index - this.offset);
    this.offset = index;
  }

  /** Entries handed to the driver for persistence by the next Ready. */
  unstableEntries(): Entry[] {
    if (this.handedOut >= this.lastIndex()) return [];
    return this.entries.slice(this.handedOut - this.offset);
  }
}
