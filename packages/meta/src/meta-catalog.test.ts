// MetaCatalog against three in-process META nodes: the Catalog contract as the write path relies
// on it — read-your-writes, conflicts decided by the state machine, the storage engine's errors,
// sync() without META, catchUp() after changes made elsewhere, events on every copy, and a copy
// that outlives its node.

import { FieldType } from '@shoal/lineproto';
import { FieldTypeConflictError, LocalCatalog, NS_PER_HOUR, type Catalog, type CatalogEvent } from '@shoal/tsdb';
import { afterEach, describe, expect, it } from 'vitest';
import { MetaCatalog } from './meta-catalog.js';
import { InProcessMetaCluster, until } from './testing/in-process-cluster.js';

let cluster: InProcessMetaCluster | null = null;
const catalogs: MetaCatalog[] = [];

afterEach(async () => {
  for (const c of catalogs.splice(0)) await c.close();
  await cluster?.close();
  cluster = null;
});

async function catalogOn(address: string, lagTimeoutMs = 2000): Promise<MetaCatalog> {
  const c = await MetaCatalog.open({ client: { addresses: [address], attemptTimeoutMs: 1000, deadlineMs: 10_000 }, watch: { lagTimeoutMs } });
  catalogs.push(c);
  return c;
}

async function registerDataNodes(c: MetaCatalog, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 1; i <= n; i++) {
    const out = await c.client.apply({ type: 'register-data-node', rpcAddress: `d${i}:8089`, httpAddress: `d${i}:8086`, nowNs: BigInt(Date.now()) * 1_000_000n });
    if (!out.result.ok) throw new Error(out.result.error.message);
    ids.push(out.result.value.id);
  }
  return ids;
}

