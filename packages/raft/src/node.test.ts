import { describe, expect, it } from 'vitest';
import type { Message, NodeId } from './core/types.js';
import { NotLeaderError, NodeClosedError } from './errors.js';
import { RaftNode } from './node.js';
import type { RaftNodeOptions } from './node.js';
import type { Transport } from './storage/interfaces.js';
import { MemorySnapshotStore, MemoryStorage } from './storage/memory.js';
import { MemoryNetwork } from './transport/memory.js';
import { KvStateMachine } from './testing/kv.js';

const enc = new TextEncoder();

const put = (k: string, v: string): Uint8Array => enc.encode(JSON.stringify({ k, v }));

/** Lets every pending macrotask (deliveries) and microtask (store writes) run. */
async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

interface Member {
  node: RaftNode<string | null>;
  sm: KvStateMachine;
  storage: MemoryStorage;
  snapshots: MemorySnapshotStore;
}

class TestCluster {
  readonly net = new MemoryNetwork();
  readonly members = new Map<NodeId, Member>();
  constructor(readonly voters: NodeId[]) {}

  async start(id: NodeId, opts: Partial<RaftNodeOptions<string | null>> = {}, reuse?: Member): Promise<Member> {
    const sm = new KvStateMachine();
    const storage = reuse?.storage ?? new MemoryStorage();
    const snapshots = reuse?.snapshots ?? new MemorySnapshotStore();
    const node = await RaftNode.start<string | null>({
      id,
      storage,
      snapshots,
      transport: this.net.transport(id),
      stateMachine: sm,
      ...(this.voters.includes(id) ? { bootstrap: { voters: this.voters } } : {}),
      tickMs: 0,
      raft: { electionTicks: 10, randomSeed: id.charCodeAt(0) * 7 },
      operationTimeoutMs: 300,
      ...opts,
    });
    const m = { node, sm, storage, snapshots };
    this.members.set(id, m);
    return m;
  }

  static async create(voters: NodeId[], opts: Partial<RaftNodeOptions<string | null>> = {}): Promise<TestCluster> {
    const c = new TestCluster(voters);
    for (const id of voters) await c.start(id, opts);
    return c;
  }

  node(id: NodeId): RaftNode<string | null> {
    return this.members.get(id)!.node;
  }

  async tickAll(times = 1): Promise<void> {
    for (let i = 0; i < times; i++) {
      for (const m of this.members.values()) m.node.tick();
      await settle(3);
    }
  }

  async until(pred: () => boolean, ticksMax = 300): Promise<void> {
    for (let i = 0; i < ticksMax; i++) {
      await settle(3);
      if (pred()) return;
      await this.tickAll();
    }
    throw new Error('condition not reached');
  }

  leader(): RaftNode<string | null> | null {
    for (const m of this.members.values()) if (m.node.role === 'leader') return m.node;
    return null;
  }

  async elect(): Promise<RaftNode<string | null>> {
    await this.until(() => this.leader() !== null);
    return this.leader()!;
  }

  /** Ticks while `p` is pending, so time-driven parts (heartbeats, timeouts) run. */
  async drive<T>(p: Promise<T>, ticksMax = 300): Promise<T> {
    let done = false;
    const guarded = p.finally(() => (done = true));
    guarded.catch(() => {});
    for (let i = 0; i < ticksMax && !done; i++) {
      await settle(3);
      if (!done) await this.tickAll();
    }
    return guarded;
  }

  async closeAll(): Promise<void> {
    for (const m of this.members.values()) await m.node.close();
  }
}

