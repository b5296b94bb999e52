// Line-protocol parser throughput: Shoal's parser against influx-line-protocol-parser (a baseline
// only), on TSBS-like cpu lines in 5,000-line batches, one core. Not a test; run after `npx tsc -b`:
//
//   node test/bench/lineproto.mjs [--seconds=N] [--trials=N] [--hosts=N]
//
// Both parsers get the same bytes. Ours is handed each batch as a Buffer (as the HTTP layer does)
// and the visitor touches the series key, measurement, time and every field key, type and value.
// The baseline takes one string per line, so its time includes decoding and splitting the batch,
// and the loop touches every field value it returns.

import { createRequire } from 'node:module';
import { parseLines, FieldType } from '../../packages/lineproto/dist/index.js';
import { seededRandom } from './tsbs-data.mjs';

const require = createRequire(import.meta.url);
const lineToJSON = require('influx-line-protocol-parser');

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'];
  }),
);
const SECONDS = Number(args.seconds ?? 5);
const TRIALS = Number(args.trials ?? 5);
const HOSTS = Number(args.hosts ?? 100);
const BATCH_LINES = 5000;
const BATCHES = 20;
const INTERVAL_NS = 10_000_000_000n;
const START_NS = 1451606400000000000n; // 2016-01-01T00:00:00Z

// Deterministic data, so every run parses the same bytes.
const rand = seededRandom(42);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const REGIONS = ['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];
const FIELDS = ['usage_user', 'usage_system', 'usage_idle', 'usage_nice', 'usage_iowait', 'usage_irq', 'usage_softirq', 'usage_steal', 'usage_guest', 'usage_guest_nice'];

function hostTags(h, sorted) {
  const region = pick(REGIONS);
  const tags = [
    ['hostname', `host_${h}`],
    ['region', region],
    ['datacenter', `${region}${pick(['a', 'b', 'c'])}`],
    ['rack', String(Math.floor(rand() * 100))],
    ['os', pick(['Ubuntu16.10', 'Ubuntu16.04LTS', 'Ubuntu15.10'])],
    ['arch', pick(['x64', 'x86'])],
    ['team', pick(['SF', 'NYC', 'LON', 'CHI'])],
    ['service', String(Math.floor(rand() * 20))],
    ['service_version', String(Math.floor(rand() * 2))],
    ['service_environment', pick(['production', 'staging', 'test'])],
  ];
  if (sorted) tags.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return tags.map(([k, v]) => `${k}=${v}`).join(',');
}

/** TSBS order: every host at one timestamp, then the next interval. */
function makeBatches({ sorted = false, uniqueTimes = false, floats = false, hosts = HOSTS } = {}) {
  const keys = Array.from({ length: hosts }, (_, h) => `cpu,${hostTags(h, sorted)}`);
  const batches = [];
  let n = 0;
  for (let b = 0; b < BATCHES; b++) {
    const lines = [];
    for (let k = 0; k < BATCH_LINES; k++, n++) {
      const host = n % hosts;
      let t = START_NS + BigInt(Math.floor(n / hosts)) * INTERVAL_NS;
      if (uniqueTimes) t += BigInt(host) * 1_000_123n;
      const fields = FIELDS.map((f) => `${f}=${floats ? (rand() * 100).toFixed(2) : `${Math.floor(rand() * 100)}i`}`).join(',');
      lines.push(`${keys[host]} ${fields} ${t}`);
    }
    batches.push(Buffer.from(lines.join('\n') + '\n'));
  }
  return batches;
}

let sink = 0;
const visitor = {
  point(line) {
    sink += line.seriesKey.length + line.measurement.length;
    if (line.time !== undefined) sink += Number(line.time & 0xffn);
    const n = line.fieldCount;
    for (let f = 0; f < n; f++) {
      sink += line.fieldKey(f).length;
      const type = line.fieldType(f);
      if (type === FieldType.Integer || type === FieldType.Unsigned) {
        const v = line.intValue(f);
        sink += typeof v === 'bigint' ? 1 : v;
      } else if (type === FieldType.String) {
        sink += line.stringValue(f).length;
      } else {
        sink += line.numberValue(f);
      }
    }
  },
  error(err) {
    throw new Error(err.message);
  },
};

function ours(batch) {
  return parseLines(batch, visitor).points;
}

function baseline(batch) {
  const lines = batch.toString('utf8').split('\n');
  let points = 0;
  for (const text of lines) {
    if (text === '') continue;
    const p = lineToJSON(text);
    for (const field of p.fields) for (const k in field) sink += typeof field[k] === 'number' ? field[k] : 1;
    sink += p.tags.length + (p.timestamp ? 1 : 0);
    points++;
  }
  return points;
}

/**
 * Runs `trials` timed trials of whole rounds over the batches. The machine is shared, so each trial
 * is rated by process CPU time (this thread plus GC helpers) and the best and median are reported:
 * interference only ever makes a trial slower.
 */
function measure(name, parse, batches, seconds) {
  for (let r = 0; r < 3; r++) for (const b of batches) parse(b);
  const bytesPerRound = batches.reduce((s, b) => s + b.length, 0);
  const rates = [];
  let linesPerByte = 0;
  for (let t = 0; t < TRIALS; t++) {
    let rounds = 0;
    let lines = 0;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    do {
      for (const b of batches) lines += parse(b);
      rounds++;
    } while (Number(process.hrtime.bigint() - t0) / 1e9 < seconds / TRIALS);
    const cpu = process.cpuUsage(cpu0);
    rates.push((bytesPerRound * rounds) / 1e6 / ((cpu.user + cpu.system) / 1e6));
    linesPerByte = lines / (bytesPerRound * rounds);
  }
  rates.sort((a, b) => a - b);
  const best = rates[rates.length - 1];
  const median = rates[Math.floor(rates.length / 2)];
  console.log(
    `${name.padEnd(44)} best ${best.toFixed(1).padStart(6)} MB/s ${((best * 1e6 * linesPerByte) / 1e3).toFixed(0).padStart(5)} k lines/s` +
      `   median ${median.toFixed(1).padStart(6)} MB/s`,
  );
  return best;
}

const tsbs = makeBatches();
const avgLine = tsbs[0].length / BATCH_LINES;
console.log(`throughput per CPU-second of the process, best and median of ${TRIALS} trials`);
console.log(`TSBS-like cpu lines, ${HOSTS} hosts, ${BATCH_LINES}-line batches, ${avgLine.toFixed(0)} bytes/line avg, node ${process.version}`);
const oursMbps = measure('shoal parseLines (tags unsorted, as TSBS)', ours, tsbs, SECONDS);
const baseMbps = measure('influx-line-protocol-parser (baseline)', baseline, tsbs.slice(0, 4), SECONDS);
console.log(`speed-up: ${(oursMbps / baseMbps).toFixed(1)}x`);
measure('shoal, tags already sorted', ours, makeBatches({ sorted: true }), SECONDS);
measure('shoal, a distinct timestamp on every line', ours, makeBatches({ uniqueTimes: true }), SECONDS);
measure('shoal, float fields (2 decimals)', ours, makeBatches({ floats: true }), SECONDS);
// Every line a new series: the series-key cache only costs here.
measure('shoal, 100,000 series (no key repeats)', ours, makeBatches({ hosts: BATCHES * BATCH_LINES }), SECONDS);
if (sink === 42) console.log('');
