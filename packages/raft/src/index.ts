// Public surface of @shoal/raft.
export * from './core/types.js';
export { RaftCore, defaultRaftConfig, applyConfChange, bootstrapEntry, bootstrapState } from './core/raft.js';
export type { RaftConfig, RaftStorageState, ProposeResult, ProposeRefusal, ConfChange, RaftStatus, ProgressStatus } from './core/raft.js';
export { majorityValue, quorumSize, voteResult } from './core/quorum.js';
export type { VoteResult } from './core/quorum.js';
export { LogInvariantError } from './core/log.js';
