import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FieldType } from '@shoal/lineproto';
import { NS_PER_DAY, NS_PER_HOUR } from './catalog.js';
import { DatabaseNotFoundError, FieldTypeConflictError, InvalidRetentionPolicyError, RetentionPolicyNotFoundError } from './errors.js';
import { LocalCatalog, alignToGoZeroTime } from './local-catalog.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-catalog-'));
  dirs.push(d);
  return d;
}
const ns = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n;

describe('LocalCatalog', () => {
  it('creates a database with an infinite autogen default policy of 7-day groups', async () => {
    const c = LocalCatalog.inMemory();
    const db = await c.createDatabase('telegraf');
    expect(db.defaultRetentionPolicy).toBe('autogen');
    expect(c.retentionPolicy('telegraf')).toEqual({ name: 'autogen', durationNs: 0n, shardGroupDurationNs: 7n * NS_PER_DAY, replicaN: 1 });
    expect(c.retentionPolicy('telegraf', '')).toEqual(c.retentionPolicy('telegraf'));
  });

  it('treats creating an existing database as success', async () => {
    const c = LocalCatalog.inMemory();
    await c.createDatabase('a');
    await c.createDatabase('a');
    expect(c.databases().map((d) => d.name)).toEqual(['a']);
  });

  it('picks InfluxDB default shard durations from the policy duration', async () => {
    const c = LocalCatalog.inMemory();
    await c.createDatabase('db');
    const h = await c.createRetentionPolicy('db', { name: 'h', durationNs: 24n * NS_PER_HOUR }, false);
    const d = await c.createRetentionPolicy('db', { name: 'd', durationNs: 30n * NS_PER_DAY }, false);
    const w = await c.createRetentionPolicy('db', { name: 'w', durationNs: 365n * NS_PER_DAY }, false);
    expect([h.shardGroupDurationNs, d.shardGroupDurationNs, w.shardGroupDurationNs]).toEqual([NS_PER_HOUR, NS_PER_DAY, 7n * NS_PER_DAY]);
  });

  it('rejects policies InfluxDB rejects, with its wording', async () => {
    const c = LocalCatalog.inMemory();
    await c.createDatabase('db');
    await expect(c.createRetentionPolicy('db', { name: 'x', durationNs: NS_PER_HOUR / 2n }, false)).rejects.toThrow(
      'retention policy duration must be at least 1h0m0s',
    );
    await expect(
      c.createRetentionPolicy('db', { name: 'x', durationNs: 2n * NS_PER_HOUR, shardGroupDurationNs: 3n * NS_PER_HOUR }, false),
    ).rejects.toThrow('retention policy duration must be greater than the shard duration');
    await expect(c.createRetentionPolicy('db', { name: 'x', replicaN: 0 }, false)).rejects.toBeInstanceOf(InvalidRetentionPolicyError);
    await expect(c.createRetentionPolicy('nodb', { name: 'x' }, false)).rejects.toBeInstanceOf(DatabaseNotFoundError);
    expect(() => c.retentionPolicy('db', 'nope')).toThrow(RetentionPolicyNotFoundError);
  });

  it('makes a policy the default and forgets the default when it is dropped', async () => {
    const c = LocalCatalog.inMemory();
    await c.createDatabase('db');
    await c.createRetentionPolicy('db', { name: 'short', durationNs: 2n * NS_PER_HOUR }, true);
    expect(c.database('db')?.defaultRetentionPolicy).toBe('short');
    await c.dropRetentionPolicy('db', 'short');
    expect(c.database('db')?.defaultRetentionPolicy).toBe('');
  });

  it('aligns shard groups as InfluxDB does: from Go zero time, so 7-day groups start on Mondays', async () => {
    // 2016-01-01 was a Friday; InfluxDB 1.x puts it in the group starting Monday 2015-12-28.
    expect(alignToGoZeroTime(ns('2016-01-01T00:00:10Z'), 7n * NS_PER_DAY)).toBe(ns('2015-12-28T00:00:00Z'));
    expect(alignToGoZeroTime(ns('2016-01-01T13:45:00Z'), NS_PER_HOUR)).toBe(ns('2016-01-01T13:00:00Z'));
    expect(alignToGoZeroTime(-1n, NS_PER_DAY)).toBe(-NS_PER_DAY);
    const c = LocalCatalog.inMemory();
    await c.createDatabase('db');
    const g = await c.createShardGroup('db', 'autogen', ns('2016-01-01T00:00:10Z'));
    expect(g.endNs - g.startNs).toBe(7n * NS_PER_DAY);
    expect(await c.createShardGroup('db', 'autogen', ns('2016-01-03T00:00:00Z'))).toEqual(g);
    expect(c.shardGroupAt('db', 'autogen', g.endNs)).toBeUndefined();
    const next = await c.createShardGroup('db', 'autogen', g.endNs);
    expect(next.id).not.toBe(g.id);
    expect(next.shards[0]!.id).not.toBe(g.shards[0]!.id);
  });

  it('fixes a field type once per database and measurement and reports conflicts without partial changes', async () => {
    const c = LocalCatalog.inMemory();
    await c.createDatabase('db');
    await c.addFields('db', 'cpu', [['value', FieldType.Float]]);
    await expect(c.addFields('db', 'cpu', [['new', FieldType.String], ['value', FieldType.Integer]])).rejects.toThrow(
      new FieldTypeConflictError('cpu', 'value', 'integer', 'float'),
    );
    expect(c.fieldType('db', 'cpu', 'new')).toBeUndefined();
    await c.addFields('db', 'mem', [['value', FieldType.Integer]]);
    expect(c.fieldType('db', 'mem', 'value')).toBe(FieldType.Integer);
    expect([...c.fields('db', 'cpu')]).toEqual([['value', FieldType.Float]]);
  });

  it('forgets a measurement\'s field types, durably, so the next write may fix other ones', async () => {
    const dir = tmpDir();
    const c = await LocalCatalog.open({ dir });
    await c.createDatabase('db');
    await c.addFields('db', 'cpu', [['value', FieldType.Float]]);
    await c.addFields('db', 'mem', [['value', FieldType.Integer]]);
    await c.dropMeasurementFields('db', 'cpu');
    await c.dropMeasurementFields('db', 'never_written');
    await expect(c.dropMeasurementFields('nope', 'cpu')).rejects.toThrow(DatabaseNotFoundError);
    expect([...c.fields('db', 'cpu')]).toEqual([]);
    await c.addFields('db', 'cpu', [['value', FieldType.String]]);
    await c.dropMeasurementFields('db', 'cpu');
    await c.close();
    const again = await LocalCatalog.open({ dir });
    expect(again.fieldType('db', 'cpu', 'value')).toBeUndefined();
    expect(again.fieldType('db', 'mem', 'value')).toBe(FieldType.Integer);
  });

  it('survives a reopen with every change, including concurrent ones', async () => {
    const dir = tmpDir();
    const c = await LocalCatalog.open({ dir });
    await c.createDatabase('db');
    await Promise.all([
      c.createRetentionPolicy('db', { name: 'one_day', durationNs: NS_PER_DAY }, false),
      c.addFields('db', 'cpu', [['v', FieldType.Integer]]),
      c.createShardGroup('db', 'autogen', 1_451_606_400_000_000_000n),
    ]);
    await c.close();
    const again = await LocalCatalog.open({ dir });
    expect(again.databases()).toEqual(c.databases());
    expect(again.shardGroups()).toEqual(c.shardGroups());
    expect(again.fieldType('db', 'cpu', 'v')).toBe(FieldType.Integer);
    const g = await again.createShardGroup('db', 'one_day', 0n);
    expect(g.id).toBeGreaterThan(c.shardGroups()[0]!.id);
  });

  it('tells what an import needs: measurement names, and the next ids even when the newest group is gone', async () => {
    const c = LocalCatalog.inMemory();
    await c.createDatabase('db');
    await c.addFields('db', 'mem', [['used', FieldType.Integer]]);
    await c.addFields('db', 'cpu', [['v', FieldType.Float]]);
    await c.createShardGroup('db', 'autogen', 0n);
    const newest = await c.createShardGroup('db', 'autogen', 1_451_606_400_000_000_000n);
    await c.deleteShardGroup('db', 'autogen', newest.id);
    expect(c.measurements('db')).toEqual(['cpu', 'mem']);
    expect(c.measurements('nope')).toEqual([]);
    expect(c.nextIds()).toEqual({ shardGroupId: 3, shardId: 3 });
  });

  it('announces dropped databases, dropped shards and deleted groups to subscribers', async () => {
    const c = LocalCatalog.inMemory();
    const events: string[] = [];
    c.onChange((e) => events.push(e.kind));
    await c.createDatabase('db');
    const g = await c.createShardGroup('db', 'autogen', 0n);
    await c.deleteShardGroup('db', 'autogen', g.id);
    const dropped = await c.createShardGroup('db', 'autogen', 0n);
    await c.dropShard(dropped.shards[0]!.id);
    await c.dropShard(999);
    expect(c.shardGroups(), 'the group went with its only shard').toEqual([]);
    await c.dropDatabase('db');
    await c.dropDatabase('db');
    expect(events).toEqual(['shard-group-deleted', 'shard-dropped', 'database-dropped']);
  });

  it('sync() waits until a change made for another caller is on disk', async () => {
    const dir = tmpDir();
    const c = await LocalCatalog.open({ dir });
    await c.createDatabase('db');
    const first = c.createShardGroup('db', 'autogen', 0n);
    // A concurrent writer sees the group at once, before it is durable...
    const seen = c.shardGroupAt('db', 'autogen', 0n);
    expect(seen).toBeDefined();
    // ...and after sync() it is in the file a restart would read.
    await c.sync();
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'catalog.json'), 'utf8')) as { shardGroups: Array<{ id: number }> };
    expect(onDisk.shardGroups.map((g) => g.id)).toEqual([seen!.id]);
    await first;
  });
});
