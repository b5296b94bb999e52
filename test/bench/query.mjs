#!/usr/bin/env node
// Query benchmark: Shoal (and InfluxDB 1.x with --peer) answering TSBS-like cpu-only queries over
// the TSBS-like data set of tsbs-data.mjs (100 hosts x 24 h at 10 s = 864,000 points, integer
// fields). Not a test; run by hand, on a machine as quiet as you can find:
//
//   npx tsc -b && node test/bench/query.mjs --peer
//
//   [--iterations 50] [--warmup 5] [--only name,name] [--fixed] [--query-seed 42] [--show-queries]
//   [--hosts 100 --duration 24h --interval 10s --seed 1 --start ISO --float]   (the data set)
//   [--batch 5000] [--conc 2] [--shoal-settle restart|SECONDS] [--settle 300] [--influx-cold-snapshot 10s]
//   [--write-batches 500] [--write-lines 100] [--write-interval-ms 20] [--load-query "SELECT ..."]
//   [--skip-write-load] [--shoal-args "..."] [--cpu-prof DIR] [--json FILE] [--keep] [--tmp DIR]
//
// 1. Load. Each target starts fresh on a fresh folder (servers.mjs); the same data set is POSTed to
//    /write?db=benchmark (batches of --batch lines over --conc connections; every answer must be
//    204), one target after the other so they never compete for the CPU. Then each settles:
//      Shoal    — as InfluxDB, left running with storage.cacheColdMs set to --influx-cold-snapshot
//                 until its caches and WALs are empty and its block counters stop changing, at most
//                 --settle seconds (--shoal-settle cold, the default); or stopped gracefully
//                 (SIGTERM flushes its cache into blocks) and started again on the same data
//                 (--shoal-settle restart: its queries then also pay a cold JIT); or left running
//                 for N seconds;
//      InfluxDB — left running until its WAL is empty and its files stop changing (as ingest.mjs),
//                 at most --settle seconds; its cache-snapshot-write-cold-duration is set to
//                 --influx-cold-snapshot (10s) so an idle shard's cache reaches TSM in that time.
//    `SELECT count(usage_user) FROM cpu` must then count every point on both.
// 2. Queries (QUERIES below), each --iterations times after --warmup runs, GET /query with
//    epoch=ns, one keep-alive connection per target. Host names and time windows are drawn from
//    --query-seed, a new draw per iteration (--fixed: one draw for all), the same texts for every
//    target. Iterations alternate between the targets (A B, B A, ...) so background load on this
//    shared machine falls on both alike. Reported per query and target: median and p99 latency,
//    server CPU per query, answer size, errors; and a checksum: sha256 over the canonical JSON
//    (canonical-json.mjs) of every measured answer. The targets must print the same checksum; if
//    not, the first differing answer is shown with the query and the first differing bytes.
// 3. Writes under query load, per target, in a database of their own (bench_writes): batches of
//    --write-lines lines, one due every --write-interval-ms on one connection, first on an idle
//    server, then while another client runs --load-query (default SELECT count(*) FROM cpu) back to
//    back. Latency counts from when a batch was due, not from when it could be sent, so a write
//    that waited behind a query is charged the wait (no coordinated omission).
//
// --cpu-prof DIR runs the Shoal that answers the queries under `node --cpu-prof --cpu-prof-dir
// DIR` (with --shoal-settle restart, only the restarted one, so loading is left out); the profile
// is written when it is stopped at the end.
// Narrow it to one query with e.g. `--targets shoal --only count-all --skip-write-load`, then
// `node test/bench/cpuprofile-top.mjs DIR`.
//
// Output: the tables, then one `RESULT {json}` line; --json FILE writes the full report.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { datasetShape, buildBodies, seededRandom, CPU_FIELDS, DATASET_FLAGS } from './tsbs-data.mjs';
import { parseFlags, FlagError } from './cli-flags.mjs';
import { canonicalJson, firstDifference } from './canonical-json.mjs';
import {
  SHOAL_BIN, DATABASE, QUERY_TIMEOUT_MS, KILL_WAIT_MS, TARGETS, BenchError, liveServers, serverGone, waitReady,
  startShoal, stopServer, killAllNow, logTail, procStats, request, influxql, writeAll, settleInfluxdb, settleShoal, round,
  gitDescribe, findOnPath,
} from './servers.mjs';

/** The database of the writes-under-load phase, apart from the data set the queries read. */
const WRITE_DATABASE = 'bench_writes';
const WRITE_TIMEOUT_MS = 60_000;
const ITERATIONS_MAX = 100_000;
const WRITE_BATCHES_MAX = 100_000;
/** Characters of context shown on each side of the first difference between two answers. */
const DIFF_CONTEXT_CHARS = 120;
const ERROR_TEXT_CHARS = 300;
const HOUR_MS = 3_600_000;

