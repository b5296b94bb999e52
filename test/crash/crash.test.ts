// Crash safety of the single-node write and delete paths: a real `shoal server` is SIGKILLed at
// random instants while two clients stream writes and a third deletes each writer's oldest points;
// after every kill the data directory is opened again, every point that was acknowledged (HTTP 204)
// and not deleted must be there with its exact value, and no point a DELETE answered for may be.
//
// Replay a failure with: SHOAL_CRASH_SEED=<seed> npx vitest run test/crash

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedMeta } from '@shoal/data';
import { TSDBStore, valueAt } from '@shoal/tsdb';
import { prng } from '../support/prng.js';
import { ServerProcess, request } from '../support/server-process.js';

const SEED = Number(process.env.SHOAL_CRASH_SEED ?? Date.now() % 1_000_000);
const KILLS = 20;
const WRITERS = 2;
const LINES_PER_BATCH = 250;
const BASE_TIME = 1_700_000_000_000_000_000n;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-crash-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Acknowledged points per writer, not deleted since: time → value. */
const acked: Array<Map<bigint, bigint>> = Array.from({ length: WRITERS }, () => new Map());
const nextSeq = Array.from({ length: WRITERS }, () => 0);
/** Per writer: every point at or before this time was removed by a DELETE that answered. */
const deletedThrough: bigint[] = Array.from({ length: WRITERS }, () => BASE_TIME - 1n);
/** Per writer: the end of a DELETE sent but never answered (the kill cut it), if any. */
const pendingThrough: Array<bigint | undefined> = Array.from({ length: WRITERS }, () => undefined);

function batchFor(writer: number): { body: string; points: Array<[bigint, bigint]> } {
  const points: Array<[bigint, bigint]> = [];
  const lines: string[] = [];
  for (let i = 0; i < LINES_PER_BATCH; i++) {
    const seq = nextSeq[writer]!++;
    const t = BASE_TIME + BigInt(seq) * 1_000n;
    // Large values prove int64 exactness survives replay and flush.
    const v = 9_007_199_254_740_993n * BigInt(writer + 1) + BigInt(seq);
    points.push([t, v]);
    lines.push(`crash,writer=w${writer} v=${v}i,s="seq ${seq}" ${t}`);
  }
  return { body: lines.join('\n'), points };
}

async function writeUntilKilled(port: number, writer: number, stop: { now: boolean }): Promise<void> {
  while (!stop.now) {
    const { body, points } = batchFor(writer);
    let res;
    try {
      res = await request(port, 'POST', '/write?db=crash', body);
    } catch {
      return; // the server died mid-request: this batch was never acknowledged
    }
    if (res.status !== 204) throw new Error(`write answered ${res.status}: ${res.body}`);
    for (const [t, v] of points) acked[writer]!.set(t, v);
  }
}

/**
 * Deletes a writer's points up to its newest acknowledged one, again and again. A writer's times
 * only grow, so every point in the range was acknowledged before the DELETE was sent.
 */
async function deleteUntilKilled(port: number, random: () => number, stop: { now: boolean }): Promise<void> {
  while (!stop.now) {
    await new Promise((r) => setTimeout(r, Math.floor(random() * 100)));
    const w = Math.floor(random() * WRITERS);
    let through = deletedThrough[w]!;
    for (const t of acked[w]!.keys()) if (t > through) through = t;
    if (through === deletedThrough[w] || stop.now) continue;
    pendingThrough[w] = through;
    const q = encodeURIComponent(`DELETE FROM crash WHERE writer = 'w${w}' AND time <= ${through}`);
    let res;
    try {
      res = await request(port, 'POST', `/query?db=crash&q=${q}`);
    } catch {
      return; // killed before the answer: the delete may or may not have happened
    }
    if (res.status !== 200 || res.body.includes('"error"')) throw new Error(`delete answered ${res.status}: ${res.body}`);
    settleDelete(w, through);
  }
}

