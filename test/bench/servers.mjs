// Servers for the hand-run benchmarks in test/bench/ (ingest.mjs, query.mjs): start Shoal and
// InfluxDB 1.x (Debian's influxd) fresh on loopback in a temporary folder, wait until they answer,
// load a data set through /write, let InfluxDB settle, and stop them (SIGTERM, then SIGKILL after a
// bound). Also the small pieces both benchmarks need around that: /proc figures of a server
// process, one HTTP request with a hard timeout, an InfluxQL statement that must succeed, and disk
// usage.
//
// Every server started is tracked until it has exited; a benchmark calls killAllNow() on its way
// out (exit, ctrl-C) so no server outlives it.

import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHOAL_BIN = path.join(REPO_ROOT, 'packages/cli/dist/bin.js');
/** The database the data set is written to, unless a caller names another. */
export const DATABASE = 'benchmark';
export const LOOPBACK = '127.0.0.1';

// Bounds on every wait, so a wedged server ends the benchmark instead of hanging it.
const STARTUP_WAIT_MS = 60_000;
const READY_POLL_MS = 100;
const PROBE_TIMEOUT_MS = 2_000;
export const QUERY_TIMEOUT_MS = 60_000;
const WRITE_TIMEOUT_MS = 120_000;
/** A graceful Shoal stop flushes everything still in the cache; give it time before SIGKILL. */
export const STOP_WAIT_MS = 300_000;
export const KILL_WAIT_MS = 10_000;
const STOP_POLL_MS = 100;
const SETTLE_POLL_MS = 1_000;
/** InfluxDB counts as settled once the WAL is empty and the files stayed the same this many polls. */
const SETTLE_QUIET_POLLS = 5;
const LOG_TAIL_LINES = 40;
export const ERROR_BODY_CHARS = 1_000;

// ---------------------------------------------------------------------------------------------
// Processes: start, watch, stop. Every server started is in liveServers until it has exited, so
// ctrl-C or a crash of the harness never leaves one running.

/** @type {Set<Server>} */
export const liveServers = new Set();

/**
 * @typedef {object} Server
 * @property {'shoal'|'influxdb'} target
 * @property {import('node:child_process').ChildProcess} child
 * @property {number} pid
 * @property {number} port
 * @property {string} dir          temporary folder holding everything of this run
 * @property {string[]} diskDirs   what bytes-on-disk counts
 * @property {string} logPath
 * @property {{code: number|null, signal: string|null}|null} exit
 * @property {Promise<{code: number|null, signal: string|null}>} exited
 */

function spawnServer(target, command, args, { dir, port, diskDirs, cwd }) {
  const logPath = path.join(dir, 'server.log');
  const logFd = fs.openSync(logPath, 'a');
  const child = spawn(command, args, { cwd, stdio: ['ignore', logFd, logFd], detached: false });
  fs.closeSync(logFd);
  /** @type {Server} */
  const server = { target, child, pid: child.pid, port, dir, diskDirs, logPath, exit: null, exited: null };
  server.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      server.exit = { code, signal };
      liveServers.delete(server);
      resolve(server.exit);
    });
    child.once('error', (err) => {
      server.exit = { code: null, signal: null, error: err.message };
      liveServers.delete(server);
      resolve(server.exit);
    });
  });
  if (child.pid !== undefined) liveServers.add(server);
  return server;
}

