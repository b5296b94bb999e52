// A DATA node process: catalog (through META), storage engine, write path, the removal of shards
// META no longer lists, and the HTTP API, started in dependency order and stopped in reverse. The HTTP server binds first so that a
// taken port fails before any file is opened and /health can say "starting" while META comes up
// and the engine replays its WAL. The catalog is a MetaCatalog on the node's embedded one-node META
// group or on a cluster's (meta-connection.ts); the data directory's lock covers both.

import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Clock } from '@shoal/meta';
import { TSDBStore, type Catalog } from '@shoal/tsdb';
import type { Logger } from 'pino';
import type { ShoalConfig } from './config.js';
import { ensureWritableDir, lockDataDir } from './data-dir.js';
import type { DataDirLock } from './data-dir-lock.js';
import { HttpApi, type NodePhase } from './http/api.js';
import { HttpServer } from './http/server.js';
import { writePortFor } from './http/query-endpoint.js';
import { LocalDeletes } from './local-deletes.js';
import { LocalPointsWriter } from './local-points-writer.js';
import { createLogger } from './logger.js';
import { MetaConnection } from './meta-connection.js';
import { MetricsRegistry, registerProcessMetrics, registerStatsGauges } from './metrics.js';
import { ShardReconciler } from './shard-reconciler.js';

export interface DataNodeOptions {
  /** The process logger; one is made from config.logLevel when absent. */
  readonly logger?: Logger;
  readonly metrics?: MetricsRegistry;
  /** The embedded META node stopped on an error it cannot recover from (a failed disk write): the
   * catalog can change no more, so a process should exit and be restarted. */
  readonly onFatal?: (err: Error) => void;
  /** The embedded META group's clock, which decides when shard groups expire (tests move it). */
  readonly metaClock?: Clock;
}

