// The pure Raft state machine. It holds no timers, does no I/O and draws randomness only from a
// seeded generator, so a sequence of calls always produces the same Ready batches. Time advances
// by `tick()`; messages arrive by `step()`; the driver collects the resulting work with `ready()`
// and reports it done with `advance()`. Each role has one step function that reads as the
// protocol: `stepFollower`, `stepCandidate` (for both PreVote and real campaigns), `stepLeader`.

import { RaftLog } from './log.js';
import { Progress } from './progress.js';
import { majorityValue, voteResult } from './quorum.js';
import type {
  ConfState,
  Entry,
  ForwardedProposal,
  HardState,
  Message,
  MessageType,
  NodeId,
  ReadState,
  Ready,
  Role,
  Snapshot,
  SnapshotMeta,
  SoftState,
} from './types.js';
import { CAMPAIGN_TRANSFER, EMPTY_CONF, decodeConf, encodeConf, entryBytes, message, readyHasWrites } from './types.js';

export interface RaftConfig {
  readonly id: NodeId;
  /** Followers campaign after a random timeout in [electionTicks, 2 × electionTicks). */
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** Probe with a PreVote round before raising the term, so a rejoining node cannot disrupt. */
  readonly preVote: boolean;
  /** A leader steps down if it has not heard from a quorum within an election timeout, and
   * followers that hear from a leader ignore vote requests for that long (the lease). */
  readonly checkQuorum: boolean;
  /** Upper bound on the entry bytes in one AppendEntries message. */
  readonly appendBytesMax: number;
  /** Caps on unacknowledged appends per follower in replicate state. */
  readonly inflightCountMax: number;
  readonly inflightBytesMax: number;
  /** Upper bound on the committed entry bytes handed out in one Ready. */
  readonly readyCommittedBytesMax: number;
  /** Proposals are refused while this many entries await commit. */
  readonly uncommittedEntriesMax: number;
  /** Reads queued while a new leader has not yet committed an entry of its term. */
  readonly pendingReadsMax: number;
  /** Proposals a follower buffers for forwarding between two Readies. */
  readonly forwardProposalsMax: number;
  /** A snapshot send not acknowledged within this many ticks is assumed lost. */
  readonly snapshotTimeoutTicks: number;
  /** A leader whose Ready has not been advanced (disk write outstanding) for this many ticks steps down. */
  readonly diskStallTicks: number;
  readonly randomSeed: number;
}

export function defaultRaftConfig(id: NodeId, overrides: Partial<RaftConfig> = {}): RaftConfig {
  const electionTicks = overrides.electionTicks ?? 10;
  return {
    id,
    electionTicks,
    heartbeatTicks: 1,
    preVote: true,
    checkQuorum: true,
    appendBytesMax: 1 << 20,
    inflightCountMax: 256,
    inflightBytesMax: 32 << 20,
    readyCommittedBytesMax: 8 << 20,
    uncommittedEntriesMax: 16384,
    pendingReadsMax: 4096,
    forwardProposalsMax: 4096,
    snapshotTimeoutTicks: electionTicks * 5,
    diskStallTicks: electionTicks,
    randomSeed: 1,
    ...overrides,
  };
}

/** What the driver loaded from its stores at start-up. */
export interface RaftStorageState {
  readonly hardState: HardState;
  readonly snapshot: SnapshotMeta | null;
  /** Every stored entry, in order (possibly starting below the snapshot index: trailing logs). */
  readonly entries: readonly Entry[];
}

export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly reason: ProposeRefusal; readonly leader: NodeId | null };

export type ProposeRefusal = 'notLeader' | 'transferring' | 'overloaded' | 'confChangePending' | 'invalidConfChange';

/** `propose` on a leader, or a proposal forwarded to the leader, identified by `id` until the
 * leader says where it went (a ForwardedProposal in a later Ready). */
export type ProposeOrForwardResult = ProposeResult | { readonly ok: 'forwarded'; readonly id: number };

export type ConfChange =
  | { readonly type: 'addLearner'; readonly id: NodeId; readonly address?: string }
  | { readonly type: 'promote'; readonly id: NodeId }
  | { readonly type: 'remove'; readonly id: NodeId };

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: string;
  readonly learner: boolean;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly stableIndex: number;
  readonly conf: ConfState;
  readonly transferee: NodeId | null;
  readonly progress: ReadonlyMap<NodeId, ProgressStatus>;
}

interface PendingRead {
  readonly index: number;
  readonly round: number;
  readonly context: number;
  /** null for reads asked on this node; otherwise the follower to answer. */
  readonly from: NodeId | null;
}

/** xorshift32: a tiny deterministic generator for election timeouts. */
class TimeoutRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  below(n: number): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x % n;
  }
}

export class RaftCore {
  readonly id: NodeId;
  private readonly cfg: RaftConfig;
  private readonly random: TimeoutRandom;

  term = 0;
  vote: NodeId | null = null;
  role: Role = 'follower';
  leader: NodeId | null = null;
  readonly log: RaftLog;
  private conf: ConfState = EMPTY_CONF;
  /** Index of the entry (or snapshot) `conf` came from; older conf entries never apply again. */
  private confIndex = 0;

