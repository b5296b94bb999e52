import { describe, expect, it } from 'vitest';
import { BlockCache, type ColumnBlocks } from './block-cache.js';

function column(blocks: number): ColumnBlocks {
  return {
    minTimes: BigInt64Array.from({ length: blocks }, (_, i) => BigInt(i * 10)),
    maxTimes: BigInt64Array.from({ length: blocks }, (_, i) => BigInt(i * 10 + 9)),
    counts: new Uint32Array(blocks).fill(10),
    values: new Array(blocks),
  };
}

describe('BlockCache', () => {
  it('evicts the least recently used columns once beyond its bound', () => {
    const cache = new BlockCache(1500);
    const a = column(1);
    cache.addColumn('1/1/1', a, cache.generation);
    cache.addColumn('1/2/1', column(1), cache.generation);
    cache.addColumn('1/3/1', column(1), cache.generation);
    expect(cache.column('1/1/1')).toBe(a); // now the most recently used
    cache.addBlock('1/1/1', a, 0, new Uint8Array(600), cache.generation);
    expect(cache.stats().bytes).toBeLessThanOrEqual(1500);
    expect(cache.column('1/2/1')).toBeUndefined();
    expect(cache.column('1/1/1')?.values[0]?.length).toBe(600);
    expect(cache.stats().evictions).toBeGreaterThan(0);
  });

  it('refuses what a load read before an invalidation came', () => {
    const cache = new BlockCache();
    const generation = cache.generation;
    cache.invalidate('1/1/1');
    cache.addColumn('1/1/1', column(2), generation);
    expect(cache.column('1/1/1')).toBeUndefined();

    const c = column(2);
    cache.addColumn('1/1/1', c, cache.generation);
    const before = cache.generation;
    cache.invalidate('1/9/9');
    cache.addBlock('1/1/1', c, 0, new Uint8Array(10), before);
    expect(c.values[0]).toBeUndefined();
    cache.addBlock('1/1/1', c, 0, new Uint8Array(10), cache.generation);
    expect(c.values[0]).toBeDefined();
  });

  it('fills from a scan only while there is room, never evicting', () => {
    const cache = new BlockCache(1000);
    expect(cache.addColumnIfRoom('1/1/1', column(4))).toBe(true);
    expect(cache.addColumnIfRoom('1/2/1', column(4))).toBe(false);
    expect(cache.column('1/1/1')).toBeDefined();
    expect(cache.stats().evictions).toBe(0);
  });

  it('never caches a column larger than its bound', () => {
    const cache = new BlockCache(100);
    cache.addColumn('1/1/1', column(1), cache.generation);
    expect(cache.stats()).toMatchObject({ bytes: 0, columns: 0 });
  });

  it('drops one shard\'s columns by prefix and keeps the others', () => {
    const cache = new BlockCache();
    cache.addColumn('1/1/1', column(1), cache.generation);
    cache.addColumn('12/1/1', column(1), cache.generation);
    cache.invalidatePrefix('1/');
    expect(cache.column('1/1/1')).toBeUndefined();
    expect(cache.column('12/1/1')).toBeDefined();
  });
});