const FLAG_SPEC = {
  ...DATASET_FLAGS,
  conc: { type: 'number', default: 2 },
  peer: { type: 'boolean' },
  targets: { type: 'string' },
  iterations: { type: 'number', default: 50 },
  warmup: { type: 'number', default: 5 },
  only: { type: 'string' },
  fixed: { type: 'boolean' },
  querySeed: { type: 'number', default: 42 },
  showQueries: { type: 'boolean' },
  shoalSettle: { type: 'string', default: 'cold' },
  settle: { type: 'number', default: 300 },
  influxColdSnapshot: { type: 'string', default: '10s' },
  writeBatches: { type: 'number', default: 500 },
  writeLines: { type: 'number', default: 100 },
  writeIntervalMs: { type: 'number', default: 20 },
  loadQuery: { type: 'string', default: 'SELECT count(*) FROM cpu' },
  skipWriteLoad: { type: 'boolean' },
  shoalArgs: { type: 'string', default: '' },
  cpuProf: { type: 'string' },
  json: { type: 'string' },
  keep: { type: 'boolean' },
  tmp: { type: 'string', default: os.tmpdir() },
  help: { type: 'boolean' },
};

const USAGE = `npx tsc -b && node test/bench/query.mjs [options]
  --peer               also run InfluxDB 1.x (needs influxd on PATH: apt-get install influxdb)
  --targets LIST       explicit targets instead: shoal,influxdb
  --iterations 50 --warmup 5    measured and warm-up runs of each query, per target
  --only a,b           just these queries (names below)           --fixed   one query text for all iterations
  --query-seed 42      draws the hosts and time windows           --show-queries  print each query's first text
  --hosts 100 --duration 24h --interval 10s --seed 1 --start ISO --float    the data set (864,000 points)
  --batch 5000 --conc 2         how the data set is loaded
  --shoal-settle cold           settle Shoal as InfluxDB; 'restart' restarts it gracefully instead; or seconds to wait
  --settle 300         at most this many seconds for a WAL to empty and the files to stop changing
  --influx-cold-snapshot 10s    InfluxDB's cache-snapshot-write-cold-duration ('' for its own 10m), and
                                Shoal's storage.cacheColdMs with --shoal-settle cold
  --write-batches 500 --write-lines 100 --write-interval-ms 20   writes, per phase (idle, under query load)
  --load-query "SELECT count(*) FROM cpu"     the query looped during the loaded phase
  --skip-write-load    no write phase
  --shoal-args "..."   extra words for 'shoal server' (split on spaces)
  --cpu-prof DIR       profile the Shoal that answers the queries (see cpuprofile-top.mjs)
  --json FILE          write the full report                     --keep   keep the servers' folders
  --tmp DIR            where the servers' folders go (${os.tmpdir()})`;

// ---------------------------------------------------------------------------------------------
// The queries. gen(random, ctx) returns one query text; ctx holds the data set's hosts and time
// span. The shapes are TSBS's cpu-only queries (single-groupby-M-H-T: max of M fields of H hosts
// over T hours by minute; cpu-max-all-H: max of all fields of H hosts over 8 h by hour) plus the
// statements a dashboard and an operator run most.

const isoTime = (ms) => new Date(ms).toISOString();
const DURATION_UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** '10s' → 10000 (the forms --influx-cold-snapshot accepts). */
const durationMs = (text) => {
  const [, n, unit] = /^(\d+)(ms|s|m|h)$/.exec(text);
  return Number(n) * DURATION_UNIT_MS[unit];
};

/** A window of lengthMs that lies inside the data set, starting on a whole second drawn at random. */
function timeWindow(random, ctx, lengthMs) {
  const slackS = Math.max(0, Math.floor((ctx.durationMs - lengthMs) / 1000));
  const fromMs = ctx.startMs + Math.floor(random() * (slackS + 1)) * 1000;
  return `time >= '${isoTime(fromMs)}' AND time < '${isoTime(fromMs + lengthMs)}'`;
}

/** `count` distinct host names drawn at random. */
function drawHosts(random, ctx, count) {
  const picked = new Set();
  while (picked.size < Math.min(count, ctx.hosts)) picked.add(Math.floor(random() * ctx.hosts));
  return [...picked].map((i) => `host_${i}`);
}

const hostsCondition = (names) => '(' + names.map((h) => `hostname = '${h}'`).join(' OR ') + ')';
const maxOf = (fields) => fields.map((f) => `max(${f})`).join(', ');

