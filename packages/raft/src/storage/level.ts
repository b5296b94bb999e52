// LogStore and StableStore on classic-level (LevelDB). Entries live under 'e' + big-endian index so
// they sort in log order; the hard state under 'h'. Every Ready is one batch written with sync, so
// a crash leaves either all of it or none of it.

import { ClassicLevel } from 'classic-level';
import type { Entry, HardState } from '../core/types.js';
import { decodeEntry, decodeHardState, encodeEntry, encodeHardState } from './codec.js';
import type { DurableWrite, RaftStorage } from './interfaces.js';

const ENTRY_PREFIX = 0x65; // 'e'
const HARD_STATE_KEY = Uint8Array.of(0x68); // 'h'

function entryKey(index: number): Uint8Array {
  const key = Buffer.allocUnsafe(9);
  key[0] = ENTRY_PREFIX;
  key.writeBigUInt64BE(BigInt(index), 1);
  return key;
}

type Op =
  | { type: 'put'; key: Uint8Array; value: Uint8Array }
  | { type: 'del'; key: Uint8Array };

export interface LevelStorageOptions {
  /** fsync every write (the default); only benchmarks of the unsafe mode turn it off. */
  readonly sync?: boolean;
}

export class LevelStorage implements RaftStorage {
  private first = 0;
  private last = 0;
  private readonly sync: boolean;

  private constructor(
    private readonly db: ClassicLevel<Uint8Array, Uint8Array>,
    opts: LevelStorageOptions,
  ) {
    this.sync = opts.sync ?? true;
  }

  static async open(dir: string, opts: LevelStorageOptions = {}): Promise<LevelStorage> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    const store = new LevelStorage(db, opts);
    const lo = Uint8Array.of(ENTRY_PREFIX);
    const hi = Uint8Array.of(ENTRY_PREFIX + 1);
    for await (const key of db.keys({ gte: lo, lt: hi, limit: 1 })) store.first = Number(Buffer.from(key).readBigUInt64BE(1));
    for await (const key of db.keys({ gte: lo, lt: hi, limit: 1, reverse: true })) store.last = Number(Buffer.from(key).readBigUInt64BE(1));
    return store;
  }

  async firstIndex(): Promise<number> {
    return this.first;
  }

  async lastIndex(): Promise<number> {
    return this.last;
  }

  async getLog(index: number): Promise<Entry | undefined> {
    const raw = await this.db.get(entryKey(index));
    return raw === undefined ? undefined : this.checked(decodeEntry(raw), index);
  }

  async getLogs(lo: number, hi: number): Promise<Entry[]> {
    const out: Entry[] = [];
    for await (const [key, value] of this.db.iterator({ gte: entryKey(lo), lte: entryKey(hi) })) {
      out.push(this.checked(decodeEntry(value), Number(Buffer.from(key).readBigUInt64BE(1))));
    }
    return out;
  }

  async storeLogs(entries: readonly Entry[]): Promise<void> {
    await this.persist({ hardState: null, entries, resetLog: false, sync: true });
  }

  async deleteRange(lo: number, hi: number): Promise<void> {
    const from = Math.max(lo, this.first);
    const to = Math.min(hi, this.last);
    if (from > to) return;
    const ops: Op[] = [];
    for (let i = from; i <= to; i++) ops.push({ type: 'del', key: entryKey(i) });
    await this.db.batch(ops, { sync: this.sync });
    if (from <= this.first && to >= this.last) this.first = this.last = 0;
    else if (from <= this.first) this.first = to + 1;
    else if (to >= this.last) this.last = from - 1;
  }

  async getHardState(): Promise<HardState | null> {
    const raw = await this.db.get(HARD_STATE_KEY);
    return raw === undefined ? null : decodeHardState(raw);
  }

  async setHardState(hs: HardState): Promise<void> {
    await this.persist({ hardState: hs, entries: [], resetLog: false, sync: true });
  }

  async persist(write: DurableWrite): Promise<void> {
    const ops: Op[] = [];
    let first = this.first;
    let last = this.last;
    if (write.resetLog && last > 0) {
      for (let i = first; i <= last; i++) ops.push({ type: 'del', key: entryKey(i) });
      first = last = 0;
    }
    if (write.entries.length > 0) {
      const from = write.entries[0]!.index;
      if (last > 0 && from > last + 1) throw new Error(`storing entry ${from} would leave a gap after ${last}`);
      // The new entries replace any stored suffix from their first index.
      for (let i = Math.max(from, first); last > 0 && i <= last; i++) ops.push({ type: 'del', key: entryKey(i) });
      let expected = from;
      for (const e of write.entries) {
        if (e.index !== expected++) throw new Error('entries to store are not contiguous');
        ops.push({ type: 'put', key: entryKey(e.index), value: encodeEntry(e) });
      }
      if (first === 0 || from < first) first = from;
      last = write.entries[write.entries.length - 1]!.index;
    }
    if (write.hardState !== null) ops.push({ type: 'put', key: HARD_STATE_KEY, value: encodeHardState(write.hardState) });
    if (ops.length === 0) return;
    await this.db.batch(ops, { sync: this.sync && write.sync });
    this.first = first;
    this.last = last;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  private checked(e: Entry, index: number): Entry {
    if (e.index !== index) throw new Error(`entry stored under ${index} says it is ${e.index}`);
    return e;
  }
}
