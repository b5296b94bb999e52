// Owned points: what tests, slow paths and the serializer use. The write hot path stays on
// ParsedLine and never builds these.

import { FieldType } from './field-type.js';
import { INT64_MAX, INT64_MIN, UINT64_MAX } from './int64.js';
import { escapeFieldKey, escapeMeasurement, escapeStringField, escapeTagKey, escapeTagValue } from './escape.js';
import { type LineError, type ParseOptions, parseLines } from './parser.js';

/** A plain, owned point (tests, slow paths, serializer). */
export interface Point {
  measurement: string;
  /** Sorted by key. */
  tags: Array<[string, string]>;
  fields: Array<[string, FieldType, number | bigint | boolean | string]>;
  time?: bigint;
}

export function parseToPoints(body: Uint8Array | string, opts?: ParseOptions): { points: Point[]; errors: LineError[] } {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const points: Point[] = [];
  const errors: LineError[] = [];
  parseLines(
    bytes,
    {
      point(line) {
        const tags: Array<[string, string]> = [];
        for (let t = 0; t < line.tagCount; t++) tags.push([line.tagKey(t), line.tagValue(t)]);
        const fields: Point['fields'] = [];
        for (let f = 0; f < line.fieldCount; f++) {
          const type = line.fieldType(f);
          let value: number | bigint | boolean | string;
          switch (type) {
            case FieldType.Float:
              value = line.numberValue(f);
              break;
            case FieldType.Integer:
            case FieldType.Unsigned:
              value = line.intValue(f);
              break;
            case FieldType.Boolean:
              value = line.numberValue(f) === 1;
              break;
            default:
              value = line.stringValue(f);
          }
          fields.push([line.fieldKey(f), type, value]);
        }
        const point: Point = { measurement: line.measurement, tags, fields };
        if (line.time !== undefined) point.time = line.time;
        points.push(point);
      },
      error(err) {
        errors.push(err);
      },
    },
    opts,
  );
  return { points, errors };
}

/**
 * Serializes a point back to one line of line protocol (escaping everything needed); time in ns.
 * Throws RangeError for what line protocol cannot carry: empty names, newlines in names, a
 * measurement starting with '#' or a blank, non-finite floats, integers out of range, no fields.
 */
export function formatPoint(p: Point): string {
  const m = p.measurement;
  if (m === '') throw new RangeError('measurement must not be empty');
  checkName('measurement', m);
  const first = m.charCodeAt(0);
  // A leading '#' makes a comment; a leading tab or NUL is skipped as whitespace. Neither escapes.
  if (first === 0x23 || first === 0x09 || first === 0x00) {
    throw new RangeError(`measurement ${JSON.stringify(m)} cannot be written in line protocol`);
  }
  let line = escapeMeasurement(m);
  for (const [key, value] of p.tags) {
    if (key === '' || value === '') throw new RangeError(`tag ${JSON.stringify(key)} must have a non-empty key and value`);
    checkName('tag key', key);
    checkName('tag value', value);
    line += `,${escapeTagKey(key)}=${escapeTagValue(value)}`;
  }
  if (p.fields.length === 0) throw new RangeError('a point needs at least one field');
  let sep = ' ';
  for (const [key, type, value] of p.fields) {
    if (key === '') throw new RangeError('field keys must not be empty');
    checkName('field key', key);
    if (sep === ' ' && (key.charCodeAt(0) === 0x09 || key.charCodeAt(0) === 0x00)) {
      throw new RangeError(`first field key ${JSON.stringify(key)} cannot start with a blank`);
    }
    line += `${sep}${escapeFieldKey(key)}=${formatValue(key, type, value)}`;
    sep = ',';
  }
  if (p.time !== undefined) line += ` ${p.time}`;
  return line;
}

function checkName(what: string, s: string): void {
  if (s.includes('\n')) throw new RangeError(`${what} ${JSON.stringify(s)} must not contain a newline`);
}

function formatValue(key: string, type: FieldType, value: number | bigint | boolean | string): string {
  switch (type) {
    case FieldType.Float: {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new RangeError(`field ${JSON.stringify(key)}: float must be a finite number`);
      }
      // String() is the shortest text that reads back to the same double; keep the sign of -0.
      return Object.is(value, -0) ? '-0' : String(value);
    }
    case FieldType.Integer:
      return `${integer(key, value, INT64_MIN, INT64_MAX)}i`;
    case FieldType.Unsigned:
      return `${integer(key, value, 0n, UINT64_MAX)}u`;
    case FieldType.Boolean:
      if (typeof value !== 'boolean') throw new RangeError(`field ${JSON.stringify(key)}: boolean expected`);
      return value ? 'true' : 'false';
    case FieldType.String:
      if (typeof value !== 'string') throw new RangeError(`field ${JSON.stringify(key)}: string expected`);
      return `"${escapeStringField(value)}"`;
    default:
      throw new RangeError(`field ${JSON.stringify(key)}: unknown field type ${String(type)}`);
  }
}

function integer(key: string, value: unknown, min: bigint, max: bigint): bigint {
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
  else throw new RangeError(`field ${JSON.stringify(key)}: integer expected, got ${String(value)}`);
  if (v < min || v > max) throw new RangeError(`field ${JSON.stringify(key)}: ${v} out of range [${min}, ${max}]`);
  return v;
}
