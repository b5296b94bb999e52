// The client of the META service, for DATA nodes and the CLI. It is given a few META addresses,
// finds the leader from the hints every answer carries, and retries each call with capped,
// jittered exponential backoff until the call's deadline:
//
// - an answer naming another leader is followed at once;
// - a node that is down, cut off or without a leader is left for the next address;
// - each attempt has its own deadline (shorter than the call's), so one stuck node does not use
//   up the whole call.
//
// Commands are retried when their outcome is unknown. That is safe for META commands, which are
// written to be repeatable (create-if-absent, drop-if-present; docs/meta.md): the second
// application is a no-op that answers like the first. The exceptions a caller must know about:
// `drop-user` answers user-not-found when its first attempt did land.

import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { encodeCommand, type CommandOf, type CommandValues, type MetaCommandType } from './commands.js';
import { UnknownDataNodeError } from './leader-duties.js';
import { decodeSnapshot } from './snapshot.js';
import { MetaState } from './state.js';
import {
  CHANNEL_OPTIONS,
  LEADER_METADATA_KEY,
  NOT_APPLIED_METADATA_KEY,
  metaService,
  type MetaServiceStub,
  type WireApplyResponse,
  type WireGetStateResponse,
  type WireLeader,
  type WireMember,
  type WireMembershipResponse,
  type WireReadIndexResponse,
  type WireStatusResponse,
} from './proto.js';
import type { MetaResult } from './types.js';
import { decodeValue } from './value-codec.js';
import { MetaWatch, type MetaWatchOptions } from './watch.js';

export interface MetaClientOptions {
  /** MetaService addresses (`host:port`); more are learnt from the leader hints answers carry. */
  readonly addresses: readonly string[];
  /** One attempt on one node gives up after this long (default 3 s). */
  readonly attemptTimeoutMs?: number;
  /** A call, all its attempts included, gives up after this long (default 30 s). */
  readonly deadlineMs?: number;
  /** Backoff between attempts: doubles from min to max, with jitter (defaults 20 ms, 1 s). */
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  readonly logger?: Logger;
}

export interface CallOptions {
  /** Overrides the client's deadline for this call (ms from now). */
  readonly deadlineMs?: number;
}

/** A command's result and where in the log it was applied. */
export interface ApplyOutcome<T> {
  readonly index: number;
  readonly term: number;
  readonly result: MetaResult<T>;
}

export interface MetaMember {
  readonly id: string;
  /** MetaService address ('' when unknown). */
  readonly address: string;
  readonly raftAddress: string;
  readonly voter: boolean;
}

export interface MetaNodeStatus {
  readonly id: string;
  readonly role: string;
  readonly term: number;
  readonly leaderId: string | null;
  readonly leaderAddress: string | null;
  readonly commitIndex: number;
  readonly raftAppliedIndex: number;
  /** The META state's applied index (what ReadIndex and Watch report). */
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly members: readonly MetaMember[];
}

export interface MembershipInfo {
  readonly leaderId: string | null;
  readonly leaderAddress: string | null;
  readonly members: readonly MetaMember[];
}

/** No META node answered the call before its deadline. */
export class MetaUnavailableError extends Error {
  override name = 'MetaUnavailableError';
  constructor(
    readonly operation: string,
    /** The last node's error. */
    readonly lastError: string,
    /** A command may have been applied although no answer came back. */
    readonly outcomeUnknown: boolean,
  ) {
    super(`meta service unavailable: ${operation} failed: ${lastError}${outcomeUnknown ? ' (the command may have been applied)' : ''}`);
  }
}

/** The META service refused the request itself; retrying it will not help. */
export class MetaRequestError extends Error {
  override name = 'MetaRequestError';
  constructor(
    readonly operation: string,
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`${operation}: ${details}`);
  }
}

const DEFAULTS = { attemptTimeoutMs: 3000, deadlineMs: 30_000, backoffMinMs: 20, backoffMaxMs: 1000 };

/** Answers after which the call is retried (on this node after a hint, else on the next one). */
const RETRYABLE = new Set<grpc.status>([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.ABORTED,
  grpc.status.CANCELLED,
  grpc.status.UNKNOWN,
  grpc.status.INTERNAL,
  grpc.status.RESOURCE_EXHAUSTED,
]);

type Method = 'apply' | 'readIndex' | 'getState' | 'heartbeat' | 'status' | 'addMember' | 'removeMember' | 'transferLeadership';

