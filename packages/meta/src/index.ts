// Public surface of @shoal/meta: the META service's replicated state machine, its commands and
// the shard-group rules.

export * from './types.js';
export {
  COMMAND_FORMAT_VERSION,
  COMMAND_BYTES_MAX,
  COMMAND_TYPES,
  CommandDecodeError,
  encodeCommand,
  decodeCommand,
  type MetaCommand,
  type MetaCommandType,
  type CommandOf,
  type CommandValues,
} from './commands.js';
export { MetaState, type MetaStateData } from './state.js';
export { MetaStateMachine, type MetaChange, type MetaStateMachineOptions } from './state-machine.js';
export { SNAPSHOT_FORMAT_VERSION, SnapshotDecodeError, encodeSnapshot, decodeSnapshot, type MetaSnapshot } from './snapshot.js';
export {
  effectiveReplicaN,
  shardCountFor,
  shardGroupBounds,
  assignOwners,
  planShardGroup,
  groupCovers,
  compareGroups,
  newestGroup,
  planPrecreation,
  planExpiry,
  planPrune,
  type ShardGroupPlanInput,
  type PolicyGroups,
  type PlanningView,
} from './shard-groups.js';
export { fnv1a64, shardIndexFor, SHARD_COUNT_MAX } from './fnv.js';

// The META service: processes, wire, client.
export { MetaServer, MetaListenError, type MetaServerOptions } from './server.js';
export { MetaServiceImpl, type MetaServiceOptions } from './service.js';
export { ServedStateMachine, type AppliedCommand, type CommittedChange } from './served-state-machine.js';
export {
  LeaderDuties,
  DEFAULT_LEADER_DUTIES,
  UnknownDataNodeError,
  systemClock,
  type Clock,
  type LeaderDutiesConfig,
  type LeaderDutiesOptions,
} from './leader-duties.js';
export {
  MetaClient,
  MetaUnavailableError,
  MetaRequestError,
  type MetaClientOptions,
  type CallOptions,
  type ApplyOutcome,
  type MetaMember,
  type MetaNodeStatus,
  type MembershipInfo,
} from './client.js';
export { MetaWatch, type MetaWatchOptions } from './watch.js';
export { MetaCatalog, MetaCommandError, catalogError, type MetaCatalogOptions } from './meta-catalog.js';
export { encodeValue, decodeValue, ValueDecodeError } from './value-codec.js';
export { parsePeers, parseHostPort, withPort, AddressError } from './addresses.js';
export { parseMetaServerArgs, UsageError, META_LOG_LEVELS, type MetaServerArgs, type MetaLogLevel } from './server-args.js';
