import { describe, expect, it } from 'vitest';
import { ASYNC_READS_AFTER_SLOW_MS, BlockReads, SYNC_READ_SLOW_MS, type BlockStore } from './block-reads.js';

/** A store whose synchronous reads take `syncMs[key]` on a fake clock (default: no time). */
function fakeStore(clock: { now: number }, syncMs: Record<string, number> = {}): BlockStore & { asyncCalls: number } {
  const value = (k: Buffer): Uint8Array | undefined => (k.toString() === 'gone' ? undefined : Buffer.from(`v:${k.toString()}`));
  return {
    asyncCalls: 0,
    getSync(k) {
      clock.now += syncMs[k.toString()] ?? 0;
      return value(k);
    },
    async getMany(keys) {
      this.asyncCalls++;
      return keys.map(value);
    },
  };
}

const keys = (...names: string[]): Buffer[] => names.map((n) => Buffer.from(n));
const text = (vs: Array<Uint8Array | undefined>): Array<string | undefined> => vs.map((v) => (v === undefined ? undefined : Buffer.from(v).toString()));

describe('BlockReads', () => {
  it('reads synchronously while reads are fast', () => {
    const clock = { now: 0 };
    const store = fakeStore(clock);
    const reads = new BlockReads(store, () => clock.now);
    const got = reads.fetch(keys('a', 'gone', 'b'));
    expect(Array.isArray(got)).toBe(true);
    expect(text(got as Array<Uint8Array | undefined>)).toEqual(['v:a', undefined, 'v:b']);
    expect(store.asyncCalls).toBe(0);
    expect(reads.stats()).toEqual({ syncReads: 3, asyncReads: 0 });
  });

  it('after a slow read, reads the rest and everything for a while through the thread pool, then synchronously again', async () => {
    const clock = { now: 0 };
    const store = fakeStore(clock, { slow: SYNC_READ_SLOW_MS + 1 });
    const reads = new BlockReads(store, () => clock.now);
    expect(text(await reads.fetch(keys('a', 'slow', 'b', 'c')))).toEqual(['v:a', 'v:slow', 'v:b', 'v:c']);
    expect(store.asyncCalls).toBe(1);
    expect(reads.stats()).toEqual({ syncReads: 2, asyncReads: 2 });
    const later = reads.fetch(keys('d'));
    expect(later).toBeInstanceOf(Promise);
    expect(text(await later)).toEqual(['v:d']);
    clock.now += ASYNC_READS_AFTER_SLOW_MS;
    expect(Array.isArray(reads.fetch(keys('e')))).toBe(true);
  });
});
