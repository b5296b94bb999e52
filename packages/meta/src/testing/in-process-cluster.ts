// META nodes in one process for the service tests: Raft over the in-memory network with in-memory
// stores (kept across a restart, like a disk), the MetaService over real gRPC on loopback.

import { createServer } from 'node:net';
import { pino, type Logger } from 'pino';
import { MemoryNetwork, MemorySnapshotStore, MemoryStorage } from '@shoal/raft';
import { MetaClient, type MetaClientOptions } from '../client.js';
import type { LeaderDutiesConfig } from '../leader-duties.js';
import { MetaServer, type MetaServerOptions } from '../server.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `probe` (a condition on in-process state) every few ms until it holds. */
export async function until(what: string, probe: () => boolean, limitMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > limitMs) throw new Error(`${what}: not reached within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface InProcessClusterOptions {
  readonly ids?: readonly string[];
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly duties?: Partial<LeaderDutiesConfig>;
  readonly watchKeepaliveMs?: number;
  readonly logger?: Logger;
  readonly server?: Partial<MetaServerOptions>;
}

export class InProcessMetaCluster {
  readonly net = new MemoryNetwork();
  readonly servers = new Map<string, MetaServer>();
  readonly addresses = new Map<string, string>();
  private readonly disks = new Map<string, { storage: MemoryStorage; snapshots: MemorySnapshotStore }>();
  private readonly clients: MetaClient[] = [];
  readonly logger: Logger;

  private constructor(
    readonly founders: readonly string[],
    private readonly opts: InProcessClusterOptions,
  ) {
    this.logger = opts.logger ?? pino({ level: 'silent' });
  }

  static async start(opts: InProcessClusterOptions = {}): Promise<InProcessMetaCluster> {
    const ids = opts.ids ?? ['1', '2', '3'];
    const c = new InProcessMetaCluster(ids, opts);
    for (const id of ids) await c.allocate(id);
    await Promise.all(ids.map((id) => c.startNode(id)));
    return c;
  }

  /** Picks a loopback port for a node not started yet (a joiner). */
  async allocate(id: string): Promise<string> {
    let addr = this.addresses.get(id);
    if (addr === undefined) {
      addr = `127.0.0.1:${await freePort()}`;
      this.addresses.set(id, addr);
    }
    return addr;
  }

  async startNode(id: string, extra: Partial<MetaServerOptions> = {}): Promise<MetaServer> {
    let disk = this.disks.get(id);
    if (disk === undefined) {
      disk = { storage: new MemoryStorage(), snapshots: new MemorySnapshotStore() };
      this.disks.set(id, disk);
    }
    const peers = new Map(this.founders.map((f) => [f, this.addresses.get(f)!]));
    if (!peers.has(id)) peers.set(id, this.addresses.get(id)!);
    const server = await MetaServer.start({
      id,
      peers,
      dir: '',
      tickMs: this.opts.tickMs ?? 20,
      electionTicks: this.opts.electionTicks ?? 10,
      operationTimeoutMs: 2000,
      logger: this.logger,
      ...(this.opts.duties !== undefined ? { duties: this.opts.duties } : {}),
      ...(this.opts.watchKeepaliveMs !== undefined ? { watchKeepaliveMs: this.opts.watchKeepaliveMs } : {}),
      ...this.opts.server,
      ...extra,
      raft: { storage: disk.storage, snapshots: disk.snapshots, transport: this.net.transport(id) },
    });
    this.servers.set(id, server);
    return server;
  }

  /** Stops a node as a crash would from the network's view; its in-memory disk is kept. */
  async stopNode(id: string): Promise<void> {
    const s = this.servers.get(id);
    if (s === undefined) return;
    this.servers.delete(id);
    this.net.disconnect(id);
    await s.close();
  }

  leader(): MetaServer | undefined {
    for (const s of this.servers.values()) if (s.isLeader && s.duties.isLeading) return s;
    return undefined;
  }

  async waitLeader(limitMs = 10_000): Promise<MetaServer> {
    await until('a leader with its duties started', () => this.leader() !== undefined, limitMs);
    return this.leader()!;
  }

  /** Waits for a leader and for every node to have recorded itself, so the log is quiet. */
  async settled(limitMs = 10_000): Promise<MetaServer> {
    const leader = await this.waitLeader(limitMs);
    await Promise.all([...this.servers.values()].map((s) => s.registered()));
    const registered = (): boolean => [...this.servers.values()].every((s) => s.state.metaNodes().length === this.servers.size);
    await until('every META node registered everywhere', registered, limitMs);
    return leader;
  }

  followers(): MetaServer[] {
    return [...this.servers.values()].filter((s) => !s.isLeader);
  }

  client(opts: Partial<MetaClientOptions> = {}): MetaClient {
    const c = new MetaClient({ addresses: [...this.addresses.values()], attemptTimeoutMs: 1000, deadlineMs: 10_000, ...opts });
    this.clients.push(c);
    return c;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.close();
    await Promise.all([...this.servers.values()].map((s) => s.close()));
    this.servers.clear();
  }
}