describe('RaftNode driver', () => {
  it('founds a group from a given state: the state machine starts from it, and again after a restart', async () => {
    const seed = new KvStateMachine();
    seed.apply(put('imported', 'yes'), 1);
    const c = await TestCluster.create(['a'], { bootstrap: { voters: ['a'], state: seed.snapshot() } });
    const m = c.members.get('a')!;
    expect(m.sm.data.get('imported')).toBe('yes');
    expect(m.node.metrics().snapshotIndex).toBe(1);
    await m.node.apply(put('k', 'v'));
    await m.node.close();
    // Restarted from its storage, the bootstrap (and its state) is ignored.
    const again = await c.start('a', { bootstrap: { voters: ['a'], state: new KvStateMachine().snapshot() } }, m);
    await again.node.barrier();
    expect(Object.fromEntries(again.sm.data)).toEqual({ imported: 'yes', k: 'v' });
    await again.node.close();
  });

  it('a sole voter leads from its start, without waiting for an election timeout, and again after a restart', async () => {
    const c = await TestCluster.create(['a']);
    // Hand-ticked: no tick ever runs, so no election timeout can fire.
    await c.node('a').apply(put('k', 'v1'));
    expect(c.node('a').role).toBe('leader');
    const m = c.members.get('a')!;
    await m.node.close();
    const again = await c.start('a', {}, m);
    await again.node.apply(put('k', 'v2'));
    expect(again.sm.data.get('k')).toBe('v2');
    await again.node.close();
  });

  it('elects a leader and applies a command on every node, returning the state machine result', async () => {
    const c = await TestCluster.create(['a', 'b', 'c']);
    const leader = await c.elect();
    expect(await c.drive(leader.apply(put('x', '1')))).toBeNull();
    expect(await c.drive(leader.apply(put('x', '2')))).toBe('1');
    await c.until(() => [...c.members.values()].every((m) => m.sm.data.get('x') === '2'));
    const metrics = leader.metrics();
    expect(metrics.role).toBe('leader');
    expect(metrics.commitIndex).toBe(metrics.appliedIndex);
    expect(metrics.leaderChanges).toBeGreaterThanOrEqual(1);
    expect(Object.keys(metrics.replicationLag).sort()).toEqual(['a', 'b', 'c'].filter((id) => id !== leader.id));
    await c.closeAll();
  });

  it('forwards a command applied on a follower to the leader and resolves with its result there', async () => {
    const c = await TestCluster.create(['a', 'b', 'c']);
    const leader = await c.elect();
    await c.until(() => [...c.members.values()].every((m) => m.node.leader === leader.id));
    const fm = [...c.members.values()].find((m) => m.node !== leader)!;
    expect(await c.drive(fm.node.apply(put('f', '1')))).toBeNull();
    expect(await c.drive(fm.node.apply(put('f', '2')))).toBe('1');
    expect(fm.sm.data.get('f')).toBe('2');
    expect(c.members.get(leader.id)!.sm.data.get('f')).toBe('2');
    await c.closeAll();
  });

  it('refuses commands on a follower with NotLeaderError naming the leader when asked not to forward', async () => {
    const c = await TestCluster.create(['a', 'b', 'c']);
    const leader = await c.elect();
    await c.until(() => [...c.members.values()].every((m) => m.node.leader === leader.id));
    const follower = [...c.members.values()].find((m) => m.node !== leader)!.node;
    const err = await follower.apply(put('x', '1'), { forward: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).leader).toBe(leader.id);
    await c.closeAll();
  });

  it('serves linearizable reads on the leader and on followers after earlier writes', async () => {
    const c = await TestCluster.create(['a', 'b', 'c']);
    const leader = await c.elect();
    await c.drive(leader.apply(put('k', 'v1')));
    await c.drive(leader.readIndex());
    expect(c.members.get(leader.id)!.sm.data.get('k')).toBe('v1');
    const fm = [...c.members.values()].find((m) => m.node !== leader)!;
    await c.until(() => fm.node.leader === leader.id);
    await c.drive(leader.apply(put('k', 'v2')));
    await c.drive(fm.node.readIndex());
    expect(fm.sm.data.get('k')).toBe('v2');
    await c.drive(leader.barrier());
    await c.closeAll();
  });

  it('never sends a message before the state it depends on is durable', async () => {
    const net = new MemoryNetwork();
    const storages = new Map<NodeId, MemoryStorage>();
    const violations: string[] = [];
    const spy = (id: NodeId): Transport => {
      const inner = net.transport(id);
      return {
        ...inner,
        start: (h) => inner.start(h),
        send: (m: Message) => {
          const st = storages.get(id)!;
          // Check against what the store holds at the moment of sending.
          void Promise.all([st.lastIndex(), st.getHardState()]).then(([last, hs]) => {
            if ((m.type === 'appResp' && !m.reject && m.index > last) || (m.type === 'voteResp' && !m.reject && hs?.vote !== m.to)) {
              violations.push(`${id} sent ${m.type} ${m.index} with last=${last} vote=${hs?.vote}`);
            }
          });
          inner.send(m);
        },
      };
    };
    const ids = ['a', 'b', 'c'];
    const nodes: RaftNode<string | null>[] = [];
    for (const id of ids) {
      const storage = new MemoryStorage();
      storages.set(id, storage);
      nodes.push(
        await RaftNode.start({
          id,
          storage,
          snapshots: new MemorySnapshotStore(),
          transport: spy(id),
          stateMachine: new KvStateMachine(),
          bootstrap: { voters: ids },
          tickMs: 0,
          raft: { electionTicks: 10, randomSeed: id.charCodeAt(0) },
        }),
      );
    }
    let leader: RaftNode<string | null> | undefined;
    for (let i = 0; i < 300 && leader === undefined; i++) {
      for (const n of nodes) n.tick();
      await settle(3);
      leader = nodes.find((n) => n.role === 'leader');
    }
    const writes = Array.from({ length: 20 }, (_, i) => leader!.apply(put(`k${i}`, 'v')));
    for (let i = 0; i < 20; i++) {
      for (const n of nodes) n.tick();
      await settle(3);
    }
    await Promise.all(writes);
    await settle();
    expect(violations).toEqual([]);
    for (const n of nodes) await n.close();
  });

  it('adds a learner, promotes it once caught up, and removes a server', async () => {
    const c = await TestCluster.create(['a', 'b', 'c']);
    const leader = await c.elect();
    for (let i = 0; i < 5; i++) await c.drive(leader.apply(put(`k${i}`, 'v')));
    const d = await c.start('d');
    await c.drive(leader.addLearner('d', '127.0.0.1:1'));
    expect(leader.confState().learners).toEqual(['d']);
    expect(leader.confState().addresses?.['d']).toBe('127.0.0.1:1');
    await c.drive(leader.promote('d'));
    expect(leader.confState().voters).toContain('d');
    await c.until(() => d.sm.data.size === 5);
    const victim = ['a', 'b', 'c'].find((id) => id !== leader.id)!;
    await c.drive(leader.removeServer(victim));
    expect(leader.confState().voters).not.toContain(victim);
    await c.closeAll();
  });

  it('a leader that removes itself steps down and the rest elect a new leader', async () => {
    const c = await TestCluster.create(['a', 'b', 'c']);
    const leader = await c.elect();
    await c.drive(leader.removeServer(leader.id));
    await c.until(() => {
      const l = c.leader();
      return l !== null && l !== leader;
    });
    const next = c.leader()!;
    expect(next.confState().voters).not.toContain(leader.id);
    await c.drive(next.apply(put('after', 'x')));
    await c.closeAll();
  });

  it('transfers leadership on request', async () => {
    const c = await TestCluster.create(['a', 'b', 'c']);
    const leader = await c.elect();
    await c.drive(leader.apply(put('x', '1')));
    const target = ['a', 'b', 'c'].find((id) => id !== leader.id)!;
    const events: (string | null)[] = [];
    c.node(target).on('leaderChange', (l) => events.push(l));
    expect(await c.drive(leader.transferLeadership(target))).toBe(target);
    await c.until(() => c.node(target).role === 'leader');
    expect(events).toContain(target);
    await c.closeAll();
  });

  it('snapshots automatically, compacts its log, and catches a new node up from the snapshot', async () => {
    const c = await TestCluster.create(['a', 'b', 'c'], { snapshotEntries: 10, trailingLogs: 2 });
    const leader = await c.elect();
    for (let i = 0; i < 30; i++) await c.drive(leader.apply(put(`k${i}`, `v${i}`)));
    const lm = c.members.get(leader.id)!;
    expect(leader.metrics().snapshotIndex).toBeGreaterThan(20);
    expect(await lm.storage.firstIndex()).toBeGreaterThan(15);
    const d = await c.start('d');
    await c.drive(leader.addLearner('d'));
    await c.until(() => d.sm.data.size === 30);
    expect((await d.snapshots.latest())?.meta.index).toBeGreaterThan(20);
    await c.closeAll();
  });

  it('takes a snapshot on demand and resolves with its metadata', async () => {
    const c = await TestCluster.create(['a', 'b', 'c']);
    const leader = await c.elect();
    for (let i = 0; i < 4; i++) await c.drive(leader.apply(put(`k${i}`, 'v')));
    const meta = await c.drive(leader.snapshot());
    expect(meta.index).toBe(leader.metrics().appliedIndex);
    expect(meta.conf.voters).toEqual(['a', 'b', 'c']);
    const stored = await c.members.get(leader.id)!.snapshots.latest();
    expect(stored!.meta).toEqual(meta);
    await c.closeAll();
  });

  it('restarts from its stores with the same term, vote, log and state', async () => {
    const c = await TestCluster.create(['a', 'b', 'c'], { snapshotEntries: 7 });
    const leader = await c.elect();
    for (let i = 0; i < 12; i++) await c.drive(leader.apply(put(`k${i}`, `v${i}`)));
    const followerId = ['a', 'b', 'c'].find((id) => id !== leader.id)!;
    const fm = c.members.get(followerId)!;
    await c.until(() => fm.sm.data.size === 12);
    const term = fm.node.term;
    await fm.node.close();
    const again = await c.start(followerId, {}, fm);
    expect(again.node.term).toBe(term);
    await c.until(() => again.sm.data.size === 12);
    expect(again.sm.data.get('k11')).toBe('v11');
    await c.drive(leader.apply(put('later', 'x')));
    await c.until(() => again.sm.data.get('later') === 'x');
    await c.closeAll();
  });

  it('a leader whose disk stalls longer than an election timeout steps down', async () => {
    const c = await TestCluster.create(['a', 'b', 'c']);
    const leader = await c.elect();
    const lm = c.members.get(leader.id)!;
    let release!: () => void;
    lm.storage.stall = new Promise((r) => (release = r));
    const pending = leader.apply(put('x', '1')).catch((e: unknown) => e);
    await c.until(() => leader.role !== 'leader', 40);
    await c.until(() => {
      const l = c.leader();
      return l !== null && l !== leader;
    });
    lm.storage.stall = null;
    release();
    await c.drive(pending);
    await c.closeAll();
  });

  it('fails pending operations when closed', async () => {
    const c = await TestCluster.create(['a', 'b', 'c']);
    const leader = await c.elect();
    c.net.isolate(leader.id, ['a', 'b', 'c']);
    const pending = leader.apply(put('x', '1')).catch((e: unknown) => e);
    await settle();
    await leader.close();
    expect(await pending).toBeInstanceOf(NodeClosedError);
    await c.closeAll();
  });
});
