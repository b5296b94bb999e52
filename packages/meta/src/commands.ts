// The commands of the META log and their wire form. One command per mutation; every input the
// state machine needs is in the command (times included: the leader reads its clock when it
// proposes, `apply` never does), so replaying the log rebuilds the same state on every node.
//
// Encoding (docs/meta.md): one format-version byte, then UTF-8 JSON of the command object. int64
// values (times, durations) are decimal strings, never JSON numbers, so no precision is lost; ids
// and counts are JSON numbers within the safe-integer range. A decoder accepts every version it
// knows, so old logs replay after an upgrade.

import { FIELD_TYPE_NAMES, INT64_MAX, INT64_MIN, type FieldType } from '@shoal/lineproto';
import type { DatabaseInfo, RetentionPolicyInfo, RetentionPolicySpec, RetentionPolicyUpdate } from '@shoal/tsdb';
import { NODE_STATUSES, PRIVILEGES } from './types.js';
import type { DataNodeInfo, MetaNodeInfo, MetaShardGroupInfo, NodeStatus, Privilege, UserInfo } from './types.js';

export const COMMAND_FORMAT_VERSION = 1;
/** A bound on one encoded command; the largest real ones are field additions of a big batch. */
export const COMMAND_BYTES_MAX = 4 << 20;

export type MetaCommand =
  /** Create-if-absent by raftId. */
  | { readonly type: 'register-meta-node'; readonly raftId: string; readonly rpcAddress: string; readonly httpAddress: string; readonly nowNs: bigint }
  /** Create-if-absent by rpcAddress. */
  | { readonly type: 'register-data-node'; readonly rpcAddress: string; readonly httpAddress: string; readonly nowNs: bigint }
  /** New addresses for a META or DATA node. */
  | { readonly type: 'update-node'; readonly id: number; readonly rpcAddress: string; readonly httpAddress: string }
  | { readonly type: 'heartbeat'; readonly nodeId: number; readonly nowNs: bigint }
  | { readonly type: 'set-node-status'; readonly nodeId: number; readonly status: NodeStatus }
  /** Create-if-absent; `retentionPolicy` null means the default `autogen` policy. */
  | { readonly type: 'create-database'; readonly name: string; readonly retentionPolicy: RetentionPolicySpec | null }
  | { readonly type: 'drop-database'; readonly name: string }
  | { readonly type: 'create-retention-policy'; readonly database: string; readonly spec: RetentionPolicySpec; readonly makeDefault: boolean }
  | {
      readonly type: 'update-retention-policy';
      readonly database: string;
      readonly name: string;
      readonly update: RetentionPolicyUpdate;
      readonly makeDefault: boolean;
    }
  | { readonly type: 'drop-retention-policy'; readonly database: string; readonly name: string }
  /** Create-if-absent: the group of db.rp covering `timeNs`. An empty rp names the default. */
  | { readonly type: 'create-shard-group'; readonly database: string; readonly retentionPolicy: string; readonly timeNs: bigint }
  /** Creates the successor of every policy's newest group that ends within (now, now + advance). */
  | { readonly type: 'precreate-shard-groups'; readonly nowNs: bigint; readonly advanceNs: bigint }
  /** Marks the group deleted at `nowNs`; DATA nodes drop its shards. */
  | { readonly type: 'delete-shard-group'; readonly database: string; readonly retentionPolicy: string; readonly id: number; readonly nowNs: bigint }
  /**
   * Removes the shard from its group, and marks the group deleted at `nowNs` when it was the
   * group's last (InfluxDB's DROP SHARD); an unknown id changes nothing. DATA nodes drop its files.
   */
  | { readonly type: 'drop-shard'; readonly id: number; readonly nowNs: bigint }
  /** Ends every live group that could hold `timeNs` or later at `timeNs`, so later writes go to new groups. */
  | { readonly type: 'truncate-shard-groups'; readonly timeNs: bigint }
  /** Forgets groups marked deleted before `beforeNs`. */
  | { readonly type: 'prune-shard-groups'; readonly beforeNs: bigint }
  /** Create-if-absent per field; a type conflict rejects the whole command. */
  | { readonly type: 'add-fields'; readonly database: string; readonly measurement: string; readonly fields: ReadonlyArray<readonly [string, FieldType]> }
  /** Forgets every field type of the measurement (DROP MEASUREMENT); absent is fine. */
  | { readonly type: 'drop-measurement-fields'; readonly database: string; readonly measurement: string }
  | { readonly type: 'create-user'; readonly name: string; readonly hash: string; readonly admin: boolean }
  | { readonly type: 'drop-user'; readonly name: string }
  | { readonly type: 'set-password-hash'; readonly name: string; readonly hash: string }
  /** Sets the user's privilege on the database (InfluxQL's GRANT replaces, it does not add). */
  | { readonly type: 'grant-privilege'; readonly username: string; readonly database: string; readonly privilege: Privilege }
  /** Clears the named privilege's bits from the user's privilege on the database. */
  | { readonly type: 'revoke-privilege'; readonly username: string; readonly database: string; readonly privilege: Privilege }
  | { readonly type: 'set-admin'; readonly username: string; readonly admin: boolean };

