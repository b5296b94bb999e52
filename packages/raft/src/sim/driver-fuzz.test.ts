// RaftNode itself (the driver, not only the core) under seeded faults: three nodes on the
// in-memory network, ticked by hand, with partitions, stalled disks and crashes (a crashed
// node's in-flight write never lands; it restarts from what its store holds). Clients put and
// read through random nodes (followers forward); the history must be linearizable and every
// acknowledged write must end up on every node. No wall clock: the run is a function of its seed.

import { describe, expect, it } from 'vitest';
import type { NodeId } from '../core/types.js';
import {
  LeadershipLostError,
  NodeClosedError,
  NotLeaderError,
  ProposalLostError,
  ProposalRefusedError,
} from '../errors.js';
import { checkOperations, kvModel } from '../linearizability/checker.js';
import type { KvInput, KvOutput, Operation } from '../linearizability/checker.js';
import { RaftNode } from '../node.js';
import { MemorySnapshotStore, MemoryStorage } from '../storage/memory.js';
import { KvStateMachine } from '../testing/kv.js';
import { MemoryNetwork } from '../transport/memory.js';
import { Prng } from './prng.js';

const enc = new TextEncoder();
const IDS: NodeId[] = ['a', 'b', 'c'];

async function settle(rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Errors after which the command certainly did not take effect. */
function noEffect(err: unknown): boolean {
  return err instanceof NotLeaderError || err instanceof ProposalRefusedError || err instanceof ProposalLostError;
}

interface Member {
  node: RaftNode<string | null>;
  sm: KvStateMachine;
  storage: MemoryStorage;
  snapshots: MemorySnapshotStore;
  up: boolean;
}

async function runSeed(seed: number, steps: number): Promise<{ acked: number; history: number }> {
  const rng = new Prng(seed);
  const net = new MemoryNetwork();
  const members = new Map<NodeId, Member>();
  let incarnation = 0;
  const start = async (id: NodeId, storage: MemoryStorage, snapshots: MemorySnapshotStore): Promise<void> => {
    const sm = new KvStateMachine();
    const node = await RaftNode.start<string | null>({
      id,
      storage,
      snapshots,
      transport: net.transport(id),
      stateMachine: sm,
      bootstrap: { voters: IDS },
      tickMs: 0,
      raft: { electionTicks: 10, randomSeed: seed * 31 + ++incarnation },
      snapshotEntries: 15,
      trailingLogs: 3,
      operationTimeoutMs: 150,
    });
    node.on('error', () => {});
    members.set(id, { node, sm, storage, snapshots, up: true });
  };
  for (const id of IDS) await start(id, new MemoryStorage(), new MemorySnapshotStore());

  const history: Operation<KvInput, KvOutput>[] = [];
  const acked: { key: string; value: string }[] = [];
  const pending: Promise<void>[] = [];
  let now = 0;
  let seq = 0;

  // Slow disks: a store stalls for a number of steps, then catches up.
  const releases: { at: number; release: () => void }[] = [];
  for (let step = 0; step < steps; step++) {
    now = step;
    for (const r of releases.filter((x) => x.at <= step)) r.release();
    releases.splice(0, releases.length, ...releases.filter((x) => x.at > step));
    const roll = rng.int(100);
    const live = [...members.values()].filter((m) => m.up);
    if (roll < 40 && live.length > 0) {
      const m = rng.pick(live);
      const key = rng.pick(['x', 'y']);
      const callTime = now;
      if (rng.chance(0.6)) {
        const value = `v${++seq}`;
        const input: KvInput = { op: 'put', key, value };
        pending.push(
          m.node.apply(enc.encode(JSON.stringify({ k: key, v: value }))).then(
            () => {
              history.push({ clientId: seq, input, output: { value: null }, callTime, returnTime: now + 0.5 });
              acked.push({ key, value });
            },
            (err: unknown) => {
              if (!noEffect(err)) history.push({ clientId: seq, input, output: undefined, callTime, returnTime: Infinity });
            },
          ),
        );
      } else {
        const input: KvInput = { op: 'get', key };
        const sm = m.sm;
        pending.push(
          m.node.readIndex().then(
            () => {
              history.push({ clientId: ++seq, input, output: { value: sm.data.get(key) ?? null }, callTime, returnTime: now + 0.5 });
            },
            (err: unknown) => {
              if (!(noEffect(err) || err instanceof LeadershipLostError || err instanceof NodeClosedError || err instanceof Error)) throw err;
            },
          ),
        );
      }
    } else if (roll < 46) {
      const victim = rng.pick(IDS);
      net.isolate(victim, IDS);
    } else if (roll < 52) {
      net.heal();
    } else if (roll < 55 && live.length > 0) {
      // Crash: the store stops taking writes (the in-flight one is lost), the node falls silent.
      const m = rng.pick(live);
      m.up = false;
      m.storage.stall = new Promise<void>(() => {});
      const id = m.node.id;
      net.disconnect(id);
      void m.node.close().catch(() => {});
      const storage = m.storage.clone();
      const snapshots = m.snapshots.clone();
      await settle();
      await start(id, storage, snapshots);
    } else if (roll < 62 && live.length > 0) {
      const m = rng.pick(live);
      if (m.storage.stall === null) {
        let release!: () => void;
        const storage = m.storage;
        storage.stall = new Promise<void>((r) => (release = r));
        releases.push({ at: step + rng.range(2, 25), release: () => {
          if (storage.stall !== null && m.up) storage.stall = null;
          release();
        } });
      }
    } else if (roll < 65 && live.length > 0) {
      const leader = live.find((m) => m.node.role === 'leader');
      if (leader !== undefined) {
        const target = rng.pick(IDS.filter((id) => id !== leader.node.id));
        pending.push(leader.node.transferLeadership(target).then(() => undefined, () => undefined));
      }
    } else {
      for (const m of members.values()) if (m.up) m.node.tick();
    }
    await settle();
  }

  // Heal and let everything complete.
  net.heal();
  for (const r of releases) r.release();
  for (let i = 0; i < 400; i++) {
    for (const m of members.values()) m.node.tick();
    await settle();
  }
  now = steps + 1000;
  await Promise.all(pending);
  // One more write through the leader proves liveness and flushes the pipeline.
  const leader = [...members.values()].find((m) => m.node.role === 'leader');
  expect(leader, `seed ${seed}: a leader after healing`).toBeDefined();
  const last = leader!.node.apply(enc.encode(JSON.stringify({ k: 'z', v: 'end' })));
  for (let i = 0; i < 200; i++) {
    for (const m of members.values()) m.node.tick();
    await settle();
  }
  await last;
  for (let i = 0; i < 100; i++) {
    for (const m of members.values()) m.node.tick();
    await settle();
  }
  if (process.env.RAFT_FUZZ_VERBOSE) for (const m of members.values()) console.log(seed, m.node.id, JSON.stringify(m.node.metrics()), 'stall', m.storage.stall !== null);
  for (const m of members.values()) {
    expect(m.sm.data.get('z'), `seed ${seed}: ${m.node.id} applied the final write`).toBe('end');
  }
  const lin = checkOperations(kvModel, history);
  expect(lin.result, `seed ${seed}: ${lin.result === 'illegal' ? lin.explanation : ''}`).toBe('ok');
  for (const m of members.values()) await m.node.close();
  return { acked: acked.length, history: history.length };
}

describe('RaftNode under seeded faults (driver fuzz)', () => {
  it('keeps client histories linearizable across partitions, crashes and transfers (50 seeds)', async () => {
    let acked = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const r = await runSeed(seed, 300);
      if (process.env.RAFT_FUZZ_VERBOSE) console.log(`seed ${seed}`, JSON.stringify(r));
      acked += r.acked;
    }
    expect(acked).toBeGreaterThan(500);
  });
});
