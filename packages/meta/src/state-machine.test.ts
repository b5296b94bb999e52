import { FieldType } from '@shoal/lineproto';
import { NS_PER_DAY, NS_PER_HOUR, type DatabaseInfo } from '@shoal/tsdb';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeCommand, type CommandValues, type MetaCommand } from './commands.js';
import { MetaStateMachine, type MetaChange } from './state-machine.js';
import type { MetaResult, MetaShardGroupInfo } from './types.js';

const WEEK = 7n * NS_PER_DAY;
const MINUTE = 60_000_000_000n;

let sm: MetaStateMachine;
let index: number;
let changes: MetaChange[];

beforeEach(() => {
  sm = new MetaStateMachine();
  index = 0;
  changes = [];
  sm.onChange((c) => changes.push(c));
});

/** Applies a command through its encoded form, as Raft delivers it. */
function run<C extends MetaCommand>(cmd: C): MetaResult<CommandValues[C['type']]> {
  return sm.apply(encodeCommand(cmd), ++index, 1) as MetaResult<CommandValues[C['type']]>;
}

function value<C extends MetaCommand>(cmd: C): CommandValues[C['type']] {
  const r = run(cmd);
  if (!r.ok) throw new Error(`${cmd.type} refused: ${r.error.message}`);
  return r.value;
}

function expectError(cmd: MetaCommand, code: string, message: string): void {
  const before = changes.length;
  expect(run(cmd)).toEqual({ ok: false, error: { code, message } });
  expect(changes.length, 'a refused command records no change').toBe(before);
}

/** Applies `cmd`, then again as a retry: the same result, and no second change record. */
function expectIdempotent<C extends MetaCommand>(cmd: C): CommandValues[C['type']] {
  const first = run(cmd);
  expect(first.ok).toBe(true);
  const after = changes.length;
  const snapshot = sm.snapshot();
  expect(run(cmd)).toEqual(first);
  expect(changes.length, 'a retry records no change').toBe(after);
  // The state did not move either (only the applied index did).
  const again = new MetaStateMachine();
  again.restore(sm.snapshot());
  const before = new MetaStateMachine();
  before.restore(snapshot);
  expect(again.state.toData()).toEqual(before.state.toData());
  return (first as { value: CommandValues[C['type']] }).value;
}

function dataNodes(n: number): number[] {
  return Array.from({ length: n }, (_, i) => value({ type: 'register-data-node', rpcAddress: `d${i}:8089`, httpAddress: `d${i}:8086`, nowNs: 0n }).id);
}

describe('applied index and change records', () => {
  it('keeps the index of the last applied command, and records each change with its index and term', () => {
    sm.apply(encodeCommand({ type: 'create-database', name: 'db', retentionPolicy: null }), 5, 2);
    expect(sm.appliedIndex).toBe(5);
    expect(sm.appliedTerm).toBe(2);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ index: 5, term: 2, command: { type: 'create-database', name: 'db' } });
    expect(changes[0]!.value).toMatchObject({ name: 'db' });
  });

  it('advances the applied index over refused and unreadable commands too', () => {
    sm.apply(encodeCommand({ type: 'drop-user', name: 'nobody' }), 3, 1);
    expect(sm.appliedIndex).toBe(3);
    sm.apply(Uint8Array.of(9, 9), 4, 1);
    expect(sm.appliedIndex).toBe(4);
    expect(changes).toEqual([]);
  });

  it('serves the changes after an index, and says when they are no longer kept', () => {
    const small = new MetaStateMachine({ recentChangesMax: 2 });
    for (let i = 1; i <= 3; i++) small.apply(encodeCommand({ type: 'create-database', name: `db${i}`, retentionPolicy: null }), i, 1);
    expect(small.changesSince(3)).toEqual([]);
    expect(small.changesSince(1)!.map((c) => c.index)).toEqual([2, 3]);
    expect(small.changesSince(0)).toBeUndefined();
    const restored = new MetaStateMachine();
    restored.restore(small.snapshot());
    expect(restored.changesSince(2)).toBeUndefined();
    expect(restored.changesSince(3)).toEqual([]);
  });

  it('keeps applying when a change listener throws', async () => {
    const errors: unknown[] = [];
    const onError = (e: unknown): void => void errors.push(e);
    process.on('uncaughtException', onError);
    try {
      sm.onChange(() => {
        throw new Error('listener bug');
      });
      expect(run({ type: 'create-database', name: 'db', retentionPolicy: null }).ok).toBe(true);
      expect(sm.state.database('db')).toBeDefined();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('uncaughtException', onError);
    }
    // The listener's error surfaces outside apply, where it cannot make replicas differ.
    expect(errors).toHaveLength(1);
  });
});

