// Turning result documents into the bytes InfluxDB 1.x sends: JSON as Go's encoding/json writes
// InfluxDB's response structs, and CSV as InfluxDB's csvFormatter writes it.
//
// Exactness: int64 and uint64 values and nanosecond times are bigints in the result model and are
// written as decimal text straight from the bigint; no value ever passes through a double on its
// way out. Floats are written as Go writes float64: the shortest digits that read back to the same
// double, in plain notation for magnitudes in [1e-6, 1e21) and exponent notation outside it
// (`1e+21`, `1e-7`) in JSON; always plain in CSV (strconv.FormatFloat(v, 'f', -1, 64)).

import { escapeTagKey, escapeTagValue } from '@shoal/lineproto';
import { formatFloatPlain } from '../params.js';
import { formatRFC3339Nano } from '../time-literal.js';
import { formatInZone } from './zone.js';
import { compareStrings, epochTime, type Epoch, type ResultDocument, type ResultSeries, type StatementResult, type Value } from './result.js';

export interface FormatOptions {
  /** Print times as integers in this unit; undefined prints RFC3339 strings. */
  readonly epoch?: Epoch;
  /** Indent by four spaces, as `pretty=true`. */
  readonly pretty?: boolean;
}

/**
 * A float64 as Go's encoding/json writes it. Go refuses NaN and ±Inf; InfluxDB turns NaN into null
 * before encoding, and so do we, for infinities too (Go would fail the whole response).
 */
export function formatJsonFloat(v: number): string {
  if (!Number.isFinite(v)) return 'null';
  if (Object.is(v, -0)) return '-0';
  // Number#toString prints the shortest round-trip digits and switches to exponent notation at
  // exactly the bounds encoding/json uses; only the exponent's form differs (Go drops a leading
  // zero of a two-digit exponent too, which JavaScript never writes).
  return String(v);
}

