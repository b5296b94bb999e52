// A hand-driven in-memory cluster of pure cores: every message waits in a queue until the test
// (or a scenario script) delivers or drops it, and time moves only by explicit ticks. Each node
// runs the driver loop the real RaftNode runs (persist, send, apply, advance) against plain
// arrays, so tests see exactly what a correct driver would do.

import { RaftCore, bootstrapState, defaultRaftConfig } from '../core/raft.js';
import type { RaftConfig, RaftStorageState } from '../core/raft.js';
import type { Entry, HardState, Message, NodeId, Ready, Snapshot } from '../core/types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function textData(s: string): Uint8Array {
  return encoder.encode(s);
}

export function dataText(d: Uint8Array): string {
  return decoder.decode(d);
}

/** What one node has made durable. */
export class MemoryDisk {
  hardState: HardState = { term: 0, vote: null, commit: 0 };
  snapshot: Snapshot | null = null;
  entries: Entry[] = [];

  /** Applies a Ready's durable part: entries replace the stored suffix from their first index. */
  persist(rd: Ready): void {
    if (rd.snapshot !== null) {
      this.snapshot = rd.snapshot;
      this.entries = [];
    }
    if (rd.entries.length > 0) {
      const first = rd.entries[0]!.index;
      const keep = this.entries.findIndex((e) => e.index >= first);
      if (keep >= 0) this.entries.length = keep;
      this.entries.push(...rd.entries);
    }
    if (rd.hardState !== null) this.hardState = rd.hardState;
  }

  compact(firstIndex: number): void {
    this.entries = this.entries.filter((e) => e.index >= firstIndex);
  }

  state(): RaftStorageState {
    return { hardState: this.hardState, snapshot: this.snapshot?.meta ?? null, entries: this.entries.slice() };
  }
}

/** The application: a list of applied commands, snapshotted as JSON. */
export class ListStateMachine {
  applied: { index: number; term: number; data: string }[] = [];

  apply(e: Entry): void {
    if (e.type !== 'normal' || e.data.length === 0) return;
    this.applied.push({ index: e.index, term: e.term, data: dataText(e.data) });
  }

  snapshot(): Uint8Array {
    return textData(JSON.stringify(this.applied));
  }

  restore(data: Uint8Array): void {
    this.applied = JSON.parse(dataText(data)) as { index: number; term: number; data: string }[];
  }
}

export interface NetNode {
  readonly id: NodeId;
  core: RaftCore;
  readonly disk: MemoryDisk;
  sm: ListStateMachine;
  alive: boolean;
}

export class Net {
  readonly nodes = new Map<NodeId, NetNode>();
  /** Messages sent and not yet delivered or dropped, in send order. */
  queue: Message[] = [];
  /** Every message handed to a receiver, in order (tests inspect it). */
  delivered: Message[] = [];
  /** Directed links that lose every message: `a->b`. */
  private readonly cut = new Set<string>();
  private seedCounter = 1;

  constructor(
    voters: readonly NodeId[],
    private readonly overrides: Partial<RaftConfig> = {},
  ) {
    for (const id of voters) this.addNode(id, bootstrapState(voters));
  }

  /** Adds a node; founding members get bootstrap state, joiners an empty disk. */
  addNode(id: NodeId, initial?: RaftStorageState): NetNode {
    const disk = new MemoryDisk();
    if (initial !== undefined) {
      disk.hardState = initial.hardState;
      disk.entries = initial.entries.slice();
    }
    const node: NetNode = { id, core: this.newCore(id, disk), disk, sm: new ListStateMachine(), alive: true };
    this.nodes.set(id, node);
    this.process(id);
    return node;
  }

  node(id: NodeId): NetNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  core(id: NodeId): RaftCore {
    return this.node(id).core;
  }

  private newCore(id: NodeId, disk: MemoryDisk): RaftCore {
    const cfg = defaultRaftConfig(id, { randomSeed: this.seedCounter++ * 7919, ...this.overrides });
    return new RaftCore(cfg, disk.state());
  }