describe('bad commands', () => {
  it('answers unreadable bytes with a bad-command result instead of throwing', () => {
    expect(sm.apply(Uint8Array.of(2, 0x7b, 0x7d), 1, 1)).toEqual({
      ok: false,
      error: { code: 'bad-command', message: 'unsupported command format version 2' },
    });
    expect(sm.apply(Buffer.from('\x01{"type":"heartbeat","nodeId":1,"nowNs":1}'), 2, 1)).toEqual({
      ok: false,
      error: { code: 'bad-command', message: 'heartbeat.nowNs: expected an int64 as a decimal string' },
    });
  });
});

describe('nodes', () => {
  it('registers META and DATA nodes with ids from one counter, up, with the registration as heartbeat', () => {
    const m = value({ type: 'register-meta-node', raftId: 'm1', rpcAddress: 'm1:8091', httpAddress: 'm1:8191', nowNs: 10n });
    const d = value({ type: 'register-data-node', rpcAddress: 'd1:8089', httpAddress: 'd1:8086', nowNs: 11n });
    expect(m).toEqual({ id: 1, raftId: 'm1', rpcAddress: 'm1:8091', httpAddress: 'm1:8191', status: 'up', lastHeartbeatNs: 10n });
    expect(d).toEqual({ id: 2, rpcAddress: 'd1:8089', httpAddress: 'd1:8086', status: 'up', lastHeartbeatNs: 11n });
    expect(sm.state.metaNodes()).toEqual([m]);
    expect(sm.state.dataNodes()).toEqual([d]);
    expect(sm.state.node(2)).toEqual(d);
    expect(sm.state.liveDataNodeIds()).toEqual([2]);
  });

  it('answers a repeated registration with the node registered before', () => {
    expectIdempotent({ type: 'register-meta-node', raftId: 'm1', rpcAddress: 'm1:8091', httpAddress: 'm1:8191', nowNs: 10n });
    const d = expectIdempotent({ type: 'register-data-node', rpcAddress: 'd1:8089', httpAddress: 'd1:8086', nowNs: 11n });
    // A restart registering again at a later time gets the same node.
    expect(value({ type: 'register-data-node', rpcAddress: 'd1:8089', httpAddress: 'd1:8086', nowNs: 99n })).toEqual(d);
  });

  it('refuses a registration that clashes with another node', () => {
    run({ type: 'register-meta-node', raftId: 'm1', rpcAddress: 'm1:8091', httpAddress: 'm1:8191', nowNs: 0n });
    run({ type: 'register-data-node', rpcAddress: 'd1:8089', httpAddress: 'd1:8086', nowNs: 0n });
    expectError({ type: 'register-meta-node', raftId: 'm1', rpcAddress: 'other:8091', httpAddress: 'm1:8191', nowNs: 0n }, 'node-exists', 'node already exists');
    expectError({ type: 'register-meta-node', raftId: 'm2', rpcAddress: 'm1:8091', httpAddress: 'm2:8191', nowNs: 0n }, 'node-exists', 'node already exists');
    expectError({ type: 'register-data-node', rpcAddress: 'd1:8089', httpAddress: 'd1:9999', nowNs: 0n }, 'node-exists', 'node already exists');
  });

  it('updates a node’s addresses', () => {
    const [a, b] = dataNodes(2);
    expect(value({ type: 'update-node', id: a!, rpcAddress: 'new:8089', httpAddress: 'new:8086' })).toMatchObject({ id: a, rpcAddress: 'new:8089', httpAddress: 'new:8086' });
    expectIdempotent({ type: 'update-node', id: a!, rpcAddress: 'new:8089', httpAddress: 'new:8086' });
    expectError({ type: 'update-node', id: a!, rpcAddress: 'd1:8089', httpAddress: 'x' }, 'node-exists', 'node already exists');
    expectError({ type: 'update-node', id: 99, rpcAddress: 'x', httpAddress: 'x' }, 'node-not-found', 'node not found');
    expect(sm.state.node(b!)!.rpcAddress).toBe('d1:8089');
    const m = value({ type: 'register-meta-node', raftId: 'm1', rpcAddress: 'm1:8091', httpAddress: 'm1:8191', nowNs: 0n });
    // Addresses are unique per kind: a META node may share a host and port string with a DATA node's old one.
    expect(value({ type: 'update-node', id: m.id, rpcAddress: 'd0:8089', httpAddress: 'm1:8191' })).toMatchObject({ id: m.id, raftId: 'm1' });
  });

  it('records heartbeats with the time in the command, never moving back, and brings a down node up', () => {
    const [id] = dataNodes(1);
    run({ type: 'heartbeat', nodeId: id!, nowNs: 50n });
    expect(sm.state.node(id!)!.lastHeartbeatNs).toBe(50n);
    expectIdempotent({ type: 'heartbeat', nodeId: id!, nowNs: 50n });
    const before = changes.length;
    run({ type: 'heartbeat', nodeId: id!, nowNs: 40n });
    expect(sm.state.node(id!)!.lastHeartbeatNs).toBe(50n);
    expect(changes.length).toBe(before);
    run({ type: 'set-node-status', nodeId: id!, status: 'down' });
    expect(sm.state.liveDataNodeIds()).toEqual([]);
    run({ type: 'heartbeat', nodeId: id!, nowNs: 60n });
    expect(sm.state.node(id!)).toMatchObject({ status: 'up', lastHeartbeatNs: 60n });
    expectError({ type: 'heartbeat', nodeId: 42, nowNs: 1n }, 'node-not-found', 'node not found');
  });

  it('keeps a decommissioned node out of shard ownership even while it heartbeats', () => {
    const [a, b] = dataNodes(2);
    expectIdempotent({ type: 'set-node-status', nodeId: a!, status: 'decommissioned' });
    run({ type: 'heartbeat', nodeId: a!, nowNs: 5n });
    expect(sm.state.node(a!)!.status).toBe('decommissioned');
    expect(sm.state.liveDataNodeIds()).toEqual([b]);
    expectError({ type: 'set-node-status', nodeId: 42, status: 'up' }, 'node-not-found', 'node not found');
  });
});

