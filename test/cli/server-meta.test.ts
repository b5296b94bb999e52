// `shoal server` (the built binary) with its embedded META group, administered with the built
// `shoal` CLI: one state behind both. A database or policy made with the CLI is what /query shows,
// one made with InfluxQL is what the CLI lists, and `cluster show` finds the server registered.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerProcess, freePort, request } from '../support/server-process.js';
import { BIN, shoal } from './shoal-process.js';

let base: string;
let server: ServerProcess;
let metaAddress: string;

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run 'npx tsc -b' before these tests`);
  base = mkdtempSync(join(tmpdir(), 'shoal-cli-server-'));
  metaAddress = `127.0.0.1:${await freePort()}`;
  server = await ServerProcess.start(join(base, 'data'), ['--meta-bind', metaAddress]);
});

afterAll(async () => {
  expect(await server?.stop('SIGTERM')).toBe(0);
  if (base !== undefined) rmSync(base, { recursive: true, force: true });
});

const at = (...args: string[]): string[] => [...args, '--meta', metaAddress];

async function influxql(q: string, db = ''): Promise<{ results: Array<{ series?: Array<{ values: unknown[][] }>; error?: string }> }> {
  const r = await request(server.port, 'POST', `/query?db=${db}&q=${encodeURIComponent(q)}`);
  expect(r.status).toBe(200);
  return JSON.parse(r.body) as { results: Array<{ series?: Array<{ values: unknown[][] }>; error?: string }> };
}

/** A change made through another client reaches the server's copy with the next Watch event. */
async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() - started > 5000) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('shoal server with its embedded META group', () => {
  it('shows through /query the databases and policies the CLI makes', async () => {
    expect((await shoal(at('db', 'create', 'telegraf'))).code).toBe(0);
    const dbs = await eventually(
      () => influxql('SHOW DATABASES'),
      (r) => JSON.stringify(r).includes('telegraf'),
    );
    expect(dbs.results[0]!.series![0]!.values).toEqual([['telegraf']]);

    expect((await shoal(at('rp', 'create', 'telegraf', 'week', '--duration', '7d', '--shard-duration', '1d'))).code).toBe(0);
    const rps = await eventually(
      () => influxql('SHOW RETENTION POLICIES ON telegraf'),
      (r) => JSON.stringify(r).includes('week'),
    );
    expect(rps.results[0]!.series![0]!.values).toEqual([
      ['autogen', '0s', '168h0m0s', 1, true],
      ['week', '168h0m0s', '24h0m0s', 1, false],
    ]);
  });

  it('lists with the CLI what InfluxQL creates and drops', async () => {
    await influxql('CREATE DATABASE metrics');
    await influxql('CREATE RETENTION POLICY month ON metrics DURATION 30d REPLICATION 1 DEFAULT');
    const list = await shoal(at('rp', 'list', 'metrics', '--json'));
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      { name: 'autogen', durationNs: '0', shardGroupDurationNs: '604800000000000', replicaN: 1, default: false },
      { name: 'month', durationNs: '2592000000000000', shardGroupDurationNs: '86400000000000', replicaN: 1, default: true },
    ]);
    await influxql('DROP DATABASE metrics');
    const dbs = await shoal(at('db', 'list', '--json'));
    expect((JSON.parse(dbs.stdout) as Array<{ name: string }>).map((d) => d.name)).not.toContain('metrics');
  });

  it('is registered as a DATA node that cluster show lists, owning the shard groups its writes create', async () => {
    await influxql('CREATE DATABASE writes');
    expect((await request(server.port, 'POST', '/write?db=writes', 'cpu,host=a v=1i 1700000000000000000')).status).toBe(204);
    const shown = await shoal(at('cluster', 'show', '--json'));
    expect(shown.code).toBe(0);
    const cluster = JSON.parse(shown.stdout) as { metaNodes: Array<{ address: string; role: string }>; dataNodes: Array<{ id: number; httpAddress: string; status: string }> };
    expect(cluster.metaNodes).toEqual([expect.objectContaining({ address: metaAddress, role: 'leader' })]);
    expect(cluster.dataNodes).toEqual([expect.objectContaining({ httpAddress: `127.0.0.1:${server.port}`, status: 'up' })]);
    const groups = await shoal(at('shard-groups', 'list', '--db', 'writes', '--json'));
    expect((JSON.parse(groups.stdout) as Array<{ shards: Array<{ owners: number[] }> }>)[0]!.shards[0]!.owners).toEqual([cluster.dataNodes[0]!.id]);
  });
});
