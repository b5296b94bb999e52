// End to end: a real `shoal server` child process on a free port with a temporary data directory.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
/** A clean shutdown of an idle node takes milliseconds; this bounds a slow CI machine. */
const SHUTDOWN_MS_MAX = 5_000;
const START_MS_MAX = 15_000;

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly logLines: () => Array<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcessWithoutNullStreams[] = [];
const dirs: string[] = [];

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run 'npx tsc -b' before these tests`);
});

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'shoal-e2e-'));
  dirs.push(d);
  return d;
}

/** Starts `shoal server` on port 0 and resolves with its URL once it logs that it is ready. */
function startServer(dataDir: string, extraArgs: string[] = []): Promise<Running> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SHOAL_')) env[k] = v;
  const child = spawn(process.execPath, [BIN, 'server', '--http-bind', '127.0.0.1:0', '--meta-bind', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', 'info', ...extraArgs], { env });
  children.push(child);
  const lines: Array<Record<string, unknown>> = [];
  let partial = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready in ${START_MS_MAX} ms; stderr: ${stderr}`)), START_MS_MAX);
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      partial += s;
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const p of parts) {
        const rec = JSON.parse(p) as Record<string, unknown>;
        lines.push(rec);
        if (rec['msg'] === 'shoal ready') {
          clearTimeout(timer);
          resolve({ child, url: `http://${String(rec['bind'])}`, logLines: () => lines, exited });
        }
      }
    });
    void exited.then(({ code }) => reject(new Error(`server exited with ${code} before ready; stderr: ${stderr}`)));
  });
}

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('shoal server (child process)', () => {
  it('creates a database, takes writes with InfluxDB status codes, and exits 0 promptly on SIGTERM', async () => {
    const s = await startServer(tempDir());
    const ping = await fetch(`${s.url}/ping`);
    expect(ping.status).toBe(204);
    expect(ping.headers.get('x-influxdb-version')).toBe('1.6.7-shoal');

    expect((await post(`${s.url}/query`, 'q=CREATE DATABASE e2e', { 'Content-Type': 'application/x-www-form-urlencoded' })).status).toBe(200);

    const ok = await post(`${s.url}/write?db=e2e&precision=s`, 'cpu,host=a usage=0.5 1700000000\ncpu,host=b usage=0.7 1700000000\n');
    expect(ok.status).toBe(204);
    const gz = await post(`${s.url}/write?db=e2e`, gzipSync('mem,host=a used=1i\n'), { 'Content-Encoding': 'gzip' });
    expect(gz.status).toBe(204);

    const partial = await post(`${s.url}/write?db=e2e`, 'cpu,host=c usage=1\nthis is not line protocol\n');
    expect(partial.status).toBe(400);
    expect(JSON.parse(partial.text).error).toMatch(/^partial write: unable to parse 'this is not line protocol': .* dropped=1$/);

    const conflict = await post(`${s.url}/write?db=e2e`, 'cpu,host=a usage="high"\n');
    expect(conflict.status).toBe(400);
    expect(JSON.parse(conflict.text).error).toBe(
      'partial write: field type conflict: input field "usage" on measurement "cpu" is type string, already exists as type float dropped=1',
    );

    const missing = await post(`${s.url}/write?db=nope`, 'cpu usage=1\n');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toEqual({ error: 'database not found: "nope"' });
    expect((await post(`${s.url}/write`, 'cpu usage=1\n')).status).toBe(400);

    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toContain('shoal_points_written_total 4');

    const t0 = Date.now();
    s.child.kill('SIGTERM');
    const { code } = await s.exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(SHUTDOWN_MS_MAX);
    const messages = s.logLines().map((l) => l['msg']);
    expect(messages).toContain('shoal stopped');
  });

  it('keeps databases across a restart', async () => {
    const dataDir = tempDir();
    const first = await startServer(dataDir);
    await post(`${first.url}/query?q=CREATE+DATABASE+durable`, '');
    expect((await post(`${first.url}/write?db=durable`, 'm v=1 1\n')).status).toBe(204);
    first.child.kill('SIGINT');
    expect((await first.exited).code).toBe(0);

    const second = await startServer(dataDir);
    const show = await (await fetch(`${second.url}/query?q=SHOW+DATABASES`)).json();
    expect(show).toEqual({ results: [{ statement_id: 0, series: [{ name: 'databases', columns: ['name'], values: [['durable']] }] }] });
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('bounds the wait for a request still in flight at shutdown, then exits 0', async () => {
    const dir = tempDir();
    const configFile = join(dir, 'shoal.json');
    writeFileSync(configFile, JSON.stringify({ http: { shutdownTimeoutMs: 300 } }));
    const s = await startServer(join(dir, 'data'), ['--config', configFile]);
    const socket = await openSlowWrite(s.url);
    const t0 = Date.now();
    s.child.kill('SIGTERM');
    const { code } = await s.exited;
    socket.destroy();
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(Date.now() - t0).toBeLessThan(SHUTDOWN_MS_MAX);
    expect(s.logLines().find((l) => l['msg'] === 'requests still running at the shutdown deadline were cut')).toMatchObject({ requestsCut: 1 });
  });

  it('exits at once with 1 on a second signal during shutdown', async () => {
    const s = await startServer(tempDir());
    const socket = await openSlowWrite(s.url);
    s.child.kill('SIGTERM');
    await waitFor(() => s.logLines().some((l) => l['msg'] === 'shutting down'));
    const t0 = Date.now();
    s.child.kill('SIGTERM');
    const { code } = await s.exited;
    socket.destroy();
    expect(code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(SHUTDOWN_MS_MAX);
  });
});

/** Starts a /write whose body never finishes arriving, so the request stays in flight. */
async function openSlowWrite(url: string) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined);
  await fetch(`${url}/query?q=CREATE+DATABASE+slow`, { method: 'POST' });
  socket.write('POST /write?db=slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nm v=1');
  // Give the server time to take the request.
  await new Promise((r) => setTimeout(r, 100));
  return socket;
}

async function waitFor(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
