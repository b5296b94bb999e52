// The vocabulary of the protocol: log entries, persistent state, messages and the Ready batch the
// pure core hands to its driver. Nothing here does I/O; every type is plain data so the simulator,
// the stores and the transports can copy, encode and compare it.

export type NodeId = string;

/** `normal` entries carry application commands (empty data is the leader's no-op); `conf` entries
 * carry a whole membership configuration, encoded by `encodeConf`. */
export type EntryType = 'normal' | 'conf';

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** Voters count towards quorums; learners receive the log but neither vote nor count. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** Where members listen, for transports that need it; replicated with the membership. */
  readonly addresses?: Readonly<Record<NodeId, string>>;
}

/** The state that must be durable before any message that depends on it leaves the node. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly commit: number;
}

export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

export type MessageType =
  | 'app' // AppendEntries (also the probe that carries no entries)
  | 'appResp'
  | 'heartbeat'
  | 'heartbeatResp'
  | 'vote'
  | 'voteResp'
  | 'preVote'
  | 'preVoteResp'
  | 'snap' // InstallSnapshot; the core sets `snapshot`, the transport attaches the data
  | 'timeoutNow' // leadership transfer: campaign now, skipping PreVote and the lease
  | 'readIndex' // follower asks the leader for a read index
  | 'readIndexResp'
  | 'prop' // follower forwards proposals to the leader
  | 'propResp'; // the leader says where they went (or that it refused them)

/**
 * One message between nodes. Fields a type does not use stay at their zero value, which keeps
 * every message the same shape (cheap to build and to encode).
 * - app: `index`/`logTerm` name the entry preceding `entries`; `commit` is the leader's commit.
 * - appResp: `index` is the last index now known to match, or on `reject` the index that failed
 *   with `rejectHint`/`logTerm` pointing at where the follower's log may diverge (fast back-off).
 * - vote/preVote: `index`/`logTerm` describe the candidate's last entry; `context` is
 *   CAMPAIGN_TRANSFER when the campaign was ordered by TimeoutNow.
 * - heartbeat/heartbeatResp: `context` is the leader's read round being confirmed.
 * - readIndex/readIndexResp: `context` is the requester's read id; `index` the read index.
 * - prop: `entries` (index and term 0) are proposals; `context` is the id of the first.
 * - propResp: the proposals `context`… (`rejectHint` of them) were appended from `index` in term
 *   `logTerm`, or refused when `reject`.
 */
export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  context: number;
  snapshot: SnapshotMeta | null;
  /** Filled in by the sending side's driver/transport for `snap` messages; null inside the core. */
  snapshotData: Uint8Array | null;
}

export const CAMPAIGN_TRANSFER = 1;

export function message(fields: Partial<Message> & Pick<Message, 'type' | 'from' | 'to' | 'term'>): Message {
  return {
    logTerm: 0,
    index: 0,
    entries: EMPTY_ENTRIES,
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: 0,
    snapshot: null,
    snapshotData: null,
    ...fields,
  };
}

const EMPTY_ENTRIES: Entry[] = [];

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

export interface SoftState {
  readonly leader: NodeId | null;
  readonly role: Role;
}

/** A linearizable read point: once the state machine has applied `index`, the read may run. */
export interface ReadState {
  readonly index: number;
  readonly context: number;
}

/** Where a proposal forwarded to the leader went: `index` 0 means the leader refused it. */
export interface ForwardedProposal {
  readonly id: number;
  readonly index: number;
  readonly term: number;
}

/**
 * Everything the driver must do, in order: send `earlyMessages`; persist `hardState`, `entries`
 * (which replace any stored suffix starting at `entries[0].index`) and `snapshot` in one write,
 * synced when `mustSync`; then send `messages`; then restore `snapshot` into the state machine and
 * apply `committedEntries`; then call `advance(ready)`.
 */
export interface Ready {
  readonly softState: SoftState | null;
  readonly hardState: HardState | null;
  readonly entries: Entry[];
  readonly snapshot: Snapshot | null;
  readonly committedEntries: Entry[];
  /** A leader's appends and heartbeats: they may leave while its own write is in progress
   * (thesis §10.2.1), because the leader counts itself toward commit only once durable. */
  readonly earlyMessages: Message[];
  /** Messages that depend on this Ready's write (votes, acknowledgements): only after it. */
  readonly messages: Message[];
  readonly readStates: ReadState[];
  /** Outcomes of proposals this follower forwarded to the leader. */
  readonly forwarded: ForwardedProposal[];
  /** Entries, a snapshot, or a new term or vote must be fsynced; a commit-index-only change need
   * not be (a lost commit index is learned again from the leader). */
  readonly mustSync: boolean;
}

/** Whether a ready batch carries anything to write. */
export function readyHasWrites(rd: Ready): boolean {
  return rd.hardState !== null || rd.entries.length > 0 || rd.snapshot !== null;
}

/** Approximate bytes an entry costs on the wire and in memory: its data plus fixed fields. */
export function entryBytes(e: Entry): number {
  return e.data.length + ENTRY_OVERHEAD_BYTES;
}
const ENTRY_OVERHEAD_BYTES = 24;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export function encodeConf(conf: ConfState): Uint8Array {
  return textEncoder.encode(JSON.stringify({ voters: conf.voters, learners: conf.learners, addresses: conf.addresses ?? {} }));
}

export function decodeConf(data: Uint8Array): ConfState {
  const parsed = JSON.parse(textDecoder.decode(data)) as { voters?: unknown; learners?: unknown; addresses?: unknown };
  if (!Array.isArray(parsed.voters) || !Array.isArray(parsed.learners)) {
    throw new Error('conf entry is not a configuration');
  }
  const addresses: Record<NodeId, string> = {};
  if (parsed.addresses !== null && typeof parsed.addresses === 'object') {
    for (const [id, addr] of Object.entries(parsed.addresses as Record<string, unknown>)) addresses[id] = String(addr);
  }
  return { voters: parsed.voters.map(String), learners: parsed.learners.map(String), addresses };
}

export const EMPTY_CONF: ConfState = { voters: [], learners: [] };
