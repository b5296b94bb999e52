#!/usr/bin/env node
// META benchmark (not a test): three META node processes on loopback (classic-level with fsync,
// gRPC, 100 ms ticks, election timeout 1–2 s — the defaults), driven through @shoal/meta's client.
//
//   npx tsc -b packages/meta && node test/meta/bench.mjs [--ops 2000] [--groups 300] [--changes 300]
//
// 1. DDL throughput: create-database and add-fields commands through MetaClient.apply at 1, 8 and
//    32 commands in flight; then MetaCatalog mutations, which also wait until the change is in the
//    caller's Watch-fed copy (read-your-writes), and MetaCatalog.catchUp().
// 2. Shard-group creation latency: MetaCatalog.createShardGroup for times with no group yet, one at
//    a time (the write path's cost when a point opens a new group).
// 3. Watch propagation: 10 subscribers (own clients, spread over the three nodes); one writer
//    applies a change at a time; the delay is from sending the command to the subscriber's copy
//    holding it.
//
// Results are printed and written to test/bench/out/meta-bench-<date>.json. Numbers on the shared 2-core
// machines move from run to run.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../bench/servers.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { MetaCatalog, MetaClient } = await import(join(ROOT, 'packages/meta/dist/index.js'));
const { FieldType } = await import(join(ROOT, 'packages/lineproto/dist/index.js'));
const SERVER = join(ROOT, 'packages/meta/dist/bin/meta-server.js');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1] ?? 'true']] : acc), []),
);
const OPS = Number(args.ops ?? 2000);
const GROUPS = Number(args.groups ?? 300);
const CHANGES = Number(args.changes ?? 300);
const SUBSCRIBERS = 10;
const HOUR_NS = 3_600_000_000_000n;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});


function startNode(id, peers, dir) {
  const proc = spawn(process.execPath, [SERVER, '--id', id, '--peers', peers, '--dir', join(dir, id), '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  proc.once('exit', (code) => {
    children.delete(proc);
    if (code !== null && code !== 0) process.stderr.write(`meta node ${id} exited with ${code}:\n${out}\n`);
  });
  return proc;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const r = (x) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(percentile(s, 50)), p90: r(percentile(s, 90)), p99: r(percentile(s, 99)), max: r(s[s.length - 1]) };
}

