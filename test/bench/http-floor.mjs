#!/usr/bin/env node
// The floor under Shoal's cheapest queries: what a Node HTTP server costs per request while V8 is
// still compiling it, side by side with InfluxDB (Go, compiled ahead of time) and Shoal answering
// the same statement. Issue #3 compares medians over the first 50 runs of each query; for the
// cheapest ones (SHOW MEASUREMENTS, SHOW TAG VALUES) this tells how much of that median a Node
// process pays before Shoal's own code does anything. Not a test; run by hand:
//
//   npx tsc -b && node test/bench/http-floor.mjs [--rounds 3] [--requests 50] [--warmup 5] [--warm-after 2000]
//
// Each round starts three fresh servers on loopback:
//   node-http  a child of this script: node:http answering every request with the exact bytes
//              InfluxDB sends for the statement (status, headers, body) and nothing else;
//   influxdb   influxd (needs it on PATH: apt-get install influxdb), a database with one point;
//   shoal      `shoal server`, the same database and point.
// One keep-alive connection per server; requests alternate between the servers (A B C, C B A, ...)
// so background load on this shared machine falls on all alike. Reported per server: the median
// latency of --requests requests after --warmup (cold: what issue #3's benchmark measures), then,
// after --warm-after more, the median of --requests more (warm); and server CPU per request in
// each phase (the whole process: V8 compiles on threads of its own).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseFlags, FlagError } from './cli-flags.mjs';
import {
  DATABASE, LOOPBACK, QUERY_TIMEOUT_MS, BenchError, freePort, findOnPath, influxql, killAllNow, request,
  round, startInfluxdb, startShoal, stopServer, waitReady,
} from './servers.mjs';

const STATEMENT = 'SHOW MEASUREMENTS';
const QUERY_PATH = `/query?db=${DATABASE}&epoch=ns&q=${encodeURIComponent(STATEMENT)}`;
const NODE_HTTP_READY_MS = 10_000;

const FLAGS = {
  rounds: { type: 'number', default: 3 },
  requests: { type: 'number', default: 50 },
  warmup: { type: 'number', default: 5 },
  warmAfter: { type: 'number', default: 2000 },
  tmp: { type: 'string', default: os.tmpdir() },
  serve: { type: 'string' },
  help: { type: 'boolean' },
};

// ---------------------------------------------------------------- child: the do-nothing server

/** Answers every request with `answer` (status, headers, body) and reports its port. */
function serve(answer) {
  const body = Buffer.from(answer.body, 'utf8');
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(answer.status, { ...answer.headers, 'Content-Length': body.length });
    res.end(body);
  });
  server.listen(0, LOOPBACK, () => process.send({ port: server.address().port }));
}

/** The headers a client sees from InfluxDB that the floor server repeats (per-request ones left out). */
function replayedHeaders(headers) {
  const out = {};
  for (const [k, v] of Object.entries(headers)) {
    if (!['date', 'request-id', 'x-request-id', 'content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = v;
  }
  return out;
}

async function startNodeHttp(answer) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', JSON.stringify(answer)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), NODE_HTTP_READY_MS);
  const port = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.port));
    child.once('exit', (code) => reject(new BenchError(`node-http exited (code ${code}) before listening`)));
  });
  clearTimeout(timer);
  return { target: 'node-http', child, pid: child.pid, port, stop: async () => child.kill('SIGKILL') };
}

// ---------------------------------------------------------------- parent: the load

/**
 * CPU time of every thread of `pid` in ms, from /proc's schedstat (nanoseconds; the ticks of
 * /proc/PID/stat are too coarse for requests that cost a fraction of a millisecond).
 */
function cpuMs(pid) {
  let ns = 0;
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between listing and reading
    }
  }
  return ns / 1e6;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)];
};

async function timed(server, agent) {
  const t0 = process.hrtime.bigint();
  const r = await request(server.port, 'GET', QUERY_PATH, { agent, timeoutMs: QUERY_TIMEOUT_MS });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 200) throw new BenchError(`${server.target}: ${STATEMENT} answered ${r.status}: ${r.body}`);
  return { ms, body: r.body };
}

/** `count` requests to every server, alternating the order each time; latencies and CPU per request. */
async function phase(servers, agents, count, expected) {
  const lat = servers.map(() => []);
  const cpu0 = servers.map((s) => cpuMs(s.pid));
  for (let i = 0; i < count; i++) {
    const order = i % 2 === 0 ? servers.map((_, k) => k) : servers.map((_, k) => servers.length - 1 - k);
    for (const k of order) {
      const { ms, body } = await timed(servers[k], agents[k]);
      if (body !== expected) throw new BenchError(`${servers[k].target} answered differently:\n${body}\nexpected\n${expected}`);
      lat[k].push(ms);
    }
  }
  return servers.map((s, k) => ({ medianMs: median(lat[k]), cpuMsPerRequest: (cpuMs(s.pid) - cpu0[k]) / count }));
}