  private readonly prs = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTicks = 0;
  /** Highest index that may carry an unapplied conf change; a new one waits until it is applied. */
  private pendingConfIndex = 0;
  private transferee: NodeId | null = null;

  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private forwardBuffer: { id: number; data: Uint8Array }[] = [];
  /** Forward ids are incarnation × 2^32 + sequence: answers meant for a previous run of this node
   * (still in flight when it restarted) never match a new proposal. */
  private readonly forwardIncarnation: number;
  private forwardSeq = 0;
  /** Per follower, the forwarded batches seen recently: a duplicated `prop` must not be appended
   * twice (its commands would be applied twice). Batches older than the window are dropped too:
   * their senders time out with an unknown outcome. */
  private readonly forwardSeen = new Map<NodeId, { incarnation: number; seqs: Set<number>; floor: number }>();
  private forwarded: ForwardedProposal[] = [];
  private reads: PendingRead[] = [];
  private readsAwaitingCommit: PendingRead[] = [];
  private readRound = 0;
  private readRoundPending = false;
  /** 0 nothing, 1 send new entries, 2 also send empty appends to carry a new commit index. */
  private broadcastPending: 0 | 1 | 2 = 0;

  private applying: number;
  private applied: number;
  private pendingSnapshot: Snapshot | null = null;
  private prevHardState: HardState;
  private prevSoftState: SoftState;
  private readyOutstanding: Ready | null = null;
  private stallTicks = 0;

