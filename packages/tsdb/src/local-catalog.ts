// A catalog kept in memory and, when given a directory, persisted as one JSON file replaced
// atomically (`<dir>/catalog.json`). DATA nodes keep their catalog in META (MetaCatalog); this one
// serves engine and executor tests, and reads the catalog.json that data directories written
// before that hold, which a DATA node imports into its META group (packages/data/src/
// catalog-import.ts). Validation follows InfluxDB 1.x's meta store; the META state machine uses the
// same rules (normalizeSpec). Concurrent mutations share file writes: each mutation is applied in
// memory at once and resolves when a write that started after it completes.

import fs from 'node:fs';
import path from 'node:path';
import { FIELD_TYPE_NAMES, INT64_MAX, type FieldType } from '@shoal/lineproto';
import type {
  Catalog,
  CatalogEvent,
  DatabaseInfo,
  RetentionPolicyInfo,
  RetentionPolicySpec,
  RetentionPolicyUpdate,
  ShardGroupInfo,
} from './catalog.js';
import { NS_PER_HOUR, defaultShardGroupDurationNs } from './catalog.js';
import { writeFileAtomic } from './durable-file.js';
import {
  DatabaseNameRequiredError,
  DatabaseNotFoundError,
  FieldTypeConflictError,
  InvalidRetentionPolicyError,
  RetentionPolicyExistsError,
  RetentionPolicyNotFoundError,
} from './errors.js';

export const DEFAULT_RETENTION_POLICY = 'autogen';
const CATALOG_FILE = 'catalog.json';
const FORMAT_VERSION = 1;
/** InfluxDB's shortest retention duration and shard-group duration. */
const MIN_DURATION_NS = NS_PER_HOUR;
/** Go's zero time (0001-01-01) is this many ns before the Unix epoch; InfluxDB aligns groups to it. */
const GO_ZERO_TIME_OFFSET_NS = 62_135_596_800n * 1_000_000_000n;

interface MutableDatabase {
  name: string;
  defaultRetentionPolicy: string;
  retentionPolicies: RetentionPolicyInfo[];
  /** measurement → field → type */
  measurements: Map<string, Map<string, FieldType>>;
}

export interface LocalCatalogOptions {
  readonly dir: string;
  /** The id of this node, owner of every shard it creates. */
  readonly nodeId?: number;
}

export class LocalCatalog implements Catalog {
  private readonly dbs = new Map<string, MutableDatabase>();
  private groups: ShardGroupInfo[] = [];
  private nextShardGroupId = 1;
  private nextShardId = 1;
  private readonly listeners = new Set<(e: CatalogEvent) => void>();
  private readonly file: string | undefined;
  private readonly nodeId: number;
  private persisting: Promise<void> | undefined;
  private dirty = false;

  private constructor(file: string | undefined, nodeId: number) {
    this.file = file;
    this.nodeId = nodeId;
  }

  static async open(opts: LocalCatalogOptions): Promise<LocalCatalog> {
    fs.mkdirSync(opts.dir, { recursive: true });
    const file = path.join(opts.dir, CATALOG_FILE);
    const catalog = new LocalCatalog(file, opts.nodeId ?? 1);
    if (fs.existsSync(file)) catalog.load(JSON.parse(fs.readFileSync(file, 'utf8')) as SerializedCatalog);
    return catalog;
  }

  /** A catalog that lives only in memory (tests, tools). */
  static inMemory(nodeId = 1): LocalCatalog {
    return new LocalCatalog(undefined, nodeId);
  }

  // ---- reads ----

  databases(): readonly DatabaseInfo[] {
    return [...this.dbs.values()].map(toInfo);
  }

  database(name: string): DatabaseInfo | undefined {
    const db = this.dbs.get(name);
    return db ? toInfo(db) : undefined;
  }

  retentionPolicy(db: string, rp?: string): RetentionPolicyInfo {
    const d = this.requireDb(db);
    const name = rp === undefined || rp === '' ? d.defaultRetentionPolicy : rp;
    const info = d.retentionPolicies.find((p) => p.name === name);
    if (!info) throw new RetentionPolicyNotFoundError(db, name);
    return info;
  }

  shardGroups(db?: string, rp?: string): readonly ShardGroupInfo[] {
    return this.groups.filter((g) => (db === undefined || g.database === db) && (rp === undefined || g.retentionPolicy === rp));
  }