export type MetaCommandType = MetaCommand['type'];
export type CommandOf<T extends MetaCommandType> = Extract<MetaCommand, { type: T }>;

/** What each command returns when it succeeds. */
export interface CommandValues {
  'register-meta-node': MetaNodeInfo;
  'register-data-node': DataNodeInfo;
  'update-node': MetaNodeInfo | DataNodeInfo;
  heartbeat: null;
  'set-node-status': null;
  'create-database': DatabaseInfo;
  'drop-database': null;
  'create-retention-policy': RetentionPolicyInfo;
  'update-retention-policy': RetentionPolicyInfo;
  'drop-retention-policy': null;
  'create-shard-group': MetaShardGroupInfo;
  /** The groups this command created (empty on a retry). */
  'precreate-shard-groups': readonly MetaShardGroupInfo[];
  'delete-shard-group': null;
  'drop-shard': null;
  'truncate-shard-groups': null;
  'prune-shard-groups': null;
  'add-fields': null;
  'drop-measurement-fields': null;
  'create-user': UserInfo;
  'drop-user': null;
  'set-password-hash': null;
  'grant-privilege': null;
  'revoke-privilege': null;
  'set-admin': null;
}

/** The bytes could not be read as a command; `apply` turns this into a `bad-command` result. */
export class CommandDecodeError extends Error {
  override name = 'CommandDecodeError';
}

// ---- schema ----

type Kind = 'string' | 'int64' | 'id' | 'bool' | 'status' | 'privilege' | 'spec' | 'specOrNull' | 'update' | 'fields';

const SCHEMAS: { readonly [T in MetaCommandType]: Readonly<Record<Exclude<keyof CommandOf<T>, 'type'>, Kind>> } = {
  'register-meta-node': { raftId: 'string', rpcAddress: 'string', httpAddress: 'string', nowNs: 'int64' },
  'register-data-node': { rpcAddress: 'string', httpAddress: 'string', nowNs: 'int64' },
  'update-node': { id: 'id', rpcAddress: 'string', httpAddress: 'string' },
  heartbeat: { nodeId: 'id', nowNs: 'int64' },
  'set-node-status': { nodeId: 'id', status: 'status' },
  'create-database': { name: 'string', retentionPolicy: 'specOrNull' },
  'drop-database': { name: 'string' },
  'create-retention-policy': { database: 'string', spec: 'spec', makeDefault: 'bool' },
  'update-retention-policy': { database: 'string', name: 'string', update: 'update', makeDefault: 'bool' },
  'drop-retention-policy': { database: 'string', name: 'string' },
  'create-shard-group': { database: 'string', retentionPolicy: 'string', timeNs: 'int64' },
  'precreate-shard-groups': { nowNs: 'int64', advanceNs: 'int64' },
  'delete-shard-group': { database: 'string', retentionPolicy: 'string', id: 'id', nowNs: 'int64' },
  'drop-shard': { id: 'id', nowNs: 'int64' },
  'truncate-shard-groups': { timeNs: 'int64' },
  'prune-shard-groups': { beforeNs: 'int64' },
  'add-fields': { database: 'string', measurement: 'string', fields: 'fields' },
  'drop-measurement-fields': { database: 'string', measurement: 'string' },
  'create-user': { name: 'string', hash: 'string', admin: 'bool' },
  'drop-user': { name: 'string' },
  'set-password-hash': { name: 'string', hash: 'string' },
  'grant-privilege': { username: 'string', database: 'string', privilege: 'privilege' },
  'revoke-privilege': { username: 'string', database: 'string', privilege: 'privilege' },
  'set-admin': { username: 'string', admin: 'bool' },
};

