// Properties over generated input. Every run is reproducible: the seed is printed on failure and
// LINEPROTO_FUZZ_SEED=<n> replays one seed.

import { describe, expect, it } from 'vitest';
import { escapeTagKey } from './escape.js';
import { FieldType } from './field-type.js';
import { parseLines, type ParsedLine } from './parser.js';
import { formatPoint, parseToPoints, type Point } from './point.js';
import { splitSeriesKey } from './series-key.js';
import { prng } from '../../../test/support/prng.js';

const SEEDS = process.env.LINEPROTO_FUZZ_SEED ? [Number(process.env.LINEPROTO_FUZZ_SEED)] : [1, 2, 3, 20240607];
/** Inputs are bounded so a run can never take long; the parser must stay linear within them. */
const RANDOM_BODY_BYTES_MAX = 600;
const RANDOM_BODIES = 1500;
const MUTATED_BODIES = 1500;
const ROUND_TRIP_POINTS = 1500;

function withSeed(seed: number, body: () => void): void {
  try {
    body();
  } catch (err) {
    (err as Error).message = `[seed ${seed}; replay with LINEPROTO_FUZZ_SEED=${seed}] ${(err as Error).message}`;
    throw err;
  }
}

// Bytes that steer the scanner, weighted over plain ones.
const INTERESTING = Buffer.from(' ,=\\"\n\r\t#-+.0123456789eEiutfTFNn\0é', 'utf8');

function randomBody(rand: () => number): Buffer {
  const len = Math.floor(rand() * RANDOM_BODY_BYTES_MAX);
  const out = Buffer.alloc(len);
  for (let k = 0; k < len; k++) {
    const r = rand();
    out[k] = r < 0.6 ? INTERESTING[Math.floor(rand() * INTERESTING.length)]! : r < 0.9 ? 0x61 + Math.floor(rand() * 26) : Math.floor(rand() * 256);
  }
  return out;
}

/** Reads everything a consumer could read, so lazy paths run too. */
function toPoint(line: ParsedLine): Point {
  const tags: Array<[string, string]> = [];
  for (let t = 0; t < line.tagCount; t++) tags.push([line.tagKey(t), line.tagValue(t)]);
  const fields: Point['fields'] = [];
  for (let f = 0; f < line.fieldCount; f++) {
    const type = line.fieldType(f);
    const value =
      type === FieldType.String
        ? line.stringValue(f)
        : type === FieldType.Boolean
          ? line.numberValue(f) === 1
          : type === FieldType.Float
            ? line.numberValue(f)
            : line.intValue(f);
    fields.push([line.fieldKey(f), type, value]);
  }
  const p: Point = { measurement: line.measurement, tags, fields };
  if (line.time !== undefined) p.time = line.time;
  return p;
}

/**
 * Whatever the parser accepts must survive formatPoint → parse unchanged, and so must its key.
 * Returns how many points were accepted.
 */
function checkAccepted(body: Buffer): number {
  const accepted: Array<{ point: Point; key: string; slice: Buffer }> = [];
  let errors = 0;
  const counts = parseLines(body, {
    point(line) {
      expect(line.fieldCount).toBeGreaterThan(0);
      accepted.push({ point: toPoint(line), key: line.seriesKey, slice: Buffer.from(body.subarray(line.lineStart, line.lineEnd)) });
    },
    error(err) {
      errors++;
      expect(err.lineNumber).toBeGreaterThan(0);
      expect(err.message.length).toBeGreaterThan(0);
    },
  });
  expect(counts).toEqual({ points: accepted.length, errors });
  // Parsing again is all series-cache hits for what was accepted: the results must not change.
  const again: Point[] = [];
  parseLines(body, { point: (line) => void again.push(toPoint(line)), error() {} });
  expect(again).toEqual(accepted.map((a) => a.point));
  for (const { point, key, slice } of accepted) {
    const again = parseToPoints(formatPoint(point));
    expect(again.errors).toEqual([]);
    expect(again.points).toEqual([point]);
    const fromSlice = parseToPoints(slice);
    expect(fromSlice.points).toEqual([point]);
    const fromKey = parseToPoints(`${key} v=1`).points[0]!;
    expect([fromKey.measurement, fromKey.tags]).toEqual([point.measurement, point.tags]);
    expect(splitSeriesKey(key)).toEqual({ measurement: point.measurement, tags: point.tags });
  }
  return accepted.length;
}