export const QUERIES = [
  {
    name: 'single-groupby-1-1-1',
    gen: (r, c) => `SELECT ${maxOf(CPU_FIELDS.slice(0, 1))} FROM cpu WHERE ${hostsCondition(drawHosts(r, c, 1))} ` +
      `AND ${timeWindow(r, c, 1 * HOUR_MS)} GROUP BY time(1m)`,
  },
  {
    name: 'single-groupby-5-1-12',
    gen: (r, c) => `SELECT ${maxOf(CPU_FIELDS.slice(0, 5))} FROM cpu WHERE ${hostsCondition(drawHosts(r, c, 1))} ` +
      `AND ${timeWindow(r, c, 12 * HOUR_MS)} GROUP BY time(1m)`,
  },
  {
    name: 'cpu-max-all-8',
    gen: (r, c) => `SELECT ${maxOf(CPU_FIELDS)} FROM cpu WHERE ${hostsCondition(drawHosts(r, c, 8))} ` +
      `AND ${timeWindow(r, c, 8 * HOUR_MS)} GROUP BY time(1h)`,
  },
  { name: 'lastpoint', gen: () => 'SELECT last(usage_user) FROM cpu GROUP BY hostname' },
  {
    name: 'raw-1h-1host',
    gen: (r, c) => `SELECT * FROM cpu WHERE hostname = '${drawHosts(r, c, 1)[0]}' AND ${timeWindow(r, c, 1 * HOUR_MS)}`,
  },
  { name: 'count-all', gen: () => 'SELECT count(*) FROM cpu' },
  { name: 'show-measurements', gen: () => 'SHOW MEASUREMENTS' },
  { name: 'show-tag-values-hostname', gen: () => 'SHOW TAG VALUES WITH KEY = hostname' },
];

/**
 * The texts of one query: warm-ups first, then the measured ones. Each query draws from its own
 * generator (seeded with the query seed and its position), so --only does not change the texts.
 */
function queryTexts(q, index, ctx, flags) {
  const random = seededRandom((flags.querySeed * 1_000_003 + index) >>> 0);
  const total = flags.warmup + flags.iterations;
  const texts = [];
  for (let i = 0; i < total; i++) texts.push(flags.fixed && i > 0 ? texts[0] : q.gen(random, ctx));
  return { warmup: texts.slice(0, flags.warmup), measured: texts.slice(flags.warmup) };
}

// ---------------------------------------------------------------------------------------------
// Statistics and printing

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function latencySummary(latenciesMs) {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  if (sorted.length === 0) return { n: 0, p50: null, p99: null, max: null, mean: null };
  return {
    n: sorted.length, p50: round(percentile(sorted, 0.5), 3), p99: round(percentile(sorted, 0.99), 3),
    max: round(sorted[sorted.length - 1], 3), mean: round(sorted.reduce((s, x) => s + x, 0) / sorted.length, 3),
  };
}

