// The deterministic cluster simulator. One seed fixes everything: cluster size, network and disk
// behaviour, the fault schedule and the clients' operations; time is virtual. Each node runs the
// same persist → send → apply → advance loop as the real driver, against a simulated disk whose
// pending write is lost on a crash. After every event the safety invariants are checked; at the
// end the faults heal and the cluster must elect a leader and commit within a bound, every
// acknowledged write must be applied on every member, and the clients' history must be
// linearizable.

import { RaftCore, bootstrapState, defaultRaftConfig } from '../core/raft.js';
import type { ConfState, Entry, Message, NodeId, Ready, Snapshot } from '../core/types.js';
import type { HardState } from '../core/types.js';
import { decodeConf, readyHasWrites } from '../core/types.js';
import { checkOperations, kvModel } from '../linearizability/checker.js';
import type { KvInput, KvOutput, Operation } from '../linearizability/checker.js';
import { EventQueue } from './event-queue.js';
import { MemoryDisk, dataText, textData } from './net.js';
import { Prng } from './prng.js';

export interface SimOptions {
  readonly seed: number;
  /** Events processed before the faults heal. */
  readonly events: number;
  /** Print every event (replaying a failure). */
  readonly trace?: (line: string) => void;
  /** Also trace every delivered message. */
  readonly traceMessages?: boolean;
  /** Inject faults; off gives a clean-network baseline. */
  readonly faults?: boolean;
}

export interface SimStats {
  readonly voters: number;
  readonly eventsRun: number;
  readonly virtualMs: number;
  readonly writesAcked: number;
  readonly readsDone: number;
  readonly opsUnknown: number;
  readonly elections: number;
  readonly crashes: number;
  readonly snapshotsSent: number;
  readonly confChanges: number;
  readonly transfers: number;
}

export interface SimResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly failure?: string;
  readonly stats: SimStats;
}

export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
}

const TICK_MS = 10;
const ELECTION_TICKS = 10;
const CLIENT_TIMEOUT_MS = 600;
/** After healing, a leader must be elected and commit within this much virtual time. */
const HEAL_DEADLINE_MS = 40 * ELECTION_TICKS * TICK_MS;
const KEYS = ['a', 'b', 'c', 'd'];

type SimEvent =
  | { kind: 'tick'; node: NodeId; incarnation: number }
  | { kind: 'deliver'; msg: Message }
  | { kind: 'diskDone'; node: NodeId; incarnation: number }
  | { kind: 'client'; client: number }
  | { kind: 'clientTimeout'; client: number; opSeq: number }
  | { kind: 'fault' }
  | { kind: 'heal'; what: 'partition' | 'disk'; node?: NodeId }
  | { kind: 'restart'; node: NodeId }
  | { kind: 'shutdown'; node: NodeId }
  | { kind: 'crashLeader'; node: NodeId; term: number };

interface Command {
  readonly client: number;
  readonly seq: number;
  readonly key: string;
  readonly value: string;
}

interface SimNode {
  readonly id: NodeId;
  incarnation: number;
  alive: boolean;
  /** Removed from the configuration and shut down: excluded from the final checks. */
  retired: boolean;
  core: RaftCore;
  readonly disk: MemoryDisk;
  /** A Ready whose write is on its way to the disk. */
  writing: Ready | null;
  /** A commit-index-only update written without fsync: a crash loses it, the next sync keeps it. */
  unsyncedHardState: HardState | null;
  diskLatencyMs: [number, number];
  kv: Map<string, string>;
  appliedIndex: number;
  appliedHash: number;
  proposals: Map<number, { term: number; client: number; opSeq: number }>;
  /** Terms of the last entries applied (index → term), for answers that arrive late. */
  recentlyApplied: Map<number, number>;
  /** Proposals forwarded to the leader, by forward id, until it says where they went. */
  forwards: Map<number, { client: number; opSeq: number }>;
  reads: Map<number, { client: number; opSeq: number; key: string }>;
  readsWaiting: { index: number; client: number; opSeq: number; key: string }[];
  /** Highest term and the vote in it ever made durable, across incarnations. */
  durableTerm: number;
  durableVote: NodeId | null;
  durableCommit: number;
  snapshotEvery: number;
}

interface ClientState {
  readonly id: number;
  opSeq: number;
  busy: { seq: number; input: KvInput; callTime: number; node: NodeId } | null;
  leaderHint: NodeId | null;
}

export class Simulation {
  private readonly rng: Prng;
  private readonly net: Prng;
  private readonly q = new EventQueue<SimEvent>();
  private readonly nodes = new Map<NodeId, SimNode>();
  private now = 0;
  private eventCount = 0;
  private nextNodeNumber: number;
  private readonly clients: ClientState[] = [];
  readonly history: Operation<KvInput, KvOutput>[] = [];
  private healed = false;
  private readonly faults: boolean;

