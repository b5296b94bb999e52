import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NS_PER_HOUR } from './catalog.js';
import { LocalCatalog } from './local-catalog.js';
import { RetentionService } from './retention.js';
import { TSDBStore } from './store.js';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('RetentionService', () => {
  it('deletes groups wholly past their policy and the local shards of any group the catalog no longer has', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-retention-'));
    dirs.push(dir);
    const catalog = LocalCatalog.inMemory();
    const store = await TSDBStore.open({ dir, logger });
    await catalog.createDatabase('db', { name: 'two_hours', durationNs: 2n * NS_PER_HOUR });
    await catalog.createDatabase('other');
    const t0 = 1_700_000_000_000_000_000n - (1_700_000_000_000_000_000n % NS_PER_HOUR);
    const groups = [];
    for (let h = 0n; h < 5n; h++) groups.push(await catalog.createShardGroup('db', 'two_hours', t0 + h * NS_PER_HOUR));
    const keep = await catalog.createShardGroup('other', 'autogen', 0n);
    for (const g of [...groups, keep]) await store.createShard(g.shards[0]!.id, { database: g.database, retentionPolicy: g.retentionPolicy, shardGroupId: g.id });

    // At t0 + 4h30m the cutoff is t0 + 2h30m: groups ending at t0+1h and t0+2h are wholly out.
    const now = t0 + 4n * NS_PER_HOUR + NS_PER_HOUR / 2n;
    const service = new RetentionService({ catalog, store, logger, checkIntervalMs: 60_000, nowNs: () => now });
    await service.enforce();
    expect(catalog.shardGroups('db').map((g) => g.id)).toEqual(groups.slice(2).map((g) => g.id));
    expect(store.list('db').map((s) => s.owner.shardGroupId)).toEqual(groups.slice(2).map((g) => g.id));
    expect(fs.existsSync(path.join(dir, 'shards', String(groups[0]!.shards[0]!.id)))).toBe(false);
    expect(store.list('other').length).toBe(1);

    // A dropped database's shards go on the next pass too.
    await catalog.dropDatabase('other');
    await service.enforce();
    expect(store.list('other')).toEqual([]);
    await service.stop();
    await store.close();
  });
});
