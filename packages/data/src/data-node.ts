// A DATA node process: catalog, storage engine, write path, retention and the HTTP API, started
// in dependency order and stopped in reverse. The HTTP server binds first so that a taken port
// fails before any file is opened and /health can say "starting" while the engine replays its WAL.

import { constants as fsConstants } from 'node:fs';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { LocalCatalog, RetentionService, TSDBStore, type Catalog, type CatalogEvent } from '@shoal/tsdb';
import type { Logger } from 'pino';
import type { ShoalConfig } from './config.js';
import { HttpApi, type NodePhase } from './http/api.js';
import { HttpServer } from './http/server.js';
import { writePortFor } from './http/query-endpoint.js';
import { DataDirLock, DataDirLockedError } from './data-dir-lock.js';
import { LocalPointsWriter } from './local-points-writer.js';
import { createLogger } from './logger.js';
import { MetricsRegistry, registerProcessMetrics, registerStatsGauges } from './metrics.js';

/** The data directory cannot be created or written. */
export class DataDirError extends Error {
  override name = 'DataDirError';
  constructor(
    readonly dir: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`cannot use data directory ${dir}: ${reason}`);
  }
}

const DATA_DIR_REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOTDIR: 'not a directory',
  EEXIST: 'not a directory',
  ENOSPC: 'no space left on device',
};

/** Where the catalog lives under the data directory; shards go to `<dataDir>/shards`. */
export const CATALOG_SUBDIR = 'meta';

export interface DataNodeOptions {
  /** The process logger; one is made from config.logLevel when absent. */
  readonly logger?: Logger;
  readonly metrics?: MetricsRegistry;
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
    readonly store: TSDBStore,
    private readonly retention: RetentionService,
    private readonly pointsWriter: LocalPointsWriter,
    private readonly unsubscribe: () => void,
    private readonly lock: DataDirLock,
  ) {}

  /**
   * Starts every component and resolves once the node is ready for writes and queries. Rejects with
   * DataDirError, ListenError (port taken) or the engine's error, after closing what it opened.
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
    logger.info({ bind: formatAddress(address), dataDir: config.dataDir }, 'http listening; opening storage');

    let catalog: LocalCatalog | undefined;
    let store: TSDBStore | undefined;
    let pointsWriter: LocalPointsWriter | undefined;
    try {
      catalog = await LocalCatalog.open({ dir: join(config.dataDir, CATALOG_SUBDIR) });
      store = await TSDBStore.open({ dir: config.dataDir, logger: logger.child({ component: 'store' }) });
      pointsWriter = new LocalPointsWriter({
        catalog,
        store,
        logger: logger.child({ component: 'write' }),
        parseWorkers: config.write.parseWorkers,
      });
      const retention = new RetentionService({
        catalog,
        store,
        logger: logger.child({ component: 'retention' }),
        checkIntervalMs: config.retention.checkIntervalMs,
      });
      if (config.retention.enabled) retention.start();

      const unsubscribe = subscribeShardCleanup(catalog, store, logger);
      const openStore = store;
      registerStatsGauges(metrics, 'shoal_store', 'Storage engine statistic', () => ({ ...openStore.stats() }));
      registerStatsGauges(metrics, 'shoal_block_cache', 'Block cache statistic', () => ({ ...openStore.blockCacheStats() }));
      registerProcessMetrics(metrics);

      const queryStore = store;
      api.setServices({
        catalog,
        pointsWriter,
        query: { catalog, shard: (id) => queryStore.shard(id), limits: config.query, writes: writePortFor(pointsWriter) },
      });
      api.setPhase('ready');
      const node = new DataNode(config, logger, metrics, api, server, address, catalog, store, retention, pointsWriter, unsubscribe, lock);
      logger.info({ bind: formatAddress(address), dataDir: config.dataDir }, 'shoal ready');
      return node;
    } catch (err) {
      logger.error({ err }, 'start-up failed; closing what was opened');
      await server.close(0);
      await pointsWriter?.close().catch((e: unknown) => logger.error({ err: e }, 'parse workers close failed'));
      await store?.close().catch((e: unknown) => logger.error({ err: e }, 'store close failed'));
      await catalog?.close().catch((e: unknown) => logger.error({ err: e }, 'catalog close failed'));
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

  /**
   * Graceful shutdown: /health turns 503, no new connections, requests in flight get
   * config.http.shutdownTimeoutMs to finish, then retention stops, the store flushes and closes,
   * and the catalog closes. Idempotent; every step runs even if an earlier one failed.
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
    this.unsubscribe();
    await step('retention', () => this.retention.stop());
    await step('parse-workers', () => this.pointsWriter.close());
    await step('store', () => this.store.close());
    await step('catalog', () => this.catalog.close());
    this.lock.release();
    this.logger.info({ durationMs: Date.now() - started }, 'shoal stopped');
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'shutdown failed');
  }
}

/** Takes the data directory's lock, reporting a held one as the DataDirError operators see. */
function lockDataDir(dir: string): DataDirLock {
  try {
    return DataDirLock.acquire(dir);
  } catch (err) {
    if (err instanceof DataDirLockedError) throw new DataDirError(dir, 'ELOCKED', err.message);
    throw err;
  }
}

/** Creates the directory if needed and proves it writable with a probe file. */
export async function ensureWritableDir(dir: string): Promise<void> {
  const fail = (err: unknown): never => {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataDirError(dir, code, (code !== undefined ? DATA_DIR_REASONS[code] : undefined) ?? (err as Error).message);
  };
  await mkdir(dir, { recursive: true }).catch(fail);
  await access(dir, fsConstants.W_OK).catch(fail);
  // access() trusts mode bits; root ignores them and read-only mounts need an actual write.
  const probe = join(dir, `.shoal-write-probe-${process.pid}`);
  await writeFile(probe, '').catch(fail);
  await rm(probe, { force: true });
}

/**
 * Removes local shards as soon as the catalog drops what holds them (a database, a policy, an
 * expired group), rather than at the next retention pass. Runs are serialized.
 */
function subscribeShardCleanup(catalog: Catalog, store: TSDBStore, logger: Logger): () => void {
  let chain: Promise<void> = Promise.resolve();
  return catalog.onChange((event: CatalogEvent) => {
    chain = chain
      .then(async () => {
        const live = new Set<number>();
        for (const g of catalog.shardGroups()) for (const s of g.shards) live.add(s.id);
        const dropped = await store.dropShardsNotIn(live);
        if (dropped.length > 0) logger.info({ event: event.kind, shardIds: dropped }, 'local shards removed');
      })
      .catch((err: unknown) => logger.error({ err, event: event.kind }, 'removing local shards failed'));
  });
}

function formatAddress(a: AddressInfo): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
