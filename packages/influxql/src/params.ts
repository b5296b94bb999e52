// Bound parameters: `$name` in the query text, values from the `params` JSON of /query.
//
// InfluxDB substitutes a parameter at the token level: `$m` with {"m": "cpu"} reads as the string
// token 'cpu', with {"m": {"identifier": "cpu"}} as the identifier cpu. A value it cannot bind turns
// into an error token that fails where it is used. We do the same, from the values JSON.parse gives:
// a JS number is an integer when it is a safe integer and a float otherwise (InfluxDB decides by
// whether the JSON text had a '.', which JSON.parse does not keep: 10.0 binds as an integer here).

import { INT64_MAX, INT64_MIN } from '@shoal/lineproto';
import { formatDuration } from './duration.js';
import type { Token } from './token.js';

export type ParamObject =
  | { identifier: string }
  | { ident: string }
  | { string: string }
  | { regex: string }
  | { integer: number | bigint }
  | { int: number | bigint }
  | { number: number }
  | { float: number }
  | { duration: string | number | bigint };

export type ParamValue = string | number | bigint | boolean | ParamObject;

export type Params = Readonly<Record<string, unknown>>;

/** The token a bound parameter reads as. An unbindable value reads as BOUNDPARAM carrying the reason. */
export interface BoundToken {
  tok: Token;
  lit: string;
}

const errorValue = (message: string): BoundToken => ({ tok: 'BOUNDPARAM', lit: message });

/** Go's name for the type of a value decoded from JSON, for "unable to bind parameter with type %T". */
function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  return typeof v;
}

/** A float as Go's strconv.FormatFloat(v, 'f', -1, 64) writes it: shortest digits, no exponent. */
export function formatFloatPlain(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  const e = s.indexOf('e');
  if (e === -1) return s;
  const neg = s[0] === '-';
  const mantissa = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const pointAt = (dot === -1 ? mantissa.length : dot) + exp;
  let out: string;
  if (pointAt <= 0) out = '0.' + '0'.repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = digits.slice(0, pointAt) + '.' + digits.slice(pointAt);
  return (neg ? '-' : '') + out;
}

function integerValue(v: bigint): BoundToken {
  if (v < INT64_MIN || v > INT64_MAX) {
    return errorValue(`strconv.ParseInt: parsing "${v}": value out of range`);
  }
  return { tok: 'INTEGER', lit: v.toString() };
}

function numberValue(v: number): BoundToken {
  return { tok: 'NUMBER', lit: formatFloatPlain(v) };
}

function bindNumber(v: number): BoundToken {
  if (Number.isSafeInteger(v)) return integerValue(BigInt(v));
  return numberValue(v);
}

function bindObject(m: Record<string, unknown>): BoundToken {
  const keys = Object.keys(m);
  if (keys.length !== 1) return errorValue('bound object parameter value must have exactly one entry');
  const k = keys[0]!;
  const v = m[k];
  switch (k) {
    case 'ident':
    case 'identifier':
      return typeof v === 'string' ? { tok: 'IDENT', lit: v } : errorValue('identifier must be a string value');
    case 'regex':
      return typeof v === 'string' ? { tok: 'REGEX', lit: v } : errorValue('regex literal must be a string value');
    case 'string':
      return typeof v === 'string' ? { tok: 'STRING', lit: v } : errorValue('string literal must be a string value');
    case 'float':
    case 'number':
      if (typeof v === 'number') return numberValue(v);
      if (typeof v === 'bigint') return numberValue(Number(v));
      return errorValue('number literal must be a float value');
    case 'int':
    case 'integer':
      if (typeof v === 'bigint') return integerValue(v);
      if (typeof v === 'number' && Number.isSafeInteger(v)) return integerValue(BigInt(v));
      return errorValue('integer literal must be an integer value');
    case 'duration':
      if (typeof v === 'string') return { tok: 'DURATIONVAL', lit: v };
      if (typeof v === 'bigint') return { tok: 'DURATIONVAL', lit: formatDuration(v) };
      if (typeof v === 'number' && Number.isSafeInteger(v)) {
        return { tok: 'DURATIONVAL', lit: formatDuration(BigInt(v)) };
      }
      return errorValue('duration literal must be a string or integer value');
    default:
      return errorValue(`unknown bind object type: ${k}`);
  }
}

/** The token `$name` reads as for this value. */
export function bindValue(v: unknown): BoundToken {
  switch (typeof v) {
    case 'string':
      return { tok: 'STRING', lit: v };
    case 'boolean':
      return { tok: v ? 'TRUE' : 'FALSE', lit: '' };
    case 'number':
      return bindNumber(v);
    case 'bigint':
      return integerValue(v);
    case 'object':
      if (v !== null && !Array.isArray(v)) return bindObject(v as Record<string, unknown>);
      break;
  }
  return errorValue(`unable to bind parameter with type ${goTypeName(v)}`);
}
