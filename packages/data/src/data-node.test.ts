import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig, type ShoalConfig } from './config.js';
import { DataDirError, DataNode } from './data-node.js';
import { ListenError } from './http/server.js';

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

function config(overrides: { dataDir?: string; httpBind?: string } = {}): ShoalConfig {
  return resolveConfig({
    cwd: '/',
    flags: { dataDir: overrides.dataDir ?? tempDir(), httpBind: overrides.httpBind ?? '127.0.0.1:0' },
    file: { http: { shutdownTimeoutMs: 2000 } },
  });
}

const silent = pino({ level: 'silent' });

async function start(c: ShoalConfig = config()): Promise<DataNode> {
  const node = await DataNode.start(c, { logger: silent });
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
});
