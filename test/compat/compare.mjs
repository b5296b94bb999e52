// Compares a recorded InfluxDB answer with Shoal's: JSON-equivalently and int64-exactly.
//
// JSON bodies are parsed by a small lossless parser: every number keeps its source text, so
// 9223372036854775807 and 9007199254740993 survive (JSON.parse would round them to float64).
// Two values are equivalent when
//   - objects have the same key set with equivalent values (key order is irrelevant);
//   - arrays have the same length and equivalent elements in the same order;
//   - strings, booleans and null are identical;
//   - numbers are equal by value, decided by the kind of literal on each side:
//       both integer literals (no '.', no exponent)  -> compared exactly as BigInt;
//       both with a fraction or an exponent          -> compared as float64 (Number(a) === Number(b));
//       one of each                                  -> equal only when the integer is exactly
//                                                       representable as a float64 and the two
//                                                       float64 values are equal.
//
// Why `1` equals `1.0`: InfluxDB is written in Go, and Go's encoding/json prints a float64 with
// the shortest text that reads back to the same value, without a decimal point when the value is
// integral ('f' format below 1e21, exponent form from 1e21 and below 1e-6). A float field holding
// 50 is therefore sent as `50`, exactly like the integer 50; a JSON reader cannot tell them apart,
// and neither can a client. So a Shoal answer writing `50.0` where InfluxDB wrote `50` is
// equivalent, while `9007199254740992.0` against InfluxDB's integer `9007199254740993` is not:
// the integer is not a float64, and a client parsing into int64 would see a different value.
// `-0` and `0` are equal (float64 equality), as they are for every JSON client.
//
// A body may hold several JSON documents one after another (a chunked=true answer); they are
// compared as a list. Bodies that are not JSON (text/csv, text/plain) are compared as exact text.

/** A JSON number kept as its source text. */
export class JsonNumber {
  constructor(text) {
    this.text = text;
  }
  /** True for an integer literal (no fraction, no exponent): compared as BigInt. */
  get isInteger() {
    return !/[.eE]/.test(this.text);
  }
  toString() {
    return this.text;
  }
}

export class JsonSyntaxError extends Error {
  constructor(message, offset) {
    super(`${message} at offset ${offset}`);
    this.name = 'JsonSyntaxError';
    this.offset = offset;
  }
}

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const MAX_DEPTH = 512;

/**
 * Parses one or more whitespace-separated JSON documents. Objects become null-prototype objects
 * (so a key named "__proto__" is an ordinary key), numbers become JsonNumber. A duplicate key in
 * one object is an error: its meaning differs between JSON readers, so no golden may rely on it.
 */
export function parseJsonDocuments(text) {
  let i = 0;
  const docs = [];

  const skipWs = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };

  const parseString = () => {
    const start = i;
    i++; // opening quote
    for (;;) {
      if (i >= text.length) throw new JsonSyntaxError('unterminated string', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) i += 2;
      else if (c < 0x20) throw new JsonSyntaxError('control character in string', i);
      else i++;
    }
    i++; // closing quote
    try {
      // The slice is one complete JSON string literal; JSON.parse decodes its escapes exactly.
      return JSON.parse(text.slice(start, i));
    } catch {
      throw new JsonSyntaxError('bad string escape', start);
    }
  };

  const parseValue = (depth) => {
    if (depth > MAX_DEPTH) throw new JsonSyntaxError('nesting too deep', i);
    skipWs();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = Object.create(null);
      skipWs();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[i] !== '"') throw new JsonSyntaxError('expected object key', i);
        const keyAt = i;
        const key = parseString();
        if (Object.prototype.hasOwnProperty.call(obj, key)) throw new JsonSyntaxError(`duplicate key ${JSON.stringify(key)}`, keyAt);
        skipWs();
        if (text[i] !== ':') throw new JsonSyntaxError("expected ':'", i);
        i++;
        obj[key] = parseValue(depth + 1);
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        throw new JsonSyntaxError("expected ',' or '}'", i);
      }
    }
    if (c === '[') {
      i++;
      const arr = [];
      skipWs();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        throw new JsonSyntaxError("expected ',' or ']'", i);
      }
    }
    if (c === '"') return parseString();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (m === null) throw new JsonSyntaxError('unexpected character', i);
    i += m[0].length;
    return new JsonNumber(m[0]);
  };

  skipWs();
  while (i < text.length) {
    docs.push(parseValue(0));
    // A document may follow the previous one directly only after a closing bracket or quote
    // (`{}{}`); `truefalse` or `1-2` must not read as two documents.
    const end = i;
    skipWs();
    if (i < text.length && i === end && !/[}\]"]/.test(text[end - 1])) throw new JsonSyntaxError('expected whitespace between documents', i);
  }
  return docs;
}

