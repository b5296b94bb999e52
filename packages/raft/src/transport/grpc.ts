// Transport over gRPC (proto/raft.proto). Each peer gets one long-lived client stream; messages the
// driver sends in one turn are coalesced into one batch. A broken stream drops what it carried
// (Raft retransmits) and reports the peer unreachable so the leader falls back to probing.
// Snapshots go on their own stream in chunks with a CRC32 the receiver verifies before use.
//
// The transport either owns a gRPC server (`listen`) or adds its service to one it is given
// (`server`), so that an application serving its own gRPC API — the META node — needs one port.

import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Entry, Message, MessageType, NodeId, SnapshotMeta } from '../core/types.js';
import { decodeConf, encodeConf, entryBytes } from '../core/types.js';
import type { Transport, TransportHandlers } from '../storage/interfaces.js';

/** Wire numbers of message types; the order is part of the protocol, append only. */
const MESSAGE_TYPES: readonly MessageType[] = [
  'app',
  'appResp',
  'heartbeat',
  'heartbeatResp',
  'vote',
  'voteResp',
  'preVote',
  'preVoteResp',
  'snap',
  'timeoutNow',
  'readIndex',
  'readIndexResp',
  'prop',
  'propResp',
];
const TYPE_NUMBER = new Map(MESSAGE_TYPES.map((t, i) => [t, i]));

const DEFAULT_PROTO_PATH = fileURLToPath(new URL('../../../../proto/raft.proto', import.meta.url));

/** Where the transport is served: a server of its own, or one the application owns and binds. */
export type GrpcTransportServing =
  | {
      /** host:port to listen on; port 0 picks a free one (see `port` after start). */
      readonly listen: string;
      /** The address peers should use to reach us; defaults to the listen host with the bound port. */
      readonly advertise?: string;
      readonly server?: undefined;
    }
  | {
      /** The application's server: the Raft service is added to it at `start`; the owner binds it and
       * shuts it down (after closing the transport, which ends the streams peers hold open to it). */
      readonly server: grpc.Server;
      /** The address peers reach `server` at. */
      readonly advertise: string;
      readonly listen?: undefined;
    };

export type GrpcTransportOptions = GrpcTransportServing & {
  readonly id: NodeId;
  readonly peers?: Readonly<Record<NodeId, string>>;
  readonly protoPath?: string;
  readonly snapshotChunkBytes?: number;
  /** Messages queued for one peer beyond this are dropped (Raft resends what matters). */
  readonly queueMessagesMax?: number;
  /** Upper bound on one batch on the wire. */
  readonly batchBytesMax?: number;
  /** After a stream fails, messages to that peer are dropped for this long before reconnecting. */
  readonly reconnectDelayMs?: number;
  /** Largest snapshot accepted from a peer. */
  readonly snapshotBytesMax?: number;
};

interface WireEntry {
  index: number;
  term: number;
  type: number;
  data: Uint8Array;
}

interface WireSnapshotMeta {
  index: number;
  term: number;
  conf: Uint8Array;
}

interface WireMessage {
  type: number;
  from: string;
  to: string;
  term: number;
  logTerm: number;
  index: number;
  entries: WireEntry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  context: number;
  snapshot: WireSnapshotMeta | null;
}

interface WireChunk {
  header: WireMessage | null;
  totalBytes: number;
  data: Uint8Array;
  last: boolean;
  crc32: number;
  fromAddress: string;
}

interface WireBatch {
  messages: WireMessage[];
  fromAddress: string;
}

export function messageToWire(m: Message): WireMessage {
  const snapshot: WireSnapshotMeta | null =
    m.snapshot === null ? null : { index: m.snapshot.index, term: m.snapshot.term, conf: encodeConf(m.snapshot.conf) };
  return {
    type: TYPE_NUMBER.get(m.type)!,
    from: m.from,
    to: m.to,
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    entries: m.entries.map((e) => ({ index: e.index, term: e.term, type: e.type === 'conf' ? 1 : 0, data: e.data })),
    commit: m.commit,
    reject: m.reject,
    rejectHint: m.rejectHint,
    context: m.context,
    snapshot,
  };
}

