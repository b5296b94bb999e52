import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaClient, MetaListenError } from '@shoal/meta';
import { LocalCatalog, TSDBStore, type ShardGroupInfo } from '@shoal/tsdb';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { IMPORTED_CATALOG_FILE, LEGACY_CATALOG_FILE } from './catalog-import.js';
import { resolveConfig, type ShoalConfig } from './config.js';
import { DataDirError } from './data-dir.js';
import { LOCK_FILE } from './data-dir-lock.js';
import { DataNode, type DataNodeOptions } from './data-node.js';
import { ListenError } from './http/server.js';
import { LocalPointsWriter } from './local-points-writer.js';
import { NODE_ID_FILE } from './meta-membership.js';

const dirs: string[] = [];
const nodes: DataNode[] = [];

afterEach(async () => {
  for (const n of nodes.splice(0)) await n.stop().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'shoal-node-'));
  dirs.push(d);
  return d;
}

interface ConfigOverrides {
  dataDir?: string;
  httpBind?: string;
  metaBind?: string;
  metaServers?: string;
  retention?: { enabled?: boolean; checkIntervalMs?: number };
  storage?: { blockCacheBytes?: number; cacheColdMs?: number };
}

function config(overrides: ConfigOverrides = {}): ShoalConfig {
  return resolveConfig({
    cwd: '/',
    flags: {
      dataDir: overrides.dataDir ?? tempDir(),
      httpBind: overrides.httpBind ?? '127.0.0.1:0',
      metaBind: overrides.metaBind ?? '127.0.0.1:0',
      metaServers: overrides.metaServers,
    },
    file: {
      http: { shutdownTimeoutMs: 2000 },
      ...(overrides.retention !== undefined ? { retention: overrides.retention } : {}),
      ...(overrides.storage !== undefined ? { storage: overrides.storage } : {}),
    },
  });
}

/** A client of the node's embedded META group, as the CLI would be. */
function metaClientOf(node: DataNode): MetaClient {
  const client = new MetaClient({ addresses: [...node.metaAddresses], deadlineMs: 5000 });
  clients.push(client);
  return client;
}

const clients: MetaClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

const silent = pino({ level: 'silent' });

async function start(c: ShoalConfig = config(), opts: DataNodeOptions = {}): Promise<DataNode> {
  const node = await DataNode.start(c, { logger: silent, ...opts });
  nodes.push(node);
  return node;
}

