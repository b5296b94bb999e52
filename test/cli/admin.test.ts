// The admin commands of the built `shoal` binary against a real META node, itself started as
// `shoal meta` in a child process: output for people and for scripts, exit codes, and the
// messages for bad input and for a cluster that cannot be reached.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaClient } from '@shoal/meta';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/server-process.js';
import { BIN, FAST, children, exitOf, shoal, startMetaNode, type MetaNodeProcess } from './shoal-process.js';

let base: string;
let meta: MetaNodeProcess;
let address: string;
let client: MetaClient;

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run 'npx tsc -b' before these tests`);
  base = mkdtempSync(join(tmpdir(), 'shoal-cli-admin-'));
  address = `127.0.0.1:${await freePort()}`;
  meta = await startMetaNode(['--id', '1', '--peers', `1=${address}`, '--dir', join(base, 'm1'), ...FAST]);
  client = new MetaClient({ addresses: [address], deadlineMs: 10_000 });
});

afterAll(async () => {
  client?.close();
  for (const c of children) c.kill('SIGKILL');
  if (base !== undefined) rmSync(base, { recursive: true, force: true });
});

const at = (...args: string[]): string[] => [...args, '--meta', address];

describe('shoal meta (the META node process) refuses bad flags with exit 2', () => {
  it('without --id', async () => {
    const r = await shoal(['meta', '--peers', '1=127.0.0.1:1', '--dir', join(tmpdir(), 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('shoal: --id is required');
  });

  it('with an unknown flag', async () => {
    const r = await shoal(['meta', '--id', '1', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
  });

  it('with a peer list that is not id=host:port', async () => {
    const r = await shoal(['meta', '--id', '1', '--peers', 'nonsense', '--dir', join(tmpdir(), 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shoal: /);
  });
});

describe('shoal meta (the META node process) fails to start with exit 1', () => {
  it('when its directory cannot be created', async () => {
    const file = join(base, 'plain-file');
    writeFileSync(file, '');
    const r = await shoal(['meta', '--id', '1', '--peers', `1=127.0.0.1:${await freePort()}`, '--dir', join(file, 'm'), '--log-level', 'silent']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^shoal: META node start-up failed: ENOTDIR/);
  });

  it('and stops gracefully on SIGINT, exit 0', async () => {
    const other = await startMetaNode(['--id', '1', '--peers', `1=127.0.0.1:${await freePort()}`, '--dir', join(base, 'sigint'), ...FAST]);
    other.proc.kill('SIGINT');
    expect(await exitOf(other.proc), other.output().slice(-2000)).toBe(0);
    expect(other.output()).toContain('"signal":"SIGINT"');
  });
});

describe('shoal db', () => {
  it('creates, lists (table and JSON) and drops databases', async () => {
    let r = await shoal(at('db', 'create', 'telegraf'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('database telegraf ready (default retention policy autogen)\n');

    r = await shoal(at('db', 'create', 'metrics', '--duration', '30d', '--shard-duration', '1d', '--rp-name', 'month', '--json'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      name: 'metrics',
      defaultRetentionPolicy: 'month',
      retentionPolicies: [{ name: 'month', durationNs: String(30n * 86_400_000_000_000n), shardGroupDurationNs: '86400000000000', replicaN: 1 }],
    });

    r = await shoal(at('db', 'list'));
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^NAME\s+DEFAULT RP\s+RETENTION POLICIES$/);
    expect(r.stdout).toMatch(/telegraf\s+autogen\s+autogen/);
    expect(r.stdout).toMatch(/metrics\s+month\s+month/);

    r = await shoal(at('db', 'drop', 'metrics'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('database metrics dropped\n');
    r = await shoal(at('db', 'list', '--json'));
    expect(JSON.parse(r.stdout).map((d: { name: string }) => d.name)).toEqual(['telegraf']);
  });

  it('takes the META addresses from SHOAL_META', async () => {
    const r = await shoal(['db', 'list', '--json'], { SHOAL_META: address });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((d: { name: string }) => d.name)).toContain('telegraf');
  });

  it('refuses to drop an unknown database (exit 1) unless --if-exists', async () => {
    let r = await shoal(at('db', 'drop', 'nosuch'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`shoal: database not found: "nosuch": create it with 'shoal db create nosuch' or see 'shoal db list'\n`);
    r = await shoal(at('db', 'drop', 'nosuch', '--if-exists'));
    expect(r.code).toBe(0);
  });

  it('refuses an unknown flag and a missing name with exit 2', async () => {
    let r = await shoal(at('db', 'list', '--bogus'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("shoal: unknown option '--bogus'");
    r = await shoal(at('db', 'create'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'name'");
  });
});

describe('shoal rp', () => {
  it('creates, alters, lists and drops retention policies', async () => {
    let r = await shoal(at('rp', 'create', 'telegraf', 'week', '--duration', '7d', '--shard-duration', '1d'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('retention policy week of database telegraf created: duration 1w, shard duration 1d, replication 1\n');

    r = await shoal(at('rp', 'alter', 'telegraf', 'week', '--duration', '14d', '--default'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('altered: duration 2w');

    r = await shoal(at('rp', 'list', 'telegraf'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NAME\s+DURATION\s+SHARD DURATION\s+REPLICATION\s+DEFAULT\n/);
    expect(r.stdout).toMatch(/autogen\s+INF\s+1w\s+1\s+no\n/);
    expect(r.stdout).toMatch(/week\s+2w\s+1d\s+1\s+yes\n/);

    r = await shoal(at('rp', 'list', 'telegraf', '--json'));
    expect(JSON.parse(r.stdout)).toContainEqual({ name: 'week', durationNs: '1209600000000000', shardGroupDurationNs: '86400000000000', replicaN: 1, default: true });

    r = await shoal(at('rp', 'drop', 'telegraf', 'week'));
    expect(r.code).toBe(0);
    r = await shoal(at('rp', 'list', 'telegraf', '--json'));
    expect(JSON.parse(r.stdout).map((p: { name: string }) => p.name)).toEqual(['autogen']);
  });

  it('accepts a replication factor above the live DATA nodes and warns on stderr', async () => {
    const r = await shoal(at('rp', 'create', 'telegraf', 'triple', '--duration', 'INF', '--replication', '3'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('duration INF');
    expect(r.stderr).toMatch(/^shoal: warning: replication factor 3 is above the \d+ live DATA nodes?/);
  });

  it('refuses a duration shorter than the shard duration, exit 1, saying what is allowed', async () => {
    const r = await shoal(at('rp', 'create', 'telegraf', 'short', '--duration', '2h', '--shard-duration', '1d'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('retention policy duration must be greater than the shard duration');
    expect(r.stderr).toContain('not shorter than the shard duration');
  });

  it('refuses bad durations and replication factors with exit 2, naming the flag', async () => {
    let r = await shoal(at('rp', 'create', 'telegraf', 'x', '--duration', '7x'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('shoal: invalid --duration "7x": invalid duration; expected an InfluxQL duration such as 1h, 7d, 2w or INF\n');
    r = await shoal(at('rp', 'create', 'telegraf', 'x', '--duration', '1d', '--shard-duration', 'INF'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid --shard-duration "INF"');
    r = await shoal(at('rp', 'create', 'telegraf', 'x', '--duration', '1d', '--replication', '0'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid --replication "0"');
    r = await shoal(at('rp', 'create', 'telegraf', 'x'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--duration <d>' not specified");
    r = await shoal(at('rp', 'alter', 'telegraf', 'autogen'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('rp alter needs at least one of');
  });

  it('names the unknown database or policy, exit 1', async () => {
    let r = await shoal(at('rp', 'create', 'nosuch', 'x', '--duration', '1d'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`shoal: database not found: "nosuch": create it with 'shoal db create nosuch' or see 'shoal db list'\n`);
    r = await shoal(at('rp', 'list', 'nosuch'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('database not found: "nosuch"');
    r = await shoal(at('rp', 'drop', 'telegraf', 'nosuch'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`shoal: retention policy not found: "nosuch" in database "telegraf": see 'shoal rp list telegraf'\n`);
  });
});

describe('shoal cluster show and shard-groups list', () => {
  it('show the META leader and the DATA nodes, as a table and as JSON', async () => {
    const reg = await client.apply({ type: 'register-data-node', rpcAddress: '10.0.0.7:8089', httpAddress: '10.0.0.7:8086', nowNs: BigInt(Date.now()) * 1_000_000n });
    expect(reg.result.ok).toBe(true);

    let r = await shoal(at('cluster', 'show'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^META leader: 1 \\(${address}\\), term \\d+, commit index \\d+\n`));
    expect(r.stdout).toMatch(new RegExp(`\n1\\s+${address}\\s+leader\\s+yes\\s+\\d+\\s+\\d+\\s+\\d+\\s+now \\(\\d+ ms\\)\n`));
    expect(r.stdout).toMatch(/\d+\s+10\.0\.0\.7:8089\s+10\.0\.0\.7:8086\s+up\s+\d{4}-/);

    r = await shoal(at('cluster', 'show', '--json'));
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.leader).toEqual({ id: '1', address });
    expect(typeof j.term).toBe('string');
    expect(j.metaNodes[0]).toMatchObject({ id: '1', address, role: 'leader', reachable: true });
    expect(typeof j.metaNodes[0].commitIndex).toBe('string');
    expect(j.dataNodes[0]).toMatchObject({ rpcAddress: '10.0.0.7:8089', status: 'up' });
    expect(j.dataNodes[0].lastHeartbeatNs).toMatch(/^\d+$/);
  });

  it('lists shard groups with their shards and owners', async () => {
    const t = 1_700_000_000_000_000_000n;
    const g = await client.apply({ type: 'create-shard-group', database: 'telegraf', retentionPolicy: 'autogen', timeNs: t });
    expect(g.result.ok).toBe(true);
    let r = await shoal(at('shard-groups', 'list', '--db', 'telegraf'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+DATABASE\s+RP\s+START\s+END\s+SHARDS \(id:owners\)\s+DELETED\n/);
    expect(r.stdout).toMatch(/\d+\s+telegraf\s+autogen\s+2023-11-\d\dT00:00:00Z\s+2023-11-\d\dT00:00:00Z\s+\d+:\d+\s+-\n/);

    r = await shoal(at('shard-groups', 'list', '--json'));
    const groups = JSON.parse(r.stdout);
    expect(groups).toHaveLength(1);
    expect(BigInt(groups[0].startNs) <= t && t < BigInt(groups[0].endNs)).toBe(true);
    expect(groups[0].deletedAtNs).toBeNull();

    r = await shoal(at('shard-groups', 'list', '--db', 'nosuch'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('database not found: "nosuch"');
  });
});

describe('an unreachable cluster', () => {
  it('fails within the timeout, exit 1, naming the addresses tried', async () => {
    const nobody = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
    const r = await shoal(['db', 'list', '--meta', nobody.join(','), '--timeout', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^shoal: no META leader reachable within 1 s \(tried /);
    for (const a of nobody) expect(r.stderr).toContain(a);
    expect(r.stderr).toContain('Check --meta or SHOAL_META');
    // One second of retries plus the start-up of node.
    expect(r.ms).toBeLessThan(8000);
  });

  it('refuses a bad --meta or --timeout with exit 2', async () => {
    let r = await shoal(['db', 'list', '--meta', 'nowhere']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('shoal: invalid META address "nowhere": expected host:port\n');
    r = await shoal(['db', 'list', '--timeout', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid --timeout "soon"');
  });
});

describe('shoal meta add and transfer-leader refuse what cannot be done', () => {
  it('a leadership transfer to a node that is not a member, exit 1, pointing at cluster show', async () => {
    const r = await shoal(at('meta', 'transfer-leader', '9', '--timeout', '3'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^shoal: META refused transferLeadership: .*9.*: the target must be a voter other than the leader; see the members with 'shoal cluster show'\n$/);
  });

  it('an address that is not host:port, exit 2', async () => {
    const r = await shoal(at('meta', 'add', '5', 'nonsense'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('shoal: invalid address "nonsense": expected host:port\n');
  });
});

describe('shoal meta stops', () => {
  it('gracefully on SIGTERM, exit 0', async () => {
    meta.proc.kill('SIGTERM');
    const code = await exitOf(meta.proc);
    expect(code, meta.output().slice(-2000)).toBe(0);
  });
});
