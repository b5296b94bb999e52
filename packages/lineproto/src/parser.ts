// The line-protocol parser: one pass over the request body, no copy of it, no object per field.
//
// Every line is scanned into offsets kept in reused typed arrays; strings (measurement, keys,
// values) are decoded only when the visitor asks for them. The order of the checks follows
// InfluxDB 1.x (models/points.go: scanKey, scanFields, scanNumber, scanTime) so a bad line gets
// the reason InfluxDB would give. docs/line-protocol.md lists where we differ on purpose.

import { FieldType } from './field-type.js';
import { INT64_MAX, INT64_MIN, MAX_TIME_NS, MIN_TIME_NS, UINT64_MAX } from './int64.js';
import {
  escapeMeasurement,
  escapeTagKey,
  escapeTagValue,
  unescapeFieldKey,
  unescapeMeasurement,
  unescapeStringField,
  unescapeTag,
} from './escape.js';
import { type Precision, precisionMultiplierNs } from './precision.js';

/** One parsed line. The parser REUSES one instance for every line: copy what you keep. */
export interface ParsedLine {
  /** Unescaped. */
  readonly measurement: string;
  /** Canonical key: escaped measurement then `,key=value` pairs sorted by key, escaped. */
  readonly seriesKey: string;
  readonly tagCount: number;
  /** Unescaped, sorted by key. */
  tagKey(i: number): string;
  /** Unescaped. */
  tagValue(i: number): string;
  /** After duplicate removal (last wins) and dropping a `time` field. */
  readonly fieldCount: number;
  /** Unescaped; fields in order of first appearance. */
  fieldKey(i: number): string;
  fieldType(i: number): FieldType;
  /** Float, Boolean (1/0), and Integer/Unsigned values that are safe JS integers. */
  numberValue(i: number): number;
  /** Integer/Unsigned as number when |v| <= Number.MAX_SAFE_INTEGER, else exact bigint. */
  intValue(i: number): number | bigint;
  /** String fields, unescaped. */
  stringValue(i: number): string;
  /** Nanoseconds since epoch after precision scaling, or undefined when the line had no timestamp. */
  readonly time: bigint | undefined;
  /** The raw line text (for error messages); may allocate. */
  lineText(): string;
  /**
   * Byte offsets of the line in the body: [lineStart, lineEnd) is the line without leading blanks
   * and without its CR/LF (it can hold newlines inside a string value). Parsing that slice alone
   * gives the same point, so writers can log accepted lines without re-serializing them.
   */
  readonly lineStart: number;
  readonly lineEnd: number;
}

export interface LineError {
  /** 1-based. */
  readonly lineNumber: number;
  /** parse = "unable to parse ..."; invalid = time tag/field rules. */
  readonly kind: 'parse' | 'invalid';
  /** Full InfluxDB wording, e.g. "unable to parse 'cpu value=': missing field value". */
  readonly message: string;
}

export interface LineVisitor {
  point(line: ParsedLine, lineNumber: number): void;
  error(err: LineError): void;
}

export interface ParseOptions {
  precision?: Precision;
}

/** InfluxDB's bound on a series key (measurement and tags as written) and on key + field key. */
export const MAX_KEY_BYTES = 65535;

// Bytes that matter to the scanner.
const NUL = 0x00;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const HASH = 0x23;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const EQUALS = 0x3d;
const UPPER_E = 0x45;
const UPPER_F = 0x46;
const UPPER_N = 0x4e;
const UPPER_T = 0x54;
const BACKSLASH = 0x5c;
const LOWER_E = 0x65;
const LOWER_F = 0x66;
const LOWER_I = 0x69;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const LOWER_U = 0x75;

// Classes of bytes inside measurement names, tag keys/values and field keys. Plain bytes are 0 so
// the inner loops test a single table load against zero.
const K_PLAIN = 0;
const K_COMMA = 1;
const K_SPACE = 2;
const K_EQUALS = 3;
const K_BACKSLASH = 4;
const K_HIGH = 5; // >= 0x80: the text is UTF-8, not ASCII
const KEY_CLASS = new Uint8Array(256);
KEY_CLASS[COMMA] = K_COMMA;
KEY_CLASS[SPACE] = K_SPACE;
KEY_CLASS[EQUALS] = K_EQUALS;
KEY_CLASS[BACKSLASH] = K_BACKSLASH;
KEY_CLASS.fill(K_HIGH, 0x80);

// InfluxDB's reasons, word for word.
const R_MISSING_MEASUREMENT = 'missing measurement';
const R_MISSING_FIELDS = 'missing fields';
const R_MISSING_TAG_KEY = 'missing tag key';
const R_MISSING_TAG_VALUE = 'missing tag value';
const R_INVALID_TAG_FORMAT = 'invalid tag format';
const R_DUPLICATE_TAGS = 'duplicate tags';
const R_MISSING_FIELD_KEY = 'missing field key';
const R_MISSING_FIELD_VALUE = 'missing field value';
const R_INVALID_FIELD_FORMAT = 'invalid field format';
const R_INVALID_NUMBER = 'invalid number';
const R_INVALID_FLOAT = 'invalid float';
const R_INVALID_BOOLEAN = 'invalid boolean';
const R_UNBALANCED_QUOTES = 'unbalanced quotes';
const R_BAD_TIMESTAMP = 'bad timestamp';
const R_POINT_IS_INVALID = 'point is invalid';
const R_TIME_OUTSIDE_RANGE = `time outside range ${MIN_TIME_NS} - ${MAX_TIME_NS}`;

// Timestamps are split into hi * 1e9 + lo so both halves stay exact doubles.
const TS_SPLIT = 1e9;
const TS_SPLIT_BIG = 1_000_000_000n;
// |int64| bounds, split: 9223372036|854775807 (max) and 9223372036|854775808 (|min|).
const I64_HI = 9223372036;
const I64_MAX_LO = 854775807;
const I64_MIN_LO = 854775808;
// Points must lie in [MIN_TIME_NS, MAX_TIME_NS] = [-9223372036854775806, 9223372036854775806].
const TIME_MAX_LO = 854775806;

/** Exact powers of ten for the fast float path (10^22 is the largest exactly representable). */
const POW10 = new Float64Array(23);
for (let k = 0, p = 1; k < 23; k++, p *= 10) POW10[k] = p;
/** Significant digits that always fit a double's 53-bit mantissa exactly (10^15 < 2^53). */
const EXACT_DIGITS_MAX = 15;

/** Field-key interning: direct-mapped cache, keyed by a hash of the raw bytes. */
const INTERN_SLOTS = 1024;
/** Above this many fields, duplicate detection uses a Map instead of the bucket table. */
const BUCKET_DEDUPE_FIELDS_MAX = 64;
/** Buckets of the per-line field-key table (hash → first field in the bucket). */
const DEDUPE_BUCKETS = 256;
/** Per-line stamps of that table restart here (they are kept in an Int32Array). */
export const DEDUPE_STAMP_MAX = 0x7fff_fff0;
/**
 * Series-key cache (exported for tests only): direct-mapped, keyed by the measurement and tags exactly as written. Series
 * repeat from line to line, so a hit skips sorting, copying and decoding the key, and hands the
 * consumer the same string object every time (its hash is then computed once, not per line).
 */
