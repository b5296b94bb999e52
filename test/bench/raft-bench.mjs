#!/usr/bin/env node
// Raft benchmark: three @shoal/raft kv-server processes over gRPC on loopback (classic-level with
// fsync, key-value state machine) side by side with etcd 3.4 (Debian's etcd-server) on the same
// machine, driven by the same closed-loop load client (../shared/peer/etcd/raftbench.mjs):
// puts at 1, 64 and 256 clients, linearizable and serializable reads at 64, puts via a follower,
// then leader failover after SIGKILL. Election settings are the same for both: 100 ms heartbeat,
// 1000 ms election timeout (randomised up to 2000 ms).
//
//   npx tsc -b packages/raft && node test/bench/raft-bench.mjs [--system shoal|etcd|both]
//       [--runs 1] [--duration 10] [--failovers 5] [--peer ../shared/peer]
//       [--only abcdef] [--alternate ROUNDS] [--warmup 1] [--client-http2]
//
// --only keeps some of the suite's workloads (a put c=1, b put c=64, c put c=256, d/e reads at 64,
// f put via a follower). --warmup is each workload's unmeasured lead-in, in seconds: a fresh Node
// process spends its first seconds compiling (V8's JIT), which a Go server does not.
// --alternate ROUNDS measures the two systems in turns instead (etcd then Shoal, then Shoal then
// etcd, ...), each turn on a fresh cluster, no failovers, and prints each round's Shoal/etcd ratios
// of throughput and of server CPU per operation with their medians: on a shared machine whose
// speed drifts over minutes, ratios of neighbouring runs say more than two systems measured
// minutes apart.
// --client-http2 starts the kv-servers with --client-http2: their client API answered by a
// hand-written gRPC server on node:http2 instead of grpc-js (same protocol for the load client;
// packages/raft/src/testing/grpc-http2-server.ts). Raft's own traffic stays on grpc-js either way.
//
// Results go to test/bench/out/raft-*.json; a summary is printed at the end. Not a test: numbers
// on these shared 2-core machines move from run to run, so always measure etcd beside us.

import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './servers.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = join(ROOT, 'test/bench/out');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']] : acc), []),
);
const SYSTEM = args.system ?? 'both';
const RUNS = Number(args.runs ?? 1);
const DURATION = Number(args.duration ?? 10);
const FAILOVERS = args.alternate ? 0 : Number(args.failovers ?? 5);
const PEER = resolve(ROOT, args.peer ?? '../shared/peer');
const ONLY = args.only ?? 'abcdef';
const ALTERNATE = Number(args.alternate ?? 0);
/** The reads (d, e) need every key present; the puts do not. */
const SUITE_ARGS = ['--only', ONLY, '--warmup', String(Number(args.warmup ?? 1)), ...(/[de]/.test(ONLY) ? [] : ['--no-prefill'])];
const KV_SERVER_ARGS = args['client-http2'] ? ['--client-http2'] : [];
const TICK_MS = 100;
const ELECTION_TICKS = 10;

mkdirSync(OUT, { recursive: true });
// raftbench imports @grpc/grpc-js: run a copy from inside the repo so it resolves our node_modules.
const BENCH_DIR = join(OUT, 'raftbench');
mkdirSync(BENCH_DIR, { recursive: true });
for (const f of ['raftbench.mjs', 'etcd-kv.proto']) copyFileSync(join(PEER, 'etcd', f), join(BENCH_DIR, f));
const RAFTBENCH = join(BENCH_DIR, 'raftbench.mjs');
const SHOAL_ADAPTER = join(ROOT, 'test/bench/raft-adapter.mjs');
const SHOAL_PROTO = join(ROOT, 'proto/raft.proto');
const SERVER = join(ROOT, 'packages/raft/dist/testing/kv-server.js');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function raftbench(argv) {
  const out = execFileSync(process.execPath, [RAFTBENCH, ...argv], { encoding: 'utf8', maxBuffer: 64 << 20 });
  process.stdout.write(out);
  return out;
}


