// RaftNode: the driver that turns the pure core into a running server. Its loop takes each Ready
// and does, in this order: write the hard state, entries and any snapshot in one synced batch;
// send the messages (never before the state they depend on is durable); restore the snapshot and
// apply committed entries; advance. Around that loop it offers a Promise API: apply a command,
// barrier, linearizable reads, membership changes, leadership transfer, snapshots, events and
// metrics.

import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { RaftCore, bootstrapState, defaultRaftConfig } from './core/raft.js';
import type { ConfChange, ProposeOrForwardResult, RaftConfig } from './core/raft.js';
import type { ConfState, Entry, HardState, Message, NodeId, Ready, Role, SnapshotMeta } from './core/types.js';
import { decodeConf, entryBytes, readyHasWrites } from './core/types.js';
import {
  LeadershipLostError,
  NodeClosedError,
  NotLeaderError,
  ProposalLostError,
  ProposalOutcomeUnknownError,
  ProposalRefusedError,
  RaftError,
  RaftTimeoutError,
} from './errors.js';
import type { RaftStorage, SnapshotStore, StateMachine, StoredSnapshot, Transport } from './storage/interfaces.js';

export interface RaftNodeOptions<R> {
  readonly id: NodeId;
  readonly storage: RaftStorage;
  readonly snapshots: SnapshotStore;
  readonly transport: Transport;
  readonly stateMachine: StateMachine<R>;
  /** Founding voters, written only when the storage is empty. A joining node leaves it out. */
  readonly bootstrap?: {
    readonly voters: readonly NodeId[];
    readonly addresses?: Readonly<Record<NodeId, string>>;
    /**
     * The state machine's founding state (its snapshot format), e.g. data imported from elsewhere.
     * The group then starts from a snapshot at index 1 of term 1 — where a plain founding writes
     * its configuration entry — holding this state and the founding configuration; every founder
     * must be given the same bytes.
     */
    readonly state?: Uint8Array;
  };
  /** Milliseconds per tick; 0 means the caller ticks by hand (`tick()`), as tests do. */
  readonly tickMs?: number;
  /** Protocol settings in ticks (election timeout = electionTicks × tickMs). */
  readonly raft?: Partial<Omit<RaftConfig, 'id'>>;
  /** Take a snapshot once this many entries, or this many bytes, were applied since the last. */
  readonly snapshotEntries?: number;
  readonly snapshotBytes?: number;
  /** Entries kept below a snapshot so slightly lagging followers need no snapshot. */
  readonly trailingLogs?: number;
  /** Commands and reads fail with RaftTimeoutError after this long, measured in ticks × tickMs
   * (with hand ticks, one tick counts as one millisecond). */
  readonly operationTimeoutMs?: number;
}

export interface RaftMetrics {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly leader: NodeId | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly leaderChanges: number;
  readonly readyBatches: number;
  /** On the leader: entries each follower is behind the leader's last index. */
  readonly replicationLag: Readonly<Record<NodeId, number>>;
}

export interface RaftNodeEvents {
  leaderChange: [leader: NodeId | null, term: number];
  roleChange: [role: Role];
  error: [err: Error];
}

interface PendingProposal<R> {
  readonly term: number;
  readonly deadline: number;
  resolve(value: R | undefined): void;
  reject(err: Error): void;
}

interface PendingRead {
  readonly deadline: number;
  /** Known once the read index arrived; the read completes when applied reaches it. */
  index: number;
  resolve(): void;
  reject(err: Error): void;
}

interface Waiter {
  readonly pred: () => boolean;
  readonly deadline: number;
  readonly what: string;
  resolve(): void;
  reject(err: Error): void;
}

/** Applied results remembered for forwarded commands answered late (entries, not bytes). */
const RECENTLY_APPLIED_MAX = 1024;

const DEFAULTS = {
  tickMs: 100,
  snapshotEntries: 8192,
  snapshotBytes: 64 << 20,
  trailingLogs: 1024,
  operationTimeoutMs: 10_000,
};

