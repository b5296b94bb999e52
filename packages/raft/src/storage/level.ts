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
  key.writeUInt32BE(Math.floor(index / 0x1_0000_0000), 1);
  key.writeUInt32BE(index >>> 0, 5);
  return key;
}

function keyIndex(key: Uint8Array): number {
  const b = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  return b.readUInt32BE(1) * 0x1_0000_0000 + b.readUInt32BE(5);
}

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
    for await (const key of db.keys({ gte: lo, lt: hi, limit: 1 })) store.first = keyIndex(key);
    for await (const key of db.keys({ gte: lo, lt: hi, limit: 1, reverse: true })) store.last = keyIndex(key);
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
      out.push(this.checked(decodeEntry(value), keyIndex(key)));
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
    const batch = this.db.batch();
    for (let i = from; i <= to; i++) batch.del(entryKey(i));
    await batch.write({ sync: this.sync });
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
    // The chained batch is several times cheaper per operation than the array form.
    const batch = this.db.batch();
    let first = this.first;
    let last = this.last;
    if (write.resetLog && last > 0) {
      for (let i = first; i <= last; i++) batch.del(entryKey(i));
      first = last = 0;
    }
    if (write.entries.length > 0) {
      const from = write.entries[0]!.index;
      if (last > 0 && from > last + 1) {
        await batch.close();
        throw new Error(`storing entry ${from} would leave a gap after ${last}`);
      }
      // The new entries replace any stored suffix from their first index.
      for (let i = Math.max(from, first); last > 0 && i <= last; i++) batch.del(entryKey(i));
      let expected = from;
      for (const e of write.entries) {
        if (e.index !== expected++) {
          await batch.close();
          throw new Error('entries to store are not contiguous');
        }
        batch.put(entryKey(e.index), encodeEntry(e));
      }
      if (first === 0 || from < first) first = from;
      last = write.entries[write.entries.length - 1]!.index;
    }
    if (write.hardState !== null) batch.put(HARD_STATE_KEY, encodeHardState(write.hardState));
    if (batch.length === 0) {
      await batch.close();
      return;
    }
    await batch.write({ sync: this.sync && write.sync });
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
