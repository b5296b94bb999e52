// Snapshots restore to exactly the same state. A long random command sequence (seeded; replay one
// seed with META_SNAPSHOT_SEED=<n>) runs on one machine; at a random point its snapshot is restored
// into a fresh machine, and from there both must hold equal state and answer every further command
// identically.

import { FieldType } from '@shoal/lineproto';
import { NS_PER_DAY, NS_PER_HOUR } from '@shoal/tsdb';
import { describe, expect, it } from 'vitest';
import { prng } from '../../../test/support/prng.js';
import { encodeCommand, type MetaCommand } from './commands.js';
import { SnapshotDecodeError, decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { MetaStateMachine } from './state-machine.js';
import type { MetaState } from './state.js';
import type { MetaResult, Privilege } from './types.js';

const SEEDS = process.env.META_SNAPSHOT_SEED ? [Number(process.env.META_SNAPSHOT_SEED)] : [1, 2, 3, 20251126];
const COMMANDS_PER_SEED = 3000;
const MINUTE = 60_000_000_000n;

/**
 * A random command over a small universe of names, so most commands meet existing things; deletes
 * mostly name a group that exists in `state` (the machine the log is applied to).
 */
function randomCommand(rand: () => number, clock: { nowNs: bigint }, state: MetaState): Uint8Array {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  clock.nowNs += BigInt(int(30)) * MINUTE;
  const now = clock.nowNs;
  const db = pick(['db0', 'db1', 'db2']);
  const rp = pick(['autogen', 'r1', 'r2', '']);
  const user = pick(['u0', 'u1', 'u2', '']);
  const nodeId = 1 + int(10);
  const privilege = pick<Privilege>(['none', 'read', 'write', 'all']);
  const duration = (): bigint | undefined => pick([undefined, 0n, NS_PER_HOUR, 2n * NS_PER_HOUR, NS_PER_DAY, 3n * NS_PER_DAY, 30n * MINUTE]);
  const makers: Array<() => MetaCommand | Uint8Array> = [
    () => ({ type: 'register-meta-node', raftId: pick(['a', 'b', 'c']), rpcAddress: `m${int(3)}:8091`, httpAddress: `m${int(2)}:8191`, nowNs: now }),
    () => ({ type: 'register-data-node', rpcAddress: `d${int(5)}:8089`, httpAddress: `d${int(2)}:8086`, nowNs: now }),
    () => ({ type: 'register-data-node', rpcAddress: `d${int(5)}:8089`, httpAddress: 'd0:8086', nowNs: now }),
    () => ({ type: 'update-node', id: nodeId, rpcAddress: `x${int(6)}:8089`, httpAddress: 'x:8086' }),
    () => ({ type: 'heartbeat', nodeId, nowNs: now - BigInt(int(3)) * MINUTE }),
    () => ({ type: 'heartbeat', nodeId, nowNs: now }),
    () => ({ type: 'set-node-status', nodeId, status: pick(['up', 'down', 'decommissioned'] as const) }),
    () => ({ type: 'create-database', name: db, retentionPolicy: null }),
    () => ({ type: 'create-database', name: pick([db, '']), retentionPolicy: { name: pick(['r1', 'r2']), durationNs: duration(), replicaN: 1 + int(3) } }),
    () => ({ type: 'drop-database', name: rand() < 0.5 ? db : 'db3' }),
    () => ({ type: 'create-retention-policy', database: db, spec: { name: pick(['r1', 'r2', 'autogen']), durationNs: duration(), shardGroupDurationNs: duration(), replicaN: int(4) }, makeDefault: rand() < 0.3 }),
    () => ({ type: 'update-retention-policy', database: db, name: rp, update: { durationNs: duration(), replicaN: rand() < 0.5 ? undefined : int(4) }, makeDefault: rand() < 0.3 }),
    () => ({ type: 'drop-retention-policy', database: db, name: rp }),
    () => ({ type: 'create-shard-group', database: db, retentionPolicy: rp, timeNs: now + BigInt(int(600) - 400) * MINUTE }),
    () => ({ type: 'create-shard-group', database: db, retentionPolicy: rp, timeNs: now }),
    () => ({ type: 'create-shard-group', database: db, retentionPolicy: rp, timeNs: now }),
    () => ({ type: 'precreate-shard-groups', nowNs: now, advanceNs: 30n * MINUTE }),
    () => ({ type: 'delete-shard-group', database: db, retentionPolicy: rp, id: 1 + int(60), nowNs: now }),
    () => {
      const groups = state.shardGroups();
      if (groups.length === 0) return { type: 'delete-shard-group', database: db, retentionPolicy: rp, id: 1, nowNs: now };
      const g = pick(groups);
      return { type: 'delete-shard-group', database: g.database, retentionPolicy: g.retentionPolicy, id: g.id, nowNs: now };
    },
    () => ({ type: 'drop-shard', id: 1 + int(120), nowNs: now }),
    () => ({ type: 'truncate-shard-groups', timeNs: now + BigInt(int(120)) * MINUTE }),
    () => ({ type: 'prune-shard-groups', beforeNs: now - 2n * NS_PER_HOUR }),
    () => ({ type: 'add-fields', database: db, measurement: pick(['m0', 'm1']), fields: [[pick(['f0', 'f1', 'f2']), pick([FieldType.Float, FieldType.Integer, FieldType.String])], [pick(['f3', 'f4']), FieldType.Boolean]] }),
    () => ({ type: 'add-fields', database: db, measurement: pick(['m0', 'm1']), fields: [[pick(['f0', 'f1']), FieldType.Float]] }),
    () => ({ type: 'drop-measurement-fields', database: db, measurement: pick(['m0', 'm1']) }),
    () => ({ type: 'create-user', name: user, hash: pick(['h0', 'h1']), admin: rand() < 0.2 }),
    () => ({ type: 'drop-user', name: user }),
    () => ({ type: 'set-password-hash', name: user, hash: pick(['h0', 'h1', 'h2']) }),
    () => ({ type: 'grant-privilege', username: user, database: db, privilege }),
    () => ({ type: 'revoke-privilege', username: user, database: db, privilege }),
    () => ({ type: 'set-admin', username: user, admin: rand() < 0.5 }),
    () => Uint8Array.of(1, ...Buffer.from(pick(['{', '{"type":"nope"}', '[]']))),
  ];
  const made = pick(makers)();
  return made instanceof Uint8Array ? made : encodeCommand(made);
}

/** Everything a reader can see, through the read accessors. */
function reads(sm: MetaStateMachine): unknown {
  const s = sm.state;
  return {
    appliedIndex: sm.appliedIndex,
    databases: s.databases(),
    groups: s.shardGroups(),
    deleted: s.deletedShardGroups(),
    at: ['db0', 'db1', 'db2'].map((db) => ['autogen', 'r1', 'r2'].map((rp) => s.shardGroupAt(db, rp, 10n * NS_PER_HOUR))),
    fields: ['db0', 'db1', 'db2'].map((db) => s.measurements(db).map((m) => [...s.fields(db, m)])),
    metaNodes: s.metaNodes(),
    dataNodes: s.dataNodes(),
    users: s.users().map((u) => ({ ...u, privileges: [...u.privileges] })),
  };
}

describe('META snapshots', () => {
  it.each(SEEDS)('seed %i: a restored machine equals the original and answers every further command the same', (seed) => {
    console.log(`META snapshot test seed ${seed} (replay with META_SNAPSHOT_SEED=${seed})`);
    const rand = prng(seed);
    const clock = { nowNs: 1_700_000_000n * 1_000_000_000n };
    const cut = Math.floor(COMMANDS_PER_SEED / 3) + Math.floor(rand() * (COMMANDS_PER_SEED / 3));
    const original = new MetaStateMachine();
    const log: Uint8Array[] = [];
    const results: MetaResult[] = [];
    for (let i = 0; i < cut; i++) {
      log.push(randomCommand(rand, clock, original.state));
      results.push(original.apply(log[i]!, i + 1, 1 + (i >> 8)));
    }
    const snap = original.snapshot();

    const restored = new MetaStateMachine();
    restored.restore(snap);
    expect(restored.state.toData(), `seed ${seed}`).toEqual(original.state.toData());
    expect(restored.state, `seed ${seed}`).toEqual(original.state);
    expect(reads(restored), `seed ${seed}`).toEqual(reads(original));
    expect(Buffer.from(restored.snapshot()).equals(Buffer.from(snap)), `seed ${seed}: snapshot bytes`).toBe(true);
    expect([restored.appliedIndex, restored.appliedTerm]).toEqual([original.appliedIndex, original.appliedTerm]);

    for (let i = cut; i < COMMANDS_PER_SEED; i++) {
      log.push(randomCommand(rand, clock, original.state));
      const want = original.apply(log[i]!, i + 1, 1 + (i >> 8));
      results.push(want);
      expect(restored.apply(log[i]!, i + 1, 1 + (i >> 8)), `seed ${seed}, command ${i + 1}`).toEqual(want);
    }
    expect(reads(restored), `seed ${seed}`).toEqual(reads(original));
    expect(Buffer.from(restored.snapshot()).equals(Buffer.from(original.snapshot())), `seed ${seed}: final snapshot bytes`).toBe(true);

    // Replaying the whole log from nothing reaches the same state too.
    const replayed = new MetaStateMachine();
    log.forEach((c, i) => replayed.apply(c, i + 1, 1 + (i >> 8)));
    expect(Buffer.from(replayed.snapshot()).equals(Buffer.from(original.snapshot())), `seed ${seed}: replay`).toBe(true);

    // The sequence exercised the state, not only the error paths.
    const ok = results.filter((r) => r.ok).length;
    expect(ok, `seed ${seed}: accepted commands`).toBeGreaterThan(COMMANDS_PER_SEED / 4);
    expect(ok, `seed ${seed}: refused commands`).toBeLessThan(COMMANDS_PER_SEED);
    const groupsMade = original.state.shardGroups().length + original.state.deletedShardGroups().length;
    expect(groupsMade + results.filter((r) => r.ok && r.value !== null && typeof r.value === 'object' && 'shards' in r.value).length).toBeGreaterThan(0);
  });

  it('round-trips an empty machine', () => {
    const empty = new MetaStateMachine();
    const restored = new MetaStateMachine();
    restored.apply(encodeCommand({ type: 'create-database', name: 'db', retentionPolicy: null }), 1, 1);
    restored.restore(empty.snapshot());
    expect(restored.state.toData()).toEqual(empty.state.toData());
    expect(restored.appliedIndex).toBe(0);
  });

  it('writes int64 values as decimal strings after a version byte', () => {
    const sm = new MetaStateMachine();
    sm.apply(encodeCommand({ type: 'register-data-node', rpcAddress: 'd', httpAddress: 'h', nowNs: (1n << 63n) - 1n }), 1, 1);
    const snap = sm.snapshot();
    expect(snap[0]).toBe(1);
    const doc = JSON.parse(Buffer.from(snap.subarray(1)).toString('utf8'));
    expect(doc.dataNodes[0].lastHeartbeatNs).toBe('9223372036854775807');
    expect(decodeSnapshot(snap)).toEqual({ appliedIndex: 1, appliedTerm: 1, state: sm.state.toData() });
    expect(encodeSnapshot(decodeSnapshot(snap))).toEqual(snap);
  });

  it('refuses a damaged snapshot and keeps the state it had', () => {
    const sm = new MetaStateMachine();
    sm.apply(encodeCommand({ type: 'create-database', name: 'db', retentionPolicy: null }), 1, 1);
    const good = sm.snapshot();
    const before = sm.snapshot();
    const text = Buffer.from(good.subarray(1)).toString('utf8');
    const cases: Array<[Uint8Array, string]> = [
      [new Uint8Array(0), 'empty META snapshot'],
      [Uint8Array.of(7, ...good.subarray(1)), 'unsupported META snapshot format version 7'],
      [good.subarray(0, good.length - 3), 'META snapshot is not valid UTF-8 JSON'],
      [Buffer.concat([Buffer.of(1), Buffer.from(text.replace('"durationNs":"0"', '"durationNs":0'))]), 'META snapshot: $.databases[0].retentionPolicies[0].durationNs: expected an int64 as a decimal string'],
      [Buffer.concat([Buffer.of(1), Buffer.from(text.replace('"users":[]', '"users":{}'))]), 'META snapshot: $.users: expected an array'],
    ];
    for (const [bytes, message] of cases) {
      expect(() => sm.restore(bytes)).toThrow(SnapshotDecodeError);
      expect(() => sm.restore(bytes)).toThrow(message);
    }
    expect(sm.snapshot()).toEqual(before);
  });
});