async function oneRound(flags, opts) {
  const started = [];
  try {
    const influxdb = await startInfluxdb(opts);
    started.push(influxdb);
    const shoal = await startShoal(opts);
    started.push(shoal);
    for (const s of [influxdb, shoal]) {
      await waitReady(s);
      await influxql(s, `CREATE DATABASE ${DATABASE}`);
      const line = Buffer.from('cpu,hostname=host_0 usage_user=1i 1451606400000000000\n');
      const w = await request(s.port, 'POST', `/write?db=${DATABASE}`, { body: line, timeoutMs: QUERY_TIMEOUT_MS });
      if (w.status !== 204) throw new BenchError(`${s.target}: write answered ${w.status}: ${w.body}`);
    }
    const reference = await request(influxdb.port, 'GET', QUERY_PATH, { timeoutMs: QUERY_TIMEOUT_MS });
    const nodeHttp = await startNodeHttp({ status: reference.status, headers: replayedHeaders(reference.headers), body: reference.body });
    started.push(nodeHttp);
    const servers = [nodeHttp, influxdb, shoal];
    const agents = servers.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    try {
      await phase(servers, agents, flags.warmup, reference.body);
      const cold = await phase(servers, agents, flags.requests, reference.body);
      await phase(servers, agents, flags.warmAfter, reference.body);
      const warm = await phase(servers, agents, flags.requests, reference.body);
      return servers.map((s, k) => ({ target: s.target, cold: cold[k], warm: warm[k] }));
    } finally {
      for (const a of agents) a.destroy();
    }
  } finally {
    for (const s of started.reverse()) {
      if (s.stop) await s.stop();
      else {
        await stopServer(s);
        fs.rmSync(s.dir, { recursive: true, force: true });
      }
    }
  }
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.serve) return serve(JSON.parse(flags.serve));
  if (flags.help) {
    console.log('node test/bench/http-floor.mjs [--rounds 3] [--requests 50] [--warmup 5] [--warm-after 2000] [--tmp DIR]');
    return;
  }
  for (const k of ['rounds', 'requests']) if (!Number.isInteger(flags[k]) || flags[k] < 1) throw new FlagError(`--${k} must be an integer >= 1`);
  for (const k of ['warmup', 'warmAfter']) if (!Number.isInteger(flags[k]) || flags[k] < 0) throw new FlagError(`--${k} must be an integer >= 0`);
  const influxd = findOnPath('influxd');
  if (!influxd) throw new BenchError('influxd not found on PATH; install InfluxDB 1.x with apt-get install influxdb');
  const opts = { bench: 'http-floor', tmp: flags.tmp, influxd, influxColdSnapshot: null, shoalArgs: [] };
  process.on('exit', killAllNow);

  console.log(`${STATEMENT}: ${flags.requests} requests after ${flags.warmup} (cold), then ${flags.requests} after ${flags.warmAfter} more (warm); load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const rows = [];
  for (let r = 1; r <= flags.rounds; r++) {
    for (const row of await oneRound(flags, opts)) {
      rows.push(row);
      console.log(`round ${r} ${row.target.padEnd(9)} cold ${row.cold.medianMs.toFixed(3)} ms (${row.cold.cpuMsPerRequest.toFixed(3)} ms CPU)` +
        `  warm ${row.warm.medianMs.toFixed(3)} ms (${row.warm.cpuMsPerRequest.toFixed(3)} ms CPU)`);
    }
  }
  console.log('\nmedians over rounds (ms):          cold latency  cold CPU  warm latency  warm CPU');
  for (const target of ['node-http', 'influxdb', 'shoal']) {
    const of = (f) => round(median(rows.filter((x) => x.target === target).map(f)), 3);
    console.log(`  ${target.padEnd(31)} ${String(of((x) => x.cold.medianMs)).padStart(12)} ${String(of((x) => x.cold.cpuMsPerRequest)).padStart(9)}` +
      ` ${String(of((x) => x.warm.medianMs)).padStart(13)} ${String(of((x) => x.warm.cpuMsPerRequest)).padStart(9)}`);
  }
  console.log(`load at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

main().catch((err) => {
  console.error(err instanceof FlagError || err instanceof BenchError ? `http-floor: ${err.message}` : err);
  process.exitCode = 1;
});
