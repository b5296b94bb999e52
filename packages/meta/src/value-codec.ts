// The value a command returns (`CommandValues`), as the MetaService's Apply carries it: UTF-8
// JSON with int64 values as decimal strings and a user's privileges as [database, privilege]
// pairs, the conventions of the snapshot format. The reader knows which command it sent, so the
// value's shape follows from the command type and is not tagged on the wire.

import type { DatabaseInfo, RetentionPolicyInfo } from '@shoal/tsdb';
import type { CommandValues, MetaCommandType } from './commands.js';
import { NODE_STATUSES, PRIVILEGES } from './types.js';
import type { DataNodeInfo, MetaNodeInfo, MetaShardGroupInfo, MetaValue, NodeStatus, Privilege, UserInfo } from './types.js';

type ValueKind = 'null' | 'node' | 'database' | 'policy' | 'group' | 'groups' | 'user';

const KIND_OF: { readonly [T in MetaCommandType]: ValueKind } = {
  'register-meta-node': 'node',
  'register-data-node': 'node',
  'update-node': 'node',
  heartbeat: 'null',
  'set-node-status': 'null',
  'create-database': 'database',
  'drop-database': 'null',
  'create-retention-policy': 'policy',
  'update-retention-policy': 'policy',
  'drop-retention-policy': 'null',
  'create-shard-group': 'group',
  'precreate-shard-groups': 'groups',
  'delete-shard-group': 'null',
  'drop-shard': 'null',
  'truncate-shard-groups': 'null',
  'prune-shard-groups': 'null',
  'add-fields': 'null',
  'drop-measurement-fields': 'null',
  'create-user': 'user',
  'drop-user': 'null',
  'set-password-hash': 'null',
  'grant-privilege': 'null',
  'revoke-privilege': 'null',
  'set-admin': 'null',
};

export class ValueDecodeError extends Error {
  override name = 'ValueDecodeError';
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export function encodeValue(value: MetaValue): Uint8Array {
  return utf8.encode(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Map ? [...v] : v)));
}

/** Reads the value of a `type` command; throws ValueDecodeError when it does not have that shape. */
export function decodeValue<T extends MetaCommandType>(type: T, bytes: Uint8Array): CommandValues[T] {
  let raw: unknown;
  try {
    raw = JSON.parse(utf8Strict.decode(bytes));
  } catch {
    throw new ValueDecodeError('value is not UTF-8 JSON');
  }
  const kind = KIND_OF[type];
  if (kind === undefined) throw new ValueDecodeError(`unknown command type ${JSON.stringify(type)}`);
  return readValue(kind, raw) as CommandValues[T];
}

function readValue(kind: ValueKind, v: unknown): MetaValue {
  switch (kind) {
    case 'null':
      if (v !== null) bad('value', 'null');
      return null;
    case 'node':
      return readNode(v);
    case 'database':
      return readDatabase(v);
    case 'policy':
      return readPolicy(v, 'policy');
    case 'group':
      return readGroup(v, 'group');
    case 'groups':
      if (!Array.isArray(v)) bad('groups', 'a list');
      return v.map((g, i) => readGroup(g, `groups[${i}]`));
    case 'user':
      return readUser(v);
  }
}

function bad(path: string, what: string): never {
  throw new ValueDecodeError(`${path}: expected ${what}`);
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'an object');
  return v as Record<string, unknown>;
}

function str(v: unknown, path: string): string {
  return typeof v === 'string' ? v : bad(path, 'a string');
}

function int(v: unknown, path: string): number {
  return Number.isSafeInteger(v) ? (v as number) : bad(path, 'an integer');
}

function int64(v: unknown, path: string): bigint {
  if (typeof v !== 'string' || !/^-?[0-9]{1,19}$/.test(v)) bad(path, 'an int64 as a decimal string');
  return BigInt(v);
}

function int64OrNull(v: unknown, path: string): bigint | null {
  return v === null ? null : int64(v, path);
}

function readNode(v: unknown): MetaNodeInfo | DataNodeInfo {
  const o = obj(v, 'node');
  const status = o['status'];
  if (!NODE_STATUSES.includes(status as NodeStatus)) bad('node.status', NODE_STATUSES.join(', '));
  const node = {
    id: int(o['id'], 'node.id'),
    rpcAddress: str(o['rpcAddress'], 'node.rpcAddress'),
    httpAddress: str(o['httpAddress'], 'node.httpAddress'),
    status: status as NodeStatus,
    lastHeartbeatNs: int64(o['lastHeartbeatNs'], 'node.lastHeartbeatNs'),
  };
  return o['raftId'] === undefined ? node : { ...node, raftId: str(o['raftId'], 'node.raftId') };
}

function readPolicy(v: unknown, path: string): RetentionPolicyInfo {
  const o = obj(v, path);
  return {
    name: str(o['name'], `${path}.name`),
    durationNs: int64(o['durationNs'], `${path}.durationNs`),
    shardGroupDurationNs: int64(o['shardGroupDurationNs'], `${path}.shardGroupDurationNs`),
    replicaN: int(o['replicaN'], `${path}.replicaN`),
  };
}

function readDatabase(v: unknown): DatabaseInfo {
  const o = obj(v, 'database');
  const policies = o['retentionPolicies'];
  if (!Array.isArray(policies)) bad('database.retentionPolicies', 'a list');
  return {
    name: str(o['name'], 'database.name'),
    defaultRetentionPolicy: str(o['defaultRetentionPolicy'], 'database.defaultRetentionPolicy'),
    retentionPolicies: policies.map((p, i) => readPolicy(p, `database.retentionPolicies[${i}]`)),
  };
}

function readGroup(v: unknown, path: string): MetaShardGroupInfo {
  const o = obj(v, path);
  const shards = o['shards'];
  if (!Array.isArray(shards)) bad(`${path}.shards`, 'a list');
  return {
    id: int(o['id'], `${path}.id`),
    database: str(o['database'], `${path}.database`),
    retentionPolicy: str(o['retentionPolicy'], `${path}.retentionPolicy`),
    startNs: int64(o['startNs'], `${path}.startNs`),
    endNs: int64(o['endNs'], `${path}.endNs`),
    shards: shards.map((s, i) => {
      const so = obj(s, `${path}.shards[${i}]`);
      const owners = so['owners'];
      if (!Array.isArray(owners)) bad(`${path}.shards[${i}].owners`, 'a list');
      return { id: int(so['id'], `${path}.shards[${i}].id`), owners: owners.map((n, j) => int(n, `${path}.shards[${i}].owners[${j}]`)) };
    }),
    deletedAtNs: int64OrNull(o['deletedAtNs'], `${path}.deletedAtNs`),
    truncatedAtNs: int64OrNull(o['truncatedAtNs'], `${path}.truncatedAtNs`),
  };
}

function readUser(v: unknown): UserInfo {
  const o = obj(v, 'user');
  const privileges = o['privileges'];
  if (!Array.isArray(privileges)) bad('user.privileges', 'a list of [database, privilege] pairs');
  const map = new Map<string, Privilege>();
  for (const [i, pair] of privileges.entries()) {
    if (!Array.isArray(pair) || pair.length !== 2 || !PRIVILEGES.includes(pair[1] as Privilege)) bad(`user.privileges[${i}]`, 'a [database, privilege] pair');
    map.set(str(pair[0], `user.privileges[${i}][0]`), pair[1] as Privilege);
  }
  if (typeof o['admin'] !== 'boolean') bad('user.admin', 'a boolean');
  return { name: str(o['name'], 'user.name'), hash: str(o['hash'], 'user.hash'), admin: o['admin'], privileges: map };
}
