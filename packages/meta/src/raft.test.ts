// The META state machine under the Raft package's in-memory cluster: three replicas apply the same
// commands to the same state, a follower forwards commands, and a member that joins later catches
// up from a snapshot and holds that same state too.

import { FieldType } from '@shoal/lineproto';
import { MemoryNetwork, MemorySnapshotStore, MemoryStorage, RaftNode, type NodeId } from '@shoal/raft';
import { NS_PER_HOUR } from '@shoal/tsdb';
import { describe, expect, it } from 'vitest';
import { encodeCommand, type CommandValues, type MetaCommand } from './commands.js';
import { MetaStateMachine } from './state-machine.js';
import type { MetaResult } from './types.js';

interface Member {
  readonly node: RaftNode<MetaResult>;
  readonly sm: MetaStateMachine;
}

/** Lets pending deliveries (macrotasks) and store writes (microtasks) run. */
async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

class Cluster {
  readonly net = new MemoryNetwork();
  readonly members = new Map<NodeId, Member>();

  constructor(private readonly voters: NodeId[]) {}

  async start(id: NodeId): Promise<Member> {
    const sm = new MetaStateMachine();
    const node = await RaftNode.start<MetaResult>({
      id,
      storage: new MemoryStorage(),
      snapshots: new MemorySnapshotStore(),
      transport: this.net.transport(id),
      stateMachine: sm,
      ...(this.voters.includes(id) ? { bootstrap: { voters: this.voters } } : {}),
      tickMs: 0,
      raft: { electionTicks: 10, randomSeed: id.charCodeAt(0) * 7 },
      operationTimeoutMs: 300,
      snapshotEntries: 10,
      trailingLogs: 2,
    });
    const m = { node, sm };
    this.members.set(id, m);
    return m;
  }

  async tick(): Promise<void> {
    for (const m of this.members.values()) m.node.tick();
    await settle();
  }

  async until(pred: () => boolean, ticksMax = 300): Promise<void> {
    for (let i = 0; i < ticksMax; i++) {
      await settle();
      if (pred()) return;
      await this.tick();
    }
    throw new Error('condition not reached');
  }

  async drive<T>(p: Promise<T>, ticksMax = 300): Promise<T> {
    let done = false;
    const guarded = p.finally(() => (done = true));
    guarded.catch(() => {});
    for (let i = 0; i < ticksMax && !done; i++) {
      await settle();
      if (!done) await this.tick();
    }
    return guarded;
  }

  leader(): Member | undefined {
    for (const m of this.members.values()) if (m.node.role === 'leader') return m;
    return undefined;
  }

  async closeAll(): Promise<void> {
    for (const m of this.members.values()) await m.node.close();
  }
}

describe('MetaStateMachine under Raft', () => {
  it('applies the same commands to the same state on every replica, including one caught up by snapshot', async () => {
    const c = new Cluster(['a', 'b', 'c']);
    for (const id of ['a', 'b', 'c']) await c.start(id);
    await c.until(() => c.leader() !== undefined);
    const leader = c.leader()!;
    await c.until(() => [...c.members.values()].every((m) => m.node.leader === leader.node.id));
    const follower = [...c.members.values()].find((m) => m !== leader)!;

    const propose = async <C extends MetaCommand>(cmd: C, via: Member = leader): Promise<MetaResult<CommandValues[C['type']]>> =>
      (await c.drive(via.node.apply(encodeCommand(cmd)))) as MetaResult<CommandValues[C['type']]>;

    for (let i = 0; i < 3; i++) await propose({ type: 'register-data-node', rpcAddress: `d${i}:8089`, httpAddress: `d${i}:8086`, nowNs: 0n });
    expect(await propose({ type: 'create-database', name: 'db', retentionPolicy: { name: 'rp', shardGroupDurationNs: NS_PER_HOUR, replicaN: 2 } })).toMatchObject({ ok: true });
    // The replication factor is honoured: 3 nodes / RF 2 = 1 shard with 2 owners.
    const group = await propose({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    expect(group).toMatchObject({ ok: true, value: { id: 1, shards: [{ id: 1, owners: [1, 2] }] } });
    // A refused command is a result on every replica, not a failed proposal.
    expect(await propose({ type: 'create-database', name: '', retentionPolicy: null })).toEqual({
      ok: false,
      error: { code: 'database-name-required', message: 'database name required' },
    });
    // A follower forwards to the leader and gets the command's result.
    expect(await propose({ type: 'add-fields', database: 'db', measurement: 'cpu', fields: [['usage', FieldType.Float]] }, follower)).toEqual({ ok: true, value: null });
    for (let h = 1; h <= 12; h++) await propose({ type: 'precreate-shard-groups', nowNs: BigInt(h) * NS_PER_HOUR - 1n, advanceNs: NS_PER_HOUR });
    await propose({ type: 'create-user', name: 'admin', hash: 'h', admin: true });
    await propose({ type: 'grant-privilege', username: 'admin', database: 'db', privilege: 'all' }, follower);

    const sameEverywhere = (): boolean => {
      const want = leader.sm.snapshot();
      return [...c.members.values()].every((m) => m.sm.appliedIndex === leader.sm.appliedIndex && Buffer.from(m.sm.snapshot()).equals(Buffer.from(want)));
    };
    await c.until(sameEverywhere);
    expect(leader.sm.state.shardGroups('db', 'rp')).toHaveLength(13);
    expect(leader.node.metrics().snapshotIndex).toBeGreaterThan(10);

    // A learner that joins now starts from a snapshot (the log below it was compacted).
    const d = await c.start('d');
    await c.drive(leader.node.addLearner('d'));
    await c.until(sameEverywhere);
    expect(d.sm.state.toData()).toEqual(leader.sm.state.toData());
    // It was restored, not replayed: it has no change records from before the snapshot.
    expect(d.sm.changesSince(0)).toBeUndefined();
    expect(d.sm.state.fieldType('db', 'cpu', 'usage')).toBe(FieldType.Float);
    await c.closeAll();
  });
});
