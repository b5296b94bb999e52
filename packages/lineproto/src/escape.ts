// Backslash escaping of the parts of a line (see docs/line-protocol.md, "Escaping").
//
// Parsing: a backslash followed by a character of the part's escapable set stands for that
// character; a backslash followed by anything else is a literal backslash. Escapes are ASCII, so
// these functions work on decoded strings: UTF-8 continuation bytes are never ASCII.
//
// Formatting produces the canonical form: the delimiters of the part are escaped, and a backslash
// is doubled only where leaving it alone would change the meaning (before an escapable character
// or at the end). For text without backslashes this is exactly InfluxDB's escaping, so series
// keys match InfluxDB's byte for byte in the common case.

const BACKSLASH = 0x5c;

/** Characters that a backslash escapes in a measurement name. */
const MEASUREMENT_ESCAPABLE = ', =\\';
/** Characters that a backslash escapes in tag keys and tag values. */
const TAG_ESCAPABLE = ', =\\';
/** Characters that a backslash escapes in field keys; InfluxDB also unescapes `\"` there. */
const FIELD_KEY_ESCAPABLE = ', ="\\';

/** Characters that must be escaped when writing each part. */
const MEASUREMENT_DELIMITERS = ', ';
const TAG_DELIMITERS = ', =';
const FIELD_KEY_DELIMITERS = ', =';

function unescapeWith(s: string, escapable: string): string {
  let i = s.indexOf('\\');
  if (i < 0) return s;
  let out = s.slice(0, i);
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH && i + 1 < n && escapable.includes(s[i + 1]!)) {
      out += s[i + 1];
      i += 2;
    } else {
      out += s[i];
      i++;
    }
  }
  return out;
}

function escapeWith(s: string, delimiters: string, escapable: string): string {
  let needs = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\' || delimiters.includes(ch)) {
      needs = true;
      break;
    }
  }
  if (!needs) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\') {
      const next = s[i + 1];
      out += next === undefined || escapable.includes(next) ? '\\\\' : '\\';
    } else if (delimiters.includes(ch)) {
      out += '\\' + ch;
    } else {
      out += ch;
    }
  }
  return out;
}

export function unescapeMeasurement(raw: string): string {
  return unescapeWith(raw, MEASUREMENT_ESCAPABLE);
}

export function unescapeTag(raw: string): string {
  return unescapeWith(raw, TAG_ESCAPABLE);
}

export function unescapeFieldKey(raw: string): string {
  return unescapeWith(raw, FIELD_KEY_ESCAPABLE);
}

export function escapeMeasurement(name: string): string {
  return escapeWith(name, MEASUREMENT_DELIMITERS, MEASUREMENT_ESCAPABLE);
}

export function escapeTagKey(key: string): string {
  return escapeWith(key, TAG_DELIMITERS, TAG_ESCAPABLE);
}

/**
 * Like keys, except that a leading '=' stays as it is: InfluxDB reads the first byte of a tag
 * value without looking for '=' and keeps it unescaped in its series key, so we do the same and
 * the key of a series does not depend on how its value was spelled.
 */
export function escapeTagValue(value: string): string {
  if (value.charCodeAt(0) !== 0x3d) return escapeWith(value, TAG_DELIMITERS, TAG_ESCAPABLE);
  return '=' + escapeWith(value.slice(1), TAG_DELIMITERS, TAG_ESCAPABLE);
}

export function escapeFieldKey(key: string): string {
  return escapeWith(key, FIELD_KEY_DELIMITERS, FIELD_KEY_ESCAPABLE);
}

/** String field values: `\"` and `\\` are escapes, every other backslash is literal (as InfluxDB). */
export function unescapeStringField(raw: string): string {
  let i = raw.indexOf('\\');
  if (i < 0) return raw;
  let out = raw.slice(0, i);
  const n = raw.length;
  while (i < n) {
    const ch = raw[i]!;
    if (ch === '\\' && i + 1 < n && (raw[i + 1] === '"' || raw[i + 1] === '\\')) {
      out += raw[i + 1];
      i += 2;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

export function escapeStringField(value: string): string {
  if (value.indexOf('\\') < 0 && value.indexOf('"') < 0) return value;
  return value.replace(/[\\"]/g, '\\$&');
}
