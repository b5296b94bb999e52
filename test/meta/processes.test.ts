// Three META node processes on loopback: real gRPC, real classic-level logs with fsync. DDL goes
// through MetaCatalog while the leader is SIGKILLed and restarted over and over; a stopped (SIGSTOP)
// leader serves no stale linearizable read when it wakes up, and a majority cut off serves none at
// all; all three stopped together come back with the same state; a fourth joins and leaves.

import * as grpc from '@grpc/grpc-js';
import { FieldType } from '@shoal/lineproto';
import { MetaCatalog, MetaClient, decodeSnapshot, MetaState, type MetaChange, type MetaNodeStatus } from '@shoal/meta';
import { NS_PER_HOUR } from '@shoal/tsdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetaProcessCluster } from './processes.js';

const IDS = ['1', '2', '3'];
// 50 ms ticks, election timeout 10 ticks (0.5–1 s); no DATA node is ever marked down here.
const ARGS = ['--tick-ms', '50', '--election-ticks', '10', '--data-node-timeout-ms', '3600000', '--log-level', 'info'];

let cluster: MetaProcessCluster;
const clients: MetaClient[] = [];

function client(addresses: readonly string[], attemptTimeoutMs = 1000, deadlineMs = 30_000): MetaClient {
  const c = new MetaClient({ addresses, attemptTimeoutMs, deadlineMs });
  clients.push(c);
  return c;
}

