// The META state and its mutations. Every mutation validates its input against the state and
// answers with a result, never a throw, so a rejected command is decided the same way on every
// replica and the log moves on. Nothing here reads a clock or a random source; lists handed out
// follow a fixed order (creation order, or the order the Catalog interface promises), and that
// order survives a snapshot.
//
// Validation follows InfluxDB 1.x's meta store through the single-node catalog's rules
// (`normalizeSpec` and friends from @shoal/tsdb), so both Catalog implementations agree.

import { FIELD_TYPE_NAMES, MAX_TIME_NS, MIN_TIME_NS, type FieldType } from '@shoal/lineproto';
import {
  DEFAULT_RETENTION_POLICY,
  DatabaseNotFoundError,
  RetentionPolicyNotFoundError,
  normalizeSpec,
  type DatabaseInfo,
  type RetentionPolicyInfo,
  type RetentionPolicySpec,
  type RetentionPolicyUpdate,
} from '@shoal/tsdb';
import type { CommandOf, CommandValues, MetaCommand, MetaCommandType } from './commands.js';
import { done, errors, fromRuleError, rejectedWith, type Outcome } from './result.js';
import {
  compareGroups,
  groupCovers,
  planPrecreation,
  planShardGroup,
  type PlanningView,
  type PolicyGroups,
} from './shard-groups.js';
import type { DataNodeInfo, MetaError, MetaNodeInfo, MetaShardGroupInfo, MetaValue, NodeStatus, Privilege, UserInfo } from './types.js';

interface PolicyState {
  info: RetentionPolicyInfo;
  /** Live and deleted groups, sorted by compareGroups. */
  groups: MetaShardGroupInfo[];
}

interface DatabaseState {
  readonly name: string;
  defaultRetentionPolicy: string;
  readonly policies: Map<string, PolicyState>;
  /** measurement → field → type, each in the order first recorded. */
  readonly measurements: Map<string, Map<string, FieldType>>;
}

/** The whole state as plain data, in its fixed order: what a snapshot holds. */
export interface MetaStateData {
  readonly nextNodeId: number;
  readonly nextShardGroupId: number;
  readonly nextShardId: number;
  readonly metaNodes: readonly MetaNodeInfo[];
  readonly dataNodes: readonly DataNodeInfo[];
  readonly databases: ReadonlyArray<{
    readonly name: string;
    readonly defaultRetentionPolicy: string;
    readonly retentionPolicies: ReadonlyArray<{ readonly info: RetentionPolicyInfo; readonly shardGroups: readonly MetaShardGroupInfo[] }>;
    readonly measurements: ReadonlyArray<{ readonly name: string; readonly fields: ReadonlyArray<readonly [string, FieldType]> }>;
  }>;
  readonly users: readonly UserInfo[];
}

const PRIVILEGE_BITS: Readonly<Record<Privilege, number>> = { none: 0, read: 1, write: 2, all: 3 };
const PRIVILEGE_OF_BITS: readonly Privilege[] = ['none', 'read', 'write', 'all'];

export class MetaState implements PlanningView {
  private nextNodeId = 1;
  private nextShardGroupId = 1;
  private nextShardId = 1;
  private readonly metaNodeMap = new Map<number, MetaNodeInfo>();
  private readonly dataNodeMap = new Map<number, DataNodeInfo>();
  private readonly dbs = new Map<string, DatabaseState>();
  private readonly userMap = new Map<string, UserInfo>();

  // ---- reads: the catalog ----

  /** Databases in creation order. */
  databases(): DatabaseInfo[] {
    return [...this.dbs.values()].map(databaseInfo);
  }

  database(name: string): DatabaseInfo | undefined {
    const d = this.dbs.get(name);
    return d === undefined ? undefined : databaseInfo(d);
  }

  /** The named policy, or the default when `rp` is undefined or empty; throws as Catalog does. */
  retentionPolicy(db: string, rp?: string): RetentionPolicyInfo {
    const d = this.dbs.get(db);
    if (d === undefined) throw new DatabaseNotFoundError(db);
    const name = rp === undefined || rp === '' ? d.defaultRetentionPolicy : rp;
    const p = d.policies.get(name);
    if (p === undefined) throw new RetentionPolicyNotFoundError(db, name);
    return p.info;
  }