  // Network state.
  private readonly blocked = new Set<string>();
  private dropRate = 0;
  private dupRate = 0;
  private delaySpikeRate = 0;
  /** Chance that a newly elected leader is crashed within milliseconds: the histories of figure 8. */
  private newLeaderCrashRate = 0;

  // Global knowledge for invariants.
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly entryFacts = new Map<string, { dataHash: number; prevTerm: number | undefined }>();
  private readonly committedTerm: number[] = [];
  /** The lowest term in which each index was seen committed: leaders of later terms must hold it. */
  private readonly committedInTerm: number[] = [];
  private readonly appliedHashAt: number[] = [];
  private readonly ackedWrites: { index: number; term: number }[] = [];
  private maxAckedIndex = 0;
  private readCtx = 1;

  // Stats.
  private writesAcked = 0;
  private readsDone = 0;
  private opsUnknown = 0;
  private elections = 0;
  private crashes = 0;
  private snapshotsSent = 0;
  private confChanges = 0;
  private transfers = 0;
  readonly voters: number;

  constructor(private readonly opts: SimOptions) {
    this.rng = new Prng(opts.seed);
    this.net = this.rng.fork();
    this.faults = opts.faults ?? true;
    this.voters = this.rng.chance(0.5) ? 3 : 5;
    const ids: NodeId[] = [];
    for (let i = 1; i <= this.voters; i++) ids.push(`n${i}`);
    this.nextNodeNumber = this.voters + 1;
    for (const id of ids) this.createNode(id, true, ids);
    const clientCount = this.rng.range(2, 6);
    for (let c = 0; c < clientCount; c++) {
      this.clients.push({ id: c, opSeq: 0, busy: null, leaderHint: null });
      this.q.push(this.rng.range(0, 300), { kind: 'client', client: c });
    }
    if (this.faults) {
      this.dropRate = this.rng.pick([0, 0.01, 0.05, 0.1]);
      this.dupRate = this.rng.pick([0, 0.01, 0.05]);
      this.delaySpikeRate = this.rng.pick([0, 0.02, 0.1]);
      this.newLeaderCrashRate = this.rng.pick([0, 0, 0.2, 0.5]);
      this.q.push(this.rng.range(100, 400), { kind: 'fault' });
    }
  }

  private trace(line: string): void {
    this.opts.trace?.(`${String(this.now).padStart(7)}ms #${this.eventCount} ${line}`);
  }

  private fail(message: string): never {
    throw new InvariantViolation(`${message} (event ${this.eventCount}, t=${this.now}ms)`);
  }

  // -------------------------------------------------------------------------------------------
  // Nodes

  private createNode(id: NodeId, founding: boolean, voters: NodeId[]): SimNode {
    const disk = new MemoryDisk();
    if (founding) {
      const boot = bootstrapState(voters);
      disk.hardState = boot.hardState;
      disk.entries = boot.entries.slice();
    }
    const node: SimNode = {
      id,
      incarnation: 0,
      alive: true,
      retired: false,
      core: this.newCore(id, disk),
      disk,
      writing: null,
      unsyncedHardState: null,
      diskLatencyMs: [0.2, 2],
      kv: new Map(),
      appliedIndex: 0,
      appliedHash: 0,
      proposals: new Map(),
      recentlyApplied: new Map(),
      forwards: new Map(),
      reads: new Map(),
      readsWaiting: [],
      durableTerm: disk.hardState.term,
      durableVote: disk.hardState.vote,
      durableCommit: disk.hardState.commit,
      snapshotEvery: this.rng.pick([8, 20, 50, 200]),
    };
    this.nodes.set(id, node);
    this.scheduleTick(node, this.rng.range(1, TICK_MS));
    this.pump(node);
    return node;
  }

  private newCore(id: NodeId, disk: MemoryDisk): RaftCore {
    const cfg = defaultRaftConfig(id, {
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: 1,
      randomSeed: this.rng.uint32(),
      // Small caps so pipelining limits and message splitting are exercised.
      appendBytesMax: this.rng.pick([64, 512, 1 << 16]),
      inflightCountMax: this.rng.pick([1, 4, 64]),
      inflightBytesMax: this.rng.pick([0, 256, 1 << 20]),
      readyCommittedBytesMax: this.rng.pick([64, 1 << 20]),
      snapshotTimeoutTicks: 3 * ELECTION_TICKS,
    });
    return new RaftCore(cfg, disk.state());
  }

  private scheduleTick(node: SimNode, delay: number): void {
    this.q.push(this.now + delay, { kind: 'tick', node: node.id, incarnation: node.incarnation });
  }

  private crash(node: SimNode): void {
    this.trace(`crash ${node.id} (pending write ${node.writing !== null ? 'lost' : 'none'})`);
    this.crashes++;
    node.alive = false;
    node.writing = null;
    node.unsyncedHardState = null;
    node.incarnation++;
    node.proposals.clear();
    node.forwards.clear();
    node.reads.clear();
    node.readsWaiting = [];
  }