// ------------------------------------------------------------------ shoal cluster
class ShoalCluster {
  constructor() {
    this.base = mkdtempSync(join(tmpdir(), 'shoal-raft-bench-'));
    this.procs = new Map();
  }
  async init(ids) {
    this.specs = [];
    for (const id of ids) this.specs.push({ id, raft: `127.0.0.1:${await freePort()}`, client: `127.0.0.1:${await freePort()}` });
    this.peers = this.specs.map((s) => `${s.id}=${s.raft}`).join(',');
    for (const s of this.specs) await this.start(s.id);
  }
  spec(id) {
    return this.specs.find((s) => s.id === id);
  }
  async start(id) {
    const s = this.spec(id);
    const p = spawn(
      process.execPath,
      [SERVER, '--id', id, '--dir', join(this.base, id), '--raft', s.raft, '--client', s.client, '--peers', this.peers,
        '--tick-ms', String(TICK_MS), '--election-ticks', String(ELECTION_TICKS), ...KV_SERVER_ARGS],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    this.procs.set(id, p);
    await new Promise((res, rej) => {
      let out = '';
      p.stdout.on('data', (d) => {
        out += d;
        if (out.includes('READY')) res();
      });
      p.once('exit', (c) => rej(new Error(`kv-server ${id} exited ${c}`)));
    });
  }
  pids() {
    return this.specs.map((s) => `${s.id}=${this.procs.get(s.id).pid}`).join(',');
  }
  async leader() {
    const { kvStatus } = await import('./raft-adapter.mjs');
    for (let i = 0; i < 200; i++) {
      for (const s of this.specs) {
        const st = await kvStatus(s.client).catch(() => null);
        if (st?.role === 'leader') return s.id;
      }
      await sleep(50);
    }
    throw new Error('no shoal leader');
  }
  async kill(id) {
    const p = this.procs.get(id);
    if (p.exitCode !== null || p.signalCode !== null) return;
    await new Promise((res) => {
      p.once('exit', res);
      p.kill('SIGKILL');
    });
  }
  async stop() {
    for (const id of this.procs.keys()) await this.kill(id);
    rmSync(this.base, { recursive: true, force: true });
  }
}

async function benchShoal() {
  const c = new ShoalCluster();
  await c.init(['a', 'b', 'c']);
  const results = { system: 'shoal', tick_ms: TICK_MS, election_ticks: ELECTION_TICKS };
  try {
    const leader = await c.leader();
    const follower = c.specs.find((s) => s.id !== leader).id;
    const common = ['--adapter', SHOAL_ADAPTER, '--proto', SHOAL_PROTO];
    raftbench(['suite', ...common, ...SUITE_ARGS, '--target', c.spec(leader).client, '--follower', c.spec(follower).client,
      '--runs', String(RUNS), '--duration', String(DURATION), '--pids', c.pids(), '--json', join(OUT, 'raft-shoal-suite.json'),
      '--label', `shoal raft kv-server x3, classic-level fsync${KV_SERVER_ARGS.length > 0 ? ', client API on node:http2' : ''}`]);
    results.suite = JSON.parse(readFileSync(join(OUT, 'raft-shoal-suite.json'), 'utf8'));
    results.failover = [];
    for (let t = 0; t < FAILOVERS; t++) {
      const l = await c.leader();
      const survivors = c.specs.filter((s) => s.id !== l).map((s) => s.client).join(',');
      const out = raftbench(['failover', ...common, '--targets', survivors, '--kill-pid', String(c.procs.get(l).pid)]);
      results.failover.push(JSON.parse(out.trim().split('\n').pop()));
      await sleep(300);
      await c.start(l);
      await sleep(1500);
    }
  } finally {
    await c.stop();
  }
  return results;
}

// ------------------------------------------------------------------ etcd cluster
function etcdSh(...a) {
  return execFileSync('sh', [join(PEER, 'etcd/cluster.sh'), ...a], {
    encoding: 'utf8',
    env: { ...process.env, ETCD_PEER_DIR: ETCD_DIR },
  });
}
const ETCD_DIR = join(tmpdir(), `etcd-peer-shoal-bench-${process.pid}`);

async function etcdLeader() {
  for (let i = 0; i < 200; i++) {
    const line = etcdSh('leader').trim();
    if (line !== '') {
      const [name, ep, pid] = line.split(/\s+/);
      return { name, ep, pid: Number(pid) };
    }
    await sleep(100);
  }
  throw new Error('no etcd leader');
}

async function benchEtcd() {
  rmSync(ETCD_DIR, { recursive: true, force: true });
  etcdSh('start');
  const results = { system: 'etcd', heartbeat_ms: 100, election_ms: 1000 };
  try {
    await sleep(2000);
    const leader = await etcdLeader();
    const eps = ['127.0.0.1:23791', '127.0.0.1:23792', '127.0.0.1:23793'];
    const follower = eps.find((e) => e !== leader.ep);
    raftbench(['suite', ...SUITE_ARGS, '--target', leader.ep, '--follower', follower, '--runs', String(RUNS), '--duration', String(DURATION),
      '--pids', etcdSh('pids').trim(), '--json', join(OUT, 'raft-etcd-suite.json'), '--label', 'etcd 3.4 x3']);
    results.suite = JSON.parse(readFileSync(join(OUT, 'raft-etcd-suite.json'), 'utf8'));
    results.failover = [];
    for (let t = 0; t < FAILOVERS; t++) {
      const l = await etcdLeader();
      const survivors = eps.filter((e) => e !== l.ep).join(',');
      const out = raftbench(['failover', '--targets', survivors, '--kill-pid', String(l.pid)]);
      results.failover.push(JSON.parse(out.trim().split('\n').pop()));
      await sleep(300);
      etcdSh('start-member', l.name);
      await sleep(3000);
    }
  } finally {
    etcdSh('stop');
    rmSync(ETCD_DIR, { recursive: true, force: true });
  }
  return results;
}

function summarize(r) {
  const rows = [];
  for (const x of r.suite.results) {
    rows.push(`${r.system.padEnd(6)} (${x.id}) ${x.name.padEnd(32)} ${String(x.ops_per_s).padStart(8)}/s  p50 ${x.lat_ms.p50} ms  p99 ${x.lat_ms.p99} ms  server cpu ${x.cpu_s_servers_total}s (${cpuPerOp(x).toFixed(0)} µs/op)  err ${x.errors}`);
  }
  const fo = r.failover.map((f) => f.failover_ms).filter((v) => v !== null).sort((a, b) => a - b);
  rows.push(`${r.system.padEnd(6)} failover ms: ${fo.join(', ')} (median ${fo[Math.floor(fo.length / 2)]})`);
  return rows.join('\n');
}

const cpuPerOp = (x) => (x.ops_per_s > 0 ? (x.cpu_s_servers_total / (x.ops_per_s * x.duration_s)) * 1e6 : NaN);
const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

function requireEtcd() {
  if (!existsSync('/usr/bin/etcd')) throw new Error('etcd missing: apt-get install etcd-server etcd-client');
}
function requireShoal() {
  if (!existsSync(SERVER)) throw new Error('build first: npx tsc -b packages/raft');
}

if (ALTERNATE > 0) {
  requireEtcd();
  requireShoal();
  const ratios = new Map(); // workload id → [{ ops, cpu }]
  for (let round = 0; round < ALTERNATE; round++) {
    const turns = round % 2 === 0 ? [benchEtcd, benchShoal] : [benchShoal, benchEtcd];
    const by = {};
    for (const turn of turns) {
      const r = await turn();
      by[r.system] = r;
    }
    for (const x of by.shoal.suite.results) {
      const e = by.etcd.suite.results.find((y) => y.id === x.id && y.run === x.run);
      const ratio = { ops: x.ops_per_s / e.ops_per_s, cpu: cpuPerOp(x) / cpuPerOp(e) };
      if (!ratios.has(x.id)) ratios.set(x.id, []);
      ratios.get(x.id).push(ratio);
      console.log(`round ${round + 1} (${x.id}) ${x.name}: etcd ${e.ops_per_s}/s ${cpuPerOp(e).toFixed(0)} µs/op, ` +
        `shoal ${x.ops_per_s}/s ${cpuPerOp(x).toFixed(0)} µs/op — ratio ${ratio.ops.toFixed(2)} throughput, ${ratio.cpu.toFixed(2)} cpu/op`);
    }
  }
  console.log('\n==== Shoal / etcd, median over rounds ====');
  for (const [id, rs] of ratios) {
    console.log(`(${id}) throughput ${median(rs.map((r) => r.ops)).toFixed(2)} [${rs.map((r) => r.ops.toFixed(2)).join(' ')}], ` +
      `cpu per op ${median(rs.map((r) => r.cpu)).toFixed(2)} [${rs.map((r) => r.cpu.toFixed(2)).join(' ')}]`);
  }
  process.exit(0);
}

const all = [];
if (SYSTEM === 'etcd' || SYSTEM === 'both') {
  requireEtcd();
  all.push(await benchEtcd());
}
if (SYSTEM === 'shoal' || SYSTEM === 'both') {
  requireShoal();
  all.push(await benchShoal());
}
console.log('\n==== summary ====');
for (const r of all) console.log(summarize(r));
