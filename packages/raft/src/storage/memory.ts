// In-memory stores for tests. They copy what they are given, like a real store would, and can be
// told to fail or stall so the driver's handling of a bad disk can be tested.

import type { Entry, HardState, SnapshotMeta } from '../core/types.js';
import type { DurableWrite, RaftStorage, SnapshotStore, StoredSnapshot } from './interfaces.js';

export class MemoryStorage implements RaftStorage {
  private entries: Entry[] = [];
  private hardState: HardState | null = null;
  /** When set, persist() waits on it: a disk that stalls. */
  stall: Promise<void> | null = null;
  writes = 0;

  async firstIndex(): Promise<number> {
    return this.entries[0]?.index ?? 0;
  }

  async lastIndex(): Promise<number> {
    return this.entries[this.entries.length - 1]?.index ?? 0;
  }

  async getLog(index: number): Promise<Entry | undefined> {
    const first = this.entries[0]?.index ?? 0;
    return this.entries[index - first];
  }

  async getLogs(lo: number, hi: number): Promise<Entry[]> {
    return this.entries.filter((e) => e.index >= lo && e.index <= hi);
  }

  async storeLogs(entries: readonly Entry[]): Promise<void> {
    if (entries.length === 0) return;
    const from = entries[0]!.index;
    this.entries = this.entries.filter((e) => e.index < from);
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined && last.index + 1 !== from) throw new Error(`storeLogs leaves a gap after ${last.index}`);
    for (const e of entries) this.entries.push({ ...e, data: e.data.slice() });
  }

  async deleteRange(lo: number, hi: number): Promise<void> {
    this.entries = this.entries.filter((e) => e.index < lo || e.index > hi);
  }

  async getHardState(): Promise<HardState | null> {
    return this.hardState;
  }

  async setHardState(hs: HardState): Promise<void> {
    this.hardState = { ...hs };
  }

  async persist(write: DurableWrite): Promise<void> {
    if (this.stall !== null) await this.stall;
    this.writes++;
    if (write.resetLog) this.entries = [];
    if (write.entries.length > 0) {
      const from = write.entries[0]!.index;
      this.entries = this.entries.filter((e) => e.index < from);
      for (const e of write.entries) this.entries.push({ ...e, data: e.data.slice() });
    }
    if (write.hardState !== null) this.hardState = { ...write.hardState };
  }

  async close(): Promise<void> {}

  /** What a restarted process would find: everything whose write completed, nothing else. */
  clone(): MemoryStorage {
    const c = new MemoryStorage();
    c.entries = this.entries.slice();
    c.hardState = this.hardState;
    return c;
  }
}

export class MemorySnapshotStore implements SnapshotStore {
  private current: StoredSnapshot | null = null;

  clone(): MemorySnapshotStore {
    const c = new MemorySnapshotStore();
    c.current = this.current;
    return c;
  }

  async save(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    this.current = { meta, data: data.slice() };
  }

  async latest(): Promise<StoredSnapshot | null> {
    return this.current;
  }
}