describe('MetaCatalog', () => {
  it('resolves each mutation once its result is readable in the local copy', async () => {
    cluster = await InProcessMetaCluster.start();
    await cluster.settled();
    const cat = await catalogOn(cluster.followers()[0]!.address);
    const dataNodeIds = await registerDataNodes(cat, 2);
    const db = await cat.createDatabase('db', { name: 'rp', durationNs: 0n, shardGroupDurationNs: NS_PER_HOUR, replicaN: 2 });
    expect(cat.database('db')).toEqual(db);
    await cat.createRetentionPolicy('db', { name: 'short', durationNs: 2n * NS_PER_HOUR }, true);
    expect(cat.retentionPolicy('db').name).toBe('short');
    const group = await cat.createShardGroup('db', 'rp', 5n * NS_PER_HOUR + 7n);
    expect(cat.shardGroupAt('db', 'rp', 5n * NS_PER_HOUR + 7n)).toEqual(group);
    expect(group.shards).toEqual([{ id: 1, owners: dataNodeIds }]);
    await cat.addFields('db', 'cpu', [
      ['usage', FieldType.Float],
      ['count', FieldType.Integer],
    ]);
    expect(cat.fields('db', 'cpu')).toEqual(
      new Map([
        ['count', FieldType.Integer],
        ['usage', FieldType.Float],
      ]),
    );
    await cat.dropMeasurementFields('db', 'cpu');
    expect(cat.fields('db', 'cpu').size).toBe(0);
    await cat.addFields('db', 'cpu', [['usage', FieldType.String]]);
    expect(cat.fieldType('db', 'cpu', 'usage')).toBe(FieldType.String);
    await cat.updateRetentionPolicy('db', 'rp', { durationNs: 24n * NS_PER_HOUR }, false);
    expect(cat.retentionPolicy('db', 'rp').durationNs).toBe(24n * NS_PER_HOUR);
    await cat.deleteShardGroup('db', 'rp', group.id);
    expect(cat.shardGroups('db')).toEqual([]);
    await cat.dropRetentionPolicy('db', 'short');
    expect(cat.database('db')!.retentionPolicies.map((p) => p.name)).toEqual(['rp']);
    await cat.dropDatabase('db');
    expect(cat.databases()).toEqual([]);
  });

  it('leaves a field type conflict to the state machine: one writer wins, the other gets FieldTypeConflictError and sees the winner', async () => {
    cluster = await InProcessMetaCluster.start();
    const leader = await cluster.settled();
    const [f1, f2] = cluster.followers();
    const a = await catalogOn(f1!.address);
    const b = await catalogOn(f2!.address);
    const c = await catalogOn(leader.address);
    await a.createDatabase('db');
    for (let round = 0; round < 5; round++) {
      const field = `f${round}`;
      const outcomes = await Promise.allSettled([
        a.addFields('db', 'm', [[field, FieldType.Float]]),
        b.addFields('db', 'm', [[field, FieldType.Integer]]),
        c.addFields('db', 'm', [[field, FieldType.String]]),
      ]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      expect(won, `round ${round}`).toHaveLength(1);
      const winner = a.fieldType('db', 'm', field);
      for (const [i, o] of outcomes.entries()) {
        // Whoever lost already sees the winner's type when its promise settles.
        expect([a, b, c][i]!.fieldType('db', 'm', field)).toBe(winner);
        if (o.status === 'rejected') {
          expect(o.reason).toBeInstanceOf(FieldTypeConflictError);
          expect(o.reason).toMatchObject({ measurement: 'm', field, existingType: ['float', 'integer', 'unsigned', 'boolean', 'string'][winner!] });
        }
      }
    }
  });

  it('throws the errors the single-node catalog throws, with the same messages', async () => {
    cluster = await InProcessMetaCluster.start();
    await cluster.settled();
    const meta = await catalogOn(cluster.followers()[0]!.address);
    const local = LocalCatalog.inMemory();
    const attempts: Array<[string, (c: Catalog) => Promise<unknown>]> = [
      ['database name required', (c) => c.createDatabase('')],
      ['database not found', (c) => c.createRetentionPolicy('nope', { name: 'rp' }, false)],
      ['policy not found', (c) => c.updateRetentionPolicy('db', 'nope', {}, false)],
      ['policy exists', (c) => c.createRetentionPolicy('db', { name: 'rp', durationNs: 2n * NS_PER_HOUR }, false)],
      ['invalid duration', (c) => c.createRetentionPolicy('db', { name: 'tiny', durationNs: 1n }, false)],
      ['invalid replication', (c) => c.createRetentionPolicy('db', { name: 'r0', replicaN: 0 }, false)],
      ['fields of a missing database', (c) => c.addFields('nope', 'm', [['f', FieldType.Float]])],
      ['field type conflict', (c) => c.addFields('db', 'm', [['f', FieldType.Integer]])],
      ['forgetting fields of a missing database', (c) => c.dropMeasurementFields('nope', 'm')],
      ['read of a missing policy', async (c) => c.retentionPolicy('db', 'nope')],
    ];
    for (const c of [local, meta] as Catalog[]) {
      await c.createDatabase('db');
      await c.createRetentionPolicy('db', { name: 'rp', durationNs: 0n }, false);
      await c.addFields('db', 'm', [['f', FieldType.Float]]);
    }
    for (const [what, attempt] of attempts) {
      const want = await attempt(local).then(
        () => null,
        (e: Error) => e,
      );
      const got = await attempt(meta).then(
        () => null,
        (e: Error) => e,
      );
      expect(want, what).not.toBeNull();
      expect({ name: got?.name, message: got?.message }, what).toEqual({ name: want!.name, message: want!.message });
    }
    // Deleting a group that is not there is no error, as in the single-node catalog.
    await expect(meta.deleteShardGroup('db', 'rp', 42)).resolves.toBeUndefined();
    await expect(meta.deleteShardGroup('nope', 'rp', 42)).resolves.toBeUndefined();
  });

  it('sync() asks no META node: what the copy holds is committed, so it is durable already', async () => {
    cluster = await InProcessMetaCluster.start();
    await cluster.settled();
    const cat = await catalogOn(cluster.followers()[0]!.address);
    await registerDataNodes(cat, 1);
    await cat.createDatabase('db');
    await cat.createShardGroup('db', 'autogen', 0n);
    await cat.addFields('db', 'm', [['f', FieldType.Float]]);
    // Every META node gone: a sync() that needed a round trip could only fail or hang now.
    await cluster.close();
    cluster = null;
    let synced = false;
    void cat.sync().then(() => {
      synced = true;
    });
    // Resolved within the turn: no answer from any node (there is none) was waited for.
    await new Promise((r) => setImmediate(r));
    expect(synced).toBe(true);
    // And the write path still finds, without a round trip, what it relies on.
    expect(await cat.createShardGroup('db', 'autogen', 1n)).toEqual(cat.shardGroupAt('db', 'autogen', 1n));
    await expect(cat.addFields('db', 'm', [['f', FieldType.Float]])).resolves.toBeUndefined();
  });

  it('catchUp() brings in a change committed elsewhere even when its stream comes from a node cut off from the group', async () => {
    cluster = await InProcessMetaCluster.start();
    const leader = await cluster.settled();
    const cut = cluster.followers()[0]!;
    const cat = await catalogOn(cut.address, 300);
    expect(cat.watch.source).toBe(cut.address);
    cluster.net.isolate(cut.id, [...cluster.servers.keys()]);
    const writer = cluster.client({ addresses: [leader.address] });
    await writer.apply({ type: 'create-database', name: 'elsewhere', retentionPolicy: null });
    expect(cat.database('elsewhere')).toBeUndefined();
    await cat.catchUp();
    expect(cat.database('elsewhere')).toBeDefined();
    expect(cat.watch.source).not.toBe(cut.address);
    cluster.net.heal();
  });

  it('answers every catchUp() call promptly under a steady stream of callers', async () => {
    cluster = await InProcessMetaCluster.start();
    await cluster.settled();
    const cat = await catalogOn(cluster.followers()[0]!.address);
    const endAt = Date.now() + 500;
    let slowestMs = 0;
    let calls = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (Date.now() < endAt) {
          const t0 = Date.now();
          await cat.catchUp();
          slowestMs = Math.max(slowestMs, Date.now() - t0);
          calls++;
        }
      }),
    );
    expect(calls).toBeGreaterThan(64);
    // A few read rounds at most; a waiter starved behind later rounds would wait the whole run.
    expect(slowestMs).toBeLessThan(400);
  });

  it('tells every copy about dropped databases, policies, shards and deleted groups', async () => {
    cluster = await InProcessMetaCluster.start();
    const leader = await cluster.settled();
    const a = await catalogOn(cluster.followers()[0]!.address);
    const b = await catalogOn(leader.address);
    await registerDataNodes(a, 2);
    const seen: CatalogEvent[] = [];
    b.onChange((e) => seen.push(e));
    await a.createDatabase('db');
    await a.createRetentionPolicy('db', { name: 'rp' }, false);
    const g = await a.createShardGroup('db', 'rp', 0n);
    expect(g.shards).toHaveLength(2);
    await a.dropShard(g.shards[0]!.id);
    await a.dropShard(999); // unknown: no error, no event
    await b.catchUp();
    expect(b.shardGroups('db', 'rp')).toEqual([{ ...g, shards: [g.shards[1]] }]);
    await a.deleteShardGroup('db', 'rp', g.id);
    await a.dropRetentionPolicy('db', 'rp');
    await a.dropDatabase('db');
    await b.catchUp();
    expect(seen.map((e) => e.kind)).toEqual(['shard-dropped', 'shard-group-deleted', 'retention-policy-dropped', 'database-dropped']);
    expect(seen[0]).toEqual({ kind: 'shard-dropped', shardId: g.shards[0]!.id });
    expect(seen[1]).toMatchObject({ group: { id: g.id, database: 'db', retentionPolicy: 'rp' } });
  });

  it('keeps its copy current after its META node stops, from another node, missing nothing', async () => {
    cluster = await InProcessMetaCluster.start({ watchKeepaliveMs: 100 });
    await cluster.settled();
    const node = cluster.followers()[0]!;
    const cat = await MetaCatalog.open({
      client: { addresses: [...cluster.addresses.values()], attemptTimeoutMs: 1000 },
      watch: { idleTimeoutMs: 500 },
    });
    catalogs.push(cat);
    const writer = cluster.client();
    await writer.apply({ type: 'create-database', name: 'before', retentionPolicy: null });
    await cat.catchUp();
    const source = cat.watch.source!;
    await cluster.stopNode([...cluster.servers.values()].find((s) => s.address === source)?.id ?? node.id);
    const names: string[] = [];
    for (let i = 0; i < 10; i++) {
      names.push(`after${i}`);
      await writer.apply({ type: 'create-database', name: `after${i}`, retentionPolicy: null });
    }
    await cat.catchUp();
    expect(cat.databases().map((d) => d.name)).toEqual(['before', ...names]);
    expect(cat.watch.reconnectCount).toBeGreaterThan(0);
  });

  it('catches up by snapshot when its node was restored from one, announcing what disappeared meanwhile', async () => {
    // Snapshots every 20 entries keeping 5 below: a follower cut off for 60 entries needs one.
    cluster = await InProcessMetaCluster.start({ server: { snapshotEntries: 20, trailingLogs: 5 } });
    const leader = await cluster.settled();
    const cut = cluster.followers()[0]!;
    const cat = await catalogOn(cut.address);
    await registerDataNodes(cat, 2);
    await cat.createDatabase('gone');
    await cat.createDatabase('kept');
    await cat.createRetentionPolicy('kept', { name: 'rp' }, false);
    const g = await cat.createShardGroup('kept', 'autogen', 0n);
    const later = await cat.createShardGroup('kept', 'autogen', 30n * 24n * NS_PER_HOUR);
    const events: CatalogEvent[] = [];
    cat.onChange((e) => events.push(e));
    let resets = 0;
    cat.watch.onReset(() => resets++);

    cluster.net.isolate(cut.id, [...cluster.servers.keys()]);
    const writer = cluster.client({ addresses: [leader.address] });
    await writer.apply({ type: 'drop-database', name: 'gone' });
    await writer.apply({ type: 'drop-retention-policy', database: 'kept', name: 'rp' });
    await writer.apply({ type: 'delete-shard-group', database: 'kept', retentionPolicy: 'autogen', id: g.id, nowNs: 1n });
    await writer.apply({ type: 'drop-shard', id: later.shards[1]!.id, nowNs: 1n });
    for (let i = 0; i < 60; i++) await writer.apply({ type: 'create-database', name: `new${i}`, retentionPolicy: null });
    expect(leader.node.metrics().snapshotIndex).toBeGreaterThan(cut.stateMachine.appliedIndex);
    cluster.net.heal();

    await until('the cut node is restored from a snapshot', () => cut.state.database('new59') !== undefined);
    await until('the copy follows', () => cat.database('new59') !== undefined);
    // Its stream stayed on the same node, which sent a snapshot after its restore.
    expect(cat.watch.source).toBe(cut.address);
    expect(resets).toBe(1);
    expect(cat.state.toData()).toEqual(leader.state.toData());
    expect(events.map((e) => e.kind).sort()).toEqual(['database-dropped', 'retention-policy-dropped', 'shard-dropped', 'shard-group-deleted']);
    expect(events.find((e) => e.kind === 'shard-dropped')).toEqual({ kind: 'shard-dropped', shardId: later.shards[1]!.id });
    expect(events.find((e) => e.kind === 'database-dropped')).toEqual({ kind: 'database-dropped', database: 'gone' });
    expect(events.find((e) => e.kind === 'shard-group-deleted')).toMatchObject({ group: { id: g.id, deletedAtNs: 1n } });
  });
});
