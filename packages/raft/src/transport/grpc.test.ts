import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message, NodeId } from '../core/types.js';
import { message } from '../core/types.js';
import { RaftNode } from '../node.js';
import { KvStateMachine } from '../testing/kv.js';
import { FileSnapshotStore } from '../storage/file-snapshots.js';
import { LevelStorage } from '../storage/level.js';
import { GrpcTransport, messageFromWire, messageToWire } from './grpc.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const enc = new TextEncoder();
const put = (k: string, v: string): Uint8Array => enc.encode(JSON.stringify({ k, v }));

/** Resolves when `pred` holds, checking after every event-loop turn; fails after `limitMs`. */
async function eventually(pred: () => boolean, limitMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!pred()) {
    if (Date.now() - started > limitMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('gRPC transport', () => {
  it('encodes every message field losslessly', () => {
    const m: Message = message({
      type: 'app',
      from: 'a',
      to: 'b',
      term: 7,
      logTerm: 6,
      index: 41,
      entries: [
        { index: 42, term: 7, type: 'normal', data: enc.encode('x') },
        { index: 43, term: 7, type: 'conf', data: enc.encode('{"voters":["a"],"learners":[]}') },
      ],
      commit: 40,
      reject: true,
      rejectHint: 12,
      context: 99,
      snapshot: { index: 30, term: 5, conf: { voters: ['a', 'b'], learners: ['c'], addresses: { c: 'h:1' } } },
    });
    expect(messageFromWire(messageToWire(m))).toEqual(m);
  });

  it('runs a three-node cluster over loopback with classic-level storage, including a snapshot install', async () => {
    const ids: NodeId[] = ['a', 'b', 'c', 'd'];
    const transports = new Map<NodeId, GrpcTransport>();
    const addresses: Record<NodeId, string> = {};
    for (const id of ids) {
      const t = new GrpcTransport({ id, listen: '127.0.0.1:0', snapshotChunkBytes: 100 });
      addresses[id] = `127.0.0.1:${await t.bind()}`;
      transports.set(id, t);
    }
    const nodes = new Map<NodeId, { node: RaftNode<string | null>; sm: KvStateMachine }>();
    const startNode = async (id: NodeId, founding: boolean): Promise<void> => {
      const dir = mkdtempSync(join(tmpdir(), `shoal-raft-grpc-${id}-`));
      dirs.push(dir);
      const sm = new KvStateMachine();
      const node = await RaftNode.start<string | null>({
        id,
        storage: await LevelStorage.open(join(dir, 'log')),
        snapshots: new FileSnapshotStore(dir),
        transport: transports.get(id)!,
        stateMachine: sm,
        ...(founding ? { bootstrap: { voters: ['a', 'b', 'c'], addresses: { a: addresses.a!, b: addresses.b!, c: addresses.c! } } } : {}),
        tickMs: 20,
        raft: { electionTicks: 10 },
        snapshotEntries: 20,
        trailingLogs: 0,
      });
      nodes.set(id, { node, sm });
    };
    for (const id of ['a', 'b', 'c']) await startNode(id, true);
    try {
      await eventually(() => [...nodes.values()].some((n) => n.node.role === 'leader'));
      const leader = [...nodes.values()].find((n) => n.node.role === 'leader')!.node;
      for (let i = 0; i < 50; i++) await leader.apply(put(`k${i}`, `v${i}`));
      await leader.readIndex();
      expect(leader.metrics().snapshotIndex).toBeGreaterThanOrEqual(40);
      // A new node joins far behind the compacted log: it needs the snapshot, sent in chunks.
      await startNode('d', false);
      await leader.addLearner('d', addresses.d!);
      await eventually(() => nodes.get('d')!.sm.data.size === 50);
      expect(nodes.get('d')!.node.metrics().snapshotIndex).toBeGreaterThanOrEqual(40);
      await leader.promote('d');
      await leader.apply(put('last', 'x'));
      await eventually(() => [...nodes.values()].every((n) => n.sm.data.get('last') === 'x'));
    } finally {
      for (const n of nodes.values()) await n.node.close();
    }
  });

  it('serves on a server it is given: one port carries Raft and the application, and closing lets the owner shut down gracefully', async () => {
    // The application's own service on the same server: RaftKv's Status, answered by hand.
    const def = protoLoader.loadSync(fileURLToPath(new URL('../../../../proto/raft.proto', import.meta.url)), { longs: Number, defaults: true });
    type KvClient = grpc.Client & { status(req: object, cb: (err: grpc.ServiceError | null, res?: { json: string }) => void): void };
    const Kv = (grpc.loadPackageDefinition(def) as unknown as { shoal: { raft: { RaftKv: (new (a: string, c: grpc.ChannelCredentials) => KvClient) & { service: grpc.ServiceDefinition } } } }).shoal.raft.RaftKv;
    const ids: NodeId[] = ['a', 'b', 'c'];
    const servers = new Map<NodeId, grpc.Server>();
    const addresses: Record<NodeId, string> = {};
    for (const id of ids) {
      const server = new grpc.Server();
      server.addService(Kv.service, { status: (_call: unknown, cb: grpc.sendUnaryData<{ json: string }>) => cb(null, { json: id }) });
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
      );
      servers.set(id, server);
      addresses[id] = `127.0.0.1:${port}`;
    }
    const nodes: RaftNode<string | null>[] = [];
    for (const id of ids) {
      const dir = mkdtempSync(join(tmpdir(), `shoal-raft-shared-${id}-`));
      dirs.push(dir);
      nodes.push(
        await RaftNode.start<string | null>({
          id,
          storage: await LevelStorage.open(join(dir, 'log')),
          snapshots: new FileSnapshotStore(dir),
          transport: new GrpcTransport({ id, server: servers.get(id)!, advertise: addresses[id]! }),
          stateMachine: new KvStateMachine(),
          bootstrap: { voters: ids, addresses },
          tickMs: 20,
          raft: { electionTicks: 10 },
        }),
      );
    }
    await eventually(() => nodes.some((n) => n.role === 'leader'));
    const leader = nodes.find((n) => n.role === 'leader')!;
    for (let i = 0; i < 10; i++) await leader.apply(put(`k${i}`, `v${i}`));
    const client = new Kv(addresses.a!, grpc.credentials.createInsecure());
    const answer = await new Promise<string>((resolve, reject) => client.status({}, (err, res) => (err ? reject(err) : resolve(res!.json))));
    client.close();
    expect(answer).toBe('a');
    // One node stops while its peers run on and keep their streams to it open: closing its
    // transport ends those streams, so the owner's graceful shutdown does not wait on them.
    await nodes[0]!.close();
    const started = Date.now();
    await new Promise<void>((resolve) => servers.get('a')!.tryShutdown(() => resolve()));
    expect(Date.now() - started).toBeLessThan(1000);
    for (const n of nodes.slice(1)) await n.close();
    for (const s of servers.values()) s.forceShutdown();
  });
});
