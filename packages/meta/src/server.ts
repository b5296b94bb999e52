// A META node: the Raft replica of the META state (classic-level log, snapshot files, gRPC
// transport), the MetaService for DATA nodes and the CLI, and — while it leads — the leader's
// duties. `MetaServer.start` is the whole process minus argument parsing and signals
// (bin/meta-server.ts adds those). One gRPC server on one port carries both the MetaService and
// Raft. It binds first: a port that is taken fails the start before any file is opened, and a
// port 0 is resolved to the real one before Raft records the node's address.
//
// Three ways to start, decided by the disk and `join`:
// - a directory holding a Raft log: restart from it (peers and `join` are ignored);
// - empty, without `join`: found a new group whose voters are `peers` (every founder is started
//   with the same list, its own id included);
// - empty, with `join`: start with no membership and ask the group (any address in `peers`) to add
//   this node; the leader adds it as a learner, waits until it has caught up, and promotes it.
//
// Each node then records itself in the state (`register-meta-node`), so clients can learn META
// addresses from the state they watch.

import { mkdirSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import {
  FileSnapshotStore,
  GrpcTransport,
  LevelStorage,
  RaftNode,
  type RaftStorage,
  type SnapshotStore,
  type Transport,
} from '@shoal/raft';
import { parseHostPort, withPort } from './addresses.js';
import { MetaClient } from './client.js';
import { encodeCommand, type MetaCommand } from './commands.js';
import { LeaderDuties, systemClock, type Clock, type LeaderDutiesConfig } from './leader-duties.js';
import { CHANNEL_OPTIONS, metaService } from './proto.js';
import { ServedStateMachine, type AppliedCommand } from './served-state-machine.js';
import { ServiceGate } from './service-gate.js';
import { MetaServiceImpl } from './service.js';
import { encodeSnapshot } from './snapshot.js';
import type { MetaState, MetaStateData } from './state.js';
import type { MetaResult } from './types.js';

export interface MetaServerOptions {
  /** This node's Raft id (`1`, `2`, ...). */
  readonly id: string;
  /** META node id → MetaService address. Founders: every founder, this one included. Joiners: where to ask. */
  readonly peers: ReadonlyMap<string, string>;
  /** Data directory: `raft/` (the log) and `snapshots/`. */
  readonly dir: string;
  /** Join an existing group instead of founding one (only read when the directory is empty). */
  readonly join?: boolean;
  /**
   * The address others use for this node's MetaService and Raft; defaults to `peers.get(id)`. Port 0
   * (with `listen` port 0) stands for the port the OS picks.
   */
  readonly advertise?: string;
  /** Where the node binds (e.g. `0.0.0.0:8091`); defaults to the advertised address. */
  readonly listen?: string;
  /** Raft tick (default 100 ms) and election timeout in ticks (default 10: 1–2 s). */
  readonly tickMs?: number;
  readonly electionTicks?: number;
  /** fsync the Raft log (default true; only benchmarks turn it off). */
  readonly sync?: boolean;
  /** Commands, reads and membership changes give up after this long (default 5 s). */
  readonly operationTimeoutMs?: number;
  /** Snapshot after this many entries (default 8192), keeping this many below it (default 1024). */
  readonly snapshotEntries?: number;
  readonly trailingLogs?: number;
  /** Called when the Raft node stops on an error it cannot recover from (a failed disk write); the
   * node serves nothing afterwards, so a process should exit and be restarted. */
  readonly onFatal?: (err: Error) => void;
  /** How long `start` keeps asking the group to add a joining node (default 60 s). */
  readonly joinTimeoutMs?: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly duties?: Partial<LeaderDutiesConfig>;
  /** How often the leader's duties look at their clocks (default 500 ms). */
  readonly dutiesTickMs?: number;
  readonly watchKeepaliveMs?: number;
  /**
   * Founds the group with this state instead of an empty one (an import). Like `peers`, it only
   * counts when the directory is empty; every founder must be given the same state.
   */
  readonly initialState?: MetaStateData;
  /** Replaces the classic-level log, the snapshot files and the gRPC transport (tests). */
  readonly raft?: { readonly storage: RaftStorage; readonly snapshots: SnapshotStore; readonly transport: Transport };
}

/** The node's port cannot be bound (taken, not allowed, no such address). */
export class MetaListenError extends Error {
  override name = 'MetaListenError';
  constructor(
    readonly address: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`cannot listen on ${address} for the META service: ${reason}`);
  }
}