  shardGroupAt(db: string, rp: string, timeNs: bigint): ShardGroupInfo | undefined {
    for (const g of this.groups) {
      if (g.database === db && g.retentionPolicy === rp && g.startNs <= timeNs && timeNs < g.endNs) return g;
    }
    return undefined;
  }

  fieldType(db: string, measurement: string, field: string): FieldType | undefined {
    return this.dbs.get(db)?.measurements.get(measurement)?.get(field);
  }

  fields(db: string, measurement: string): ReadonlyMap<string, FieldType> {
    const m = this.dbs.get(db)?.measurements.get(measurement);
    return new Map([...(m ?? new Map<string, FieldType>())].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  }

  /** Measurement names of a database with recorded fields, in name order. */
  measurements(db: string): string[] {
    return [...(this.dbs.get(db)?.measurements.keys() ?? [])].sort();
  }

  /** The ids the next shard group and shard will get (ids are never reused). */
  nextIds(): { readonly shardGroupId: number; readonly shardId: number } {
    return { shardGroupId: this.nextShardGroupId, shardId: this.nextShardId };
  }

  onChange(listener: (event: CatalogEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- mutations ----

  async createDatabase(name: string, rp?: RetentionPolicySpec): Promise<DatabaseInfo> {
    if (name === '') throw new DatabaseNameRequiredError();
    const spec = normalizeSpec(rp ?? { name: DEFAULT_RETENTION_POLICY });
    const existing = this.dbs.get(name);
    if (existing) {
      // InfluxDB: re-creating a database is fine unless its requested policy contradicts the existing one.
      if (rp) {
        const p = existing.retentionPolicies.find((x) => x.name === spec.name);
        if (!p || !sameSpec(p, spec) || existing.defaultRetentionPolicy !== spec.name) {
          throw new InvalidRetentionPolicyError('retention policy conflicts with an existing policy');
        }
      }
      return toInfo(existing);
    }
    const db: MutableDatabase = { name, defaultRetentionPolicy: spec.name, retentionPolicies: [spec], measurements: new Map() };
    this.dbs.set(name, db);
    await this.persist();
    return toInfo(db);
  }

  async dropDatabase(name: string): Promise<void> {
    if (!this.dbs.delete(name)) return;
    this.groups = this.groups.filter((g) => g.database !== name);
    await this.persist();
    this.emit({ kind: 'database-dropped', database: name });
  }

  async createRetentionPolicy(db: string, rp: RetentionPolicySpec, makeDefault: boolean): Promise<RetentionPolicyInfo> {
    const d = this.requireDb(db);
    const spec = normalizeSpec(rp);
    const existing = d.retentionPolicies.find((p) => p.name === spec.name);
    if (existing) {
      if (!sameSpec(existing, spec) || (makeDefault && d.defaultRetentionPolicy !== spec.name)) {
        throw new RetentionPolicyExistsError(db, spec.name);
      }
      return existing;
    }
    d.retentionPolicies.push(spec);
    if (makeDefault || d.defaultRetentionPolicy === '') d.defaultRetentionPolicy = spec.name;
    await this.persist();
    return spec;
  }

  async updateRetentionPolicy(db: string, name: string, update: RetentionPolicyUpdate, makeDefault: boolean): Promise<void> {
    const d = this.requireDb(db);
    const i = d.retentionPolicies.findIndex((p) => p.name === name);
    if (i < 0) throw new RetentionPolicyNotFoundError(db, name);
    const old = d.retentionPolicies[i]!;
    const durationNs = update.durationNs ?? old.durationNs;
    const next = normalizeSpec({
      name,
      durationNs,
      shardGroupDurationNs: update.shardGroupDurationNs ?? old.shardGroupDurationNs,
      replicaN: update.replicaN ?? old.replicaN,
    });
    d.retentionPolicies[i] = next;
    if (makeDefault) d.defaultRetentionPolicy = name;
    await this.persist();
  }

  async dropRetentionPolicy(db: string, name: string): Promise<void> {
    const d = this.requireDb(db);
    const i = d.retentionPolicies.findIndex((p) => p.name === name);
    if (i < 0) return;
    d.retentionPolicies.splice(i, 1);
    if (d.defaultRetentionPolicy === name) d.defaultRetentionPolicy = '';
    this.groups = this.groups.filter((g) => !(g.database === db && g.retentionPolicy === name));
    await this.persist();
    this.emit({ kind: 'retention-policy-dropped', database: db, retentionPolicy: name });
  }

  async createShardGroup(db: string, rp: string, timeNs: bigint): Promise<ShardGroupInfo> {
    const policy = this.retentionPolicy(db, rp);
    const existing = this.shardGroupAt(db, policy.name, timeNs);
    if (existing) return existing;
    const startNs = alignToGoZeroTime(timeNs, policy.shardGroupDurationNs);
    let endNs = startNs + policy.shardGroupDurationNs;
    if (endNs > INT64_MAX) endNs = INT64_MAX;
    const group: ShardGroupInfo = {
      id: this.nextShardGroupId++,
      database: db,
      retentionPolicy: policy.name,
      startNs,
      endNs,
      shards: [{ id: this.nextShardId++, owners: [this.nodeId] }],
    };
    this.groups.push(group);
    this.groups.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : a.id - b.id));
    await this.persist();
    return group;
  }

  async deleteShardGroup(db: string, rp: string, id: number): Promise<void> {
    const group = this.groups.find((g) => g.id === id && g.database === db && g.retentionPolicy === rp);
    if (!group) return;
    this.groups = this.groups.filter((g) => g !== group);
    await this.persist();
    this.emit({ kind: 'shard-group-deleted', group });
  }

  async dropShard(id: number): Promise<void> {
    const i = this.groups.findIndex((g) => g.shards.some((s) => s.id === id));
    if (i < 0) return;
    const group = this.groups[i]!;
    const shards = group.shards.filter((s) => s.id !== id);
    if (shards.length > 0) this.groups[i] = { ...group, shards };
    else this.groups.splice(i, 1);
    await this.persist();
    this.emit({ kind: 'shard-dropped', shardId: id });
  }

  async addFields(db: string, measurement: string, fields: ReadonlyArray<readonly [string, FieldType]>): Promise<void> {
    const d = this.requireDb(db);
    const existing = d.measurements.get(measurement);
    // Check every field before recording any, so a conflict leaves the schema untouched.
    const seen = new Map<string, FieldType>();
    for (const [name, type] of fields) {
      const had = existing?.get(name) ?? seen.get(name);
      if (had !== undefined && had !== type) {
        throw new FieldTypeConflictError(measurement, name, FIELD_TYPE_NAMES[type]!, FIELD_TYPE_NAMES[had]!);
      }
      seen.set(name, type);
    }
    let m = existing;
    let added = false;
    for (const [name, type] of seen) {
      if (m?.has(name)) continue;
      if (!m) {
        m = new Map();
        d.measurements.set(measurement, m);
      }
      m.set(name, type);
      added = true;
    }
    if (added) await this.persist();
  }

  async dropMeasurementFields(db: string, measurement: string): Promise<void> {
    if (this.requireDb(db).measurements.delete(measurement)) await this.persist();
  }

  async sync(): Promise<void> {
    while (this.persisting || this.dirty) {
      if (this.persisting) await this.persisting;
      else await this.persist();
    }
  }

  /** Every change goes through this object, so its reads are never behind. */
  catchUp(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.sync();
  }

  // ---- internals ----

  private requireDb(name: string): MutableDatabase {
    const d = this.dbs.get(name);
    if (!d) throw new DatabaseNotFoundError(name);
    return d;
  }

  private emit(e: CatalogEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Resolves once the state as of this call is on disk; writes overlapping calls once. */
  private async persist(): Promise<void> {
    if (!this.file) return;
    this.dirty = true;
    while (this.persisting) await this.persisting;
    if (!this.dirty) return;
    const file = this.file;
    this.persisting = new Promise<void>((resolve, reject) => {
      // Off the current tick so that mutations made meanwhile join this write.
      setImmediate(() => {
        try {
          this.dirty = false;
          writeFileAtomic(file, JSON.stringify(this.serialize()));
          resolve();
        } catch (err) {
          reject(err as Error);
        }
      });
    }).finally(() => {
      this.persisting = undefined;
    });
    return this.persisting;
  }

  private serialize(): SerializedCatalog {
    return {
      version: FORMAT_VERSION,
      nextShardGroupId: this.nextShardGroupId,
      nextShardId: this.nextShardId,
      databases: [...this.dbs.values()].map((d) => ({
        name: d.name,
        defaultRetentionPolicy: d.defaultRetentionPolicy,
        retentionPolicies: d.retentionPolicies.map((p) => ({
          name: p.name,
          durationNs: p.durationNs.toString(),
          shardGroupDurationNs: p.shardGroupDurationNs.toString(),
          replicaN: p.replicaN,
        })),
        measurements: [...d.measurements].map(([m, f]) => ({ name: m, fields: [...f].map(([k, t]) => [k, FIELD_TYPE_NAMES[t]!] as [string, string]) })),
      })),
      shardGroups: this.groups.map((g) => ({
        id: g.id,
        database: g.database,
        retentionPolicy: g.retentionPolicy,
        startNs: g.startNs.toString(),
        endNs: g.endNs.toString(),
        shards: g.shards.map((s) => ({ id: s.id, owners: [...s.owners] })),
      })),
    };
  }

  private load(s: SerializedCatalog): void {
    if (s.version !== FORMAT_VERSION) throw new Error(`unsupported catalog format version ${s.version}`);
    this.nextShardGroupId = s.nextShardGroupId;
    this.nextShardId = s.nextShardId;
    for (const d of s.databases) {
      this.dbs.set(d.name, {
        name: d.name,
        defaultRetentionPolicy: d.defaultRetentionPolicy,
        retentionPolicies: d.retentionPolicies.map((p) => ({
          name: p.name,
          durationNs: BigInt(p.durationNs),
          shardGroupDurationNs: BigInt(p.shardGroupDurationNs),
          replicaN: p.replicaN,
        })),
        measurements: new Map(d.measurements.map((m) => [m.name, new Map(m.fields.map(([k, t]) => [k, FIELD_TYPE_NAMES.indexOf(t) as FieldType]))])),
      });
    }
    this.groups = s.shardGroups.map((g) => ({
      id: g.id,
      database: g.database,
      retentionPolicy: g.retentionPolicy,
      startNs: BigInt(g.startNs),
      endNs: BigInt(g.endNs),
      shards: g.shards,
    }));
  }
}

interface SerializedCatalog {
  version: number;
  nextShardGroupId: number;
  nextShardId: number;
  databases: Array<{
    name: string;
    defaultRetentionPolicy: string;
    retentionPolicies: Array<{ name: string; durationNs: string; shardGroupDurationNs: string; replicaN: number }>;
    measurements: Array<{ name: string; fields: Array<[string, string]> }>;
  }>;
  shardGroups: Array<{ id: number; database: string; retentionPolicy: string; startNs: string; endNs: string; shards: Array<{ id: number; owners: number[] }> }>;
}

function toInfo(d: MutableDatabase): DatabaseInfo {
  return { name: d.name, defaultRetentionPolicy: d.defaultRetentionPolicy, retentionPolicies: d.retentionPolicies.slice() };
}

/** Applies InfluxDB's defaults and validation to a policy definition. */
export function normalizeSpec(spec: RetentionPolicySpec): RetentionPolicyInfo {
  if (spec.name === '') throw new InvalidRetentionPolicyError('retention policy name required');
  const durationNs = spec.durationNs ?? 0n;
  if (durationNs < 0n) throw new InvalidRetentionPolicyError('retention policy duration must be at least 1h0m0s');
  if (durationNs !== 0n && durationNs < MIN_DURATION_NS) throw new InvalidRetentionPolicyError('retention policy duration must be at least 1h0m0s');
  let shardGroupDurationNs = spec.shardGroupDurationNs ?? 0n;
  if (shardGroupDurationNs < 0n) throw new InvalidRetentionPolicyError('shard group duration must be positive');
  if (shardGroupDurationNs === 0n) shardGroupDurationNs = defaultShardGroupDurationNs(durationNs);
  else if (shardGroupDurationNs < MIN_DURATION_NS) shardGroupDurationNs = MIN_DURATION_NS;
  if (durationNs !== 0n && durationNs < shardGroupDurationNs) {
    throw new InvalidRetentionPolicyError('retention policy duration must be greater than the shard duration');
  }
  const replicaN = spec.replicaN ?? 1;
  if (!Number.isInteger(replicaN) || replicaN < 1) throw new InvalidRetentionPolicyError('replication factor must be greater than 0');
  return { name: spec.name, durationNs, shardGroupDurationNs, replicaN };
}

function sameSpec(a: RetentionPolicyInfo, b: RetentionPolicyInfo): boolean {
  return a.durationNs === b.durationNs && a.shardGroupDurationNs === b.shardGroupDurationNs && a.replicaN === b.replicaN;
}

/** Start of the shard group holding `t`, aligned as Go's time.Truncate does (from year 1). */
export function alignToGoZeroTime(t: bigint, durationNs: bigint): bigint {
  let r = (t + GO_ZERO_TIME_OFFSET_NS) % durationNs;
  if (r < 0n) r += durationNs;
  return t - r;
}