const JSON_SAFE = /^[^"\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]*$/;
const HEX = '0123456789abcdef';

/** A JSON string literal as Go's encoding/json writes one (HTML-safe, `\u00XX` controls). */
export function jsonString(s: string): string {
  if (JSON_SAFE.test(s)) return `"${s}"`;
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c < 0x20) {
      if (c === 0x0a) esc = '\\n';
      else if (c === 0x0d) esc = '\\r';
      else if (c === 0x09) esc = '\\t';
      else esc = '\\u00' + HEX[c >> 4]! + HEX[c & 15]!;
    } else if (c === 0x3c) esc = '\\u003c';
    else if (c === 0x3e) esc = '\\u003e';
    else if (c === 0x26) esc = '\\u0026';
    else if (c === 0x2028) esc = '\\u2028';
    else if (c === 0x2029) esc = '\\u2029';
    else if (c >= 0xd800 && c <= 0xdfff) {
      // A surrogate pair is one character; a lone surrogate is invalid UTF-8 to Go: U+FFFD.
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      esc = '\\ufffd';
    }
    if (esc !== undefined) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

function jsonValue(v: Value): string {
  switch (typeof v) {
    case 'number':
      return formatJsonFloat(v);
    case 'bigint':
      return v.toString();
    case 'string':
      return jsonString(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return 'null';
  }
}

function timeValue(v: Value, epoch: Epoch | undefined, zone: string | undefined): string {
  if (typeof v !== 'bigint') return jsonValue(v);
  if (epoch !== undefined) return epochTime(v, epoch).toString();
  return `"${zone === undefined ? formatRFC3339Nano(v) : formatInZone(v, zone)}"`;
}

/**
 * Writes JSON values as encoding/json does, compact or with MarshalIndent(v, "", "    "):
 * members in struct order, empty members omitted where InfluxDB's structs say omitempty.
 */
class JsonWriter {
  // One string grown by `+=`: V8 keeps it as a rope until it is written out, which is cheaper than
  // collecting thousands of small parts and joining them.
  private out = '';
  private depth = 0;

  constructor(private readonly pretty: boolean) {}

  text(): string {
    return this.out;
  }

  raw(s: string): void {
    this.out += s;
  }

  /** Opens `{` or `[`; members follow through `item`. */
  open(bracket: '{' | '['): void {
    this.out += bracket;
    this.depth++;
  }

  close(bracket: '}' | ']', empty: boolean): void {
    this.depth--;
    if (this.pretty && !empty) this.newline();
    this.out += bracket;
  }

  /** Starts the next member or element; `key` for object members. */
  item(first: boolean, key?: string): void {
    if (!first) this.out += ',';
    if (this.pretty) this.newline();
    if (key !== undefined) this.out += jsonString(key) + (this.pretty ? ': ' : ':');
  }

  private newline(): void {
    this.out += '\n' + '    '.repeat(this.depth);
  }

  /**
   * What opens a non-empty array nested in the current one, separates its elements and closes
   * it: rows are written as whole strings, not through a call per value.
   */
  nestedArray(): { readonly open: string; readonly sep: string; readonly close: string } {
    if (!this.pretty) return COMPACT_ARRAY;
    const inner = '\n' + '    '.repeat(this.depth + 1);
    return { open: '[' + inner, sep: ',' + inner, close: '\n' + '    '.repeat(this.depth) + ']' };
  }
}

const COMPACT_ARRAY = { open: '[', sep: ',', close: ']' } as const;

function writeSeries(w: JsonWriter, s: ResultSeries, epoch: Epoch | undefined): void {
  w.open('{');
  let first = true;
  if (s.name !== '') {
    w.item(first, 'name');
    w.raw(jsonString(s.name));
    first = false;
  }
  const tagKeys = s.tags === undefined ? [] : Object.keys(s.tags).sort(compareStrings);
  if (tagKeys.length > 0) {
    w.item(first, 'tags');
    w.open('{');
    tagKeys.forEach((k, i) => {
      w.item(i === 0, k);
      w.raw(jsonString(s.tags![k]!));
    });
    w.close('}', false);
    first = false;
  }
  if (s.columns.length > 0) {
    w.item(first, 'columns');
    w.open('[');
    s.columns.forEach((c, i) => {
      w.item(i === 0);
      w.raw(jsonString(c));
    });
    w.close(']', false);
    first = false;
  }
  if (s.values.length > 0) {
    w.item(first, 'values');
    w.open('[');
    const rows = s.values;
    const timeColumn = s.timeColumn === true;
    const a = w.nestedArray();
    // A column's string (a tag value, mostly) tends to repeat the row above: its text is reused.
    const aboveStrings: Value[] = [];
    const aboveTexts: string[] = [];
    const cell = (v: Value, i: number): string => {
      if (typeof v !== 'string') return jsonValue(v);
      if (aboveStrings[i] !== v) {
        aboveStrings[i] = v;
        aboveTexts[i] = jsonString(v);
      }
      return aboveTexts[i]!;
    };
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      w.item(r === 0);
      if (row.length === 0) {
        w.raw('[]');
        continue;
      }
      let text = a.open + (timeColumn ? timeValue(row[0]!, epoch, s.timeZone) : cell(row[0]!, 0));
      for (let i = 1; i < row.length; i++) text += a.sep + cell(row[i]!, i);
      w.raw(text + a.close);
    }
    w.close(']', false);
    first = false;
  }
  if (s.partial) {
    w.item(first, 'partial');
    w.raw('true');
    first = false;
  }
  w.close('}', first);
}

function writeResult(w: JsonWriter, r: StatementResult, epoch: Epoch | undefined): void {
  w.open('{');
  w.item(true, 'statement_id');
  w.raw(String(r.statementId));
  if (r.series !== undefined && r.series.length > 0) {
    w.item(false, 'series');
    w.open('[');
    r.series.forEach((s, i) => {
      w.item(i === 0);
      writeSeries(w, s, epoch);
    });
    w.close(']', false);
  }
  if (r.messages !== undefined && r.messages.length > 0) {
    w.item(false, 'messages');
    w.open('[');
    r.messages.forEach((m, i) => {
      w.item(i === 0);
      w.open('{');
      w.item(true, 'level');
      w.raw(jsonString(m.level));
      w.item(false, 'text');
      w.raw(jsonString(m.text));
      w.close('}', false);
    });
    w.close(']', false);
  }
  if (r.partial) {
    w.item(false, 'partial');
    w.raw('true');
  }
  if (r.error !== undefined && r.error !== '') {
    w.item(false, 'error');
    w.raw(jsonString(r.error));
  }
  w.close('}', false);
}

/** The document as InfluxDB writes a /query response body (or one line of a chunked one), newline included. */
export function formatJson(doc: ResultDocument, opts: FormatOptions = {}): string {
  const w = new JsonWriter(opts.pretty === true);
  w.open('{');
  let first = true;
  // Go's Response marshals `results` with omitempty, so a document without results is `{}`.
  if (doc.results.length > 0) {
    w.item(true, 'results');
    w.open('[');
    doc.results.forEach((r, i) => {
      w.item(i === 0);
      writeResult(w, r, opts.epoch);
    });
    w.close(']', false);
    first = false;
  }
  if (doc.error !== undefined && doc.error !== '') {
    w.item(first, 'error');
    w.raw(jsonString(doc.error));
    first = false;
  }
  w.close('}', first);
  w.raw('\n');
  return w.text();
}

// ---------------------------------------------------------------- CSV

const CSV_NEEDS_QUOTES = /[",\r\n]/;

/** A field as Go's encoding/csv writes it: quoted when it holds a comma, quote or line break, or starts with a space. */
function csvField(s: string): string {
  if (s === '') return s;
  if (s === '\\.' || CSV_NEEDS_QUOTES.test(s) || /^\s/u.test(s)) return '"' + s.replace(/"/g, '""') + '"';
  return s;
}

function csvValue(v: Value, isTime: boolean, epoch: Epoch | undefined): string {
  switch (typeof v) {
    case 'number':
      return formatFloatPlain(v);
    case 'bigint':
      // Times are time.Time in InfluxDB's rows; its CSV writer prints them as nanoseconds unless
      // epoch= converted them to integers first.
      return (isTime && epoch !== undefined ? epochTime(v, epoch) : v).toString();
    case 'string':
      return v;
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return '';
  }
}

/** `host=a,region=b`: the tags as line protocol writes them after the measurement, sorted by key. */
function csvTags(tags: Readonly<Record<string, string>> | undefined): string {
  if (tags === undefined) return '';
  return Object.keys(tags)
    .sort(compareStrings)
    .map((k) => `${escapeTagKey(k)}=${escapeTagValue(tags[k]!)}`)
    .join(',');
}

/**
 * CSV as InfluxDB 1.6+ writes it for `Accept: application/csv`: a `name,tags,<columns>` header at
 * the first series of each statement, one line per row, a blank line between statements. The
 * writer keeps state across documents so a chunked response reads as one table per statement.
 * Statements without series (errors included) print nothing, as in InfluxDB.
 */
export class CsvFormatter {
  private statementId = -1;

  constructor(private readonly opts: Pick<FormatOptions, 'epoch'> = {}) {}

  format(doc: ResultDocument): string {
    let out = '';
    for (const r of doc.results) {
      const series = r.series ?? [];
      if (r.statementId !== this.statementId) {
        if (series.length === 0) continue;
        if (this.statementId >= 0) out += '\n';
        this.statementId = r.statementId;
        out += ['name', 'tags', ...series[0]!.columns].map(csvField).join(',') + '\n';
      }
      for (const s of series) {
        const prefix = csvField(s.name) + ',' + csvField(csvTags(s.tags));
        for (const row of s.values) {
          let line = prefix;
          for (let i = 0; i < row.length; i++) line += ',' + csvField(csvValue(row[i]!, i === 0 && s.timeColumn === true, this.opts.epoch));
          out += line + '\n';
        }
      }
    }
    return out;
  }
}