/** Parses exactly one JSON document. */
export function parseJsonLossless(text) {
  const docs = parseJsonDocuments(text);
  if (docs.length !== 1) throw new JsonSyntaxError(`expected one JSON document, found ${docs.length}`, 0);
  return docs[0];
}

/** True when an integer literal's value is exactly a float64. */
function integerIsFloat64(text) {
  const big = BigInt(text);
  const f = Number(big);
  return Number.isFinite(f) && BigInt(f) === big;
}

/** Numeric equality by the rules in this file's header. */
export function numbersEqual(a, b) {
  const aInt = a.isInteger;
  const bInt = b.isInteger;
  if (aInt && bInt) return BigInt(a.text) === BigInt(b.text);
  if (aInt && !integerIsFloat64(a.text)) return false;
  if (bInt && !integerIsFloat64(b.text)) return false;
  return Number(a.text) === Number(b.text);
}

function kindOf(v) {
  if (v === null) return 'null';
  if (v instanceof JsonNumber) return 'number';
  if (Array.isArray(v)) return 'array';
  return typeof v; // 'string' | 'boolean' | 'object'
}

/** Short text of a parsed value for a difference report. */
export function show(v, maxChars = 120) {
  const s = stringify(v);
  return s.length > maxChars ? `${s.slice(0, maxChars - 3)}...` : s;
}

/** Serializes a parsed value back to JSON, numbers as their source text. */
export function stringify(v) {
  switch (kindOf(v)) {
    case 'null':
    case 'boolean':
      return String(v);
    case 'number':
      return v.text;
    case 'string':
      return JSON.stringify(v);
    case 'array':
      return `[${v.map(stringify).join(',')}]`;
    default:
      return `{${Object.keys(v)
        .map((k) => `${JSON.stringify(k)}:${stringify(v[k])}`)
        .join(',')}}`;
  }
}

