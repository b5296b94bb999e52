#!/usr/bin/env node
// Records InfluxDB 1.6.7's answers to the compatibility statements and /write cases as golden
// files. Starts its own influxd on loopback with a fresh scratch folder, builds the data set of
// dataset.mjs, runs every statement of statements.mjs and every WRITE_CASES request, writes
// golden/<id>.json, stops influxd and removes the folder.
//
//   node test/compat/record.mjs [--port 18087] [--rpc-port 18089] [--out DIR] [--keep]
//
// --keep leaves influxd's folder (and log) behind for inspection. influxd must be on PATH
// (Debian: apt-get install influxdb).

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SETUP_STEPS, WRITE_CASES, WRITE_CASES_SETUP, datasetFingerprint } from './dataset.mjs';
import { STATEMENTS, WRITE_CHECK_STATEMENTS } from './statements.mjs';
import { queryRequest, recordedHeaders, runSetup, send, writeCaseRequest } from './requests.mjs';
import { influxdbConfig } from '../bench/servers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '18087' },
    'rpc-port': { type: 'string', default: '18089' },
    out: { type: 'string', default: path.join(here, 'golden') },
    keep: { type: 'boolean', default: false },
  },
});
const port = Number(args.port);
const rpcPort = Number(args['rpc-port']);
const startTimeoutMs = 20_000;

async function startInfluxd() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-compat-influxd-'));
  for (const sub of ['data', 'wal', 'meta']) fs.mkdirSync(path.join(dir, sub));
  fs.writeFileSync(path.join(dir, 'influxdb.conf'), influxdbConfig(dir, port, rpcPort));
  const log = fs.openSync(path.join(dir, 'influxd.log'), 'w');
  const child = spawn('influxd', ['-config', path.join(dir, 'influxdb.conf')], { stdio: ['ignore', log, log] });
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`influxd exited with ${child.exitCode}; log: ${dir}/influxd.log`);
    try {
      const r = await send(port, { method: 'GET', path: '/ping', headers: {}, body: Buffer.alloc(0) }, 1000);
      if (r.status === 204) return { child, dir, version: r.headers['x-influxdb-version'] };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`influxd did not answer /ping on 127.0.0.1:${port} within ${startTimeoutMs} ms; log: ${dir}/influxd.log`);
}

async function stopInfluxd(server) {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

function goldenOf(kind, id, request, response) {
  return {
    id,
    kind,
    request: {
      method: request.method,
      path: request.path,
      headers: request.headers,
      // Request bodies are text except gzip ones, which are kept as base64.
      ...(request.headers['Content-Encoding'] === 'gzip' ? { bodyBase64: request.body.toString('base64') } : { body: request.body.toString('utf8') }),
    },
    status: response.status,
    headers: recordedHeaders(response.headers),
    // The raw body text: int64 digits and key order exactly as InfluxDB sent them.
    body: response.body,
  };
}

async function main() {
  const started = Date.now();
  const version = execFileSync('influxd', ['version']).toString().trim();
  if (!/v1\.6\.7/.test(version)) throw new Error(`expected InfluxDB 1.6.7, found: ${version}`);
  const server = await startInfluxd();
  try {
    await runSetup(port, SETUP_STEPS);
    // influxd answers a write once it is in the WAL and cache, so queries see it right away.
    const goldens = [];
    for (const st of STATEMENTS) {
      const request = queryRequest(st);
      const response = await send(port, request);
      goldens.push(goldenOf('query', st.id, request, response));
    }
    await runSetup(port, WRITE_CASES_SETUP);
    for (const wc of WRITE_CASES) {
      const request = writeCaseRequest(wc);
      const response = await send(port, request);
      goldens.push(goldenOf('write', wc.id, request, response));
    }
    for (const st of WRITE_CHECK_STATEMENTS) {
      const request = queryRequest(st);
      const response = await send(port, request);
      goldens.push(goldenOf('query', st.id, request, response));
    }

    fs.mkdirSync(args.out, { recursive: true });
    const wanted = new Set(goldens.map((g) => `${g.id}.json`));
    for (const f of fs.readdirSync(args.out)) {
      if (f.endsWith('.json') && !wanted.has(f) && f !== '_recording.json') fs.unlinkSync(path.join(args.out, f));
    }
    for (const g of goldens) fs.writeFileSync(path.join(args.out, `${g.id}.json`), JSON.stringify(g, null, 2) + '\n');
    const meta = {
      influxdb: version,
      headerVersion: server.version,
      statements: STATEMENTS.length,
      writeCases: WRITE_CASES.length,
      writeCheckStatements: WRITE_CHECK_STATEMENTS.length,
      datasetSha256: datasetFingerprint(),
    };
    fs.writeFileSync(path.join(args.out, '_recording.json'), JSON.stringify(meta, null, 2) + '\n');

    const statusCounts = {};
    for (const g of goldens) statusCounts[`${g.kind} ${g.status}`] = (statusCounts[`${g.kind} ${g.status}`] ?? 0) + 1;
    console.log(`recorded ${goldens.length} goldens (${STATEMENTS.length} statements, ${WRITE_CASES.length} write cases, ${WRITE_CHECK_STATEMENTS.length} write checks) from ${version} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`status codes: ${JSON.stringify(statusCounts)}`);
    console.log(`written to ${args.out}`);
  } finally {
    await stopInfluxd(server);
    if (args.keep) console.log(`influxd folder kept: ${server.dir}`);
    else fs.rmSync(server.dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err.stack ?? String(err));
  process.exit(1);
});
