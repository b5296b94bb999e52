// Runs the built `shoal` binary (packages/cli/dist/bin.js; `npm test` builds it first).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** The environment without any SHOAL_* variable of the machine running the tests. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SHOAL_')) env[k] = v;
  return { ...env, ...extra };
}

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: cleanEnv(env), encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'shoal-cli-'));
  dirs.push(d);
  return d;
}

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run 'npx tsc -b' before these tests`);
});

describe('shoal --help and --version', () => {
  it('prints usage naming the server command, exit 0', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: shoal');
    expect(r.stdout).toMatch(/server \[options\]\s+run a DATA node/);
    expect(r.stdout).toContain('Examples:');
  });

  it('prints the server options, examples and environment variables', () => {
    const r = run(['server', '--help']);
    expect(r.code).toBe(0);
    for (const s of ['--http-bind <addr>', '--data-dir <dir>', '--config <file>', '--log-level <level>', '--meta-servers <addrs>', '--meta-bind <addr>', 'Examples:', 'SHOAL_HTTP_BIND', 'SHOAL_DATA_DIR', 'SHOAL_LOG_LEVEL', 'SHOAL_CONFIG', 'SHOAL_META_SERVERS', 'SHOAL_META_BIND']) {
      expect(r.stdout).toContain(s);
    }
  });

  it('prints the version, exit 0', () => {
    const r = run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('0.1.0');
  });

  it('prints usage and exits 2 without a command', () => {
    const r = run([]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain('Usage: shoal');
  });
});

describe('shoal server refuses bad input with one line and exit 2', () => {
  it('an unknown flag', () => {
    const r = run(['server', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("shoal: unknown option '--bogus'");
  });

  it('an unknown command', () => {
    const r = run(['serve']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shoal: unknown command 'serve'/);
  });

  it('a bad log level', () => {
    const r = run(['server', '--log-level', 'loud']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("shoal: option '--log-level <level>' argument 'loud' is invalid");
  });

  it('a bad bind address, from the environment', () => {
    const r = run(['server'], { SHOAL_HTTP_BIND: 'nowhere' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('shoal: invalid bind address "nowhere": expected host:port or :port\n');
  });

  it('a config file that is not JSON', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'c.json'), 'port = 1');
    const r = run(['server', '--config', join(dir, 'c.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shoal: config file .*c\.json is not valid JSON/);
  });
});

describe('shoal server fails to start with one line and exit 1', () => {
  it('when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await runAsync(['server', '--http-bind', `127.0.0.1:${port}`, '--data-dir', tempDir()]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`shoal: cannot listen on 127.0.0.1:${port}: address already in use\n`);
    } finally {
      blocker.close();
    }
  });

  it('when the embedded META port is taken, naming it', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await runAsync(['server', '--http-bind', '127.0.0.1:0', '--meta-bind', `127.0.0.1:${port}`, '--data-dir', tempDir()]);
      expect(r.code).toBe(1);
      // grpc-js prints its own line first ("E No address added ..."); ours ends the output.
      expect(r.stderr).toMatch(new RegExp(`shoal: cannot listen on 127\\.0\\.0\\.1:${port} for the META service: address already in use\\n$`));
    } finally {
      blocker.close();
    }
  });

  it('when the data directory cannot be written', () => {
    const file = join(tempDir(), 'plain-file');
    writeFileSync(file, '');
    const r = run(['server', '--http-bind', '127.0.0.1:0', '--data-dir', join(file, 'data')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`shoal: cannot use data directory ${join(file, 'data')}: not a directory\n`);
  });
});

/** Like run(), without blocking the event loop (a server in this process must keep answering). */
function runAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