export class RaftNode<R = unknown> extends EventEmitter<RaftNodeEvents> {
  readonly id: NodeId;
  private readonly core: RaftCore;
  private readonly storage: RaftStorage;
  private readonly snapshots: SnapshotStore;
  private readonly transport: Transport;
  private readonly sm: StateMachine<R>;
  private readonly tickMs: number;
  private readonly snapshotEntries: number;
  private readonly snapshotBytes: number;
  private readonly trailingLogs: number;
  private readonly timeoutMs: number;

  private readonly proposals = new Map<number, PendingProposal<R>>();
  /** Results of the last entries applied, for forwarded commands whose placement arrives late. */
  private readonly recentlyApplied = new Map<number, { term: number; result: R | undefined; failure: Error | null }>();
  /** Commands a follower forwarded to the leader, by forward id, until the leader places them. */
  private readonly forwards = new Map<number, Omit<PendingProposal<R>, 'term'>>();
  private readonly reads = new Map<number, PendingRead>();
  private readsWaitingApply: PendingRead[] = [];
  private waiters: Waiter[] = [];
  /** Read ids start at a random point so an answer meant for a previous run never matches. */
  private readSeq = randomInt(1, 2 ** 40);
  private ticker: NodeJS.Timeout | null = null;
  private wakeup: (() => void) | null = null;
  private wakePending = false;
  /** A wake-up of the idle loop is scheduled for the end of this event-loop turn. */
  private wakeScheduled = false;
  private loopDone: Promise<void> = Promise.resolve();
  private closed = false;
  private failure: Error | null = null;

  private applied = 0;
  /** The newest commit-index-only hard state, not yet written. */
  private unsavedHardState: HardState | null = null;
  private snapshotIndex = 0;
  private bytesSinceSnapshot = 0;
  private snapshotCache: StoredSnapshot | null = null;
  private snapshotRequests: { resolve(meta: SnapshotMeta): void; reject(err: Error): void }[] = [];
  private leaderChanges = 0;
  private readyBatches = 0;
  private lastLeader: NodeId | null = null;
  private lastRole: Role = 'follower';
  /** Virtual clock in ms, advanced by ticks, so deadlines work in hand-ticked tests too. */
  private nowMs = 0;

  private constructor(opts: RaftNodeOptions<R>, core: RaftCore, snapshot: StoredSnapshot | null) {
    super();
    this.id = opts.id;
    this.core = core;
    this.storage = opts.storage;
    this.snapshots = opts.snapshots;
    this.transport = opts.transport;
    this.sm = opts.stateMachine;
    this.tickMs = opts.tickMs ?? DEFAULTS.tickMs;
    this.snapshotEntries = opts.snapshotEntries ?? DEFAULTS.snapshotEntries;
    this.snapshotBytes = opts.snapshotBytes ?? DEFAULTS.snapshotBytes;
    this.trailingLogs = opts.trailingLogs ?? DEFAULTS.trailingLogs;
    this.timeoutMs = opts.operationTimeoutMs ?? DEFAULTS.operationTimeoutMs;
    this.snapshotCache = snapshot;
    this.snapshotIndex = snapshot?.meta.index ?? 0;
    this.applied = this.snapshotIndex;
  }

