#!/usr/bin/env node
// Ingest benchmark: Shoal (and InfluxDB 1.x with --peer) taking a TSBS-like cpu-only data set
// through POST /write. Not a test; run by hand on a quiet machine:
//
//   npm run bench:ingest -- [--peer] [--conc 1,2,4] [--repeats 1] [--hosts 100] [--duration 24h]
//                           [--interval 10s] [--batch 5000] [--float] [--seed 1] [--settle 60]
//                           [--shoal-args "..."] [--cpu-prof DIR] [--json FILE] [--keep] [--tmp DIR]
//
// Every run starts a FRESH server process on a fresh temporary data directory, so peak RSS and
// CPU seconds belong to that run alone: CREATE DATABASE benchmark, then every prebuilt body is
// POSTed over C keep-alive connections (one per client worker) and must be answered 204 — any other
// answer, a timeout or a server exit aborts the whole benchmark with the server's own words.
// Runs are interleaved (for each concurrency, for each repeat, each target in turn) so a change in
// background load hits both targets alike.
//
// Measured per run: points/s and values/s over the wall time from the first request to the last
// answer; batch latency p50/p99; the server's peak RSS (VmHWM of its process, which is fresh) and
// its CPU seconds (utime+stime) over the same interval; the harness's own CPU, since it shares
// the machine.
//
// Bytes on disk, once per target after its last run: apparent sizes as `du -sb` counts them and,
// beside them, allocated blocks as `du -sB1` does (InfluxDB preallocates sparse series-file
// segments, 32 MiB apparent for one database, almost all holes):
//   Shoal    — SIGTERM (a graceful stop flushes the cache to blocks), wait for the exit, measure the
//              data directory.
//   InfluxDB — stop writing and wait until the WAL holds nothing and the TSM files stop changing,
//              at most --settle seconds, then measure its data and wal directories. With its default
//              cache-snapshot-write-cold-duration (10m) the last part of the cache stays in the WAL
//              for longer than that; --influx-cold-snapshot 10s lets it reach TSM within the wait.
//
// --peer starts its own influxd (Debian's InfluxDB 1.6.7) on loopback with a generated config:
// inmem index, WAL fsync before every acknowledgement (wal-fsync-delay 0s), as the peer scripts
// do. Nothing is installed here; without influxd the run stops with the package to install.
// --cpu-prof DIR runs Shoal under `node --cpu-prof --cpu-prof-dir DIR`; summarise the profile with
// `node test/bench/cpuprofile-top.mjs DIR`.
//
// Output: a table, then one `RESULT {json}` line; --json FILE writes the full report.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { datasetShape, buildBodies, DATASET_FLAGS } from './tsbs-data.mjs';
import { parseFlags, FlagError } from './cli-flags.mjs';
import {
  SHOAL_BIN, DATABASE, QUERY_TIMEOUT_MS, KILL_WAIT_MS, TARGETS, BenchError, liveServers, serverGone, waitReady,
  stopServer, killAllNow, logTail, logLines, procStats, request, influxql, writeAll, diskUsageOf,
  settleInfluxdb, round, gitDescribe, findOnPath,
} from './servers.mjs';

const REPEATS_MAX = 20;
const CONCURRENCY_MAX = 256;

const FLAG_SPEC = {
  ...DATASET_FLAGS,
  conc: { type: 'string', default: '1,2,4' },
  repeats: { type: 'number', default: 1 },
  peer: { type: 'boolean' },
  targets: { type: 'string' },
  settle: { type: 'number', default: 60 },
  influxColdSnapshot: { type: 'string' },
  shoalArgs: { type: 'string', default: '' },
  cpuProf: { type: 'string' },
  json: { type: 'string' },
  keep: { type: 'boolean' },
  tmp: { type: 'string', default: os.tmpdir() },
  help: { type: 'boolean' },
};

const USAGE = `npm run bench:ingest -- [options]      (or: npx tsc -b && node test/bench/ingest.mjs [options])
  --peer               also run InfluxDB 1.x (needs influxd on PATH: apt-get install influxdb)
  --targets LIST       explicit targets instead: shoal,influxdb (e.g. --targets influxdb)
  --conc 1,2,4         client connections, one run per value            --repeats N   runs per value (1)
  --hosts 100 --duration 24h --interval 10s --seed 1 --start ISO    the data set (864,000 points)
  --float              float fields instead of integers                 --batch 5000  lines per POST
  --settle 60          at most this many seconds for InfluxDB's WAL/compaction to settle before du
  --influx-cold-snapshot 10s   set InfluxDB's cache-snapshot-write-cold-duration (default: its own
                       10m), so an idle shard's cache reaches TSM within --settle; ingest is unaffected
  --shoal-args "..."   extra words for 'shoal server' (split on spaces)
  --cpu-prof DIR       run Shoal under node --cpu-prof, profiles into DIR (see cpuprofile-top.mjs)
  --json FILE          write the full report                            --keep        keep data dirs
  --tmp DIR            where the temporary data dirs go (${os.tmpdir()})`;