/** Line-shaped input: the right pieces in roughly the right order, some of them wrong. */
function tokenSoup(rand: () => number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const word = (): string => {
    const len = 1 + Math.floor(rand() * 4);
    let s = '';
    for (let k = 0; k < len; k++) {
      s += rand() < 0.8 ? pick(['a', 'b', 'x', 'é', 't', 'time']) : pick(['\\ ', '\\,', '\\=', '\\\\', '\\', '"', '#', '=', ',', ' ']);
    }
    return s;
  };
  const value = (): string =>
    (rand() < 0.8 ? pick([validValue, validValue, validValue]) : invalidValue)();
  const validValue = (): string =>
    pick([
      () => String(Math.floor((rand() - 0.5) * 1e4)),
      () => `${Math.floor((rand() - 0.5) * 1e6)}i`,
      () => `${Math.floor(rand() * 1e6)}u`,
      () => pick(['1.5', '-.5', '5.', '1e3', '-1.5E-3', '9223372036854775807i', '18446744073709551615u', '1e-400']),
      () => pick(['t', 'F', 'true', 'False', 'TRUE']),
      () => `"${word()}${pick(['', '\\"', '\\\\', '\n', ' '])}"`,
    ])();
  const invalidValue = (): string =>
    pick([
      () => String(Math.floor((rand() - 0.5) * 1e4)),
      () => `${Math.floor((rand() - 0.5) * 1e6)}i`,
      () => `${Math.floor(rand() * 1e6)}u`,
      () => pick(['1.5', '-.5', '5.', '1e3', '-1.5E-3', '1e', '.', '-', '9223372036854775808i', '18446744073709551616u', '1e400']),
      () => pick(['t', 'F', 'true', 'False', 'TRUE', 'tru', 'x']),
      () => `"${word()}${pick(['', '\\"', '\\\\', '\n'])}"`,
      () => `"${word()}`,
      () => '',
    ])();
  const lines: string[] = [];
  const n = 1 + Math.floor(rand() * 4);
  for (let l = 0; l < n; l++) {
    let line = rand() < 0.1 ? '# ' : rand() < 0.1 ? '  ' : '';
    line += pick(['cpu', 'mem', 'disk', word()]);
    const tags = Math.floor(rand() * 4);
    for (let t = 0; t < tags; t++) line += `,${pick(['host', 'region', 'rack', 'time', word()])}=${pick(['a', 'b', 'c', word()])}`;
    line += rand() < 0.9 ? ' ' : pick(['  ', ' \t', '\t', '']);
    const fields = rand() < 0.95 ? 1 + Math.floor(rand() * 3) : 0;
    for (let f = 0; f < fields; f++) {
      const sep = f === 0 ? '' : rand() < 0.95 ? ',' : pick([' ', '', ',,']);
      line += `${sep}${pick(['value', 'v', 'w', 'time', word()])}=${value()}`;
    }
    if (rand() < 0.6) line += ` ${pick(['1', '-1', '1465839830100400200', '9223372036854775807', '-', 'x', String(Math.floor(rand() * 1e12))])}`;
    if (rand() < 0.1) line += pick([' ', '\r', ' x']);
    lines.push(line);
  }
  return Buffer.from(lines.join(pick(['\n', '\r\n', '\n\n'])));
}

