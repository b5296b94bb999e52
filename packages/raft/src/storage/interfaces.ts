// The seams between the driver and the outside world, named after what they hold (as in
// hashicorp/raft). Each has an in-memory implementation for tests and a durable one.

import type { Entry, HardState, Message, NodeId, SnapshotMeta } from '../core/types.js';

/** The replicated log. Indexes are contiguous from firstIndex to lastIndex; 0/0 when empty. */
export interface LogStore {
  firstIndex(): Promise<number>;
  lastIndex(): Promise<number>;
  getLog(index: number): Promise<Entry | undefined>;
  /** Entries lo..hi inclusive (fewer if the range is not fully stored). */
  getLogs(lo: number, hi: number): Promise<Entry[]>;
  storeLogs(entries: readonly Entry[]): Promise<void>;
  /** Deletes lo..hi inclusive. */
  deleteRange(lo: number, hi: number): Promise<void>;
}

/** The vote and term (and commit hint) that must survive restarts. */
export interface StableStore {
  getHardState(): Promise<HardState | null>;
  setHardState(hs: HardState): Promise<void>;
}

/** One Ready's durable part, written atomically and synced before any message depending on it leaves. */
export interface DurableWrite {
  readonly hardState: HardState | null;
  /** Replace the stored suffix starting at entries[0].index with these. */
  readonly entries: readonly Entry[];
  /** A snapshot was installed: drop every stored entry first. */
  readonly resetLog: boolean;
  /** fsync before returning; false only for a commit-index-only update. */
  readonly sync: boolean;
}

/** A LogStore and StableStore sharing one atomic, synced write path. */
export interface RaftStorage extends LogStore, StableStore {
  persist(write: DurableWrite): Promise<void>;
  close(): Promise<void>;
}

export interface StoredSnapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

export interface SnapshotStore {
  /** Saves atomically: after a crash either the old or the new snapshot is found, whole. */
  save(meta: SnapshotMeta, data: Uint8Array): Promise<void>;
  /** The newest snapshot whose checksum verifies, or null. */
  latest(): Promise<StoredSnapshot | null>;
}

/** The application. `apply` runs in log order, once per committed entry, on every node. */
export interface StateMachine<R = unknown> {
  apply(command: Uint8Array, index: number, term: number): R | Promise<R>;
  snapshot(): Uint8Array | Promise<Uint8Array>;
  restore(data: Uint8Array): void | Promise<void>;
}

export interface TransportHandlers {
  onMessage(m: Message): void;
  /** A message to `id` could not be delivered; the leader probes again. */
  onUnreachable(id: NodeId): void;
  /** How sending a snapshot ended. */
  onSnapshotStatus(id: NodeId, ok: boolean): void;
}

export interface Transport {
  start(handlers: TransportHandlers): Promise<void>;
  /** Fire and forget: failures come back through `onUnreachable`/`onSnapshotStatus`. */
  send(m: Message): void;
  /** Optional: push out what `send` queued now rather than on the next turn of the event loop
   * (the driver calls it after each group of messages, so they go out as one batch per peer). */
  flush?(): void;
  /** Where a member listens (learned from the membership); transports without addresses ignore it. */
  setPeer(id: NodeId, address: string): void;
  removePeer(id: NodeId): void;
  close(): Promise<void>;
}