const fmt = (x, d) => (x === null || x === undefined ? '-' : x.toFixed(d));
const fmtMs = (x) => (x === null || x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const pad = (s, n) => String(s).padStart(n);
const ratio = (a, b) => (a !== null && a !== undefined && b ? round(a / b, 2) : null);

// ---------------------------------------------------------------------------------------------
// Run folders and clean-up

let keepDirs = false;
const runDirs = new Set();

function removeRunDir(dir) {
  runDirs.delete(dir);
  if (!keepDirs) fs.rmSync(dir, { recursive: true, force: true });
}

function onInterrupt(signal) {
  process.stderr.write(`\nquery: ${signal}: killing ${liveServers.size} server(s) and cleaning up\n`);
  killAllNow();
  for (const d of [...runDirs]) removeRunDir(d);
  process.exit(130);
}

// ---------------------------------------------------------------------------------------------
// Load and settle

function log(text) {
  process.stdout.write(text + '\n');
}

/** Starts a target, loads the data set into it and lets it settle; returns the running server. */
async function loadTarget(target, ctx) {
  const { opts, bodies, shape } = ctx;
  // the loading Shoal is not profiled: the profile is to show the queries
  const loadOpts = target === 'shoal' && opts.shoalSettle === 'restart' ? { ...opts, cpuProf: null } : opts;
  let server = await TARGETS[target].start(loadOpts);
  runDirs.add(server.dir);
  await waitReady(server);
  await influxql(server, `CREATE DATABASE ${DATABASE}`);
  const w = await writeAll(server, bodies, opts.conc);
  const load = { wallS: round(w.wallS, 2), pointsPerS: Math.round(w.points / w.wallS) };
  log(`${TARGETS[target].label.padEnd(9)} loaded ${w.points.toLocaleString('en-US')} points in ${load.wallS} s ` +
    `(${load.pointsPerS.toLocaleString('en-US')} points/s)`);

  const t0 = Date.now();
  if (target === 'influxdb') {
    const d = await settleInfluxdb(server, opts.settle);
    load.settle = { how: d.reason, walEmpty: d.walEmpty, seconds: d.settleS, settleCpuS: d.settleCpuS, bytes: d.duBytes };
    log(`${''.padEnd(9)} settled in ${d.settleS} s: ${d.reason}${d.walEmpty ? '' : ' — WARNING: WAL NOT EMPTY'}`);
  } else if (opts.shoalSettle === 'cold') {
    const d = await settleShoal(server, opts.settle);
    load.settle = { how: d.reason, walEmpty: d.walEmpty, seconds: d.settleS, settleCpuS: d.settleCpuS };
    log(`${''.padEnd(9)} settled in ${d.settleS} s: ${d.reason}${d.walEmpty ? '' : ' — WARNING: CACHE OR WAL NOT EMPTY'}`);
  } else if (opts.shoalSettle === 'restart') {
    const stop = await stopServer(server);
    if (stop.forced || stop.code !== 0) {
      throw new BenchError(`Shoal did not stop cleanly on SIGTERM after loading (${JSON.stringify(stop)}); log:\n${logTail(server)}`);
    }
    server = await startShoal(opts, server);
    await waitReady(server);
    load.settle = { how: 'graceful restart', stopS: stop.stopS, seconds: round((Date.now() - t0) / 1000, 1) };
    log(`${''.padEnd(9)} restarted gracefully in ${load.settle.seconds} s (stop ${stop.stopS} s)`);
  } else {
    await sleep(Number(opts.shoalSettle) * 1000);
    if (server.exit) throw serverGone(server, 'while settling');
    load.settle = { how: `waited ${opts.shoalSettle} s`, seconds: Number(opts.shoalSettle) };
    log(`${''.padEnd(9)} waited ${opts.shoalSettle} s`);
  }
  const counted = (await influxql(server, 'SELECT count(usage_user) FROM cpu')).results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0;
  load.pointsCounted = counted;
  if (counted !== shape.points) {
    log(`${''.padEnd(9)} WARNING: count(usage_user) is ${counted}, the data set has ${shape.points} points`);
  }
  return { server, load };
}

// ---------------------------------------------------------------------------------------------
// Queries

/** One /query GET; never throws for an answer, only for no answer (then the server's state says why). */
async function timedQuery(server, agent, text) {
  const urlPath = `/query?db=${DATABASE}&epoch=ns&q=${encodeURIComponent(text)}`;
  const t0 = process.hrtime.bigint();
  let r;
  try {
    r = await request(server.port, 'GET', urlPath, { agent, timeoutMs: QUERY_TIMEOUT_MS });
  } catch (err) {
    throw server.exit ? serverGone(server, `during '${text}'`) : new BenchError(`${TARGETS[server.target].label}: '${text}': ${err.message}`);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, status: r.status, body: r.body };
}

/** What is wrong with an answer (HTTP status, JSON, an error in it), or null. */
function answerProblem(status, body) {
  let json;
  try {
    json = JSON.parse(body);
  } catch {
    return `HTTP ${status}, not JSON: ${body.slice(0, ERROR_TEXT_CHARS)}`;
  }
  const err = json?.error ?? json?.results?.find((res) => res.error)?.error;
  if (status !== 200 || err) return `HTTP ${status}: ${err ?? body.slice(0, ERROR_TEXT_CHARS)}`;
  return null;
}

function canonicalOrRaw(body) {
  try {
    return canonicalJson(body);
  } catch {
    // not JSON: compare the raw text, the problem itself is reported by answerProblem
    return body;
  }
}

/** Runs one query on every target, iterations interleaved; returns per-target results and the comparison. */
async function runQuery(q, texts, targets, servers, agents) {
  const per = {};
  for (const t of targets) {
    per[t] = { latenciesMs: [], canon: [], bytes: 0, errors: 0, firstError: null, cpuS0: procStats(servers[t].pid)?.cpuS ?? null };
  }
  for (const text of texts.warmup) for (const t of targets) await timedQuery(servers[t], agents[t], text);
  for (const t of targets) per[t].cpuS0 = procStats(servers[t].pid)?.cpuS ?? null;
  for (let i = 0; i < texts.measured.length; i++) {
    const order = i % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      const res = await timedQuery(servers[t], agents[t], texts.measured[i]);
      const p = per[t];
      p.latenciesMs.push(res.ms);
      p.bytes += Buffer.byteLength(res.body);
      p.canon.push(canonicalOrRaw(res.body));
      const problem = answerProblem(res.status, res.body);
      if (problem) {
        p.errors++;
        p.firstError ??= { iteration: i, query: texts.measured[i], problem };
      }
    }
  }
  const row = { name: q.name, example: texts.measured[0], targets: {} };
  for (const t of targets) {
    const p = per[t];
    const cpuS1 = procStats(servers[t].pid)?.cpuS ?? null;
    const hash = crypto.createHash('sha256');
    for (const c of p.canon) hash.update(c).update('\n');
    row.targets[t] = {
      latencyMs: latencySummary(p.latenciesMs),
      cpuMsPerQuery: p.cpuS0 !== null && cpuS1 !== null ? round(((cpuS1 - p.cpuS0) * 1000) / p.latenciesMs.length, 2) : null,
      avgBytes: Math.round(p.bytes / p.latenciesMs.length), errors: p.errors, firstError: p.firstError,
      checksum: hash.digest('hex'),
    };
  }
  if (targets.length === 2) {
    const [a, b] = targets;
    row.match = row.targets[a].checksum === row.targets[b].checksum;
    if (!row.match) {
      const i = per[a].canon.findIndex((c, k) => c !== per[b].canon[k]);
      const ca = per[a].canon[i];
      const cb = per[b].canon[i];
      const at = firstDifference(ca, cb);
      const from = Math.max(0, at - DIFF_CONTEXT_CHARS);
      row.firstDifference = {
        iteration: i, query: texts.measured[i], offset: at, lengths: { [a]: ca.length, [b]: cb.length },
        [a]: ca.slice(from, at + DIFF_CONTEXT_CHARS), [b]: cb.slice(from, at + DIFF_CONTEXT_CHARS),
        differingIterations: per[a].canon.filter((c, k) => c !== per[b].canon[k]).length,
      };
    }
  }
  return row;
}