export class DataNode {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly config: ShoalConfig,
    private readonly logger: Logger,
    readonly metrics: MetricsRegistry,
    private readonly api: HttpApi,
    private readonly server: HttpServer,
    /** The address the HTTP API is bound to (the real port when config asked for 0). */
    readonly address: AddressInfo,
    readonly catalog: Catalog,
    private readonly meta: MetaConnection,
    readonly store: TSDBStore,
    private readonly reconciler: ShardReconciler,
    private readonly pointsWriter: LocalPointsWriter,
    private readonly lock: DataDirLock,
  ) {}

  /**
   * Starts every component and resolves once the node is ready for writes and queries. Rejects with
   * DataDirError, ListenError (HTTP port taken), MetaListenError (embedded META port taken), META's
   * or the engine's error, after closing what it opened.
   */
  static async start(config: ShoalConfig, opts: DataNodeOptions = {}): Promise<DataNode> {
    const logger = opts.logger ?? createLogger({ level: config.logLevel });
    const metrics = opts.metrics ?? new MetricsRegistry();
    await ensureWritableDir(config.dataDir);
    const lock = lockDataDir(config.dataDir);

    const api = new HttpApi({
      logger: logger.child({ component: 'http' }),
      metrics,
      maxBodyBytes: config.http.maxBodyBytes,
      phase: 'starting',
    });
    const server = new HttpServer(api.handle);
    let address: AddressInfo;
    try {
      address = await server.listen(config.http.host, config.http.port);
    } catch (err) {
      lock.release();
      throw err;
    }
    logger.info({ bind: formatAddress(address), dataDir: config.dataDir }, 'http listening; connecting to META, opening storage');

    let meta: MetaConnection | undefined;
    let store: TSDBStore | undefined;
    let pointsWriter: LocalPointsWriter | undefined;
    let reconciler: ShardReconciler | undefined;
    try {
      meta = await MetaConnection.open({
        config,
        httpAddress: reachableAddress(address),
        logger,
        ...(opts.onFatal !== undefined ? { onFatal: opts.onFatal } : {}),
        ...(opts.metaClock !== undefined ? { clock: opts.metaClock } : {}),
      });
      const catalog = meta.catalog;
      store = await TSDBStore.open({ dir: config.dataDir, logger: logger.child({ component: 'store' }),
        blockCacheBytes: config.storage.blockCacheBytes,
        shard: { cacheColdMs: config.storage.cacheColdMs },
      });
      pointsWriter = new LocalPointsWriter({
        catalog,
        store,
        logger: logger.child({ component: 'write' }),
        parseWorkers: config.write.parseWorkers,
      });
      // META expires shard groups (the embedded group with this node's retention settings); this
      // node removes the shards of whatever its catalog no longer lists.
      reconciler = new ShardReconciler({
        catalog,
        store,
        logger: logger.child({ component: 'retention' }),
        intervalMs: config.retention.checkIntervalMs,
      });
      reconciler.start();

      const openStore = store;
      registerStatsGauges(metrics, 'shoal_store', 'Storage engine statistic', () => ({ ...openStore.stats() }));
      registerStatsGauges(metrics, 'shoal_block_cache', 'Block cache statistic', () => ({ ...openStore.blockCacheStats() }));
      registerProcessMetrics(metrics);

      const queryStore = store;
      api.setServices({
        catalog,
        pointsWriter,
        query: { catalog, shard: (id) => queryStore.shard(id), limits: config.query, writes: writePortFor(pointsWriter), deletes: new LocalDeletes(catalog, store) },
      });
      api.setPhase('ready');
      const node = new DataNode(config, logger, metrics, api, server, address, catalog, meta, store, reconciler, pointsWriter, lock);
      logger.info({ bind: formatAddress(address), dataDir: config.dataDir, meta: meta.addresses, nodeId: meta.membership.nodeId }, 'shoal ready');
      return node;
    } catch (err) {
      logger.error({ err }, 'start-up failed; closing what was opened');
      await server.close(0);
      await reconciler?.stop();
      await pointsWriter?.close().catch((e: unknown) => logger.error({ err: e }, 'parse workers close failed'));
      await store?.close().catch((e: unknown) => logger.error({ err: e }, 'store close failed'));
      await meta?.close().catch((e: unknown) => logger.error({ err: e }, 'META close failed'));
      lock.release();
      throw err;
    }
  }

  get phase(): NodePhase {
    return this.api.phase;
  }

  /** `http://host:port` of the HTTP API. */
  get url(): string {
    return `http://${formatAddress(this.address)}`;
  }

  /** The MetaService address(es) the node uses: its embedded META node's, or the cluster's. */
  get metaAddresses(): readonly string[] {
    return this.meta.addresses;
  }

  /** This node's id in the META state. */
  get nodeId(): number {
    return this.meta.membership.nodeId;
  }

  /**
   * Graceful shutdown: /health turns 503, no new connections, requests in flight get
   * config.http.shutdownTimeoutMs to finish, then shard removal stops, the store flushes and closes,
   * then META: heartbeats stop, the catalog and its client close, then the embedded META node.
   * Idempotent; every step runs even if an earlier one failed.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    const started = Date.now();
    this.api.setPhase('stopping');
    this.logger.info({ inFlight: this.server.inFlight }, 'shutting down');
    const errors: unknown[] = [];
    const step = async (name: string, f: () => Promise<unknown>) => {
      try {
        await f();
      } catch (err) {
        errors.push(err);
        this.logger.error({ err, step: name }, 'shutdown step failed');
      }
    };
    await step('http', async () => {
      const cut = await this.server.close(this.config.http.shutdownTimeoutMs);
      if (cut > 0) this.logger.warn({ requestsCut: cut }, 'requests still running at the shutdown deadline were cut');
    });
    await step('retention', () => this.reconciler.stop());
    await step('parse-workers', () => this.pointsWriter.close());
    await step('store', () => this.store.close());
    await step('meta', () => this.meta.close());
    this.lock.release();
    this.logger.info({ durationMs: Date.now() - started }, 'shoal stopped');
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'shutdown failed');
  }
}

function formatAddress(a: AddressInfo): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** The address META records for this node: a wildcard bind is reached through the host's name. */
function reachableAddress(a: AddressInfo): string {
  if (a.address === '0.0.0.0' || a.address === '::') return `${hostname()}:${a.port}`;
  return formatAddress(a);
}