  /** Live (not deleted) groups, optionally of one database and policy, by start time then id. */
  shardGroups(db?: string, rp?: string): MetaShardGroupInfo[] {
    return this.collectGroups(db, rp, (g) => g.deletedAtNs === null);
  }

  /** Groups marked deleted and not yet pruned: DATA nodes drop their shards. */
  deletedShardGroups(db?: string, rp?: string): MetaShardGroupInfo[] {
    return this.collectGroups(db, rp, (g) => g.deletedAtNs !== null);
  }

  /** The live group of db.rp that takes a write at `timeNs` (truncation respected), if any. */
  shardGroupAt(db: string, rp: string, timeNs: bigint): MetaShardGroupInfo | undefined {
    const groups = this.dbs.get(db)?.policies.get(rp)?.groups;
    if (groups === undefined) return undefined;
    for (const g of groups) if (groupCovers(g, timeNs)) return g;
    return undefined;
  }

  /** A group by id, live or deleted. */
  shardGroup(id: number): MetaShardGroupInfo | undefined {
    for (const d of this.dbs.values()) {
      for (const p of d.policies.values()) {
        for (const g of p.groups) if (g.id === id) return g;
      }
    }
    return undefined;
  }

  /**
   * Whether this state has handed out shard id `id` (ids only grow). A state that has not cannot
   * say the shard is gone: it is older than the shard's group (a copy from a lagging node).
   */
  hasIssuedShardId(id: number): boolean {
    return id < this.nextShardId;
  }

  fieldType(db: string, measurement: string, field: string): FieldType | undefined {
    return this.dbs.get(db)?.measurements.get(measurement)?.get(field);
  }

