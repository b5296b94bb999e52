// The MetaService handlers (proto/meta.proto) over one META node's RaftNode and state machine.
//
// - Apply: the command is checked by the decoder (a command that cannot be read is refused here
//   instead of costing a log entry), then handed to RaftNode.apply, which forwards it to the leader
//   when this node follows; the answer comes once the command is applied here, so a client that
//   then reads from this node reads its write.
// - ReadIndex and GetState: Raft's read index (confirmed by a quorum through the leader), then this
//   node's state.
// - Watch: the state (or the changes the subscriber lacks), then every committed change, coalesced
//   per turn of the event loop, and the applied index at least every keepalive. A subscriber that
//   cannot keep up gets a fresh snapshot instead of an ever-growing queue.
// - Heartbeat and membership changes run on the leader; another node answers UNAVAILABLE naming
//   the leader, and the client goes there.

import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import {
  LeadershipLostError,
  NodeClosedError,
  NotLeaderError,
  ProposalLostError,
  ProposalOutcomeUnknownError,
  ProposalRefusedError,
  RaftError,
  RaftTimeoutError,
  type RaftNode,
} from '@shoal/raft';
import { parseHostPort } from './addresses.js';
import { CommandDecodeError, decodeCommand, encodeCommand } from './commands.js';
import { UnknownDataNodeError, type LeaderDuties } from './leader-duties.js';
import { LEADER_METADATA_KEY, NOT_APPLIED_METADATA_KEY, type WireChange, type WireLeader, type WireMember, type WireWatchEvent } from './proto.js';
import type { AppliedCommand, CommittedChange, ServedStateMachine } from './served-state-machine.js';
import { encodeValue } from './value-codec.js';

export interface MetaServiceOptions {
  readonly node: RaftNode<AppliedCommand>;
  readonly sm: ServedStateMachine;
  readonly duties: LeaderDuties;
  /** The MetaService address of a META node by Raft id ('' when unknown). */
  readonly addressOf: (raftId: string) => string;
  /** Notes the MetaService address of a member added through AddMember. */
  readonly rememberAddress: (raftId: string, address: string) => void;
  readonly logger: Logger;
  /** A Watch subscriber hears from us at least this often (its idle timeout is a few of these). */
  readonly watchKeepaliveMs?: number;
  /** Changes queued for one slow subscriber beyond this are replaced by a snapshot. */
  readonly watchQueueBytesMax?: number;
  readonly watchersMax?: number;
}

export const DEFAULT_WATCH_KEEPALIVE_MS = 1000;
const DEFAULT_WATCH_QUEUE_BYTES_MAX = 16 << 20;
const DEFAULT_WATCHERS_MAX = 1024;

interface Watcher {
  readonly call: grpc.ServerWritableStream<{ fromIndex: string }, WireWatchEvent>;
  queue: WireChange[];
  queuedBytes: number;
  needSnapshot: boolean;
  flushScheduled: boolean;
  congested: boolean;
  lastSentMs: number;
  closed: boolean;
}

type Handler<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

export class MetaServiceImpl {
  private readonly watchers = new Set<Watcher>();
  /** Unary calls being served, and who waits for there to be none (a stopping server). */
  private inFlight = 0;
  private drainWaiters: Array<() => void> = [];
  private readonly keepaliveMs: number;
  private readonly queueBytesMax: number;
  private readonly watchersMax: number;
  private readonly keepaliveTimer: NodeJS.Timeout;
  private readonly unlisten: () => void;
  /** The last snapshot encoded for subscribers, reused while the state has not moved. */
  private snapshotCache: { index: number; data: Uint8Array } | null = null;

  constructor(private readonly opts: MetaServiceOptions) {
    this.keepaliveMs = opts.watchKeepaliveMs ?? DEFAULT_WATCH_KEEPALIVE_MS;
    this.queueBytesMax = opts.watchQueueBytesMax ?? DEFAULT_WATCH_QUEUE_BYTES_MAX;
    this.watchersMax = opts.watchersMax ?? DEFAULT_WATCHERS_MAX;
    this.unlisten = opts.sm.listen({
      applied: (index, change) => this.onApplied(index, change),
      restored: () => this.onRestored(),
    });
    this.keepaliveTimer = setInterval(() => this.keepalive(), Math.max(10, Math.floor(this.keepaliveMs / 2)));
    this.keepaliveTimer.unref();
  }