export function messageFromWire(w: WireMessage): Message {
  const type = MESSAGE_TYPES[w.type];
  if (type === undefined) throw new Error(`unknown message type ${w.type}`);
  const entries: Entry[] = (w.entries ?? []).map((e) => ({
    index: Number(e.index),
    term: Number(e.term),
    type: e.type === 1 ? 'conf' : 'normal',
    data: new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength),
  }));
  const snapshot: SnapshotMeta | null =
    w.snapshot === null || w.snapshot === undefined
      ? null
      : { index: Number(w.snapshot.index), term: Number(w.snapshot.term), conf: decodeConf(w.snapshot.conf) };
  return {
    type,
    from: w.from,
    to: w.to,
    term: Number(w.term),
    logTerm: Number(w.logTerm),
    index: Number(w.index),
    entries,
    commit: Number(w.commit),
    reject: w.reject,
    rejectHint: Number(w.rejectHint),
    context: Number(w.context),
    snapshot,
    snapshotData: null,
  };
}

interface Peer {
  address: string;
  client: grpc.Client | null;
  stream: grpc.ClientWritableStream<WireBatch> | null;
  queue: Message[];
  flushScheduled: boolean;
  waitingDrain: boolean;
  downUntil: number;
}

type ServiceClient = grpc.Client & {
  send(cb: (err: grpc.ServiceError | null) => void): grpc.ClientWritableStream<WireBatch>;
  installSnapshot(cb: (err: grpc.ServiceError | null, ack?: { ok: boolean }) => void): grpc.ClientWritableStream<WireChunk>;
};

type ServiceCtor = (new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => ServiceClient) & {
  service: grpc.ServiceDefinition;
};

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 64 << 20,
  'grpc.max_send_message_length': 64 << 20,
  'grpc.initial_reconnect_backoff_ms': 50,
  'grpc.max_reconnect_backoff_ms': 1000,
  // channelz bookkeeping costs CPU on every call and nothing here reads it.
  'grpc.enable_channelz': 0,
};

export class GrpcTransport implements Transport {
  private readonly peers = new Map<NodeId, Peer>();
  private readonly server: grpc.Server;
  private readonly ownsServer: boolean;
  private readonly Service: ServiceCtor;
  private handlers: TransportHandlers | null = null;
  private closed = false;
  private registered = false;
  private boundPort = 0;
  /** Streams peers hold open to us, ended at close so a shared server can shut down gracefully. */
  private readonly inbound = new Set<() => void>();
  private readonly chunkBytes: number;
  private readonly queueMax: number;
  private readonly batchBytesMax: number;
  private readonly reconnectDelayMs: number;
  private readonly snapshotBytesMax: number;