describe('databases', () => {
  it('creates a database with the autogen policy and InfluxDB’s defaults', () => {
    const db = value({ type: 'create-database', name: 'db', retentionPolicy: null });
    const want: DatabaseInfo = {
      name: 'db',
      defaultRetentionPolicy: 'autogen',
      retentionPolicies: [{ name: 'autogen', durationNs: 0n, shardGroupDurationNs: WEEK, replicaN: 1 }],
    };
    expect(db).toEqual(want);
    expect(sm.state.database('db')).toEqual(want);
    expect(sm.state.databases()).toEqual([want]);
    expect(sm.state.retentionPolicy('db')).toEqual(want.retentionPolicies[0]);
  });

  it('creates a database with a given default policy, deriving the shard-group duration from its duration', () => {
    const db = value({ type: 'create-database', name: 'db', retentionPolicy: { name: 'two_days', durationNs: 2n * NS_PER_DAY, replicaN: 3 } });
    expect(db.retentionPolicies).toEqual([{ name: 'two_days', durationNs: 2n * NS_PER_DAY, shardGroupDurationNs: NS_PER_DAY, replicaN: 3 }]);
    expect(value({ type: 'create-database', name: 'short', retentionPolicy: { name: 'r', durationNs: NS_PER_DAY } }).retentionPolicies[0]!.shardGroupDurationNs).toBe(NS_PER_HOUR);
  });

  it('treats creating an existing database as a retry, unless the requested policy contradicts it', () => {
    expectIdempotent({ type: 'create-database', name: 'db', retentionPolicy: null });
    expectIdempotent({ type: 'create-database', name: 'db2', retentionPolicy: { name: 'r', durationNs: 2n * NS_PER_DAY } });
    expectError({ type: 'create-database', name: 'db2', retentionPolicy: { name: 'r', durationNs: 3n * NS_PER_DAY } }, 'retention-policy-conflict', 'retention policy conflicts with an existing policy');
    expectError({ type: 'create-database', name: 'db2', retentionPolicy: { name: 'other' } }, 'retention-policy-conflict', 'retention policy conflicts with an existing policy');
  });

  it('refuses a database without a name or with an invalid policy, in InfluxDB’s words', () => {
    expectError({ type: 'create-database', name: '', retentionPolicy: null }, 'database-name-required', 'database name required');
    const cases: Array<[Parameters<typeof rp>[0], string]> = [
      [{ name: '' }, 'retention policy name required'],
      [{ name: 'r', durationNs: 30n * MINUTE }, 'retention policy duration must be at least 1h0m0s'],
      [{ name: 'r', durationNs: -1n }, 'retention policy duration must be at least 1h0m0s'],
      [{ name: 'r', durationNs: NS_PER_DAY, shardGroupDurationNs: 2n * NS_PER_DAY }, 'retention policy duration must be greater than the shard duration'],
      [{ name: 'r', shardGroupDurationNs: -1n }, 'shard group duration must be positive'],
      [{ name: 'r', replicaN: 0 }, 'replication factor must be greater than 0'],
    ];
    for (const [spec, message] of cases) expectError(rp(spec), 'invalid-retention-policy', message);
    expect(sm.state.databases()).toEqual([]);
  });

  it('drops a database with its groups and the privileges on it; dropping a missing one succeeds', () => {
    dataNodes(1);
    run({ type: 'create-database', name: 'db', retentionPolicy: null });
    run({ type: 'create-database', name: 'keep', retentionPolicy: null });
    run({ type: 'create-shard-group', database: 'db', retentionPolicy: 'autogen', timeNs: 0n });
    run({ type: 'create-user', name: 'bob', hash: 'h', admin: false });
    run({ type: 'grant-privilege', username: 'bob', database: 'db', privilege: 'read' });
    run({ type: 'grant-privilege', username: 'bob', database: 'keep', privilege: 'write' });
    expectIdempotent({ type: 'drop-database', name: 'db' });
    expect(sm.state.database('db')).toBeUndefined();
    expect(sm.state.shardGroups()).toEqual([]);
    expect([...sm.state.user('bob')!.privileges]).toEqual([['keep', 'write']]);
    expect(changes.at(-1)!.command).toEqual({ type: 'drop-database', name: 'db' });
  });
});

