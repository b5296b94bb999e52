// Three real processes over gRPC on loopback with classic-level storage. The leader is SIGKILLed
// in the middle of a stream of writes; a new leader must be elected and, once the old leader is
// back, every acknowledged write must be on every node. Once with each server for the client API
// (grpc-js, and the hand-written node:http2 one the benchmark can use).

import { afterAll, describe, expect, it } from 'vitest';
import { ProcessCluster } from './cluster.js';

const IDS = ['a', 'b', 'c'];
// 50 ms ticks, election timeout 10 ticks (0.5–1 s).
const SERVER_ARGS = ['--tick-ms', '50', '--election-ticks', '10'];

async function until<T>(what: string, probe: () => Promise<T | null>, limitMs: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() - started > limitMs) throw new Error(`${what}: not reached within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each([
  ['grpc-js', []],
  ['node:http2', ['--client-http2']],
])('real processes: SIGKILL of the leader during writes (client API on %s)', (_server, clientArgs: string[]) => {
  let cluster: ProcessCluster | null = null;
  afterAll(async () => {
    await cluster?.stop();
  });

  it('elects a new leader and keeps every acknowledged write on every node', async () => {
    cluster = await ProcessCluster.create(IDS, [...SERVER_ARGS, ...clientArgs]);
    const c = cluster;
    let leader = await until('first leader', () => c.leader(), 15_000);
    const acked = new Map<string, string>();
    let seq = 0;
    let killedAt = 0;
    let failoverMs = -1;
    let alive = IDS.slice();
    let killed: string | null = null;

    // Four concurrent writers; each retries on the current leader until acknowledged.
    const writer = async (w: number, count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const key = `w${w}-${i}`;
        const value = `v${++seq}`;
        for (;;) {
          const target = leader;
          try {
            await c.client(target).put(key, value, 2000);
            acked.set(key, value);
            // Failover ends with the first write a surviving node acknowledges: one the old leader
            // answered in the moment before SIGKILL landed does not count.
            if (killedAt > 0 && failoverMs < 0 && target !== killed) failoverMs = Date.now() - killedAt;
            break;
          } catch {
            const next = await c.leader(alive);
            if (next !== null) leader = next;
            else await new Promise((r) => setTimeout(r, 20));
          }
        }
      }
    };

    const writers = [0, 1, 2, 3].map((w) => writer(w, 150));
    await until('some writes acknowledged', async () => (acked.size >= 150 ? true : null), 30_000);
    killed = leader;
    alive = IDS.filter((id) => id !== killed);
    killedAt = Date.now();
    await c.kill(killed);
    await Promise.all(writers);
    const newLeader = await until('a new leader', () => c.leader(alive), 15_000);
    expect(newLeader).not.toBe(killed);
    expect(failoverMs).toBeGreaterThan(0);

    // The old leader comes back from its disk and catches up.
    await c.start(killed);
    for (const id of IDS) {
      await until(
        `node ${id} holds every acknowledged write`,
        async () => {
          const data = await c.client(id).dump();
          for (const [k, v] of acked) if (data.get(k) !== v) return null;
          return true;
        },
        20_000,
      );
    }
    expect(acked.size).toBe(600);
    // A linearizable read on the restarted node sees the last write.
    const last = [...acked][acked.size - 1]!;
    expect(await c.client(killed).get(last[0], true)).toBe(last[1]);
  });
});