  private restart(node: SimNode): void {
    if (node.alive || node.retired) return;
    node.core = this.newCore(node.id, node.disk);
    if (node.core.term !== node.durableTerm) this.fail(`${node.id} restarted at term ${node.core.term}, durable term was ${node.durableTerm}`);
    node.alive = true;
    node.kv = new Map();
    node.appliedIndex = 0;
    node.appliedHash = 0;
    if (node.disk.snapshot !== null) this.restoreSnapshot(node, node.disk.snapshot);
    node.diskLatencyMs = [0.2, 2];
    this.trace(`restart ${node.id} term=${node.core.term} first=${node.core.log.firstIndex()} last=${node.core.log.lastIndex()}`);
    this.scheduleTick(node, this.rng.range(1, TICK_MS));
    this.pump(node);
  }

  // -------------------------------------------------------------------------------------------
  // The driver loop, as RaftNode runs it

  private pump(node: SimNode): void {
    while (node.alive && node.writing === null && node.core.hasReady()) {
      const rd = node.core.ready();
      this.checkReady(node, rd);
      for (const m of rd.earlyMessages) this.send(node, m);
      if (rd.mustSync) {
        node.writing = rd;
        const [lo, hi] = node.diskLatencyMs;
        this.q.push(this.now + lo + this.rng.float() * (hi - lo), { kind: 'diskDone', node: node.id, incarnation: node.incarnation });
        return;
      }
      this.finishReady(node, rd);
    }
  }

  private finishReady(node: SimNode, rd: Ready): void {
    if (!rd.mustSync && rd.hardState !== null) {
      node.unsyncedHardState = rd.hardState;
    } else if (readyHasWrites(rd)) {
      // An fsync also makes every earlier unsynced write durable.
      const hs0 = rd.hardState ?? node.unsyncedHardState;
      node.unsyncedHardState = null;
      if (hs0 !== null) {
        const hs = hs0;
        if (hs.term < node.durableTerm) this.fail(`${node.id} term went back from ${node.durableTerm} to ${hs.term}`);
        if (hs.term === node.durableTerm && node.durableVote !== null && hs.vote !== node.durableVote) {
          this.fail(`${node.id} changed its vote in term ${hs.term} from ${node.durableVote} to ${hs.vote}`);
        }
        if (hs.commit < node.durableCommit) this.fail(`${node.id} commit went back from ${node.durableCommit} to ${hs.commit}`);
        node.durableTerm = hs.term;
        node.durableVote = hs.vote;
        node.durableCommit = hs.commit;
      }
      node.disk.persist(hs0 === rd.hardState ? rd : { ...rd, hardState: hs0 });
    }
    for (const m of rd.messages) this.send(node, m);
    for (const f of rd.forwarded) {
      const p = node.forwards.get(f.id);
      if (p === undefined) continue;
      node.forwards.delete(f.id);
      const client = this.clients[p.client]!;
      if (client.busy === null || client.busy.seq !== p.opSeq) continue;
      // Refused: never appended anywhere, so the put had no effect. Placed at an index we have
      // already applied: its fate is unknown here, so the client's timeout decides.
      if (f.index === 0) {
        this.abandonOp(client);
      } else if (f.index > node.appliedIndex) {
        node.proposals.set(f.index, { term: f.term, client: p.client, opSeq: p.opSeq });
      } else {
        // The entry overtook the answer and was applied already: settle it as the driver does.
        const term = node.recentlyApplied.get(f.index);
        if (term === f.term) {
          this.ackedWrites.push({ index: f.index, term });
          if (f.index > this.maxAckedIndex) this.maxAckedIndex = f.index;
          this.writesAcked++;
          this.completeOp(client, { value: null });
        } else if (term !== undefined) {
          this.abandonOp(client);
        }
      }
    }
    if (rd.snapshot !== null) this.restoreSnapshot(node, rd.snapshot);
    for (const e of rd.committedEntries) this.apply(node, e);
    for (const rs of rd.readStates) {
      const r = node.reads.get(rs.context);
      if (r === undefined) continue;
      node.reads.delete(rs.context);
      node.readsWaiting.push({ index: rs.index, ...r });
      this.trace(`${node.id} read state ctx=${rs.context} index=${rs.index} applied=${node.appliedIndex}`);
    }
    this.serveReads(node);
    node.core.advance(rd);
    this.maybeSnapshot(node);
  }

  private send(from: SimNode, m: Message): void {
    let msg = m;
    if (m.type === 'snap') {
      const snap = from.disk.snapshot;
      if (snap === null || m.snapshot === null || snap.meta.index !== m.snapshot.index) {
        from.core.reportSnapshot(m.to, false);
        return;
      }
      msg = { ...m, snapshotData: snap.data };
      this.snapshotsSent++;
    }
    if (this.net.chance(this.dropRate)) return;
    const copies = this.net.chance(this.dupRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let delay = 0.1 + this.net.float() * 2;
      if (this.net.chance(this.delaySpikeRate)) delay += this.net.float() * 60;
      this.q.push(this.now + delay, { kind: 'deliver', msg });
    }
  }