export const COMMAND_TYPES: readonly MetaCommandType[] = Object.keys(SCHEMAS) as MetaCommandType[];

const INT64_TEXT = /^-?(0|[1-9][0-9]{0,18})$/;

// ---- encoding ----

const utf8 = new TextEncoder();

export function encodeCommand(cmd: MetaCommand): Uint8Array {
  const schema = SCHEMAS[cmd.type] as Readonly<Record<string, Kind>>;
  if (schema === undefined) throw new TypeError(`unknown command type "${String(cmd.type)}"`);
  const out: Record<string, unknown> = { type: cmd.type };
  const fields = cmd as unknown as Record<string, unknown>;
  for (const [name, kind] of Object.entries(schema)) out[name] = encodeValue(kind, fields[name], name);
  const json = utf8.encode(JSON.stringify(out));
  if (json.length + 1 > COMMAND_BYTES_MAX) throw new RangeError(`command of ${json.length + 1} bytes exceeds ${COMMAND_BYTES_MAX}`);
  const bytes = new Uint8Array(json.length + 1);
  bytes[0] = COMMAND_FORMAT_VERSION;
  bytes.set(json, 1);
  return bytes;
}

function encodeValue(kind: Kind, v: unknown, path: string): unknown {
  switch (kind) {
    case 'int64':
      return int64Text(v, path);
    case 'spec':
      return encodeSpec(v as RetentionPolicySpec, path);
    case 'specOrNull':
      return v === null || v === undefined ? null : encodeSpec(v as RetentionPolicySpec, path);
    case 'update':
      return encodeUpdate(v as RetentionPolicyUpdate, path);
    case 'fields':
      return (v as ReadonlyArray<readonly [string, FieldType]>).map(([name, type]) => {
        const typeName = FIELD_TYPE_NAMES[type];
        if (typeName === undefined) throw new TypeError(`${path}: unknown field type ${String(type)}`);
        return [name, typeName];
      });
    default:
      return v;
  }
}

function int64Text(v: unknown, path: string): string {
  if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) throw new TypeError(`${path}: expected an int64 bigint`);
  return v.toString();
}

function encodeSpec(s: RetentionPolicySpec, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = { name: s.name };
  if (s.durationNs !== undefined) out['durationNs'] = int64Text(s.durationNs, `${path}.durationNs`);
  if (s.shardGroupDurationNs !== undefined) out['shardGroupDurationNs'] = int64Text(s.shardGroupDurationNs, `${path}.shardGroupDurationNs`);
  if (s.replicaN !== undefined) out['replicaN'] = s.replicaN;
  return out;
}

function encodeUpdate(u: RetentionPolicyUpdate, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (u.durationNs !== undefined) out['durationNs'] = int64Text(u.durationNs, `${path}.durationNs`);
  if (u.shardGroupDurationNs !== undefined) out['shardGroupDurationNs'] = int64Text(u.shardGroupDurationNs, `${path}.shardGroupDurationNs`);
  if (u.replicaN !== undefined) out['replicaN'] = u.replicaN;
  return out;
}

// ---- decoding ----

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a command, checking its shape only (types, int64 range, known names); whether it makes
 * sense against the state is for `apply` to decide. Throws CommandDecodeError with a message that
 * depends on the bytes alone, so every replica words a bad command the same way.
 */
