// Encode/decode throughput and size of the storage engine's codecs and blocks.
// Run after a build: `npx tsc -b && node test/bench/encoding.mjs` (optionally `--quick`).
// Each case encodes and decodes 1,000-value columns (one block's worth) many times and reports
// MB/s of raw in-memory input (8 bytes per timestamp/number, 1 per boolean, UTF-8 bytes per
// string), values/s, and encoded bytes per value.

import * as E from '../../packages/tsdb/dist/encoding/index.js';
import { SeededRandom, regularTimes, tsbsCpuInts } from '../../packages/tsdb/dist/encoding/seeded-random.js';

const QUICK = process.argv.includes('--quick');
const N = 1000;
const COLUMNS = 32;
const TIME_BUDGET_MS = QUICK ? 150 : 600;

const rng = new SeededRandom(42);
const NOW = 1_700_000_000_000_000_000n;

function jitterTimes() {
  const t = new BigInt64Array(N);
  let x = NOW;
  for (let i = 0; i < N; i++) {
    t[i] = x;
    x += BigInt(10_000 + rng.int(-20, 20)) * 1_000_000n;
  }
  return t;
}

function gauge() {
  const v = new Float64Array(N);
  let x = rng.float() * 100;
  for (let i = 0; i < N; i++) v[i] = Math.round((x += rng.normal() * 0.5) * 100) / 100;
  return v;
}

const FT = { Float: 0, Integer: 1, Unsigned: 2, Boolean: 3, String: 4 };
const words = ['OK', 'WARN', 'ERROR', 'CRITICAL'];

/** name, column generator, raw bytes of one column, encode(col) -> bytes, decode(bytes) */
const cases = [
  ['timestamps regular 10s', () => regularTimes(NOW, 10_000_000_000n, N), () => 8 * N, (c) => E.encodeTimestamps(c), (b) => E.decodeTimestamps(b, N)],
  ['timestamps jittered ms', jitterTimes, () => 8 * N, (c) => E.encodeTimestamps(c), (b) => E.decodeTimestamps(b, N)],
  ['float gauge 2dp', gauge, () => 8 * N, (c) => E.encodeFloats(c), (b) => E.decodeFloats(b, N)],
  ['float random', () => Float64Array.from({ length: N }, () => rng.normal()), () => 8 * N, (c) => E.encodeFloats(c), (b) => E.decodeFloats(b, N)],
  ['integer tsbs cpu', () => tsbsCpuInts(rng, N), () => 8 * N, (c) => E.encodeIntegers(c), (b) => E.decodeIntegers(b, N)],
  ['integer counter', () => { let x = 1e9; return Float64Array.from({ length: N }, () => (x += rng.int(0, 5000))); }, () => 8 * N, (c) => E.encodeIntegers(c), (b) => E.decodeIntegers(b, N)],
  ['integer int64 random', () => BigInt64Array.from({ length: N }, () => rng.int64()), () => 8 * N, (c) => E.encodeIntegers(c), (b) => E.decodeIntegers(b, N)],
  ['unsigned counter', () => { let x = 0; return Float64Array.from({ length: N }, () => (x += rng.int(0, 100))); }, () => 8 * N, (c) => E.encodeUnsigned(c), (b) => E.decodeUnsigned(b, N)],
  ['boolean random', () => Uint8Array.from({ length: N }, () => rng.int(0, 1)), () => N, (c) => E.encodeBooleans(c), (b) => E.decodeBooleans(b, N)],
  ['string status', () => Array.from({ length: N }, () => rng.pick(words)), (c) => utf8Bytes(c), (c) => E.encodeStrings(c), (b) => E.decodeStrings(b, N)],
  ['string log lines', () => Array.from({ length: N }, () => `GET /api/items/${rng.int(1, 5000)} 200 ${rng.int(100, 9000)}B rt=${rng.float().toFixed(3)}`), (c) => utf8Bytes(c), (c) => E.encodeStrings(c), (b) => E.decodeStrings(b, N)],
  ['block integer tsbs', () => ({ t: regularTimes(NOW, 10_000_000_000n, N), v: tsbsCpuInts(rng, N) }), () => 16 * N, (c) => E.encodeBlock(FT.Integer, c.t, c.v, 0, N), (b) => E.decodeBlock(b)],
  ['block float gauge', () => ({ t: regularTimes(NOW, 10_000_000_000n, N), v: gauge() }), () => 16 * N, (c) => E.encodeBlock(FT.Float, c.t, c.v, 0, N), (b) => E.decodeBlock(b)],
  ['block stats only', () => ({ t: regularTimes(NOW, 10_000_000_000n, N), v: tsbsCpuInts(rng, N) }), () => 16 * N, (c) => E.encodeBlock(FT.Integer, c.t, c.v, 0, N), (b) => E.readBlockStats(b)],
];

function utf8Bytes(strings) {
  let n = 0;
  for (const s of strings) n += Buffer.byteLength(s);
  return n;
}

/**
 * Runs fn over all inputs repeatedly for about TIME_BUDGET_MS; returns ms of this process's CPU
 * time per input. CPU time rather than wall time, because the machines we share are busy and a
 * descheduled benchmark would otherwise report other people's work as ours.
 */
function time(inputs, fn) {
  for (let k = 0; k < 3; k++) for (const x of inputs) fn(x); // warm up the JIT
  let reps = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - start < TIME_BUDGET_MS) {
    for (const x of inputs) fn(x);
    reps += inputs.length;
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1000 / reps;
}

const rows = [];
for (const [name, gen, rawBytes, enc, dec] of cases) {
  const cols = Array.from({ length: COLUMNS }, gen);
  const encoded = cols.map(enc);
  const raw = cols.reduce((a, c) => a + rawBytes(c), 0) / COLUMNS;
  const size = encoded.reduce((a, b) => a + b.length, 0) / COLUMNS;
  const encMs = time(cols, enc);
  const decMs = time(encoded, dec);
  rows.push({
    case: name,
    'B/value': +(size / N).toFixed(3),
    'enc MB/s': Math.round(raw / encMs / 1000),
    'enc Mvalues/s': +(N / encMs / 1000).toFixed(1),
    'dec MB/s': Math.round(raw / decMs / 1000),
    'dec Mvalues/s': +(N / decMs / 1000).toFixed(1),
  });
}
const crcBuf = new Uint8Array(1 << 16).map((_, i) => i * 31);
const crcMs = time([crcBuf], (b) => E.crc32c(b));
console.log(`node ${process.version}, ${N} values per column${QUICK ? ', quick run' : ''}; rates per CPU second; block MB/s counts 16 bytes per point`);
console.table(rows);
console.log(`crc32c: ${Math.round(crcBuf.length / crcMs / 1000)} MB/s`);