async function until<T>(what: string, probe: () => Promise<T | null>, limitMs: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() - started > limitMs) throw new Error(`${what}: not reached within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function statusOf(id: string, timeoutMs = 500): Promise<MetaNodeStatus | null> {
  if (!cluster.isRunning(id)) return null;
  return client([cluster.addresses.get(id)!]).status(cluster.addresses.get(id)!, { deadlineMs: timeoutMs });
}

async function leaderAmong(ids: readonly string[] = IDS): Promise<string | null> {
  for (const id of ids) {
    const s = await statusOf(id).catch(() => null);
    if (s?.role === 'leader') return id;
  }
  return null;
}

/** One unary call on one node, no retry elsewhere (the answer must come from that node). */
function rawCall<Res>(id: string, method: 'readIndex' | 'getState', request: object, timeoutMs: number): Promise<Res> {
  const stub = client([cluster.addresses.get(id)!]).stub(cluster.addresses.get(id)!);
  return new Promise((resolve, reject) => {
    stub[method](request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}

async function stateOf(id: string, minIndex: number): Promise<MetaState> {
  await until(`node ${id} applied ${minIndex}`, async () => ((await statusOf(id, 1000))!.appliedIndex >= minIndex ? true : null), 20_000);
  const res = await rawCall<{ snapshot: Buffer }>(id, 'getState', { linearizable: false }, 5000);
  return MetaState.fromData(decodeSnapshot(res.snapshot).state);
}

beforeAll(async () => {
  cluster = await MetaProcessCluster.create(IDS, ARGS);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('three META processes', () => {
  it('keep every acknowledged DDL change, each applied once, while the leader is SIGKILLed and restarted again and again', async () => {
    const catalog = await MetaCatalog.open({ client: client(cluster.addressList), watch: { idleTimeoutMs: 2000, lagTimeoutMs: 1000 } });
    const changes: MetaChange[] = [];
    let resets = 0;
    catalog.watch.onChange((c) => changes.push(c));
    catalog.watch.onReset(() => resets++);
    for (const i of [1, 2]) {
      const r = await catalog.client.apply({ type: 'register-data-node', rpcAddress: `d${i}:8089`, httpAddress: `d${i}:8086`, nowNs: 0n });
      expect(r.result.ok).toBe(true);
    }
    await catalog.createDatabase('main', { name: 'rp', durationNs: 0n, shardGroupDurationNs: NS_PER_HOUR, replicaN: 1 });

    // The model: what each worker's acknowledged operations leave behind.
    const liveDbs = new Set<string>();
    const droppedDbs = new Set<string>();
    const fields = new Map<string, FieldType>();
    const groupStarts = new Set<bigint>();
    let acked = 0;
    let running = true;

    const worker = async (w: number): Promise<void> => {
      let k = 0;
      const mine: string[] = [];
      for (let i = 0; running || i < 10; i++) {
        switch (i % 4) {
          case 0: {
            const name = `w${w}db${k++}`;
            await catalog.createDatabase(name);
            expect(catalog.database(name), 'read-your-writes').toBeDefined();
            liveDbs.add(name);
            mine.push(name);
            break;
          }
          case 1: {
            const name = mine.shift();
            if (name === undefined) break;
            await catalog.dropDatabase(name);
            expect(catalog.database(name), 'read-your-writes').toBeUndefined();
            liveDbs.delete(name);
            droppedDbs.add(name);
            break;
          }
          case 2: {
            const field = `w${w}f${i}`;
            const type = i % 8 === 2 ? FieldType.Float : FieldType.Integer;
            await catalog.addFields('main', 'm', [[field, type]]);
            expect(catalog.fieldType('main', 'm', field)).toBe(type);
            fields.set(field, type);
            break;
          }
          case 3: {
            const t = BigInt(w * 100_000 + i) * NS_PER_HOUR;
            const g = await catalog.createShardGroup('main', 'rp', t);
            expect(catalog.shardGroupAt('main', 'rp', t)).toEqual(g);
            groupStarts.add(g.startNs);
            break;
          }
        }
        acked++;
      }
    };

    const started = Date.now();
    const workers = [0, 1, 2].map(worker);
    // The killer: SIGKILL whoever leads, let the others elect, bring it back from its disk.
    let kills = 0;
    for (let round = 0; round < 4; round++) {
      await new Promise((r) => setTimeout(r, 1200));
      const leader = await until('a leader', () => leaderAmong(), 15_000);
      await cluster.signal(leader, 'SIGKILL');
      kills++;
      await new Promise((r) => setTimeout(r, 600));
      await cluster.start(leader);
    }
    await new Promise((r) => setTimeout(r, 1000));
    running = false;
    await Promise.all(workers);
    const elapsedMs = Date.now() - started;
    expect(kills).toBe(4);
    expect(acked).toBeGreaterThan(50);

    // Every node reaches the same state, and it is the model's.
    await catalog.catchUp();
    const finalIndex = catalog.watch.index;
    const states = await Promise.all(IDS.map((id) => stateOf(id, finalIndex)));
    for (const s of states.slice(1)) expect(s.toData()).toEqual(states[0]!.toData());
    for (const s of [...states, catalog.state]) {
      const names = new Set(s.databases().map((d) => d.name));
      expect(names).toEqual(new Set(['main', ...liveDbs]));
      expect(new Map([...s.fields('main', 'm')])).toEqual(new Map([...fields].sort((a, b) => (a[0] < b[0] ? -1 : 1))));
      expect(new Set(s.shardGroups('main', 'rp').map((g) => g.startNs))).toEqual(groupStarts);
      // Group ids were handed out once per group: no command made two.
      expect(s.shardGroups().map((g) => g.id).sort((a, b) => a - b)).toEqual(Array.from({ length: groupStarts.size }, (_, i) => i + 1));
    }

    // The Watch saw each change once, in log order: a database dropped and then created again by a
    // late duplicate would show as a second creation.
    expect(resets).toBe(0);
    const indexes = changes.map((c) => c.index);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    expect(new Set(indexes).size).toBe(indexes.length);
    const created = new Map<string, number>();
    const dropped = new Map<string, number>();
    for (const c of changes) {
      if (c.command.type === 'create-database') created.set(c.command.name, (created.get(c.command.name) ?? 0) + 1);
      if (c.command.type === 'drop-database') dropped.set(c.command.name, (dropped.get(c.command.name) ?? 0) + 1);
    }
    for (const name of [...liveDbs, ...droppedDbs]) expect(created.get(name), name).toBe(1);
    for (const name of droppedDbs) expect(dropped.get(name), name).toBe(1);
    console.log(`meta chaos: ${acked} DDL operations acknowledged in ${elapsedMs} ms through ${kills} leader kills; ${changes.length} changes watched`);
    await catalog.close();
  });

  it('serve no stale linearizable read from a leader stopped (SIGSTOP) while the others moved on, nor from a node whose peers are stopped', async () => {
    const old = await until('a leader', () => leaderAmong(), 15_000);
    const others = IDS.filter((id) => id !== old);
    await cluster.signal(old, 'SIGSTOP');
    try {
      await until('a new leader among the others', () => leaderAmong(others), 15_000);
      const writer = client(others.map((id) => cluster.addresses.get(id)!));
      const out = await writer.apply({ type: 'create-database', name: 'while-stopped', retentionPolicy: null });
      expect(out.result.ok).toBe(true);
    } finally {
      await cluster.signal(old, 'SIGCONT');
    }
    // At once, before it has heard of the new term: either it refuses, or its answer has the write.
    const reads = await Promise.all(
      [0, 1, 2].map(() => rawCall<{ index: string; snapshot: Buffer }>(old, 'getState', { linearizable: true }, 3000).catch((e: Error) => e)),
    );
    for (const read of reads) {
      if (!(read instanceof Error)) expect(MetaState.fromData(decodeSnapshot(read.snapshot).state).database('while-stopped')).toBeDefined();
    }
    console.log(`woken leader's linearizable reads: ${reads.map((r) => (r instanceof Error ? r.message : `index ${r.index}, with the write`)).join('; ')}`);

    // A node whose peers are both stopped cannot confirm anything.
    const lone = await until('a leader', () => leaderAmong(), 15_000);
    const peers = IDS.filter((id) => id !== lone);
    for (const id of peers) await cluster.signal(id, 'SIGSTOP');
    try {
      const err = await rawCall(lone, 'readIndex', {}, 2500).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      console.log(`read on a node whose peers are stopped: ${(err as Error).message}`);
      // Its local, non-linearizable view is still there.
      const local = await rawCall<{ snapshot: Buffer }>(lone, 'getState', { linearizable: false }, 2000);
      expect(local.snapshot.length).toBeGreaterThan(0);
    } finally {
      for (const id of peers) await cluster.signal(id, 'SIGCONT');
    }
    await until('a leader again', () => leaderAmong(), 15_000);
  });

  it('come back with the same state when all three are stopped (one gracefully, two killed) and restarted together', async () => {
    const c = client(cluster.addressList);
    await c.apply({ type: 'create-user', name: 'admin', hash: 'h', admin: true });
    const before = await c.getState(true);
    // One stops gracefully (SIGTERM: exit status 0 after closing), the others are killed outright.
    const graceful = cluster.procs.get(IDS[0]!)!;
    await cluster.signal(IDS[0]!, 'SIGTERM');
    expect(graceful.exitCode).toBe(0);
    expect(cluster.output.get(IDS[0]!)).toContain('"msg":"meta node stopped"');
    for (const id of IDS.slice(1)) await cluster.signal(id, 'SIGKILL');
    await Promise.all(IDS.map((id) => cluster.start(id)));
    await until('a leader', () => leaderAmong(), 15_000);
    const after = await client(cluster.addressList).getState(true);
    expect(after.index).toBeGreaterThanOrEqual(before.index);
    expect(after.state.toData()).toEqual(before.state.toData());
    // And they still take commands.
    const out = await c.apply({ type: 'create-database', name: 'after-restart', retentionPolicy: null });
    expect(out.result.ok).toBe(true);
  });

  it('add a fourth process with --join (learner, then voter once caught up), and remove it again', async () => {
    const c = client(cluster.addressList);
    await cluster.join('4');
    const addr4 = cluster.addresses.get('4')!;
    const status = await until(
      'node 4 a voter',
      async () => {
        const s = await c.status(addr4);
        return s.members.some((m) => m.id === '4' && m.voter) && s.leaderId !== null ? s : null;
      },
      15_000,
    );
    expect(status.members.map((m) => m.id).sort()).toEqual(['1', '2', '3', '4']);
    // It holds the group's state and serves linearizable reads.
    const want = await c.getState(true);
    const got = await client([addr4]).getState(true);
    expect(got.state.databases()).toEqual(want.state.databases());
    // Its registration names it in the state.
    await until('node 4 registered', async () => ((await c.getState(true)).state.metaNodes().some((n) => n.raftId === '4' && n.rpcAddress === addr4) ? true : null), 10_000);
    const after = await c.removeMember('4');
    expect(after.members.map((m) => m.id).sort()).toEqual(['1', '2', '3']);
    expect((await c.getState(true)).state.metaNodes().find((n) => n.raftId === '4')?.status).toBe('decommissioned');
    await cluster.signal('4', 'SIGTERM');
  });
});