describe('random input', () => {
  it.each(SEEDS)('never throws, counts every line, and what parses round-trips (seed %i)', (seed) => {
    withSeed(seed, () => {
      const rand = prng(seed);
      let accepted = 0;
      for (let n = 0; n < RANDOM_BODIES; n++) {
        accepted += checkAccepted(rand() < 0.3 ? randomBody(rand) : tokenSoup(rand));
      }
      // The round-trip property means something only if a fair share of lines parses.
      expect(accepted).toBeGreaterThan(RANDOM_BODIES / 4);
    });
  });
});

// ---- generated valid points ----

const NAME_ALPHABET = ['a', 'b', 'z', 'A', 'Q', '0', '9', '_', '-', '.', ' ', ',', '=', '\\', '"', '#', '\t', '\r', 'é', '北', '😀', 't', 'i', 'm', 'e'];

function randomName(rand: () => number, maxLength: number): string {
  const len = 1 + Math.floor(rand() * maxLength);
  let s = '';
  for (let k = 0; k < len; k++) s += NAME_ALPHABET[Math.floor(rand() * NAME_ALPHABET.length)];
  return s;
}

function randomString(rand: () => number): string {
  const len = Math.floor(rand() * 12);
  let s = '';
  for (let k = 0; k < len; k++) {
    const r = rand();
    s += r < 0.1 ? '\n' : r < 0.2 ? '\\' : r < 0.3 ? '"' : NAME_ALPHABET[Math.floor(rand() * NAME_ALPHABET.length)];
  }
  return s;
}

function randomFloat(rand: () => number): number {
  const r = rand();
  if (r < 0.1) return [0, -0, 5e-324, -5e-324, 1.7976931348623157e308, -1.7976931348623157e308, 0.1, 1e21, 1e-7][Math.floor(rand() * 9)]!;
  if (r < 0.4) return Math.round((rand() - 0.5) * 1e6) / 100;
  // Any finite double: random bits.
  const view = new DataView(new ArrayBuffer(8));
  for (;;) {
    view.setUint32(0, Math.floor(rand() * 2 ** 32));
    view.setUint32(4, Math.floor(rand() * 2 ** 32));
    const v = view.getFloat64(0);
    if (Number.isFinite(v)) return v;
  }
}

function randomBigInt(rand: () => number, bits: number): bigint {
  let v = 0n;
  for (let k = 0; k < bits; k += 16) v = (v << 16n) | BigInt(Math.floor(rand() * 65536));
  return v & ((1n << BigInt(bits)) - 1n);
}

