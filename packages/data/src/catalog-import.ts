// Data directories written before the DATA node used META keep their catalog in
// `<dataDir>/meta/catalog.json` (the single-node LocalCatalog). The embedded META group of such a
// directory is founded from that catalog, once: every database, policy, field type and shard
// group, with the ids the catalog gave them — shard directories and the shards' own records are
// named by those ids, so renumbering would orphan the data (and the cleanup of shards the catalog
// does not list would then delete it).

import { existsSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { MetaShardGroupInfo, MetaStateData } from '@shoal/meta';
import { LocalCatalog } from '@shoal/tsdb';

export const LEGACY_CATALOG_FILE = 'catalog.json';
/** What the catalog file is renamed to once its content lives in META (kept for the operator). */
export const IMPORTED_CATALOG_FILE = 'catalog.json.imported';
/** The id of the node in the imported state: the owner the single-node catalog gave every shard. */
export const IMPORTED_DATA_NODE_ID = 1;

export interface LegacyCatalog {
  readonly catalog: LocalCatalog;
  /** Whether the META directory holds nothing else yet: the embedded group is still to be founded. */
  readonly unfounded: boolean;
}

/** The single-node catalog of `metaDir`, if it has one. */
export async function findLegacyCatalog(metaDir: string): Promise<LegacyCatalog | null> {
  if (!existsSync(join(metaDir, LEGACY_CATALOG_FILE))) return null;
  const others = readdirSync(metaDir).filter((name) => !name.startsWith(LEGACY_CATALOG_FILE));
  return { catalog: await LocalCatalog.open({ dir: metaDir }), unfounded: others.length === 0 };
}

/** Retires the catalog file once the META group holds its content. */
export function retireLegacyCatalog(metaDir: string): void {
  renameSync(join(metaDir, LEGACY_CATALOG_FILE), join(metaDir, IMPORTED_CATALOG_FILE));
}

/**
 * The catalog as a META state: this node is DATA node 1, up, reachable at `address`, and owns
 * every shard (all of them are on its disk).
 */
export function metaStateOf(catalog: LocalCatalog, address: string, nowNs: bigint): MetaStateData {
  const next = catalog.nextIds();
  return {
    nextNodeId: IMPORTED_DATA_NODE_ID + 1,
    nextShardGroupId: next.shardGroupId,
    nextShardId: next.shardId,
    metaNodes: [],
    dataNodes: [{ id: IMPORTED_DATA_NODE_ID, rpcAddress: address, httpAddress: address, status: 'up', lastHeartbeatNs: nowNs }],
    databases: catalog.databases().map((db) => ({
      name: db.name,
      defaultRetentionPolicy: db.defaultRetentionPolicy,
      retentionPolicies: db.retentionPolicies.map((info) => ({
        info,
        shardGroups: catalog.shardGroups(db.name, info.name).map(
          (g): MetaShardGroupInfo => ({
            ...g,
            shards: g.shards.map((s) => ({ id: s.id, owners: [IMPORTED_DATA_NODE_ID] })),
            deletedAtNs: null,
            truncatedAtNs: null,
          }),
        ),
      })),
      measurements: catalog.measurements(db.name).map((name) => ({ name, fields: [...catalog.fields(db.name, name)] })),
    })),
    users: [],
  };
}