  /** Every field of a measurement with its type, in name order. */
  fields(db: string, measurement: string): ReadonlyMap<string, FieldType> {
    const m = this.dbs.get(db)?.measurements.get(measurement);
    if (m === undefined) return new Map();
    return new Map([...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  }

  /** Measurement names of a database, in name order. */
  measurements(db: string): string[] {
    const d = this.dbs.get(db);
    return d === undefined ? [] : [...d.measurements.keys()].sort();
  }

  // ---- reads: nodes and users ----

  /** META nodes by id. */
  metaNodes(): MetaNodeInfo[] {
    return [...this.metaNodeMap.values()].sort((a, b) => a.id - b.id);
  }

  /** DATA nodes by id. */
  dataNodes(): DataNodeInfo[] {
    return [...this.dataNodeMap.values()].sort((a, b) => a.id - b.id);
  }

  node(id: number): MetaNodeInfo | DataNodeInfo | undefined {
    return this.metaNodeMap.get(id) ?? this.dataNodeMap.get(id);
  }

  /** Ids of DATA nodes that receive shards (status `up`), ascending. */
  liveDataNodeIds(): number[] {
    return this.dataNodes()
      .filter((n) => n.status === 'up')
      .map((n) => n.id);
  }

  /** Users in creation order. */
  users(): UserInfo[] {
    return [...this.userMap.values()];
  }

  user(name: string): UserInfo | undefined {
    return this.userMap.get(name);
  }

  *policyGroups(): Iterable<PolicyGroups> {
    for (const d of this.dbs.values()) {
      for (const p of d.policies.values()) yield { database: d.name, policy: p.info, groups: p.groups };
    }
  }

  // ---- commands ----

  /** Applies one command. Deterministic: same state and command, same result and next state. */
  apply(cmd: MetaCommand): Outcome<MetaValue> {
    switch (cmd.type) {
      case 'register-meta-node':
        return this.registerMetaNode(cmd);
      case 'register-data-node':
        return this.registerDataNode(cmd);
      case 'update-node':
        return this.updateNode(cmd);
      case 'heartbeat':
        return this.heartbeat(cmd);
      case 'set-node-status':
        return this.setNodeStatus(cmd);
      case 'create-database':
        return this.createDatabase(cmd.name, cmd.retentionPolicy);
      case 'drop-database':
        return this.dropDatabase(cmd.name);
      case 'create-retention-policy':
        return this.createRetentionPolicy(cmd.database, cmd.spec, cmd.makeDefault);
      case 'update-retention-policy':
        return this.updateRetentionPolicy(cmd.database, cmd.name, cmd.update, cmd.makeDefault);
      case 'drop-retention-policy':
        return this.dropRetentionPolicy(cmd.database, cmd.name);
      case 'create-shard-group':
        return this.createShardGroup(cmd.database, cmd.retentionPolicy, cmd.timeNs);
      case 'precreate-shard-groups':
        return this.precreateShardGroups(cmd.nowNs, cmd.advanceNs);
      case 'delete-shard-group':
        return this.deleteShardGroup(cmd);
      case 'drop-shard':
        return this.dropShard(cmd);
      case 'truncate-shard-groups':
        return this.truncateShardGroups(cmd.timeNs);
      case 'prune-shard-groups':
        return this.pruneShardGroups(cmd.beforeNs);
      case 'add-fields':
        return this.addFields(cmd.database, cmd.measurement, cmd.fields);
      case 'drop-measurement-fields':
        return this.dropMeasurementFields(cmd.database, cmd.measurement);
      case 'create-user':
        return this.createUser(cmd);
      case 'drop-user':
        return this.dropUser(cmd.name);
      case 'set-password-hash':
        return this.setPasswordHash(cmd.name, cmd.hash);
      case 'grant-privilege':
        return this.setPrivilege(cmd.username, cmd.database, () => cmd.privilege);
      case 'revoke-privilege':
        // InfluxQL's REVOKE clears the revoked privilege's bits (REVOKE WRITE from ALL leaves READ).
        return this.setPrivilege(cmd.username, cmd.database, (had) => PRIVILEGE_OF_BITS[PRIVILEGE_BITS[had] & ~PRIVILEGE_BITS[cmd.privilege]]!);
      case 'set-admin':
        return this.setAdmin(cmd.username, cmd.admin);
    }
  }

  /** `apply` with the result typed for the command. */
  applyTyped<T extends MetaCommandType>(cmd: CommandOf<T>): Outcome<CommandValues[T]> {
    return this.apply(cmd) as Outcome<CommandValues[T]>;
  }

  // ---- nodes ----

  private registerMetaNode(cmd: CommandOf<'register-meta-node'>): Outcome<MetaNodeInfo> {
    for (const n of this.metaNodeMap.values()) {
      if (n.raftId === cmd.raftId) {
        // A retry (or a restart with the same addresses) gets the node it registered before.
        if (n.rpcAddress === cmd.rpcAddress && n.httpAddress === cmd.httpAddress) return done(n, false);
        return rejectedWith(errors.nodeExists());
      }
      if (n.rpcAddress === cmd.rpcAddress) return rejectedWith(errors.nodeExists());
    }
    const node: MetaNodeInfo = {
      id: this.nextNodeId++,
      raftId: cmd.raftId,
      rpcAddress: cmd.rpcAddress,
      httpAddress: cmd.httpAddress,
      status: 'up',
      lastHeartbeatNs: cmd.nowNs,
    };
    this.metaNodeMap.set(node.id, node);
    return done(node, true);
  }

  private registerDataNode(cmd: CommandOf<'register-data-node'>): Outcome<DataNodeInfo> {
    for (const n of this.dataNodeMap.values()) {
      if (n.rpcAddress === cmd.rpcAddress) {
        if (n.httpAddress === cmd.httpAddress) return done(n, false);
        return rejectedWith(errors.nodeExists());
      }
    }
    const node: DataNodeInfo = {
      id: this.nextNodeId++,
      rpcAddress: cmd.rpcAddress,
      httpAddress: cmd.httpAddress,
      status: 'up',
      lastHeartbeatNs: cmd.nowNs,
    };
    this.dataNodeMap.set(node.id, node);
    return done(node, true);
  }

  private updateNode(cmd: CommandOf<'update-node'>): Outcome<MetaNodeInfo | DataNodeInfo> {
    const isMeta = this.metaNodeMap.has(cmd.id);
    const nodes: Map<number, MetaNodeInfo | DataNodeInfo> = isMeta ? this.metaNodeMap : this.dataNodeMap;
    const node = nodes.get(cmd.id);
    if (node === undefined) return rejectedWith(errors.nodeNotFound());
    for (const n of nodes.values()) {
      if (n.id !== cmd.id && n.rpcAddress === cmd.rpcAddress) return rejectedWith(errors.nodeExists());
    }
    if (node.rpcAddress === cmd.rpcAddress && node.httpAddress === cmd.httpAddress) return done(node, false);
    const next = { ...node, rpcAddress: cmd.rpcAddress, httpAddress: cmd.httpAddress };
    nodes.set(cmd.id, next);
    return done(next, true);
  }

  private heartbeat(cmd: CommandOf<'heartbeat'>): Outcome<null> {
    return this.replaceNode(cmd.nodeId, (n) => ({
      // A delayed or retried heartbeat never moves the time back.
      lastHeartbeatNs: cmd.nowNs > n.lastHeartbeatNs ? cmd.nowNs : n.lastHeartbeatNs,
      // A heartbeat shows a node marked down is back; a decommissioned node stays out.
      status: n.status === 'down' ? 'up' : n.status,
    }));
  }

  private setNodeStatus(cmd: CommandOf<'set-node-status'>): Outcome<null> {
    return this.replaceNode(cmd.nodeId, (n) => ({ lastHeartbeatNs: n.lastHeartbeatNs, status: cmd.status }));
  }

  private replaceNode(id: number, change: (n: DataNodeInfo) => { lastHeartbeatNs: bigint; status: NodeStatus }): Outcome<null> {
    const nodes: Map<number, MetaNodeInfo | DataNodeInfo> = this.metaNodeMap.has(id) ? this.metaNodeMap : this.dataNodeMap;
    const node = nodes.get(id);
    if (node === undefined) return rejectedWith(errors.nodeNotFound());
    const { lastHeartbeatNs, status } = change(node);
    if (lastHeartbeatNs === node.lastHeartbeatNs && status === node.status) return done(null, false);
    nodes.set(id, { ...node, lastHeartbeatNs, status });
    return done(null, true);
  }

  // ---- databases and retention policies ----

  private createDatabase(name: string, spec: RetentionPolicySpec | null): Outcome<DatabaseInfo> {
    if (name === '') return rejectedWith(errors.databaseNameRequired());
    const policy = normalize(spec ?? { name: DEFAULT_RETENTION_POLICY });
    if ('code' in policy) return rejectedWith(policy);
    const existing = this.dbs.get(name);
    if (existing !== undefined) {
      // Re-creating is fine unless the requested policy contradicts the existing one.
      if (spec !== null) {
        const p = existing.policies.get(policy.name);
        if (p === undefined || !sameDefinition(p.info, policy) || existing.defaultRetentionPolicy !== policy.name) {
          return rejectedWith(errors.retentionPolicyConflict());
        }
      }
      return done(databaseInfo(existing), false);
    }
    const d: DatabaseState = {
      name,
      defaultRetentionPolicy: policy.name,
      policies: new Map([[policy.name, { info: policy, groups: [] }]]),
      measurements: new Map(),
    };
    this.dbs.set(name, d);
    return done(databaseInfo(d), true);
  }

  private dropDatabase(name: string): Outcome<null> {
    // Dropping a database that does not exist succeeds, as in InfluxDB.
    if (!this.dbs.delete(name)) return done(null, false);
    // Its groups go with it; privileges on it are forgotten (InfluxDB's DropDatabase).
    for (const u of this.userMap.values()) {
      if (!u.privileges.has(name)) continue;
      const privileges = new Map(u.privileges);
      privileges.delete(name);
      this.userMap.set(u.name, { ...u, privileges });
    }
    return done(null, true);
  }

  private createRetentionPolicy(db: string, spec: RetentionPolicySpec, makeDefault: boolean): Outcome<RetentionPolicyInfo> {
    const d = this.dbs.get(db);
    if (d === undefined) return rejectedWith(errors.databaseNotFound(db));
    const policy = normalize(spec);
    if ('code' in policy) return rejectedWith(policy);
    const existing = d.policies.get(policy.name);
    if (existing !== undefined) {
      if (!sameDefinition(existing.info, policy)) return rejectedWith(errors.retentionPolicyExists(db, policy.name));
      // Asking to make it default when it is not is a different command, not a retry.
      if (makeDefault && d.defaultRetentionPolicy !== policy.name) return rejectedWith(errors.retentionPolicyConflict());
      return done(existing.info, false);
    }
    d.policies.set(policy.name, { info: policy, groups: [] });
    // A database left without a default (its default was dropped) takes the next policy created.
    if (makeDefault || d.defaultRetentionPolicy === '') d.defaultRetentionPolicy = policy.name;
    return done(policy, true);
  }

  private updateRetentionPolicy(db: string, name: string, update: RetentionPolicyUpdate, makeDefault: boolean): Outcome<RetentionPolicyInfo> {
    const d = this.dbs.get(db);
    if (d === undefined) return rejectedWith(errors.databaseNotFound(db));
    const p = d.policies.get(name);
    if (p === undefined) return rejectedWith(errors.retentionPolicyNotFound(db, name));
    const old = p.info;
    const next = normalize({
      name,
      durationNs: update.durationNs ?? old.durationNs,
      shardGroupDurationNs: update.shardGroupDurationNs ?? old.shardGroupDurationNs,
      replicaN: update.replicaN ?? old.replicaN,
    });
    if ('code' in next) return rejectedWith(next);
    const becomesDefault = makeDefault && d.defaultRetentionPolicy !== name;
    if (sameDefinition(old, next) && !becomesDefault) return done(old, false);
    // Existing groups keep their bounds and owners; the new definition applies to new groups.
    if (!sameDefinition(old, next)) p.info = next;
    if (becomesDefault) d.defaultRetentionPolicy = name;
    return done(p.info, true);
  }

  private dropRetentionPolicy(db: string, name: string): Outcome<null> {
    const d = this.dbs.get(db);
    if (d === undefined) return rejectedWith(errors.databaseNotFound(db));
    if (!d.policies.delete(name)) return done(null, false);
    if (d.defaultRetentionPolicy === name) d.defaultRetentionPolicy = '';
    return done(null, true);
  }

  // ---- shard groups ----

  private createShardGroup(db: string, rp: string, timeNs: bigint): Outcome<MetaShardGroupInfo> {
    const found = this.policyFor(db, rp);
    if ('code' in found) return rejectedWith(found);
    if (timeNs < MIN_TIME_NS || timeNs > MAX_TIME_NS) return rejectedWith(errors.timeOutOfRange());
    for (const g of found.groups) if (groupCovers(g, timeNs)) return done(g, false);
    const live = this.liveDataNodeIds();
    if (live.length === 0) return rejectedWith(errors.noDataNodes());
    const group = planShardGroup({
      groupId: this.nextShardGroupId,
      firstShardId: this.nextShardId,
      database: db,
      policy: found.info,
      timeNs,
      liveDataNodeIds: live,
    });
    this.nextShardGroupId++;
    this.nextShardId += group.shards.length;
    insertSorted(found.groups, group);
    return done(group, true);
  }

  private precreateShardGroups(nowNs: bigint, advanceNs: bigint): Outcome<readonly MetaShardGroupInfo[]> {
    const created: MetaShardGroupInfo[] = [];
    for (const cmd of planPrecreation(this, nowNs, advanceNs)) {
      const { result, changed } = this.createShardGroup(cmd.database, cmd.retentionPolicy, cmd.timeNs);
      // A policy that cannot get a group now (no live DATA node) is skipped; writes will ask again.
      if (result.ok && changed) created.push(result.value);
    }
    return done(created, created.length > 0);
  }

  private deleteShardGroup(cmd: CommandOf<'delete-shard-group'>): Outcome<null> {
    const found = this.policyFor(cmd.database, cmd.retentionPolicy);
    if ('code' in found) return rejectedWith(found);
    const i = found.groups.findIndex((g) => g.id === cmd.id);
    if (i < 0) return rejectedWith(errors.shardGroupNotFound());
    const g = found.groups[i]!;
    if (g.deletedAtNs !== null) return done(null, false);
    found.groups[i] = { ...g, deletedAtNs: cmd.nowNs };
    return done(null, true);
  }

  private dropShard(cmd: CommandOf<'drop-shard'>): Outcome<null> {
    for (const d of this.dbs.values()) {
      for (const p of d.policies.values()) {
        for (let i = 0; i < p.groups.length; i++) {
          const g = p.groups[i]!;
          if (!g.shards.some((s) => s.id === cmd.id)) continue;
          const shards = g.shards.filter((s) => s.id !== cmd.id);
          // As InfluxDB: a group left without shards is deleted with its last one.
          const deletedAtNs = shards.length === 0 && g.deletedAtNs === null ? cmd.nowNs : g.deletedAtNs;
          p.groups[i] = { ...g, shards, deletedAtNs };
          return done(null, true);
        }
      }
    }
    return done(null, false);
  }

  private truncateShardGroups(timeNs: bigint): Outcome<null> {
    let changed = false;
    for (const d of this.dbs.values()) {
      for (const p of d.policies.values()) {
        for (let i = 0; i < p.groups.length; i++) {
          const g = p.groups[i]!;
          // As InfluxDB's TruncateShardGroups: groups ending by then, deleted ones and ones
          // truncated earlier are left alone; a group not yet started is truncated at its start.
          if (timeNs >= g.endNs || g.deletedAtNs !== null || (g.truncatedAtNs !== null && g.truncatedAtNs < timeNs)) continue;
          const at = timeNs <= g.startNs ? g.startNs : timeNs;
          if (g.truncatedAtNs === at) continue;
          p.groups[i] = { ...g, truncatedAtNs: at };
          changed = true;
        }
      }
    }
    return done(null, changed);
  }

  private pruneShardGroups(beforeNs: bigint): Outcome<null> {
    let changed = false;
    for (const d of this.dbs.values()) {
      for (const p of d.policies.values()) {
        const kept = p.groups.filter((g) => g.deletedAtNs === null || g.deletedAtNs >= beforeNs);
        if (kept.length !== p.groups.length) {
          p.groups = kept;
          changed = true;
        }
      }
    }
    return done(null, changed);
  }

  // ---- schema ----

  private addFields(db: string, measurement: string, fields: ReadonlyArray<readonly [string, FieldType]>): Outcome<null> {
    const d = this.dbs.get(db);
    if (d === undefined) return rejectedWith(errors.databaseNotFound(db));
    const existing = d.measurements.get(measurement);
    // Check every field before recording any, so a conflict leaves the schema untouched.
    const fresh = new Map<string, FieldType>();
    for (const [name, type] of fields) {
      const had = existing?.get(name) ?? fresh.get(name);
      if (had !== undefined && had !== type) {
        return rejectedWith(errors.fieldTypeConflict(measurement, name, FIELD_TYPE_NAMES[type]!, FIELD_TYPE_NAMES[had]!));
      }
      if (had === undefined) fresh.set(name, type);
    }
    if (fresh.size === 0) return done(null, false);
    let m = existing;
    if (m === undefined) {
      m = new Map();
      d.measurements.set(measurement, m);
    }
    for (const [name, type] of fresh) m.set(name, type);
    return done(null, true);
  }

  private dropMeasurementFields(db: string, measurement: string): Outcome<null> {
    const d = this.dbs.get(db);
    if (d === undefined) return rejectedWith(errors.databaseNotFound(db));
    return done(null, d.measurements.delete(measurement));
  }

  // ---- users ----

  private createUser(cmd: CommandOf<'create-user'>): Outcome<UserInfo> {
    if (cmd.name === '') return rejectedWith(errors.usernameRequired());
    const existing = this.userMap.get(cmd.name);
    if (existing !== undefined) {
      // The same hash and admin flag is a retry; anything else is another user by that name.
      if (existing.hash === cmd.hash && existing.admin === cmd.admin) return done(existing, false);
      return rejectedWith(errors.userExists());
    }
    const user: UserInfo = { name: cmd.name, hash: cmd.hash, admin: cmd.admin, privileges: new Map() };
    this.userMap.set(user.name, user);
    return done(user, true);
  }

  private dropUser(name: string): Outcome<null> {
    if (!this.userMap.delete(name)) return rejectedWith(errors.userNotFound());
    return done(null, true);
  }

  private setPasswordHash(name: string, hash: string): Outcome<null> {
    const u = this.userMap.get(name);
    if (u === undefined) return rejectedWith(errors.userNotFound());
    if (u.hash === hash) return done(null, false);
    this.userMap.set(name, { ...u, hash });
    return done(null, true);
  }

  private setPrivilege(username: string, db: string, next: (had: Privilege) => Privilege): Outcome<null> {
    const u = this.userMap.get(username);
    if (u === undefined) return rejectedWith(errors.userNotFound());
    if (!this.dbs.has(db)) return rejectedWith(errors.databaseNotFound(db));
    const had = u.privileges.get(db);
    const p = next(had ?? 'none');
    if (had === p) return done(null, false);
    const privileges = new Map(u.privileges);
    privileges.set(db, p);
    this.userMap.set(username, { ...u, privileges });
    return done(null, true);
  }

  private setAdmin(username: string, admin: boolean): Outcome<null> {
    const u = this.userMap.get(username);
    if (u === undefined) return rejectedWith(errors.userNotFound());
    if (u.admin === admin) return done(null, false);
    this.userMap.set(username, { ...u, admin });
    return done(null, true);
  }

  // ---- internals ----

  /** The policy a shard-group command names (empty name: the default), or why there is none. */
  private policyFor(db: string, rp: string): PolicyState | MetaError {
    const d = this.dbs.get(db);
    if (d === undefined) return errors.databaseNotFound(db);
    const name = rp === '' ? d.defaultRetentionPolicy : rp;
    return d.policies.get(name) ?? errors.retentionPolicyNotFound(db, name);
  }

  private collectGroups(db: string | undefined, rp: string | undefined, keep: (g: MetaShardGroupInfo) => boolean): MetaShardGroupInfo[] {
    const out: MetaShardGroupInfo[] = [];
    for (const d of this.dbs.values()) {
      if (db !== undefined && d.name !== db) continue;
      for (const [name, p] of d.policies) {
        if (rp !== undefined && name !== rp) continue;
        for (const g of p.groups) if (keep(g)) out.push(g);
      }
    }
    // Groups of one policy are already in order; across policies they are merged by start, id.
    if (db === undefined || rp === undefined) out.sort(compareGroups);
    return out;
  }

  // ---- snapshot support ----

  /** The whole state as plain data in its fixed order (shares the immutable records). */
  toData(): MetaStateData {
    return {
      nextNodeId: this.nextNodeId,
      nextShardGroupId: this.nextShardGroupId,
      nextShardId: this.nextShardId,
      metaNodes: this.metaNodes(),
      dataNodes: this.dataNodes(),
      databases: [...this.dbs.values()].map((d) => ({
        name: d.name,
        defaultRetentionPolicy: d.defaultRetentionPolicy,
        retentionPolicies: [...d.policies.values()].map((p) => ({ info: p.info, shardGroups: p.groups.slice() })),
        measurements: [...d.measurements].map(([name, f]) => ({ name, fields: [...f] })),
      })),
      users: this.users(),
    };
  }

  /** Rebuilds a state from `toData()` output; the result is indistinguishable from the original. */
  static fromData(data: MetaStateData): MetaState {
    const s = new MetaState();
    s.nextNodeId = data.nextNodeId;
    s.nextShardGroupId = data.nextShardGroupId;
    s.nextShardId = data.nextShardId;
    for (const n of data.metaNodes) s.metaNodeMap.set(n.id, n);
    for (const n of data.dataNodes) s.dataNodeMap.set(n.id, n);
    for (const d of data.databases) {
      s.dbs.set(d.name, {
        name: d.name,
        defaultRetentionPolicy: d.defaultRetentionPolicy,
        policies: new Map(d.retentionPolicies.map((p) => [p.info.name, { info: p.info, groups: [...p.shardGroups].sort(compareGroups) }])),
        measurements: new Map(d.measurements.map((m) => [m.name, new Map(m.fields)])),
      });
    }
    for (const u of data.users) s.userMap.set(u.name, u);
    return s;
  }
}

function databaseInfo(d: DatabaseState): DatabaseInfo {
  return { name: d.name, defaultRetentionPolicy: d.defaultRetentionPolicy, retentionPolicies: [...d.policies.values()].map((p) => p.info) };
}

/** normalizeSpec's validation as a value: the policy, or InfluxDB's reason for refusing it. */
function normalize(spec: RetentionPolicySpec): RetentionPolicyInfo | MetaError {
  try {
    return normalizeSpec(spec);
  } catch (err) {
    return fromRuleError(err);
  }
}

function sameDefinition(a: RetentionPolicyInfo, b: RetentionPolicyInfo): boolean {
  return a.durationNs === b.durationNs && a.shardGroupDurationNs === b.shardGroupDurationNs && a.replicaN === b.replicaN;
}

function insertSorted(groups: MetaShardGroupInfo[], g: MetaShardGroupInfo): void {
  let i = groups.length;
  while (i > 0 && compareGroups(groups[i - 1]!, g) > 0) i--;
  groups.splice(i, 0, g);
}