  private apply(node: SimNode, e: Entry): void {
    if (e.index !== node.appliedIndex + 1) this.fail(`${node.id} applied ${e.index} after ${node.appliedIndex}`);
    const dataHash = hashBytes(e.data);
    node.appliedHash = mix(mix(node.appliedHash, e.term), dataHash);
    node.appliedIndex = e.index;
    node.recentlyApplied.set(e.index, e.term);
    if (node.recentlyApplied.size > 1024) node.recentlyApplied.delete(node.recentlyApplied.keys().next().value!);
    const known = this.appliedHashAt[e.index];
    if (known === undefined) this.appliedHashAt[e.index] = node.appliedHash;
    else if (known !== node.appliedHash) this.fail(`${node.id} applied a different sequence at index ${e.index}`);
    const ct = this.committedTerm[e.index];
    if (ct !== undefined && ct !== e.term) this.fail(`${node.id} applied term ${e.term} at ${e.index}, committed term is ${ct}`);
    if (e.type === 'normal' && e.data.length > 0) {
      const cmd = JSON.parse(dataText(e.data)) as Command;
      node.kv.set(cmd.key, cmd.value);
    } else if (e.type === 'conf') {
      this.onConfApplied(node, decodeConf(e.data));
    }
    const p = node.proposals.get(e.index);
    if (p !== undefined) {
      node.proposals.delete(e.index);
      const client = this.clients[p.client]!;
      if (client.busy !== null && client.busy.seq === p.opSeq) {
        if (p.term === e.term) {
          this.ackedWrites.push({ index: e.index, term: e.term });
          if (e.index > this.maxAckedIndex) this.maxAckedIndex = e.index;
          this.writesAcked++;
          this.completeOp(client, { value: null });
          client.leaderHint = node.id;
        } else {
          // Another entry won this index: ours can never commit. The put had no effect.
          this.abandonOp(client);
        }
      }
    }
    this.serveReads(node);
  }

  private serveReads(node: SimNode): void {
    if (node.readsWaiting.length === 0) return;
    const still: SimNode['readsWaiting'] = [];
    for (const r of node.readsWaiting) {
      if (r.index > node.appliedIndex) {
        still.push(r);
        continue;
      }
      const client = this.clients[r.client]!;
      if (client.busy !== null && client.busy.seq === r.opSeq) {
        this.readsDone++;
        this.completeOp(client, { value: node.kv.get(r.key) ?? null });
      }
    }
    node.readsWaiting = still;
  }

  private restoreSnapshot(node: SimNode, snap: Snapshot): void {
    const state = JSON.parse(dataText(snap.data)) as { kv: [string, string][]; hash: number };
    node.kv = new Map(state.kv);
    node.appliedIndex = snap.meta.index;
    node.appliedHash = state.hash;
    const known = this.appliedHashAt[snap.meta.index];
    if (known !== undefined && known !== state.hash) this.fail(`${node.id} restored a snapshot that disagrees at ${snap.meta.index}`);
    this.serveReads(node);
  }

  private maybeSnapshot(node: SimNode): void {
    const last = node.disk.snapshot?.meta.index ?? 0;
    if (node.appliedIndex - last < node.snapshotEvery) return;
    if (node.core.appliedIndex() !== node.appliedIndex) return;
    const meta = node.core.snapshotMeta();
    if (meta === null) return;
    const data = textData(JSON.stringify({ kv: [...node.kv], hash: node.appliedHash }));
    node.disk.snapshot = { meta, data };
    const trailing = this.rng.pick([0, 2, 10]);
    const first = node.core.compact(meta, meta.index - trailing);
    node.disk.compact(first);
  }

  private onConfApplied(node: SimNode, conf: ConfState): void {
    // Operators shut a removed node down once the cluster has moved on without it.
    for (const other of this.nodes.values()) {
      const member = conf.voters.includes(other.id) || conf.learners.includes(other.id);
      if (!member && !other.retired && this.everMember.has(other.id) && node.id !== other.id) {
        this.q.push(this.now + 200, { kind: 'shutdown', node: other.id });
      }
    }
    for (const id of [...conf.voters, ...conf.learners]) this.everMember.add(id);
  }
  private readonly everMember = new Set<NodeId>();

  // -------------------------------------------------------------------------------------------
  // Invariants checked on every Ready (they see every entry a node stores and every commit)

