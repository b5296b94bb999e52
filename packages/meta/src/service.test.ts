// The MetaService of three META nodes in one process (Raft over the in-memory network, gRPC on
// loopback): forwarding, linearizable reads, Watch, the client's leader discovery and retries, and
// membership changes.

import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCommand } from './commands.js';
import { MetaUnavailableError } from './client.js';
import type { MetaServiceStub, WireApplyResponse, WireWatchEvent } from './proto.js';
import { InProcessMetaCluster, freePort, until } from './testing/in-process-cluster.js';

let cluster: InProcessMetaCluster | null = null;

afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

function raw<Res>(stub: MetaServiceStub, method: 'apply' | 'readIndex' | 'getState', request: object, timeoutMs = 1000): Promise<Res> {
  return new Promise((resolve, reject) => {
    stub[method](request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}

/** Collects the events of one Watch stream. */
function subscribe(stub: MetaServiceStub, fromIndex: number): { events: WireWatchEvent[]; stream: grpc.ClientReadableStream<WireWatchEvent> } {
  const events: WireWatchEvent[] = [];
  const stream = stub.watch({ fromIndex });
  stream.on('data', (e: WireWatchEvent) => events.push(e));
  stream.on('error', () => {});
  return { events, stream };
}

describe('MetaService', () => {
  it('forwards a command sent to a follower and answers with its result, its index and the leader', async () => {
    cluster = await InProcessMetaCluster.start();
    const leader = await cluster.waitLeader();
    const follower = cluster.followers()[0]!;
    const client = cluster.client({ addresses: [follower.address] });
    const out = await client.apply({ type: 'create-database', name: 'db', retentionPolicy: null });
    expect(out.result).toEqual({ ok: true, value: { name: 'db', defaultRetentionPolicy: 'autogen', retentionPolicies: [expect.objectContaining({ name: 'autogen' })] } });
    // Answered once applied on the node that was asked: its state has it, at that index.
    expect(follower.state.database('db')).toBeDefined();
    expect(follower.stateMachine.appliedIndex).toBeGreaterThanOrEqual(out.index);
    expect(client.leaderAddress).toBe(leader.address);
    // A refusal is a result, worded as InfluxDB words it, and takes a log index like any command.
    const refused = await client.apply({ type: 'create-database', name: '', retentionPolicy: null });
    expect(refused.result).toEqual({ ok: false, error: { code: 'database-name-required', message: 'database name required' } });
    expect(refused.index).toBeGreaterThan(out.index);
  });

  it('refuses bytes that are not a command before they reach the log', async () => {
    cluster = await InProcessMetaCluster.start();
    const leader = await cluster.waitLeader();
    const client = cluster.client();
    const before = leader.node.metrics().lastIndex;
    const err = await raw(client.stub(leader.address), 'apply', { command: Buffer.from([1, 0x7b]) }).catch((e: grpc.ServiceError) => e);
    expect(err).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'command is not valid UTF-8 JSON' });
    expect(leader.node.metrics().lastIndex).toBe(before);
  });

  it('answers ReadIndex on a follower with a point that covers a write acknowledged by the leader', async () => {
    cluster = await InProcessMetaCluster.start();
    const leader = await cluster.waitLeader();
    const follower = cluster.followers()[0]!;
    const viaLeader = cluster.client({ addresses: [leader.address] });
    const out = await viaLeader.apply({ type: 'create-database', name: 'db', retentionPolicy: null });
    const res = await raw<{ index: string }>(cluster.client().stub(follower.address), 'readIndex', {});
    expect(Number(res.index)).toBeGreaterThanOrEqual(out.index);
    expect(follower.stateMachine.appliedIndex).toBeGreaterThanOrEqual(out.index);
    const state = await cluster.client({ addresses: [follower.address] }).getState(true);
    expect(state.state.database('db')).toBeDefined();
  });

  it('serves no stale linearizable read from a leader cut off from the others', async () => {
    cluster = await InProcessMetaCluster.start();
    const c = cluster;
    const old = await c.waitLeader();
    const others = [...c.servers.values()].filter((s) => s !== old);
    c.net.isolate(old.id, [...c.servers.keys()]);
    await until('a new leader among the others', () => others.some((s) => s.isLeader && s.duties.isLeading));
    const fresh = c.client({ addresses: others.map((s) => s.address) });
    await fresh.apply({ type: 'create-database', name: 'after-cut', retentionPolicy: null });
    // The old leader's own state is stale, and it must not vouch for it.
    expect(old.state.database('after-cut')).toBeUndefined();
    const stub = c.client().stub(old.address);
    const read = await raw(stub, 'readIndex', {}, 1500).catch((e: grpc.ServiceError) => e);
    expect(read).toBeInstanceOf(Error);
    const state = await raw(stub, 'getState', { linearizable: true }, 1500).catch((e: grpc.ServiceError) => e);
    expect(state).toBeInstanceOf(Error);
    // A non-linearizable read says what it has.
    const local = await raw<{ snapshot: Buffer }>(stub, 'getState', { linearizable: false });
    expect(local.snapshot.length).toBeGreaterThan(0);
    c.net.heal();
    await until('the old leader catches up', () => old.state.database('after-cut') !== undefined);
  });

  it('Watch sends the state, then every change in log order; resuming from an index sends only what is missing', async () => {
    cluster = await InProcessMetaCluster.start();
    await cluster.waitLeader();
    const client = cluster.client();
    const follower = cluster.followers()[0]!;
    const stub = client.stub(follower.address);
    await client.apply({ type: 'create-database', name: 'a', retentionPolicy: null });
    const first = subscribe(stub, 0);
    await until('the snapshot', () => first.events.length > 0);
    expect(first.events[0]!.snapshot).not.toBeNull();
    const snapIndex = Number(first.events[0]!.snapshot!.index);
    const indexes: number[] = [];
    for (const name of ['b', 'c', 'd']) indexes.push((await client.apply({ type: 'create-database', name, retentionPolicy: null })).index);
    // A retry changes nothing and is no change record; the applied index still moves.
    const retry = await client.apply({ type: 'create-database', name: 'd', retentionPolicy: null });
    await until('every change', () => first.events.some((e) => Number(e.appliedIndex) >= retry.index));
    const changes = first.events.flatMap((e) => e.changes);
    expect(changes.map((c) => Number(c.index))).toEqual(indexes);
    expect(Buffer.from(changes[0]!.command)).toEqual(Buffer.from(encodeCommand({ type: 'create-database', name: 'b', retentionPolicy: null })));
    expect(first.events.slice(1).every((e) => e.snapshot === null)).toBe(true);
    first.stream.cancel();

    const resumed = subscribe(stub, indexes[0]!);
    await until('the first event', () => resumed.events.length > 0);
    expect(resumed.events[0]!.snapshot).toBeNull();
    expect(resumed.events[0]!.changes.map((c) => Number(c.index))).toEqual(indexes.slice(1));
    expect(Number(resumed.events[0]!.appliedIndex)).toBeGreaterThanOrEqual(retry.index);
    expect(snapIndex).toBeLessThan(indexes[0]!);
    resumed.stream.cancel();
  });

  it('Watch sends the applied index as a keepalive while nothing changes', async () => {
    cluster = await InProcessMetaCluster.start({ watchKeepaliveMs: 50 });
    await cluster.settled();
    const w = subscribe(cluster.client().stub(cluster.followers()[0]!.address), 0);
    await until('several keepalives', () => w.events.length >= 4, 3000);
    expect(w.events.slice(1).every((e) => e.snapshot === null && e.changes.length === 0)).toBe(true);
    expect(w.events.at(-1)!.leader?.address).toBe(cluster.leader()!.address);
    w.stream.cancel();
  });

  it('a client finds the leader from any address, skips a dead one, and keeps working across a leader crash', async () => {
    cluster = await InProcessMetaCluster.start();
    const leader = await cluster.waitLeader();
    const dead = `127.0.0.1:${await freePort()}`;
    const client = cluster.client({ addresses: [dead, ...cluster.followers().map((s) => s.address)], attemptTimeoutMs: 500 });
    await client.apply({ type: 'create-database', name: 'one', retentionPolicy: null });
    expect(client.leaderAddress).toBe(leader.address);
    await cluster.stopNode(leader.id);
    const started = Date.now();
    const out = await client.apply({ type: 'create-database', name: 'two', retentionPolicy: null });
    expect(out.result.ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(client.leaderAddress).not.toBe(leader.address);
    expect(cluster.leader()!.state.database('two')).toBeDefined();
  });

  it('a client gives up at its deadline with MetaUnavailableError when no node answers', async () => {
    cluster = await InProcessMetaCluster.start({ ids: ['1'] });
    const client = cluster.client({ addresses: [`127.0.0.1:${await freePort()}`], attemptTimeoutMs: 100, deadlineMs: 400 });
    const started = Date.now();
    const err = await client.readIndex().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetaUnavailableError);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('runs the failure detector on the heartbeats DATA nodes send through any node', async () => {
    cluster = await InProcessMetaCluster.start({ duties: { failureCheckIntervalMs: 20, dataNodeTimeoutMs: 300 }, server: { dutiesTickMs: 20 } });
    const leader = await cluster.settled();
    const follower = cluster.followers()[0]!;
    // The DATA node knows one follower only; the follower names the leader and the client goes there.
    const dataClient = cluster.client({ addresses: [follower.address] });
    const out = await dataClient.apply({ type: 'register-data-node', rpcAddress: 'd1:8089', httpAddress: 'd1:8086', nowNs: 0n });
    const id = out.result.ok ? out.result.value.id : -1;
    const beating = setInterval(() => void dataClient.heartbeat(id).catch(() => {}), 50);
    try {
      await new Promise((r) => setTimeout(r, 800));
      expect(leader.state.node(id)?.status, 'kept up while beating').toBe('up');
    } finally {
      clearInterval(beating);
    }
    await until('marked down once silent', () => leader.state.node(id)?.status === 'down', 3000);
    expect(leader.state.liveDataNodeIds()).toEqual([]);
    await dataClient.heartbeat(id);
    // The heartbeat answer comes once the node is back up in the state.
    expect(leader.state.node(id)?.status).toBe('up');
    expect(dataClient.leaderAddress).toBe(leader.address);
    const unknown = await dataClient.heartbeat(999).catch((e: Error) => e);
    expect(unknown).toMatchObject({ name: 'UnknownDataNodeError', nodeId: 999, message: 'data node 999 is not registered' });
  });

  it('adds a META node as a learner, promotes it once caught up, transfers leadership to it, and removes it', async () => {
    cluster = await InProcessMetaCluster.start();
    await cluster.settled();
    const client = cluster.client();
    for (let i = 0; i < 20; i++) await client.apply({ type: 'create-database', name: `db${i}`, retentionPolicy: null });
    await cluster.allocate('4');
    const joiner = await cluster.startNode('4', { join: true });
    expect(joiner.node.confState().voters).toContain('4');
    await joiner.registered();
    await until('the joiner holds the state', () => joiner.state.databases().length === 20);
    const status = await client.status(joiner.address);
    expect(status.members.map((m) => [m.id, m.voter])).toEqual([
      ['1', true],
      ['2', true],
      ['3', true],
      ['4', true],
    ]);
    expect(status.members.find((m) => m.id === '4')!.address).toBe(joiner.address);
    // Every node now knows the joiner's MetaService address from the state.
    await until('its registration is everywhere', () => [...cluster!.servers.values()].every((s) => s.addressOf('4') === joiner.address));

    const moved = await client.transferLeadership('4');
    expect(moved.leaderId).toBe('4');
    await until('node 4 leads', () => joiner.isLeader);

    const after = await client.removeMember('2');
    expect(after.members.map((m) => m.id)).toEqual(['1', '3', '4']);
    // Its record stays, decommissioned.
    expect(joiner.state.metaNodes().find((n) => n.raftId === '2')?.status).toBe('decommissioned');
    expect(await client.apply({ type: 'create-database', name: 'after-remove', retentionPolicy: null })).toMatchObject({ result: { ok: true } });
  });
});