  /** Runs one Ready through persist → send → apply → advance. Returns whether there was one. */
  process(id: NodeId): boolean {
    const n = this.node(id);
    if (!n.alive || !n.core.hasReady()) return false;
    const rd = n.core.ready();
    n.disk.persist(rd);
    for (const m of [...rd.earlyMessages, ...rd.messages]) {
      if (m.type === 'snap' && m.snapshot !== null) {
        // The transport attaches the snapshot data from the sender's store.
        const snap = n.disk.snapshot;
        if (snap === null || snap.meta.index !== m.snapshot.index) continue;
        this.queue.push({ ...m, snapshotData: snap.data });
      } else {
        this.queue.push(m);
      }
    }
    if (rd.snapshot !== null) n.sm.restore(rd.snapshot.data);
    for (const e of rd.committedEntries) n.sm.apply(e);
    n.core.advance(rd);
    return true;
  }

  processAll(): boolean {
    let any = false;
    for (const id of this.nodes.keys()) while (this.process(id)) any = true;
    return any;
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) {
      if (!this.node(id).alive) return;
      this.core(id).tick();
      this.process(id);
    }
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) for (const id of this.nodes.keys()) this.tick(id);
  }

  campaign(id: NodeId): void {
    this.core(id).campaign();
    this.process(id);
  }

  /** Takes the next queued message matching `pred` out of the queue. */
  take(pred: (m: Message) => boolean = () => true): Message | undefined {
    const i = this.queue.findIndex(pred);
    if (i < 0) return undefined;
    return this.queue.splice(i, 1)[0];
  }

  /** Delivers one message now (unless its link is cut or its receiver is down). */
  deliver(m: Message): void {
    if (this.cut.has(`${m.from}->${m.to}`)) return;
    const n = this.nodes.get(m.to);
    if (n === undefined || !n.alive) return;
    this.delivered.push(m);
    n.core.step(m);
    this.process(m.to);
  }

  /** Delivers queued messages until none is left (new ones included); returns how many went. */
  stabilize(limit = 100_000): number {
    let delivered = 0;
    this.processAll();
    while (this.queue.length > 0) {
      if (delivered++ >= limit) throw new Error('network did not settle');
      this.deliver(this.queue.shift()!);
    }
    return delivered;
  }

  /** Drops queued messages matching `pred`; returns how many. */
  drop(pred: (m: Message) => boolean): number {
    const before = this.queue.length;
    this.queue = this.queue.filter((m) => !pred(m));
    return before - this.queue.length;
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}->${to}`);
  }

  /** Splits the nodes into groups that cannot talk across. */
  partition(...groups: NodeId[][]): void {
    for (const a of groups) for (const b of groups) {
      if (a === b) continue;
      for (const x of a) for (const y of b) this.cut.add(`${x}->${y}`);
    }
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  /** Crash: the node loses everything not on its disk (here every Ready is synced before use). */
  crash(id: NodeId): void {
    this.node(id).alive = false;
    this.queue = this.queue.filter((m) => m.to !== id && m.from !== id);
  }

  restart(id: NodeId): void {
    const n = this.node(id);
    n.core = this.newCore(id, n.disk);
    n.sm = new ListStateMachine();
    if (n.disk.snapshot !== null) n.sm.restore(n.disk.snapshot.data);
    n.alive = true;
    this.process(id);
  }

  /** Snapshots `id`'s state machine at its applied index and compacts its log, keeping `trailing` entries. */
  snapshot(id: NodeId, trailing = 0): void {
    const n = this.node(id);
    const meta = n.core.snapshotMeta();
    if (meta === null) throw new Error(`${id} is installing a snapshot`);
    n.disk.snapshot = { meta, data: n.sm.snapshot() };
    const first = n.core.compact(meta, meta.index - trailing);
    n.disk.compact(first);
  }

  leader(): NodeId | null {
    let found: NodeId | null = null;
    let bestTerm = -1;
    for (const n of this.nodes.values()) {
      if (n.alive && n.core.role === 'leader' && n.core.term > bestTerm) {
        found = n.id;
        bestTerm = n.core.term;
      }
    }
    return found;
  }

  /** Proposes on `id` and returns the result; the entry goes out with the next delivery. */
  propose(id: NodeId, command: string): ReturnType<RaftCore['propose']> {
    const r = this.core(id).propose(textData(command));
    this.process(id);
    return r;
  }

  appliedCommands(id: NodeId): string[] {
    return this.node(id).sm.applied.map((a) => a.data);
  }
}