export const SERIES_CACHE_SLOTS = 8192;
/**
 * Raw bytes of cached keys live in one arena of fixed-size slots (2 MiB), so caching a key
 * allocates nothing; a longer key gets a buffer of its own.
 */
const SERIES_SLOT_BYTES = 256;

type FastBuffer = Buffer & {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
};

function toFastBuffer(body: Uint8Array): FastBuffer {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return buf as FastBuffer;
}

function isLineSpace(c: number): boolean {
  // InfluxDB's skipWhitespace: space, tab and NUL.
  return c === SPACE || c === TAB || c === NUL;
}

function compareBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const la = ae - as;
  const lb = be - bs;
  const n = la < lb ? la : lb;
  for (let k = 0; k < n; k++) {
    const d = a[as + k]! - b[bs + k]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

/** Orders strings by their UTF-8 bytes (Go's bytes.Compare), not by UTF-16 code units. */
function compareUtf8(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let k = 0; k < n; k++) {
    const ca = a.charCodeAt(k);
    const cb = b.charCodeAt(k);
    if (ca === cb) continue;
    // Surrogates (astral code points) sort after every other BMP unit in UTF-8.
    const sa = ca >= 0xd800 && ca <= 0xdfff ? ca + 0x2000 : ca;
    const sb = cb >= 0xd800 && cb <= 0xdfff ? cb + 0x2000 : cb;
    return sa < sb ? -1 : 1;
  }
  return a.length - b.length;
}

class Interner {
  private readonly bytes: Array<Uint8Array | undefined> = new Array(INTERN_SLOTS).fill(undefined);
  private readonly strings: string[] = new Array(INTERN_SLOTS).fill('');

  /** Returns the string stored for these raw bytes, decoding (with `decode`) only on a miss. */
  get(buf: FastBuffer, s: number, e: number, hash: number, decode: (raw: string) => string): string {
    const slot = hash & (INTERN_SLOTS - 1);
    const known = this.bytes[slot];
    const len = e - s;
    if (known !== undefined && known.length === len) {
      let k = 0;
      while (k < len && known[k] === buf[s + k]) k++;
      if (k === len) return this.strings[slot]!;
    }
    const str = decode(buf.utf8Slice(s, e));
    const copy = new Uint8Array(len);
    for (let k = 0; k < len; k++) copy[k] = buf[s + k]!;
    this.bytes[slot] = copy;
    this.strings[slot] = str;
    return str;
  }
}

/**
 * A 32-bit hash of raw bytes for the caches. Two independent lanes of h*31+c (shift and subtract,
 * no multiply) keep the dependency chains short; a final multiply mixes them. Not for adversaries:
 * a collision only costs a cache miss, since every hit is confirmed byte for byte.
 */
export function hashBytes(buf: Uint8Array, s: number, e: number): number {
  let a = 0;
  let b = 0;
  let k = s;
  for (; k + 1 < e; k += 2) {
    a = ((a << 5) - a + buf[k]!) | 0;
    b = ((b << 5) - b + buf[k + 1]!) | 0;
  }
  if (k < e) a = ((a << 5) - a + buf[k]!) | 0;
  return Math.imul(a ^ (e - s), 0x9e3779b1) ^ b;
}

const identity = (s: string): string => s;

/**
 * Scans lines and serves as the ParsedLine handed to the visitor. Internal (exported for tests):
 * one instance is kept per module and reused across calls.
 */
export class LineParser implements ParsedLine {
  private buf: FastBuffer = Buffer.alloc(0) as FastBuffer;
  private bodyEnd = 0;

  // The current line: [lineStart, lineEnd) without leading blanks, CR or LF.
  private textStart = 0;
  private textEnd = 0;
  /** Index of the LF that ends the line (or bodyEnd); moves on when a string spans lines. */
  private lineBreak = 0;
  /** Newlines crossed inside multi-line string values of the current line. */
  private innerNewlines = 0;
  /** Strings may span lines only when they start at or after this offset (see parseBody). */
  private multilineFrom = 0;
  private multilineUsed = false;
  /** Furthest offset a multi-line string scan looked at. */
  private multilineReach = 0;

  private reason = '';

  // Measurement and tags: [keyStart, keyEnd) is the series key as written.
  private keyStart = 0;
  private measurementEnd = 0;
  private keyEnd = 0;
  private keyEscaped = false;
  private keyHigh = false;
  private tagN = 0;
  private tagKeyStart = new Int32Array(16);
  private tagKeyEnd = new Int32Array(16);
  private tagValueEnd = new Int32Array(16);
  /** Sorted position → index in input order; computed lazily on a series-cache hit. */
  private tagOrder = new Int32Array(16);
  private tagsInInputOrder = true;
  private tagOrderPending = false;
  private keyHash = 0;
  /** Decoded tags when the key has escapes, in sorted order. */
  private tagKeyText: string[] = [];
  private tagValueText: string[] = [];

  // Fields, in input order ("raw" index); fieldSlot maps visible index → raw index.
  private rawFieldN = 0;
  private visibleFieldN = 0;
  private fieldsEscaped = false;
  private fieldKeyStart = new Int32Array(16);
  private fieldKeyEnd = new Int32Array(16);
  private fieldKeyHash = new Int32Array(16);
  private fieldKeyEscaped = new Uint8Array(16);
  private fieldTypes = new Uint8Array(16);
  private fieldNumber = new Float64Array(16);
  private fieldIsBig = new Uint8Array(16);
  private fieldBig: bigint[] = [];
  private fieldValueStart = new Int32Array(16);
  private fieldValueEnd = new Int32Array(16);
  private fieldValueEscaped = new Uint8Array(16);
  private fieldSlot = new Int32Array(16);

  private timeNs: bigint | undefined = undefined;
  private multiplier = 1n;
  private multiplierNumber = 1;

  // Lazily decoded per line.
  private measurementText: string | undefined = undefined;
  private seriesKeyText: string | undefined = undefined;

  private readonly fieldKeys = new Interner();
  private readonly seriesArena = Buffer.alloc(SERIES_CACHE_SLOTS * SERIES_SLOT_BYTES);
  /** Byte length of each slot's key; -1 for an empty slot. */
  private readonly seriesLength = new Int32Array(SERIES_CACHE_SLOTS).fill(-1);
  /** Keys longer than SERIES_SLOT_BYTES, by slot. */
  private readonly seriesLong: Array<Buffer | undefined> = new Array(SERIES_CACHE_SLOTS).fill(undefined);
  private readonly seriesText: string[] = new Array(SERIES_CACHE_SLOTS).fill('');
  private readonly seriesMeasurement: string[] = new Array(SERIES_CACHE_SLOTS).fill('');
  private readonly seriesMeasurementBytes = new Int32Array(SERIES_CACHE_SLOTS);
  private readonly seriesTagN = new Int32Array(SERIES_CACHE_SLOTS);
  private readonly seriesHigh = new Uint8Array(SERIES_CACHE_SLOTS);
  /** The key matched the series cache without being scanned: tag offsets are not filled in yet. */
  private keyFromCache = false;
  // A cache lookup that missed, so scanKey neither hashes nor looks up the same bytes again.
  private probeStart = -1;
  private probeEnd = -1;
  private probeHash = 0;
  // Next space / backslash at or after the current line, found with indexOf and reused until the
  // line start passes them, so searching stays linear in the body.
  private nextSpace = -1;
  private nextBackslash = -1;
  private readonly dedupeStamp = new Int32Array(DEDUPE_BUCKETS);
  private readonly dedupeFirst = new Int32Array(DEDUPE_BUCKETS);
  private dedupeLine = 0;
  private readonly tagKeys = new Interner();
  private readonly measurements = new Interner();
  private scratch = Buffer.alloc(1024) as FastBuffer;