function settleDelete(writer: number, through: bigint): void {
  deletedThrough[writer] = through;
  pendingThrough[writer] = undefined;
  for (const t of [...acked[writer]!.keys()]) if (t <= through) acked[writer]!.delete(t);
}

async function verify(dataDir: string): Promise<number> {
  const logger = pino({ level: 'silent' });
  const meta = await startEmbeddedMeta({ dataDir, bindAddress: '127.0.0.1:0', logger });
  const store = await TSDBStore.open({ dir: dataDir, logger });
  try {
    expect(meta.state.database('crash')).toBeDefined();
    let checked = 0;
    for (let w = 0; w < WRITERS; w++) {
      const found = new Map<bigint, bigint>();
      for (const { shard } of store.list('crash')) {
        const info = shard.index.get(`crash,writer=w${w}`);
        if (!info) continue;
        for await (const chunk of shard.readField(info.id, 'v')) {
          if (chunk.kind !== 'points') continue;
          for (let i = 0; i < chunk.data.count; i++) found.set(chunk.data.times[i]!, BigInt(valueAt(chunk.data, i) as number | bigint));
        }
      }
      for (const t of found.keys()) {
        if (t <= deletedThrough[w]!) throw new Error(`deleted point came back: writer ${w} time ${t} (seed ${SEED})`);
      }
      // A delete the kill cut short is all there or all gone: one series, one batch.
      const pending = pendingThrough[w];
      if (pending !== undefined) {
        const cut = [...acked[w]!.keys()].filter((t) => t <= pending);
        const left = cut.filter((t) => found.has(t)).length;
        if (left !== 0 && left !== cut.length) throw new Error(`delete half applied: writer ${w}, ${left} of ${cut.length} points left (seed ${SEED})`);
        if (left === 0) settleDelete(w, pending);
        else pendingThrough[w] = undefined;
      }
      for (const [t, v] of acked[w]!) {
        if (found.get(t) !== v) throw new Error(`acknowledged point lost: writer ${w} time ${t} expected ${v} got ${found.get(t)} (seed ${SEED})`);
        checked++;
      }
    }
    return checked;
  } finally {
    await store.close();
    await meta.close();
  }
}

describe(`crash safety (seed ${SEED}; replay: SHOAL_CRASH_SEED=${SEED} npx vitest run test/crash)`, () => {
  it(`loses no acknowledged point and brings back no deleted one across ${KILLS} SIGKILLs during ingest and deletes`, async () => {
    const random = prng(SEED);
    const dataDir = path.join(root, 'data');
    let totalChecked = 0;
    for (let round = 0; round < KILLS; round++) {
      const server = await ServerProcess.start(dataDir);
      try {
        const created = await request(server.port, 'POST', '/query', 'q=CREATE%20DATABASE%20crash', { 'Content-Type': 'application/x-www-form-urlencoded' });
        expect(created.status).toBe(200);
        const stop = { now: false };
        const writers = Array.from({ length: WRITERS }, (_, w) => writeUntilKilled(server.port, w, stop));
        writers.push(deleteUntilKilled(server.port, random, stop));
        // Kill at a random instant: sometimes before the first write lands, usually mid-stream.
        await new Promise((r) => setTimeout(r, Math.floor(random() * 600)));
        await server.stop('SIGKILL');
        stop.now = true;
        await Promise.all(writers);
      } finally {
        await server.stop('SIGKILL');
      }
      totalChecked = await verify(dataDir);
    }
    const ackedTotal = acked.reduce((n, m) => n + m.size, 0);
    console.log(`crash test (seed ${SEED}): ${KILLS} kills, ${ackedTotal} acknowledged points all present, deleted ones stayed deleted (through +${deletedThrough.map((t) => t - BASE_TIME).join(' ns, +')} ns)`);
    expect(totalChecked).toBe(ackedTotal);
    expect(ackedTotal).toBeGreaterThan(0);
  }, 300_000);
});
