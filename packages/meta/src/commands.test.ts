import { FieldType } from '@shoal/lineproto';
import { describe, expect, it } from 'vitest';
import { COMMAND_FORMAT_VERSION, COMMAND_TYPES, CommandDecodeError, decodeCommand, encodeCommand, type MetaCommand } from './commands.js';

const MAX = (1n << 63n) - 1n;
const MIN = -(1n << 63n);

/** One command of every type, with int64 values at the edges of their range. */
const EXAMPLES: MetaCommand[] = [
  { type: 'register-meta-node', raftId: 'm1', rpcAddress: 'm1:8091', httpAddress: 'm1:8191', nowNs: MAX },
  { type: 'register-data-node', rpcAddress: 'd1:8089', httpAddress: 'd1:8086', nowNs: MIN },
  { type: 'update-node', id: 3, rpcAddress: 'd1:9089', httpAddress: 'd1:9086' },
  { type: 'heartbeat', nodeId: 2, nowNs: 1_700_000_000_123_456_789n },
  { type: 'set-node-status', nodeId: 2, status: 'decommissioned' },
  { type: 'create-database', name: 'db', retentionPolicy: null },
  { type: 'create-database', name: 'db2', retentionPolicy: { name: 'week', durationNs: 604_800_000_000_000n, replicaN: 2 } },
  { type: 'drop-database', name: 'db' },
  { type: 'create-retention-policy', database: 'db', spec: { name: 'rp', shardGroupDurationNs: 3_600_000_000_000n }, makeDefault: true },
  { type: 'update-retention-policy', database: 'db', name: 'rp', update: { durationNs: 0n }, makeDefault: false },
  { type: 'update-retention-policy', database: 'db', name: 'rp', update: {}, makeDefault: true },
  { type: 'drop-retention-policy', database: 'db', name: 'rp' },
  { type: 'create-shard-group', database: 'db', retentionPolicy: '', timeNs: -1n },
  { type: 'precreate-shard-groups', nowNs: 5n, advanceNs: 1_800_000_000_000n },
  { type: 'delete-shard-group', database: 'db', retentionPolicy: 'rp', id: 7, nowNs: 9n },
  { type: 'drop-shard', id: 7, nowNs: 9n },
  { type: 'truncate-shard-groups', timeNs: 0n },
  { type: 'prune-shard-groups', beforeNs: -5n },
  {
    type: 'add-fields',
    database: 'db',
    measurement: 'cpu,x',
    fields: [
      ['f', FieldType.Float],
      ['i', FieldType.Integer],
      ['u', FieldType.Unsigned],
      ['b', FieldType.Boolean],
      ['s', FieldType.String],
    ],
  },
  { type: 'drop-measurement-fields', database: 'db', measurement: 'cpu,x' },
  { type: 'create-user', name: 'admin', hash: '$2a$10$abc', admin: true },
  { type: 'drop-user', name: 'bob' },
  { type: 'set-password-hash', name: 'bob', hash: 'h2' },
  { type: 'grant-privilege', username: 'bob', database: 'db', privilege: 'write' },
  { type: 'revoke-privilege', username: 'bob', database: 'db', privilege: 'all' },
  { type: 'set-admin', username: 'bob', admin: false },
];

const text = (bytes: Uint8Array): string => Buffer.from(bytes.subarray(1)).toString('utf8');
const withVersion = (json: string, version = COMMAND_FORMAT_VERSION): Uint8Array => Buffer.concat([Buffer.of(version), Buffer.from(json)]);