  // Timestamps repeat across lines of a batch: reuse the last bigint when the digits match.
  private lastTimeNeg = false;
  private lastTimeHi = -1;
  private lastTimeLo = -1;
  private lastTime = 0n;
  private lastHi = -1;
  private lastHiScaled = 0n;

  // ---- ParsedLine ----

  get measurement(): string {
    if (this.measurementText === undefined) {
      const s = this.keyStart;
      const e = this.measurementEnd;
      this.measurementText = this.keyEscaped
        ? unescapeMeasurement(this.buf.utf8Slice(s, e))
        : this.measurements.get(this.buf, s, e, hashBytes(this.buf, s, e), identity);
    }
    return this.measurementText;
  }

  get seriesKey(): string {
    if (this.seriesKeyText === undefined) this.seriesKeyText = this.buildSeriesKey();
    return this.seriesKeyText;
  }

  get tagCount(): number {
    return this.tagN;
  }

  tagKey(i: number): string {
    this.checkIndex(i, this.tagN);
    if (this.tagOrderPending) this.orderTagsLate();
    if (this.keyEscaped) return this.tagKeyText[i]!;
    const t = this.tagOrder[i]!;
    const s = this.tagKeyStart[t]!;
    const e = this.tagKeyEnd[t]!;
    return this.tagKeys.get(this.buf, s, e, hashBytes(this.buf, s, e), identity);
  }

  tagValue(i: number): string {
    this.checkIndex(i, this.tagN);
    if (this.tagOrderPending) this.orderTagsLate();
    if (this.keyEscaped) return this.tagValueText[i]!;
    const t = this.tagOrder[i]!;
    return this.decode(this.tagKeyEnd[t]! + 1, this.tagValueEnd[t]!, this.keyHigh);
  }

  get fieldCount(): number {
    return this.visibleFieldN;
  }

  fieldKey(i: number): string {
    this.checkIndex(i, this.visibleFieldN);
    return this.rawFieldKey(this.fieldSlot[i]!);
  }

  fieldType(i: number): FieldType {
    this.checkIndex(i, this.visibleFieldN);
    return this.fieldTypes[this.fieldSlot[i]!] as FieldType;
  }

  numberValue(i: number): number {
    this.checkIndex(i, this.visibleFieldN);
    return this.fieldNumber[this.fieldSlot[i]!]!;
  }

  intValue(i: number): number | bigint {
    this.checkIndex(i, this.visibleFieldN);
    const f = this.fieldSlot[i]!;
    return this.fieldIsBig[f] === 1 ? this.fieldBig[f]! : this.fieldNumber[f]!;
  }

  stringValue(i: number): string {
    this.checkIndex(i, this.visibleFieldN);
    const f = this.fieldSlot[i]!;
    if (this.fieldTypes[f] !== FieldType.String) {
      throw new TypeError(`field ${i} is not a string field`);
    }
    const raw = this.buf.utf8Slice(this.fieldValueStart[f]!, this.fieldValueEnd[f]!);
    return this.fieldValueEscaped[f] === 1 ? unescapeStringField(raw) : raw;
  }

  get time(): bigint | undefined {
    return this.timeNs;
  }

  lineText(): string {
    return this.buf.utf8Slice(this.textStart, this.textEnd);
  }

  get lineStart(): number {
    return this.textStart;
  }

  get lineEnd(): number {
    return this.textEnd;
  }

  // ---- driving ----

  parseBody(body: Uint8Array, visitor: LineVisitor, precision: Precision): { points: number; errors: number } {
    const buf = toFastBuffer(body);
    this.buf = buf;
    this.bodyEnd = buf.length;
    this.multiplier = precisionMultiplierNs(precision);
    this.multiplierNumber = Number(this.multiplier);
    this.multilineFrom = 0;
    this.lastTimeHi = -1;
    this.lastHi = -1;
    this.nextSpace = -1;
    this.nextBackslash = -1;
    this.probeStart = -1;
    let points = 0;
    let errors = 0;
    let lineNumber = 1;
    let pos = 0;
    const bodyEnd = this.bodyEnd;
    try {
      while (pos < bodyEnd) {
        const nl = buf.indexOf(LF, pos);
        const lineBreak = nl < 0 ? bodyEnd : nl;
        let s = pos;
        while (s < lineBreak && isLineSpace(buf[s]!)) s++;
        let e = lineBreak;
        if (e > s && buf[e - 1] === CR) e--;
        if (s >= e || buf[s] === HASH) {
          // Blank line or comment.
          pos = lineBreak + 1;
          lineNumber++;
          continue;
        }
        let ok = this.parseLine(s, e, lineBreak, s >= this.multilineFrom);
        if (!ok && this.multilineUsed) {
          // A string value ran over the end of the line and the point failed anyway: blame the
          // first line alone and resume on the next one, as if strings could not span lines.
          // Lines up to the furthest offset scanned must not try that again (keeps parsing linear).
          if (this.multilineReach > this.multilineFrom) this.multilineFrom = this.multilineReach;
          ok = this.parseLine(s, e, lineBreak, false);
        }
        if (ok) {
          ok = this.checkTimeRules(lineNumber, visitor);
          if (ok) {
            points++;
            visitor.point(this, lineNumber);
          } else {
            errors++;
          }
        } else {
          errors++;
          visitor.error({
            lineNumber,
            kind: 'parse',
            message: `unable to parse '${buf.utf8Slice(s, this.textEnd)}': ${this.reason}`,
          });
        }
        pos = this.lineBreak + 1;
        lineNumber += 1 + this.innerNewlines;
      }
    } finally {
      // Do not keep the request body alive between calls.
      this.buf = Buffer.alloc(0) as FastBuffer;
      this.measurementText = undefined;
      this.seriesKeyText = undefined;
      this.fieldBig.length = 0;
    }
    return { points, errors };
  }

  /** InfluxDB's shard rules on `time`: a tag named time rejects the point, fields named time are dropped. */
  private checkTimeRules(lineNumber: number, visitor: LineVisitor): boolean {
    const buf = this.buf;
    // A cached key was only cached after passing this check.
    const tagN = this.keyFromCache ? 0 : this.tagN;
    for (let t = 0; t < tagN; t++) {
      const s = this.tagKeyStart[t]!;
      if (
        this.tagKeyEnd[t]! - s === 4 &&
        buf[s] === LOWER_T &&
        buf[s + 1] === LOWER_I &&
        buf[s + 2] === 0x6d &&
        buf[s + 3] === LOWER_E
      ) {
        visitor.error({
          lineNumber,
          kind: 'invalid',
          message: `invalid tag key: input tag "time" on measurement "${this.measurement}" is invalid`,
        });
        return false;
      }
    }
    if (this.visibleFieldN === 0) {
      visitor.error({
        lineNumber,
        kind: 'invalid',
        message: `invalid field name: input field "time" on measurement "${this.measurement}" is invalid`,
      });
      return false;
    }
    return true;
  }

  // ---- one line ----