function pathOf(parent, key) {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/**
 * The differences between two parsed values, depth first in document order, at most `maxDiffs`.
 * Each: { path, expected, actual, reason } with expected/actual as short JSON text
 * ('(absent)' for a missing key).
 */
export function diffJson(expected, actual, { maxDiffs = 10, rootPath = '$' } = {}) {
  const diffs = [];
  const add = (path, e, a, reason) => {
    if (diffs.length < maxDiffs) diffs.push({ path, expected: e, actual: a, reason });
  };
  const walk = (e, a, path) => {
    if (diffs.length >= maxDiffs) return;
    const ek = kindOf(e);
    const ak = kindOf(a);
    if (ek !== ak) {
      add(path, show(e), show(a), `type ${ek} != ${ak}`);
      return;
    }
    switch (ek) {
      case 'null':
        return;
      case 'boolean':
        if (e !== a) add(path, show(e), show(a), 'value');
        return;
      case 'string':
        if (e !== a) {
          // Long strings (error messages) often differ in a few characters: show that spot.
          const at = firstDifference(e, a);
          if (Math.max(e.length, a.length) <= 100) add(path, show(e), show(a), 'value');
          else add(path, excerpt(e, at), excerpt(a, at), `string differs at char ${at}`);
        }
        return;
      case 'number':
        if (!numbersEqual(e, a)) add(path, e.text, a.text, 'number');
        return;
      case 'array':
        for (let k = 0; k < Math.min(e.length, a.length); k++) walk(e[k], a[k], pathOf(path, k));
        if (e.length !== a.length) add(path, `length ${e.length}`, `length ${a.length}`, 'array length');
        return;
      default: {
        for (const k of Object.keys(e)) {
          if (!Object.prototype.hasOwnProperty.call(a, k)) add(pathOf(path, k), show(e[k]), '(absent)', 'missing key');
          else walk(e[k], a[k], pathOf(path, k));
        }
        for (const k of Object.keys(a)) {
          if (!Object.prototype.hasOwnProperty.call(e, k)) add(pathOf(path, k), '(absent)', show(a[k]), 'unexpected key');
        }
      }
    }
  };
  walk(expected, actual, rootPath);
  return diffs;
}

/** True when the media type (Content-Type without parameters) is JSON. */
export function isJsonContentType(contentType) {
  const media = String(contentType ?? '').split(';')[0].trim().toLowerCase();
  return media === 'application/json' || media.endsWith('+json');
}

/**
 * Compares two bodies: JSON-equivalently (all documents, in order) when the expected content type
 * is JSON and the expected body is not empty, else as exact text. Returns the differences (empty
 * when equivalent). A body that does not parse is itself a difference.
 */
export function diffBodies(expectedBody, actualBody, expectedContentType, { maxDiffs = 10 } = {}) {
  if (!isJsonContentType(expectedContentType) || expectedBody === '') {
    if (expectedBody === actualBody) return [];
    return [{ path: 'body', expected: preview(expectedBody), actual: preview(actualBody), reason: `text differs at offset ${firstDifference(expectedBody, actualBody)}` }];
  }
  const expectedDocs = parseJsonDocuments(expectedBody); // goldens must parse: a throw here is a broken golden
  let actualDocs;
  try {
    actualDocs = parseJsonDocuments(actualBody);
  } catch (err) {
    return [{ path: 'body', expected: preview(expectedBody), actual: preview(actualBody), reason: `not JSON: ${err.message}` }];
  }
  if (expectedDocs.length === 1 && actualDocs.length === 1) return diffJson(expectedDocs[0], actualDocs[0], { maxDiffs });
  const diffs = [];
  for (let d = 0; d < Math.min(expectedDocs.length, actualDocs.length) && diffs.length < maxDiffs; d++) {
    diffs.push(...diffJson(expectedDocs[d], actualDocs[d], { maxDiffs: maxDiffs - diffs.length, rootPath: `doc[${d}]` }));
  }
  if (expectedDocs.length !== actualDocs.length && diffs.length < maxDiffs) {
    diffs.push({ path: 'body', expected: `${expectedDocs.length} documents`, actual: `${actualDocs.length} documents`, reason: 'document count' });
  }
  return diffs;
}

/**
 * Compares a recorded answer ({status, headers, body}, as in golden/<id>.json) with an actual one
 * (headers lower-cased, as Node gives them). `headers` names the response headers to compare
 * exactly (default: content-type). Returns the differences, status and headers first.
 */
export function diffResponses(golden, actual, { headers = ['content-type'], maxDiffs = 10 } = {}) {
  const diffs = [];
  if (golden.status !== actual.status) diffs.push({ path: 'status', expected: String(golden.status), actual: String(actual.status), reason: 'status' });
  for (const name of headers) {
    const e = golden.headers[name];
    const a = actual.headers[name];
    if (e !== a) diffs.push({ path: `header ${name}`, expected: e ?? '(absent)', actual: a ?? '(absent)', reason: 'header' });
  }
  diffs.push(...diffBodies(golden.body, actual.body, golden.headers['content-type'], { maxDiffs: Math.max(0, maxDiffs - diffs.length) }));
  return diffs.slice(0, maxDiffs);
}

/** One line per difference, for test failure messages. */
export function formatDiffs(diffs) {
  return diffs.map((d) => `${d.path}: expected ${d.expected}, got ${d.actual} (${d.reason})`).join('\n');
}

function preview(s, maxChars = 200) {
  const j = JSON.stringify(s);
  return j.length > maxChars ? `${j.slice(0, maxChars - 4)}..."` : j;
}

/** A JSON-quoted piece of s around index `at`, with … where it was cut. */
function excerpt(s, at, before = 30, after = 50) {
  const from = Math.max(0, at - before);
  const to = Math.min(s.length, at + after);
  return `${from > 0 ? '…' : ''}${JSON.stringify(s.slice(from, to))}${to < s.length ? '…' : ''}`;
}

function firstDifference(a, b) {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) if (a[k] !== b[k]) return k;
  return n;
}
