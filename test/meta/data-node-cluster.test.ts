// A DATA node configured with meta.servers, against three real META node processes: it starts no
// META of its own, registers with the group, keeps its catalog there, writes into existing shard
// groups without asking META (they are acknowledged with every META process stopped), and keeps
// its node id across a restart.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataNode, resolveConfig, type ShoalConfig } from '@shoal/data';
import { MetaClient } from '@shoal/meta';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../support/server-process.js';
import { MetaProcessCluster } from './processes.js';

// Processes are seen started by their info log line.
const ARGS = ['--tick-ms', '50', '--election-ticks', '10', '--no-sync', '--log-level', 'info'];

let cluster: MetaProcessCluster;
let client: MetaClient;
let base: string;
/** Holds the embedded META's default port: a node that started one anyway would fail. */
let blocker: Server;
let blocked: string;

beforeAll(async () => {
  cluster = await MetaProcessCluster.create(['1', '2', '3'], ARGS);
  client = new MetaClient({ addresses: cluster.addressList, deadlineMs: 20_000 });
  base = mkdtempSync(join(tmpdir(), 'shoal-data-cluster-'));
  blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  blocked = `127.0.0.1:${(blocker.address() as AddressInfo).port}`;
});

afterAll(async () => {
  client?.close();
  blocker?.close();
  await cluster?.stop();
  if (base !== undefined) rmSync(base, { recursive: true, force: true });
});

function config(dataDir: string): ShoalConfig {
  return resolveConfig({
    cwd: '/',
    flags: { dataDir, httpBind: '127.0.0.1:0', metaServers: cluster.addressList.join(','), metaBind: blocked },
    file: { http: { shutdownTimeoutMs: 2000 } },
  });
}

async function query(node: DataNode, q: string, db = ''): Promise<string> {
  const r = await request(node.address.port, 'POST', `/query?db=${db}&epoch=ns&q=${encodeURIComponent(q)}`);
  expect(r.status).toBe(200);
  return r.body;
}

describe('a DATA node of a META cluster', () => {
  it('uses the group for its catalog, writes without META round trips, and keeps its id across a restart', async () => {
    const dataDir = join(base, 'data');
    const logger = pino({ level: 'silent' });
    const node = await DataNode.start(config(dataDir), { logger });
    let restarted: DataNode | undefined;
    try {
      const id = node.nodeId;
      let state = (await client.getState(true)).state;
      expect(state.dataNodes()).toEqual([expect.objectContaining({ id, httpAddress: `127.0.0.1:${node.address.port}`, status: 'up' })]);
      expect(state.metaNodes().map((n) => n.raftId).sort()).toEqual(['1', '2', '3']);

      await query(node, 'CREATE DATABASE db');
      expect((await request(node.address.port, 'POST', '/write?db=db', 'cpu,host=a v=1i 1700000000000000000')).status).toBe(204);
      state = (await client.getState(true)).state;
      expect(state.database('db')).toBeDefined();
      expect(state.fieldType('db', 'cpu', 'v')).toBeDefined();
      expect(state.shardGroups('db')[0]!.shards).toEqual([{ id: 1, owners: [id] }]);

      // Every META process stopped: writes into a known group with known fields are still acknowledged.
      for (const m of ['1', '2', '3']) await cluster.signal(m, 'SIGSTOP');
      try {
        for (let i = 1; i <= 5; i++) {
          const r = await request(node.address.port, 'POST', '/write?db=db', `cpu,host=a v=${i + 1}i ${1700000000000000000n + BigInt(i)}`);
          expect(r.status).toBe(204);
        }
      } finally {
        for (const m of ['1', '2', '3']) await cluster.signal(m, 'SIGCONT');
      }
      expect(await query(node, 'SELECT count(v) FROM cpu', 'db')).toContain('"values":[[0,6]]');

      await node.stop();
      restarted = await DataNode.start(config(dataDir), { logger });
      expect(restarted.nodeId).toBe(id);
      state = (await client.getState(true)).state;
      expect(state.dataNodes().map((n) => [n.id, n.httpAddress])).toEqual([[id, `127.0.0.1:${restarted.address.port}`]]);
      expect(await query(restarted, 'SELECT count(v) FROM cpu', 'db')).toContain('"values":[[0,6]]');
    } finally {
      await node.stop();
      await restarted?.stop();
    }
  });
});