function rp(spec: { name: string; durationNs?: bigint; shardGroupDurationNs?: bigint; replicaN?: number }): MetaCommand {
  return { type: 'create-database', name: 'x', retentionPolicy: spec };
}

describe('retention policies', () => {
  beforeEach(() => {
    run({ type: 'create-database', name: 'db', retentionPolicy: null });
  });

  it('creates a policy, and makes it the default when asked', () => {
    const p = expectIdempotent({ type: 'create-retention-policy', database: 'db', spec: { name: 'day', durationNs: NS_PER_DAY }, makeDefault: false });
    expect(p).toEqual({ name: 'day', durationNs: NS_PER_DAY, shardGroupDurationNs: NS_PER_HOUR, replicaN: 1 });
    expect(sm.state.database('db')!.defaultRetentionPolicy).toBe('autogen');
    run({ type: 'create-retention-policy', database: 'db', spec: { name: 'year', durationNs: 365n * NS_PER_DAY }, makeDefault: true });
    expect(sm.state.database('db')!.defaultRetentionPolicy).toBe('year');
    expect(sm.state.database('db')!.retentionPolicies.map((x) => x.name)).toEqual(['autogen', 'day', 'year']);
  });

  it('accepts a replication factor above the number of DATA nodes (clamped when groups are made)', () => {
    dataNodes(2);
    expect(value({ type: 'create-retention-policy', database: 'db', spec: { name: 'r', replicaN: 5 }, makeDefault: false }).replicaN).toBe(5);
    const g = value({ type: 'create-shard-group', database: 'db', retentionPolicy: 'r', timeNs: 0n });
    expect(g.shards).toEqual([{ id: 1, owners: [1, 2] }]);
  });

  it('refuses a policy on a missing database, a different one under an existing name, and a default change disguised as a retry', () => {
    expectError({ type: 'create-retention-policy', database: 'nodb', spec: { name: 'r' }, makeDefault: false }, 'database-not-found', 'database not found: "nodb"');
    expectError({ type: 'create-retention-policy', database: 'db', spec: { name: 'autogen', durationNs: NS_PER_DAY }, makeDefault: false }, 'retention-policy-exists', 'retention policy already exists');
    run({ type: 'create-retention-policy', database: 'db', spec: { name: 'r' }, makeDefault: false });
    expectError({ type: 'create-retention-policy', database: 'db', spec: { name: 'r' }, makeDefault: true }, 'retention-policy-conflict', 'retention policy conflicts with an existing policy');
    expectError({ type: 'create-retention-policy', database: 'db', spec: { name: 'r', replicaN: -2 }, makeDefault: false }, 'invalid-retention-policy', 'replication factor must be greater than 0');
  });

  it('updates a policy: given values change, the rest stay, and the rules still hold', () => {
    const p = expectIdempotent({ type: 'update-retention-policy', database: 'db', name: 'autogen', update: { durationNs: 30n * NS_PER_DAY, shardGroupDurationNs: NS_PER_DAY }, makeDefault: false });
    expect(p).toEqual({ name: 'autogen', durationNs: 30n * NS_PER_DAY, shardGroupDurationNs: NS_PER_DAY, replicaN: 1 });
    expect(value({ type: 'update-retention-policy', database: 'db', name: 'autogen', update: { replicaN: 2 }, makeDefault: false })).toEqual({ ...p, replicaN: 2 });
    expectError({ type: 'update-retention-policy', database: 'db', name: 'autogen', update: { durationNs: 12n * NS_PER_HOUR }, makeDefault: false }, 'invalid-retention-policy', 'retention policy duration must be greater than the shard duration');
    expectError({ type: 'update-retention-policy', database: 'db', name: 'autogen', update: { replicaN: 0 }, makeDefault: false }, 'invalid-retention-policy', 'replication factor must be greater than 0');
    expectError({ type: 'update-retention-policy', database: 'db', name: 'nope', update: {}, makeDefault: false }, 'retention-policy-not-found', 'retention policy not found: nope');
    expectError({ type: 'update-retention-policy', database: 'nodb', name: 'autogen', update: {}, makeDefault: false }, 'database-not-found', 'database not found: "nodb"');
  });

  it('makes a policy the default through an update', () => {
    run({ type: 'create-retention-policy', database: 'db', spec: { name: 'r' }, makeDefault: false });
    expectIdempotent({ type: 'update-retention-policy', database: 'db', name: 'r', update: {}, makeDefault: true });
    expect(sm.state.retentionPolicy('db').name).toBe('r');
  });

  it('drops a policy with its groups, leaving the database without a default if it was the default', () => {
    dataNodes(1);
    run({ type: 'create-shard-group', database: 'db', retentionPolicy: 'autogen', timeNs: 0n });
    expectIdempotent({ type: 'drop-retention-policy', database: 'db', name: 'autogen' });
    expect(sm.state.database('db')).toEqual({ name: 'db', defaultRetentionPolicy: '', retentionPolicies: [] });
    expect(sm.state.shardGroups()).toEqual([]);
    expect(() => sm.state.retentionPolicy('db')).toThrow('retention policy not found: ');
    // The next policy created becomes the default.
    run({ type: 'create-retention-policy', database: 'db', spec: { name: 'next' }, makeDefault: false });
    expect(sm.state.database('db')!.defaultRetentionPolicy).toBe('next');
    expectError({ type: 'drop-retention-policy', database: 'nodb', name: 'x' }, 'database-not-found', 'database not found: "nodb"');
  });

  it('throws the catalog’s errors from retentionPolicy reads', () => {
    expect(() => sm.state.retentionPolicy('nodb')).toThrow('database not found: "nodb"');
    expect(() => sm.state.retentionPolicy('db', 'nope')).toThrow('retention policy not found: nope');
  });
});