export function decodeCommand(bytes: Uint8Array): MetaCommand {
  if (bytes.length === 0) throw new CommandDecodeError('empty command');
  if (bytes.length > COMMAND_BYTES_MAX) throw new CommandDecodeError(`command of ${bytes.length} bytes exceeds ${COMMAND_BYTES_MAX}`);
  const version = bytes[0]!;
  if (version !== COMMAND_FORMAT_VERSION) throw new CommandDecodeError(`unsupported command format version ${version}`);
  let raw: unknown;
  try {
    raw = JSON.parse(utf8Strict.decode(bytes.subarray(1)));
  } catch {
    throw new CommandDecodeError('command is not valid UTF-8 JSON');
  }
  if (!isObject(raw)) throw new CommandDecodeError('command is not an object');
  const type = raw['type'];
  if (typeof type !== 'string' || !Object.hasOwn(SCHEMAS, type)) {
    throw new CommandDecodeError(`unknown command type ${typeof type === 'string' ? JSON.stringify(type) : String(type)}`);
  }
  const schema = SCHEMAS[type as MetaCommandType] as Readonly<Record<string, Kind>>;
  const out: Record<string, unknown> = { type };
  for (const [name, kind] of Object.entries(schema)) out[name] = decodeValue(kind, raw[name], `${type}.${name}`);
  return out as unknown as MetaCommand;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(path: string, what: string): never {
  throw new CommandDecodeError(`${path}: expected ${what}`);
}

function decodeValue(kind: Kind, v: unknown, path: string): unknown {
  switch (kind) {
    case 'string':
      return typeof v === 'string' ? v : bad(path, 'a string');
    case 'bool':
      return typeof v === 'boolean' ? v : bad(path, 'a boolean');
    case 'id':
      return Number.isSafeInteger(v) && (v as number) >= 0 ? v : bad(path, 'a non-negative integer');
    case 'int64':
      return decodeInt64(v, path);
    case 'status':
      return NODE_STATUSES.includes(v as NodeStatus) ? v : bad(path, `one of ${NODE_STATUSES.join(', ')}`);
    case 'privilege':
      return PRIVILEGES.includes(v as Privilege) ? v : bad(path, `one of ${PRIVILEGES.join(', ')}`);
    case 'spec':
      return decodeSpec(v, path);
    case 'specOrNull':
      return v === null ? null : decodeSpec(v, path);
    case 'update':
      return decodeUpdate(v, path);
    case 'fields':
      return decodeFields(v, path);
  }
}

function decodeInt64(v: unknown, path: string): bigint {
  if (typeof v !== 'string' || !INT64_TEXT.test(v)) bad(path, 'an int64 as a decimal string');
  const n = BigInt(v);
  if (n < INT64_MIN || n > INT64_MAX || v === '-0') bad(path, 'an int64 as a decimal string');
  return n;
}

function decodeReplicaN(v: unknown, path: string): number {
  // Any integer: whether it is at least 1 is a rule `apply` checks and words.
  return Number.isSafeInteger(v) ? (v as number) : bad(path, 'an integer');
}

function decodeSpec(v: unknown, path: string): RetentionPolicySpec {
  if (!isObject(v)) bad(path, 'a retention policy spec');
  const name = decodeValue('string', v['name'], `${path}.name`) as string;
  const spec: { name: string; durationNs?: bigint; shardGroupDurationNs?: bigint; replicaN?: number } = { name };
  if (v['durationNs'] !== undefined) spec.durationNs = decodeInt64(v['durationNs'], `${path}.durationNs`);
  if (v['shardGroupDurationNs'] !== undefined) spec.shardGroupDurationNs = decodeInt64(v['shardGroupDurationNs'], `${path}.shardGroupDurationNs`);
  if (v['replicaN'] !== undefined) spec.replicaN = decodeReplicaN(v['replicaN'], `${path}.replicaN`);
  return spec;
}

function decodeUpdate(v: unknown, path: string): RetentionPolicyUpdate {
  if (!isObject(v)) bad(path, 'a retention policy update');
  const update: { durationNs?: bigint; shardGroupDurationNs?: bigint; replicaN?: number } = {};
  if (v['durationNs'] !== undefined) update.durationNs = decodeInt64(v['durationNs'], `${path}.durationNs`);
  if (v['shardGroupDurationNs'] !== undefined) update.shardGroupDurationNs = decodeInt64(v['shardGroupDurationNs'], `${path}.shardGroupDurationNs`);
  if (v['replicaN'] !== undefined) update.replicaN = decodeReplicaN(v['replicaN'], `${path}.replicaN`);
  return update;
}

function decodeFields(v: unknown, path: string): Array<readonly [string, FieldType]> {
  if (!Array.isArray(v)) bad(path, 'a list of [name, type] pairs');
  return v.map((pair: unknown, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') bad(`${path}[${i}]`, 'a [name, type] pair');
    const type = FIELD_TYPE_NAMES.indexOf(pair[1] as string);
    if (type < 0) bad(`${path}[${i}]`, `a field type (${FIELD_TYPE_NAMES.join(', ')})`);
    return [pair[0] as string, type as FieldType] as const;
  });
}