  /** Opens a node: loads (or bootstraps) its state, restores the state machine, starts the loop. */
  static async start<R>(opts: RaftNodeOptions<R>): Promise<RaftNode<R>> {
    let hardState = await opts.storage.getHardState();
    let snapshot = await opts.snapshots.latest();
    const boot = opts.bootstrap;
    if (hardState === null && snapshot === null && (await opts.storage.lastIndex()) === 0 && boot !== undefined) {
      const founding = bootstrapState(boot.voters, boot.addresses ?? {});
      if (boot.state === undefined) {
        await opts.storage.persist({ hardState: founding.hardState, entries: founding.entries, resetLog: true, sync: true });
      } else {
        // The snapshot goes first: a crash before the hard state is written leaves a node that
        // starts from the snapshot alone, which is still the founded group.
        const meta: SnapshotMeta = { index: 1, term: 1, conf: decodeConf(founding.entries[0]!.data) };
        await opts.snapshots.save(meta, boot.state);
        await opts.storage.persist({ hardState: founding.hardState, entries: [], resetLog: true, sync: true });
        snapshot = { meta, data: boot.state };
      }
      hardState = founding.hardState;
    }
    const first = await opts.storage.firstIndex();
    const last = await opts.storage.lastIndex();
    const entries = last === 0 ? [] : await opts.storage.getLogs(first, last);
    const config = defaultRaftConfig(opts.id, { randomSeed: randomInt(1, 2 ** 31), ...opts.raft });
    const core = new RaftCore(config, {
      hardState: hardState ?? { term: 0, vote: null, commit: 0 },
      snapshot: snapshot?.meta ?? null,
      entries,
    });
    if (snapshot !== null) await opts.stateMachine.restore(snapshot.data);
    const node = new RaftNode(opts, core, snapshot);
    node.updatePeers(core.confState());
    await opts.transport.start({
      onMessage: (m) => node.receive(m),
      onUnreachable: (id) => {
        node.core.reportUnreachable(id);
        node.wake();
      },
      onSnapshotStatus: (id, ok) => {
        node.core.reportSnapshot(id, ok);
        node.wake();
      },
    });
    // A sole voter needs nobody's vote: it campaigns now instead of after an election timeout, so
    // a one-node group serves from its first moment (a group cannot be split: no one else can win).
    const conf = core.confState();
    if (conf.voters.length === 1 && conf.voters[0] === opts.id) core.campaign();
    node.loopDone = node.loop();
    if (node.tickMs > 0) {
      node.ticker = setInterval(() => node.tick(), node.tickMs);
      node.ticker.unref?.();
    }
    return node;
  }

  // ---------------------------------------------------------------------------------------------
  // Public API

  /**
   * Replicates `command`; resolves with the state machine's result once it is applied on this
   * node. On a follower the command is forwarded to the leader (set `forward: false` to refuse
   * with NotLeaderError instead).
   */
  apply(command: Uint8Array, options: { forward?: boolean } = {}): Promise<R | undefined> {
    this.ensureOpen();
    return this.track(options.forward === false ? this.core.propose(command) : this.core.proposeOrForward(command));
  }

  /** Resolves once every command accepted before it has been applied on this (leader) node. */
  async barrier(): Promise<void> {
    this.ensureOpen();
    await this.track(this.core.propose(new Uint8Array(0)));
  }

  /**
   * Linearizable read point (§6.4): resolves once this node's state machine reflects every write
   * acknowledged before the call. Works on followers too (the leader confirms the index).
   */
  readIndex(): Promise<void> {
    this.ensureOpen();
    const ctx = ++this.readSeq;
    if (!this.core.readIndex(ctx)) return Promise.reject(new NotLeaderError(this.core.leader));
    return new Promise<void>((resolve, reject) => {
      this.reads.set(ctx, { deadline: this.nowMs + this.timeoutMs, index: 0, resolve, reject });
      this.wake();
    });
  }

  async addLearner(id: NodeId, address?: string): Promise<void> {
    await this.changeMembership(address === undefined ? { type: 'addLearner', id } : { type: 'addLearner', id, address });
  }

  /** Promotes a learner to voter once it has caught up with the leader's commit index. */
  async promote(id: NodeId): Promise<void> {
    this.ensureOpen();
    const target = this.core.status().commit;
    await this.waitFor(`learner ${id} catching up`, () => {
      const pr = this.core.status().progress.get(id);
      if (this.core.role !== 'leader') throw new NotLeaderError(this.core.leader);
      if (pr === undefined || !pr.learner) throw new RaftError(`${id} is not a learner`);
      return pr.match >= target;
    });
    await this.changeMembership({ type: 'promote', id });
  }