  /** The handlers to pass to `grpc.Server.addService`. */
  handlers(): grpc.UntypedServiceImplementation {
    return {
      apply: this.apply,
      readIndex: this.readIndex,
      getState: this.getState,
      watch: (call: grpc.ServerWritableStream<{ fromIndex: string }, WireWatchEvent>) => this.watch(call),
      heartbeat: this.heartbeat,
      status: this.status,
      addMember: this.addMember,
      removeMember: this.removeMember,
      transferLeadership: this.transferLeadership,
    };
  }

  /** Ends every Watch stream (the server is going away; subscribers reconnect elsewhere). */
  close(): void {
    clearInterval(this.keepaliveTimer);
    this.unlisten();
    for (const w of this.watchers) this.endWatcher(w, { code: grpc.status.UNAVAILABLE, details: 'meta node shutting down' });
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Resolves once no unary call is being served, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.drainWaiters.push(done);
    });
  }

  // ---- unary calls ----

  private readonly apply: Handler<{ command: Buffer }, object> = (call, cb) => {
    const bytes = call.request.command;
    try {
      decodeCommand(bytes);
    } catch (err) {
      if (err instanceof CommandDecodeError) return cb({ code: grpc.status.INVALID_ARGUMENT, details: err.message });
      return cb(this.toStatus(err));
    }
    this.run(cb, async () => {
      const applied = await this.opts.node.apply(bytes);
      if (applied === undefined) throw new Error('the state machine returned no result');
      const r = applied.result;
      return {
        index: applied.index,
        term: applied.term,
        ok: r.ok,
        errorCode: r.ok ? '' : r.error.code,
        errorMessage: r.ok ? '' : r.error.message,
        value: r.ok ? encodeValue(r.value) : new Uint8Array(0),
        leader: this.leaderHint(),
      };
    });
  };

  private readonly readIndex: Handler<object, object> = (_call, cb) => {
    this.run(cb, async () => {
      await this.opts.node.readIndex();
      return { index: this.opts.sm.appliedIndex, leader: this.leaderHint() };
    });
  };

  private readonly getState: Handler<{ linearizable: boolean }, object> = (call, cb) => {
    this.run(cb, async () => {
      if (call.request.linearizable) await this.opts.node.readIndex();
      return { index: this.opts.sm.appliedIndex, snapshot: this.snapshotBytes(), leader: this.leaderHint() };
    });
  };

  private readonly heartbeat: Handler<{ nodeId: string }, object> = (call, cb) => {
    this.run(cb, async () => {
      this.requireLeader();
      await this.opts.duties.recordHeartbeat(Number(call.request.nodeId));
      return {};
    });
  };

  private readonly status: Handler<object, object> = (_call, cb) => {
    this.run(cb, async () => {
      const m = this.opts.node.metrics();
      return {
        id: m.id,
        role: m.role,
        term: m.term,
        leader: this.leaderHint(),
        commitIndex: m.commitIndex,
        raftAppliedIndex: m.appliedIndex,
        appliedIndex: this.opts.sm.appliedIndex,
        lastIndex: m.lastIndex,
        snapshotIndex: m.snapshotIndex,
        members: this.members(),
      };
    });
  };

  private readonly addMember: Handler<{ id: string; address: string }, object> = (call, cb) => {
    this.run(cb, async () => {
      const { id, address } = call.request;
      if (id === '') throw new BadRequestError('member id required');
      parseHostPort(address);
      // A node serves Raft on its MetaService port.
      const raftAddress = address;
      this.requireLeader();
      const node = this.opts.node;
      this.opts.rememberAddress(id, address);
      if (!node.confState().voters.includes(id)) {
        if (!node.confState().learners.includes(id)) {
          this.opts.logger.info({ memberId: id, address, raftAddress }, 'adding meta node as a learner');
          await node.addLearner(id, raftAddress);
        }
        this.opts.logger.info({ memberId: id }, 'promoting meta node once it has caught up');
        await node.promote(id);
      }
      return { leader: this.leaderHint(), members: this.members() };
    });
  };

  private readonly removeMember: Handler<{ id: string }, object> = (call, cb) => {
    this.run(cb, async () => {
      const id = call.request.id;
      this.requireLeader();
      const conf = this.opts.node.confState();
      if (conf.voters.includes(id) || conf.learners.includes(id)) {
        this.opts.logger.info({ memberId: id }, 'removing meta node');
        await this.opts.node.removeServer(id);
      }
      // Its record stays, marked so that clients stop sending to it.
      const record = this.opts.sm.meta.state.metaNodes().find((n) => n.raftId === id);
      if (record !== undefined && record.status !== 'decommissioned') {
        await this.opts.node.apply(encodeCommand({ type: 'set-node-status', nodeId: record.id, status: 'decommissioned' }));
      }
      return { leader: this.leaderHint(), members: this.members() };
    });
  };

  private readonly transferLeadership: Handler<{ target: string }, object> = (call, cb) => {
    this.run(cb, async () => {
      this.requireLeader();
      const to = await this.opts.node.transferLeadership(call.request.target === '' ? undefined : call.request.target);
      this.opts.logger.info({ leaderId: to }, 'leadership transferred');
      return { leader: this.leaderHint(), members: this.members() };
    });
  };

  private run(cb: grpc.sendUnaryData<object>, f: () => Promise<object>): void {
    this.inFlight++;
    f()
      .then(
        (res) => cb(null, res),
        (err: unknown) => cb(this.toStatus(err)),
      )
      .finally(() => {
        if (--this.inFlight > 0) return;
        const waiters = this.drainWaiters;
        this.drainWaiters = [];
        for (const w of waiters) w();
      });
  }

  // ---- Watch ----

  private watch(call: grpc.ServerWritableStream<{ fromIndex: string }, WireWatchEvent>): void {
    if (this.watchers.size >= this.watchersMax) {
      call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: `more than ${this.watchersMax} watchers` });
      return;
    }
    const fromIndex = Number(call.request.fromIndex);
    const w: Watcher = { call, queue: [], queuedBytes: 0, needSnapshot: false, flushScheduled: false, congested: false, lastSentMs: 0, closed: false };
    // What the subscriber lacks, computed in the same turn as registering it, so no change can
    // slip between the two (applies run on this thread).
    const missing = fromIndex > 0 ? this.opts.sm.meta.changesSince(fromIndex) : undefined;
    if (missing === undefined) w.needSnapshot = true;
    // Kept change records hold the decoded command; encoding it again gives an equivalent command.
    else for (const c of missing) this.enqueue(w, { index: c.index, term: c.term, command: encodeCommand(c.command) });
    this.watchers.add(w);
    const drop = (): void => {
      w.closed = true;
      this.watchers.delete(w);
    };
    call.on('cancelled', drop);
    call.on('error', drop);
    call.on('close', drop);
    this.flush(w);
  }

  private onApplied(index: number, change: CommittedChange | null): void {
    if (index !== this.snapshotCache?.index) this.snapshotCache = null;
    for (const w of this.watchers) {
      if (change !== null && !w.needSnapshot) this.enqueue(w, { index: change.index, term: change.term, command: change.command });
      this.scheduleFlush(w);
    }
  }

  private onRestored(): void {
    this.snapshotCache = null;
    for (const w of this.watchers) {
      w.needSnapshot = true;
      w.queue = [];
      w.queuedBytes = 0;
      this.scheduleFlush(w);
    }
  }

  private enqueue(w: Watcher, c: WireChange): void {
    w.queue.push(c);
    w.queuedBytes += c.command.length + 32;
    if (w.queuedBytes > this.queueBytesMax) {
      // A snapshot at flush time covers every queued change in bounded memory.
      w.needSnapshot = true;
      w.queue = [];
      w.queuedBytes = 0;
    }
  }

  private scheduleFlush(w: Watcher): void {
    if (w.flushScheduled || w.closed) return;
    w.flushScheduled = true;
    // Changes applied in the same turn go out as one message.
    setImmediate(() => {
      w.flushScheduled = false;
      this.flush(w);
    });
  }

  private flush(w: Watcher): void {
    if (w.closed || w.congested) return;
    const sm = this.opts.sm;
    const event: WireWatchEvent = {
      snapshot: w.needSnapshot ? { index: sm.appliedIndex, term: sm.appliedTerm, data: this.snapshotBytes() } : null,
      changes: w.needSnapshot ? [] : w.queue,
      appliedIndex: sm.appliedIndex,
      leader: this.leaderHint(),
    };
    w.needSnapshot = false;
    w.queue = [];
    w.queuedBytes = 0;
    w.lastSentMs = Date.now();
    if (!w.call.write(event)) {
      w.congested = true;
      w.call.once('drain', () => {
        w.congested = false;
        if (w.queue.length > 0 || w.needSnapshot) this.flush(w);
      });
    }
  }

  private keepalive(): void {
    const now = Date.now();
    for (const w of this.watchers) if (now - w.lastSentMs >= this.keepaliveMs) this.flush(w);
  }

  private endWatcher(w: Watcher, status: Partial<grpc.StatusObject>): void {
    if (w.closed) return;
    w.closed = true;
    this.watchers.delete(w);
    w.call.emit('error', status);
  }

  private snapshotBytes(): Uint8Array {
    const index = this.opts.sm.appliedIndex;
    if (this.snapshotCache?.index !== index) this.snapshotCache = { index, data: this.opts.sm.snapshot() };
    return this.snapshotCache.data;
  }

  // ---- helpers ----

  private leaderHint(): WireLeader {
    const id = this.opts.node.leader;
    return id === null ? { id: '', address: '' } : { id, address: this.opts.addressOf(id) };
  }

  private members(): WireMember[] {
    const conf = this.opts.node.confState();
    const raftAddresses = conf.addresses ?? {};
    const member = (id: string, voter: boolean): WireMember => ({ id, address: this.opts.addressOf(id), raftAddress: raftAddresses[id] ?? '', voter });
    return [...conf.voters.map((id) => member(id, true)), ...conf.learners.map((id) => member(id, false))];
  }

  private requireLeader(): void {
    if (this.opts.node.role !== 'leader' || !this.opts.duties.isLeading) throw new NotLeaderError(this.opts.node.leader);
  }

  private toStatus(err: unknown): Partial<grpc.StatusObject> {
    const message = err instanceof Error ? err.message : String(err);
    const withLeader = (code: grpc.status, notApplied: boolean): Partial<grpc.StatusObject> => {
      const metadata = new grpc.Metadata();
      const hint = this.leaderHint();
      if (hint.address !== '' && hint.id !== this.opts.node.id) metadata.set(LEADER_METADATA_KEY, hint.address);
      if (notApplied) metadata.set(NOT_APPLIED_METADATA_KEY, '1');
      return { code, details: message, metadata };
    };
    // Refused before or instead of entering the log: certainly not applied.
    if (err instanceof NotLeaderError || err instanceof LeadershipLostError || err instanceof ProposalRefusedError) return withLeader(grpc.status.UNAVAILABLE, true);
    if (err instanceof ProposalLostError) return withLeader(grpc.status.ABORTED, true);
    if (err instanceof NodeClosedError) return withLeader(grpc.status.UNAVAILABLE, false);
    if (err instanceof RaftTimeoutError || err instanceof ProposalOutcomeUnknownError) return withLeader(grpc.status.DEADLINE_EXCEEDED, false);
    if (err instanceof UnknownDataNodeError) return { code: grpc.status.NOT_FOUND, details: message };
    if (err instanceof BadRequestError || (err instanceof Error && err.name === 'AddressError')) return { code: grpc.status.INVALID_ARGUMENT, details: message };
    if (err instanceof RaftError) return withLeader(grpc.status.FAILED_PRECONDITION, false);
    this.opts.logger.error({ err }, 'meta service call failed');
    return { code: grpc.status.INTERNAL, details: message };
  }
}

class BadRequestError extends Error {
  override name = 'BadRequestError';
}
