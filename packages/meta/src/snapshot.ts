// The snapshot of the META state machine: one format-version byte, then UTF-8 JSON of the whole
// state in its fixed order (docs/meta.md has the layout). Building it walks the state in that order
// and JSON.stringify keeps key order, so equal states give equal bytes. int64 values are decimal
// strings. Restoring checks every field: a snapshot that does not read back whole is refused
// rather than half-applied.

import { FIELD_TYPE_NAMES, INT64_MAX, INT64_MIN, type FieldType } from '@shoal/lineproto';
import type { RetentionPolicyInfo } from '@shoal/tsdb';
import type { MetaStateData } from './state.js';
import { NODE_STATUSES, PRIVILEGES } from './types.js';
import type { DataNodeInfo, MetaNodeInfo, MetaShardGroupInfo, NodeStatus, Privilege, UserInfo } from './types.js';

export const SNAPSHOT_FORMAT_VERSION = 1;

export interface MetaSnapshot {
  /** Index and term of the last command applied to the state. */
  readonly appliedIndex: number;
  readonly appliedTerm: number;
  readonly state: MetaStateData;
}

export class SnapshotDecodeError extends Error {
  override name = 'SnapshotDecodeError';
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export function encodeSnapshot(snap: MetaSnapshot): Uint8Array {
  const s = snap.state;
  const doc = {
    appliedIndex: snap.appliedIndex,
    appliedTerm: snap.appliedTerm,
    nextNodeId: s.nextNodeId,
    nextShardGroupId: s.nextShardGroupId,
    nextShardId: s.nextShardId,
    metaNodes: s.metaNodes.map((n) => ({ id: n.id, raftId: n.raftId, ...nodeFields(n) })),
    dataNodes: s.dataNodes.map((n) => ({ id: n.id, ...nodeFields(n) })),
    databases: s.databases.map((d) => ({
      name: d.name,
      defaultRetentionPolicy: d.defaultRetentionPolicy,
      retentionPolicies: d.retentionPolicies.map(({ info, shardGroups }) => ({
        name: info.name,
        durationNs: info.durationNs.toString(),
        shardGroupDurationNs: info.shardGroupDurationNs.toString(),
        replicaN: info.replicaN,
        shardGroups: shardGroups.map((g) => ({
          id: g.id,
          startNs: g.startNs.toString(),
          endNs: g.endNs.toString(),
          deletedAtNs: g.deletedAtNs === null ? null : g.deletedAtNs.toString(),
          truncatedAtNs: g.truncatedAtNs === null ? null : g.truncatedAtNs.toString(),
          shards: g.shards.map((sh) => ({ id: sh.id, owners: [...sh.owners] })),
        })),
      })),
      measurements: d.measurements.map((m) => ({ name: m.name, fields: m.fields.map(([k, t]) => [k, FIELD_TYPE_NAMES[t]!]) })),
    })),
    users: s.users.map((u) => ({ name: u.name, hash: u.hash, admin: u.admin, privileges: [...u.privileges] })),
  };
  const json = utf8.encode(JSON.stringify(doc));
  const bytes = new Uint8Array(json.length + 1);
  bytes[0] = SNAPSHOT_FORMAT_VERSION;
  bytes.set(json, 1);
  return bytes;
}

function nodeFields(n: DataNodeInfo): Record<string, unknown> {
  return { rpcAddress: n.rpcAddress, httpAddress: n.httpAddress, status: n.status, lastHeartbeatNs: n.lastHeartbeatNs.toString() };
}

export function decodeSnapshot(bytes: Uint8Array): MetaSnapshot {
  if (bytes.length === 0) throw new SnapshotDecodeError('empty META snapshot');
  if (bytes[0] !== SNAPSHOT_FORMAT_VERSION) throw new SnapshotDecodeError(`unsupported META snapshot format version ${bytes[0]}`);
  let raw: unknown;
  try {
    raw = JSON.parse(utf8Strict.decode(bytes.subarray(1)));
  } catch {
    throw new SnapshotDecodeError('META snapshot is not valid UTF-8 JSON');
  }
  const r = new Reader();
  const doc = r.obj(raw, '$');
  const node = (v: unknown, path: string): DataNodeInfo => {
    const o = r.obj(v, path);
    return {
      id: r.int(o['id'], `${path}.id`),
      rpcAddress: r.str(o['rpcAddress'], `${path}.rpcAddress`),
      httpAddress: r.str(o['httpAddress'], `${path}.httpAddress`),
      status: r.oneOf(o['status'], NODE_STATUSES, `${path}.status`) as NodeStatus,
      lastHeartbeatNs: r.i64(o['lastHeartbeatNs'], `${path}.lastHeartbeatNs`),
    };
  };
  const state: MetaStateData = {
    nextNodeId: r.int(doc['nextNodeId'], '$.nextNodeId'),
    nextShardGroupId: r.int(doc['nextShardGroupId'], '$.nextShardGroupId'),
    nextShardId: r.int(doc['nextShardId'], '$.nextShardId'),
    metaNodes: r.arr(doc['metaNodes'], '$.metaNodes').map((v, i): MetaNodeInfo => {
      const path = `$.metaNodes[${i}]`;
      const n = node(v, path);
      return { id: n.id, raftId: r.str(r.obj(v, path)['raftId'], `${path}.raftId`), ...withoutId(n) };
    }),
    dataNodes: r.arr(doc['dataNodes'], '$.dataNodes').map((v, i) => node(v, `$.dataNodes[${i}]`)),
    databases: r.arr(doc['databases'], '$.databases').map((v, i) => {
      const path = `$.databases[${i}]`;
      const d = r.obj(v, path);
      const name = r.str(d['name'], `${path}.name`);
      return {
        name,
        defaultRetentionPolicy: r.str(d['defaultRetentionPolicy'], `${path}.defaultRetentionPolicy`),
        retentionPolicies: r.arr(d['retentionPolicies'], `${path}.retentionPolicies`).map((pv, j) => {
          const ppath = `${path}.retentionPolicies[${j}]`;
          const p = r.obj(pv, ppath);
          const info: RetentionPolicyInfo = {
            name: r.str(p['name'], `${ppath}.name`),
            durationNs: r.i64(p['durationNs'], `${ppath}.durationNs`),
            shardGroupDurationNs: r.i64(p['shardGroupDurationNs'], `${ppath}.shardGroupDurationNs`),
            replicaN: r.int(p['replicaN'], `${ppath}.replicaN`),
          };
          const shardGroups = r.arr(p['shardGroups'], `${ppath}.shardGroups`).map((gv, k): MetaShardGroupInfo => {
            const gpath = `${ppath}.shardGroups[${k}]`;
            const g = r.obj(gv, gpath);
            return {
              id: r.int(g['id'], `${gpath}.id`),
              database: name,
              retentionPolicy: info.name,
              startNs: r.i64(g['startNs'], `${gpath}.startNs`),
              endNs: r.i64(g['endNs'], `${gpath}.endNs`),
              shards: r.arr(g['shards'], `${gpath}.shards`).map((sv, m) => {
                const spath = `${gpath}.shards[${m}]`;
                const sh = r.obj(sv, spath);
                return { id: r.int(sh['id'], `${spath}.id`), owners: r.arr(sh['owners'], `${spath}.owners`).map((o, q) => r.int(o, `${spath}.owners[${q}]`)) };
              }),
              deletedAtNs: g['deletedAtNs'] === null ? null : r.i64(g['deletedAtNs'], `${gpath}.deletedAtNs`),
              truncatedAtNs: g['truncatedAtNs'] === null ? null : r.i64(g['truncatedAtNs'], `${gpath}.truncatedAtNs`),
            };
          });
          return { info, shardGroups };
        }),
        measurements: r.arr(d['measurements'], `${path}.measurements`).map((mv, j) => {
          const mpath = `${path}.measurements[${j}]`;
          const m = r.obj(mv, mpath);
          return {
            name: r.str(m['name'], `${mpath}.name`),
            fields: r.arr(m['fields'], `${mpath}.fields`).map((fv, k): readonly [string, FieldType] => {
              const [key, type] = r.pair(fv, `${mpath}.fields[${k}]`);
              return [r.str(key, `${mpath}.fields[${k}][0]`), FIELD_TYPE_NAMES.indexOf(r.oneOf(type, FIELD_TYPE_NAMES, `${mpath}.fields[${k}][1]`)) as FieldType];
            }),
          };
        }),
      };
    }),
    users: r.arr(doc['users'], '$.users').map((v, i): UserInfo => {
      const path = `$.users[${i}]`;
      const u = r.obj(v, path);
      return {
        name: r.str(u['name'], `${path}.name`),
        hash: r.str(u['hash'], `${path}.hash`),
        admin: r.bool(u['admin'], `${path}.admin`),
        privileges: new Map(
          r.arr(u['privileges'], `${path}.privileges`).map((pv, j): [string, Privilege] => {
            const [db, p] = r.pair(pv, `${path}.privileges[${j}]`);
            return [r.str(db, `${path}.privileges[${j}][0]`), r.oneOf(p, PRIVILEGES, `${path}.privileges[${j}][1]`) as Privilege];
          }),
        ),
      };
    }),
  };
  return { appliedIndex: r.int(doc['appliedIndex'], '$.appliedIndex'), appliedTerm: r.int(doc['appliedTerm'], '$.appliedTerm'), state };
}

function withoutId(n: DataNodeInfo): Omit<DataNodeInfo, 'id'> {
  return { rpcAddress: n.rpcAddress, httpAddress: n.httpAddress, status: n.status, lastHeartbeatNs: n.lastHeartbeatNs };
}

/** Typed field reads that name the offending path. */
class Reader {
  obj(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'an object');
    return v as Record<string, unknown>;
  }
  arr(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'an array');
    return v;
  }
  pair(v: unknown, path: string): [unknown, unknown] {
    if (!Array.isArray(v) || v.length !== 2) this.fail(path, 'a pair');
    return v as [unknown, unknown];
  }
  str(v: unknown, path: string): string {
    if (typeof v !== 'string') this.fail(path, 'a string');
    return v;
  }
  bool(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'a boolean');
    return v;
  }
  int(v: unknown, path: string): number {
    if (!Number.isSafeInteger(v)) this.fail(path, 'an integer');
    return v as number;
  }
  i64(v: unknown, path: string): bigint {
    if (typeof v !== 'string' || !/^-?(0|[1-9][0-9]{0,18})$/.test(v)) this.fail(path, 'an int64 as a decimal string');
    const n = BigInt(v);
    if (n < INT64_MIN || n > INT64_MAX) this.fail(path, 'an int64 as a decimal string');
    return n;
  }
  oneOf(v: unknown, options: readonly string[], path: string): string {
    if (typeof v !== 'string' || !options.includes(v)) this.fail(path, `one of ${options.join(', ')}`);
    return v;
  }
  private fail(path: string, what: string): never {
    throw new SnapshotDecodeError(`META snapshot: ${path}: expected ${what}`);
  }
}
