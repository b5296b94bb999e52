import { FieldType } from '@shoal/lineproto';
import { NS_PER_HOUR } from '@shoal/tsdb';
import { describe, expect, it } from 'vitest';
import type { MetaCommand } from './commands.js';
import { MetaStateMachine } from './state-machine.js';
import { ValueDecodeError, decodeValue, encodeValue } from './value-codec.js';

describe('command values on the wire', () => {
  it('read back equal to what the state machine returned, for every kind of value', () => {
    const sm = new MetaStateMachine();
    let index = 0;
    const commands: MetaCommand[] = [
      { type: 'register-meta-node', raftId: '1', rpcAddress: 'm1:8091', httpAddress: '', nowNs: 1n },
      { type: 'register-data-node', rpcAddress: 'd1:8089', httpAddress: 'd1:8086', nowNs: -(1n << 62n) },
      { type: 'register-data-node', rpcAddress: 'd2:8089', httpAddress: 'd2:8086', nowNs: 0n },
      { type: 'update-node', id: 2, rpcAddress: 'd1:9089', httpAddress: 'd1:8086' },
      { type: 'create-database', name: 'db', retentionPolicy: { name: 'rp', durationNs: 48n * NS_PER_HOUR, replicaN: 2 } },
      { type: 'create-retention-policy', database: 'db', spec: { name: 'week', durationNs: 168n * NS_PER_HOUR }, makeDefault: false },
      { type: 'update-retention-policy', database: 'db', name: 'week', update: { replicaN: 3 }, makeDefault: true },
      { type: 'create-shard-group', database: 'db', retentionPolicy: 'rp', timeNs: (1n << 62n) + 12345n },
      { type: 'precreate-shard-groups', nowNs: (1n << 62n) + 23n * NS_PER_HOUR, advanceNs: 2n * NS_PER_HOUR },
      { type: 'truncate-shard-groups', timeNs: 1n << 62n },
      { type: 'add-fields', database: 'db', measurement: 'cpu', fields: [['f', FieldType.Float]] },
      { type: 'drop-measurement-fields', database: 'db', measurement: 'cpu' },
      { type: 'create-user', name: 'u', hash: 'h"\\\u2028', admin: false },
      { type: 'grant-privilege', username: 'u', database: 'db', privilege: 'write' },
      { type: 'create-user', name: 'v', hash: 'h', admin: true },
      { type: 'drop-user', name: 'v' },
    ];
    for (const cmd of commands) {
      const r = sm.applyCommand(cmd, ++index, 1);
      if (!r.ok) throw new Error(`${cmd.type}: ${r.error.message}`);
      expect(decodeValue(cmd.type, encodeValue(r.value)), cmd.type).toEqual(r.value);
    }
    // A user with privileges: the map survives as a map, in its order.
    const user = sm.applyCommand({ type: 'create-user', name: 'u', hash: 'h"\\\u2028', admin: false }, ++index, 1);
    expect(user.ok && decodeValue('create-user', encodeValue(user.value)).privileges).toEqual(new Map([['db', 'write']]));
  });

  it('refuse a value of the wrong shape with a message naming the field', () => {
    const bytes = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
    expect(() => decodeValue('drop-database', bytes({}))).toThrow(new ValueDecodeError('value: expected null'));
    expect(() => decodeValue('create-retention-policy', bytes({ name: 'rp', durationNs: 5, shardGroupDurationNs: '1', replicaN: 1 }))).toThrow(
      'policy.durationNs: expected an int64 as a decimal string',
    );
    expect(() => decodeValue('create-database', new Uint8Array([0xff]))).toThrow('value is not UTF-8 JSON');
  });
});