// ---------------------------------------------------------------------------------------------
// Writes under query load

/**
 * Writes `bodies` one at a time, each due writeIntervalMs after the previous one was due; a batch
 * is sent when it is due or, if the previous one is still unanswered, as soon as it is answered.
 */
async function pacedWrites(server, bodies, intervalMs) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  const fromDueMs = [];
  const serviceMs = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < bodies.length; i++) {
      const dueAt = t0 + i * intervalMs;
      // a timer may fire up to a millisecond early; a batch is never sent before it is due
      for (let wait = dueAt - performance.now(); wait > 0; wait = dueAt - performance.now()) await sleep(Math.max(1, wait));
      const sentAt = performance.now();
      let r;
      try {
        r = await request(server.port, 'POST', `/write?db=${WRITE_DATABASE}`, {
          body: bodies[i].body, agent, timeoutMs: WRITE_TIMEOUT_MS,
          headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': bodies[i].body.length },
        });
      } catch (err) {
        throw server.exit ? serverGone(server, `during write ${i}`) : new BenchError(`write ${i}: ${err.message}`);
      }
      const doneAt = performance.now();
      if (r.status !== 204) {
        throw new BenchError(`${TARGETS[server.target].label}: write ${i} answered ${r.status}: ${r.body.slice(0, ERROR_TEXT_CHARS)}`);
      }
      fromDueMs.push(doneAt - dueAt);
      serviceMs.push(doneAt - sentAt);
    }
  } finally {
    agent.destroy();
  }
  return { latencyMs: latencySummary(fromDueMs), serviceMs: latencySummary(serviceMs), wallS: round((performance.now() - t0) / 1000, 2) };
}

/** Runs `text` back to back on its own connection until stop() is called; resolves with its latencies. */
function queryLoop(server, text) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  let stopping = false;
  const latenciesMs = [];
  let firstProblem = null;
  const done = (async () => {
    try {
      while (!stopping) {
        const res = await timedQuery(server, agent, text);
        latenciesMs.push(res.ms);
        firstProblem ??= answerProblem(res.status, res.body);
      }
    } finally {
      agent.destroy();
    }
    return { queries: latenciesMs.length, latencyMs: latencySummary(latenciesMs), firstProblem };
  })();
  return { started: Date.now(), stop: () => { stopping = true; return done; } };
}

async function writeLoad(target, server, ctx) {
  const { opts, writeBodies } = ctx;
  await influxql(server, `CREATE DATABASE ${WRITE_DATABASE}`);
  const half = writeBodies.length / 2;
  const cpu0 = procStats(server.pid)?.cpuS ?? null;
  const idle = await pacedWrites(server, writeBodies.slice(0, half), opts.writeIntervalMs);
  const cpu1 = procStats(server.pid)?.cpuS ?? null;
  const loop = queryLoop(server, opts.loadQuery);
  const loaded = await pacedWrites(server, writeBodies.slice(half), opts.writeIntervalMs);
  const queries = await loop.stop();
  const cpu2 = procStats(server.pid)?.cpuS ?? null;
  idle.serverCpuS = cpu0 !== null && cpu1 !== null ? round(cpu1 - cpu0, 2) : null;
  loaded.serverCpuS = cpu1 !== null && cpu2 !== null ? round(cpu2 - cpu1, 2) : null;
  return { target, idle, loaded, loadQuery: { text: opts.loadQuery, ...queries } };
}

