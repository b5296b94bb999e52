// The DATA node's record in META on a scripted client and a fake clock: registration, the id kept
// across restarts, heartbeats one at a time every interval, and registering again when META has
// forgotten the node.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaState, MetaUnavailableError, UnknownDataNodeError, type DataNodeInfo, type MetaClient } from '@shoal/meta';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MetaMembership, NODE_ID_FILE, type MetaMembershipOptions } from './meta-membership.js';

const dirs: string[] = [];
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Client = MetaMembershipOptions['client'];

/** A META group of DATA node records behind the two calls membership makes. */
class FakeMeta {
  readonly nodes: DataNodeInfo[] = [];
  readonly calls: string[] = [];
  nextId = 5;
  /** Scripted heartbeat outcomes, consumed in order; empty means success. */
  readonly beats: Array<Error | Promise<void>> = [];

  state(): MetaState {
    return MetaState.fromData({ nextNodeId: this.nextId, nextShardGroupId: 1, nextShardId: 1, metaNodes: [], dataNodes: this.nodes, databases: [], users: [] });
  }

  readonly client: Client = {
    apply: (async (cmd: { type: string; id?: number; rpcAddress: string; httpAddress: string }) => {
      this.calls.push(`${cmd.type} ${cmd.httpAddress}`);
      if (cmd.type === 'register-data-node') {
        const node: DataNodeInfo = { id: this.nextId++, rpcAddress: cmd.rpcAddress, httpAddress: cmd.httpAddress, status: 'up', lastHeartbeatNs: 0n };
        this.nodes.push(node);
        return { index: 1, term: 1, result: { ok: true, value: node } };
      }
      const i = this.nodes.findIndex((n) => n.id === cmd.id);
      this.nodes[i] = { ...this.nodes[i]!, rpcAddress: cmd.rpcAddress, httpAddress: cmd.httpAddress };
      return { index: 1, term: 1, result: { ok: true, value: this.nodes[i]! } };
    }) as unknown as MetaClient['apply'],
    heartbeat: async (nodeId: number) => {
      this.calls.push(`heartbeat ${nodeId}`);
      const next = this.beats.shift();
      if (next instanceof Error) throw next;
      await next;
    },
  };
}

function setup(meta: FakeMeta, address: string, dataDir: string): MetaMembershipOptions {
  return { client: meta.client, state: () => meta.state(), dataDir, address, heartbeatIntervalMs: 1000, logger: pino({ level: 'silent' }), nowMs: () => 0 };
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'shoal-membership-'));
  dirs.push(d);
  return d;
}

describe('MetaMembership', () => {
  it('registers with its address, keeps the id in node.json, and on a restart at another address updates that record', async () => {
    const meta = new FakeMeta();
    const dir = tempDir();
    const first = await MetaMembership.join(setup(meta, 'h:1', dir));
    expect(first.nodeId).toBe(5);
    expect(JSON.parse(readFileSync(join(dir, NODE_ID_FILE), 'utf8'))).toEqual({ id: 5 });
    await first.stop();
    const second = await MetaMembership.join(setup(meta, 'h:2', dir));
    await second.stop();
    expect(second.nodeId).toBe(5);
    expect(meta.calls).toEqual(['register-data-node h:1', 'heartbeat 5', 'update-node h:2', 'heartbeat 5']);
    expect(meta.nodes.map((n) => [n.id, n.httpAddress])).toEqual([[5, 'h:2']]);
  });

  it('heartbeats before join resolves, then once per interval and never two at once', async () => {
    const meta = new FakeMeta();
    const m = await MetaMembership.join(setup(meta, 'h:1', tempDir()));
    expect(meta.calls).toEqual(['register-data-node h:1', 'heartbeat 5']);
    let release = (): void => {};
    meta.beats.push(new Promise<void>((r) => (release = r)));
    await vi.advanceTimersByTimeAsync(1000);
    expect(meta.calls.filter((c) => c.startsWith('heartbeat'))).toHaveLength(2);
    // The second beat hangs: the ticks meanwhile pass, and none is owed once it answers.
    await vi.advanceTimersByTimeAsync(3000);
    expect(meta.calls.filter((c) => c.startsWith('heartbeat'))).toHaveLength(2);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(meta.calls.filter((c) => c.startsWith('heartbeat'))).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(meta.calls.filter((c) => c.startsWith('heartbeat'))).toHaveLength(3);
    await m.stop();
    const after = meta.calls.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(meta.calls.length).toBe(after);
  });

  it('keeps beating through META outages, and registers again when META no longer knows the node', async () => {
    const meta = new FakeMeta();
    const dir = tempDir();
    const m = await MetaMembership.join(setup(meta, 'h:1', dir));
    meta.beats.push(new MetaUnavailableError('heartbeat', 'down', false), new MetaUnavailableError('heartbeat', 'down', false));
    await vi.advanceTimersByTimeAsync(3000);
    expect(meta.calls.slice(2)).toEqual(['heartbeat 5', 'heartbeat 5', 'heartbeat 5']);
    // The group was founded anew: it has no record of node 5.
    meta.nodes.length = 0;
    meta.beats.push(new UnknownDataNodeError(5));
    await vi.advanceTimersByTimeAsync(1000);
    expect(m.nodeId).toBe(6);
    expect(meta.calls.at(-1)).toBe('register-data-node h:1');
    expect(existsSync(join(dir, NODE_ID_FILE)) && JSON.parse(readFileSync(join(dir, NODE_ID_FILE), 'utf8'))).toEqual({ id: 6 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(meta.calls.at(-1)).toBe('heartbeat 6');
    await m.stop();
  });
});