  /**
   * Parses [s, e); lineBreak is the LF after it (or the end of the body). Returns false with
   * `reason` set when the line is malformed.
   */
  private parseLine(s: number, e: number, lineBreak: number, allowMultiline: boolean): boolean {
    this.textStart = s;
    this.textEnd = e;
    this.lineBreak = lineBreak;
    this.innerNewlines = 0;
    this.multilineUsed = false;
    this.measurementText = undefined;
    this.seriesKeyText = undefined;
    this.timeNs = undefined;
    this.tagN = 0;
    this.rawFieldN = 0;
    this.visibleFieldN = 0;
    this.keyFromCache = false;

    let i = this.knownKey(s, e);
    if (i < 0) i = this.scanKey(s, e);
    if (i < 0) return false;
    if (i - s > MAX_KEY_BYTES) return this.fail(`max key length exceeded: ${i - s} > ${MAX_KEY_BYTES}`);
    i = this.scanFields(i, allowMultiline);
    if (i < 0) return false;
    e = this.textEnd; // a multi-line string moves the end of the line
    return this.scanTime(i, e);
  }

  private fail(reason: string): false {
    this.reason = reason;
    return false;
  }

  /**
   * The fast path for a series seen before: without a backslash, the key is exactly the bytes up
   * to the first space, so hash and compare those with the series cache and skip scanning them.
   * Returns the offset of that space on a hit, or -1.
   */
  private knownKey(s: number, e: number): number {
    const buf = this.buf;
    if (this.nextSpace < s) {
      const p = buf.indexOf(SPACE, s);
      this.nextSpace = p < 0 ? this.bodyEnd : p;
    }
    const end = this.nextSpace;
    if (end >= e) return -1;
    if (this.nextBackslash < s) {
      const p = buf.indexOf(BACKSLASH, s);
      this.nextBackslash = p < 0 ? this.bodyEnd : p;
    }
    if (this.nextBackslash < end) return -1;
    const hash = hashBytes(buf, s, end);
    const slot = hash & (SERIES_CACHE_SLOTS - 1);
    if (!this.isCached(slot, s, end)) {
      this.probeStart = s;
      this.probeEnd = end;
      this.probeHash = hash;
      return -1;
    }
    this.keyStart = s;
    this.keyEnd = end;
    this.keyHash = hash;
    this.measurementEnd = s + this.seriesMeasurementBytes[slot]!;
    this.tagN = this.seriesTagN[slot]!;
    this.keyEscaped = false;
    this.keyHigh = this.seriesHigh[slot] === 1;
    this.seriesKeyText = this.seriesText[slot]!;
    this.measurementText = this.seriesMeasurement[slot]!;
    this.tagOrderPending = true;
    this.keyFromCache = true;
    return end;
  }

  /** Measurement and tags. Returns the offset of the space before the fields, or -1. */
  private scanKey(s: number, e: number): number {
    const buf = this.buf;
    this.keyStart = s;
    let escaped = false;
    let high = false;
    let i = s;
    if (buf[i] === COMMA) {
      this.reason = R_MISSING_MEASUREMENT;
      return -1;
    }
    let k = 0;
    for (;;) {
      if (i >= e) {
        this.reason = R_MISSING_FIELDS;
        return -1;
      }
      k = KEY_CLASS[buf[i]!]!;
      if (k === K_PLAIN || k === K_EQUALS) {
        i++;
      } else if (k === K_COMMA || k === K_SPACE) {
        break;
      } else if (k === K_BACKSLASH) {
        escaped = true;
        i += 2;
      } else {
        high = true;
        i++;
      }
    }
    this.measurementEnd = i;

    let n = 0;
    while (k === K_COMMA) {
      i++;
      // Tag key: must not start with a delimiter; ends at an unescaped '='.
      if (i >= e) {
        this.reason = R_MISSING_TAG_KEY;
        return -1;
      }
      let c = buf[i]!;
      if (c === SPACE || c === COMMA || c === EQUALS) {
        this.reason = R_MISSING_TAG_KEY;
        return -1;
      }
      const keyStart = i;
      for (;;) {
        if (i >= e) {
          this.reason = R_MISSING_TAG_VALUE;
          return -1;
        }
        k = KEY_CLASS[buf[i]!]!;
        if (k === K_PLAIN) {
          i++;
        } else if (k === K_EQUALS) {
          break;
        } else if (k === K_COMMA || k === K_SPACE) {
          this.reason = R_MISSING_TAG_VALUE;
          return -1;
        } else if (k === K_BACKSLASH) {
          escaped = true;
          i += 2;
        } else {
          high = true;
          i++;
        }
      }
      const keyEnd = i;
      i++;
      // Tag value: must not be empty; InfluxDB lets its first byte be '=', later ones not.
      if (i >= e) {
        this.reason = R_MISSING_TAG_VALUE;
        return -1;
      }
      c = buf[i]!;
      if (c === COMMA || c === SPACE) {
        this.reason = R_MISSING_TAG_VALUE;
        return -1;
      }
      if (c === BACKSLASH) {
        escaped = true;
        i += 2;
      } else {
        if (c >= 0x80) high = true;
        i++;
      }
      for (;;) {
        if (i >= e) {
          this.reason = R_MISSING_FIELDS;
          return -1;
        }
        k = KEY_CLASS[buf[i]!]!;
        if (k === K_PLAIN) {
          i++;
        } else if (k === K_COMMA || k === K_SPACE) {
          break;
        } else if (k === K_EQUALS) {
          this.reason = R_INVALID_TAG_FORMAT;
          return -1;
        } else if (k === K_BACKSLASH) {
          escaped = true;
          i += 2;
        } else {
          high = true;
          i++;
        }
      }
      if (n === this.tagKeyStart.length) this.growTags();
      this.tagKeyStart[n] = keyStart;
      this.tagKeyEnd[n] = keyEnd;
      this.tagValueEnd[n] = i;
      n++;
    }
    this.tagN = n;
    this.keyEnd = i;
    this.keyEscaped = escaped;
    this.keyHigh = high;
    // A key seen before (byte for byte) was already checked for duplicates and sorted.
    const probed = s === this.probeStart && i === this.probeEnd;
    const hash = probed ? this.probeHash : hashBytes(buf, s, i);
    this.keyHash = hash;
    const slot = hash & (SERIES_CACHE_SLOTS - 1);
    if (!probed && this.isCached(slot, s, i)) {
      this.seriesKeyText = this.seriesText[slot]!;
      this.measurementText = this.seriesMeasurement[slot]!;
      this.tagOrderPending = true;
      return i;
    }
    this.tagOrderPending = false;
    if (escaped) {
      if (!this.orderEscapedTags()) {
        this.reason = R_DUPLICATE_TAGS;
        return -1;
      }
    } else if (!this.orderTags()) {
      this.reason = R_DUPLICATE_TAGS;
      return -1;
    }
    return i;
  }

  /** Orders the tags of a series-cache hit when the visitor first asks for them. */
  private orderTagsLate(): void {
    if (this.keyFromCache) {
      // Fill in the tag offsets the fast path skipped; the key is known to scan cleanly.
      this.scanKey(this.keyStart, this.textEnd);
      this.keyFromCache = false;
    }
    this.tagOrderPending = false;
    if (this.keyEscaped) this.orderEscapedTags();
    else this.orderTags();
  }