export function logTail(server, lines = LOG_TAIL_LINES) {
  try {
    const text = fs.readFileSync(server.logPath, 'utf8').trimEnd();
    if (!text) return '(server log is empty)';
    return text.split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(no server log: ${err.message})`;
  }
}

export function logLines(server) {
  try {
    const text = fs.readFileSync(server.logPath, 'utf8').trimEnd();
    return text ? text.split('\n') : [];
  } catch {
    return [];
  }
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, LOOPBACK, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh folder for one server run, named for the benchmark (opts.bench) and the target. */
function makeRunDir(opts, target) {
  return fs.mkdtempSync(path.join(opts.tmp, `shoal-bench-${opts.bench}-${target}-`));
}

/**
 * Starts Shoal on a fresh run folder, or, given `previous` (a Shoal that has exited), again on
 * that one's folder and data: a restart, e.g. after a graceful stop has flushed the cache to blocks.
 * The new process appends to the same server.log.
 */
export async function startShoal(opts, previous = null) {
  if (previous && !previous.exit) throw new BenchError(`Shoal (pid ${previous.pid}) is still running; stop it before starting it again`);
  const dir = previous?.dir ?? makeRunDir(opts, 'shoal');
  const dataDir = path.join(dir, 'data');
  if (!previous) fs.mkdirSync(dataDir);
  const port = await freePort();
  const nodeArgs = opts.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProf] : [];
  const configArgs = [];
  if (opts.shoalColdMs) {
    // the counterpart of influxd's cache-snapshot-write-cold-duration (influxdbConfig)
    const configPath = path.join(dir, 'shoal.json');
    fs.writeFileSync(configPath, JSON.stringify({ storage: { cacheColdMs: opts.shoalColdMs } }) + '\n');
    configArgs.push('--config', configPath);
  }
  const args = [
    ...nodeArgs, SHOAL_BIN, 'server', '--http-bind', `${LOOPBACK}:${port}`, '--meta-bind', `${LOOPBACK}:0`, '--data-dir', dataDir,
    '--log-level', 'warn', ...configArgs, ...opts.shoalArgs,
  ];
  return spawnServer('shoal', process.execPath, args, { dir, port, diskDirs: [dataDir], cwd: REPO_ROOT });
}

/**
 * influxd's config for benchmarks and compatibility recordings: the same settings as the peer
 * scripts' influxdb.conf — loopback only, inmem index, and the WAL fsynced before every
 * acknowledgement (the durability Shoal promises, so the comparison is fair); no continuous queries.
 */
export function influxdbConfig(dir, httpPort, rpcPort, coldSnapshot) {
  return `reporting-enabled = false
bind-address = "${LOOPBACK}:${rpcPort}"
[meta]
  dir = "${dir}/meta"
  retention-autocreate = true
  logging-enabled = false
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  index-version = "inmem"
  wal-fsync-delay = "0s"
  query-log-enabled = false
${coldSnapshot ? `  cache-snapshot-write-cold-duration = "${coldSnapshot}"\n` : ''}[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "${LOOPBACK}:${httpPort}"
  auth-enabled = false
  log-enabled = false
  max-body-size = 25000000
[continuous_queries]
  enabled = false
[logging]
  level = "warn"
  suppress-logo = true
`;
}

export async function startInfluxdb(opts) {
  const dir = makeRunDir(opts, 'influxdb');
  for (const sub of ['data', 'wal', 'meta']) fs.mkdirSync(path.join(dir, sub));
  const httpPort = await freePort();
  let rpcPort = await freePort();
  while (rpcPort === httpPort) rpcPort = await freePort();
  const confPath = path.join(dir, 'influxdb.conf');
  fs.writeFileSync(confPath, influxdbConfig(dir, httpPort, rpcPort, opts.influxColdSnapshot));
  return spawnServer('influxdb', opts.influxd, ['-config', confPath], {
    dir, port: httpPort, diskDirs: [path.join(dir, 'data'), path.join(dir, 'wal')], cwd: dir,
  });
}

export const TARGETS = {
  shoal: { label: 'Shoal', start: startShoal, readyPath: '/health', readyStatus: 200 },
  influxdb: { label: 'InfluxDB', start: startInfluxdb, readyPath: '/ping', readyStatus: 204 },
};

export class BenchError extends Error {}

export function serverGone(server, during) {
  const e = server.exit;
  const how = e?.error ? `could not start: ${e.error}` : `exited (code ${e?.code}, signal ${e?.signal})`;
  return new BenchError(`${TARGETS[server.target].label} ${how} ${during}; last log lines (${server.logPath}):\n${logTail(server)}`);
}

export async function waitReady(server) {
  const { readyPath, readyStatus, label } = TARGETS[server.target];
  const deadline = Date.now() + STARTUP_WAIT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.exit) throw serverGone(server, 'while starting');
    try {
      const r = await request(server.port, 'GET', readyPath, { timeoutMs: PROBE_TIMEOUT_MS });
      if (r.status === readyStatus) return;
      last = `GET ${readyPath} answered ${r.status}`;
    } catch (err) {
      last = err.message;
    }
    await sleep(READY_POLL_MS);
  }
  throw new BenchError(`${label} not ready after ${STARTUP_WAIT_MS} ms (${last}); log:\n${logTail(server)}`);
}

/** SIGTERM, wait (bounded), SIGKILL if needed. Samples CPU while it stops, for the shutdown cost. */
export async function stopServer(server, waitMs = STOP_WAIT_MS) {
  const t0 = process.hrtime.bigint();
  if (server.exit) return { ...server.exit, stopS: 0, forced: false, cpuBeforeStopS: null, cpuLastSeenS: null };
  const before = procStats(server.pid);
  let lastSeen = before;
  server.child.kill('SIGTERM');
  const deadline = Date.now() + waitMs;
  while (!server.exit && Date.now() < deadline) {
    const s = procStats(server.pid);
    if (s) lastSeen = s;
    await Promise.race([server.exited, sleep(STOP_POLL_MS)]);
  }
  let forced = false;
  if (!server.exit) {
    forced = true;
    server.child.kill('SIGKILL');
    await Promise.race([server.exited, sleep(KILL_WAIT_MS)]);
  }
  return {
    code: server.exit?.code ?? null, signal: server.exit?.signal ?? null, forced,
    stopS: round(Number(process.hrtime.bigint() - t0) / 1e9, 2),
    cpuBeforeStopS: before?.cpuS ?? null, cpuLastSeenS: lastSeen?.cpuS ?? null,
  };
}

export function killAllNow() {
  for (const s of liveServers) {
    try {
      s.child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

// ---------------------------------------------------------------------------------------------
// /proc: the server's memory and CPU.

let clockTicksPerS = 100;
try {
  clockTicksPerS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch {
  // getconf missing: Linux has used 100 for decades
}

export function procStats(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kB = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? NaN);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name, which is in parentheses and may itself hold spaces
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return { hwmKB: kB('VmHWM'), rssKB: kB('VmRSS'), cpuS: (utime + stime) / clockTicksPerS };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

/**
 * One request with a hard timeout. Resolves with status, headers and the body as text, and whether
 * the connection was reused (keep-alive working).
 */
export function request(port, method, urlPath, { body, headers = {}, agent, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: LOOPBACK, port, method, path: urlPath, headers, agent: agent ?? false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), reused: req.reusedSocket,
      }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${urlPath}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export async function influxql(server, q, db = DATABASE) {
  const body = Buffer.from('q=' + encodeURIComponent(q));
  const r = await request(server.port, 'POST', `/query?db=${encodeURIComponent(db)}`, {
    body, timeoutMs: QUERY_TIMEOUT_MS,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': body.length },
  });
  let json = null;
  try {
    json = JSON.parse(r.body);
  } catch {
    // reported below with the raw text
  }
  const stmtError = json?.error ?? json?.results?.[0]?.error;
  if (r.status !== 200 || stmtError) {
    throw new BenchError(`${TARGETS[server.target].label}: '${q}' answered ${r.status}: ${stmtError ?? r.body.slice(0, ERROR_BODY_CHARS)}`);
  }
  return json;
}

/**
 * POSTs every body over `concurrency` keep-alive connections, each worker with its own agent of
 * one socket so the connection count is exactly the concurrency. Throws on the first answer that
 * is not 204, a timeout, or the server exiting.
 */
export async function writeAll(server, bodies, concurrency, db = DATABASE) {
  const writePath = `/write?db=${encodeURIComponent(db)}`;
  const latenciesMs = new Float64Array(bodies.length);
  let nextBody = 0;
  let failure = null;
  let connectionsOpened = 0;
  let points = 0;
  let bytes = 0;
  const agents = [];

  const worker = async (agent) => {
    while (failure === null && nextBody < bodies.length) {
      const i = nextBody++;
      const { body, lines } = bodies[i];
      const t0 = process.hrtime.bigint();
      let r;
      try {
        r = await request(server.port, 'POST', writePath, {
          body, agent, timeoutMs: WRITE_TIMEOUT_MS,
          headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length },
        });
      } catch (err) {
        failure ??= server.exit ? serverGone(server, `during batch ${i}`) : new BenchError(`batch ${i}: ${err.message}`);
        return;
      }
      latenciesMs[i] = Number(process.hrtime.bigint() - t0) / 1e6;
      if (!r.reused) connectionsOpened++;
      if (r.status !== 204) {
        const why = r.headers['x-influxdb-error'] ?? '';
        failure ??= new BenchError(
          `${TARGETS[server.target].label}: batch ${i} (${lines} lines) answered ${r.status} instead of 204` +
          `${why ? `\nX-Influxdb-Error: ${why}` : ''}\nbody: ${r.body.slice(0, ERROR_BODY_CHARS)}\nserver log:\n${logTail(server)}`,
        );
        return;
      }
      points += lines;
      bytes += body.length;
    }
  };

  const t0 = process.hrtime.bigint();
  const workers = [];
  for (let c = 0; c < concurrency; c++) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
    agents.push(agent);
    workers.push(worker(agent));
  }
  await Promise.all(workers);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const a of agents) a.destroy();
  if (failure) throw failure;
  return { wallS, points, bytes, latenciesMs, connectionsOpened };
}

// ---------------------------------------------------------------------------------------------
// Disk

/** Kind of a file for the size breakdown: its extension, or its name with digit runs as N. */
export function fileKind(name) {
  const ext = path.extname(name);
  if (ext && !/^\.\d+$/.test(ext)) return ext;
  return name.replace(/\d+/g, 'N');
}

/**
 * `du -sb` (apparent sizes of files and directories, each inode once) and `du -sB1` (allocated
 * blocks). Both matter: InfluxDB preallocates sparse 4 MiB series-file segments, whose apparent
 * size is mostly holes, while allocated bytes round every small file up to a filesystem block.
 */
export function diskUsage(dir) {
  const seen = new Set();
  const out = { duBytes: 0, allocatedBytes: 0, fileBytes: 0, files: 0, byKind: {}, tmpFiles: 0 };
  const walk = (p) => {
    let st;
    try {
      st = fs.lstatSync(p);
    } catch {
      return; // removed while we walked (a compaction finishing)
    }
    const inode = `${st.dev}:${st.ino}`;
    if (seen.has(inode)) return;
    seen.add(inode);
    out.duBytes += st.size;
    out.allocatedBytes += st.blocks * 512;
    if (st.isDirectory()) {
      let names = [];
      try {
        names = fs.readdirSync(p);
      } catch {
        return;
      }
      for (const n of names) walk(path.join(p, n));
    } else if (st.isFile()) {
      out.fileBytes += st.size;
      out.files++;
      const kind = fileKind(path.basename(p));
      out.byKind[kind] = (out.byKind[kind] ?? 0) + st.size;
      if (kind === '.tmp') out.tmpFiles++;
    }
  };
  walk(dir);
  return out;
}

export function diskUsageOf(dirs) {
  const parts = {};
  let duBytes = 0;
  let allocatedBytes = 0;
  let fileBytes = 0;
  for (const d of dirs) {
    const u = diskUsage(d);
    parts[path.basename(d)] = u;
    duBytes += u.duBytes;
    allocatedBytes += u.allocatedBytes;
    fileBytes += u.fileBytes;
  }
  return { duBytes, allocatedBytes, fileBytes, parts };
}

/** A fingerprint of every file's name and size, to see whether compaction is still at work. */
export function filesFingerprint(dirs) {
  const entries = [];
  const walk = (p) => {
    let names;
    try {
      names = fs.readdirSync(p, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of names) {
      const full = path.join(p, e.name);
      if (e.isDirectory()) walk(full);
      else {
        try {
          entries.push(`${full}:${fs.statSync(full).size}`);
        } catch {
          entries.push(`${full}:gone`);
        }
      }
    }
  };
  for (const d of dirs) walk(d);
  return entries.sort().join('\n');
}

/**
 * Polls `probe` every SETTLE_POLL_MS until it reports nothing left to write (`empty`) and the same
 * `fingerprint` SETTLE_QUIET_POLLS times in a row, or settleS seconds passed. Returns how long that
 * took, whether it settled, and the server's CPU meanwhile.
 */
async function settle(server, settleS, probe) {
  const t0 = Date.now();
  const cpu0 = procStats(server.pid)?.cpuS ?? null;
  let quiet = 0;
  let previous = null;
  let settled = false;
  while (Date.now() - t0 < settleS * 1000) {
    if (server.exit) throw serverGone(server, 'while settling');
    const { empty, fingerprint } = await probe();
    quiet = fingerprint === previous ? quiet + 1 : 0;
    previous = fingerprint;
    if (empty && quiet >= SETTLE_QUIET_POLLS) {
      settled = true;
      break;
    }
    await sleep(SETTLE_POLL_MS);
  }
  const cpu1 = procStats(server.pid)?.cpuS ?? null;
  return { settleS: round((Date.now() - t0) / 1000, 1), settled, settleCpuS: cpu0 !== null && cpu1 !== null ? round(cpu1 - cpu0, 2) : null };
}

/**
 * InfluxDB: wait until the cache has been snapshotted (no bytes left in the WAL) and the TSM files
 * stopped changing for SETTLE_QUIET_POLLS polls, or settleS seconds passed; then measure. The server
 * is still running (stopping it would not flush the cache; it replays the WAL on start instead).
 */
export async function settleInfluxdb(server, settleS) {
  const walDir = path.join(server.dir, 'wal');
  const s = await settle(server, settleS, async () => ({
    empty: diskUsage(walDir).fileBytes === 0,
    fingerprint: filesFingerprint(server.diskDirs),
  }));
  const usage = diskUsageOf(server.diskDirs);
  return {
    method: 'server running; data + wal directories', settleS: s.settleS, reason: s.settled ? 'WAL empty and files unchanged' : 'settle time used up',
    walEmpty: usage.parts.wal.fileBytes === 0, settleCpuS: s.settleCpuS,
    ...usage,
  };
}

/**
 * Shoal, as settleInfluxdb does for InfluxDB: wait until it holds nothing in its caches and WALs
 * and its block counters stayed the same for SETTLE_QUIET_POLLS polls (read from /metrics), or
 * settleS seconds passed. With storage.cacheColdMs set (startShoal's shoalColdMs) the caches of
 * idle shards reach blocks on their own.
 */
export async function settleShoal(server, settleS) {
  let last = null;
  const s = await settle(server, settleS, async () => {
    const r = await request(server.port, 'GET', '/metrics', { timeoutMs: PROBE_TIMEOUT_MS });
    const gauge = (name) => Number(new RegExp(`^shoal_store_${name} (\\S+)$`, 'm').exec(r.body)?.[1] ?? NaN);
    last = { cacheValues: gauge('cache_values'), walBytes: gauge('wal_bytes') };
    return {
      empty: last.cacheValues === 0 && last.walBytes === 0,
      fingerprint: ['flushes', 'compactions', 'blocks_written'].map(gauge).join(','),
    };
  });
  return {
    settleS: s.settleS, reason: s.settled ? 'caches and WALs empty, block counters unchanged' : 'settle time used up',
    walEmpty: last?.walBytes === 0 && last?.cacheValues === 0, settleCpuS: s.settleCpuS,
  };
}

// ---------------------------------------------------------------------------------------------
// Small things both benchmarks print

export function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function gitDescribe() {
  try {
    return execFileSync('git', ['-C', REPO_ROOT, 'describe', '--always', '--dirty'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

export function findOnPath(name) {
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!d) continue;
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