  async removeServer(id: NodeId): Promise<void> {
    await this.changeMembership({ type: 'remove', id });
  }

  /** Hands leadership to `target` (or the most caught-up voter) and resolves once it has moved. */
  async transferLeadership(target?: NodeId): Promise<NodeId> {
    this.ensureOpen();
    if (this.core.role !== 'leader') throw new NotLeaderError(this.core.leader);
    const status = this.core.status();
    let to = target;
    if (to === undefined) {
      let best = -1;
      for (const id of status.conf.voters) {
        const pr = status.progress.get(id);
        if (id !== this.id && pr !== undefined && pr.match > best) {
          best = pr.match;
          to = id;
        }
      }
    }
    if (to === undefined || !this.core.transferLeader(to)) throw new RaftError(`cannot transfer leadership to ${to ?? 'nobody'}`);
    this.wake();
    await this.waitFor(`leadership transfer to ${to}`, () => this.core.role !== 'leader' && this.core.leader !== null);
    return this.core.leader!;
  }

  /** Takes a snapshot now (normally automatic); resolves with its metadata. */
  snapshot(): Promise<SnapshotMeta> {
    this.ensureOpen();
    return new Promise((resolve, reject) => {
      this.snapshotRequests.push({ resolve, reject });
      this.wake();
    });
  }

  /** Advances time by one tick; called by the internal timer, or by hand when tickMs is 0. */
  tick(): void {
    if (this.closed) return;
    this.nowMs += this.tickMs > 0 ? this.tickMs : 1;
    this.core.tick();
    this.expireDeadlines();
    this.wake();
  }

  get role(): Role {
    return this.core.role;
  }

  get leader(): NodeId | null {
    return this.core.leader;
  }

  get term(): number {
    return this.core.term;
  }

  confState(): ConfState {
    return this.core.confState();
  }

  metrics(): RaftMetrics {
    const s = this.core.status();
    const lag: Record<NodeId, number> = {};
    if (s.role === 'leader') {
      for (const [id, pr] of s.progress) if (id !== this.id) lag[id] = s.lastIndex - pr.match;
    }
    return {
      id: this.id,
      role: s.role,
      term: s.term,
      leader: s.leader,
      commitIndex: s.commit,
      appliedIndex: this.applied,
      lastIndex: s.lastIndex,
      snapshotIndex: this.snapshotIndex,
      leaderChanges: this.leaderChanges,
      readyBatches: this.readyBatches,
      replicationLag: lag,
    };
  }

