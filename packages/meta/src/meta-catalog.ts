// The `Catalog` of a DATA node, over its embedded one-node META group or a cluster's: reads are synchronous on the copy of the META state a
// Watch stream keeps current; mutations are META commands sent through the service, and resolve
// only once the copy reflects them (read-your-writes: what a mutation created can be read the
// moment its promise resolves). Refusals are the state machine's, turned into the same typed
// errors the single-node catalog throws, so the write path and the HTTP layer cannot tell the two
// catalogs apart.

import { FIELD_TYPE_NAMES, type FieldType } from '@shoal/lineproto';
import {
  DatabaseNameRequiredError,
  DatabaseNotFoundError,
  FieldTypeConflictError,
  InvalidRetentionPolicyError,
  RetentionPolicyExistsError,
  RetentionPolicyNotFoundError,
  ShoalError,
  type Catalog,
  type CatalogEvent,
  type DatabaseInfo,
  type RetentionPolicyInfo,
  type RetentionPolicySpec,
  type RetentionPolicyUpdate,
  type ShardGroupInfo,
} from '@shoal/tsdb';
import type { Logger } from 'pino';
import { MetaClient, type MetaClientOptions } from './client.js';
import type { CommandOf, CommandValues, MetaCommand, MetaCommandType } from './commands.js';
import type { MetaChange } from './state-machine.js';
import type { MetaState } from './state.js';
import type { MetaError, MetaErrorCode } from './types.js';
import type { MetaWatch, MetaWatchOptions } from './watch.js';

export interface MetaCatalogOptions {
  /** The client to use (not closed by the catalog), or options to build one the catalog owns. */
  readonly client: MetaClient | MetaClientOptions;
  readonly watch?: MetaWatchOptions;
  /** `open` waits this long for the first state (default 30 s). */
  readonly openTimeoutMs?: number;
  readonly logger?: Logger;
}