  constructor(private readonly opts: GrpcTransportOptions) {
    const def = protoLoader.loadSync(opts.protoPath ?? DEFAULT_PROTO_PATH, {
      keepCase: false,
      longs: Number,
      enums: Number,
      defaults: true,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { shoal: { raft: { Raft: ServiceCtor } } };
    this.Service = pkg.shoal.raft.Raft;
    this.chunkBytes = opts.snapshotChunkBytes ?? 1 << 20;
    this.queueMax = opts.queueMessagesMax ?? 8192;
    this.batchBytesMax = opts.batchBytesMax ?? 4 << 20;
    this.reconnectDelayMs = opts.reconnectDelayMs ?? 100;
    this.snapshotBytesMax = opts.snapshotBytesMax ?? 1 << 30;
    this.ownsServer = opts.server === undefined;
    this.server = opts.server ?? new grpc.Server(CHANNEL_OPTIONS);
    for (const [id, addr] of Object.entries(opts.peers ?? {})) this.setPeer(id, addr);
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    return this.boundPort;
  }

  /**
   * Binds the listening socket of a transport that owns its server; `start` does it too. Call it
   * first to learn a port-0 address.
   */
  async bind(): Promise<number> {
    const listen = this.opts.listen;
    if (listen === undefined) throw new Error('this transport serves on a server it was given: its owner binds it');
    if (this.boundPort !== 0) return this.boundPort;
    this.register();
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(listen, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
    });
    return this.boundPort;
  }

  async start(handlers: TransportHandlers): Promise<void> {
    // Messages arriving before this point were dropped: the peers will retransmit.
    this.handlers = handlers;
    if (this.ownsServer) await this.bind();
    else this.register();
  }

  setPeer(id: NodeId, address: string): void {
    if (id === this.opts.id) return;
    const existing = this.peers.get(id);
    if (existing !== undefined) {
      if (existing.address === address) return;
      this.dropPeer(existing);
    }
    this.peers.set(id, { address, client: null, stream: null, queue: [], flushScheduled: false, waitingDrain: false, downUntil: 0 });
  }

  removePeer(id: NodeId): void {
    const p = this.peers.get(id);
    if (p === undefined) return;
    this.dropPeer(p);
    this.peers.delete(id);
  }

  send(m: Message): void {
    if (this.closed) return;
    const peer = this.peers.get(m.to);
    if (peer === undefined) {
      this.handlers?.onUnreachable(m.to);
      return;
    }
    if (m.type === 'snap') {
      void this.sendSnapshot(peer, m);
      return;
    }
    if (Date.now() < peer.downUntil) {
      this.handlers?.onUnreachable(m.to);
      return;
    }
    if (peer.queue.length >= this.queueMax) {
      // The peer cannot keep up; shedding is safe (Raft retransmits) and bounds our memory.
      peer.queue.shift();
      this.handlers?.onUnreachable(m.to);
    }
    peer.queue.push(m);
    if (!peer.flushScheduled && !peer.waitingDrain) {
      peer.flushScheduled = true;
      setImmediate(() => this.flushPeer(m.to));
    }
  }

  flush(): void {
    for (const [id, peer] of this.peers) {
      if (peer.queue.length > 0 && !peer.waitingDrain) this.flushPeer(id);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.peers.values()) this.dropPeer(p);
    // Peers keep their streams to us open indefinitely, so a graceful shutdown would wait forever:
    // our own server goes at once; on a shared one, our streams end and the owner's shutdown
    // waits only for its own calls.
    if (this.ownsServer) this.server.forceShutdown();
    else for (const end of [...this.inbound]) end();
  }

  // ---------------------------------------------------------------------------------------------

  private register(): void {
    if (this.registered) return;
    this.registered = true;
    this.server.addService(this.Service.service, {
      send: (call: grpc.ServerReadableStream<WireBatch, object>, cb: grpc.sendUnaryData<object>) => this.serveSend(call, cb),
      installSnapshot: (call: grpc.ServerReadableStream<WireChunk, { ok: boolean }>, cb: grpc.sendUnaryData<{ ok: boolean }>) =>
        this.serveSnapshot(call, cb),
    });
  }

  private advertise(): string {
    if (this.opts.advertise !== undefined) return this.opts.advertise;
    const listen = this.opts.listen!;
    return `${listen.slice(0, listen.lastIndexOf(':'))}:${this.boundPort}`;
  }

  /** Tracks a stream a peer opened to us until it ends; `finish` answers it (once). */
  private trackInbound(call: NodeJS.EventEmitter, finish: () => void): void {
    const end = (): void => {
      this.inbound.delete(end);
      finish();
    };
    this.inbound.add(end);
    const forget = (): void => {
      this.inbound.delete(end);
    };
    call.on('end', forget);
    call.on('error', forget);
    call.on('close', forget);
  }

  /** A sender we have no address for (we joined with an empty configuration): note where it listens. */
  private learnPeer(id: NodeId, address: string): void {
    if (address !== '' && !this.peers.has(id) && id !== this.opts.id) this.setPeer(id, address);
  }

  private client(peer: Peer): ServiceClient {
    if (peer.client === null) peer.client = new this.Service(peer.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    return peer.client as ServiceClient;
  }

  private flushPeer(id: NodeId): void {
    const peer = this.peers.get(id);
    if (peer === undefined || this.closed) return;
    peer.flushScheduled = false;
    if (peer.queue.length === 0 || peer.waitingDrain) return;
    if (peer.stream === null) {
      const stream = this.client(peer).send((err) => {
        if (err !== null) this.streamFailed(id, stream);
      });
      stream.on('error', () => this.streamFailed(id, stream));
      peer.stream = stream;
    }
    const stream = peer.stream;
    while (peer.queue.length > 0) {
      const batch: WireMessage[] = [];
      let bytes = 0;
      while (peer.queue.length > 0 && (batch.length === 0 || bytes < this.batchBytesMax)) {
        const m = peer.queue.shift()!;
        for (const e of m.entries) bytes += entryBytes(e);
        bytes += 64;
        batch.push(messageToWire(m));
      }
      if (!stream.write({ messages: batch, fromAddress: this.advertise() })) {
        peer.waitingDrain = true;
        stream.once('drain', () => {
          peer.waitingDrain = false;
          this.flushPeer(id);
        });
        return;
      }
    }
  }

  private streamFailed(id: NodeId, stream: grpc.ClientWritableStream<WireBatch>): void {
    const peer = this.peers.get(id);
    if (peer === undefined || peer.stream !== stream) return;
    peer.stream = null;
    peer.waitingDrain = false;
    peer.queue = [];
    peer.downUntil = Date.now() + this.reconnectDelayMs;
    if (!this.closed) this.handlers?.onUnreachable(id);
  }

  private dropPeer(p: Peer): void {
    p.queue = [];
    if (p.stream !== null) {
      p.stream.removeAllListeners('drain');
      p.stream.on('error', () => {});
      p.stream.end();
      p.stream = null;
    }
    if (p.client !== null) {
      p.client.close();
      p.client = null;
    }
  }

  private async sendSnapshot(peer: Peer, m: Message): Promise<void> {
    const data = m.snapshotData;
    const to = m.to;
    if (data === null) {
      this.handlers?.onSnapshotStatus(to, false);
      return;
    }
    let reported = false;
    const report = (ok: boolean): void => {
      if (reported || this.closed) return;
      reported = true;
      this.handlers?.onSnapshotStatus(to, ok);
    };
    const stream = this.client(peer).installSnapshot((err, ack) => report(err === null && ack?.ok === true));
    stream.on('error', () => report(false));
    const header = messageToWire({ ...m, snapshotData: null });
    const total = data.length;
    const sum = crc32(data);
    let offset = 0;
    let first = true;
    do {
      const end = Math.min(total, offset + this.chunkBytes);
      const last = end === total;
      const chunk: WireChunk = {
        header: first ? header : null,
        totalBytes: total,
        data: data.subarray(offset, end),
        last,
        crc32: last ? sum : 0,
        fromAddress: this.advertise(),
      };
      first = false;
      offset = end;
      if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
      if (reported) return;
    } while (offset < total);
    stream.end();
  }

  private serveSend(call: grpc.ServerReadableStream<WireBatch, object>, cb: grpc.sendUnaryData<object>): void {
    let answered = false;
    const answer = (err: Partial<grpc.StatusObject> | null): void => {
      if (answered) return;
      answered = true;
      cb(err, {});
    };
    this.trackInbound(call, () => answer({ code: grpc.status.UNAVAILABLE, details: 'raft transport closed' }));
    call.on('data', (batch: WireBatch) => {
      if (this.handlers === null || this.closed) return;
      const first = batch.messages[0];
      if (first !== undefined) this.learnPeer(first.from, batch.fromAddress);
      for (const w of batch.messages) {
        let m: Message;
        try {
          m = messageFromWire(w);
        } catch {
          continue; // a message we cannot read is a lost message
        }
        if (m.to === this.opts.id) this.handlers.onMessage(m);
      }
    });
    call.on('end', () => answer(null));
    call.on('error', () => {});
  }

  private serveSnapshot(call: grpc.ServerReadableStream<WireChunk, { ok: boolean }>, cb: grpc.sendUnaryData<{ ok: boolean }>): void {
    let header: Message | null = null;
    let buf: Uint8Array | null = null;
    let received = 0;
    let failed = false;
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      cb(null, { ok });
    };
    this.trackInbound(call, () => finish(false));
    call.on('data', (chunk: WireChunk) => {
      if (failed) return;
      if (header === null) {
        if (chunk.header === null || chunk.totalBytes > this.snapshotBytesMax) {
          failed = true;
          finish(false);
          return;
        }
        header = messageFromWire(chunk.header);
        this.learnPeer(header.from, chunk.fromAddress);
        buf = new Uint8Array(chunk.totalBytes);
      }
      if (received + chunk.data.length > buf!.length) {
        failed = true;
        finish(false);
        return;
      }
      buf!.set(chunk.data, received);
      received += chunk.data.length;
      if (chunk.last) {
        const ok = received === buf!.length && crc32(buf!) === chunk.crc32;
        if (ok && this.handlers !== null && header.to === this.opts.id) this.handlers.onMessage({ ...header, snapshotData: buf });
        failed = !ok;
        finish(ok);
      }
    });
    call.on('end', () => finish(!failed && header !== null && received === (buf?.length ?? -1)));
    call.on('error', () => {});
  }
}
