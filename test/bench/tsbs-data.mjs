// A deterministic TSBS-like "cpu-only" devops data set in InfluxDB line protocol, for the ingest
// benchmark. The shape follows the Time Series Benchmark Suite's cpu-only use case so the numbers
// can be read beside published TSBS results; the values are our own (a seeded generator), so the
// same flags always produce the same bytes, on any machine.
//
//   measurement  cpu
//   tags         hostname region datacenter rack os arch team service service_version
//                service_environment (fixed per host, drawn from the seed)
//   fields       usage_user ... usage_guest_nice: one random walk per host and field, clamped to
//                0..100; integers with the `i` suffix, or floats with 2 decimals (`float: true`)
//   order        for each timestamp, one line per host (host_0 .. host_N-1), as TSBS writes them
//
// As a module:  datasetShape(opts), cpuLines(shape), buildBodies(shape, batchLines)
// As a command (prints the lines, for eyeballing or piping into `influx -import`):
//   node test/bench/tsbs-data.mjs [--hosts 100] [--duration 24h] [--interval 10s] [--seed 1]
//                                 [--start 2016-01-01T00:00:00Z] [--float] [--info]

import { pathToFileURL } from 'node:url';
import { parseFlags, FlagError } from './cli-flags.mjs';

export const MEASUREMENT = 'cpu';
export const CPU_FIELDS = [
  'usage_user', 'usage_system', 'usage_idle', 'usage_nice', 'usage_iowait',
  'usage_irq', 'usage_softirq', 'usage_steal', 'usage_guest', 'usage_guest_nice',
];
export const TAG_KEYS = [
  'hostname', 'region', 'datacenter', 'rack', 'os', 'arch', 'team', 'service', 'service_version',
  'service_environment',
];

// Cloud regions and the availability-zone letters of each; a host's datacenter is region + letter.
const REGION_ZONE_LETTERS = [
  ['us-east-1', 'abce'], ['us-west-1', 'ab'], ['us-west-2', 'abc'], ['eu-west-1', 'abc'],
  ['eu-central-1', 'ab'], ['ap-southeast-1', 'ab'], ['ap-southeast-2', 'ab'], ['ap-northeast-1', 'ac'],
  ['sa-east-1', 'abc'],
];
const OPERATING_SYSTEMS = ['Ubuntu16.10', 'Ubuntu16.04LTS', 'Ubuntu15.10'];
const ARCHITECTURES = ['x64', 'x86'];
const TEAMS = ['SF', 'NYC', 'LON', 'CHI'];
const ENVIRONMENTS = ['production', 'staging', 'test'];
const RACKS = 100;
const SERVICES = 20;
const SERVICE_VERSIONS = 2;

const VALUE_MIN = 0;
const VALUE_MAX = 100;
/** Largest change of a field between two consecutive points of one host. */
const WALK_STEP_MAX = 1;

export const DEFAULTS = Object.freeze({
  hosts: 100,
  duration: '24h',
  interval: '10s',
  start: '2016-01-01T00:00:00Z',
  seed: 1,
  float: false,
});

/** The flags that choose the data set and its batching (test/bench/cli-flags.mjs spec form). */
export const DATASET_FLAGS = Object.freeze({
  hosts: { type: 'number', default: DEFAULTS.hosts },
  duration: { type: 'string', default: DEFAULTS.duration },
  interval: { type: 'string', default: DEFAULTS.interval },
  start: { type: 'string', default: DEFAULTS.start },
  seed: { type: 'number', default: DEFAULTS.seed },
  float: { type: 'boolean' },
  batch: { type: 'number', default: 5000 },
});

/**
 * A small seeded generator (sfc32, state expanded from the seed by a splitmix-style mixer).
 * Returns floats in [0, 1). Not cryptographic; chosen because it is fast, has no bias worth
 * worrying about here and is trivially reproducible in any language.
 */
export function seededRandom(seed) {
  let x = seed >>> 0;
  const mix = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = mix(), b = mix(), c = mix(), d = mix();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  // the first outputs of a freshly seeded sfc32 are still correlated with the seed
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** '24h', '90m', '10s', '1d', '500ms' or a plain number of seconds -> seconds. */
export function parseDurationS(text) {
  if (typeof text === 'number') return text;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(String(text).trim());
  if (!m) throw new Error(`bad duration '${text}' (use e.g. 24h, 90m, 10s)`);
  const unitS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? 's'];
  return Number(m[1]) * unitS;
}

/** Validated, fully resolved description of a data set, including its size. */
export function datasetShape(opts = {}) {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
  const hosts = Number(o.hosts);
  const durationS = parseDurationS(o.duration);
  const intervalS = parseDurationS(o.interval);
  const startMs = Date.parse(o.start);
  if (!Number.isInteger(hosts) || hosts < 1) throw new Error(`hosts must be a positive integer, got ${o.hosts}`);
  if (!(intervalS > 0) || !(durationS >= intervalS)) throw new Error(`need 0 < interval <= duration (${o.interval}, ${o.duration})`);
  if (!Number.isFinite(startMs)) throw new Error(`bad start time '${o.start}'`);
  const steps = Math.floor(durationS / intervalS);
  const points = steps * hosts;
  return {
    measurement: MEASUREMENT, hosts, durationS, intervalS, start: new Date(startMs).toISOString(),
    seed: Number(o.seed) >>> 0, float: Boolean(o.float), steps, points,
    fieldsPerPoint: CPU_FIELDS.length, values: points * CPU_FIELDS.length,
  };
}