function call(node: DataNode, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: node.address.port, method, path }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('DataNode', () => {
  it('starts ready on a free port, writes, and answers InfluxQL over what it wrote, int64 exact', async () => {
    const node = await start();
    expect(node.phase).toBe('ready');
    expect(node.url).toBe(`http://127.0.0.1:${node.address.port}`);
    expect((await call(node, 'GET', '/health')).status).toBe(200);
    expect((await call(node, 'POST', '/query?q=CREATE+DATABASE+mydb')).status).toBe(200);
    expect(JSON.parse((await call(node, 'GET', '/query?q=SHOW+DATABASES')).text)).toEqual({
      results: [{ statement_id: 0, series: [{ name: 'databases', columns: ['name'], values: [['mydb']] }] }],
    });
    const body = 'cpu,host=a v=9007199254740993i 1700000000000000001\ncpu,host=a v=-9223372036854775808i 1700000000000000002';
    expect((await call(node, 'POST', '/write?db=mydb', body)).status).toBe(204);
    const q = encodeURIComponent('SELECT v FROM cpu; SELECT max(v), count(v) FROM cpu');
    expect((await call(node, 'GET', `/query?db=mydb&epoch=ns&q=${q}`)).text).toBe(
      '{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","v"],"values":[[1700000000000000001,9007199254740993],[1700000000000000002,-9223372036854775808]]}]},' +
        '{"statement_id":1,"series":[{"name":"cpu","columns":["time","max","count"],"values":[[0,9007199254740993,2]]}]}]}\n',
    );
    expect((await call(node, 'GET', '/metrics')).text).toContain('shoal_store_shards 1');
  });

  it('bounds its block cache by storage.blockCacheBytes; 0 caches nothing and answers the same', async () => {
    const answers: string[] = [];
    for (const blockCacheBytes of [0, 1 << 20]) {
      const node = await start(config({ storage: { blockCacheBytes } }));
      await call(node, 'POST', '/query?q=CREATE+DATABASE+db');
      await call(node, 'POST', '/write?db=db&precision=s', 'cpu,host=a v=1i 10\ncpu,host=a v=2i 20');
      await node.store.flushAll();
      const q = encodeURIComponent('SELECT v FROM cpu');
      for (let i = 0; i < 2; i++) answers.push((await call(node, 'GET', `/query?db=db&epoch=s&q=${q}`)).text);
      const stats = node.store.blockCacheStats();
      if (blockCacheBytes === 0) expect(stats).toMatchObject({ bytes: 0, columns: 0, blockHits: 0 });
      else expect(stats.blockHits).toBeGreaterThan(0);
    }
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toContain('[[10,1],[20,2]]');
  });

  it('writes an idle cache into blocks after storage.cacheColdMs, dropping its WAL', async () => {
    const node = await start(config({ storage: { cacheColdMs: 200 } }));
    await call(node, 'POST', '/query?q=CREATE+DATABASE+db');
    await call(node, 'POST', '/write?db=db&precision=s', 'cpu,host=a v=1i 10');
    expect(node.store.stats()).toMatchObject({ flushes: 0, cacheValues: 1 });
    await until(() => node.store.stats().flushes === 1 && node.store.stats().cacheValues === 0);
    expect(node.store.stats()).toMatchObject({ walBytes: 0, blocksWritten: 1 });
    expect((await call(node, 'GET', `/query?db=db&epoch=s&q=${encodeURIComponent('SELECT v FROM cpu')}`)).text).toContain('[[10,1]]');
  });

  it('runs DROP SHARD from /query: the points and files of that shard go, other groups stay', async () => {
    const node = await start();
    await call(node, 'POST', '/query?q=CREATE+DATABASE+db');
    // Two weekly groups: 1970-01-12 and 1970-01-19.
    await call(node, 'POST', '/write?db=db&precision=s', 'cpu v=1i 1000000\ncpu v=2i 1700000');
    const [first, second] = node.store.list('db').map((s) => s.id);
    expect(existsSync(join(node.config.dataDir, 'shards', String(first)))).toBe(true);
    expect((await call(node, 'POST', `/query?q=${encodeURIComponent(`DROP SHARD ${first}`)}`)).text).toBe('{"results":[{"statement_id":0}]}\n');
    await until(() => !existsSync(join(node.config.dataDir, 'shards', String(first))));
    expect(node.store.list('db').map((s) => s.id)).toEqual([second]);
    expect((await call(node, 'GET', `/query?db=db&epoch=s&q=${encodeURIComponent('SELECT v FROM cpu')}`)).text).toContain('"values":[[1700000,2]]');
    // A write into the dropped range makes a new group, as in InfluxDB.
    expect((await call(node, 'POST', '/write?db=db&precision=s', 'cpu v=3i 1000000')).status).toBe(204);
    expect((await call(node, 'GET', `/query?db=db&epoch=s&q=${encodeURIComponent('SELECT v FROM cpu')}`)).text).toContain('"values":[[1000000,3],[1700000,2]]');
    expect(node.store.list('db').map((s) => s.id)).toEqual([second, second! + 1]);
  });

  it('runs DROP SERIES, DELETE and DROP MEASUREMENT from /query on what /write stored', async () => {
    const node = await start();
    await call(node, 'POST', '/query?q=CREATE+DATABASE+db');
    expect((await call(node, 'POST', '/write?db=db&precision=s', 'cpu,host=a v=1i 10\ncpu,host=b v=2i 20\ncpu,host=b v=3i 30')).status).toBe(204);
    const q = encodeURIComponent("DROP SERIES FROM cpu WHERE host = 'a'; DELETE FROM cpu WHERE time < 25s; SELECT v FROM cpu; DROP MEASUREMENT cpu; SHOW MEASUREMENTS");
    expect((await call(node, 'POST', `/query?db=db&epoch=s&q=${q}`)).text).toBe(
      '{"results":[{"statement_id":0},{"statement_id":1},{"statement_id":2,"series":[{"name":"cpu","columns":["time","v"],"values":[[30,3]]}]},{"statement_id":3},{"statement_id":4}]}\n',
    );
    expect(node.store.stats()).toMatchObject({ series: 0, deletes: 3 });
  });

  it('keeps the catalog across a restart on the same data directory', async () => {
    const dataDir = tempDir();
    const first = await start(config({ dataDir }));
    await call(first, 'POST', '/query?q=CREATE+DATABASE+kept');
    await first.stop();
    const second = await start(config({ dataDir }));
    expect((await call(second, 'GET', '/query?q=SHOW+DATABASES')).text).toContain('"kept"');
  });

  it('stops gracefully: health answers 503 while stopping, then the port is closed; stop is idempotent', async () => {
    const node = await start();
    const stopping = node.stop();
    expect(node.phase).toBe('stopping');
    await stopping;
    await node.stop();
    await expect(call(node, 'GET', '/ping')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('fails with ListenError when the port is taken, before touching the data directory', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const err = await DataNode.start(config({ httpBind: `127.0.0.1:${port}` }), { logger: silent }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ListenError);
      expect((err as Error).message).toBe(`cannot listen on 127.0.0.1:${port}: address already in use`);
    } finally {
      blocker.close();
    }
  });

  it('fails with DataDirError when the data directory cannot be used', async () => {
    const parent = tempDir();
    const file = join(parent, 'a-file');
    writeFileSync(file, '');
    const err = await DataNode.start(config({ dataDir: join(file, 'data') }), { logger: silent }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirError);
    expect((err as Error).message).toBe(`cannot use data directory ${join(file, 'data')}: not a directory`);
    if (process.getuid?.() !== 0) {
      const locked = join(parent, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o500);
      const err2 = await DataNode.start(config({ dataDir: locked }), { logger: silent }).catch((e: unknown) => e);
      expect((err2 as Error).message).toBe(`cannot use data directory ${locked}: permission denied`);
    }
  });

  it('runs a one-node META group of its own: registered with its HTTP address, one state behind InfluxQL and META clients', async () => {
    const node = await start();
    const client = metaClientOf(node);
    const { state } = await client.getState(true);
    expect(state.dataNodes()).toEqual([expect.objectContaining({ id: node.nodeId, httpAddress: `127.0.0.1:${node.address.port}`, status: 'up' })]);
    expect(state.metaNodes()).toEqual([expect.objectContaining({ raftId: '1', rpcAddress: node.metaAddresses[0] })]);
    // A change through InfluxQL is a META command; one made through META is read by InfluxQL.
    expect((await call(node, 'POST', '/query?q=CREATE+DATABASE+viaquery')).status).toBe(200);
    expect((await client.getState(true)).state.database('viaquery')).toBeDefined();
    const made = await client.apply({ type: 'create-database', name: 'viameta', retentionPolicy: null });
    expect(made.result.ok).toBe(true);
    // Another client's change reaches the node's copy with the next Watch event.
    await until(() => node.catalog.database('viameta') !== undefined);
    expect(JSON.parse((await call(node, 'GET', '/query?q=SHOW+DATABASES')).text).results[0].series[0].values).toEqual([['viaquery'], ['viameta']]);
    // A write's shard group is the META group's, owned by this node.
    expect((await call(node, 'POST', '/write?db=viameta', 'm v=1 1700000000000000000')).status).toBe(204);
    expect((await client.getState(true)).state.shardGroups('viameta')[0]!.shards).toEqual([{ id: 1, owners: [node.nodeId] }]);
  });

  it('keeps its META node id across restarts on other ports, updating its address', async () => {
    const dataDir = tempDir();
    const first = await start(config({ dataDir }));
    const id = first.nodeId;
    expect(JSON.parse(readFileSync(join(dataDir, NODE_ID_FILE), 'utf8'))).toEqual({ id });
    await first.stop();
    const second = await start(config({ dataDir }));
    expect(second.nodeId).toBe(id);
    const { state } = await metaClientOf(second).getState(true);
    expect(state.dataNodes().map((n) => [n.id, n.httpAddress])).toEqual([[id, `127.0.0.1:${second.address.port}`]]);
  });

  it('fails with MetaListenError naming the META address when that port is taken, and releases what it took', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const metaBind = `127.0.0.1:${(blocker.address() as AddressInfo).port}`;
    const dataDir = tempDir();
    try {
      const err = await DataNode.start(config({ dataDir, metaBind }), { logger: silent }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MetaListenError);
      expect((err as Error).message).toBe(`cannot listen on ${metaBind} for the META service: address already in use`);
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    } finally {
      blocker.close();
    }
    // Nothing was left behind: the same directory starts once the port is free.
    await start(config({ dataDir, metaBind }));
  });

  it('imports the single-node catalog.json of an older data directory once, ids and data included', async () => {
    const dataDir = tempDir();
    const t = 1_700_000_000_000_000_000n;
    // The directory as the single-node server left it: catalog.json beside the shards.
    const legacy = await LocalCatalog.open({ dir: join(dataDir, 'meta') });
    const store = await TSDBStore.open({ dir: dataDir, logger: silent });
    const writer = new LocalPointsWriter({ catalog: legacy, store, logger: silent });
    await legacy.createDatabase('old');
    await legacy.createRetentionPolicy('old', { name: 'week', durationNs: 0n, shardGroupDurationNs: 3_600_000_000_000n }, true);
    // A group made and dropped first: the imported groups keep ids that are not 1, 2, ...
    const dropped = await legacy.createShardGroup('old', 'week', 0n);
    await legacy.deleteShardGroup('old', 'week', dropped.id);
    await writer.write({ database: 'old', precision: 'ns', body: Buffer.from(`cpu,host=a v=7i ${t}\ncpu,host=a v=8i ${t + 7_200_000_000_000n}`) });
    const groups = legacy.shardGroups('old', 'week');
    await writer.close();
    await store.close();
    await legacy.close();

    const node = await start(config({ dataDir }));
    expect(existsSync(join(dataDir, 'meta', LEGACY_CATALOG_FILE))).toBe(false);
    expect(existsSync(join(dataDir, 'meta', IMPORTED_CATALOG_FILE))).toBe(true);
    expect(node.catalog.shardGroups('old', 'week').map((g) => [g.id, g.startNs, g.shards])).toEqual(groups.map((g) => [g.id, g.startNs, [{ id: g.shards[0]!.id, owners: [node.nodeId] }]]));
    expect(node.catalog.retentionPolicy('old').name).toBe('week');
    const q = encodeURIComponent('SELECT v FROM cpu');
    expect(JSON.parse((await call(node, 'GET', `/query?db=old&epoch=ns&q=${q}`)).text).results[0].series[0].values).toEqual([
      [Number(t), 7],
      [Number(t + 7_200_000_000_000n), 8],
    ]);
    // New groups continue after the catalog's ids, never reusing the dropped one's.
    expect((await call(node, 'POST', '/write?db=old', `cpu,host=a v=9i ${t + 20_000_000_000_000n}`)).status).toBe(204);
    const fresh = node.catalog.shardGroups('old', 'week').at(-1)!;
    expect(fresh.id).toBe(Math.max(...groups.map((g) => g.id)) + 1);
    await node.stop();
    // Imported once: a restart starts from the META group, which kept the later group too.
    const again = await start(config({ dataDir }));
    expect(again.catalog.shardGroups('old', 'week').map((g) => g.id)).toEqual([...groups.map((g) => g.id), fresh.id]);
  });

  it('refuses to join a META cluster with a data directory that holds a single-node catalog', async () => {
    const dataDir = tempDir();
    const legacy = await LocalCatalog.open({ dir: join(dataDir, 'meta') });
    await legacy.createDatabase('old');
    await legacy.close();
    const err = await DataNode.start(config({ dataDir, metaServers: '127.0.0.1:1' }), { logger: silent }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirError);
    expect((err as Error).message).toMatch(/holds a single-node catalog \(meta\/catalog.json, 1 databases\) that cannot join a META cluster; start it without meta servers/);
    expect(existsSync(join(dataDir, 'meta', LEGACY_CATALOG_FILE))).toBe(true);
  });
});

