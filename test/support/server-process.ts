// Runs the real `shoal server` as a child process on a free loopback port, for tests that need
// real processes and real faults.

import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHOAL_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/dist/bin.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(port: number, method: string, pathAndQuery: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: pathAndQuery, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export class ServerProcess {
  private constructor(readonly child: ChildProcess, readonly port: number, readonly output: () => string) {}

  static async start(dataDir: string, extraArgs: string[] = [], timeoutMs = 20_000): Promise<ServerProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [SHOAL_BIN, 'server', '--http-bind', `127.0.0.1:${port}`, '--meta-bind', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', 'warn', ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const server = new ServerProcess(child, port, () => out);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`shoal server exited with ${child.exitCode} while starting:\n${out}`);
      try {
        // /health turns 200 once storage is open (the port is bound before that).
        const r = await request(port, 'GET', '/health');
        if (r.status === 200) return server;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`shoal server did not become healthy within ${timeoutMs} ms:\n${out}`);
  }

  /** Sends a signal and waits for the process to exit; returns its exit code (null when killed). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill(signal);
    return exited;
  }
}