export class MetaClient {
  private readonly addressList: string[];
  private readonly stubs = new Map<string, MetaServiceStub>();
  private leader: string | null = null;
  private cursor: number;
  private closed = false;
  private readonly attemptTimeoutMs: number;
  private readonly deadlineMs: number;
  private readonly backoffMinMs: number;
  private readonly backoffMaxMs: number;

  constructor(readonly opts: MetaClientOptions) {
    if (opts.addresses.length === 0) throw new Error('MetaClient needs at least one META address');
    this.addressList = [...new Set(opts.addresses)];
    // Clients spread over the nodes rather than all starting on the first one listed.
    this.cursor = Math.floor(Math.random() * this.addressList.length);
    this.attemptTimeoutMs = opts.attemptTimeoutMs ?? DEFAULTS.attemptTimeoutMs;
    this.deadlineMs = opts.deadlineMs ?? DEFAULTS.deadlineMs;
    this.backoffMinMs = opts.backoffMinMs ?? DEFAULTS.backoffMinMs;
    this.backoffMaxMs = opts.backoffMaxMs ?? DEFAULTS.backoffMaxMs;
  }

  /** The addresses known so far (configured ones first). */
  get addresses(): readonly string[] {
    return this.addressList;
  }

  /** The leader's MetaService address, as last heard. */
  get leaderAddress(): string | null {
    return this.leader;
  }

  /** Proposes a command; resolves with its result (a refusal is a result, not a throw) and index. */
  async apply<T extends MetaCommandType>(cmd: CommandOf<T>, opts: CallOptions = {}): Promise<ApplyOutcome<CommandValues[T]>> {
    const res = await this.call<WireApplyResponse>('apply', { command: encodeCommand(cmd) }, { ...opts, preferLeader: true }, cmd.type);
    const index = Number(res.index);
    const term = Number(res.term);
    if (!res.ok) return { index, term, result: { ok: false, error: { code: res.errorCode as never, message: res.errorMessage } } };
    return { index, term, result: { ok: true, value: decodeValue(cmd.type as T, res.value) } };
  }

  /** A linearizable read point: every command committed before this call is at or below it. */
  async readIndex(opts: CallOptions = {}): Promise<number> {
    const res = await this.call<WireReadIndexResponse>('readIndex', {}, opts);
    return Number(res.index);
  }

  /** The whole state, confirmed with the leader first when `linearizable`. */
  async getState(linearizable: boolean, opts: CallOptions = {}): Promise<{ index: number; state: MetaState }> {
    const res = await this.call<WireGetStateResponse>('getState', { linearizable }, opts);
    return { index: Number(res.index), state: MetaState.fromData(decodeSnapshot(res.snapshot).state) };
  }

  /** A DATA node's heartbeat, for the leader's failure detector; UnknownDataNodeError when the state has no such node. */
  async heartbeat(nodeId: number, opts: CallOptions = {}): Promise<void> {
    try {
      await this.call('heartbeat', { nodeId }, { ...opts, preferLeader: true });
    } catch (err) {
      if (err instanceof MetaRequestError && err.code === grpc.status.NOT_FOUND) throw new UnknownDataNodeError(nodeId);
      throw err;
    }
  }

  /** One node's view (no retry on other nodes: the answer is about that node). */
  async status(address: string, opts: CallOptions = {}): Promise<MetaNodeStatus> {
    const res = await this.attempt<WireStatusResponse>(address, 'status', {}, opts.deadlineMs ?? this.attemptTimeoutMs);
    return {
      id: res.id,
      role: res.role,
      term: Number(res.term),
      ...leaderOf(res.leader),
      commitIndex: Number(res.commitIndex),
      raftAppliedIndex: Number(res.raftAppliedIndex),
      appliedIndex: Number(res.appliedIndex),
      lastIndex: Number(res.lastIndex),
      snapshotIndex: Number(res.snapshotIndex),
      members: res.members.map(member),
    };
  }

  /** Adds a META node (learner, then voter once caught up); `address` is its MetaService address. */
  async addMember(id: string, address: string, opts: CallOptions = {}): Promise<MembershipInfo> {
    return membership(await this.call<WireMembershipResponse>('addMember', { id, address }, { ...opts, preferLeader: true }));
  }

  async removeMember(id: string, opts: CallOptions = {}): Promise<MembershipInfo> {
    return membership(await this.call<WireMembershipResponse>('removeMember', { id }, { ...opts, preferLeader: true }));
  }

