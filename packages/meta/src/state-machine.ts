// The META service's Raft state machine: decodes each committed command, applies it to the state
// and answers with its result. Pure and deterministic: the result and the next state depend only on
// the state and the command bytes, so every replica — and a replica restored from a snapshot —
// agrees. Each command that changes the state yields a change record carrying its log index, for
// the Watch stream DATA nodes and clients will follow.

import type { StateMachine } from '@shoal/raft';
import { CommandDecodeError, decodeCommand, type CommandOf, type CommandValues, type MetaCommand, type MetaCommandType } from './commands.js';
import { errors } from './result.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { MetaState } from './state.js';
import type { MetaResult, MetaValue } from './types.js';

/** One applied command that changed the state. */
export interface MetaChange {
  readonly index: number;
  readonly term: number;
  readonly command: MetaCommand;
  readonly value: MetaValue;
}

export interface MetaStateMachineOptions {
  /** Change records kept for `changesSince`; a watcher further behind starts from a full read. */
  readonly recentChangesMax?: number;
}

const DEFAULT_RECENT_CHANGES_MAX = 4096;

export class MetaStateMachine implements StateMachine<MetaResult> {
  private current = new MetaState();
  private index = 0;
  private term = 0;
  private readonly listeners = new Set<(change: MetaChange) => void>();
  /** The newest change records, oldest first, at most recentChangesMax. */
  private recent: MetaChange[] = [];
  /** Every change after this index is in `recent` (raised by trimming and by restore). */
  private coveredFrom = 0;
  private readonly recentChangesMax: number;

  constructor(options: MetaStateMachineOptions = {}) {
    this.recentChangesMax = options.recentChangesMax ?? DEFAULT_RECENT_CHANGES_MAX;
  }

  /** The state to read (catalog, nodes, users). Replaced by `restore`: do not keep it across one. */
  get state(): MetaState {
    return this.current;
  }

  /** Log index of the last command applied (0 before any). */
  get appliedIndex(): number {
    return this.index;
  }

  get appliedTerm(): number {
    return this.term;
  }

  apply(command: Uint8Array, index: number, term: number): MetaResult {
    let cmd: MetaCommand;
    try {
      cmd = decodeCommand(command);
    } catch (err) {
      if (!(err instanceof CommandDecodeError)) throw err;
      this.advance(index, term);
      return { ok: false, error: errors.badCommand(err.message) };
    }
    return this.applyCommand(cmd, index, term);
  }

  /** Applies a decoded command (the same path `apply` takes after decoding). */
  applyCommand<T extends MetaCommandType>(cmd: CommandOf<T>, index: number, term: number): MetaResult<CommandValues[T]>;
  applyCommand(cmd: MetaCommand, index: number, term: number): MetaResult;
  applyCommand(cmd: MetaCommand, index: number, term: number): MetaResult {
    const { result, changed } = this.current.apply(cmd);
    this.advance(index, term);
    if (changed && result.ok) this.record({ index, term, command: cmd, value: result.value });
    return result;
  }

  snapshot(): Uint8Array {
    return encodeSnapshot({ appliedIndex: this.index, appliedTerm: this.term, state: this.current.toData() });
  }

  restore(data: Uint8Array): void {
    // Decoded in full before anything is replaced: a bad snapshot leaves the machine as it was.
    const snap = decodeSnapshot(data);
    this.current = MetaState.fromData(snap.state);
    this.index = snap.appliedIndex;
    this.term = snap.appliedTerm;
    // Records from before the snapshot no longer describe a path to this state.
    this.recent = [];
    this.coveredFrom = snap.appliedIndex;
  }

  /** Calls `listener` with every change record from now on; returns the unsubscribe function. */
  onChange(listener: (change: MetaChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The change records after `index`, oldest first, or undefined when some of them are no longer
   * kept (the watcher must read the whole state again).
   */
  changesSince(index: number): MetaChange[] | undefined {
    if (index < this.coveredFrom) return undefined;
    return this.recent.filter((c) => c.index > index);
  }

  private advance(index: number, term: number): void {
    this.index = index;
    this.term = term;
  }

  private record(change: MetaChange): void {
    this.recent.push(change);
    if (this.recent.length > this.recentChangesMax) {
      const dropped = this.recent.splice(0, this.recent.length - this.recentChangesMax);
      this.coveredFrom = dropped[dropped.length - 1]!.index;
    }
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        // A listener's bug must not make this replica's apply differ from the others'.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
