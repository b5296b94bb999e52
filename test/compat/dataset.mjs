// The fixed data set the compatibility recordings run against. Everything here is a pure function
// of constants: the same steps, byte for byte, on every run, so the goldens recorded against
// InfluxDB 1.6.7 and the answers Shoal gives can be compared.
//
// Exports:
//   SETUP_STEPS      ordered steps (DDL queries and /write bodies) that build the query data set
//   WRITE_CASES_SETUP  steps for the separate database the bad-write cases run against
//   WRITE_CASES      deliberately bad (and a few borderline) /write requests whose answers are golden
//
//   datasetFingerprint()  a hash of all of the above, stored with the goldens to catch edits
//                         made here without recording again
//
// All times are absolute (2016-01-01T00:00:00Z onwards) so no answer depends on the clock.

import { createHash } from 'node:crypto';

/** 2016-01-01T00:00:00Z in seconds. */
export const T0_S = 1451606400;
const NS_PER_S = 1_000_000_000n;
const T0_NS = BigInt(T0_S) * NS_PER_S;

/** A small integer-only PRNG (xorshift32): identical sequences on every platform and Node version. */
function xorshift(seed) {
  let x = seed >>> 0 || 0x2545f491;
  return (maxExclusive) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % maxExclusive;
  };
}

/** Nanosecond timestamp text for T0 + seconds (+ extra ns). */
function tsNs(offsetS, extraNs = 0n) {
  return (T0_NS + BigInt(offsetS) * NS_PER_S + BigInt(extraNs)).toString();
}

/** A float with three decimals built from an integer, so its text is exact and reproducible. */
function milli(n) {
  return (n / 1000).toFixed(3);
}

// ---------------------------------------------------------------------------------------------
// Database compat, retention policy autogen (INF, 7-day shard groups)

const CPU_HOSTS = [
  { hostname: 'host_0', region: 'us-east-1', datacenter: 'us-east-1a', rack: '12', os: 'Ubuntu16.04LTS', arch: 'x64', service: '4', team: 'SF' },
  { hostname: 'host_1', region: 'us-west-2', datacenter: 'us-west-2b', rack: '41', os: 'Ubuntu15.10', arch: 'x86', service: '9', team: 'NYC' },
  { hostname: 'host_2', region: 'eu-central-1', datacenter: 'eu-central-1a', rack: '7', os: 'Ubuntu16.10', arch: 'x64', service: '4', team: 'LON' },
  { hostname: 'host_3', region: 'us-east-1', datacenter: 'us-east-1c', rack: '66', os: 'Ubuntu16.04LTS', arch: 'x86', service: '18', team: 'CHI' },
  { hostname: 'host_4', region: 'eu-central-1', datacenter: 'eu-central-1b', rack: '3', os: 'Ubuntu15.10', arch: 'x64', service: '9', team: 'SF' },
];

function cpuTags(h) {
  return `hostname=${h.hostname},region=${h.region},datacenter=${h.datacenter},rack=${h.rack},os=${h.os},arch=${h.arch},service=${h.service},team=${h.team}`;
}

/** cpu: 5 hosts, one point a minute for two hours from T0, plus a few points a week and two later. */
function cpuLines() {
  const rnd = xorshift(20160101);
  const lines = [];
  for (let minute = 0; minute < 120; minute++) {
    for (let hi = 0; hi < CPU_HOSTS.length; hi++) {
      const h = CPU_HOSTS[hi];
      const user = rnd(101);
      const system = rnd(41);
      const idleMilli = rnd(100001);
      const iowaitMilli = rnd(5001);
      const fields = [`usage_user=${user}i`, `usage_system=${system}i`];
      // Every 10th minute idle is written as an integral float ("50") to exercise float-valued
      // integers in the answers; host_4 skips iowait every third minute (sparse field).
      fields.push(minute % 10 === 0 ? `usage_idle=${Math.round(idleMilli / 1000)}` : `usage_idle=${milli(idleMilli)}`);
      if (!(hi === 4 && minute % 3 === 0)) fields.push(`usage_iowait=${milli(iowaitMilli)}`);
      lines.push(`cpu,${cpuTags(h)} ${fields.join(',')} ${tsNs(minute * 60)}`);
    }
  }
  // Later shard groups of autogen (7-day groups start on Thursdays: 2016-01-07 and 2016-01-14).
  const later = [
    [7 * 86400, 0, 11, 3, '41.500', '0.250'],
    [7 * 86400 + 3600, 1, 12, 4, '42.000', '0.500'],
    [14 * 86400 + 43200, 0, 13, 5, '43.125', '1.000'],
    [14 * 86400 + 43200, 1, 14, 6, '44.875', '1.500'],
  ];
  for (const [off, hi, user, system, idle, iowait] of later) {
    lines.push(`cpu,${cpuTags(CPU_HOSTS[hi])} usage_user=${user}i,usage_system=${system}i,usage_idle=${idle},usage_iowait=${iowait} ${tsNs(off)}`);
  }
  return lines;
}