  private checkReady(node: SimNode, rd: Ready): void {
    const core = node.core;
    for (const e of rd.entries) {
      const key = `${e.index}:${e.term}`;
      const prevTerm = core.log.termAt(e.index - 1);
      const fact = this.entryFacts.get(key);
      const dataHash = hashBytes(e.data) ^ (e.type === 'conf' ? 0x5bd1e995 : 0);
      if (fact === undefined) {
        this.entryFacts.set(key, { dataHash, prevTerm });
      } else {
        if (fact.dataHash !== dataHash) this.fail(`log matching: two different entries at index ${e.index} term ${e.term}`);
        if (fact.prevTerm !== undefined && prevTerm !== undefined && fact.prevTerm !== prevTerm) {
          this.fail(`log matching: entry ${key} follows term ${prevTerm} on ${node.id} but ${fact.prevTerm} elsewhere`);
        }
      }
    }
    if (rd.hardState !== null) {
      // Record every newly committed index; a committed entry never changes.
      for (let i = Math.max(1, node.durableCommit + 1); i <= rd.hardState.commit; i++) {
        const t = core.log.termAt(i);
        if (t === undefined) continue;
        const known = this.committedTerm[i];
        if (known === undefined) this.committedTerm[i] = t;
        else if (known !== t) this.fail(`${node.id} committed term ${t} at ${i}, already committed with term ${known}`);
        const inTerm = this.committedInTerm[i];
        if (inTerm === undefined || rd.hardState.term < inTerm) this.committedInTerm[i] = rd.hardState.term;
      }
    }
    if (rd.softState !== null && rd.softState.role === 'leader') {
      this.elections++;
      this.trace(`${node.id} leader in term ${core.term}`);
      this.checkLeaderCompleteness(node);
      if (!this.healed && this.rng.chance(this.newLeaderCrashRate)) {
        this.q.push(this.now + this.rng.float() * 15, { kind: 'crashLeader', node: node.id, term: node.core.term });
      }
    }
  }

  private checkLeaderAfterEvent(node: SimNode): void {
    if (!node.alive || node.core.role !== 'leader') return;
    const term = node.core.term;
    const known = this.leaderOfTerm.get(term);
    if (known === undefined) this.leaderOfTerm.set(term, node.id);
    else if (known !== node.id) this.fail(`two leaders in term ${term}: ${known} and ${node.id}`);
  }

