#!/usr/bin/env node
// Self time per function from V8 .cpuprofile files (as written by `node --cpu-prof`), summed over
// samples, heaviest first. Functions are keyed by name and file:line:column, so the same function
// reached through different call paths counts once.
//
//   node test/bench/cpuprofile-top.mjs PROFILE.cpuprofile|DIR [more...] [--top 25] [--json]
//
// A directory means every .cpuprofile in it (e.g. the --cpu-prof DIR of ingest.mjs); several
// profiles are summed. Percentages are of all sampled time and, in the last column, of the time
// not spent idle. Paths under the repository are shown relative to it, and a compiled file with a
// source map beside it (our packages' dist/*.js) is shown at its TypeScript source line.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceMap } from 'node:module';
import { parseFlags, FlagError } from './cli-flags.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOP_MAX = 10_000;
/** V8's pseudo-frames for time not spent in JavaScript or native functions. */
const IDLE = '(idle)';

function profileFiles(args) {
  const files = [];
  for (const a of args) {
    const st = fs.statSync(a);
    if (st.isDirectory()) {
      for (const n of fs.readdirSync(a).sort()) if (n.endsWith('.cpuprofile')) files.push(path.join(a, n));
    } else files.push(a);
  }
  if (files.length === 0) throw new FlagError(`no .cpuprofile files in ${args.join(', ')}`);
  return files;
}

function repoRelative(p) {
  return p.startsWith(REPO_ROOT + path.sep) ? path.relative(REPO_ROOT, p) : p;
}

/** @type {Map<string, SourceMap|null>} compiled file -> its source map, if it has one */
const sourceMaps = new Map();

function sourceMapOf(file) {
  if (!sourceMaps.has(file)) {
    let map = null;
    try {
      map = new SourceMap(JSON.parse(fs.readFileSync(file + '.map', 'utf8')));
    } catch {
      // no map, or not readable: show the compiled position
    }
    sourceMaps.set(file, map);
  }
  return sourceMaps.get(file);
}

/** 'file:line:col' (1-based) of a call frame, at the TypeScript source when a source map says. */
function framePosition(cf) {
  if (!cf.url) return '';
  const file = cf.url.startsWith('file://') ? fileURLToPath(cf.url) : cf.url;
  const map = path.isAbsolute(file) ? sourceMapOf(file) : null;
  const entry = map?.findEntry(cf.lineNumber, cf.columnNumber);
  if (entry && entry.originalSource) {
    const src = entry.originalSource.startsWith('file://')
      ? fileURLToPath(entry.originalSource)
      : path.resolve(path.dirname(file), entry.originalSource);
    return `${repoRelative(src)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  }
  // callFrame lines and columns are 0-based; editors count from 1
  return `${repoRelative(file)}:${cf.lineNumber + 1}:${cf.columnNumber + 1}`;
}

/**
 * Adds one profile's self time into `totals` (key -> {name, where, selfUs, samples}).
 * A sample's duration is the gap to the next sample's timestamp; the last sample runs to endTime.
 */
function addProfile(profile, totals) {
  const byId = new Map();
  for (const node of profile.nodes) byId.set(node.id, node);
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length !== deltas.length) throw new Error('malformed profile: samples and timeDeltas differ in length');
  // timestamps[i] = startTime + deltas[0] + ... + deltas[i]
  const stamps = new Float64Array(samples.length);
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i];
    stamps[i] = t;
  }
  let profileUs = 0;
  for (let i = 0; i < samples.length; i++) {
    const end = i + 1 < samples.length ? stamps[i + 1] : profile.endTime;
    const us = Math.max(0, end - stamps[i]);
    profileUs += us;
    const node = byId.get(samples[i]);
    if (!node) continue;
    const cf = node.callFrame;
    const name = cf.functionName || '(anonymous)';
    const key = `${name}\u0000${cf.url}\u0000${cf.lineNumber}\u0000${cf.columnNumber}`;
    let e = totals.get(key);
    if (!e) {
      e = { name, where: framePosition(cf), selfUs: 0, samples: 0 };
      totals.set(key, e);
    }
    e.selfUs += us;
    e.samples++;
  }
  return profileUs;
}

function main() {
  const flags = parseFlags(process.argv.slice(2), {
    top: { type: 'number', default: 25 }, json: { type: 'boolean' }, help: { type: 'boolean' },
  });
  if (flags.help || flags._.length === 0) {
    process.stdout.write('node test/bench/cpuprofile-top.mjs PROFILE.cpuprofile|DIR [...] [--top 25] [--json]\n');
    if (!flags.help) process.exitCode = 2;
    return;
  }
  const top = Math.min(TOP_MAX, Math.max(1, Math.floor(flags.top)));
  const files = profileFiles(flags._);
  const totals = new Map();
  let totalUs = 0;
  for (const f of files) totalUs += addProfile(JSON.parse(fs.readFileSync(f, 'utf8')), totals);
  const idleUs = [...totals.values()].filter((e) => e.name === IDLE).reduce((n, e) => n + e.selfUs, 0);
  const busyUs = totalUs - idleUs;
  const rows = [...totals.values()].sort((a, b) => b.selfUs - a.selfUs);

  if (flags.json) {
    process.stdout.write(JSON.stringify({
      files, totalMs: totalUs / 1000, idleMs: idleUs / 1000,
      top: rows.slice(0, top).map((r) => ({ ...r, selfMs: r.selfUs / 1000, pctTotal: (100 * r.selfUs) / totalUs, pctBusy: r.name === IDLE ? null : (100 * r.selfUs) / busyUs })),
    }, null, 2) + '\n');
    return;
  }
  const pct = (us, of) => (of > 0 ? ((100 * us) / of).toFixed(1) : '-');
  let out = `${files.length} profile(s): ${files.map((f) => path.basename(f)).join(', ')}\n` +
    `sampled ${(totalUs / 1e6).toFixed(2)} s, idle ${(idleUs / 1e6).toFixed(2)} s (${pct(idleUs, totalUs)}%), busy ${(busyUs / 1e6).toFixed(2)} s\n\n` +
    `${'self ms'.padStart(9)} ${'%all'.padStart(5)} ${'%busy'.padStart(5)}  function  (file:line:col)\n`;
  for (const r of rows.slice(0, top)) {
    out += `${(r.selfUs / 1000).toFixed(1).padStart(9)} ${pct(r.selfUs, totalUs).padStart(5)} ` +
      `${(r.name === IDLE ? '' : pct(r.selfUs, busyUs)).padStart(5)}  ${r.name}${r.where ? `  (${r.where})` : ''}\n`;
  }
  process.stdout.write(out);
}

try {
  main();
} catch (err) {
  process.stderr.write(`cpuprofile-top: ${err instanceof FlagError ? err.message : err.stack ?? err}\n`);
  process.exit(2);
}