/** Overwrites sent in a later batch: same series and time, a new value for one field only. */
function cpuOverwriteLines() {
  return [
    // host_0 at 00:05: usage_user replaced, the other fields of that point stay.
    `cpu,${cpuTags(CPU_HOSTS[0])} usage_user=99i ${tsNs(5 * 60)}`,
    // host_1 at 00:10: two writes of the same point in one batch, the last one wins.
    `cpu,${cpuTags(CPU_HOSTS[1])} usage_system=1i ${tsNs(10 * 60)}`,
    `cpu,${cpuTags(CPU_HOSTS[1])} usage_system=2i ${tsNs(10 * 60)}`,
  ];
}

const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';

/** mem: integers beyond 2^53 and the int64 extremes, every 5 minutes for an hour, 3 hosts. */
function memLines() {
  const rnd = xorshift(777);
  const lines = [];
  const extremes = [INT64_MIN, INT64_MAX, '0', '-1', '9007199254740993', '-9007199254740993', '1'];
  for (let step = 0; step < 13; step++) {
    for (let hi = 0; hi < 3; hi++) {
      // 2^53 + 1 + a few: integers a float64 cannot hold, differing only in the last digits.
      const total = 9007199254740993n + BigInt(hi * 1000 + step);
      const used = 4294967296n * BigInt(hi + 1) + BigInt(rnd(100000));
      const free = total - used;
      const pct = milli(rnd(100000));
      const fields = [`total=${total}i`, `used=${used}i`, `free=${free}i`, `used_percent=${pct}`];
      if (hi === 2) fields.push(`extreme=${extremes[step % extremes.length]}i`);
      lines.push(`mem,host=host_${hi},kind=${hi === 1 ? 'swap' : 'ram'} ${fields.join(',')} ${tsNs(step * 300)}`);
    }
  }
  return lines;
}

/** disk: strings (with quotes, backslashes and unicode) and booleans, every 10 minutes. */
function diskLines() {
  const statuses = ['ok', 'degraded', 'say \\"hi\\"', 'back\\\\slash', 'über ✓', 'ok', 'full'];
  const lines = [];
  for (let step = 0; step < 7; step++) {
    for (const [path, fstype] of [['/', 'ext4'], ['/data', 'xfs']]) {
      const status = statuses[(step + (path === '/' ? 0 : 3)) % statuses.length];
      const readonly = step % 3 === 0 ? 'true' : step % 3 === 1 ? 'F' : 'false';
      const inodes = 1000 * (step + 1) + (path === '/' ? 7 : 13);
      lines.push(`disk,host=host_0,path=${path},fstype=${fstype} status="${status}",readonly=${readonly},inodes_used=${inodes}i,usage=${milli(step * 12345 + 500)} ${tsNs(step * 600)}`);
    }
  }
  return lines;
}

/** weather: irregular times, sparse fields, series with a tag missing or no tags at all. */
function weatherLines() {
  return [
    `weather,location=us-midwest,station=s1 temperature=82.5,humidity=40i ${tsNs(0)}`,
    `weather,location=us-midwest,station=s1 temperature=81 ${tsNs(7 * 60)}`,
    `weather,location=us-midwest,station=s1 humidity=43i,wind=3.25 ${tsNs(13 * 60)}`,
    `weather,location=us-west,station=s2 temperature=65.125,humidity=70i,wind=12.5 ${tsNs(2 * 60)}`,
    `weather,location=us-west,station=s2 temperature=66.5 ${tsNs(31 * 60)}`,
    `weather,location=us-west temperature=60.0,wind=0.5 ${tsNs(45 * 60)}`,
    `weather,station=s3 humidity=12i ${tsNs(58 * 60)}`,
    `weather temperature=-12.75,humidity=100i,wind=25 ${tsNs(77 * 60)}`,
    `weather,location=us-midwest,station=s1 temperature=79.25,humidity=45i,wind=2.75 ${tsNs(95 * 60)}`,
    `weather,location=us-east,station=s4 temperature=70.5 ${tsNs(110 * 60)}`,
  ];
}