  /** Sorts tags by key bytes (no escapes in the key). Returns false on a duplicate key. */
  private orderTags(): boolean {
    const n = this.tagN;
    const order = this.tagOrder;
    const buf = this.buf;
    const ks = this.tagKeyStart;
    const ke = this.tagKeyEnd;
    for (let t = 0; t < n; t++) order[t] = t;
    this.tagsInInputOrder = true;
    let t = 1;
    for (; t < n; t++) {
      const d = compareBytes(buf, ks[t - 1]!, ke[t - 1]!, buf, ks[t]!, ke[t]!);
      if (d === 0) return false;
      if (d > 0) break;
    }
    if (t >= n) return true;
    this.tagsInInputOrder = false;
    // Insertion sort: tag sets are small and usually nearly sorted.
    for (let a = 1; a < n; a++) {
      const x = order[a]!;
      const xs = ks[x]!;
      const xe = ke[x]!;
      let b = a - 1;
      while (b >= 0) {
        const y = order[b]!;
        const d = compareBytes(buf, ks[y]!, ke[y]!, buf, xs, xe);
        if (d === 0) return false;
        if (d < 0) break;
        order[b + 1] = y;
        b--;
      }
      order[b + 1] = x;
    }
    for (let a = 1; a < n; a++) {
      const x = order[a - 1]!;
      const y = order[a]!;
      if (compareBytes(buf, ks[x]!, ke[x]!, buf, ks[y]!, ke[y]!) === 0) return false;
    }
    return true;
  }

  /** The slow path for keys with backslashes: decode, then sort by the canonical escaped key. */
  private orderEscapedTags(): boolean {
    const n = this.tagN;
    const entries: Array<{ key: string; value: string; canonical: string; index: number }> = [];
    for (let t = 0; t < n; t++) {
      const key = unescapeTag(this.buf.utf8Slice(this.tagKeyStart[t]!, this.tagKeyEnd[t]!));
      const value = unescapeTag(this.buf.utf8Slice(this.tagKeyEnd[t]! + 1, this.tagValueEnd[t]!));
      entries.push({ key, value, canonical: escapeTagKey(key), index: t });
    }
    entries.sort((a, b) => compareUtf8(a.canonical, b.canonical));
    this.tagKeyText.length = n;
    this.tagValueText.length = n;
    for (let t = 0; t < n; t++) {
      const entry = entries[t]!;
      if (t > 0 && entry.key === entries[t - 1]!.key) return false;
      this.tagOrder[t] = entry.index;
      this.tagKeyText[t] = entry.key;
      this.tagValueText[t] = entry.value;
    }
    this.tagsInInputOrder = false;
    return true;
  }

  /**
   * The field section, starting at the space after the key. Returns the offset just past it (a
   * space or the end of the line), or -1.
   */
  private scanFields(i: number, allowMultiline: boolean): number {
    const buf = this.buf;
    let e = this.textEnd;
    while (i < e && isLineSpace(buf[i]!)) i++;
    // InfluxDB counts an unescaped comma inside a key as a missing '=' but only reports it after
    // scanning the whole section, so later value errors win; we do the same.
    let strayComma = false;
    let anyEscaped = false;
    let maxKeyLength = 0;
    let n = 0;
    for (;;) {
      // Field key: up to an unescaped '='.
      let keyStart = i;
      let hash = 0;
      let escaped = 0;
      for (;;) {
        if (i >= e) return this.fieldFormatError();
        const c = buf[i]!;
        const k = KEY_CLASS[c]!;
        if (k === K_PLAIN || k === K_HIGH) {
          hash = (hash * 31 + c) | 0;
          i++;
        } else if (k === K_EQUALS) {
          break;
        } else if (k === K_BACKSLASH) {
          escaped = 1;
          hash = (hash * 31 + c) | 0;
          if (i + 1 < e) hash = (hash * 31 + buf[i + 1]!) | 0;
          i += 2;
        } else if (k === K_COMMA) {
          strayComma = true;
          i++;
          keyStart = i;
          hash = 0;
          escaped = 0;
        } else {
          return this.fieldFormatError();
        }
      }
      if (i === keyStart) return this.failAt(R_MISSING_FIELD_KEY);
      const keyEnd = i;
      i++;
      if (i >= e) return this.failAt(R_MISSING_FIELD_VALUE);
      const c = buf[i]!;
      if (c === COMMA || c === SPACE) return this.failAt(R_MISSING_FIELD_VALUE);

      if (n === this.fieldKeyStart.length) this.growFields();
      this.fieldKeyStart[n] = keyStart;
      this.fieldKeyEnd[n] = keyEnd;
      this.fieldKeyHash[n] = hash;
      this.fieldKeyEscaped[n] = escaped;
      this.fieldIsBig[n] = 0;
      if (escaped === 1) anyEscaped = true;
      if (keyEnd - keyStart > maxKeyLength) maxKeyLength = keyEnd - keyStart;

      if (c === QUOTE) {
        i = this.scanString(i + 1, n, allowMultiline);
        if (i < 0) return -1;
        e = this.textEnd;
        if (i < e && buf[i] !== COMMA && buf[i] !== SPACE) {
          // Bytes after the closing quote. InfluxDB folds them into the string; we reject.
          return this.fieldFormatError();
        }
      } else if ((c >= DIGIT_0 && c <= DIGIT_0 + 9) || c === MINUS || c === DOT || c === UPPER_N || c === LOWER_N) {
        i = this.scanNumber(i, e, n);
        if (i < 0) return -1;
      } else {
        i = this.scanBoolean(i, e, n);
        if (i < 0) return -1;
      }
      n++;
      if (i >= e || buf[i] === SPACE) break;
      i++; // the comma
    }
    this.rawFieldN = n;
    this.fieldsEscaped = anyEscaped;
    if (strayComma) return this.fieldFormatError();
    const keyLength = this.keyEnd - this.keyStart;
    if (keyLength + 4 + maxKeyLength > MAX_KEY_BYTES) {
      // InfluxDB checks measurement + tags + "#!~#" + field key, field by field.
      for (let f = 0; f < n; f++) {
        const size = keyLength + 4 + this.fieldKeyEnd[f]! - this.fieldKeyStart[f]!;
        if (size > MAX_KEY_BYTES) return this.failAt(`max key length exceeded: ${size} > ${MAX_KEY_BYTES}`);
      }
    }
    this.dedupeFields();
    return i;
  }

  private failAt(reason: string): number {
    this.reason = reason;
    return -1;
  }

  private fieldFormatError(): number {
    this.reason = R_INVALID_FIELD_FORMAT;
    return -1;
  }