  private checkLeaderCompleteness(node: SimNode): void {
    const log = node.core.log;
    for (let i = 1; i < this.committedTerm.length; i++) {
      const t = this.committedTerm[i];
      // Only entries committed in an earlier term bind this leader (a stale leader of an older
      // term, elected late, need not hold what a newer term committed).
      if (t === undefined || (this.committedInTerm[i] ?? 0) >= node.core.term) continue;
      if (i < log.firstIndex() && (log.snapshot?.index ?? 0) >= i) continue;
      const have = log.termAt(i);
      if (have === undefined && i <= (log.snapshot?.index ?? 0)) continue;
      if (have !== t) this.fail(`leader completeness: ${node.id} leads term ${node.core.term} without committed entry ${i} (term ${t}, has ${have})`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Clients

  private clientStep(client: ClientState): void {
    if (client.busy !== null || this.healed) return;
    const members = [...this.nodes.values()].filter((n) => n.alive && !n.retired);
    if (members.length === 0) {
      this.q.push(this.now + 50, { kind: 'client', client: client.id });
      return;
    }
    const hinted = client.leaderHint !== null ? this.nodes.get(client.leaderHint) : undefined;
    const node = hinted !== undefined && hinted.alive && this.rng.chance(0.8) ? hinted : this.rng.pick(members);
    const key = this.rng.pick(KEYS);
    const seq = ++client.opSeq;
    const isWrite = this.rng.chance(0.55);
    if (isWrite) {
      const value = `c${client.id}-${seq}`;
      const cmd: Command = { client: client.id, seq, key, value };
      // Followers forward to the leader (half the time; the other half the client is redirected).
      const data = textData(JSON.stringify(cmd));
      const r = this.rng.chance(0.5) ? node.core.proposeOrForward(data) : node.core.propose(data);
      if (r.ok === false) {
        client.leaderHint = r.leader;
        this.q.push(this.now + this.rng.range(1, 20), { kind: 'client', client: client.id });
        return;
      }
      client.busy = { seq, input: { op: 'put', key, value }, callTime: this.now, node: node.id };
      if (r.ok === 'forwarded') node.forwards.set(r.id, { client: client.id, opSeq: seq });
      else node.proposals.set(r.index, { term: r.term, client: client.id, opSeq: seq });
    } else {
      const ctx = this.readCtx++;
      if (!node.core.readIndex(ctx)) {
        client.leaderHint = node.core.leader;
        this.q.push(this.now + this.rng.range(1, 20), { kind: 'client', client: client.id });
        return;
      }
      client.busy = { seq, input: { op: 'get', key }, callTime: this.now, node: node.id };
      node.reads.set(ctx, { client: client.id, opSeq: seq, key });
    }
    this.q.push(this.now + CLIENT_TIMEOUT_MS, { kind: 'clientTimeout', client: client.id, opSeq: seq });
    this.pump(node);
  }

  private completeOp(client: ClientState, output: KvOutput): void {
    const busy = client.busy!;
    this.trace(`client ${client.id} ${busy.input.op}(${busy.input.key}${busy.input.op === 'put' ? `, ${busy.input.value}` : ''}) called ${busy.callTime.toFixed(2)} on ${busy.node} -> ${JSON.stringify(output.value)}`);
    // Returns are stamped strictly after calls even at the same virtual instant.
    this.history.push({ clientId: client.id, input: busy.input, output, callTime: busy.callTime, returnTime: this.now + 0.001 });
    client.busy = null;
    this.q.push(this.now + this.rng.range(0, 15), { kind: 'client', client: client.id });
  }

  private abandonOp(client: ClientState): void {
    client.busy = null;
    this.q.push(this.now + this.rng.range(0, 15), { kind: 'client', client: client.id });
  }

  private timeoutOp(client: ClientState, opSeq: number): void {
    const busy = client.busy;
    if (busy === null || busy.seq !== opSeq) return;
    this.trace(`client ${client.id} ${busy.input.op}(${busy.input.key}) called ${busy.callTime.toFixed(2)} on ${busy.node} timed out`);
    if (busy.input.op === 'put') {
      // The write may still take effect at any later time: its return is unknown.
      this.history.push({ clientId: client.id, input: busy.input, output: undefined, callTime: busy.callTime, returnTime: Infinity });
    }
    this.opsUnknown++;
    client.busy = null;
    client.leaderHint = null;
    this.q.push(this.now + this.rng.range(0, 15), { kind: 'client', client: client.id });
  }

  // -------------------------------------------------------------------------------------------
  // Faults

  private leaderNode(): SimNode | null {
    let best: SimNode | null = null;
    for (const n of this.nodes.values()) {
      if (n.alive && n.core.role === 'leader' && (best === null || n.core.term > best.core.term)) best = n;
    }
    return best;
  }

  private injectFault(): void {
    const live = [...this.nodes.values()].filter((n) => !n.retired);
    const alive = live.filter((n) => n.alive);
    const roll = this.rng.int(110);
    if (roll >= 100) {
      // Isolate the leader: its recent entries stay on a minority while others elect anew.
      const leader = this.leaderNode();
      if (leader !== null) {
        for (const other of this.nodes.keys()) {
          if (other === leader.id) continue;
          this.blocked.add(`${leader.id}->${other}`);
          this.blocked.add(`${other}->${leader.id}`);
        }
        this.trace(`isolate leader ${leader.id}`);
        this.q.push(this.now + this.rng.range(30, 600), { kind: 'heal', what: 'partition' });
      }
    } else if (roll < 18) {
      // Symmetric partition into two sides.
      const shuffled = alive.slice().sort(() => 0).map((n) => n.id);
      const side = shuffled.filter(() => this.rng.chance(0.5));
      for (const a of side) for (const b of shuffled) if (!side.includes(b)) {
        this.blocked.add(`${a}->${b}`);
        this.blocked.add(`${b}->${a}`);
      }
      this.trace(`partition [${side.join(',')}] | rest`);
      this.q.push(this.now + this.rng.range(50, 1500), { kind: 'heal', what: 'partition' });
    } else if (roll < 28) {
      const a = this.rng.pick(live).id;
      const b = this.rng.pick(live).id;
      if (a !== b) {
        this.blocked.add(`${a}->${b}`);
        this.trace(`one-way cut ${a}->${b}`);
        this.q.push(this.now + this.rng.range(50, 1500), { kind: 'heal', what: 'partition' });
      }
    } else if (roll < 43) {
      const victims = alive.filter(() => true);
      if (victims.length > 0) {
        const leader = this.leaderNode();
        const v = leader !== null && this.rng.chance(0.5) ? leader : this.rng.pick(victims);
        this.crash(v);
        this.q.push(this.now + this.rng.range(20, 1200), { kind: 'restart', node: v.id });
      }
    } else if (roll < 55) {
      if (alive.length > 0) {
        const n = this.rng.pick(alive);
        const slow = this.rng.range(20, 400);
        n.diskLatencyMs = [slow / 2, slow];
        this.trace(`slow disk ${n.id} ${slow}ms`);
        this.q.push(this.now + this.rng.range(100, 1500), { kind: 'heal', what: 'disk', node: n.id });
      }
    } else if (roll < 72) {
      this.membershipChange();
    } else if (roll < 82) {
      const leader = this.leaderNode();
      if (leader !== null) {
        const target = this.rng.pick(leader.core.confState().voters as NodeId[]);
        if (leader.core.transferLeader(target)) {
          this.transfers++;
          this.trace(`transfer ${leader.id} -> ${target}`);
          this.pump(leader);
        }
      }
    } else {
      this.dropRate = this.rng.pick([0, 0.01, 0.05, 0.2]);
      this.dupRate = this.rng.pick([0, 0.02, 0.1]);
      this.delaySpikeRate = this.rng.pick([0, 0.05, 0.2]);
      this.trace(`network drop=${this.dropRate} dup=${this.dupRate} spikes=${this.delaySpikeRate}`);
    }
  }

  private membershipChange(): void {
    const leader = this.leaderNode();
    if (leader === null) return;
    const conf = leader.core.confState();
    const status = leader.core.status();
    let change: Parameters<RaftCore['proposeConfChange']>[0] | null = null;
    if (conf.learners.length > 0) {
      const id = conf.learners[0]!;
      const pr = status.progress.get(id);
      if (pr !== undefined && pr.match >= status.commit) change = { type: 'promote', id };
    } else if (conf.voters.length > Math.min(this.voters, 4)) {
      change = { type: 'remove', id: this.rng.pick(conf.voters) };
    } else if (conf.voters.length < this.voters + 1) {
      const id = `n${this.nextNodeNumber}`;
      change = { type: 'addLearner', id };
    }
    if (change === null) return;
    const r = leader.core.proposeConfChange(change);
    this.trace(`conf ${change.type} ${change.id} via ${leader.id}: ${r.ok ? `index ${r.index}` : r.reason}`);
    if (!r.ok) return;
    this.confChanges++;
    if (change.type === 'addLearner') {
      this.nextNodeNumber++;
      this.createNode(change.id, false, []);
    }
    this.pump(leader);
  }

  // -------------------------------------------------------------------------------------------
  // Main loop

  private handle(ev: SimEvent): void {
    switch (ev.kind) {
      case 'tick': {
        const n = this.nodes.get(ev.node)!;
        if (!n.alive || n.incarnation !== ev.incarnation) return;
        n.core.tick();
        this.pump(n);
        this.checkLeaderAfterEvent(n);
        this.scheduleTick(n, TICK_MS);
        return;
      }
      case 'deliver': {
        const m = ev.msg;
        if (this.blocked.has(`${m.from}->${m.to}`)) return;
        const n = this.nodes.get(m.to);
        if (n === undefined || !n.alive) return;
        if (this.opts.traceMessages === true) this.trace(describeMessage(m));
        n.core.step(m);
        this.pump(n);
        this.checkLeaderAfterEvent(n);
        return;
      }
      case 'diskDone': {
        const n = this.nodes.get(ev.node)!;
        if (!n.alive || n.incarnation !== ev.incarnation || n.writing === null) return;
        const rd = n.writing;
        n.writing = null;
        this.finishReady(n, rd);
        this.pump(n);
        this.checkLeaderAfterEvent(n);
        return;
      }
      case 'client':
        this.clientStep(this.clients[ev.client]!);
        return;
      case 'clientTimeout':
        this.timeoutOp(this.clients[ev.client]!, ev.opSeq);
        return;
      case 'fault':
        if (this.healed) return;
        this.injectFault();
        this.q.push(this.now + this.rng.range(30, 400), { kind: 'fault' });
        return;
      case 'heal':
        if (ev.what === 'partition') this.blocked.clear();
        else {
          const n = this.nodes.get(ev.node!)!;
          n.diskLatencyMs = [0.2, 2];
        }
        return;
      case 'restart':
        this.restart(this.nodes.get(ev.node)!);
        return;
      case 'crashLeader': {
        const n = this.nodes.get(ev.node)!;
        if (this.healed || !n.alive || n.core.term !== ev.term) return;
        this.crash(n);
        this.q.push(this.now + this.rng.range(20, 600), { kind: 'restart', node: n.id });
        return;
      }
      case 'shutdown': {
        const n = this.nodes.get(ev.node)!;
        if (n.retired) return;
        // Only once a leader's configuration no longer counts it.
        const leader = this.leaderNode();
        if (leader === null) {
          this.q.push(this.now + 200, ev);
          return;
        }
        const conf = leader.core.confState();
        if (conf.voters.includes(n.id) || conf.learners.includes(n.id)) return;
        this.trace(`shutdown removed node ${n.id}`);
        if (n.alive) this.crash(n);
        n.retired = true;
        return;
      }
    }
  }

  private runUntil(stop: () => boolean, deadline: number): boolean {
    while (this.q.size > 0) {
      if (stop()) return true;
      const next = this.q.pop()!;
      if (next.time > deadline) {
        this.q.push(next.time, next.event);
        return stop();
      }
      this.now = next.time;
      this.eventCount++;
      this.handle(next.event);
    }
    return stop();
  }

  run(): SimResult {
    try {
      this.runUntil(() => this.eventCount >= this.opts.events, Infinity);
      this.healAll();
      this.checkLiveness();
      this.checkFinal();
      return { seed: this.opts.seed, ok: true, stats: this.stats() };
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return { seed: this.opts.seed, ok: false, failure: message, stats: this.stats() };
    }
  }

  private healAll(): void {
    this.healed = true;
    this.trace('heal everything');
    this.blocked.clear();
    this.dropRate = 0;
    this.dupRate = 0;
    this.delaySpikeRate = 0;
    for (const n of this.nodes.values()) {
      n.diskLatencyMs = [0.2, 2];
      if (!n.alive && !n.retired) this.restart(n);
    }
  }

  /** After the faults heal, a leader is elected and commits a fresh entry within a bound. */
  private checkLiveness(): void {
    const healedAt = this.now;
    const deadline = healedAt + HEAL_DEADLINE_MS;
    let probe: { node: SimNode; index: number; term: number } | null = null;
    const committed = (): boolean => {
      const leader = this.leaderNode();
      if (leader === null) return false;
      if (probe === null || probe.node !== leader || probe.term !== leader.core.term) {
        const r = leader.core.propose(textData(JSON.stringify({ client: -1, seq: 0, key: 'probe', value: String(this.now) })));
        if (!r.ok) return false;
        probe = { node: leader, index: r.index, term: r.term };
        this.pump(leader);
      }
      // The global record, not the leader's log: a snapshot may already have compacted the entry.
      return probe.node.appliedIndex >= probe.index && this.committedTerm[probe.index] === probe.term;
    };
    if (!this.runUntil(committed, deadline)) {
      this.fail(`no leader committed within ${HEAL_DEADLINE_MS}ms after healing (leader: ${this.leaderNode()?.id ?? 'none'})`);
    }
    // Then every member catches up to the leader's commit.
    const leader = this.leaderNode()!;
    const target = leader.core.log.committed;
    const members = (): SimNode[] => {
      const conf = this.leaderNode()?.core.confState() ?? leader.core.confState();
      return [...this.nodes.values()].filter((n) => !n.retired && n.alive && (conf.voters.includes(n.id) || conf.learners.includes(n.id)));
    };
    // Writes still completing (a forwarded put acknowledged by a follower) raise the bar.
    const needed = (): number => Math.max(target, this.maxAckedIndex);
    const caughtUp = (): boolean => {
      const want = needed();
      return members().every((n) => n.appliedIndex >= want);
    };
    if (!this.runUntil(caughtUp, this.now + HEAL_DEADLINE_MS)) {
      const lag = members().map((n) => `${n.id}:${n.appliedIndex}`).join(' ');
      this.fail(`members did not catch up to ${needed()} after healing: ${lag}`);
    }
  }

  private checkFinal(): void {
    const leader = this.leaderNode()!;
    const conf = leader.core.confState();
    for (const n of this.nodes.values()) {
      if (n.retired || !(conf.voters.includes(n.id) || conf.learners.includes(n.id))) continue;
      for (const w of this.ackedWrites) {
        if (n.appliedIndex < w.index) this.fail(`acknowledged write at ${w.index} not applied on ${n.id}`);
      }
    }
    for (const w of this.ackedWrites) {
      if (this.committedTerm[w.index] !== undefined && this.committedTerm[w.index] !== w.term) {
        this.fail(`acknowledged write at ${w.index} (term ${w.term}) lost: committed term is ${this.committedTerm[w.index]}`);
      }
    }
    // Writes still in flight may have taken effect: they enter the history with unknown outcome.
    for (const c of this.clients) {
      if (c.busy !== null && c.busy.input.op === 'put') {
        this.history.push({ clientId: c.id, input: c.busy.input, output: undefined, callTime: c.busy.callTime, returnTime: Infinity });
      }
    }
    const lin = checkOperations(kvModel, this.history, { stepsMax: 2_000_000 });
    if (lin.result === 'illegal') this.fail(`client history is not linearizable: ${lin.explanation}`);
    if (lin.result === 'unknown') this.fail('linearizability check ran out of budget');
  }

  private stats(): SimStats {
    return {
      voters: this.voters,
      eventsRun: this.eventCount,
      virtualMs: Math.round(this.now),
      writesAcked: this.writesAcked,
      readsDone: this.readsDone,
      opsUnknown: this.opsUnknown,
      elections: this.elections,
      crashes: this.crashes,
      snapshotsSent: this.snapshotsSent,
      confChanges: this.confChanges,
      transfers: this.transfers,
    };
  }
}

export function runSimulation(opts: SimOptions): SimResult {
  return new Simulation(opts).run();
}

/** The one-line command that replays a seed exactly. */
export function replayCommand(seed: number, events: number): string {
  return `npm run sim -- --seed-start ${seed} --seeds 1 --events ${events} --trace`;
}

export function describeMessage(m: Message): string {
  const parts = [`${m.type} ${m.from}->${m.to} t${m.term}`];
  if (m.index !== 0 || m.logTerm !== 0) parts.push(`i${m.index}/t${m.logTerm}`);
  if (m.entries.length > 0) parts.push(`entries ${m.entries[0]!.index}..${m.entries[m.entries.length - 1]!.index}`);
  if (m.commit !== 0) parts.push(`commit ${m.commit}`);
  if (m.reject) parts.push(`REJECT hint ${m.rejectHint}`);
  if (m.snapshot !== null) parts.push(`snap ${m.snapshot.index}/t${m.snapshot.term}`);
  if (m.context !== 0) parts.push(`ctx ${m.context}`);
  return parts.join(' ');
}

function hashBytes(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
  return h >>> 0;
}

function mix(h: number, v: number): number {
  let x = Math.imul(h ^ v, 0x9e3779b1);
  x ^= x >>> 15;
  return Math.imul(x, 0x85ebca77) >>> 0;
}
