// Typed errors the driver raises; each carries what the caller needs to act.

import type { NodeId } from './core/types.js';

export class RaftError extends Error {
  override name = 'RaftError';
}

/** This node is not the leader; `leader` is the one it knows of, if any: retry there. */
export class NotLeaderError extends RaftError {
  override name = 'NotLeaderError';
  constructor(readonly leader: NodeId | null) {
    super(leader === null ? 'not the leader, and no leader is known' : `not the leader; the leader is ${leader}`);
  }
}

/** The command's entry was replaced by another leader's: it was not and never will be applied. */
export class ProposalLostError extends RaftError {
  override name = 'ProposalLostError';
  constructor(readonly index: number, readonly term: number) {
    super(`entry ${index} of term ${term} was overwritten by a new leader; the command was not applied`);
  }
}

/** The leader refused the proposal for now (transferring leadership, too many uncommitted entries, a
 * membership change already in progress). Retrying later may succeed. */
export class ProposalRefusedError extends RaftError {
  override name = 'ProposalRefusedError';
  constructor(readonly reason: string) {
    super(`proposal refused: ${reason}`);
  }
}

/** No answer in time. For a command the outcome is unknown: it may still be applied. */
export class RaftTimeoutError extends RaftError {
  override name = 'RaftTimeoutError';
  constructor(readonly operation: string, readonly timeoutMs: number) {
    super(`${operation} timed out after ${timeoutMs} ms; its outcome is unknown`);
  }
}

/** Leadership changed while a read was being confirmed; retry on the new leader. */
export class LeadershipLostError extends RaftError {
  override name = 'LeadershipLostError';
  constructor() {
    super('leadership lost before the operation completed');
  }
}

export class NodeClosedError extends RaftError {
  override name = 'NodeClosedError';
  constructor() {
    super('the raft node is closed');
  }
}

/** The command may or may not have been applied (its entry was covered by a snapshot before this
 * node learned its fate). */
export class ProposalOutcomeUnknownError extends RaftError {
  override name = 'ProposalOutcomeUnknownError';
  constructor(readonly index: number) {
    super(`the outcome of the command at index ${index} is unknown`);
  }
}