  /** A quoted string value starting after the opening quote. Returns the offset after the closing quote. */
  private scanString(vs: number, f: number, allowMultiline: boolean): number {
    const buf = this.buf;
    let e = this.textEnd;
    let escaped = 0;
    let j = vs;
    for (;;) {
      if (j >= e) {
        // The line ended inside the string. InfluxDB lets strings hold newlines; see parseBody
        // for what happens when the point then fails.
        if (!allowMultiline || this.lineBreak >= this.bodyEnd) return this.failAt(R_UNBALANCED_QUOTES);
        const close = this.findClosingQuote(j);
        this.multilineUsed = true;
        if (close < 0) {
          this.multilineReach = this.bodyEnd;
          return this.failAt(R_UNBALANCED_QUOTES);
        }
        this.multilineReach = close + 1;
        let newlines = 0;
        for (let k = this.lineBreak; k < close; k++) if (buf[k] === LF) newlines++;
        this.innerNewlines += newlines;
        escaped = 1; // unescapeStringField is cheap when there is nothing to unescape
        const nl = buf.indexOf(LF, close);
        const lineBreak = nl < 0 ? this.bodyEnd : nl;
        e = lineBreak;
        if (e > close + 1 && buf[e - 1] === CR) e--;
        this.lineBreak = lineBreak;
        this.textEnd = e;
        j = close;
        break;
      }
      const c = buf[j]!;
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = 1;
        j += 2;
      } else {
        j++;
      }
    }
    this.fieldTypes[f] = FieldType.String;
    this.fieldNumber[f] = 0;
    this.fieldValueStart[f] = vs;
    this.fieldValueEnd[f] = j;
    this.fieldValueEscaped[f] = escaped;
    return j + 1;
  }

  /** Continues a string past the end of its line; `j` is where the line scan stopped. */
  private findClosingQuote(j: number): number {
    const buf = this.buf;
    const end = this.bodyEnd;
    while (j < end) {
      const c = buf[j]!;
      if (c === QUOTE) return j;
      j += c === BACKSLASH ? 2 : 1;
    }
    return -1;
  }

  /** A number (float, or integer with `i`, or unsigned with `u`), following InfluxDB's scanNumber. */
  private scanNumber(start: number, e: number, f: number): number {
    const buf = this.buf;
    let i = start;
    let negative = false;
    if (buf[i] === MINUS) {
      negative = true;
      i++;
      if (i >= e) return this.failAt(R_INVALID_NUMBER);
    }

    // Fast paths for the common shapes, at most 15 digits so every value is exact as a double:
    // `123i`, `123`, `12.5`. Anything else goes through the general scanner.
    let value = 0;
    const digitsStart = i;
    while (i < e) {
      const d = buf[i]! - DIGIT_0;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      i++;
    }
    const digits = i - digitsStart;
    if (digits <= EXACT_DIGITS_MAX) {
      const c = i < e ? buf[i]! : SPACE;
      if (c === LOWER_I) {
        const after = i + 1;
        if (digits > 0 && (after >= e || buf[after] === COMMA || buf[after] === SPACE)) {
          this.fieldTypes[f] = FieldType.Integer;
          this.fieldNumber[f] = negative ? 0 - value : value;
          return after;
        }
      } else if (c === COMMA || c === SPACE) {
        if (digits > 0) {
          this.fieldTypes[f] = FieldType.Float;
          this.fieldNumber[f] = negative ? -value : value;
          return i;
        }
      } else if (c === DOT) {
        let j = i + 1;
        while (j < e) {
          const d = buf[j]! - DIGIT_0;
          if (d < 0 || d > 9) break;
          value = value * 10 + d;
          j++;
        }
        const fraction = j - i - 1;
        const next = j < e ? buf[j]! : SPACE;
        if (digits + fraction > 0 && digits + fraction <= EXACT_DIGITS_MAX && (next === COMMA || next === SPACE)) {
          // One correctly rounded division by an exact power of ten: what ParseFloat returns.
          const v = value / POW10[fraction]!;
          this.fieldTypes[f] = FieldType.Float;
          this.fieldNumber[f] = negative ? -v : v;
          return j;
        }
      }
    }
    return this.scanNumberGeneral(start, e, f);
  }

  private scanNumberGeneral(start: number, e: number, f: number): number {
    const buf = this.buf;
    let i = start;
    const negative = buf[i] === MINUS;
    if (negative) i++;
    let isInt = false;
    let isUnsigned = false;
    let decimal = false;
    let exponents = 0;
    // For the exact fast float path: mantissa digits without leading zeros.
    let mantissa = 0;
    let mantissaDigits = 0; // all digits before the exponent, zeros included
    let significant = 0;
    let fractionDigits = 0;
    let exponent = 0;
    let exponentNegative = false;
    let exponentDigits = 0;
    let dotInExponent = false;
    for (; i < e; i++) {
      const c = buf[i]!;
      if (c === COMMA || c === SPACE) break;
      const d = c - DIGIT_0;
      if (d >= 0 && d <= 9) {
        if (exponents > 0) {
          if (exponent < 1e6) exponent = exponent * 10 + d;
          exponentDigits++;
        } else if (!isInt && !isUnsigned) {
          mantissaDigits++;
          if (decimal) fractionDigits++;
          if (significant > 0 || d !== 0) {
            significant++;
            if (significant <= EXACT_DIGITS_MAX) mantissa = mantissa * 10 + d;
          }
        }
        continue;
      }
      if ((c === LOWER_I || c === LOWER_U) && i > start && !isInt && !isUnsigned) {
        if (c === LOWER_I) isInt = true;
        else isUnsigned = true;
        continue;
      }
      if (c === DOT) {
        if (decimal) return this.failAt(R_INVALID_NUMBER);
        decimal = true;
        if (exponents > 0) dotInExponent = true;
        continue;
      }
      if ((c === LOWER_E || c === UPPER_E) && i > start) {
        exponents++;
        continue;
      }
      if ((c === PLUS || c === MINUS) && (buf[i - 1] === LOWER_E || buf[i - 1] === UPPER_E)) {
        if (c === MINUS) exponentNegative = true;
        continue;
      }
      // Anything else, NaN and Inf included, is not a number.
      return this.failAt(R_INVALID_NUMBER);
    }
    const end = i;
    if ((isInt || isUnsigned) && (decimal || exponents > 0)) return this.failAt(R_INVALID_NUMBER);
    const numericDigits = end - start - (isInt ? 1 : 0) - (decimal ? 1 : 0) - (negative ? 1 : 0);
    if (numericDigits === 0) return this.failAt(R_INVALID_NUMBER);

    if (isInt) {
      if (buf[end - 1] !== LOWER_I) return this.failAt(R_INVALID_NUMBER);
      this.fieldTypes[f] = FieldType.Integer;
      if (significant <= EXACT_DIGITS_MAX) {
        this.fieldNumber[f] = negative ? 0 - mantissa : mantissa;
        return end;
      }
      const text = buf.latin1Slice(start, end - 1);
      const big = BigInt(text);
      if (big < INT64_MIN || big > INT64_MAX) {
        return this.failAt(
          `unable to parse integer ${text}: strconv.ParseInt: parsing ${JSON.stringify(text)}: value out of range`,
        );
      }
      this.storeInteger(f, big);
      return end;
    }
    if (isUnsigned) {
      if (buf[end - 1] !== LOWER_U || negative) return this.failAt(R_INVALID_NUMBER);
      this.fieldTypes[f] = FieldType.Unsigned;
      if (significant <= EXACT_DIGITS_MAX) {
        this.fieldNumber[f] = mantissa;
        return end;
      }
      const text = buf.latin1Slice(start, end - 1);
      const big = BigInt(text);
      if (big > UINT64_MAX) {
        return this.failAt(
          `unable to parse unsigned ${text}: strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`,
        );
      }
      this.storeInteger(f, big);
      return end;
    }

    this.fieldTypes[f] = FieldType.Float;
    // Exact fast path (Clinger): an integer mantissa below 10^15 times or divided by an exact power
    // of ten is one correctly rounded IEEE operation, the same double strconv.ParseFloat returns.
    if (
      significant <= EXACT_DIGITS_MAX &&
      mantissaDigits > 0 &&
      exponents <= 1 &&
      (exponents === 0 || exponentDigits > 0) &&
      !dotInExponent
    ) {
      const scale = (exponentNegative ? -exponent : exponent) - fractionDigits;
      let v: number | undefined;
      if (mantissa === 0) v = 0;
      else if (scale >= 0 && scale <= 22) v = mantissa * POW10[scale]!;
      else if (scale < 0 && scale >= -22) v = mantissa / POW10[-scale]!;
      if (v !== undefined) {
        this.fieldNumber[f] = negative ? -v : v;
        return end;
      }
    }
    // Correctly rounded like strconv.ParseFloat; NaN means bad syntax, Infinity out of range.
    const v = Number(buf.latin1Slice(start, end));
    if (!Number.isFinite(v)) return this.failAt(R_INVALID_FLOAT);
    this.fieldNumber[f] = v;
    return end;
  }

  private storeInteger(f: number, big: bigint): void {
    if (big >= -9007199254740991n && big <= 9007199254740991n) {
      this.fieldNumber[f] = Number(big);
    } else {
      this.fieldNumber[f] = Number(big);
      this.fieldIsBig[f] = 1;
      this.fieldBig[f] = big;
    }
  }

  /** t, T, true, True, TRUE, f, F, false, False, FALSE (InfluxDB's scanBoolean). */
  private scanBoolean(start: number, e: number, f: number): number {
    const buf = this.buf;
    const first = buf[start]!;
    if (first !== LOWER_T && first !== UPPER_T && first !== LOWER_F && first !== UPPER_F) {
      return this.failAt(R_INVALID_BOOLEAN);
    }
    let i = start + 1;
    while (i < e && buf[i] !== COMMA && buf[i] !== SPACE) i++;
    const len = i - start;
    let value: number;
    if (len === 1) {
      value = first === LOWER_T || first === UPPER_T ? 1 : 0;
    } else if (len === 4 && (first === LOWER_T ? this.isWord(start, 'true') : first === UPPER_T && (this.isWord(start, 'TRUE') || this.isWord(start, 'True')))) {
      value = 1;
    } else if (len === 5 && (first === LOWER_F ? this.isWord(start, 'false') : first === UPPER_F && (this.isWord(start, 'FALSE') || this.isWord(start, 'False')))) {
      value = 0;
    } else {
      return this.failAt(R_INVALID_BOOLEAN);
    }
    this.fieldTypes[f] = FieldType.Boolean;
    this.fieldNumber[f] = value;
    return i;
  }

  private isWord(start: number, word: string): boolean {
    for (let k = 0; k < word.length; k++) if (this.buf[start + k] !== word.charCodeAt(k)) return false;
    return true;
  }

  /** The optional timestamp after the fields, then the precision scaling and range check. */
  private scanTime(i: number, e: number): boolean {
    const buf = this.buf;
    while (i < e && isLineSpace(buf[i]!)) i++;
    if (i >= e) return true;
    const start = i;
    const negative = buf[i] === MINUS;
    if (negative) i++;
    const digitsStart = i;
    let value = 0;
    while (i < e) {
      const c = buf[i]!;
      if (c === SPACE) break;
      const d = c - DIGIT_0;
      if (d < 0 || d > 9) return this.fail(R_BAD_TIMESTAMP);
      value = value * 10 + d;
      i++;
    }
    const digitsEnd = i;
    if (digitsEnd === digitsStart) {
      return this.fail(`strconv.ParseInt: parsing ${JSON.stringify(buf.latin1Slice(start, digitsEnd))}: invalid syntax`);
    }
    let z = digitsStart;
    while (z < digitsEnd - 1 && buf[z] === DIGIT_0) z++;
    const significant = digitsEnd - z;
    let hi: number;
    let lo: number;
    if (significant <= EXACT_DIGITS_MAX) {
      hi = Math.floor(value / TS_SPLIT);
      lo = value - hi * TS_SPLIT;
    } else {
      if (significant > 19) return this.timestampRangeError(start, digitsEnd);
      hi = 0;
      lo = 0;
      const split = digitsEnd - 9;
      for (let k = z; k < split; k++) hi = hi * 10 + (buf[k]! - DIGIT_0);
      for (let k = split; k < digitsEnd; k++) lo = lo * 10 + (buf[k]! - DIGIT_0);
      if (hi > I64_HI || (hi === I64_HI && lo > (negative ? I64_MIN_LO : I64_MAX_LO))) {
        return this.timestampRangeError(start, digitsEnd);
      }
    }
    // Only spaces may follow, but InfluxDB checks the range first.
    if (this.multiplierNumber === 1) {
      if (hi === I64_HI && lo > TIME_MAX_LO) return this.fail(R_TIME_OUTSIDE_RANGE);
    } else if ((hi * TS_SPLIT + lo) * this.multiplierNumber > 9.2e18) {
      // Near or past the bound (the double product is off by at most a few thousand): be exact.
      const scaled = (BigInt(hi) * TS_SPLIT_BIG + BigInt(lo)) * this.multiplier;
      if (scaled > MAX_TIME_NS) return this.fail(R_TIME_OUTSIDE_RANGE);
    }
    for (let k = i; k < e; k++) if (buf[k] !== SPACE) return this.fail(R_POINT_IS_INVALID);
    this.timeNs = this.timeValue(negative, hi, lo);
    return true;
  }

  private timestampRangeError(start: number, end: number): false {
    const text = this.buf.latin1Slice(start, end);
    return this.fail(`strconv.ParseInt: parsing ${JSON.stringify(text)}: value out of range`);
  }

  /** Builds (negative ? -1 : 1) * (hi * 1e9 + lo) * multiplier, reusing the last one when it repeats. */
  private timeValue(negative: boolean, hi: number, lo: number): bigint {
    if (hi === this.lastTimeHi && lo === this.lastTimeLo && negative === this.lastTimeNeg) return this.lastTime;
    let scaledHi: bigint;
    if (hi === this.lastHi) {
      scaledHi = this.lastHiScaled;
    } else {
      scaledHi = hi === 0 ? 0n : BigInt(hi) * TS_SPLIT_BIG;
      this.lastHi = hi;
      this.lastHiScaled = scaledHi;
    }
    let t = lo === 0 ? scaledHi : scaledHi + BigInt(lo);
    if (this.multiplier !== 1n) t *= this.multiplier;
    if (negative) t = -t;
    this.lastTimeNeg = negative;
    this.lastTimeHi = hi;
    this.lastTimeLo = lo;
    this.lastTime = t;
    return t;
  }

  /** Duplicate field keys: the last value wins, in the slot of the first. Fields named time are dropped. */
  private dedupeFields(): void {
    const n = this.rawFieldN;
    const slot = this.fieldSlot;
    let count = 0;
    if (n > BUCKET_DEDUPE_FIELDS_MAX || this.fieldsEscaped) {
      // Rare: compare decoded keys.
      const seen = new Map<string, number>();
      for (let f = 0; f < n; f++) {
        if (this.isTimeKey(f)) continue;
        const key = this.rawFieldKey(f);
        const at = seen.get(key);
        if (at === undefined) {
          seen.set(key, count);
          slot[count++] = f;
        } else {
          slot[at] = f;
        }
      }
      this.visibleFieldN = count;
      return;
    }
    // A bucket table stamped with a per-line number, so nothing is cleared between lines. Keys
    // without escapes are equal exactly when their bytes are.
    // The stamp lives in an Int32Array: wrap it (and forget old stamps) long before it overflows.
    if (this.dedupeLine >= DEDUPE_STAMP_MAX) {
      this.dedupeStamp.fill(0);
      this.dedupeLine = 0;
    }
    const line = ++this.dedupeLine;
    const stamp = this.dedupeStamp;
    const first = this.dedupeFirst;
    const hash = this.fieldKeyHash;
    for (let f = 0; f < n; f++) {
      if (this.isTimeKey(f)) continue;
      const b = hash[f]! & (DEDUPE_BUCKETS - 1);
      if (stamp[b] !== line) {
        stamp[b] = line;
        first[b] = count;
        slot[count++] = f;
        continue;
      }
      const at = this.findEqualField(f, first[b]!, count);
      if (at < 0) slot[count++] = f;
      else slot[at] = f;
    }
    this.visibleFieldN = count;
  }

  /** Visible slot in [from, count) whose key has the same bytes as field f, or -1. */
  private findEqualField(f: number, from: number, count: number): number {
    const buf = this.buf;
    const ks = this.fieldKeyStart;
    const ke = this.fieldKeyEnd;
    const hash = this.fieldKeyHash;
    for (let v = from; v < count; v++) {
      const g = this.fieldSlot[v]!;
      if (hash[g] === hash[f] && compareBytes(buf, ks[g]!, ke[g]!, buf, ks[f]!, ke[f]!) === 0) return v;
    }
    return -1;
  }

  private isTimeKey(f: number): boolean {
    const s = this.fieldKeyStart[f]!;
    const buf = this.buf;
    return (
      this.fieldKeyEnd[f]! - s === 4 &&
      buf[s] === LOWER_T &&
      buf[s + 1] === LOWER_I &&
      buf[s + 2] === 0x6d &&
      buf[s + 3] === LOWER_E
    );
  }

  private rawFieldKey(f: number): string {
    const decode = this.fieldKeyEscaped[f] === 1 ? unescapeFieldKey : identity;
    return this.fieldKeys.get(this.buf, this.fieldKeyStart[f]!, this.fieldKeyEnd[f]!, this.fieldKeyHash[f]!, decode);
  }

  private buildSeriesKey(): string {
    const key = this.canonicalKey();
    // Only keys of points handed to the visitor get here, so cached keys are known valid.
    const s = this.keyStart;
    const len = this.keyEnd - s;
    const slot = this.keyHash & (SERIES_CACHE_SLOTS - 1);
    if (len <= SERIES_SLOT_BYTES) {
      this.buf.copy(this.seriesArena, slot * SERIES_SLOT_BYTES, s, this.keyEnd);
      this.seriesLong[slot] = undefined;
    } else {
      const raw = Buffer.allocUnsafeSlow(len);
      this.buf.copy(raw, 0, s, this.keyEnd);
      this.seriesLong[slot] = raw;
    }
    this.seriesLength[slot] = len;
    this.seriesText[slot] = key;
    this.seriesMeasurement[slot] = this.measurement;
    this.seriesMeasurementBytes[slot] = this.measurementEnd - s;
    this.seriesTagN[slot] = this.tagN;
    this.seriesHigh[slot] = this.keyHigh ? 1 : 0;
    return key;
  }

  /** Whether the slot holds exactly the bytes [s, e) of the body. Buffer#compare is a memcmp. */
  private isCached(slot: number, s: number, e: number): boolean {
    const len = e - s;
    if (this.seriesLength[slot] !== len) return false;
    if (len <= SERIES_SLOT_BYTES) {
      const at = slot * SERIES_SLOT_BYTES;
      return this.buf.compare(this.seriesArena, at, at + len, s, e) === 0;
    }
    return this.buf.compare(this.seriesLong[slot]!, 0, len, s, e) === 0;
  }

  private canonicalKey(): string {
    const buf = this.buf;
    if (this.keyEscaped) {
      let key = escapeMeasurement(this.measurement);
      for (let t = 0; t < this.tagN; t++) key += `,${escapeTagKey(this.tagKeyText[t]!)}=${escapeTagValue(this.tagValueText[t]!)}`;
      return key;
    }
    if (this.tagsInInputOrder) return this.decode(this.keyStart, this.keyEnd, this.keyHigh);
    // Copy the tags in sorted order into scratch, then decode once.
    const size = this.keyEnd - this.keyStart;
    if (this.scratch.length < size) this.scratch = Buffer.alloc(Math.max(size, this.scratch.length * 2)) as FastBuffer;
    const out = this.scratch;
    let p = 0;
    for (let k = this.keyStart; k < this.measurementEnd; k++) out[p++] = buf[k]!;
    for (let t = 0; t < this.tagN; t++) {
      const x = this.tagOrder[t]!;
      out[p++] = COMMA;
      const end = this.tagValueEnd[x]!;
      for (let k = this.tagKeyStart[x]!; k < end; k++) out[p++] = buf[k]!;
    }
    return this.keyHigh ? out.utf8Slice(0, p) : out.latin1Slice(0, p);
  }

  private decode(s: number, e: number, high: boolean): string {
    return high ? this.buf.utf8Slice(s, e) : this.buf.latin1Slice(s, e);
  }

  private checkIndex(i: number, n: number): void {
    if (!(i >= 0 && i < n)) throw new RangeError(`index ${i} out of range [0, ${n})`);
  }

  private growTags(): void {
    const n = this.tagKeyStart.length * 2;
    this.tagKeyStart = grow(this.tagKeyStart, n);
    this.tagKeyEnd = grow(this.tagKeyEnd, n);
    this.tagValueEnd = grow(this.tagValueEnd, n);
    this.tagOrder = grow(this.tagOrder, n);
  }

  private growFields(): void {
    const n = this.fieldKeyStart.length * 2;
    this.fieldKeyStart = grow(this.fieldKeyStart, n);
    this.fieldKeyEnd = grow(this.fieldKeyEnd, n);
    this.fieldKeyHash = grow(this.fieldKeyHash, n);
    this.fieldKeyEscaped = grow(this.fieldKeyEscaped, n);
    this.fieldTypes = grow(this.fieldTypes, n);
    this.fieldNumber = grow(this.fieldNumber, n);
    this.fieldIsBig = grow(this.fieldIsBig, n);
    this.fieldValueStart = grow(this.fieldValueStart, n);
    this.fieldValueEnd = grow(this.fieldValueEnd, n);
    this.fieldValueEscaped = grow(this.fieldValueEscaped, n);
    this.fieldSlot = grow(this.fieldSlot, n);
  }
}

function grow<T extends Int32Array | Uint8Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

let spareParser: LineParser | undefined;

/** Parses every line of `body` (a request Buffer; never copied) and calls the visitor. */
export function parseLines(body: Uint8Array, visitor: LineVisitor, opts?: ParseOptions): { points: number; errors: number } {
  // Reuse one parser (its arrays and interning caches); a visitor that parses re-entrantly gets its own.
  const parser = spareParser ?? new LineParser();
  spareParser = undefined;
  try {
    return parser.parseBody(body, visitor, opts?.precision ?? 'ns');
  } finally {
    spareParser = parser;
  }
}
