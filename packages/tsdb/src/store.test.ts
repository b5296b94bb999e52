import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { TSDBStore } from './store.js';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-store-'));
  dirs.push(d);
  return d;
}

describe('TSDBStore', () => {
  it('reopens the shards it created, with their owners', async () => {
    const dir = tmpDir();
    const store = await TSDBStore.open({ dir, logger });
    const owner = { database: 'db', retentionPolicy: 'autogen', shardGroupId: 3 };
    const [a, b] = await Promise.all([store.createShard(7, owner), store.createShard(7, owner)]);
    expect(a).toBe(b);
    await store.createShard(8, { ...owner, database: 'x' });
    await store.close();
    const again = await TSDBStore.open({ dir, logger });
    expect(again.list().map((s) => [s.id, s.owner.database])).toEqual([
      [7, 'db'],
      [8, 'x'],
    ]);
    expect(again.stats().shards).toBe(2);
    await again.close();
  });

  it('removes a shard directory whose creation never completed', async () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'shards', '9', 'wal'), { recursive: true });
    const store = await TSDBStore.open({ dir, logger });
    expect(store.list()).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'shards', '9'))).toBe(false);
    await store.close();
  });
});
