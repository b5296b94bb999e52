// A DATA node's record in the META state. The first start registers the node; its id is kept in
// `<dataDir>/node.json` (as InfluxDB keeps its node id), so a restart finds the same record even
// when its address changed (an ephemeral port, a new host name) and updates that record instead of
// adding a second node that would be handed shards. Then it heartbeats, so the leader's failure
// detector keeps it `up`; the first heartbeat completes before the node takes writes, which brings
// back `up` a node marked down while it was stopped.
//
// DATA nodes serve no RPC yet: the node's HTTP address is both its addresses, and, being unique to
// it, the key that makes registering create-if-absent.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnknownDataNodeError, type MetaClient, type MetaState } from '@shoal/meta';
import { writeFileAtomic } from '@shoal/tsdb';
import type { Logger } from 'pino';

export const NODE_ID_FILE = 'node.json';
/** The leader marks a node down after 10 s without a heartbeat (its default): a beat a second. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 1000;

/** META refused this node's record (its address is another node's). */
export class MetaRegistrationError extends Error {
  override name = 'MetaRegistrationError';
  constructor(address: string, reason: string) {
    super(`cannot register this DATA node as ${address} with META: ${reason}`);
  }
}

export interface MetaMembershipOptions {
  readonly client: Pick<MetaClient, 'apply' | 'heartbeat'>;
  /** The META state as this node reads it (its catalog's copy). */
  readonly state: () => MetaState;
  /** Where `node.json` is kept. */
  readonly dataDir: string;
  /** Where this node is reached: its HTTP API. */
  readonly address: string;
  readonly heartbeatIntervalMs?: number;
  readonly logger: Logger;
  /** Wall clock in ms (registration time); injectable for tests. */
  readonly nowMs?: () => number;
}

export class MetaMembership {
  private id = 0;
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> = Promise.resolve();
  private inFlight = false;
  private failing = false;
  private stopped = false;

  private constructor(private readonly opts: MetaMembershipOptions) {}

  /** Registers (or finds) this node and sends its first heartbeat. */
  static async join(opts: MetaMembershipOptions): Promise<MetaMembership> {
    const m = new MetaMembership(opts);
    await m.register();
    await opts.client.heartbeat(m.id);
    m.timer = setInterval(() => m.tick(), opts.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS);
    m.timer.unref();
    opts.logger.info({ nodeId: m.id, address: opts.address }, 'registered with META');
    return m;
  }

  /** This node's id in the META state (the owner id in shard groups). */
  get nodeId(): number {
    return this.id;
  }

  /** Stops the heartbeats; resolves once the one in flight (if any) is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    await this.beating;
  }

  private tick(): void {
    // One heartbeat at a time: while META is slow to answer, ticks pass rather than pile up.
    if (this.inFlight || this.stopped) return;
    this.inFlight = true;
    this.beating = this.beat().finally(() => {
      this.inFlight = false;
    });
  }

  private async beat(): Promise<void> {
    const { client, logger } = this.opts;
    try {
      await client.heartbeat(this.id, { deadlineMs: this.opts.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS });
      if (this.failing) logger.info({ nodeId: this.id }, 'META heartbeats answered again');
      this.failing = false;
    } catch (err) {
      if (this.stopped) return;
      if (err instanceof UnknownDataNodeError) {
        // The state no longer knows this node (a META group founded anew): register again.
        logger.warn({ nodeId: this.id }, 'META does not know this DATA node any more; registering again');
        await this.register().catch((e: unknown) => logger.error({ err: e }, 'registering again failed'));
        return;
      }
      // Once per streak: a META outage must not flood the log.
      if (!this.failing) logger.warn({ err, nodeId: this.id }, 'META heartbeat failed; retrying every interval');
      this.failing = true;
    }
  }

  private async register(): Promise<void> {
    const { client, address, dataDir } = this.opts;
    const known = readNodeId(dataDir);
    const mine = known === undefined ? undefined : this.opts.state().dataNodes().find((n) => n.id === known);
    if (mine !== undefined) {
      if (mine.rpcAddress !== address || mine.httpAddress !== address) {
        const out = await client.apply({ type: 'update-node', id: mine.id, rpcAddress: address, httpAddress: address });
        if (!out.result.ok) throw new MetaRegistrationError(address, out.result.error.message);
      }
      this.id = mine.id;
      return;
    }
    const nowNs = BigInt((this.opts.nowMs ?? Date.now)()) * 1_000_000n;
    const out = await client.apply({ type: 'register-data-node', rpcAddress: address, httpAddress: address, nowNs });
    if (!out.result.ok) throw new MetaRegistrationError(address, out.result.error.message);
    this.id = out.result.value.id;
    writeFileAtomic(join(dataDir, NODE_ID_FILE), `${JSON.stringify({ id: this.id })}\n`);
  }
}

/** The id recorded by an earlier start, if any. */
function readNodeId(dataDir: string): number | undefined {
  const file = join(dataDir, NODE_ID_FILE);
  if (!existsSync(file)) return undefined;
  const id = (JSON.parse(readFileSync(file, 'utf8')) as { id?: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}
