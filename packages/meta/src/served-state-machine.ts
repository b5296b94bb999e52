// The state machine a META server hands to Raft: MetaStateMachine, plus what the service needs
// around it — each command's result together with the index it was applied at (so a client can
// wait for its own write in its cached copy), the exact bytes of every change (Watch sends the
// committed command, not a re-encoding), and a signal after every applied entry and restore.

import type { StateMachine } from '@shoal/raft';
import { MetaStateMachine, type MetaChange } from './state-machine.js';
import type { MetaResult } from './types.js';

/** What `RaftNode.apply` resolves with on a META server. */
export interface AppliedCommand {
  readonly index: number;
  readonly term: number;
  readonly result: MetaResult;
}

/** A change as Watch sends it. */
export interface CommittedChange {
  readonly index: number;
  readonly term: number;
  readonly command: Uint8Array;
}

export interface ServedStateMachineListener {
  /** After each applied command; `change` is set when it changed the state. */
  applied(index: number, change: CommittedChange | null): void;
  /** After a snapshot replaced the state (a follower caught up by snapshot). */
  restored(index: number): void;
}

export class ServedStateMachine implements StateMachine<AppliedCommand> {
  readonly meta: MetaStateMachine;
  private readonly listeners = new Set<ServedStateMachineListener>();
  private lastChange: MetaChange | null = null;

  constructor(meta: MetaStateMachine = new MetaStateMachine()) {
    this.meta = meta;
    this.meta.onChange((change) => {
      this.lastChange = change;
    });
  }

  /** Index of the last META command applied (Raft's no-ops and membership entries are not counted). */
  get appliedIndex(): number {
    return this.meta.appliedIndex;
  }

  get appliedTerm(): number {
    return this.meta.appliedTerm;
  }

  apply(command: Uint8Array, index: number, term: number): AppliedCommand {
    this.lastChange = null;
    const result = this.meta.apply(command, index, term);
    // onChange fires synchronously inside apply when (and only when) the command changed the state.
    const change = this.lastChange !== null && (this.lastChange as MetaChange).index === index ? { index, term, command } : null;
    this.lastChange = null;
    for (const l of this.listeners) guard(() => l.applied(index, change));
    return { index, term, result };
  }

  snapshot(): Uint8Array {
    return this.meta.snapshot();
  }

  restore(data: Uint8Array): void {
    this.meta.restore(data);
    for (const l of this.listeners) guard(() => l.restored(this.meta.appliedIndex));
  }

  listen(listener: ServedStateMachineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** A listener's bug must not turn into the command's result on this replica only. */
function guard(f: () => void): void {
  try {
    f();
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}