  constructor(config: RaftConfig, storage: RaftStorageState) {
    if (config.electionTicks <= config.heartbeatTicks) throw new Error('electionTicks must exceed heartbeatTicks');
    this.cfg = config;
    this.id = config.id;
    this.random = new TimeoutRandom(config.randomSeed);
    this.forwardIncarnation = ((config.randomSeed ^ 0x5bd1e995) >>> 0) % FORWARD_INCARNATIONS;
    this.log = RaftLog.restore(storage.snapshot, storage.entries, storage.hardState.commit);
    this.term = storage.hardState.term;
    this.vote = storage.hardState.vote;
    this.conf = storage.snapshot?.conf ?? EMPTY_CONF;
    this.confIndex = storage.snapshot?.index ?? 0;
    // Membership already committed takes effect at once, so a restarting node never acts on an
    // older configuration while it replays its log.
    for (let i = Math.max(this.log.firstIndex(), this.confIndex + 1); i <= this.log.committed; i++) {
      const e = this.log.entry(i)!;
      if (e.type === 'conf') {
        this.conf = decodeConf(e.data);
        this.confIndex = e.index;
      }
    }
    // The state machine restarts from the snapshot; committed entries after it are handed out again.
    this.applied = storage.snapshot?.index ?? 0;
    this.applying = this.applied;
    this.prevHardState = this.hardState();
    this.prevSoftState = { leader: null, role: 'follower' };
    this.resetRandomizedElectionTicks();
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs

  tick(): void {
    if (this.readyOutstanding !== null && readyHasWrites(this.readyOutstanding)) {
      this.stallTicks++;
      if (this.role === 'leader' && this.stallTicks >= this.cfg.diskStallTicks) {
        // Our writes are not reaching the disk, so neither our appends nor our heartbeats leave:
        // the cluster will elect someone else; stop claiming leadership now.
        this.becomeFollower(this.term, null);
        return;
      }
    }
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  step(m: Message): void {
    if (m.to !== this.id) return;
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        const forced = m.context === CAMPAIGN_TRANSFER;
        const inLease = this.cfg.checkQuorum && this.leader !== null && this.electionElapsed < this.cfg.electionTicks;
        // §6 (thesis 4.2.3): while we hear from a leader, a vote request is a disruption, not news.
        if (!forced && inLease) return;
      }
      if (m.type === 'preVote') {
        // A PreVote does not raise our term: it only asks whether an election could succeed.
      } else if (m.type === 'preVoteResp' && !m.reject) {
        // Granted PreVotes carry the term we would campaign at; counted below.
      } else if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, null);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'app' || m.type === 'heartbeat')) {
        // A stale leader cut off by a partition: tell it our term so it steps down, rather than
        // stay silent and let it keep its followers' leases (and our PreVotes) hostage.
        this.send(message({ type: 'appResp', from: this.id, to: m.from, term: this.term }));
      } else if (m.type === 'preVote') {
        this.send(message({ type: 'preVoteResp', from: this.id, to: m.from, term: this.term, reject: true }));
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        break;
      case 'candidate':
      case 'preCandidate':
        this.stepCandidate(m);
        break;
      case 'follower':
        this.stepFollower(m);
        break;
    }
  }

  /** Starts an election now, as if the election timeout had fired (PreVote first when enabled). */
  campaign(): void {
    if (this.role === 'leader' || !this.promotable()) return;
    this.campaignNow(this.cfg.preVote ? 'preVote' : 'vote', false);
  }

  /** Appends a command to the leader's log. The entry is committed once `index` is applied with `term`. */
  propose(data: Uint8Array): ProposeResult {
    const refusal = this.proposalRefusal();
    if (refusal !== null) return refusal;
    return this.appendProposal('normal', data);
  }

  /**
   * Like `propose`, but a follower that knows the leader forwards the command to it instead of
   * refusing. The forwarded proposal's index and term arrive later as a ForwardedProposal.
   */
  proposeOrForward(data: Uint8Array): ProposeOrForwardResult {
    if (this.role === 'leader' || this.leader === null || this.leader === this.id) return this.propose(data);
    if (this.forwardBuffer.length >= this.cfg.forwardProposalsMax) return { ok: false, reason: 'overloaded', leader: this.leader };
    const id = this.forwardIncarnation * FORWARD_SEQ_SPAN + ++this.forwardSeq;
    this.forwardBuffer.push({ id, data });
    return { ok: 'forwarded', id };
  }

  /** Single-server membership change; takes effect on each node when the entry is applied. */
  proposeConfChange(change: ConfChange): ProposeResult {
    const refusal = this.proposalRefusal();
    if (refusal !== null) return refusal;
    if (this.pendingConfIndex > this.applied) {
      return { ok: false, reason: 'confChangePending', leader: this.leader };
    }
    const next = applyConfChange(this.conf, change);
    if (next === null) return { ok: false, reason: 'invalidConfChange', leader: this.leader };
    const result = this.appendProposal('conf', encodeConf(next));
    if (result.ok) this.pendingConfIndex = result.index;
    return result;
  }

  /**
   * Asks for a linearizable read point (§6.4). Returns false when it cannot be served here and
   * now (no known leader, or too many queued): the caller retries. The answer arrives as a
   * ReadState with the same `context` in a later Ready, on this node.
   */
  readIndex(context: number): boolean {
    if (this.role === 'leader') return this.leaderReadIndex(context, null);
    if (this.leader === null) return false;
    this.send(message({ type: 'readIndex', from: this.id, to: this.leader, term: this.term, context }));
    return true;
  }

  /** Hands leadership to `target` (thesis §3.10): stop taking proposals, catch it up, send TimeoutNow. */
  transferLeader(target: NodeId): boolean {
    if (this.role !== 'leader') return false;
    if (target === this.id || !this.conf.voters.includes(target)) return false;
    if (this.transferee === target) return true;
    this.transferee = target;
    // The transfer is abandoned if it has not completed within an election timeout.
    this.electionElapsed = 0;
    const pr = this.prs.get(target)!;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(target);
    else this.sendAppend(target, true);
    return true;
  }

  /** The transport could not reach `id`: probe again instead of pipelining into the void. */
  reportUnreachable(id: NodeId): void {
    const pr = this.prs.get(id);
    if (this.role !== 'leader' || pr === undefined) return;
    if (pr.state === 'replicate') pr.becomeProbe();
  }

  /** The driver reports how sending a snapshot to `id` ended. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.prs.get(id);
    if (this.role !== 'leader' || pr === undefined || pr.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    // Either way wait for the follower's answer (or a heartbeat) before the next probe.
    pr.becomeProbe();
    pr.probeSent = true;
  }

  // ---------------------------------------------------------------------------------------------
  // Ready / advance

  hasReady(): boolean {
    if (this.readyOutstanding !== null) return false;
    this.flushBroadcasts();
    return (
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.forwarded.length > 0 ||
      this.forwardBuffer.length > 0 ||
      this.pendingSnapshot !== null ||
      this.log.handedOut < this.log.lastIndex() ||
      this.applying < this.log.committed ||
      !sameHardState(this.hardState(), this.prevHardState) ||
      !sameSoftState(this.softState(), this.prevSoftState)
    );
  }

  /** Takes the work accumulated since the last Ready. The next Ready waits for `advance`. */
  ready(): Ready {
    if (this.readyOutstanding !== null) throw new Error('ready() called before advance() of the previous Ready');
    this.flushBroadcasts();
    const hs = this.hardState();
    const ss = this.softState();
    const committedEntries = this.log.slice(this.applying + 1, this.log.committed, this.cfg.readyCommittedBytesMax) ?? [];
    const termOrVoteChanged = hs.term !== this.prevHardState.term || hs.vote !== this.prevHardState.vote;
    const entries = this.log.unstableEntries();
    let early: Message[] = NO_MESSAGES;
    let late = this.msgs;
    if (this.role === 'leader' && !termOrVoteChanged) {
      early = [];
      late = [];
      for (const m of this.msgs) (m.type === 'app' || m.type === 'heartbeat' || m.type === 'propResp' ? early : late).push(m);
    }
    const rd: Ready = {
      softState: sameSoftState(ss, this.prevSoftState) ? null : ss,
      hardState: sameHardState(hs, this.prevHardState) ? null : hs,
      entries,
      snapshot: this.pendingSnapshot,
      committedEntries,
      earlyMessages: early,
      messages: late,
      readStates: this.readStates,
      forwarded: this.forwarded,
      mustSync: termOrVoteChanged || entries.length > 0 || this.pendingSnapshot !== null,
    };
    this.prevHardState = hs;
    this.prevSoftState = ss;
    this.msgs = [];
    this.readStates = [];
    this.forwarded = [];
    this.pendingSnapshot = null;
    this.log.handedOut = this.log.lastIndex();
    if (committedEntries.length > 0) this.applying = committedEntries[committedEntries.length - 1]!.index;
    this.readyOutstanding = rd;
    this.stallTicks = 0;
    return rd;
  }

  /** The driver has persisted, sent and applied `rd`. */
  advance(rd: Ready): void {
    if (rd !== this.readyOutstanding) throw new Error('advance() of a Ready that is not outstanding');
    this.readyOutstanding = null;
    this.stallTicks = 0;
    if (rd.snapshot !== null && this.log.snapshot !== null && this.log.snapshot.index === rd.snapshot.meta.index) {
      this.log.stable = Math.max(this.log.stable, rd.snapshot.meta.index);
    }
    if (rd.entries.length > 0) {
      // Entries handed out may have been overwritten since (a new leader's suffix): only mark them
      // durable if the last one still stands in our log.
      const last = rd.entries[rd.entries.length - 1]!;
      if (this.log.matchTerm(last.index, last.term)) this.log.stable = Math.max(this.log.stable, last.index);
    }
    if (rd.snapshot !== null) this.applied = Math.max(this.applied, rd.snapshot.meta.index);
    for (const e of rd.committedEntries) {
      if (e.index <= this.applied) continue;
      this.applied = e.index;
      if (e.type === 'conf' && e.index > this.confIndex) {
        this.confIndex = e.index;
        this.applyConf(decodeConf(e.data));
      }
    }
    if (this.role === 'leader') {
      const self = this.prs.get(this.id);
      if (self !== undefined) self.maybeUpdate(this.log.stable);
      if (this.maybeCommit()) this.broadcastPending = 2;
    }
  }

  /**
   * Records a snapshot the driver took of the state machine at `meta.index` (from `snapshotMeta`)
   * and drops in-memory entries up to `compactTo`; the driver deletes the same range from its
   * LogStore. Returns the new first index.
   */
  compact(meta: SnapshotMeta, compactTo: number): number {
    if (meta.index > this.applied) throw new Error(`snapshot ${meta.index} beyond applied ${this.applied}`);
    this.log.setSnapshot(meta);
    const upTo = Math.min(compactTo, meta.index, this.log.stable);
    this.log.compact(upTo);
    return this.log.firstIndex();
  }

  /**
   * Metadata for a snapshot of the state machine as applied right now; null while a snapshot
   * received from the leader is waiting to be installed (the log no longer knows the applied
   * entry's term, and the state machine is about to be replaced anyway).
   */
  snapshotMeta(): SnapshotMeta | null {
    const term = this.log.termAt(this.applied);
    if (term === undefined || this.applied < this.log.firstIndex() - 1) return null;
    return { index: this.applied, term, conf: this.confAt(this.applied) };
  }

  /** The configuration in force once `index` is applied. */
  private confAt(index: number): ConfState {
    if (this.confIndex <= index) return this.conf;
    for (let i = index; i >= this.log.firstIndex(); i--) {
      const e = this.log.entry(i)!;
      if (e.type === 'conf') return decodeConf(e.data);
    }
    return this.log.snapshot !== null && this.log.snapshot.index <= index ? this.log.snapshot.conf : EMPTY_CONF;
  }

  // ---------------------------------------------------------------------------------------------
  // State accessors

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { leader: this.leader, role: this.role };
  }

  confState(): ConfState {
    return this.conf;
  }

  appliedIndex(): number {
    return this.applied;
  }

  status(): RaftStatus {
    const progress = new Map<NodeId, ProgressStatus>();
    for (const [id, pr] of this.prs) {
      progress.set(id, { match: pr.match, next: pr.next, state: pr.state, learner: pr.isLearner });
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      stableIndex: this.log.stable,
      conf: this.conf,
      transferee: this.transferee,
      progress,
    };
  }

  /** Whether this node may campaign: only voters can. */
  promotable(): boolean {
    return this.conf.voters.includes(this.id);
  }

  // ---------------------------------------------------------------------------------------------
  // Role transitions

  private becomeFollower(term: number, leader: NodeId | null): void {
    if (term > this.term) {
      this.term = term;
      this.vote = null;
    }
    this.role = 'follower';
    this.leader = leader;
    this.resetRoleState();
  }

  private becomePreCandidate(): void {
    // Neither the term nor the vote changes: a lost PreVote leaves no trace.
    this.role = 'preCandidate';
    this.leader = null;
    this.resetRoleState();
  }

  private becomeCandidate(): void {
    this.term++;
    this.vote = this.id;
    this.role = 'candidate';
    this.leader = null;
    this.resetRoleState();
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.leader = this.id;
    this.resetRoleState();
    const last = this.log.lastIndex();
    for (const id of [...this.conf.voters, ...this.conf.learners]) {
      const pr = new Progress(id, last + 1, this.conf.learners.includes(id), this.cfg.inflightCountMax, this.cfg.inflightBytesMax);
      if (id === this.id) {
        pr.match = this.log.stable;
        pr.becomeReplicate();
        pr.next = last + 1;
      }
      // Followers must prove themselves within the first election timeout (CheckQuorum).
      pr.recentActive = id === this.id;
      this.prs.set(id, pr);
    }
    // §5.4.2 / §8: commit an entry of our own term at once, so earlier entries commit with it and
    // reads can be served. Until it is applied no conf change may be proposed (the single-server
    // change bug found after the thesis: a leader must commit in its term before changing members).
    const noop: Entry = { index: last + 1, term: this.term, type: 'normal', data: EMPTY_DATA };
    this.log.append([noop]);
    this.pendingConfIndex = noop.index;
    this.broadcastPending = 1;
    if (this.maybeCommit()) this.broadcastPending = 2;
  }

  private resetRoleState(): void {
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTicks();
    this.votes.clear();
    this.prs.clear();
    this.transferee = null;
    this.reads = [];
    this.readsAwaitingCommit = [];
    this.readRoundPending = false;
    this.broadcastPending = 0;
  }

  private resetRandomizedElectionTicks(): void {
    this.randomizedElectionTicks = this.cfg.electionTicks + this.random.below(this.cfg.electionTicks);
  }

  // ---------------------------------------------------------------------------------------------
  // Time

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTicks) {
      this.electionElapsed = 0;
      if (this.promotable()) this.campaignNow(this.cfg.preVote ? 'preVote' : 'vote', false);
      else this.resetRandomizedElectionTicks();
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    for (const pr of this.prs.values()) {
      if (pr.state === 'snapshot' && ++pr.snapshotTicks >= this.cfg.snapshotTimeoutTicks) {
        pr.becomeProbe();
      }
    }
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, null);
        return;
      }
      // A transfer that has not finished in an election timeout is abandoned; take proposals again.
      this.transferee = null;
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  /** CheckQuorum: have a majority of voters (us included) been heard from since the last check? */
  private quorumActive(): boolean {
    let active = 0;
    for (const id of this.conf.voters) {
      const pr = this.prs.get(id);
      if (id === this.id || pr?.recentActive === true) active++;
    }
    for (const pr of this.prs.values()) if (pr.id !== this.id) pr.recentActive = false;
    return active >= Math.floor(this.conf.voters.length / 2) + 1;
  }

  // ---------------------------------------------------------------------------------------------
  // Elections (§5.2)

  private campaignNow(kind: 'preVote' | 'vote', transfer: boolean): void {
    if (kind === 'preVote') this.becomePreCandidate();
    else this.becomeCandidate();
    const term = kind === 'preVote' ? this.term + 1 : this.term;
    this.votes.set(this.id, true);
    if (voteResult(this.conf.voters, this.votes) === 'won') {
      // A single voter wins at once.
      if (kind === 'preVote') this.campaignNow('vote', transfer);
      else this.becomeLeader();
      return;
    }
    const type: MessageType = kind === 'preVote' ? 'preVote' : 'vote';
    for (const id of this.conf.voters) {
      if (id === this.id) continue;
      this.send(
        message({
          type,
          from: this.id,
          to: id,
          term,
          index: this.log.lastIndex(),
          logTerm: this.log.lastTerm(),
          context: transfer ? CAMPAIGN_TRANSFER : 0,
        }),
      );
    }
  }

  private handleVoteRequest(m: Message): void {
    const isPre = m.type === 'preVote';
    // We may vote for m.from if we already did this term, or have voted for no one and know no
    // leader; a PreVote for a future term is answered on the merits alone.
    const canVote = this.vote === m.from || (this.vote === null && this.leader === null) || (isPre && m.term > this.term);
    const respType: MessageType = isPre ? 'preVoteResp' : 'voteResp';
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      this.send(message({ type: respType, from: this.id, to: m.from, term: m.term }));
      if (!isPre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(message({ type: respType, from: this.id, to: m.from, term: this.term, reject: true }));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Role step functions

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'app':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleAppend(m);
        break;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
        this.send(message({ type: 'heartbeatResp', from: this.id, to: m.from, term: this.term, context: m.context }));
        break;
      case 'snap':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleSnapshot(m);
        break;
      case 'timeoutNow':
        if (this.promotable()) this.campaignNow('vote', true);
        break;
      case 'readIndexResp':
        this.readStates.push({ index: m.index, context: m.context });
        break;
      case 'propResp':
        this.handleForwardOutcome(m);
        break;
      case 'prop':
        // We are not the leader (any more): refuse, the sender retries elsewhere.
        this.send(message({ type: 'propResp', from: this.id, to: m.from, term: this.term, context: m.context, rejectHint: m.entries.length, reject: true }));
        break;
      default:
        break;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'app':
        // §5.2: a candidate that hears from a leader of its term returns to follower.
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        break;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        break;
      case 'snap':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        break;
      case 'propResp':
        this.handleForwardOutcome(m);
        break;
      case 'voteResp':
      case 'preVoteResp': {
        if ((m.type === 'voteResp') !== (this.role === 'candidate')) return;
        this.votes.set(m.from, !m.reject);
        const result = voteResult(this.conf.voters, this.votes);
        if (result === 'won') {
          if (this.role === 'preCandidate') this.campaignNow('vote', false);
          else this.becomeLeader();
        } else if (result === 'lost') {
          this.becomeFollower(this.term, null);
        }
        break;
      }
      default:
        break;
    }
  }

  private stepLeader(m: Message): void {
    const pr = this.prs.get(m.from);
    if (m.type === 'readIndex') {
      if (pr === undefined) return;
      this.leaderReadIndex(m.context, m.from);
      return;
    }
    if (m.type === 'prop') {
      if (pr !== undefined) this.handleForwardedProposals(m);
      return;
    }
    if (pr === undefined) return;
    switch (m.type) {
      case 'appResp':
        pr.recentActive = true;
        if (m.reject) this.handleAppendRejected(pr, m);
        else this.handleAppendAccepted(pr, m);
        break;
      case 'heartbeatResp':
        pr.recentActive = true;
        pr.probeSent = false;
        if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirst();
        // An empty append doubles as a probe: if appends were lost the follower rejects it and
        // the leader rewinds, so a quiet follower still catches up without new proposals.
        if (pr.match < this.log.lastIndex() || pr.state === 'probe') this.sendAppend(pr.id, true);
        if (m.context > pr.readRoundAck) {
          pr.readRoundAck = m.context;
          this.releaseReads();
        }
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Log replication (§5.3)

  private handleAppend(m: Message): void {
    if (m.index < this.log.committed) {
      // Everything up to our commit index matches the leader's log (§5.4 Leader Completeness).
      this.send(message({ type: 'appResp', from: this.id, to: m.from, term: this.term, index: this.log.committed }));
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.entries);
    if (lastNew !== undefined) {
      this.log.commitTo(Math.min(m.commit, lastNew));
      this.send(message({ type: 'appResp', from: this.id, to: m.from, term: this.term, index: lastNew }));
      return;
    }
    // Consistency check failed: point the leader at the last entry that could still match, so it
    // skips a whole term of divergent entries per round trip instead of one entry.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send(
      message({
        type: 'appResp',
        from: this.id,
        to: m.from,
        term: this.term,
        index: m.index,
        reject: true,
        rejectHint: hint.index,
        logTerm: hint.term,
      }),
    );
  }

  private handleSnapshot(m: Message): void {
    const meta = m.snapshot;
    if (meta === null || m.snapshotData === null) return;
    if (meta.index <= this.log.committed) {
      this.send(message({ type: 'appResp', from: this.id, to: m.from, term: this.term, index: this.log.committed }));
      return;
    }
    if (this.log.matchTerm(meta.index, meta.term)) {
      // We already hold the snapshot's last entry: just learn that it is committed.
      this.log.commitTo(meta.index);
      this.send(message({ type: 'appResp', from: this.id, to: m.from, term: this.term, index: this.log.committed }));
      return;
    }
    this.log.restoreSnapshot(meta);
    this.conf = meta.conf;
    this.confIndex = meta.index;
    this.applying = meta.index;
    this.pendingSnapshot = { meta, data: m.snapshotData };
    this.send(message({ type: 'appResp', from: this.id, to: m.from, term: this.term, index: meta.index }));
  }

  private handleAppendRejected(pr: Progress, m: Message): void {
    let nextProbe = m.rejectHint;
    if (m.logTerm > 0) nextProbe = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo(m.index, nextProbe)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      this.sendAppend(pr.id, false);
    }
  }

  private handleAppendAccepted(pr: Progress, m: Message): void {
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) {
      if (wasPaused && !pr.isPaused()) this.sendAppend(pr.id, false);
      return;
    }
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match + 1 >= this.log.firstIndex()) pr.becomeProbe();
    else if (pr.state === 'replicate') pr.inflights.freeTo(m.index);

    if (this.maybeCommit()) this.broadcastPending = 2;
    // Keep the pipeline full while the caps allow.
    while (this.sendAppend(pr.id, false)) {
      // each call sends one batch
    }
    if (pr.id === this.transferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(pr.id);
  }

  /** §5.3/§5.4.2: commit the highest index a majority stores, but only by counting an entry of
   * the current term; earlier-term entries commit indirectly with it (figure 8). */
  private maybeCommit(): boolean {
    const matches: number[] = [];
    for (const id of this.conf.voters) {
      const pr = this.prs.get(id);
      matches.push(id === this.id ? this.log.stable : pr?.match ?? 0);
    }
    const index = majorityValue(matches);
    if (index <= this.log.committed || this.log.termAt(index) !== this.term) return false;
    const firstInTerm = this.log.termAt(this.log.committed) !== this.term;
    this.log.commitTo(index);
    if (firstInTerm) this.releaseReadsAwaitingCommit();
    return true;
  }

  /** Sends the next batch of entries (or a snapshot) to `to`; returns whether a message went out. */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.get(to);
    if (pr === undefined || to === this.id || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.termAt(prevIndex);
    const entries =
      prevTerm === undefined ? undefined : this.log.slice(pr.next, this.log.lastIndex(), this.cfg.appendBytesMax);
    if (prevTerm === undefined || entries === undefined) return this.sendSnapshot(pr);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send(
      message({
        type: 'app',
        from: this.id,
        to,
        term: this.term,
        index: prevIndex,
        logTerm: prevTerm,
        entries,
        commit: this.log.committed,
      }),
    );
    if (entries.length > 0) {
      if (pr.state === 'replicate') {
        const last = entries[entries.length - 1]!.index;
        pr.optimisticUpdate(last);
        let bytes = 0;
        for (const e of entries) bytes += entryBytes(e);
        pr.inflights.add(last, bytes);
      } else if (pr.state === 'probe') {
        pr.probeSent = true;
      }
    } else if (pr.state === 'probe') {
      pr.probeSent = true;
    }
    return true;
  }

  private sendSnapshot(pr: Progress): boolean {
    const meta = this.log.snapshot;
    if (meta === null) return false;
    this.send(message({ type: 'snap', from: this.id, to: pr.id, term: this.term, snapshot: meta }));
    pr.becomeSnapshot(meta.index);
    return true;
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send(message({ type: 'timeoutNow', from: this.id, to, term: this.term }));
  }

  private broadcastHeartbeat(): void {
    const round = this.readRoundPending ? ++this.readRound : this.readRound;
    this.readRoundPending = false;
    for (const pr of this.prs.values()) {
      if (pr.id === this.id) continue;
      this.send(
        message({
          type: 'heartbeat',
          from: this.id,
          to: pr.id,
          term: this.term,
          // A follower may not hold entries past its match, so it must not commit past it.
          commit: Math.min(pr.match, this.log.committed),
          context: round,
        }),
      );
    }
  }

  /** Sends what proposals, commits and reads have made pending since the last Ready, batched. */
  private flushBroadcasts(): void {
    if (this.forwardBuffer.length > 0) this.flushForwards();
    if (this.role !== 'leader') return;
    if (this.broadcastPending !== 0) {
      const sendIfEmpty = this.broadcastPending === 2;
      this.broadcastPending = 0;
      for (const pr of this.prs.values()) {
        if (pr.id !== this.id) this.sendAppend(pr.id, sendIfEmpty);
      }
    }
    // One read round in flight at a time: reads arriving meanwhile share the next round, so
    // under load a round confirms many reads instead of each Ready costing a heartbeat round.
    // (The periodic heartbeat still starts a pending round, should an answer be lost.)
    if (this.readRoundPending && !this.readRoundInFlight()) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  private readRoundInFlight(): boolean {
    return this.reads.length > 0 && this.reads[0]!.round <= this.readRound;
  }

  /** Sends buffered proposals to the leader in one message, or refuses them if it is gone. */
  private flushForwards(): void {
    const batch = this.forwardBuffer;
    this.forwardBuffer = [];
    if (this.role === 'leader' || this.leader === null || this.leader === this.id) {
      for (const p of batch) this.forwarded.push({ id: p.id, index: 0, term: 0 });
      return;
    }
    // Ids are consecutive within a batch: the leader answers with the first id and a count.
    const entries: Entry[] = batch.map((p) => ({ index: 0, term: 0, type: 'normal', data: p.data }));
    this.send(message({ type: 'prop', from: this.id, to: this.leader, term: this.term, entries, context: batch[0]!.id }));
  }

  private handleForwardedProposals(m: Message): void {
    const count = m.entries.length;
    const incarnation = Math.floor(m.context / FORWARD_SEQ_SPAN);
    const seq = m.context % FORWARD_SEQ_SPAN;
    let seen = this.forwardSeen.get(m.from);
    if (seen === undefined || seen.incarnation !== incarnation) {
      seen = { incarnation, seqs: new Set(), floor: 0 };
      this.forwardSeen.set(m.from, seen);
    }
    if (seq < seen.floor || seen.seqs.has(seq)) return;
    seen.seqs.add(seq);
    if (seen.seqs.size > FORWARD_SEEN_MAX) {
      const oldest = Math.min(...seen.seqs);
      seen.seqs.delete(oldest);
      seen.floor = Math.max(seen.floor, oldest + 1);
    }
    const refusal = this.proposalRefusal();
    if (refusal !== null || count === 0) {
      this.send(message({ type: 'propResp', from: this.id, to: m.from, term: this.term, context: m.context, rejectHint: count, reject: true }));
      return;
    }
    const first = this.log.lastIndex() + 1;
    const entries: Entry[] = m.entries.map((e, i) => ({ index: first + i, term: this.term, type: 'normal', data: e.data }));
    this.log.append(entries);
    if (this.broadcastPending === 0) this.broadcastPending = 1;
    this.send(message({ type: 'propResp', from: this.id, to: m.from, term: this.term, context: m.context, rejectHint: count, index: first, logTerm: this.term }));
  }

  private handleForwardOutcome(m: Message): void {
    for (let i = 0; i < m.rejectHint; i++) {
      this.forwarded.push({ id: m.context + i, index: m.reject ? 0 : m.index + i, term: m.reject ? 0 : m.logTerm });
    }
  }

  private proposalRefusal(): ProposeResult | null {
    if (this.role !== 'leader') return { ok: false, reason: 'notLeader', leader: this.leader };
    if (this.transferee !== null) return { ok: false, reason: 'transferring', leader: this.leader };
    if (this.log.lastIndex() - this.log.committed >= this.cfg.uncommittedEntriesMax) {
      return { ok: false, reason: 'overloaded', leader: this.leader };
    }
    return null;
  }

  private appendProposal(type: Entry['type'], data: Uint8Array): ProposeResult {
    const index = this.log.lastIndex() + 1;
    this.log.append([{ index, term: this.term, type, data }]);
    if (this.broadcastPending === 0) this.broadcastPending = 1;
    return { ok: true, index, term: this.term };
  }

  // ---------------------------------------------------------------------------------------------
  // Linearizable reads (§6.4)

  private leaderReadIndex(context: number, from: NodeId | null): boolean {
    if (this.conf.voters.length === 1 && this.conf.voters[0] === this.id) {
      this.answerRead({ index: this.log.committed, round: 0, context, from });
      return true;
    }
    if (this.log.termAt(this.log.committed) !== this.term) {
      // Our commit index may lag what the previous leader committed until an entry of our own
      // term commits; queue the read until then.
      if (this.readsAwaitingCommit.length >= this.cfg.pendingReadsMax) return false;
      this.readsAwaitingCommit.push({ index: 0, round: 0, context, from });
      return true;
    }
    if (this.reads.length >= this.cfg.pendingReadsMax) return false;
    // All reads until the next Ready share one heartbeat round.
    this.readRoundPending = true;
    this.reads.push({ index: this.log.committed, round: this.readRound + 1, context, from });
    return true;
  }

  private releaseReadsAwaitingCommit(): void {
    const waiting = this.readsAwaitingCommit;
    this.readsAwaitingCommit = [];
    for (const r of waiting) this.leaderReadIndex(r.context, r.from);
  }

  /** Answers every read whose heartbeat round a majority has confirmed: our leadership was current. */
  private releaseReads(): void {
    if (this.reads.length === 0) return;
    const acks: number[] = [];
    for (const id of this.conf.voters) {
      acks.push(id === this.id ? this.readRound : this.prs.get(id)?.readRoundAck ?? 0);
    }
    const confirmed = majorityValue(acks);
    let n = 0;
    while (n < this.reads.length && this.reads[n]!.round <= confirmed) {
      this.answerRead(this.reads[n]!);
      n++;
    }
    if (n > 0) this.reads.splice(0, n);
  }

  private answerRead(r: PendingRead): void {
    if (r.from === null || r.from === this.id) {
      this.readStates.push({ index: r.index, context: r.context });
    } else {
      this.send(message({ type: 'readIndexResp', from: this.id, to: r.from, term: this.term, index: r.index, context: r.context }));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Membership (§6 of the thesis: single-server changes)

  private applyConf(conf: ConfState): void {
    this.conf = conf;
    if (this.role !== 'leader') {
      if (!this.promotable() && this.role !== 'follower') this.becomeFollower(this.term, null);
      return;
    }
    const last = this.log.lastIndex();
    for (const id of [...conf.voters, ...conf.learners]) {
      const learner = conf.learners.includes(id);
      const pr = this.prs.get(id);
      if (pr === undefined) {
        const fresh = new Progress(id, last + 1, learner, this.cfg.inflightCountMax, this.cfg.inflightBytesMax);
        fresh.recentActive = true;
        this.prs.set(id, fresh);
      } else {
        pr.isLearner = learner;
      }
    }
    for (const id of [...this.prs.keys()]) {
      if (!conf.voters.includes(id) && !conf.learners.includes(id)) this.prs.delete(id);
    }
    if (!conf.voters.includes(this.id)) {
      // A leader removed from the configuration steps down once the removal is applied, handing
      // off to the most caught-up voter so the cluster does not wait for an election timeout.
      let best: Progress | null = null;
      for (const id of conf.voters) {
        const pr = this.prs.get(id);
        if (pr !== undefined && (best === null || pr.match > best.match)) best = pr;
      }
      if (best !== null && best.match === last) this.sendTimeoutNow(best.id);
      this.becomeFollower(this.term, null);
      return;
    }
    if (this.transferee !== null && !conf.voters.includes(this.transferee)) this.transferee = null;
    if (this.maybeCommit()) this.broadcastPending = 2;
    else if (this.broadcastPending === 0) this.broadcastPending = 1;
    this.releaseReads();
  }

  private send(m: Message): void {
    this.msgs.push(m);
  }
}

const EMPTY_DATA = new Uint8Array(0);
const FORWARD_SEQ_SPAN = 0x1_0000_0000;
/** Forwarded batches remembered per follower for duplicate detection. */
const FORWARD_SEEN_MAX = 256;
/** 2^21 incarnations × 2^32 sequence numbers stays below 2^53. */
const FORWARD_INCARNATIONS = 0x20_0000;
const NO_MESSAGES: Message[] = [];

/** The configuration after `change`, or null when the change makes no sense against `conf`. */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState | null {
  const isVoter = conf.voters.includes(change.id);
  const isLearner = conf.learners.includes(change.id);
  switch (change.type) {
    case 'addLearner': {
      if (isVoter || isLearner) return null;
      const addresses = { ...conf.addresses };
      if (change.address !== undefined) addresses[change.id] = change.address;
      return { voters: conf.voters.slice(), learners: [...conf.learners, change.id], addresses };
    }
    case 'promote':
      if (!isLearner) return null;
      return {
        voters: [...conf.voters, change.id],
        learners: conf.learners.filter((id) => id !== change.id),
        addresses: { ...conf.addresses },
      };
    case 'remove': {
      if (!isVoter && !isLearner) return null;
      if (isVoter && conf.voters.length === 1) return null;
      const addresses = { ...conf.addresses };
      delete addresses[change.id];
      return {
        voters: conf.voters.filter((id) => id !== change.id),
        learners: conf.learners.filter((id) => id !== change.id),
        addresses,
      };
    }
  }
}

/** The entry every founding member writes at index 1 (term 1), so all logs start identical. */
export function bootstrapEntry(voters: readonly NodeId[], addresses: Readonly<Record<NodeId, string>> = {}): Entry {
  return { index: 1, term: 1, type: 'conf', data: encodeConf({ voters: voters.slice(), learners: [], addresses }) };
}

/** Storage state of a founding member before its first start. */
export function bootstrapState(voters: readonly NodeId[], addresses: Readonly<Record<NodeId, string>> = {}): RaftStorageState {
  return { hardState: { term: 1, vote: null, commit: 1 }, snapshot: null, entries: [bootstrapEntry(voters, addresses)] };
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}
