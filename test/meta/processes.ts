// Runs META node processes (packages/meta/dist/bin/meta-server.js) on loopback for the
// real-process test and the benchmark: start, SIGKILL, SIGSTOP/SIGCONT, restart from the same
// directory. Every child is SIGKILLed by `stop()` and, as a last resort, when this process exits.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const META_SERVER = join(ROOT, 'packages/meta/dist/bin/meta-server.js');

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export class MetaProcessCluster {
  readonly procs = new Map<string, ChildProcess>();
  readonly output = new Map<string, string>();
  readonly addresses: Map<string, string>;
  /** The founders' peer list. */
  readonly peers: string;

  private constructor(
    readonly ids: readonly string[],
    readonly base: string,
    addresses: Map<string, string>,
    private readonly extraArgs: readonly string[],
  ) {
    this.addresses = addresses;
    this.peers = ids.map((id) => `${id}=${addresses.get(id)}`).join(',');
  }

  static async create(ids: readonly string[], extraArgs: readonly string[] = []): Promise<MetaProcessCluster> {
    if (!existsSync(META_SERVER)) throw new Error(`${META_SERVER} is missing: build first (npx tsc -b packages/meta)`);
    const base = mkdtempSync(join(tmpdir(), 'shoal-meta-proc-'));
    const addresses = new Map<string, string>();
    for (const id of ids) addresses.set(id, `127.0.0.1:${await freePort()}`);
    const c = new MetaProcessCluster(ids, base, addresses, extraArgs);
    try {
      await Promise.all(ids.map((id) => c.start(id)));
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  /** The founders' addresses. */
  get addressList(): string[] {
    return this.ids.map((id) => this.addresses.get(id)!);
  }

  /** Starts a node that is not a founder with --join; it asks the founders to add it. */
  async join(id: string, timeoutMs = 30_000): Promise<void> {
    const address = `127.0.0.1:${await freePort()}`;
    this.addresses.set(id, address);
    await this.start(id, timeoutMs, ['--join', '--peers', `${this.peers},${id}=${address}`]);
  }

  /** Starts (or restarts from its directory) one node; resolves once it serves. */
  async start(id: string, timeoutMs = 15_000, override?: readonly string[]): Promise<void> {
    const args = [META_SERVER, '--id', id, '--dir', join(this.base, id), ...(override ?? ['--peers', this.peers]), ...this.extraArgs];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    this.procs.set(id, proc);
    let out = '';
    const append = (d: Buffer): void => {
      out += d.toString();
      // Keep the tail only: enough to explain a failure.
      if (out.length > 200_000) out = out.slice(-100_000);
      this.output.set(id, out);
    };
    proc.stdout!.on('data', append);
    proc.stderr!.on('data', append);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`meta node ${id} did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
      const onData = (): void => {
        if (out.includes('"msg":"meta node started"')) {
          clearTimeout(timer);
          proc.stdout!.off('data', onData);
          proc.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number | null): void => {
        clearTimeout(timer);
        reject(new Error(`meta node ${id} exited with ${code} while starting:\n${out}`));
      };
      proc.stdout!.on('data', onData);
      proc.once('exit', onExit);
    });
  }

  isRunning(id: string): boolean {
    const p = this.procs.get(id);
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  /** Sends a signal; for SIGKILL and SIGTERM, resolves once the process is gone. */
  signal(id: string, sig: NodeJS.Signals): Promise<void> {
    const p = this.procs.get(id);
    if (p === undefined || !this.isRunning(id)) return Promise.resolve();
    if (sig !== 'SIGKILL' && sig !== 'SIGTERM') {
      p.kill(sig);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      p.once('exit', () => resolve());
      p.kill(sig);
    });
  }

  async stop(): Promise<void> {
    for (const id of this.procs.keys()) await this.signal(id, 'SIGKILL');
    rmSync(this.base, { recursive: true, force: true });
  }
}