/** Integers as the parser returns them: a number when safe, else a bigint. */
function asParsed(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

function randomInt64(rand: () => number): bigint {
  const r = rand();
  if (r < 0.15) return [-(1n << 63n), (1n << 63n) - 1n, 0n, -1n, 9007199254740992n, -9007199254740993n][Math.floor(rand() * 6)]!;
  if (r < 0.5) return BigInt(Math.floor((rand() - 0.5) * 2000));
  return randomBigInt(rand, 64) - (1n << 63n);
}

function randomField(rand: () => number, key: string): Point['fields'][number] {
  switch (Math.floor(rand() * 5)) {
    case 0:
      return [key, FieldType.Float, randomFloat(rand)];
    case 1:
      return [key, FieldType.Integer, asParsed(randomInt64(rand))];
    case 2: {
      const v = rand() < 0.2 ? (1n << 64n) - 1n : rand() < 0.5 ? BigInt(Math.floor(rand() * 1000)) : randomBigInt(rand, 64);
      return [key, FieldType.Unsigned, asParsed(v)];
    }
    case 3:
      return [key, FieldType.Boolean, rand() < 0.5];
    default:
      return [key, FieldType.String, randomString(rand)];
  }
}

const TIME_MAX = 9223372036854775806n;

function randomPoint(rand: () => number): Point {
  let measurement = randomName(rand, 8);
  if (/^[#\t\0]/.test(measurement)) measurement = `m${measurement}`;
  const tagKeys = new Set<string>();
  const tags: Array<[string, string]> = [];
  const tagN = Math.floor(rand() * 5);
  for (let t = 0; t < tagN; t++) {
    const key = randomName(rand, 5);
    if (key === 'time' || tagKeys.has(key)) continue;
    tagKeys.add(key);
    tags.push([key, randomName(rand, 6)]);
  }
  // InfluxDB's order: by the escaped key, byte for byte.
  tags.sort((a, b) => Buffer.compare(Buffer.from(escapeTagKey(a[0])), Buffer.from(escapeTagKey(b[0]))));
  const fieldKeys = new Set<string>();
  const fields: Point['fields'] = [];
  const fieldN = 1 + Math.floor(rand() * 5);
  for (let f = 0; f < fieldN; f++) {
    let key = randomName(rand, 6);
    if (fields.length === 0 && /^[\t\0]/.test(key)) key = `f${key}`;
    if (key === 'time' || fieldKeys.has(key)) continue;
    fieldKeys.add(key);
    fields.push(randomField(rand, key));
  }
  if (fields.length === 0) fields.push(['value', FieldType.Float, 1]);
  const p: Point = { measurement, tags, fields };
  if (rand() < 0.7) {
    const r = rand();
    p.time = r < 0.1 ? (rand() < 0.5 ? TIME_MAX : -TIME_MAX) : (randomBigInt(rand, 64) % (TIME_MAX + 1n)) * (rand() < 0.3 ? -1n : 1n);
  }
  return p;
}

describe('generated valid points', () => {
  it.each(SEEDS)('round-trip exactly through formatPoint and parseToPoints (seed %i)', (seed) => {
    withSeed(seed, () => {
      const rand = prng(seed);
      const points: Point[] = [];
      for (let n = 0; n < ROUND_TRIP_POINTS; n++) {
        const p = randomPoint(rand);
        const text = formatPoint(p);
        const parsed = parseToPoints(text);
        expect(parsed.errors, text).toEqual([]);
        expect(parsed.points, text).toEqual([p]);
        let key = '';
        parseLines(Buffer.from(text), { point: (line) => void (key = line.seriesKey), error() {} });
        expect(splitSeriesKey(key), text).toEqual({ measurement: p.measurement, tags: p.tags });
        points.push(p);
      }
      // The same points as one body, with CRLF and comments in between, parse the same.
      const body = points.map((p, k) => (k % 7 === 0 ? `# comment ${k}\r\n` : '') + formatPoint(p)).join('\r\n');
      const all = parseToPoints(body);
      expect(all.errors).toEqual([]);
      expect(all.points).toEqual(points);
    });
  });

  it.each(SEEDS)('survive random mutation without throwing or hanging (seed %i)', (seed) => {
    withSeed(seed, () => {
      const rand = prng(seed);
      let accepted = 0;
      for (let n = 0; n < MUTATED_BODIES; n++) {
        const lines = [formatPoint(randomPoint(rand)), formatPoint(randomPoint(rand)), formatPoint(randomPoint(rand))];
        const bytes = [...Buffer.from(lines.join('\n'))];
        const edits = 1 + Math.floor(rand() * 4);
        for (let e = 0; e < edits && bytes.length > 0; e++) {
          const at = Math.floor(rand() * bytes.length);
          const r = rand();
          const b = INTERESTING[Math.floor(rand() * INTERESTING.length)]!;
          if (r < 0.4) bytes.splice(at, 1);
          else if (r < 0.7) bytes.splice(at, 0, b);
          else bytes[at] = b;
        }
        accepted += checkAccepted(Buffer.from(bytes));
      }
      expect(accepted).toBeGreaterThan(MUTATED_BODIES);
    });
  });
});

describe('linear time on adversarial input', () => {
  it('an unclosed quote on every line does not rescan the rest of the body for each line', () => {
    const body = Buffer.from('cpu v="x\\"\n'.repeat(20000));
    const started = process.hrtime.bigint();
    const { points, errors } = parseLines(body, { point: () => {}, error: () => {} });
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(points + errors).toBe(20000);
    // Quadratic behaviour would take minutes here; linear takes milliseconds.
    expect(elapsedMs).toBeLessThan(5000);
  });
});