const LISTEN_REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this host',
  EACCES: 'permission denied',
};

/** How long calls in flight may run on after a stop is asked for. */
const STOP_DRAIN_MS = 1000;

const DEFAULTS = {
  tickMs: 100,
  electionTicks: 10,
  operationTimeoutMs: 5000,
  joinTimeoutMs: 60_000,
  dutiesTickMs: 500,
  registerRetryMinMs: 100,
  registerRetryMaxMs: 2000,
};

export class MetaServer {
  private closed = false;
  private stopping: Promise<void> | null = null;
  private dutiesTimer: NodeJS.Timeout | null = null;
  /** MetaService addresses learnt from AddMember before the member registers itself. */
  private readonly remembered = new Map<string, string>();
  private addressCache: { index: number; byRaftId: Map<string, string> } = { index: -1, byRaftId: new Map() };
  private registration: Promise<void> = Promise.resolve();

  private constructor(
    readonly id: string,
    /** The MetaService address others use. */
    readonly address: string,
    readonly node: RaftNode<AppliedCommand>,
    readonly stateMachine: ServedStateMachine,
    readonly duties: LeaderDuties,
    private readonly grpcServer: grpc.Server,
    private readonly service: MetaServiceImpl,
    private readonly peers: ReadonlyMap<string, string>,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  static async start(opts: MetaServerOptions): Promise<MetaServer> {
    const logger = (opts.logger ?? pino({ level: 'info' })).child({ component: 'meta', nodeId: opts.id });
    const configured = opts.advertise ?? opts.peers.get(opts.id);
    if (configured === undefined) throw new Error(`meta node ${opts.id} has no address: list it in peers or give advertise`);
    if (!opts.join && !opts.peers.has(opts.id)) throw new Error(`meta node ${opts.id} founds a group but is not among its peers`);
    const clock = opts.clock ?? systemClock;

    const grpcServer = new grpc.Server(CHANNEL_OPTIONS);
    const gate = new ServiceGate(metaService().service);
    grpcServer.addService(metaService().service, gate.handlers());
    const listen = opts.listen ?? configured;
    const port = await bindServer(grpcServer, listen);
    const advertise = parseHostPort(configured).port === 0 ? withPort(configured, port) : configured;
    const peers = new Map(opts.peers);
    if (peers.has(opts.id)) peers.set(opts.id, advertise);
    const addresses: Record<string, string> = Object.fromEntries(peers);

    let storage: RaftStorage | undefined;
    let node: RaftNode<AppliedCommand> | undefined;
    let service: MetaServiceImpl | undefined;
    let server: MetaServer | null = null;
    try {
      let raft = opts.raft;
      if (raft === undefined) {
        mkdirSync(joinPath(opts.dir, 'snapshots'), { recursive: true });
        storage = await LevelStorage.open(joinPath(opts.dir, 'raft'), { sync: opts.sync ?? true });
        raft = {
          storage,
          snapshots: new FileSnapshotStore(joinPath(opts.dir, 'snapshots')),
          transport: new GrpcTransport({ id: opts.id, server: grpcServer, advertise, peers: opts.join ? {} : addresses }),
        };
      }
      const sm = new ServedStateMachine();
      node = await RaftNode.start<AppliedCommand>({
        id: opts.id,
        storage: raft.storage,
        snapshots: raft.snapshots,
        transport: raft.transport,
        stateMachine: sm,
        ...(opts.join ? {} : { bootstrap: { voters: [...peers.keys()], addresses, ...foundingState(opts.initialState) } }),
        tickMs: opts.tickMs ?? DEFAULTS.tickMs,
        raft: { electionTicks: opts.electionTicks ?? DEFAULTS.electionTicks },
        operationTimeoutMs: opts.operationTimeoutMs ?? DEFAULTS.operationTimeoutMs,
        ...(opts.snapshotEntries !== undefined ? { snapshotEntries: opts.snapshotEntries } : {}),
        ...(opts.trailingLogs !== undefined ? { trailingLogs: opts.trailingLogs } : {}),
      });
      const started = node;

      const duties = new LeaderDuties({
        propose: async (cmd) => (await started.apply(encodeCommand(cmd)))?.result,
        state: () => sm.meta.state,
        clock,
        logger: logger.child({ component: 'meta-leader' }),
        ...(opts.duties !== undefined ? { config: opts.duties } : {}),
      });
      service = new MetaServiceImpl({
        node,
        sm,
        duties,
        addressOf: (raftId) => server?.addressOf(raftId) ?? peers.get(raftId) ?? '',
        rememberAddress: (raftId, address) => server?.remembered.set(raftId, address),
        logger,
        ...(opts.watchKeepaliveMs !== undefined ? { watchKeepaliveMs: opts.watchKeepaliveMs } : {}),
      });
      gate.open(service.handlers());
      server = new MetaServer(opts.id, advertise, node, sm, duties, grpcServer, service, peers, logger, clock);
      // A node that leads already (a sole voter) answers leader-only calls, such as heartbeats,
      // from the moment start resolves: its duties run by then (one barrier entry away).
      const leading = server.watchLeadership(opts.dutiesTickMs ?? DEFAULTS.dutiesTickMs);
      node.on('error', (err) => {
        logger.fatal({ err }, 'raft node failed');
        opts.onFatal?.(err);
      });
      const conf = node.confState();
      if (opts.join && conf.voters.length === 0 && conf.learners.length === 0) await server.joinGroup(opts.joinTimeoutMs ?? DEFAULTS.joinTimeoutMs);
      await leading;
    } catch (err) {
      if (server !== null) await server.close();
      else {
        service?.close();
        // A started node closes its storage; one that failed to start leaves that to us.
        if (node !== undefined) await node.close();
        else await storage?.close();
        grpcServer.forceShutdown();
      }
      throw err;
    }
    server.registration = server.registerSelf();
    logger.info({ address: advertise, members: node.confState().voters }, 'meta node started');
    return server;
  }

  /** The state this node has applied (not necessarily the newest: see `readIndex`). */
  get state(): MetaState {
    return this.stateMachine.meta.state;
  }

  get isLeader(): boolean {
    return this.node.role === 'leader';
  }

  /** The number of open Watch streams. */
  get watcherCount(): number {
    return this.service.watcherCount;
  }

  /** The MetaService address of a META node ('' when unknown). */
  addressOf(raftId: string): string {
    // Our own record may still hold the address of an earlier run (a port 0 restart) until this
    // run's registration lands; hints naming it would send clients to a dead port.
    if (raftId === this.id) return this.address;
    const index = this.stateMachine.appliedIndex;
    if (this.addressCache.index !== index) {
      const byRaftId = new Map<string, string>();
      for (const n of this.state.metaNodes()) if (n.status !== 'decommissioned') byRaftId.set(n.raftId, n.rpcAddress);
      this.addressCache = { index, byRaftId };
    }
    return this.addressCache.byRaftId.get(raftId) ?? this.remembered.get(raftId) ?? this.peers.get(raftId) ?? '';
  }

  /** Resolves once this node has recorded itself in the state (tests and tools). */
  registered(): Promise<void> {
    return this.registration;
  }

  /** Graceful stop: Watch streams end (subscribers move elsewhere), calls in flight get a moment, Raft closes. */
  close(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  private async stop(): Promise<void> {
    this.closed = true;
    if (this.dutiesTimer !== null) clearInterval(this.dutiesTimer);
    this.duties.leadershipLost();
    this.service.close();
    // No new calls from here on; those in flight get a moment to finish. Then Raft closes, which
    // ends the streams peers hold open to our transport, and nothing holds the shutdown up.
    const shutdown = new Promise<void>((resolve) => this.grpcServer.tryShutdown(() => resolve()));
    await this.service.drained(STOP_DRAIN_MS);
    await this.node.close();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.grpcServer.forceShutdown();
        resolve();
      }, STOP_DRAIN_MS);
      void shutdown.then(() => {
        clearTimeout(force);
        resolve();
      });
    });
    await this.registration.catch(() => {});
    this.logger.info('meta node stopped');
  }

  /** Starts and stops the duties with leadership; resolves once they run if this node leads already. */
  private watchLeadership(dutiesTickMs: number): Promise<void> {
    let dutiesTerm = -1;
    const onRole = (role: string): Promise<void> => {
      if (role !== 'leader') {
        if (this.duties.isLeading) this.logger.info('no longer the leader; leader duties stop');
        this.duties.leadershipLost();
        dutiesTerm = -1;
        return Promise.resolve();
      }
      if (dutiesTerm === this.node.term) return Promise.resolve();
      dutiesTerm = this.node.term;
      // Duties read the state: wait until every entry of earlier terms is applied.
      return this.node.barrier().then(
        () => {
          if (this.node.role !== 'leader' || this.closed) return;
          this.logger.info({ term: this.node.term }, 'leader; leader duties start');
          this.duties.leadershipGained();
          void this.duties.tick();
        },
        (err: unknown) => this.logger.warn({ err }, 'leader barrier failed; duties wait for the next election'),
      );
    };
    this.node.on('roleChange', (role) => void onRole(role));
    this.dutiesTimer = setInterval(() => {
      this.duties.tick().catch((err: unknown) => this.logger.error({ err }, 'leader duties failed'));
    }, dutiesTickMs);
    this.dutiesTimer.unref();
    // A sole voter campaigns as it starts, so it may lead before anyone listened for that.
    return this.node.role === 'leader' ? onRole('leader') : Promise.resolve();
  }

  private async joinGroup(timeoutMs: number): Promise<void> {
    const addresses = [...this.peers].filter(([id]) => id !== this.id).map(([, addr]) => addr);
    if (addresses.length === 0) throw new Error('cannot join: peers names no other meta node');
    this.logger.info({ peers: addresses }, 'joining the meta group');
    const client = new MetaClient({ addresses, deadlineMs: timeoutMs, attemptTimeoutMs: Math.max(timeoutMs / 4, 5000) });
    try {
      await client.addMember(this.id, this.address);
    } finally {
      client.close();
    }
    this.logger.info('joined the meta group as a voter');
  }

  /** Records this node in the state; retried until it sticks or the server stops. */
  private async registerSelf(): Promise<void> {
    let delayMs = DEFAULTS.registerRetryMinMs;
    while (!this.closed) {
      try {
        const nowNs = BigInt(this.clock.nowMs()) * 1_000_000n;
        let r = await this.propose({ type: 'register-meta-node', raftId: this.id, rpcAddress: this.address, httpAddress: '', nowNs });
        if (r !== undefined && !r.ok && r.error.code === 'node-exists') {
          const mine = this.state.metaNodes().find((n) => n.raftId === this.id);
          if (mine === undefined) {
            this.logger.error({ address: this.address }, 'another meta node is registered with this address; not registering');
            return;
          }
          r = await this.propose({ type: 'update-node', id: mine.id, rpcAddress: this.address, httpAddress: '' });
        }
        if (r !== undefined && !r.ok) {
          this.logger.error({ code: r.error.code, reason: r.error.message }, 'registering this meta node was refused');
          return;
        }
        // A node removed earlier and added again is back in service.
        const mine = this.state.metaNodes().find((n) => n.raftId === this.id);
        if (mine !== undefined && mine.status !== 'up') await this.propose({ type: 'set-node-status', nodeId: mine.id, status: 'up' });
        return;
      } catch (err) {
        if (this.closed) return;
        this.logger.debug({ err }, 'registering this meta node failed; retrying');
        // Most failures are "no leader yet": try again as soon as one is known.
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            this.node.off('leaderChange', onLeader);
            resolve();
          };
          const onLeader = (leader: string | null): void => {
            if (leader !== null) done();
          };
          const timer = setTimeout(done, delayMs);
          timer.unref();
          this.node.on('leaderChange', onLeader);
        });
        delayMs = Math.min(delayMs * 2, DEFAULTS.registerRetryMaxMs);
      }
    }
  }

  private async propose(cmd: MetaCommand): Promise<MetaResult | undefined> {
    return (await this.node.apply(encodeCommand(cmd)))?.result;
  }
}

/** The state as Raft's founding snapshot: the state machine's snapshot as of index 1, term 1. */
function foundingState(state: MetaStateData | undefined): { state?: Uint8Array } {
  return state === undefined ? {} : { state: encodeSnapshot({ appliedIndex: 1, appliedTerm: 1, state }) };
}

/** Binds the node's one port; resolves with the port bound (the real one for port 0). */
function bindServer(server: grpc.Server, address: string): Promise<number> {
  return new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err === null) return resolve(port);
      // grpc-js words the system error inside its own message ("... EADDRINUSE: address already in use ...").
      const code = /\b(E[A-Z]+):/.exec(err.message)?.[1];
      reject(new MetaListenError(address, code, (code !== undefined ? LISTEN_REASONS[code] : undefined) ?? err.message));
    }),
  );
}
