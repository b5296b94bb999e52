// Debian's `influx` command-line client 1.6.7 (package influxdb-client, installed by .ci/run)
// against a real Shoal server: -execute for DDL and SHOW DATABASES, -import of an export file.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedMeta } from '@shoal/data';
import { TSDBStore, valueAt } from '@shoal/tsdb';
import { ServerProcess } from '../support/server-process.js';

const run = promisify(execFile);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-influx-cli-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function influx(port: number, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('influx', ['-host', '127.0.0.1', '-port', String(port), ...args], { timeout: 30_000 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('the influx CLI is not installed: apt-get install influxdb-client (.ci/run does this)');
    }
    throw err;
  }
}

describe('influx CLI 1.6 against shoal server', () => {
  it('runs DDL with -execute and imports an export file whose points land exactly', async () => {
    const dataDir = path.join(root, 'data');
    const server = await ServerProcess.start(dataDir);
    const exportFile = path.join(root, 'export.txt');
    fs.writeFileSync(
      exportFile,
      [
        '# DDL',
        'CREATE DATABASE imported',
        'CREATE RETENTION POLICY one_day ON imported DURATION 1d REPLICATION 1',
        '# DML',
        '# CONTEXT-DATABASE: imported',
        '# CONTEXT-RETENTION-POLICY: autogen',
        'cpu,host=a value=1.5,n=9007199254740993i 1700000000000000001',
        'cpu,host=a value=2.5,n=-9223372036854775808i 1700000000000000002',
        '',
      ].join('\n'),
    );
    try {
      await influx(server.port, '-execute', 'CREATE DATABASE cli');
      const shown = await influx(server.port, '-execute', 'SHOW DATABASES');
      expect(shown.stdout).toBe('name: databases\nname\n----\ncli\n');

      const imported = await influx(server.port, '-import', '-path', exportFile, '-precision', 'ns');
      // The CLI logs its summary through Go's log package, to stdout or stderr by version.
      const report = imported.stdout + imported.stderr;
      expect(report).toMatch(/Processed 2 commands/);
      expect(report).toMatch(/Processed 2 inserts/);
      expect(report).toMatch(/Failed 0 inserts/);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }

    const meta = await startEmbeddedMeta({ dataDir, bindAddress: '127.0.0.1:0', logger: pino({ level: 'silent' }) });
    const store = await TSDBStore.open({ dir: dataDir, logger: pino({ level: 'silent' }) });
    try {
      expect(meta.state.retentionPolicy('imported', 'one_day').durationNs).toBe(86_400_000_000_000n);
      const [{ shard }] = store.list('imported', 'autogen');
      const sid = shard!.index.get('cpu,host=a')!.id;
      const n: Array<[bigint, unknown]> = [];
      for await (const c of shard!.readField(sid, 'n')) if (c.kind === 'points') for (let i = 0; i < c.data.count; i++) n.push([c.data.times[i]!, valueAt(c.data, i)]);
      expect(n).toEqual([
        [1700000000000000001n, 9007199254740993n],
        [1700000000000000002n, -9223372036854775808n],
      ]);
    } finally {
      await store.close();
      await meta.close();
    }
  }, 60_000);
});