  /** Stops the node: pending operations fail with NodeClosedError; stores and transport close. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ticker !== null) clearInterval(this.ticker);
    this.wake();
    await this.loopDone;
    this.failAll(new NodeClosedError());
    if (this.unsavedHardState !== null && this.failure === null) {
      await this.storage.persist({ hardState: this.unsavedHardState, entries: [], resetLog: false, sync: true });
      this.unsavedHardState = null;
    }
    await this.transport.close();
    await this.storage.close();
  }

  // ---------------------------------------------------------------------------------------------
  // The loop

  private receive(m: Message): void {
    if (this.closed) return;
    this.core.step(m);
    this.wake();
  }

  private wake(): void {
    if (this.wakeup !== null) {
      // The idle loop starts at the end of this event-loop turn, not at once: proposals and
      // acknowledgements that arrive together in one turn (a burst of client requests read from
      // one socket) then go into one Ready and one fsync, instead of the first taking a Ready of
      // its own while the rest wait for its fsync.
      if (!this.wakeScheduled) {
        this.wakeScheduled = true;
        setImmediate(this.wakeNow);
      }
    } else {
      // The loop is busy: make sure it looks again before it sleeps.
      this.wakePending = true;
    }
  }

  private readonly wakeNow = (): void => {
    this.wakeScheduled = false;
    const w = this.wakeup;
    if (w !== null) {
      this.wakeup = null;
      w();
    }
  };

  private async loop(): Promise<void> {
    while (!this.closed) {
      try {
        if (this.core.hasReady()) {
          await this.handleReady(this.core.ready());
          await this.maybeSnapshot();
          continue;
        }
        // Nothing to do. A requested snapshot that cannot be taken yet is retried on the next
        // wake-up (every tick at the latest), never in a busy loop.
        if (this.snapshotRequests.length > 0) await this.maybeSnapshot();
        if (this.wakePending) {
          this.wakePending = false;
          continue;
        }
        if (!this.core.hasReady() && !this.closed) await new Promise<void>((resolve) => (this.wakeup = resolve));
      } catch (err) {
        // A store that cannot write leaves us unable to keep any promise: stop, loudly.
        this.failure = err instanceof Error ? err : new Error(String(err));
        this.closed = true;
        if (this.ticker !== null) clearInterval(this.ticker);
        this.failAll(this.failure);
        this.emit('error', this.failure);
        return;
      }
    }
  }

  private async handleReady(rd: Ready): Promise<void> {
    this.readyBatches++;
    if (rd.snapshot !== null) {
      // The snapshot file is saved before the log is reset, so a crash in between still finds
      // a snapshot covering everything the reset removes.
      await this.snapshots.save(rd.snapshot.meta, rd.snapshot.data);
      this.snapshotCache = { meta: rd.snapshot.meta, data: rd.snapshot.data };
    }
    for (const m of rd.earlyMessages) this.sendMessage(m);
    if (rd.earlyMessages.length > 0) this.transport.flush?.();
    if (readyHasWrites(rd)) {
      if (!rd.mustSync && rd.entries.length === 0 && rd.snapshot === null) {
        // Only the commit index moved. It need not be durable (a restarted node learns it again
        // from the leader), so it rides along with the next write instead of costing one now.
        this.unsavedHardState = rd.hardState;
      } else {
        const hardState = rd.hardState ?? this.unsavedHardState;
        this.unsavedHardState = null;
        await this.storage.persist({ hardState, entries: rd.entries, resetLog: rd.snapshot !== null, sync: rd.mustSync });
      }
    }
    if (rd.snapshot !== null) this.updatePeers(rd.snapshot.meta.conf);
    for (const m of rd.messages) this.sendMessage(m);
    if (rd.messages.length > 0) this.transport.flush?.();
    if (rd.snapshot !== null) {
      await this.sm.restore(rd.snapshot.data);
      this.applied = rd.snapshot.meta.index;
      this.snapshotIndex = rd.snapshot.meta.index;
      this.bytesSinceSnapshot = 0;
      // Commands whose entries the snapshot covers may or may not be in it.
      for (const [index, p] of this.proposals) {
        if (index > this.applied) continue;
        this.proposals.delete(index);
        p.reject(new ProposalOutcomeUnknownError(index));
      }
    }
    for (const f of rd.forwarded) {
      const p = this.forwards.get(f.id);
      if (p === undefined) continue;
      this.forwards.delete(f.id);
      if (f.index === 0) {
        p.reject(new NotLeaderError(this.core.leader));
      } else if (f.index <= this.applied) {
        // The entry overtook the leader's answer and is already applied here: settle it from
        // what was recorded then.
        const done = this.recentlyApplied.get(f.index);
        if (done === undefined) p.reject(new ProposalOutcomeUnknownError(f.index));
        else if (done.term !== f.term) p.reject(new ProposalLostError(f.index, f.term));
        else if (done.failure !== null) p.reject(done.failure);
        else p.resolve(done.result);
      } else {
        this.proposals.set(f.index, { term: f.term, deadline: p.deadline, resolve: p.resolve, reject: p.reject });
      }
    }
    for (const e of rd.committedEntries) await this.applyEntry(e);
    for (const rs of rd.readStates) {
      const r = this.reads.get(rs.context);
      if (r === undefined) continue;
      this.reads.delete(rs.context);
      r.index = rs.index;
      this.readsWaitingApply.push(r);
    }
    this.serveReads();
    if (rd.softState !== null) this.onSoftState(rd.softState.role, rd.softState.leader);
    this.core.advance(rd);
    this.checkWaiters();
  }

  private sendMessage(m: Message): void {
    let out = m;
    if (m.type === 'snap') {
      const snap = this.snapshotCache;
      if (snap === null || m.snapshot === null || snap.meta.index !== m.snapshot.index) {
        this.core.reportSnapshot(m.to, false);
        return;
      }
      out = { ...m, snapshotData: snap.data };
    }
    try {
      this.transport.send(out);
    } catch {
      this.core.reportUnreachable(m.to);
    }
  }

  private async applyEntry(e: Entry): Promise<void> {
    let result: R | undefined;
    let failure: Error | null = null;
    if (e.type === 'normal' && e.data.length > 0) {
      try {
        result = await this.sm.apply(e.data, e.index, e.term);
      } catch (err) {
        // The state machine's own error is the command's result; the log moves on.
        failure = err instanceof Error ? err : new Error(String(err));
      }
    } else if (e.type === 'conf') {
      this.updatePeers(decodeConf(e.data));
    }
    this.applied = e.index;
    this.bytesSinceSnapshot += entryBytes(e);
    if (this.forwards.size > 0 || this.recentlyApplied.size > 0) {
      this.recentlyApplied.set(e.index, { term: e.term, result, failure });
      if (this.recentlyApplied.size > RECENTLY_APPLIED_MAX) {
        this.recentlyApplied.delete(this.recentlyApplied.keys().next().value!);
      }
    }
    const p = this.proposals.get(e.index);
    if (p !== undefined) {
      this.proposals.delete(e.index);
      if (p.term !== e.term) p.reject(new ProposalLostError(e.index, p.term));
      else if (failure !== null) p.reject(failure);
      else p.resolve(result);
    }
    this.serveReads();
  }

  private serveReads(): void {
    if (this.readsWaitingApply.length === 0) return;
    const still: PendingRead[] = [];
    for (const r of this.readsWaitingApply) {
      if (r.index <= this.applied) r.resolve();
      else still.push(r);
    }
    this.readsWaitingApply = still;
  }

  private onSoftState(role: Role, leader: NodeId | null): void {
    if (leader !== this.lastLeader) {
      this.lastLeader = leader;
      if (leader !== null) this.leaderChanges++;
      this.emit('leaderChange', leader, this.core.term);
      // Reads not yet confirmed were queued with the old leader: they will never be answered.
      for (const r of this.reads.values()) r.reject(new LeadershipLostError());
      this.reads.clear();
    }
    if (role !== this.lastRole) {
      this.lastRole = role;
      this.emit('roleChange', role);
    }
  }

  private async maybeSnapshot(): Promise<void> {
    const requested = this.snapshotRequests.length > 0;
    const due = this.applied - this.snapshotIndex >= this.snapshotEntries || this.bytesSinceSnapshot >= this.snapshotBytes;
    if ((!requested && !due) || this.core.appliedIndex() !== this.applied) return;
    const requests = this.snapshotRequests;
    this.snapshotRequests = [];
    if (this.applied === this.snapshotIndex && this.snapshotCache !== null) {
      for (const r of requests) r.resolve(this.snapshotCache.meta);
      return;
    }
    const meta = this.core.snapshotMeta();
    if (meta === null) {
      // A leader's snapshot is being installed; ours would be stale. Try after it lands.
      this.snapshotRequests = requests;
      return;
    }
    const data = await this.sm.snapshot();
    await this.snapshots.save(meta, data);
    this.snapshotCache = { meta, data };
    this.snapshotIndex = meta.index;
    this.bytesSinceSnapshot = 0;
    const storedFirst = await this.storage.firstIndex();
    const first = this.core.compact(meta, meta.index - this.trailingLogs);
    if (storedFirst > 0 && first > storedFirst) await this.storage.deleteRange(storedFirst, first - 1);
    for (const r of requests) r.resolve(meta);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private track(r: ProposeOrForwardResult): Promise<R | undefined> {
    if (r.ok === false) {
      if (r.reason === 'notLeader') return Promise.reject(new NotLeaderError(r.leader));
      return Promise.reject(new ProposalRefusedError(r.reason));
    }
    return new Promise<R | undefined>((resolve, reject) => {
      const deadline = this.nowMs + this.timeoutMs;
      if (r.ok === 'forwarded') this.forwards.set(r.id, { deadline, resolve, reject });
      else this.proposals.set(r.index, { term: r.term, deadline, resolve, reject });
      this.wake();
    });
  }

  private async changeMembership(change: ConfChange): Promise<void> {
    this.ensureOpen();
    let r = this.core.proposeConfChange(change);
    if (!r.ok && r.reason === 'confChangePending') {
      // One change at a time, and a new leader first commits an entry of its own term: wait for
      // everything now in the log to be applied, then try once more.
      const last = this.core.status().lastIndex;
      await this.waitFor('the previous membership change', () => this.core.appliedIndex() >= last);
      r = this.core.proposeConfChange(change);
    }
    await this.track(r);
  }

  private waitFor(what: string, pred: () => boolean): Promise<void> {
    try {
      if (pred()) return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ pred, deadline: this.nowMs + this.timeoutMs, what, resolve, reject });
    });
  }

  private checkWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      try {
        if (w.pred()) w.resolve();
        else still.push(w);
      } catch (err) {
        w.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    this.waiters = still;
  }

  private expireDeadlines(): void {
    const now = this.nowMs;
    for (const [index, p] of this.proposals) {
      if (p.deadline > now) continue;
      this.proposals.delete(index);
      p.reject(new RaftTimeoutError(`command at index ${index}`, this.timeoutMs));
    }
    for (const [id, p] of this.forwards) {
      if (p.deadline > now) break; // ids grow with time
      this.forwards.delete(id);
      p.reject(new RaftTimeoutError('forwarded command', this.timeoutMs));
    }
    for (const [ctx, r] of this.reads) {
      if (r.deadline > now) break;
      this.reads.delete(ctx);
      r.reject(new RaftTimeoutError('read index', this.timeoutMs));
    }
    if (this.readsWaitingApply.length > 0) {
      const still: PendingRead[] = [];
      for (const r of this.readsWaitingApply) {
        if (r.deadline <= now) r.reject(new RaftTimeoutError('read index', this.timeoutMs));
        else still.push(r);
      }
      this.readsWaitingApply = still;
    }
    this.checkWaiters();
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.deadline <= now) w.reject(new RaftTimeoutError(w.what, this.timeoutMs));
      else still.push(w);
    }
    this.waiters = still;
  }

  private failAll(err: Error): void {
    for (const p of this.proposals.values()) p.reject(err);
    this.proposals.clear();
    for (const p of this.forwards.values()) p.reject(err);
    this.forwards.clear();
    for (const r of this.reads.values()) r.reject(err);
    this.reads.clear();
    for (const r of this.readsWaitingApply) r.reject(err);
    this.readsWaitingApply = [];
    for (const w of this.waiters) w.reject(err);
    this.waiters = [];
    for (const s of this.snapshotRequests) s.reject(err);
    this.snapshotRequests = [];
  }

  private updatePeers(conf: ConfState): void {
    const addresses = conf.addresses ?? {};
    for (const id of [...conf.voters, ...conf.learners]) {
      const addr = addresses[id];
      if (id !== this.id && addr !== undefined) this.transport.setPeer(id, addr);
    }
  }

  private ensureOpen(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new NodeClosedError();
  }
}