// ---------------------------------------------------------------------------------------------

function printQueryTable(rows, targets) {
  const two = targets.length === 2;
  const head = (t) => `${pad(TARGETS[t].label + ' p50', 13)} ${pad('p99', 7)} ${pad('cpu', 6)}`;
  let out = `\n${'query'.padEnd(25)} ${targets.map(head).join(' ')}` +
    (two ? ` ${pad('p50 ratio', 9)} ${pad('p99 ratio', 9)}  same answer` : '') + '\n' +
    `${''.padEnd(25)} ${targets.map(() => `${pad('ms', 13)} ${pad('ms', 7)} ${pad('ms/q', 6)}`).join(' ')}` +
    (two ? `  ${TARGETS[targets[0]].label}/${TARGETS[targets[1]].label}` : '') + '\n';
  for (const r of rows) {
    const cells = targets.map((t) => {
      const x = r.targets[t];
      return `${pad(fmtMs(x.latencyMs.p50), 13)} ${pad(fmtMs(x.latencyMs.p99), 7)} ${pad(fmt(x.cpuMsPerQuery, 1), 6)}`;
    });
    let line = `${r.name.padEnd(25)} ${cells.join(' ')}`;
    if (two) {
      const [a, b] = targets;
      line += ` ${pad(fmt(ratio(r.targets[a].latencyMs.p50, r.targets[b].latencyMs.p50), 2), 9)}` +
        ` ${pad(fmt(ratio(r.targets[a].latencyMs.p99, r.targets[b].latencyMs.p99), 2), 9)}  ${r.match ? 'yes' : 'NO'}`;
    }
    const errs = targets.filter((t) => r.targets[t].errors).map((t) => `${TARGETS[t].label} ${r.targets[t].errors} errors`);
    if (errs.length) line += `  (${errs.join(', ')})`;
    out += line + '\n';
  }
  out += '\nchecksums (sha256 of the canonical answers, first 16 hex digits) and answer sizes\n';
  for (const r of rows) {
    out += `${r.name.padEnd(25)} ` + targets.map((t) => `${TARGETS[t].label} ${r.targets[t].checksum.slice(0, 16)} ${pad(r.targets[t].avgBytes, 7)} B`).join('   ') + '\n';
  }
  for (const r of rows) {
    for (const t of targets) {
      const e = r.targets[t].firstError;
      if (e) out += `\n${TARGETS[t].label} failed ${r.name} (${r.targets[t].errors} of ${r.targets[t].latencyMs.n}); first, iteration ${e.iteration}:\n  query: ${e.query}\n  ${e.problem}\n`;
    }
    const d = r.firstDifference;
    if (d) {
      out += `\n${r.name}: answers differ in ${d.differingIterations} of ${r.targets[targets[0]].latencyMs.n} iterations; first, iteration ${d.iteration}:\n` +
        `  query: ${d.query}\n  first difference at offset ${d.offset} of the canonical JSON (lengths ${targets.map((t) => `${TARGETS[t].label} ${d.lengths[t]}`).join(', ')}):\n` +
        targets.map((t) => `  ${TARGETS[t].label.padEnd(9)} …${d[t]}…\n`).join('');
    }
  }
  process.stdout.write(out);
}