describe('command codec', () => {
  it('has an example of every command type', () => {
    expect(new Set(EXAMPLES.map((c) => c.type))).toEqual(new Set(COMMAND_TYPES));
  });

  it('round-trips every command type exactly', () => {
    for (const cmd of EXAMPLES) expect(decodeCommand(encodeCommand(cmd))).toEqual(cmd);
  });

  it('starts with the format version byte and writes int64 values as decimal strings', () => {
    const bytes = encodeCommand({ type: 'heartbeat', nodeId: 2, nowNs: MAX });
    expect(bytes[0]).toBe(COMMAND_FORMAT_VERSION);
    expect(JSON.parse(text(bytes))).toEqual({ type: 'heartbeat', nodeId: 2, nowNs: '9223372036854775807' });
  });

  it('encodes the same command to the same bytes', () => {
    for (const cmd of EXAMPLES) expect(encodeCommand(cmd)).toEqual(encodeCommand(decodeCommand(encodeCommand(cmd))));
  });

  it('leaves optional policy fields out rather than writing defaults', () => {
    const bytes = encodeCommand({ type: 'create-retention-policy', database: 'db', spec: { name: 'rp' }, makeDefault: false });
    expect(JSON.parse(text(bytes)).spec).toEqual({ name: 'rp' });
  });

  it('refuses to encode a time that is not an int64 bigint', () => {
    expect(() => encodeCommand({ type: 'heartbeat', nodeId: 1, nowNs: MAX + 1n })).toThrow(TypeError);
    expect(() => encodeCommand({ type: 'heartbeat', nodeId: 1, nowNs: 5 as unknown as bigint })).toThrow(TypeError);
  });

  it('rejects malformed bytes with a message that names the problem', () => {
    const cases: Array<[Uint8Array, string]> = [
      [new Uint8Array(0), 'empty command'],
      [withVersion('{}', 2), 'unsupported command format version 2'],
      [withVersion('{not json'), 'command is not valid UTF-8 JSON'],
      [Buffer.of(1, 0xff, 0xfe), 'command is not valid UTF-8 JSON'],
      [withVersion('[]'), 'command is not an object'],
      [withVersion('{"type":"launch-missiles"}'), 'unknown command type "launch-missiles"'],
      [withVersion('{"type":"toString"}'), 'unknown command type "toString"'],
      [withVersion('{"type":"heartbeat","nodeId":1,"nowNs":5}'), 'heartbeat.nowNs: expected an int64 as a decimal string'],
      [withVersion('{"type":"heartbeat","nodeId":1,"nowNs":"9223372036854775808"}'), 'heartbeat.nowNs: expected an int64 as a decimal string'],
      [withVersion('{"type":"heartbeat","nodeId":1,"nowNs":"007"}'), 'heartbeat.nowNs: expected an int64 as a decimal string'],
      [withVersion('{"type":"heartbeat","nodeId":-1,"nowNs":"7"}'), 'heartbeat.nodeId: expected a non-negative integer'],
      [withVersion('{"type":"drop-database"}'), 'drop-database.name: expected a string'],
      [withVersion('{"type":"set-node-status","nodeId":1,"status":"sleepy"}'), 'set-node-status.status: expected one of up, down, decommissioned'],
      [withVersion('{"type":"add-fields","database":"d","measurement":"m","fields":[["f","double"]]}'), 'add-fields.fields[0]: expected a field type (float, integer, unsigned, boolean, string)'],
      [withVersion('{"type":"create-retention-policy","database":"d","spec":{"name":"r","replicaN":1.5},"makeDefault":false}'), 'create-retention-policy.spec.replicaN: expected an integer'],
    ];
    for (const [bytes, message] of cases) {
      let err: unknown;
      try {
        decodeCommand(bytes);
      } catch (e) {
        err = e;
      }
      expect(err, message).toBeInstanceOf(CommandDecodeError);
      expect((err as Error).message).toBe(message);
    }
  });

  it('reads a replication factor below 1 so that apply can word the refusal', () => {
    const cmd = decodeCommand(withVersion('{"type":"create-retention-policy","database":"d","spec":{"name":"r","replicaN":0},"makeDefault":false}'));
    expect(cmd).toEqual({ type: 'create-retention-policy', database: 'd', spec: { name: 'r', replicaN: 0 }, makeDefault: false });
  });
});