async function closedLoop(total, inFlight, op) {
  let next = 0;
  const started = performance.now();
  const latencies = [];
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t0 = performance.now();
        await op(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { opsPerSec: Math.round(total / seconds), latencyMs: summary(latencies) };
}

const dir = mkdtempSync(join(tmpdir(), 'shoal-meta-bench-'));
const ids = ['1', '2', '3'];
const addresses = [];
for (let i = 0; i < ids.length; i++) addresses.push(`127.0.0.1:${await freePort()}`);
const peers = ids.map((id, i) => `${id}=${addresses[i]}`).join(',');
for (const id of ids) startNode(id, peers, dir);

const clients = [];
const client = (addrs = addresses) => {
  const c = new MetaClient({ addresses: addrs, attemptTimeoutMs: 5000, deadlineMs: 60_000 });
  clients.push(c);
  return c;
};
let heartbeats = null;
const results = { date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length, fsync: true };

try {
  const main = client();
  // Wait for a leader and the nodes' own registrations.
  for (let i = 0; ; i++) {
    try {
      await main.readIndex({ deadlineMs: 1000 });
      break;
    } catch (err) {
      if (i > 100) throw err;
      await sleep(100);
    }
  }
  await sleep(1000);
  // Three DATA nodes that beat every second, as real ones would (else the leader marks them down).
  const dataNodeIds = [];
  for (let i = 0; i < 3; i++) {
    const r = await main.apply({ type: 'register-data-node', rpcAddress: `d${i}:8089`, httpAddress: `d${i}:8086`, nowNs: BigInt(Date.now()) * 1_000_000n });
    dataNodeIds.push(r.result.value.id);
  }
  const beater = client();
  heartbeats = setInterval(() => {
    for (const id of dataNodeIds) beater.heartbeat(id).catch((err) => console.error(`heartbeat of ${id} failed: ${err.message}`));
  }, 1000);

  // 1. DDL throughput.
  results.ddl = {};
  for (const inFlight of [1, 8, 32]) {
    const r = await closedLoop(OPS, inFlight, (i) => main.apply({ type: 'create-database', name: `c${inFlight}_${i}`, retentionPolicy: null }));
    results.ddl[`createDatabase_inFlight${inFlight}`] = r;
    console.log(`create-database via MetaClient.apply, ${inFlight} in flight: ${r.opsPerSec} ops/s, latency ms ${JSON.stringify(r.latencyMs)}`);
  }
  await main.apply({ type: 'create-database', name: 'fields', retentionPolicy: null });
  {
    const r = await closedLoop(OPS, 32, (i) => main.apply({ type: 'add-fields', database: 'fields', measurement: `m${i % 50}`, fields: [[`f${i}`, FieldType.Float]] }));
    results.ddl.addFields_inFlight32 = r;
    console.log(`add-fields via MetaClient.apply, 32 in flight: ${r.opsPerSec} ops/s, latency ms ${JSON.stringify(r.latencyMs)}`);
  }
  const catalog = await MetaCatalog.open({ client: client() });
  for (const inFlight of [1, 32]) {
    const r = await closedLoop(OPS / 2, inFlight, (i) => catalog.createDatabase(`cat${inFlight}_${i}`));
    results.ddl[`catalogCreateDatabase_inFlight${inFlight}`] = r;
    console.log(`MetaCatalog.createDatabase (resolves once in the local copy), ${inFlight} in flight: ${r.opsPerSec} ops/s, latency ms ${JSON.stringify(r.latencyMs)}`);
  }

  for (const inFlight of [1, 32]) {
    const r = await closedLoop(OPS / 2, inFlight, () => catalog.catchUp());
    results.ddl[`catalogSync_inFlight${inFlight}`] = r;
    console.log(`MetaCatalog.catchUp() (read index, then the copy catches up), ${inFlight} in flight: ${r.opsPerSec} calls/s, latency ms ${JSON.stringify(r.latencyMs)}`);
  }

  // 2. Shard-group creation latency.
  await catalog.createDatabase('groups', { name: 'rp', durationNs: 0n, shardGroupDurationNs: HOUR_NS, replicaN: 2 });
  {
    const r = await closedLoop(GROUPS, 1, (i) => catalog.createShardGroup('groups', 'rp', BigInt(i) * HOUR_NS));
    results.shardGroupCreate = r;
    console.log(`MetaCatalog.createShardGroup (new group, one at a time): ${r.opsPerSec} ops/s, latency ms ${JSON.stringify(r.latencyMs)}`);
  }

  // 3. Watch propagation to 10 subscribers.
  const watches = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const w = client([addresses[i % addresses.length]]).watch();
    await w.ready();
    watches.push(w);
  }
  const writer = client();
  const perSubscriber = [];
  const slowest = [];
  const acks = [];
  // Each subscriber notes when each change reached its copy (onChange runs as it is applied).
  const arrivals = watches.map(() => new Map());
  watches.forEach((w, k) => w.onChange((c) => arrivals[k].set(c.index, performance.now())));
  for (let i = 0; i < CHANGES; i++) {
    const t0 = performance.now();
    const out = await writer.apply({ type: 'create-database', name: `watch${i}`, retentionPolicy: null });
    acks.push(performance.now() - t0);
    while (arrivals.some((a) => !a.has(out.index))) await sleep(1);
    const seen = arrivals.map((a) => a.get(out.index) - t0);
    for (const a of arrivals) a.clear();
    perSubscriber.push(...seen);
    slowest.push(Math.max(...seen));
  }
  results.watch = { subscribers: SUBSCRIBERS, changes: CHANGES, ackMs: summary(acks), perSubscriberMs: summary(perSubscriber), slowestSubscriberMs: summary(slowest) };
  console.log(`apply acknowledged after (ms) ${JSON.stringify(results.watch.ackMs)}`);
  console.log(`watch propagation, send → subscriber copy (ms), each of ${SUBSCRIBERS}: ${JSON.stringify(results.watch.perSubscriberMs)}`);
  console.log(`watch propagation, send → last of ${SUBSCRIBERS} subscribers (ms): ${JSON.stringify(results.watch.slowestSubscriberMs)}`);
  for (const w of watches) w.close();
  await catalog.close();

  const outDir = join(ROOT, 'test/bench/out');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `meta-bench-${results.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`written to ${file}`);
} finally {
  if (heartbeats !== null) clearInterval(heartbeats);
  for (const c of clients) c.close();
  for (const c of children) c.kill('SIGKILL');
  await sleep(200);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
