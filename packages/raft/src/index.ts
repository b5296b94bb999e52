// Public surface of @shoal/raft.

// The pure protocol core and its vocabulary.
export * from './core/types.js';
export { RaftCore, defaultRaftConfig, applyConfChange, bootstrapEntry, bootstrapState } from './core/raft.js';
export type { RaftConfig, RaftStorageState, ProposeResult, ProposeRefusal, ConfChange, RaftStatus, ProgressStatus } from './core/raft.js';
export { majorityValue, quorumSize, voteResult } from './core/quorum.js';
export type { VoteResult } from './core/quorum.js';
export { LogInvariantError } from './core/log.js';

// The driver and its seams.
export { RaftNode } from './node.js';
export type { RaftNodeOptions, RaftMetrics, RaftNodeEvents } from './node.js';
export * from './errors.js';
export type {
  LogStore,
  StableStore,
  RaftStorage,
  DurableWrite,
  SnapshotStore,
  StoredSnapshot,
  StateMachine,
  Transport,
  TransportHandlers,
} from './storage/interfaces.js';
export { MemoryStorage, MemorySnapshotStore } from './storage/memory.js';
export { MemoryNetwork } from './transport/memory.js';
export { LevelStorage } from './storage/level.js';
export type { LevelStorageOptions } from './storage/level.js';
export { FileSnapshotStore } from './storage/file-snapshots.js';
export { CorruptRecordError } from './storage/codec.js';
export { GrpcTransport } from './transport/grpc.js';
export type { GrpcTransportOptions } from './transport/grpc.js';
export { KvStateMachine } from './testing/kv.js';

// Verification tools, usable by other packages' tests.
export { checkOperations, kvModel, ILLEGAL } from './linearizability/checker.js';
export type { Operation, Model, CheckResult, KvInput, KvOutput } from './linearizability/checker.js';
export { runSimulation, replayCommand } from './sim/simulator.js';
export type { SimOptions, SimResult, SimStats } from './sim/simulator.js';
