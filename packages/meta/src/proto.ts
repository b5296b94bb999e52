// proto/meta.proto loaded at run time (proto/README.md: no generated code), and the shapes of its
// messages as @grpc/proto-loader hands them over: camelCase fields, 64-bit integers as decimal
// strings (`longs: String`), bytes as Buffers, absent messages as null.

import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO_PATH = fileURLToPath(new URL('../../../proto/meta.proto', import.meta.url));

/** Trailing metadata key naming the leader's MetaService address on an UNAVAILABLE answer. */
export const LEADER_METADATA_KEY = 'shoal-leader-address';
/** Trailing metadata key set when the server knows the command was not applied (safe to resend). */
export const NOT_APPLIED_METADATA_KEY = 'shoal-not-applied';

export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 64 << 20,
  'grpc.max_send_message_length': 64 << 20,
  'grpc.initial_reconnect_backoff_ms': 50,
  'grpc.max_reconnect_backoff_ms': 1000,
  // channelz bookkeeping costs CPU on every call and nothing here reads it.
  'grpc.enable_channelz': 0,
};

export interface WireLeader {
  id: string;
  address: string;
}

export interface WireApplyResponse {
  index: string;
  term: string;
  ok: boolean;
  errorCode: string;
  errorMessage: string;
  value: Buffer;
  leader: WireLeader | null;
}

export interface WireReadIndexResponse {
  index: string;
  leader: WireLeader | null;
}

export interface WireGetStateResponse {
  index: string;
  snapshot: Buffer;
  leader: WireLeader | null;
}

export interface WireSnapshot {
  index: string | number;
  term: string | number;
  data: Uint8Array;
}

export interface WireChange {
  index: string | number;
  term: string | number;
  command: Uint8Array;
}

export interface WireWatchEvent {
  snapshot: WireSnapshot | null;
  changes: WireChange[];
  appliedIndex: string | number;
  leader: WireLeader | null;
}

export interface WireMember {
  id: string;
  address: string;
  raftAddress: string;
  voter: boolean;
}

export interface WireStatusResponse {
  id: string;
  role: string;
  term: string;
  leader: WireLeader | null;
  commitIndex: string;
  raftAppliedIndex: string;
  appliedIndex: string;
  lastIndex: string;
  snapshotIndex: string;
  members: WireMember[];
}

export interface WireMembershipResponse {
  leader: WireLeader | null;
  members: WireMember[];
}

type Unary = (request: object, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, response?: unknown) => void) => grpc.ClientUnaryCall;

export type MetaServiceStub = grpc.Client & {
  apply: Unary;
  readIndex: Unary;
  getState: Unary;
  heartbeat: Unary;
  status: Unary;
  addMember: Unary;
  removeMember: Unary;
  transferLeadership: Unary;
  watch(request: object, options?: grpc.CallOptions): grpc.ClientReadableStream<WireWatchEvent>;
};

export type MetaServiceCtor = (new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => MetaServiceStub) & {
  service: grpc.ServiceDefinition;
};

let ctor: MetaServiceCtor | null = null;

/** The MetaService client constructor (with `.service` for servers); loaded once per process. */
export function metaService(): MetaServiceCtor {
  if (ctor === null) {
    const def = protoLoader.loadSync(PROTO_PATH, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { shoal: { meta: { v1: { MetaService: MetaServiceCtor } } } };
    ctor = pkg.shoal.meta.v1.MetaService;
  }
  return ctor;
}