/** A refusal of the META state machine that has no storage-engine error class. */
export class MetaCommandError extends ShoalError {
  override name = 'MetaCommandError';
  constructor(
    readonly code: MetaErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const ALREADY_DURABLE: Promise<void> = Promise.resolve();

export class MetaCatalog implements Catalog {
  private readonly listeners = new Set<(event: CatalogEvent) => void>();
  private readonly unsubscribe: Array<() => void> = [];
  /** The read-index round of `catchUp` in flight, and the one queued behind it. */
  private catchingUp: Promise<void> | null = null;
  private catchUpNext: Promise<void> | null = null;
  private closed = false;

  private constructor(
    readonly client: MetaClient,
    readonly watch: MetaWatch,
    private readonly ownsClient: boolean,
    private readonly logger: Logger | undefined,
  ) {
    this.unsubscribe.push(watch.onChange((c) => this.onChangeRecord(c)));
    this.unsubscribe.push(watch.onReset((before, after) => this.onReset(before, after)));
  }

  /** Connects and resolves once the first copy of the state has arrived. */
  static async open(opts: MetaCatalogOptions): Promise<MetaCatalog> {
    const owns = !(opts.client instanceof MetaClient);
    const client = opts.client instanceof MetaClient ? opts.client : new MetaClient(opts.client);
    const watch = client.watch({ ...(opts.logger !== undefined ? { logger: opts.logger } : {}), ...opts.watch });
    try {
      await watch.ready(opts.openTimeoutMs);
    } catch (err) {
      watch.close();
      if (owns) client.close();
      throw err;
    }
    return new MetaCatalog(client, watch, owns, opts.logger);
  }

  /** The whole copy of the META state (nodes and users included), for what the Catalog does not cover. */
  get state(): MetaState {
    return this.watch.state;
  }

  // ---- reads: the copy ----

  databases(): readonly DatabaseInfo[] {
    return this.watch.state.databases();
  }

  database(name: string): DatabaseInfo | undefined {
    return this.watch.state.database(name);
  }

  retentionPolicy(db: string, rp?: string): RetentionPolicyInfo {
    return this.watch.state.retentionPolicy(db, rp);
  }

  shardGroups(db?: string, rp?: string): readonly ShardGroupInfo[] {
    return this.watch.state.shardGroups(db, rp);
  }

  shardGroupAt(db: string, rp: string, timeNs: bigint): ShardGroupInfo | undefined {
    return this.watch.state.shardGroupAt(db, rp, timeNs);
  }

  fieldType(db: string, measurement: string, field: string): FieldType | undefined {
    return this.watch.state.fieldType(db, measurement, field);
  }

  fields(db: string, measurement: string): ReadonlyMap<string, FieldType> {
    return this.watch.state.fields(db, measurement);
  }

  // ---- mutations: through the leader, visible here when they resolve ----

  async createDatabase(name: string, rp?: RetentionPolicySpec): Promise<DatabaseInfo> {
    return this.mutate({ type: 'create-database', name, retentionPolicy: rp ?? null });
  }

  async dropDatabase(name: string): Promise<void> {
    await this.mutate({ type: 'drop-database', name });
  }

  async createRetentionPolicy(db: string, spec: RetentionPolicySpec, makeDefault: boolean): Promise<RetentionPolicyInfo> {
    return this.mutate({ type: 'create-retention-policy', database: db, spec, makeDefault });
  }

  async updateRetentionPolicy(db: string, name: string, update: RetentionPolicyUpdate, makeDefault: boolean): Promise<void> {
    await this.mutate({ type: 'update-retention-policy', database: db, name, update, makeDefault });
  }

  async dropRetentionPolicy(db: string, name: string): Promise<void> {
    await this.mutate({ type: 'drop-retention-policy', database: db, name });
  }

  async createShardGroup(db: string, rp: string, timeNs: bigint): Promise<ShardGroupInfo> {
    // On the write path: a group the copy already has is committed, no round trip needed.
    const name = rp === '' ? this.watch.state.database(db)?.defaultRetentionPolicy : rp;
    const known = name === undefined ? undefined : this.watch.state.shardGroupAt(db, name, timeNs);
    if (known !== undefined) return known;
    return this.mutate({ type: 'create-shard-group', database: db, retentionPolicy: rp, timeNs });
  }

  async deleteShardGroup(db: string, rp: string, id: number): Promise<void> {
    try {
      await this.mutate({ type: 'delete-shard-group', database: db, retentionPolicy: rp, id, nowNs: BigInt(Date.now()) * 1_000_000n });
    } catch (err) {
      // As the single-node catalog: deleting what is not there (any more) is not an error.
      if (err instanceof DatabaseNotFoundError || err instanceof RetentionPolicyNotFoundError) return;
      if (err instanceof MetaCommandError && err.code === 'shard-group-not-found') return;
      throw err;
    }
  }

  async dropShard(id: number): Promise<void> {
    await this.mutate({ type: 'drop-shard', id, nowNs: BigInt(Date.now()) * 1_000_000n });
  }

  async addFields(db: string, measurement: string, fields: ReadonlyArray<readonly [string, FieldType]>): Promise<void> {
    // On the write path: fields the copy already has with these types need no round trip.
    const state = this.watch.state;
    if (state.database(db) !== undefined && fields.every(([f, t]) => state.fieldType(db, measurement, f) === t)) return;
    await this.mutate({ type: 'add-fields', database: db, measurement, fields });
  }

  async dropMeasurementFields(db: string, measurement: string): Promise<void> {
    await this.mutate({ type: 'drop-measurement-fields', database: db, measurement });
  }

  /**
   * The Catalog contract — resolves once every change this node can read is durable — holds here
   * without asking META: the copy is fed by Watch, which sends only applied entries, and Raft
   * applies only committed ones, i.e. written and fsynced on a quorum of META nodes. A mutation
   * resolves only once the copy reflects its committed index. So whatever the write path has
   * read is durable the moment it read it, and acknowledging a write costs no round trip to META.
   */
  sync(): Promise<void> {
    return ALREADY_DURABLE;
  }

  /**
   * A linearizable read point: resolves once the copy holds every change committed before this
   * call, made through any client (the leader's read index, then the stream catches up). The
   * write path needs it only before refusing a write over an unknown database or policy (never
   * to acknowledge one: see `sync`). Calls made
   * while one is in flight share the next round, not the current one (whose read point may
   * predate them).
   */
  catchUp(): Promise<void> {
    if (this.catchingUp === null) return this.startCatchUp();
    // The queued round starts its own read as soon as the current one ends; it must not queue
    // again behind a round someone else started meanwhile, or a steady stream of callers would
    // keep its waiters waiting forever.
    this.catchUpNext ??= this.catchingUp
      .catch(() => {})
      .then(() => {
        this.catchUpNext = null;
        return this.startCatchUp();
      });
    return this.catchUpNext;
  }

  private startCatchUp(): Promise<void> {
    const round: Promise<void> = this.catchUpOnce().finally(() => {
      if (this.catchingUp === round) this.catchingUp = null;
    });
    this.catchingUp = round;
    return round;
  }

  onChange(listener: (event: CatalogEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe) u();
    this.watch.close();
    if (this.ownsClient) this.client.close();
  }

  // ---- internals ----

  private async catchUpOnce(): Promise<void> {
    const index = await this.client.readIndex();
    await this.watch.waitFor(index);
  }

  private async mutate<T extends MetaCommandType>(cmd: CommandOf<T>): Promise<CommandValues[T]> {
    const out = await this.client.apply(cmd);
    // Refusals too: a conflict's winner is in the copy when the loser hears about it.
    await this.watch.waitFor(out.index);
    if (!out.result.ok) throw catalogError(cmd, out.result.error);
    return out.result.value;
  }

  private onChangeRecord(change: MetaChange): void {
    const cmd = change.command;
    switch (cmd.type) {
      case 'drop-database':
        this.emit({ kind: 'database-dropped', database: cmd.name });
        break;
      case 'drop-retention-policy':
        this.emit({ kind: 'retention-policy-dropped', database: cmd.database, retentionPolicy: cmd.name });
        break;
      case 'delete-shard-group': {
        const group = this.watch.state.shardGroup(cmd.id);
        if (group !== undefined) this.emit({ kind: 'shard-group-deleted', group });
        break;
      }
      case 'drop-shard':
        this.emit({ kind: 'shard-dropped', shardId: cmd.id });
        break;
      default:
        break;
    }
  }

  /** A snapshot replaced the copy: announce what disappeared between the two. */
  private onReset(before: MetaState, after: MetaState): void {
    for (const d of before.databases()) {
      const now = after.database(d.name);
      if (now === undefined) {
        this.emit({ kind: 'database-dropped', database: d.name });
        continue;
      }
      for (const p of d.retentionPolicies) {
        if (!now.retentionPolicies.some((q) => q.name === p.name)) this.emit({ kind: 'retention-policy-dropped', database: d.name, retentionPolicy: p.name });
      }
    }
    for (const g of before.shardGroups()) {
      const now = after.shardGroup(g.id);
      const policyGone = after.database(g.database)?.retentionPolicies.some((p) => p.name === g.retentionPolicy) !== true;
      if (!policyGone && (now === undefined || now.deletedAtNs !== null)) this.emit({ kind: 'shard-group-deleted', group: now ?? g });
      else if (now !== undefined) {
        for (const s of g.shards) if (!now.shards.some((t) => t.id === s.id)) this.emit({ kind: 'shard-dropped', shardId: s.id });
      }
    }
  }

  private emit(event: CatalogEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.logger?.error({ err, event: event.kind }, 'catalog listener failed');
      }
    }
  }
}