  /** Moves leadership to `target` (or the most caught-up voter). */
  async transferLeadership(target?: string, opts: CallOptions = {}): Promise<MembershipInfo> {
    return membership(await this.call<WireMembershipResponse>('transferLeadership', { target: target ?? '' }, { ...opts, preferLeader: true }));
  }

  /** A copy of the state kept current by a Watch stream (see MetaWatch). */
  watch(opts: MetaWatchOptions = {}): MetaWatch {
    return new MetaWatch(this, { ...(this.opts.logger !== undefined ? { logger: this.opts.logger } : {}), ...opts });
  }

  close(): void {
    this.closed = true;
    for (const s of this.stubs.values()) s.close();
    this.stubs.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ---- for MetaWatch ----

  /** The stub for an address (one channel per address, shared by calls and watches). */
  stub(address: string): MetaServiceStub {
    let s = this.stubs.get(address);
    if (s === undefined) {
      const Ctor = metaService();
      s = new Ctor(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
      this.stubs.set(address, s);
    }
    return s;
  }

  /** Where to go next: the leader if known and wanted, else the next address in rotation. */
  nextAddress(preferLeader: boolean): string {
    if (preferLeader && this.leader !== null) return this.leader;
    this.cursor = (this.cursor + 1) % this.addressList.length;
    return this.addressList[this.cursor]!;
  }

  /** Notes a leader hint from an answer or a Watch event. */
  noteLeader(hint: WireLeader | null | undefined): void {
    if (hint === null || hint === undefined || hint.address === '') return;
    this.leader = hint.address;
    if (!this.addressList.includes(hint.address)) this.addressList.push(hint.address);
  }

  backoffMs(attempt: number): number {
    const ceiling = Math.min(this.backoffMaxMs, this.backoffMinMs * 2 ** Math.min(attempt, 20));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  // ---- calls ----

  private async call<Res>(method: Method, request: object, opts: CallOptions & { preferLeader?: boolean }, what: string = method): Promise<Res> {
    const deadline = Date.now() + (opts.deadlineMs ?? this.deadlineMs);
    let address = opts.preferLeader === true && this.leader !== null ? this.leader : this.addressList[this.cursor]!;
    let lastError = 'no attempt made';
    let outcomeUnknown = false;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new MetaUnavailableError(what, 'client closed', outcomeUnknown);
      const left = deadline - Date.now();
      if (left <= 0) throw new MetaUnavailableError(what, lastError, outcomeUnknown);
      try {
        const res = await this.attempt<Res & { leader?: WireLeader | null }>(address, method, request, Math.min(left, this.attemptTimeoutMs));
        this.noteLeader(res.leader);
        return res;
      } catch (err) {
        const e = err as grpc.ServiceError;
        if (typeof e.code !== 'number' || !RETRYABLE.has(e.code)) {
          throw new MetaRequestError(what, e.code ?? grpc.status.UNKNOWN, e.details ?? String(err));
        }
        lastError = `${address}: ${grpc.status[e.code]} ${e.details ?? ''}`.trim();
        // A node that refused before proposing (no leader) or lost the entry did not apply it.
        if (method === 'apply' && (e.metadata?.get(NOT_APPLIED_METADATA_KEY).length ?? 0) === 0) outcomeUnknown = true;
        const hint = e.metadata?.get(LEADER_METADATA_KEY)[0];
        if (typeof hint === 'string' && hint !== '' && hint !== address) {
          this.noteLeader({ id: '', address: hint });
          address = hint;
          // A fresh hint is followed at once, but a chain of them still backs off.
          if (attempt < 3) continue;
        } else {
          if (address === this.leader) this.leader = null;
          address = this.nextAddress(false);
        }
        const pause = Math.min(this.backoffMs(attempt), Math.max(0, deadline - Date.now()));
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  private attempt<Res>(address: string, method: Method, request: object, timeoutMs: number): Promise<Res> {
    const stub = this.stub(address);
    return new Promise<Res>((resolve, reject) => {
      stub[method](request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as Res)));
    });
  }
}

function leaderOf(hint: WireLeader | null): { leaderId: string | null; leaderAddress: string | null } {
  return { leaderId: hint === null || hint.id === '' ? null : hint.id, leaderAddress: hint === null || hint.address === '' ? null : hint.address };
}

function member(m: WireMember): MetaMember {
  return { id: m.id, address: m.address, raftAddress: m.raftAddress, voter: m.voter };
}

function membership(res: WireMembershipResponse): MembershipInfo {
  return { ...leaderOf(res.leader), members: res.members.map(member) };
}