function printWriteTable(results, opts) {
  let out = `\nwrites of ${opts.writeLines} lines, one due every ${opts.writeIntervalMs} ms, to ${WRITE_DATABASE}; ` +
    `latency from when each was due (service time in brackets); loaded = while another client loops '${opts.loadQuery}'\n` +
    `${'target'.padEnd(9)} ${'phase'.padEnd(7)} ${pad('writes', 6)} ${pad('p50 ms', 15)} ${pad('p99 ms', 15)} ${pad('max ms', 8)} ${pad('server CPU s', 12)}   queries meanwhile\n`;
  for (const r of results) {
    for (const phase of ['idle', 'loaded']) {
      const x = r[phase];
      out += `${TARGETS[r.target].label.padEnd(9)} ${phase.padEnd(7)} ${pad(x.latencyMs.n, 6)} ` +
        `${pad(`${fmtMs(x.latencyMs.p50)} (${fmtMs(x.serviceMs.p50)})`, 15)} ${pad(`${fmtMs(x.latencyMs.p99)} (${fmtMs(x.serviceMs.p99)})`, 15)} ` +
        `${pad(fmtMs(x.latencyMs.max), 8)} ${pad(fmt(x.serverCpuS, 2), 12)}` +
        (phase === 'loaded' ? `   ${r.loadQuery.queries} queries, p50 ${fmtMs(r.loadQuery.latencyMs.p50)} ms, p99 ${fmtMs(r.loadQuery.latencyMs.p99)} ms${r.loadQuery.firstProblem ? `; ${r.loadQuery.firstProblem}` : ''}` : '') + '\n';
    }
  }
  process.stdout.write(out);
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), FLAG_SPEC);
  if (flags.help) {
    process.stdout.write(USAGE + '\n  queries: ' + QUERIES.map((q) => q.name).join(', ') + '\n');
    return;
  }
  if (flags._.length) throw new FlagError(`unexpected argument '${flags._[0]}'`);
  keepDirs = flags.keep;

  const targets = flags.targets ? flags.targets.split(',').map((t) => t.trim()).filter(Boolean) : ['shoal', ...(flags.peer ? ['influxdb'] : [])];
  for (const t of targets) if (!TARGETS[t]) throw new FlagError(`unknown target '${t}' (shoal, influxdb)`);
  if (new Set(targets).size !== targets.length) throw new FlagError('a target is named twice');
  for (const [name, max] of [['iterations', ITERATIONS_MAX], ['writeBatches', WRITE_BATCHES_MAX]]) {
    if (!Number.isInteger(flags[name]) || flags[name] < 1 || flags[name] > max) throw new FlagError(`--${name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} must be 1..${max}`);
  }
  if (!Number.isInteger(flags.warmup) || flags.warmup < 0) throw new FlagError('--warmup must be an integer >= 0');
  if (!Number.isInteger(flags.conc) || flags.conc < 1) throw new FlagError('--conc must be a positive integer');
  if (!Number.isInteger(flags.writeLines) || flags.writeLines < 1) throw new FlagError('--write-lines must be a positive integer');
  if (!(flags.writeIntervalMs >= 0)) throw new FlagError('--write-interval-ms must be >= 0');
  if (!(flags.settle >= 0)) throw new FlagError('--settle must be >= 0 seconds');
  if (!['restart', 'cold'].includes(flags.shoalSettle) && !(Number(flags.shoalSettle) >= 0)) {
    throw new FlagError("--shoal-settle takes 'restart', 'cold' or a number of seconds");
  }
  if (flags.influxColdSnapshot && !/^\d+(ms|s|m|h)$/.test(flags.influxColdSnapshot)) throw new FlagError('--influx-cold-snapshot takes a duration such as 10s or 1m');
  if (flags.shoalSettle === 'cold' && !flags.influxColdSnapshot) throw new FlagError('--shoal-settle cold needs --influx-cold-snapshot');
  const only = flags.only ? new Set(flags.only.split(',').map((s) => s.trim())) : null;
  for (const n of only ?? []) if (!QUERIES.some((q) => q.name === n)) throw new FlagError(`unknown query '${n}' (${QUERIES.map((q) => q.name).join(', ')})`);

  const opts = {
    bench: 'query', tmp: path.resolve(flags.tmp), settle: flags.settle, shoalArgs: flags.shoalArgs.split(/\s+/).filter(Boolean),
    cpuProf: flags.cpuProf ? path.resolve(flags.cpuProf) : null, influxd: null, influxColdSnapshot: flags.influxColdSnapshot || null,
    conc: flags.conc, shoalSettle: flags.shoalSettle, writeLines: flags.writeLines, writeIntervalMs: flags.writeIntervalMs,
    shoalColdMs: flags.shoalSettle === 'cold' ? durationMs(flags.influxColdSnapshot) : null,
    loadQuery: flags.loadQuery,
  };
  if (targets.includes('influxdb')) {
    opts.influxd = findOnPath('influxd');
    if (!opts.influxd) {
      process.stderr.write('query: influxd not found on PATH. --peer needs InfluxDB 1.x; install it with\n  apt-get install influxdb\n(this harness installs nothing)\n');
      process.exit(2);
    }
  }
  if (targets.includes('shoal') && !fs.existsSync(SHOAL_BIN)) {
    process.stderr.write(`query: ${SHOAL_BIN} is missing; build first: npx tsc -b\n`);
    process.exit(2);
  }
  if (opts.cpuProf) fs.mkdirSync(opts.cpuProf, { recursive: true });

  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  process.on('exit', killAllNow);

  const shape = datasetShape(flags);
  const bodies = buildBodies(shape, flags.batch);
  // The writes-under-load data: the same generator, one batch per timestamp (--write-lines hosts),
  // in a month of its own; the first half is written idle, the second under load.
  const writeShape = datasetShape({
    hosts: flags.writeLines, interval: '10s', duration: `${flags.writeBatches * 2 * 10}s`,
    start: '2016-02-01T00:00:00Z', seed: flags.seed + 1, float: flags.float,
  });
  const writeBodies = flags.skipWriteLoad ? [] : buildBodies(writeShape, flags.writeLines);
  const machine = {
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, node: process.version, shoalGit: gitDescribe(),
    influxd: opts.influxd ? (() => {
      try {
        return execFileSync(opts.influxd, ['version']).toString().trim();
      } catch {
        return 'unknown';
      }
    })() : null,
    loadAvgAtStart: os.loadavg().map((x) => round(x, 2)),
  };
  log(`data set: ${shape.hosts} hosts x ${shape.steps} steps of ${shape.intervalS} s = ${shape.points.toLocaleString('en-US')} points, ` +
    `${shape.float ? 'float' : 'integer'} fields; targets ${targets.join(', ')}; ${flags.iterations} iterations after ${flags.warmup} warm-up; ` +
    `query seed ${flags.querySeed}${flags.fixed ? ' (fixed texts)' : ''}\n` +
    `machine: ${machine.cpus} CPUs, load ${machine.loadAvgAtStart.join(' ')}; shoal ${machine.shoalGit ?? '?'}${machine.influxd ? `; ${machine.influxd}` : ''}\n`);

  const ctx = { opts, shape, bodies, writeBodies };
  const servers = {};
  const loads = {};
  for (const t of targets) {
    const { server, load } = await loadTarget(t, ctx);
    servers[t] = server;
    loads[t] = load;
  }

  const queryCtx = { hosts: shape.hosts, startMs: Date.parse(shape.start), durationMs: shape.durationS * 1000 };
  const agents = Object.fromEntries(targets.map((t) => [t, new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 })]));
  const rows = [];
  const loadAvgDuringQueries = [];
  log(`\nqueries (load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`);
  for (const [index, q] of QUERIES.entries()) {
    if (only && !only.has(q.name)) continue;
    const texts = queryTexts(q, index, queryCtx, flags);
    loadAvgDuringQueries.push(round(os.loadavg()[0], 2));
    const row = await runQuery(q, texts, targets, servers, agents);
    row.loadAvg1mAtStart = loadAvgDuringQueries.at(-1);
    rows.push(row);
    log(`  ${q.name.padEnd(25)} ` + targets.map((t) => `${TARGETS[t].label} p50 ${fmtMs(row.targets[t].latencyMs.p50)} ms`).join(', ') +
      (targets.length === 2 ? (row.match ? ', same answers' : ', ANSWERS DIFFER') : '') + `  (load ${row.loadAvg1mAtStart})`);
    if (flags.showQueries) log(`    e.g. ${row.example}`);
  }
  for (const a of Object.values(agents)) a.destroy();
  printQueryTable(rows, targets);

  const writes = [];
  if (!flags.skipWriteLoad) {
    for (const t of targets) writes.push({ ...(await writeLoad(t, servers[t], ctx)), loadAvg1m: round(os.loadavg()[0], 2) });
    printWriteTable(writes, opts);
  }

  const ends = {};
  for (const t of targets) {
    const s = servers[t];
    const stats = procStats(s.pid);
    ends[t] = { peakRssMB: stats ? round(stats.hwmKB / 1024, 1) : null, stop: await stopServer(s, t === 'shoal' ? undefined : KILL_WAIT_MS) };
    if (t === 'shoal' && (ends[t].stop.forced || ends[t].stop.code !== 0)) {
      process.stdout.write(`\nWARNING: Shoal did not stop cleanly at the end (${JSON.stringify(ends[t].stop)})\n`);
    }
    removeRunDir(s.dir);
  }
  const loadAvgAtEnd = os.loadavg().map((x) => round(x, 2));
  log(`\nload average at start ${machine.loadAvgAtStart.join(' ')}, during the queries ${Math.min(...loadAvgDuringQueries)}..${Math.max(...loadAvgDuringQueries)} (1 min), at end ${loadAvgAtEnd.join(' ')}`);
  if (opts.cpuProf) log(`CPU profile of Shoal in ${opts.cpuProf} (node test/bench/cpuprofile-top.mjs ${opts.cpuProf})`);

  const report = {
    benchmark: 'shoal query', when: new Date().toISOString(), machine: { ...machine, loadAvgAtEnd },
    flags: Object.fromEntries(Object.entries(flags).filter(([k]) => k !== '_' && k !== 'help')),
    dataset: shape, targets, loads, queries: rows, writes, servers: ends,
  };
  process.stdout.write('RESULT ' + JSON.stringify(report) + '\n');
  if (flags.json) fs.writeFileSync(flags.json, JSON.stringify(report, null, 2) + '\n');
  const failed = rows.some((r) => r.match === false || targets.some((t) => r.targets[t].errors));
  if (failed) process.exitCode = 3;
}

main().catch((err) => {
  killAllNow();
  if (err instanceof FlagError) {
    process.stderr.write(`query: ${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`\nquery: FAILED: ${err instanceof BenchError ? err.message : err.stack ?? err}\n`);
  for (const d of runDirs) process.stderr.write(`query: kept ${d} for inspection\n`);
  process.exit(1);
});