describe('DataNode retention', () => {
  const HOUR_NS = 3_600_000_000_000n;
  const MS_NS = 1_000_000n;

  /** The embedded META group's clock, frozen where a test puts it: duties run only when it moves. */
  function frozenClock(): { ms: number; nowMs(): number } {
    return {
      ms: Date.now(),
      nowMs() {
        return this.ms;
      },
    };
  }

  async function influxql(node: DataNode, q: string, db = ''): Promise<{ results: Array<{ series?: Array<{ values: unknown[][] }>; error?: string }> }> {
    const r = await call(node, 'POST', `/query?db=${db}&epoch=ns&q=${encodeURIComponent(q)}`);
    expect(r.status, r.text).toBe(200);
    return JSON.parse(r.text);
  }

  async function shardGroupIds(node: DataNode): Promise<unknown[]> {
    return ((await influxql(node, 'SHOW SHARD GROUPS')).results[0]!.series?.[0]!.values ?? []).map((v) => v[0]);
  }

  async function values(node: DataNode): Promise<unknown[][]> {
    return (await influxql(node, 'SELECT v FROM cpu', 'db')).results[0]!.series?.[0]!.values ?? [];
  }

  function shardDir(node: DataNode, g: ShardGroupInfo): string {
    return join(node.config.dataDir, 'shards', String(g.shards[0]!.id));
  }

  /** Three one-hour groups of a database that keeps data one hour: 30 min ago, in 3 h, in 6 h. */
  async function threeGroups(node: DataNode): Promise<{ times: bigint[]; groups: ShardGroupInfo[] }> {
    await influxql(node, 'CREATE DATABASE db WITH DURATION 1h');
    const now = BigInt(Date.now()) * MS_NS;
    const times = [now - HOUR_NS / 2n, now + 3n * HOUR_NS, now + 6n * HOUR_NS];
    const body = times.map((t, i) => `cpu v=${i + 1} ${t}`).join('\n');
    expect((await call(node, 'POST', '/write?db=db', body)).status).toBe(204);
    const groups = [...node.catalog.shardGroups('db')];
    expect(groups).toHaveLength(3);
    for (const g of groups) expect(existsSync(shardDir(node, g))).toBe(true);
    return { times, groups };
  }

  it('drops the files of groups its META group expires, checking as often as retention.checkIntervalMs says, and keeps serving data within retention', async () => {
    const clock = frozenClock();
    const node = await start(config({ retention: { checkIntervalMs: 1000 } }), { metaClock: clock });
    const { times, groups } = await threeGroups(node);
    const [a, b, c] = groups as [ShardGroupInfo, ShardGroupInfo, ShardGroupInfo];

    // Exactly when b's data turns one hour old: a is past its policy, b not yet (expiry is strict).
    clock.ms = Number((b.endNs + HOUR_NS) / MS_NS);
    await until(() => !existsSync(shardDir(node, a)), 20_000);
    expect(await shardGroupIds(node)).toEqual([b.id, c.id]);
    expect(await values(node)).toEqual([
      [Number(times[1]), 2],
      [Number(times[2]), 3],
    ]);

    // One second later is one check interval: b goes too (the default interval would wait 30 min).
    clock.ms += 1000;
    await until(() => !existsSync(shardDir(node, b)), 20_000);
    expect(await shardGroupIds(node)).toEqual([c.id]);
    expect(await values(node)).toEqual([[Number(times[2]), 3]]);
    expect(existsSync(shardDir(node, c))).toBe(true);
  });

  it('keeps expired groups when retention.enabled is false', async () => {
    const clock = frozenClock();
    const node = await start(config({ retention: { enabled: false, checkIntervalMs: 1000 } }), { metaClock: clock });
    const { groups } = await threeGroups(node);
    const [a, b] = groups as [ShardGroupInfo, ShardGroupInfo];
    // A group deleted by hand long ago leaves a marker that the retention duty prunes, after the
    // expiry it would have proposed in the same pass: once the marker is gone, that pass is over.
    const client = metaClientOf(node);
    await client.apply({ type: 'delete-shard-group', database: 'db', retentionPolicy: 'autogen', id: b.id, nowNs: 0n });
    await until(() => !existsSync(shardDir(node, b)), 20_000);
    clock.ms = Number((a.endNs + HOUR_NS) / MS_NS) + 1;
    await until(() => node.catalog.state.deletedShardGroups().length === 0, 20_000);
    expect(node.catalog.shardGroups('db').map((g) => g.id)).toContain(a.id);
    expect(existsSync(shardDir(node, a))).toBe(true);
  });

  it('drops the files of a dropped retention policy and of a dropped database', async () => {
    const node = await start();
    await influxql(node, 'CREATE DATABASE db; CREATE RETENTION POLICY short ON db DURATION 1h REPLICATION 1; CREATE DATABASE other');
    const now = BigInt(Date.now()) * MS_NS;
    for (const target of ['db=db', 'db=db&rp=short', 'db=other']) {
      expect((await call(node, 'POST', `/write?${target}`, `cpu v=1 ${now}`)).status).toBe(204);
    }
    const [kept, short, other] = [node.catalog.shardGroups('db', 'autogen')[0]!, node.catalog.shardGroups('db', 'short')[0]!, node.catalog.shardGroups('other')[0]!];
    await influxql(node, 'DROP RETENTION POLICY short ON db');
    await until(() => !existsSync(shardDir(node, short)));
    await influxql(node, 'DROP DATABASE other');
    await until(() => !existsSync(shardDir(node, other)));
    expect(node.store.list().map((s) => s.id)).toEqual([kept.shards[0]!.id]);
  });
});

/** Polls a condition on in-process state. */
async function until(probe: () => boolean, limitMs = 5000): Promise<void> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > limitMs) throw new Error(`not reached within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