/** Names that need escaping in line protocol and quoting in InfluxQL, and unicode. */
function oddNameLines() {
  return [
    `cpu\\ load,tag\\ key=tag\\ value,eq\\=key=a\\,b field\\ one=1i,field\\=eq=2.5 ${tsNs(60)}`,
    `cpu\\ load,tag\\ key=other field\\ one=3i ${tsNs(120)}`,
    `m\\,comma,t=x v=1i ${tsNs(0)}`,
    `quote"m,t=y v=2i ${tsNs(0)}`,
    `h2o.level,site=coyote_creek water_level=8.12 ${tsNs(0)}`,
    `h2o.level,site=santa_monica water_level=2.064 ${tsNs(360)}`,
    `温度,城市=東京 値=21.5,メモ="晴れ" ${tsNs(0)}`,
    `温度,城市=大阪 値=23.25,メモ="曇り" ${tsNs(600)}`,
    `"quoted",t=z v=5i ${tsNs(0)}`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Database compat, retention policy hourly (INF, 1-hour shard groups): nanosecond timestamps
// with non-zero sub-second digits, a counter that resets, and duplicate times in one batch.

function netLines() {
  const lines = [];
  let recv = 1_000_000_000_000n;
  for (let k = 0; k < 24; k++) {
    // 17-minute steps plus k*1,234,567 ns: spans six 1-hour shard groups.
    const t = tsNs(k * 17 * 60, 123456789n + BigInt(k) * 1234567n);
    recv += BigInt(1000 + k * 37);
    if (k === 12) recv = 500n; // counter reset: non_negative_derivative must skip it
    const sent = 2_000_000n * BigInt(k + 1) + 7n;
    lines.push(`net,host=host_0,iface=eth0 bytes_recv=${recv}i,bytes_sent=${sent}i,err_in=${k % 4}i,drop_rate=${milli(k * 250)} ${t}`);
    if (k % 3 === 0) lines.push(`net,host=host_1,iface=eth1 bytes_recv=${BigInt(k) * 1000n}i,bytes_sent=${BigInt(k) * 2000n}i,err_in=0i ${t}`);
  }
  // Same series and time twice in one batch: the later line wins.
  lines.push(`net,host=host_1,iface=eth1 err_in=41i ${tsNs(0, 123456789n)}`);
  lines.push(`net,host=host_1,iface=eth1 err_in=42i ${tsNs(0, 123456789n)}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Database ops: default retention policy "weekly"; autogen holds different points.

function opsLines(rp) {
  if (rp === 'weekly') {
    return [
      `cpu,hostname=ops_a usage_user=10i,usage_idle=90.5 ${tsNs(0)}`,
      `cpu,hostname=ops_a usage_user=20i,usage_idle=80.25 ${tsNs(600)}`,
      `cpu,hostname=ops_b usage_user=30i,usage_idle=70 ${tsNs(1200)}`,
      `uptime,hostname=ops_a seconds=86400i ${tsNs(0)}`,
    ];
  }
  return [
    `cpu,hostname=ops_old usage_user=1i,usage_idle=99.5 ${tsNs(0)}`,
    `weather,location=arctic temperature=-40.0 ${tsNs(300)}`,
  ];
}

/** The same cpu points at second precision, to check precision handling end to end. */
function precisionLines() {
  return [`cpu,hostname=ops_s usage_user=5i ${T0_S + 30}`, `cpu,hostname=ops_s usage_user=6i ${T0_S + 90}`];
}

/**
 * Steps that build the query data set, in order. `query` steps are POSTed to /query and must
 * answer 200 without an error in any result; `write` steps must answer 204.
 */
export const SETUP_STEPS = [
  { kind: 'query', q: 'CREATE DATABASE compat' },
  { kind: 'query', q: 'CREATE RETENTION POLICY hourly ON compat DURATION INF REPLICATION 1 SHARD DURATION 1h' },
  { kind: 'query', q: 'CREATE RETENTION POLICY tiny ON compat DURATION 1h REPLICATION 1' },
  { kind: 'query', q: 'CREATE DATABASE ops WITH DURATION INF REPLICATION 1 SHARD DURATION 7d NAME weekly' },
  { kind: 'query', q: 'CREATE RETENTION POLICY autogen ON ops DURATION INF REPLICATION 1' },
  { kind: 'query', q: 'CREATE DATABASE empty_db' },
  { kind: 'query', q: 'CREATE DATABASE "odd-db name"' },
  { kind: 'write', db: 'compat', body: cpuLines().join('\n') },
  { kind: 'write', db: 'compat', body: memLines().join('\n') },
  { kind: 'write', db: 'compat', body: diskLines().join('\n') },
  { kind: 'write', db: 'compat', body: weatherLines().join('\n') },
  { kind: 'write', db: 'compat', body: oddNameLines().join('\n') + '\n' },
  { kind: 'write', db: 'compat', rp: 'hourly', body: netLines().join('\n') },
  { kind: 'write', db: 'compat', body: cpuOverwriteLines().join('\n') },
  { kind: 'write', db: 'ops', body: opsLines('weekly').join('\n') },
  { kind: 'write', db: 'ops', rp: 'autogen', body: opsLines('autogen').join('\n') },
  { kind: 'write', db: 'ops', precision: 's', body: precisionLines().join('\n') },
  { kind: 'write', db: 'odd-db name', body: `x,t=1 v=1i ${tsNs(0)}` },
];

// ---------------------------------------------------------------------------------------------
// /write cases: answers of bad (and borderline) writes. They run against their own database,
// `writes`, after WRITE_CASES_SETUP, in this order (later cases may rely on earlier ones).

export const WRITE_CASES_SETUP = [
  { kind: 'query', q: 'CREATE DATABASE writes' },
  { kind: 'query', q: 'CREATE RETENTION POLICY tiny ON writes DURATION 1h REPLICATION 1' },
  { kind: 'write', db: 'writes', body: `typed,host=a i=1i,f=1.5,s="x",b=true ${tsNs(0)}` },
];

/**
 * Each case: id, query string (without the leading '?'), body, optional method and headers.
 * `gzip: true` sends the body gzip-compressed with Content-Encoding: gzip.
 */
export const WRITE_CASES = [
  { id: 'write-ok-single', query: 'db=writes', body: `ok,host=a v=1i ${tsNs(60)}` },
  { id: 'write-empty-body', query: 'db=writes', body: '' },
  { id: 'write-missing-db', query: '', body: `ok v=1i ${tsNs(0)}` },
  { id: 'write-empty-db-param', query: 'db=', body: `ok v=1i ${tsNs(0)}` },
  { id: 'write-unknown-db', query: 'db=no_such_db', body: `ok v=1i ${tsNs(0)}` },
  { id: 'write-unknown-rp', query: 'db=writes&rp=no_such_rp', body: `ok v=1i ${tsNs(0)}` },
  { id: 'write-parse-missing-fields', query: 'db=writes', body: `bad,host=a ${tsNs(0)}` },
  { id: 'write-parse-missing-measurement', query: 'db=writes', body: `,host=a v=1i ${tsNs(0)}` },
  { id: 'write-parse-missing-tag-value', query: 'db=writes', body: `bad,host= v=1i ${tsNs(0)}` },
  { id: 'write-parse-missing-field-value', query: 'db=writes', body: `bad v= ${tsNs(0)}` },
  { id: 'write-parse-bad-timestamp', query: 'db=writes', body: 'bad v=1i 12abc' },
  { id: 'write-parse-timestamp-out-of-range', query: 'db=writes', body: 'bad v=1i 99999999999999999999' },
  { id: 'write-parse-int-out-of-range', query: 'db=writes', body: `bad v=9223372036854775808i ${tsNs(0)}` },
  { id: 'write-parse-unsigned', query: 'db=writes', body: `bad v=1u ${tsNs(0)}` },
  { id: 'write-parse-unquoted-string', query: 'db=writes', body: `bad v=hello ${tsNs(0)}` },
  { id: 'write-parse-unterminated-string', query: 'db=writes', body: `bad v="open ${tsNs(0)}` },
  { id: 'write-parse-nan', query: 'db=writes', body: `bad v=NaN ${tsNs(0)}` },
  { id: 'write-parse-bad-bool', query: 'db=writes', body: `bad v=yes ${tsNs(0)}` },
  { id: 'write-parse-several-bad-lines', query: 'db=writes', body: [`bad1,host=a ${tsNs(0)}`, `bad2 v= ${tsNs(0)}`, 'bad3 v=1i x'].join('\n') },
  {
    id: 'write-partial-parse-error',
    query: 'db=writes',
    body: [`good,host=a v=1i ${tsNs(0)}`, `bad,host=a ${tsNs(0)}`, `good,host=b v=2i ${tsNs(0)}`].join('\n'),
  },
  { id: 'write-type-conflict', query: 'db=writes', body: `typed,host=a i=2.5 ${tsNs(60)}` },
  { id: 'write-type-conflict-string', query: 'db=writes', body: `typed,host=b f="text" ${tsNs(60)}` },
  {
    id: 'write-type-conflict-partial',
    query: 'db=writes',
    body: [`typed,host=c i=3i ${tsNs(120)}`, `typed,host=c i=true ${tsNs(180)}`, `typed,host=c f=4.5 ${tsNs(240)}`].join('\n'),
  },
  { id: 'write-type-conflict-in-batch', query: 'db=writes', body: [`newm v=1i ${tsNs(0)}`, `newm v=1.5 ${tsNs(60)}`].join('\n') },
  { id: 'write-beyond-retention', query: 'db=writes&rp=tiny', body: `old v=1i ${tsNs(0)}` },
  {
    id: 'write-beyond-retention-partial',
    query: 'db=writes&rp=tiny',
    // The second point is at 2^62 ns (year 2116): inside any retention window for decades.
    body: [`old v=1i ${tsNs(0)}`, 'old v=2i 4611686018427387904'].join('\n'),
  },
  { id: 'write-field-named-time', query: 'db=writes', body: `timefield time=1i,v=1i ${tsNs(0)}` },
  { id: 'write-tag-named-time', query: 'db=writes', body: `timetag,time=x v=1i ${tsNs(0)}` },
  { id: 'write-precision-s', query: 'db=writes&precision=s', body: `prec v=1i ${T0_S}` },
  { id: 'write-precision-ms', query: 'db=writes&precision=ms', body: `prec v=2i ${T0_S}000` },
  { id: 'write-precision-u', query: 'db=writes&precision=u', body: `prec v=3i ${T0_S}000000` },
  { id: 'write-precision-h', query: 'db=writes&precision=h', body: `prec v=4i ${T0_S / 3600}` },
  { id: 'write-precision-n', query: 'db=writes&precision=n', body: `prec v=5i ${tsNs(1)}` },
  { id: 'write-precision-unknown', query: 'db=writes&precision=sec', body: `prec v=6i ${T0_S}` },
  { id: 'write-consistency-unknown', query: 'db=writes&consistency=bogus', body: `ok v=1i ${tsNs(0)}` },
  { id: 'write-consistency-all', query: 'db=writes&consistency=all', body: `ok v=1i ${tsNs(0)}` },
  { id: 'write-gzip-ok', query: 'db=writes', body: `gz v=1i ${tsNs(0)}`, gzip: true },
  { id: 'write-gzip-invalid', query: 'db=writes', body: 'this is not gzip', headers: { 'Content-Encoding': 'gzip' } },
  { id: 'write-get-method', query: 'db=writes', body: '', method: 'GET' },
  { id: 'write-crlf-and-comments', query: 'db=writes', body: `# a comment\r\nok,host=c v=7i ${tsNs(0)}\r\n\r\n` },
];

/** SHA-256 of every step and case above: the goldens were recorded from exactly this data. */
export function datasetFingerprint() {
  return createHash('sha256').update(JSON.stringify([SETUP_STEPS, WRITE_CASES_SETUP, WRITE_CASES])).digest('hex');
}
