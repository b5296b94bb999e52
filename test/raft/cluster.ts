// Runs kv-server processes (packages/raft/dist/testing/kv-server.js) on loopback for the
// real-process tests and the benchmark, and talks to them over the RaftKv gRPC service.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SERVER_SCRIPT = join(ROOT, 'packages/raft/dist/testing/kv-server.js');
const PROTO = join(ROOT, 'proto/raft.proto');

export interface KvClient {
  put(key: string, value: string, deadlineMs?: number): Promise<number>;
  get(key: string, linearizable: boolean): Promise<string | null>;
  status(): Promise<{ role: string; term: number; leader: string | null; commitIndex: number; appliedIndex: number }>;
  dump(): Promise<Map<string, string>>;
  close(): void;
}

type Unary = (req: object, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void) => void;

let ctor: (new (addr: string, creds: grpc.ChannelCredentials) => grpc.Client & Record<string, Unary>) | null = null;

export function kvClient(address: string): KvClient {
  if (ctor === null) {
    const def = protoLoader.loadSync(PROTO, { keepCase: false, longs: Number, defaults: true });
    ctor = (grpc.loadPackageDefinition(def) as unknown as { shoal: { raft: { RaftKv: typeof ctor } } }).shoal.raft.RaftKv;
  }
  const c = new ctor!(address, grpc.credentials.createInsecure());
  const call = (method: string, req: object, deadlineMs = 3000): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      c[method]!.call(c, req, { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res)));
    });
  return {
    put: async (key, value, deadlineMs) => Number((await call('put', { key: Buffer.from(key), value: Buffer.from(value) }, deadlineMs)).index),
    get: async (key, linearizable) => {
      const r = await call('get', { key: Buffer.from(key), linearizable });
      return r.found === true ? (r.value as Buffer).toString() : null;
    },
    status: async () => JSON.parse(String((await call('status', {})).json)) as Awaited<ReturnType<KvClient['status']>>,
    dump: async () => {
      const r = await call('dump', {}, 10_000);
      return new Map((r.pairs as { key: Buffer; value: Buffer }[]).map((p) => [p.key.toString(), p.value.toString()]));
    },
    close: () => c.close(),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerSpec {
  readonly id: string;
  readonly dir: string;
  readonly raft: string;
  readonly client: string;
}

export class ProcessCluster {
  readonly specs: ServerSpec[] = [];
  readonly procs = new Map<string, ChildProcess>();
  readonly clients = new Map<string, KvClient>();
  private readonly base: string;
  private readonly peers: string;

  private constructor(
    specs: ServerSpec[],
    base: string,
    private readonly extraArgs: string[],
  ) {
    this.specs = specs;
    this.base = base;
    this.peers = specs.map((s) => `${s.id}=${s.raft}`).join(',');
    for (const s of specs) this.clients.set(s.id, kvClient(s.client));
  }

  static async create(ids: string[], extraArgs: string[] = []): Promise<ProcessCluster> {
    if (!existsSync(SERVER_SCRIPT)) throw new Error(`${SERVER_SCRIPT} is missing: build first (npx tsc -b packages/raft)`);
    const base = mkdtempSync(join(tmpdir(), 'shoal-raft-proc-'));
    const specs: ServerSpec[] = [];
    for (const id of ids) {
      specs.push({ id, dir: join(base, id), raft: `127.0.0.1:${await freePort()}`, client: `127.0.0.1:${await freePort()}` });
    }
    const c = new ProcessCluster(specs, base, extraArgs);
    for (const id of ids) await c.start(id);
    return c;
  }

  async start(id: string): Promise<void> {
    const s = this.specs.find((x) => x.id === id)!;
    const args = [SERVER_SCRIPT, '--id', s.id, '--dir', s.dir, '--raft', s.raft, '--client', s.client, '--peers', this.peers, ...this.extraArgs];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.procs.set(id, proc);
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('READY')) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`server ${id} exited with ${code}: ${stderr}`)));
    });
  }

  pid(id: string): number {
    return this.procs.get(id)!.pid!;
  }

  /** SIGKILL: no chance to flush anything; only what was synced survives. */
  kill(id: string): Promise<void> {
    const p = this.procs.get(id)!;
    return new Promise((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  client(id: string): KvClient {
    return this.clients.get(id)!;
  }

  async leader(among: string[] = this.specs.map((s) => s.id)): Promise<string | null> {
    for (const id of among) {
      try {
        const st = await this.client(id).status();
        if (st.role === 'leader') return id;
      } catch {
        // down or busy
      }
    }
    return null;
  }

  async stop(): Promise<void> {
    for (const c of this.clients.values()) c.close();
    for (const id of this.procs.keys()) await this.kill(id);
    rmSync(this.base, { recursive: true, force: true });
  }
}