/** The storage engine's error for a refusal, as the single-node catalog would throw it. */
export function catalogError(cmd: MetaCommand, error: MetaError): Error {
  const db = 'database' in cmd ? cmd.database : 'name' in cmd ? cmd.name : '';
  switch (error.code) {
    case 'database-name-required':
      return new DatabaseNameRequiredError();
    case 'database-not-found':
      return new DatabaseNotFoundError(db);
    case 'retention-policy-not-found': {
      const prefix = 'retention policy not found: ';
      const rp = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : '';
      return new RetentionPolicyNotFoundError(db, rp);
    }
    case 'retention-policy-exists':
      return new RetentionPolicyExistsError(db, cmd.type === 'create-retention-policy' ? cmd.spec.name : '');
    case 'invalid-retention-policy':
    case 'retention-policy-conflict':
      return new InvalidRetentionPolicyError(error.message);
    case 'field-type-conflict':
      return cmd.type === 'add-fields' ? fieldTypeConflict(cmd, error.message) : new MetaCommandError(error.code, error.message);
    default:
      return new MetaCommandError(error.code, error.message);
  }
}

/**
 * Rebuilds the structured conflict from the command and the state machine's message: the message
 * is FieldTypeConflictError's own wording, so the one candidate that words it the same is it.
 */
function fieldTypeConflict(cmd: CommandOf<'add-fields'>, message: string): Error {
  for (const [field, type] of cmd.fields) {
    for (const existing of FIELD_TYPE_NAMES) {
      const candidate = new FieldTypeConflictError(cmd.measurement, field, FIELD_TYPE_NAMES[type]!, existing);
      if (candidate.message === message) return candidate;
    }
  }
  return new MetaCommandError('field-type-conflict', message);
}
