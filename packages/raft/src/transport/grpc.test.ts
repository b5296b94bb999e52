import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