function pick(random, choices) {
  return choices[Math.floor(random() * choices.length)];
}

function makeHost(index, random) {
  const [region, zoneLetters] = pick(random, REGION_ZONE_LETTERS);
  const tags = {
    hostname: `host_${index}`,
    region,
    datacenter: region + pick(random, zoneLetters),
    rack: String(Math.floor(random() * RACKS)),
    os: pick(random, OPERATING_SYSTEMS),
    arch: pick(random, ARCHITECTURES),
    team: pick(random, TEAMS),
    service: String(Math.floor(random() * SERVICES)),
    service_version: String(Math.floor(random() * SERVICE_VERSIONS)),
    service_environment: pick(random, ENVIRONMENTS),
  };
  // written in TSBS's tag order, not sorted: the server has to sort them, as it would for TSBS
  const seriesPrefix = `${MEASUREMENT},` + TAG_KEYS.map((k) => `${k}=${tags[k]}`).join(',') + ' ';
  const walk = new Float64Array(CPU_FIELDS.length);
  for (let f = 0; f < walk.length; f++) walk[f] = VALUE_MIN + random() * (VALUE_MAX - VALUE_MIN);
  return { tags, seriesPrefix, walk };
}

/** Yields the data set's lines (without '\n'), timestamp by timestamp. */
export function* cpuLines(shape) {
  const random = seededRandom(shape.seed);
  const hosts = Array.from({ length: shape.hosts }, (_, i) => makeHost(i, random));
  const startNs = BigInt(Date.parse(shape.start)) * 1_000_000n;
  const intervalNs = BigInt(Math.round(shape.intervalS * 1e9));
  const fieldPrefixes = CPU_FIELDS.map((f, i) => (i === 0 ? '' : ',') + f + '=');
  for (let step = 0; step < shape.steps; step++) {
    const timestamp = ' ' + (startNs + intervalNs * BigInt(step)).toString();
    for (let h = 0; h < hosts.length; h++) {
      const host = hosts[h];
      let line = host.seriesPrefix;
      for (let f = 0; f < fieldPrefixes.length; f++) {
        let v = host.walk[f] + (random() * 2 - 1) * WALK_STEP_MAX;
        if (v < VALUE_MIN) v = VALUE_MIN;
        else if (v > VALUE_MAX) v = VALUE_MAX;
        host.walk[f] = v;
        line += fieldPrefixes[f] + (shape.float ? v.toFixed(2) : `${Math.round(v)}i`);
      }
      yield line + timestamp;
    }
  }
}

/**
 * The whole data set as request bodies of `batchLines` lines each (the last may be shorter), every
 * line '\n'-terminated. Holds everything in memory: 864,000 default points are ~230 MB.
 */
export function buildBodies(shape, batchLines) {
  if (!Number.isInteger(batchLines) || batchLines < 1) throw new Error(`batch must be a positive integer, got ${batchLines}`);
  const bodies = [];
  let pending = [];
  for (const line of cpuLines(shape)) {
    pending.push(line);
    if (pending.length === batchLines) {
      bodies.push({ body: Buffer.from(pending.join('\n') + '\n', 'latin1'), lines: pending.length });
      pending = [];
    }
  }
  if (pending.length > 0) bodies.push({ body: Buffer.from(pending.join('\n') + '\n', 'latin1'), lines: pending.length });
  return bodies;
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), {
    hosts: { type: 'number' }, duration: { type: 'string' }, interval: { type: 'string' },
    start: { type: 'string' }, seed: { type: 'number' }, float: { type: 'boolean' },
    info: { type: 'boolean' }, help: { type: 'boolean' },
  });
  if (flags.help) {
    process.stdout.write('node test/bench/tsbs-data.mjs [--hosts 100] [--duration 24h] [--interval 10s] [--seed 1] [--start ISO] [--float] [--info]\n');
    return;
  }
  const shape = datasetShape(flags);
  if (flags.info) {
    process.stdout.write(JSON.stringify(shape, null, 2) + '\n');
    return;
  }
  const CHUNK_LINES = 10_000;
  let chunk = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const text = chunk.join('\n') + '\n';
    chunk = [];
    if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve));
  };
  for (const line of cpuLines(shape)) {
    chunk.push(line);
    if (chunk.length === CHUNK_LINES) await flush();
  }
  await flush();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    process.stderr.write(`tsbs-data: ${err instanceof FlagError ? err.message : err.stack ?? err}\n`);
    process.exit(2);
  });
}