// ---------------------------------------------------------------------------------------------
// Run folders: removed after a run unless --keep; an interrupted run removes them too.

let keepDirs = false;
const runDirs = new Set();

function removeRunDir(dir) {
  runDirs.delete(dir);
  if (keepDirs) return;
  fs.rmSync(dir, { recursive: true, force: true });
}

function onInterrupt(signal) {
  process.stderr.write(`\ningest: ${signal}: killing ${liveServers.size} server(s) and cleaning up\n`);
  killAllNow();
  for (const d of [...runDirs]) removeRunDir(d);
  process.exit(130);
}

// ---------------------------------------------------------------------------------------------
// Checks

/** How many points the server says it holds, as a check that every 204 stored what it claimed. */
async function serverPointCount(server) {
  try {
    if (server.target === 'influxdb') {
      const json = await influxql(server, 'SELECT count(usage_user) FROM cpu');
      return json.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0;
    }
    // Shoal has no SELECT yet; its write counter says what /write stored
    const r = await request(server.port, 'GET', '/metrics', { timeoutMs: QUERY_TIMEOUT_MS });
    const m = /^shoal_points_written_total(?:\{\})?\s+(\d+(?:\.\d+)?(?:e\+?\d+)?)/m.exec(r.body);
    return m ? Number(m[1]) : null;
  } catch (err) {
    return `unavailable: ${err.message}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics and printing

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const fmtInt = (x) => (x === null || x === undefined ? '-' : Math.round(x).toLocaleString('en-US'));
const fmtNum = (x, d) => (x === null || x === undefined ? '-' : x.toFixed(d));
const pad = (s, n) => String(s).padStart(n);

const TABLE_HEADER =
  `${'target'.padEnd(9)} ${pad('conc', 4)} ${pad('run', 6)} ${pad('points/s', 10)} ${pad('values/s', 11)} ` +
  `${pad('p50 ms', 7)} ${pad('p99 ms', 7)} ${pad('peak RSS MB', 11)} ${pad('CPU s', 6)} ${pad('wall s', 6)} ${pad('client CPU s', 12)}`;

function tableRow(r, runLabel) {
  return `${r.target.padEnd(9)} ${pad(r.concurrency, 4)} ${pad(runLabel, 6)} ${pad(fmtInt(r.pointsPerS), 10)} ${pad(fmtInt(r.valuesPerS), 11)} ` +
    `${pad(fmtNum(r.batchLatencyMs.p50, 1), 7)} ${pad(fmtNum(r.batchLatencyMs.p99, 1), 7)} ${pad(fmtNum(r.peakRssMB, 1), 11)} ` +
    `${pad(fmtNum(r.serverCpuS, 2), 6)} ${pad(fmtNum(r.wallS, 2), 6)} ${pad(fmtNum(r.clientCpuS, 2), 12)}`;
}

// ---------------------------------------------------------------------------------------------
// One run

async function oneRun(target, concurrency, repeat, ctx) {
  const server = await TARGETS[target].start(ctx.opts);
  runDirs.add(server.dir);
  let ok = false;
  try {
    await waitReady(server);
    await influxql(server, `CREATE DATABASE ${DATABASE}`);
    const loadAvg1m = round(os.loadavg()[0], 2);
    const before = procStats(server.pid);
    const clientCpu0 = process.cpuUsage();
    const w = await writeAll(server, ctx.bodies, concurrency);
    const clientCpu = process.cpuUsage(clientCpu0);
    const after = procStats(server.pid);
    if (!before || !after) throw serverGone(server, 'right after the writes');
    const sorted = Array.from(w.latenciesMs).sort((a, b) => a - b);
    const counted = await serverPointCount(server);
    const run = {
      target, concurrency, repeat, points: w.points, values: w.points * ctx.shape.fieldsPerPoint, bytes: w.bytes,
      wallS: round(w.wallS, 3), pointsPerS: Math.round(w.points / w.wallS),
      valuesPerS: Math.round((w.points * ctx.shape.fieldsPerPoint) / w.wallS), MBPerS: round(w.bytes / w.wallS / 1e6, 2),
      batchLatencyMs: {
        p50: round(percentile(sorted, 0.5), 2), p99: round(percentile(sorted, 0.99), 2), max: round(sorted[sorted.length - 1], 2),
      },
      peakRssMB: round(after.hwmKB / 1024, 1), rssAtEndMB: round(after.rssKB / 1024, 1),
      serverCpuS: round(after.cpuS - before.cpuS, 2), serverCpuStartupS: round(before.cpuS, 2),
      clientCpuS: round((clientCpu.user + clientCpu.system) / 1e6, 2),
      connectionsOpened: w.connectionsOpened, loadAvg1mAtStart: loadAvg1m,
      serverPointCount: counted,
    };
    if (typeof counted === 'number' && counted !== w.points) {
      run.warning = `server reports ${counted} points after ${w.points} were acknowledged`;
    }
    if (ctx.isLastRun(target, concurrency, repeat)) {
      if (target === 'influxdb') {
        run.disk = await settleInfluxdb(server, ctx.opts.settle);
        run.stop = await stopServer(server, KILL_WAIT_MS);
      } else {
        run.stop = await stopServer(server);
        run.disk = { method: 'after SIGTERM and exit; data directory', ...diskUsageOf(server.diskDirs) };
      }
      run.disk.bytesPerPoint = round(run.disk.duBytes / w.points, 3);
      run.disk.bytesPerValue = round(run.disk.duBytes / run.values, 4);
      run.disk.allocatedBytesPerPoint = round(run.disk.allocatedBytes / w.points, 3);
    } else {
      run.stop = await stopServer(server);
    }
    if (target === 'shoal' && (run.stop.forced || run.stop.code !== 0)) {
      throw new BenchError(`Shoal did not stop cleanly on SIGTERM (${JSON.stringify(run.stop)}); log:\n${logTail(server)}`);
    }
    const log = logLines(server);
    run.serverLogLines = log.length;
    if (log.length) run.serverLogFirst = log.slice(0, 5);
    ok = true;
    return run;
  } finally {
    if (!server.exit) await stopServer(server, KILL_WAIT_MS);
    if (ok) removeRunDir(server.dir);
    else process.stderr.write(`ingest: kept ${server.dir} for inspection\n`);
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const flags = parseFlags(process.argv.slice(2), FLAG_SPEC);
  if (flags.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (flags._.length) throw new FlagError(`unexpected argument '${flags._[0]}'`);
  keepDirs = flags.keep;

  const targets = flags.targets ? flags.targets.split(',').map((t) => t.trim()).filter(Boolean) : ['shoal', ...(flags.peer ? ['influxdb'] : [])];
  for (const t of targets) if (!TARGETS[t]) throw new FlagError(`unknown target '${t}' (shoal, influxdb)`);
  const concurrencies = flags.conc.split(',').map((s) => Number(s.trim()));
  for (const c of concurrencies) {
    if (!Number.isInteger(c) || c < 1 || c > CONCURRENCY_MAX) throw new FlagError(`--conc values must be integers 1..${CONCURRENCY_MAX}`);
  }
  if (!Number.isInteger(flags.repeats) || flags.repeats < 1 || flags.repeats > REPEATS_MAX) throw new FlagError(`--repeats must be 1..${REPEATS_MAX}`);
  if (!(flags.settle >= 0)) throw new FlagError('--settle must be >= 0 seconds');

  const opts = {
    bench: 'ingest', tmp: path.resolve(flags.tmp), settle: flags.settle, shoalArgs: flags.shoalArgs.split(/\s+/).filter(Boolean),
    cpuProf: flags.cpuProf ? path.resolve(flags.cpuProf) : null, influxd: null,
    influxColdSnapshot: flags.influxColdSnapshot ?? null,
  };
  if (opts.influxColdSnapshot !== null && !/^\d+(ms|s|m|h)$/.test(opts.influxColdSnapshot)) {
    throw new FlagError('--influx-cold-snapshot takes a duration such as 10s or 1m');
  }
  if (targets.includes('influxdb')) {
    opts.influxd = findOnPath('influxd');
    if (!opts.influxd) {
      process.stderr.write('ingest: influxd not found on PATH. --peer needs InfluxDB 1.x; install it with\n  apt-get install influxdb\n(this harness installs nothing)\n');
      process.exit(2);
    }
  }
  if (targets.includes('shoal') && !fs.existsSync(SHOAL_BIN)) {
    process.stderr.write(`ingest: ${SHOAL_BIN} is missing; build first: npx tsc -b (npm run bench:ingest does)\n`);
    process.exit(2);
  }
  if (opts.cpuProf) fs.mkdirSync(opts.cpuProf, { recursive: true });

  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  process.on('exit', killAllNow);

  const shape = datasetShape(flags);
  const t0 = process.hrtime.bigint();
  const bodies = buildBodies(shape, flags.batch);
  const buildS = Number(process.hrtime.bigint() - t0) / 1e9;
  const bodyBytes = bodies.reduce((n, b) => n + b.body.length, 0);

  const machine = {
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, memGB: round(os.totalmem() / 2 ** 30, 1),
    kernel: os.release(), node: process.version, loadAvgAtStart: os.loadavg().map((x) => round(x, 2)),
    influxd: opts.influxd ? (() => {
      try {
        return execFileSync(opts.influxd, ['version']).toString().trim();
      } catch {
        return 'unknown';
      }
    })() : null,
    shoalGit: gitDescribe(),
  };
  process.stdout.write(
    `data set: ${shape.hosts} hosts x ${shape.steps} steps of ${shape.intervalS} s = ${fmtInt(shape.points)} points, ` +
    `${fmtInt(shape.values)} ${shape.float ? 'float' : 'integer'} values; ${bodies.length} bodies of ${flags.batch} lines, ` +
    `${round(bodyBytes / 1e6, 1)} MB, built in ${buildS.toFixed(1)} s\n` +
    `targets: ${targets.join(', ')}; concurrency ${concurrencies.join(',')}; repeats ${flags.repeats}; ` +
    `machine: ${machine.cpus} CPUs, load ${machine.loadAvgAtStart.join(' ')}; shoal ${machine.shoalGit ?? '?'}` +
    `${machine.influxd ? `; ${machine.influxd}` : ''}\n\n` + TABLE_HEADER + '\n',
  );

  const plan = [];
  for (const c of concurrencies) for (let r = 1; r <= flags.repeats; r++) for (const t of targets) plan.push({ target: t, concurrency: c, repeat: r });
  const lastOf = new Map(plan.map((p) => [p.target, p]));
  const ctx = {
    opts, shape, bodies,
    isLastRun: (t, c, r) => lastOf.get(t).concurrency === c && lastOf.get(t).repeat === r,
  };

  const runs = [];
  for (const p of plan) {
    const run = await oneRun(p.target, p.concurrency, p.repeat, ctx);
    runs.push(run);
    process.stdout.write(tableRow(run, `${p.repeat}/${flags.repeats}`) + (run.warning ? `   WARNING ${run.warning}` : '') + '\n');
  }

  // medians over repeats
  const medians = [];
  for (const t of targets) {
    for (const c of concurrencies) {
      const rs = runs.filter((r) => r.target === t && r.concurrency === c);
      medians.push({
        target: t, concurrency: c, runs: rs.length,
        pointsPerS: median(rs.map((r) => r.pointsPerS)), valuesPerS: median(rs.map((r) => r.valuesPerS)),
        batchLatencyMs: { p50: median(rs.map((r) => r.batchLatencyMs.p50)), p99: median(rs.map((r) => r.batchLatencyMs.p99)) },
        peakRssMB: median(rs.map((r) => r.peakRssMB)), serverCpuS: median(rs.map((r) => r.serverCpuS)),
        wallS: median(rs.map((r) => r.wallS)), clientCpuS: median(rs.map((r) => r.clientCpuS)),
      });
    }
  }
  const disk = {};
  for (const r of runs) if (r.disk) disk[r.target] = { ...r.disk, stop: r.stop };

  let out = `\nmedians over ${flags.repeats} run(s)\n${TABLE_HEADER}\n`;
  for (const m of medians) out += tableRow(m, 'median') + '\n';
  out += '\nbytes on disk after the last run: apparent (du -sb) and allocated (du -sB1)\n';
  for (const [t, d] of Object.entries(disk)) {
    const kinds = Object.entries(d.parts).map(([name, u]) => `${name}: ${fmtInt(u.duBytes)} B {${Object.entries(u.byKind).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${fmtInt(v)}`).join(', ')}}`).join('; ');
    const how = t === 'influxdb'
      ? `settled ${d.settleS} s (${d.reason}; WAL ${d.walEmpty ? 'empty' : 'NOT empty'}), settle CPU ${d.settleCpuS} s`
      : `SIGTERM to exit ${d.stop.stopS} s (CPU during stop ~${d.stop.cpuLastSeenS !== null && d.stop.cpuBeforeStopS !== null ? round(d.stop.cpuLastSeenS - d.stop.cpuBeforeStopS, 2) : '?'} s)`;
    out += `${t.padEnd(9)} apparent ${pad(fmtInt(d.duBytes), 12)} B = ${pad(fmtNum(d.bytesPerPoint, 2), 6)} B/point (${fmtNum(d.bytesPerValue, 3)} B/value); ` +
      `allocated ${pad(fmtInt(d.allocatedBytes), 12)} B = ${pad(fmtNum(d.allocatedBytesPerPoint, 2), 6)} B/point\n          ${how}\n          ${kinds}\n`;
  }

  let ratios = null;
  if (targets.includes('shoal') && targets.includes('influxdb')) {
    ratios = { perConcurrency: [], bytesPerPoint: null };
    out += '\nratios Shoal / InfluxDB (medians)\n' +
      `${pad('conc', 4)} ${pad('points/s', 9)} ${pad('p50', 6)} ${pad('p99', 6)} ${pad('peak RSS', 9)} ${pad('CPU s', 6)}\n`;
    const div = (a, b) => (a !== null && b ? round(a / b, 2) : null);
    for (const c of concurrencies) {
      const s = medians.find((m) => m.target === 'shoal' && m.concurrency === c);
      const i = medians.find((m) => m.target === 'influxdb' && m.concurrency === c);
      const r = {
        concurrency: c, pointsPerS: div(s.pointsPerS, i.pointsPerS), p50: div(s.batchLatencyMs.p50, i.batchLatencyMs.p50),
        p99: div(s.batchLatencyMs.p99, i.batchLatencyMs.p99), peakRss: div(s.peakRssMB, i.peakRssMB), serverCpuS: div(s.serverCpuS, i.serverCpuS),
      };
      ratios.perConcurrency.push(r);
      out += `${pad(c, 4)} ${pad(fmtNum(r.pointsPerS, 2), 9)} ${pad(fmtNum(r.p50, 2), 6)} ${pad(fmtNum(r.p99, 2), 6)} ${pad(fmtNum(r.peakRss, 2), 9)} ${pad(fmtNum(r.serverCpuS, 2), 6)}\n`;
    }
    if (disk.shoal && disk.influxdb) {
      ratios.bytesPerPoint = div(disk.shoal.bytesPerPoint, disk.influxdb.bytesPerPoint);
      ratios.allocatedBytesPerPoint = div(disk.shoal.allocatedBytesPerPoint, disk.influxdb.allocatedBytesPerPoint);
      out += `bytes/point: apparent ${fmtNum(ratios.bytesPerPoint, 2)}, allocated ${fmtNum(ratios.allocatedBytesPerPoint, 2)}\n`;
    }
  }
  if (opts.cpuProf) out += `\nCPU profiles of Shoal in ${opts.cpuProf} (node test/bench/cpuprofile-top.mjs ${opts.cpuProf})\n`;
  process.stdout.write(out);

  const report = {
    benchmark: 'shoal ingest', when: new Date().toISOString(), machine,
    flags: Object.fromEntries(Object.entries(flags).filter(([k]) => k !== '_' && k !== 'help')),
    dataset: shape, batchLines: flags.batch, bodies: bodies.length, bodyBytes, targets, concurrencies, repeats: flags.repeats,
    runs, medians, disk, ratios,
  };
  const summary = {
    ...report,
    runs: runs.map(({ disk: _d, serverLogFirst: _l, ...r }) => r),
    disk: Object.fromEntries(Object.entries(disk).map(([t, d]) => [t, {
      duBytes: d.duBytes, bytesPerPoint: d.bytesPerPoint, bytesPerValue: d.bytesPerValue,
      allocatedBytes: d.allocatedBytes, allocatedBytesPerPoint: d.allocatedBytesPerPoint,
    }])),
  };
  process.stdout.write('RESULT ' + JSON.stringify(summary) + '\n');
  if (flags.json) fs.writeFileSync(flags.json, JSON.stringify(report, null, 2) + '\n');
}

main().catch((err) => {
  killAllNow();
  if (err instanceof FlagError) {
    process.stderr.write(`ingest: ${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`\ningest: FAILED: ${err instanceof BenchError ? err.message : err.stack ?? err}\n`);
  process.exit(1);
});
