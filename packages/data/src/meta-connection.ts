// How a DATA node reaches its catalog: the META group named by `meta.servers` (a cluster), or —
// when none is named — a one-node META group the node runs itself, in-process, with its state
// under `<dataDir>/meta` and its MetaService on `meta.bindAddress` for the CLI. Either way the node
// reads and changes its catalog through the same MetaClient and MetaCatalog, so a single node and a
// cluster run the same code, and `shoal db|rp|cluster …` and InfluxQL change the same state.

import { join } from 'node:path';
import { MetaCatalog, MetaClient, MetaServer, type Clock, type LeaderDutiesConfig, type MetaStateData } from '@shoal/meta';
import type { Logger } from 'pino';
import { findLegacyCatalog, metaStateOf, retireLegacyCatalog, type LegacyCatalog } from './catalog-import.js';
import type { RetentionConfig, ShoalConfig } from './config.js';
import { DataDirError } from './data-dir.js';
import { MetaMembership } from './meta-membership.js';

/** Where the embedded META group keeps its Raft log and snapshots (and older versions their catalog.json). */
export const META_SUBDIR = 'meta';

/** The embedded group's only member. */
const EMBEDDED_META_ID = '1';

export interface MetaConnectionOptions {
  readonly config: ShoalConfig;
  /** This node's HTTP address, as META records it. */
  readonly httpAddress: string;
  readonly logger: Logger;
  /** The embedded META node stopped on an error it cannot recover from (a failed disk write). */
  readonly onFatal?: (err: Error) => void;
  /** The embedded META node's clock (tests move it); a cluster's META nodes keep their own. */
  readonly clock?: Clock;
}

export class MetaConnection {
  private closing: Promise<void> | null = null;

  private constructor(
    readonly catalog: MetaCatalog,
    readonly membership: MetaMembership,
    private readonly client: MetaClient,
    /** The embedded group's node; null when the node uses a cluster's META group. */
    private readonly server: MetaServer | null,
  ) {}

  static async open(opts: MetaConnectionOptions): Promise<MetaConnection> {
    const { config, logger } = opts;
    const metaDir = join(config.dataDir, META_SUBDIR);
    const legacy = await findLegacyCatalog(metaDir);
    let server: MetaServer | null = null;
    let client: MetaClient | undefined;
    let catalog: MetaCatalog | undefined;
    try {
      if (config.meta.servers.length > 0) {
        // Its ids would collide with the group's: the directory cannot join a cluster with it.
        if (legacy !== null) throw legacyInCluster(config.dataDir, legacy);
        if (!config.retention.enabled) {
          logger.warn('retention.enabled is false, but in a cluster the META nodes expire shard groups: start them with --no-retention');
        }
      } else {
        server = await startEmbeddedMeta({
          dataDir: config.dataDir,
          bindAddress: config.meta.bindAddress,
          logger,
          retention: config.retention,
          ...(opts.clock !== undefined ? { clock: opts.clock } : {}),
          ...(legacy?.unfounded === true ? { initialState: importedState(legacy, opts.httpAddress, logger) } : {}),
          ...(opts.onFatal !== undefined ? { onFatal: opts.onFatal } : {}),
        });
      }
      client = new MetaClient({ addresses: server !== null ? [server.address] : config.meta.servers, logger });
      catalog = await MetaCatalog.open({ client, logger });
      if (legacy !== null) {
        retireLegacyCatalog(metaDir);
        logger.info({ dir: metaDir }, 'single-node catalog.json retired: the embedded META group holds its content (kept as catalog.json.imported)');
      }
      const openCatalog = catalog;
      const membership = await MetaMembership.join({ client, state: () => openCatalog.state, dataDir: config.dataDir, address: opts.httpAddress, logger });
      return new MetaConnection(catalog, membership, client, server);
    } catch (err) {
      await catalog?.close();
      client?.close();
      await server?.close();
      throw err;
    }
  }

  /** The MetaService address(es) this node uses. */
  get addresses(): readonly string[] {
    return this.client.addresses;
  }

  /** Stops heartbeats, closes the catalog and the client, then the embedded META node. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.membership.stop();
      await this.catalog.close();
      this.client.close();
      await this.server?.close();
    })();
    return this.closing;
  }
}

export interface EmbeddedMetaOptions {
  readonly dataDir: string;
  readonly bindAddress: string;
  readonly logger: Logger;
  readonly initialState?: MetaStateData;
  readonly onFatal?: (err: Error) => void;
  /**
   * When shard groups expire: the node's `retention` settings, since a single node's leader is its
   * own META group. Absent (tools reading a stopped node's catalog), META's defaults.
   */
  readonly retention?: RetentionConfig;
  readonly clock?: Clock;
}

/** Starts the one-node META group of a data directory (tools and tests use it to read a stopped node's catalog). */
export function startEmbeddedMeta(opts: EmbeddedMetaOptions): Promise<MetaServer> {
  return MetaServer.start({
    id: EMBEDDED_META_ID,
    peers: new Map([[EMBEDDED_META_ID, opts.bindAddress]]),
    dir: join(opts.dataDir, META_SUBDIR),
    logger: opts.logger,
    duties: embeddedDuties(opts.retention),
    ...(opts.clock !== undefined ? { clock: opts.clock } : {}),
    ...(opts.initialState !== undefined ? { initialState: opts.initialState } : {}),
    ...(opts.onFatal !== undefined ? { onFatal: opts.onFatal } : {}),
  });
}

function embeddedDuties(retention: RetentionConfig | undefined): Partial<LeaderDutiesConfig> {
  return {
    // The group's only DATA node is this process: it cannot be down while its META runs, and an
    // event loop stalled past the timeout must not leave it without a live node for new groups.
    dataNodeTimeoutMs: Number.POSITIVE_INFINITY,
    ...(retention !== undefined ? { retentionCheckIntervalMs: retention.checkIntervalMs, expireShardGroups: retention.enabled } : {}),
  };
}

function importedState(legacy: LegacyCatalog, httpAddress: string, logger: Logger): MetaStateData {
  const state = metaStateOf(legacy.catalog, httpAddress, BigInt(Date.now()) * 1_000_000n);
  logger.info(
    { databases: state.databases.length, shardGroups: legacy.catalog.shardGroups().length },
    'importing the single-node catalog.json into the new embedded META group',
  );
  return state;
}

function legacyInCluster(dataDir: string, legacy: LegacyCatalog): DataDirError {
  return new DataDirError(
    dataDir,
    'ELEGACYCATALOG',
    `it holds a single-node catalog (meta/catalog.json, ${legacy.catalog.databases().length} databases) that cannot join a META cluster; ` +
      'start it without meta servers to keep its data (the catalog moves into the embedded META group), or empty it to join the cluster',
  );
}
