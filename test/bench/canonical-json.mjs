// Canonical JSON text of a /query answer, so that two servers giving the same answer produce the
// same bytes (and the same checksum) however each one spells it. query.mjs hashes this.
//
// What is made canonical:
//   - whitespace between tokens is dropped;
//   - object members are sorted by key (JSON objects are unordered; arrays keep their order, since
//     the order of series, rows and columns is part of an InfluxDB answer);
//   - strings are re-escaped the way JSON.stringify does (so "\u0041" and "A" agree);
//   - numbers: an integer value is written with all its digits, whatever the spelling (1, 1.0,
//     1e0, 1.451606400e18 are "1" ... "1451606400000000000"), exactly — not through a float64, so
//     nanosecond timestamps (above 2^53) are compared digit by digit; a number with a fraction is
//     written as the shortest text of its float64 (what both servers hold), e.g. 0.1 and 0.10 agree.
//
// Not JSON.parse: it turns every number into a float64 first, and 1451606400000000001 would then
// equal 1451606400000000000.

/** Longest run of zeros an integer may be written with; past that it keeps an exponent. */
const INTEGER_ZEROS_MAX = 400;
/** Deepest nesting accepted, so a hostile or broken answer cannot exhaust the stack. */
const DEPTH_MAX = 200;

export class CanonicalJsonError extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING_BODY = /(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** The canonical spelling of one JSON number token. */
export function canonicalNumber(text) {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) throw new CanonicalJsonError(`not a JSON number: ${text}`);
  const [, sign, intDigits, fracDigits = '', expText = '0'] = m;
  let digits = (intDigits + fracDigits).replace(/^0+/, '');
  if (digits === '') return '0'; // -0 and 0.000 included
  let exp10 = Number(expText) - fracDigits.length;
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exp10 += trailing;
  if (exp10 >= 0) {
    if (exp10 > INTEGER_ZEROS_MAX) return `${sign}${digits}e${exp10}`;
    return sign + digits + '0'.repeat(exp10);
  }
  const x = Number(text);
  if (!Number.isFinite(x)) throw new CanonicalJsonError(`number out of float64 range: ${text}`);
  return String(x);
}

/** Canonical text of a whole JSON document (see the top of this file). */
export function canonicalJson(text) {
  let pos = 0;
  const fail = (what) => {
    throw new CanonicalJsonError(`${what} at byte ${pos}: ${JSON.stringify(text.slice(pos, pos + 40))}`);
  };
  const skipSpace = () => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  const string = () => {
    // at the opening quote
    STRING_BODY.lastIndex = pos + 1;
    if (!STRING_BODY.exec(text)) fail('bad string');
    const raw = text.slice(pos, STRING_BODY.lastIndex);
    pos = STRING_BODY.lastIndex;
    return JSON.parse(raw);
  };
  const value = (depth) => {
    if (depth > DEPTH_MAX) fail(`nested deeper than ${DEPTH_MAX}`);
    skipSpace();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const members = [];
      skipSpace();
      if (text[pos] === '}') {
        pos++;
        return '{}';
      }
      for (;;) {
        skipSpace();
        if (text[pos] !== '"') fail('expected a key');
        const key = string();
        skipSpace();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        members.push([key, value(depth + 1)]);
        skipSpace();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          break;
        } else fail("expected ',' or '}'");
      }
      members.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return '{' + members.map(([k, v]) => JSON.stringify(k) + ':' + v).join(',') + '}';
    }
    if (c === '[') {
      pos++;
      const items = [];
      skipSpace();
      if (text[pos] === ']') {
        pos++;
        return '[]';
      }
      for (;;) {
        items.push(value(depth + 1));
        skipSpace();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          break;
        } else fail("expected ',' or ']'");
      }
      return '[' + items.join(',') + ']';
    }
    if (c === '"') return JSON.stringify(string());
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return word;
      }
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (!m) fail('unexpected character');
    pos = NUMBER.lastIndex;
    return canonicalNumber(m[0]);
  };
  const out = value(0);
  skipSpace();
  if (pos !== text.length) fail('text after the document');
  return out;
}

/** Offset (UTF-16 units; bytes for ASCII) of the first difference of two strings, or -1 if equal. */
export function firstDifference(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return i;
  return a.length === b.length ? -1 : n;
}