describe('shard groups', () => {
  beforeEach(() => {
    run({ type: 'create-database', name: 'db', retentionPolicy: { name: 'rp', durationNs: 0n, shardGroupDurationNs: NS_PER_HOUR } });
  });

  it('creates the group covering a time, aligned, with shards owned by the live DATA nodes', () => {
    dataNodes(3);
    const g = expectIdempotent({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: NS_PER_HOUR + 5n });
    expect(g).toEqual({
      id: 1,
      database: 'db',
      retentionPolicy: 'rp',
      startNs: NS_PER_HOUR,
      endNs: 2n * NS_PER_HOUR,
      shards: [
        { id: 1, owners: [1] },
        { id: 2, owners: [2] },
        { id: 3, owners: [3] },
      ],
      deletedAtNs: null,
      truncatedAtNs: null,
    });
    // Any time inside the group finds it; no second group, no change.
    const before = changes.length;
    expect(value({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 2n * NS_PER_HOUR - 1n })).toEqual(g);
    expect(changes.length).toBe(before);
    expect(sm.state.shardGroupAt('db', 'rp', NS_PER_HOUR)).toEqual(g);
    expect(sm.state.shardGroupAt('db', 'rp', 2n * NS_PER_HOUR)).toBeUndefined();
    // The next group starts on the next node and takes the next shard ids.
    const next = value({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 2n * NS_PER_HOUR });
    expect(next.shards).toEqual([
      { id: 4, owners: [2] },
      { id: 5, owners: [3] },
      { id: 6, owners: [1] },
    ]);
    expect(sm.state.shardGroups('db', 'rp').map((x) => x.id)).toEqual([1, 2]);
    expect(sm.state.shardGroup(2)).toEqual(next);
    expect([6, 7].map((id) => sm.state.hasIssuedShardId(id)), 'shard ids handed out so far').toEqual([true, false]);
  });

  it('creates groups for negative times and lists them by start time', () => {
    dataNodes(1);
    run({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    const early = value({ type: 'create-shard-group', database: 'db', retentionPolicy: '', timeNs: -1n });
    expect([early.startNs, early.endNs]).toEqual([-NS_PER_HOUR, 0n]);
    expect(sm.state.shardGroups().map((g) => g.startNs)).toEqual([-NS_PER_HOUR, 0n]);
  });

  it('refuses a group for a missing database or policy, a time out of range, or a cluster with no live DATA node', () => {
    expectError({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n }, 'no-data-nodes', 'no data nodes available');
    dataNodes(1);
    expectError({ type: 'create-shard-group', database: 'nodb', retentionPolicy: 'rp', timeNs: 0n }, 'database-not-found', 'database not found: "nodb"');
    expectError({ type: 'create-shard-group', database: 'db', retentionPolicy: 'nope', timeNs: 0n }, 'retention-policy-not-found', 'retention policy not found: nope');
    const range = 'time outside range -9223372036854775806 - 9223372036854775806';
    expectError({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: (1n << 63n) - 1n }, 'time-out-of-range', range);
    expectError({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: -(1n << 63n) }, 'time-out-of-range', range);
  });

  it('pre-creates the successor of a group about to end, once', () => {
    dataNodes(2);
    const g = value({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    const created = value({ type: 'precreate-shard-groups', nowNs: g.endNs - 10n * MINUTE, advanceNs: 30n * MINUTE });
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ startNs: g.endNs, endNs: g.endNs + NS_PER_HOUR });
    const before = changes.length;
    expect(run({ type: 'precreate-shard-groups', nowNs: g.endNs - 10n * MINUTE, advanceNs: 30n * MINUTE })).toEqual({ ok: true, value: [] });
    expect(changes.length).toBe(before);
    // A write at the boundary finds the group already there.
    expect(sm.state.shardGroupAt('db', 'rp', g.endNs)).toEqual(created[0]);
  });

  it('marks a group deleted: gone from writes and listings, kept as a marker until pruned', () => {
    dataNodes(1);
    const g = value({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    expectIdempotent({ type: 'delete-shard-group', database: 'db', retentionPolicy: 'rp', id: g.id, nowNs: 77n });
    expect(sm.state.shardGroupAt('db', 'rp', 0n)).toBeUndefined();
    expect(sm.state.shardGroups()).toEqual([]);
    expect(sm.state.deletedShardGroups()).toEqual([{ ...g, deletedAtNs: 77n }]);
    // A write for that time again gets a new group.
    expect(value({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n }).id).toBe(2);
    expectError({ type: 'delete-shard-group', database: 'db', retentionPolicy: 'rp', id: 99, nowNs: 1n }, 'shard-group-not-found', 'shard group not found');
    expectError({ type: 'delete-shard-group', database: 'db', retentionPolicy: 'nope', id: g.id, nowNs: 1n }, 'retention-policy-not-found', 'retention policy not found: nope');
    // Pruning forgets markers older than the given time only.
    expectIdempotent({ type: 'prune-shard-groups', beforeNs: 77n });
    expect(sm.state.deletedShardGroups()).toHaveLength(1);
    run({ type: 'prune-shard-groups', beforeNs: 78n });
    expect(sm.state.deletedShardGroups()).toEqual([]);
    expect(sm.state.shardGroup(g.id)).toBeUndefined();
  });

  it('drops a shard from its group (DROP SHARD), deleting the group with its last shard; an unknown id changes nothing', () => {
    dataNodes(2);
    const g = value({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    expect(g.shards.map((s) => s.id)).toEqual([1, 2]);
    expectIdempotent({ type: 'drop-shard', id: 1, nowNs: 50n });
    expect(sm.state.shardGroups()).toEqual([{ ...g, shards: [g.shards[1]] }]);
    expect(sm.state.hasIssuedShardId(1), 'a dropped id is not handed out again').toBe(true);
    expectIdempotent({ type: 'drop-shard', id: 2, nowNs: 60n });
    expect(sm.state.shardGroups()).toEqual([]);
    expect(sm.state.deletedShardGroups()).toEqual([{ ...g, shards: [], deletedAtNs: 60n }]);
    const before = changes.length;
    expect(run({ type: 'drop-shard', id: 99, nowNs: 70n })).toEqual({ ok: true, value: null });
    expect(changes.length).toBe(before);
    // A write for that time again gets a new group, with new shard ids.
    expect(value({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n }).shards.map((s) => s.id)).toEqual([3, 4]);
  });

  it('truncates current and future groups so later writes go to new groups', () => {
    dataNodes(1);
    const current = value({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    const future = value({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: NS_PER_HOUR });
    const past = value({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: -1n });
    const t = 20n * MINUTE;
    expectIdempotent({ type: 'truncate-shard-groups', timeNs: t });
    expect(sm.state.shardGroup(current.id)!.truncatedAtNs).toBe(t);
    expect(sm.state.shardGroup(future.id)!.truncatedAtNs).toBe(future.startNs);
    expect(sm.state.shardGroup(past.id)!.truncatedAtNs).toBeNull();
    // Before the truncation the old group still takes writes; from it on, a new group does.
    expect(sm.state.shardGroupAt('db', 'rp', t - 1n)!.id).toBe(current.id);
    expect(sm.state.shardGroupAt('db', 'rp', t)).toBeUndefined();
    const fresh = value({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: t });
    expect(fresh).toMatchObject({ startNs: 0n, endNs: NS_PER_HOUR, truncatedAtNs: null });
    expect(sm.state.shardGroupAt('db', 'rp', t - 1n)!.id).toBe(current.id);
    expect(sm.state.shardGroupAt('db', 'rp', t)!.id).toBe(fresh.id);
    // Truncating later than an existing truncation leaves it; earlier moves it back.
    run({ type: 'truncate-shard-groups', timeNs: t + MINUTE });
    expect(sm.state.shardGroup(current.id)!.truncatedAtNs).toBe(t);
    expect(sm.state.shardGroup(fresh.id)!.truncatedAtNs).toBe(t + MINUTE);
    run({ type: 'truncate-shard-groups', timeNs: t - MINUTE });
    expect(sm.state.shardGroup(current.id)!.truncatedAtNs).toBe(t - MINUTE);
  });

  it('lists groups of every database and policy merged by start time', () => {
    dataNodes(1);
    run({ type: 'create-database', name: 'other', retentionPolicy: { name: 'rp', shardGroupDurationNs: NS_PER_HOUR } });
    run({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: NS_PER_HOUR });
    run({ type: 'create-shard-group', database: 'other', retentionPolicy: 'rp', timeNs: 0n });
    run({ type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: 0n });
    const all: MetaShardGroupInfo[] = sm.state.shardGroups();
    expect(all.map((g) => [g.database, g.startNs, g.id])).toEqual([
      ['other', 0n, 2],
      ['db', 0n, 3],
      ['db', NS_PER_HOUR, 1],
    ]);
    expect(sm.state.shardGroups('db').map((g) => g.id)).toEqual([3, 1]);
  });
});

describe('measurement fields', () => {
  beforeEach(() => {
    run({ type: 'create-database', name: 'db', retentionPolicy: null });
  });

  it('fixes field types create-if-absent and lists them in name order', () => {
    expectIdempotent({ type: 'add-fields', database: 'db', measurement: 'cpu', fields: [['usage', FieldType.Float], ['count', FieldType.Integer]] });
    run({ type: 'add-fields', database: 'db', measurement: 'cpu', fields: [['usage', FieldType.Float], ['alive', FieldType.Boolean]] });
    expect([...sm.state.fields('db', 'cpu')]).toEqual([
      ['alive', FieldType.Boolean],
      ['count', FieldType.Integer],
      ['usage', FieldType.Float],
    ]);
    expect(sm.state.fieldType('db', 'cpu', 'count')).toBe(FieldType.Integer);
    expect(sm.state.fieldType('db', 'cpu', 'nope')).toBeUndefined();
    expect(sm.state.fields('db', 'mem').size).toBe(0);
    expect(sm.state.measurements('db')).toEqual(['cpu']);
  });

  it('rejects a type conflict in InfluxDB’s words and records nothing of the command', () => {
    run({ type: 'add-fields', database: 'db', measurement: 'cpu', fields: [['usage', FieldType.Float]] });
    expectError(
      { type: 'add-fields', database: 'db', measurement: 'cpu', fields: [['fresh', FieldType.String], ['usage', FieldType.Integer]] },
      'field-type-conflict',
      'field type conflict: input field "usage" on measurement "cpu" is type integer, already exists as type float',
    );
    expect(sm.state.fieldType('db', 'cpu', 'fresh')).toBeUndefined();
    expectError(
      { type: 'add-fields', database: 'db', measurement: 'mem', fields: [['x', FieldType.Boolean], ['x', FieldType.String]] },
      'field-type-conflict',
      'field type conflict: input field "x" on measurement "mem" is type string, already exists as type boolean',
    );
    expect(sm.state.measurements('db')).toEqual(['cpu']);
    expectError({ type: 'add-fields', database: 'nodb', measurement: 'cpu', fields: [['x', FieldType.Float]] }, 'database-not-found', 'database not found: "nodb"');
  });

  it('forgets a measurement\'s field types on drop-measurement-fields, through a snapshot too, so another type can be fixed', () => {
    run({ type: 'add-fields', database: 'db', measurement: 'cpu', fields: [['usage', FieldType.Float]] });
    run({ type: 'add-fields', database: 'db', measurement: 'mem', fields: [['free', FieldType.Integer]] });
    const before = changes.length;
    expectIdempotent({ type: 'drop-measurement-fields', database: 'db', measurement: 'cpu' });
    expect(changes.length, 'only the first drop is a change').toBe(before + 1);
    expect(sm.state.measurements('db')).toEqual(['mem']);
    expect(sm.state.fields('db', 'cpu').size).toBe(0);
    const restored = new MetaStateMachine();
    restored.restore(sm.snapshot());
    expect(restored.state.measurements('db')).toEqual(['mem']);
    run({ type: 'add-fields', database: 'db', measurement: 'cpu', fields: [['usage', FieldType.String]] });
    expect(sm.state.fieldType('db', 'cpu', 'usage')).toBe(FieldType.String);
    expectError({ type: 'drop-measurement-fields', database: 'nodb', measurement: 'cpu' }, 'database-not-found', 'database not found: "nodb"');
  });

  it('forgets the schema with the database', () => {
    run({ type: 'add-fields', database: 'db', measurement: 'cpu', fields: [['usage', FieldType.Float]] });
    run({ type: 'drop-database', name: 'db' });
    run({ type: 'create-database', name: 'db', retentionPolicy: null });
    run({ type: 'add-fields', database: 'db', measurement: 'cpu', fields: [['usage', FieldType.String]] });
    expect(sm.state.fieldType('db', 'cpu', 'usage')).toBe(FieldType.String);
  });
});

describe('users and privileges', () => {
  beforeEach(() => {
    run({ type: 'create-database', name: 'db', retentionPolicy: null });
  });

  it('creates a user with a hash, and treats the same creation as a retry', () => {
    const u = expectIdempotent({ type: 'create-user', name: 'bob', hash: 'h1', admin: false });
    expect(u).toEqual({ name: 'bob', hash: 'h1', admin: false, privileges: new Map() });
    expect(sm.state.users()).toEqual([u]);
    expectError({ type: 'create-user', name: 'bob', hash: 'h2', admin: false }, 'user-exists', 'user already exists');
    expectError({ type: 'create-user', name: 'bob', hash: 'h1', admin: true }, 'user-exists', 'user already exists');
    expectError({ type: 'create-user', name: '', hash: 'h', admin: false }, 'username-required', 'username required');
  });

  it('drops a user; dropping a missing one is an error, as in InfluxDB', () => {
    run({ type: 'create-user', name: 'bob', hash: 'h', admin: false });
    expect(run({ type: 'drop-user', name: 'bob' })).toEqual({ ok: true, value: null });
    expect(sm.state.user('bob')).toBeUndefined();
    expectError({ type: 'drop-user', name: 'bob' }, 'user-not-found', 'user not found');
  });

  it('sets a password hash', () => {
    run({ type: 'create-user', name: 'bob', hash: 'h', admin: false });
    expectIdempotent({ type: 'set-password-hash', name: 'bob', hash: 'h2' });
    expect(sm.state.user('bob')!.hash).toBe('h2');
    expectError({ type: 'set-password-hash', name: 'nobody', hash: 'h' }, 'user-not-found', 'user not found');
  });

  it('grants by replacing the privilege, and revokes by clearing the revoked bits', () => {
    run({ type: 'create-user', name: 'bob', hash: 'h', admin: false });
    expectIdempotent({ type: 'grant-privilege', username: 'bob', database: 'db', privilege: 'all' });
    run({ type: 'revoke-privilege', username: 'bob', database: 'db', privilege: 'write' });
    expect(sm.state.user('bob')!.privileges.get('db')).toBe('read');
    run({ type: 'grant-privilege', username: 'bob', database: 'db', privilege: 'write' });
    expect(sm.state.user('bob')!.privileges.get('db')).toBe('write');
    expectIdempotent({ type: 'revoke-privilege', username: 'bob', database: 'db', privilege: 'all' });
    // The database stays listed with no privileges, as SHOW GRANTS shows it.
    expect([...sm.state.user('bob')!.privileges]).toEqual([['db', 'none']]);
    expectError({ type: 'grant-privilege', username: 'nobody', database: 'db', privilege: 'read' }, 'user-not-found', 'user not found');
    expectError({ type: 'grant-privilege', username: 'bob', database: 'nodb', privilege: 'read' }, 'database-not-found', 'database not found: "nodb"');
    expectError({ type: 'revoke-privilege', username: 'bob', database: 'nodb', privilege: 'read' }, 'database-not-found', 'database not found: "nodb"');
  });

  it('sets and clears the admin flag', () => {
    run({ type: 'create-user', name: 'bob', hash: 'h', admin: false });
    expectIdempotent({ type: 'set-admin', username: 'bob', admin: true });
    expect(sm.state.user('bob')!.admin).toBe(true);
    run({ type: 'set-admin', username: 'bob', admin: false });
    expect(sm.state.user('bob')!.admin).toBe(false);
    expectError({ type: 'set-admin', username: 'nobody', admin: true }, 'user-not-found', 'user not found');
  });

  it('hands out records that later commands do not change', () => {
    const u = value({ type: 'create-user', name: 'bob', hash: 'h', admin: false });
    run({ type: 'grant-privilege', username: 'bob', database: 'db', privilege: 'read' });
    run({ type: 'set-password-hash', name: 'bob', hash: 'h2' });
    expect(u).toEqual({ name: 'bob', hash: 'h', admin: false, privileges: new Map() });
  });
});
