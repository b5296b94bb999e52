// Time strings in InfluxQL conditions ('2000-01-01', '2000-01-01 00:00:00.5', RFC3339) and the
// RFC3339 text InfluxDB prints for times, all as int64 nanoseconds since the epoch.
//
// InfluxDB reads a string as a time when it starts like a date: `YYYY-MM-DD` alone, or followed
// by anything. It tries `YYYY-MM-DD HH:MM:SS[.frac]` in the query's zone, then RFC3339 with a
// `Z` or `±hh:mm` offset, then gives up with "invalid timestamp string".

import { NS_PER_SECOND } from './duration.js';

export const INVALID_TIMESTAMP = 'invalid timestamp string';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}.+/;

/** True when InfluxDB would try to read the string as a time. */
export function isTimeString(s: string): boolean {
  return DATE_ONLY.test(s) || DATE_TIME.test(s);
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(month: number, year: number): number {
  return month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** Days from 1970-01-01 to the civil date (proleptic Gregorian). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [m <= 2 ? y + 1 : y, m, d];
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: bigint;
}

function wallToUtcNs(w: WallClock): bigint {
  const days = daysFromCivil(w.year, w.month, w.day);
  const secs = BigInt(days) * 86400n + BigInt(w.hour * 3600 + w.minute * 60 + w.second);
  return secs * NS_PER_SECOND + w.nanos;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of the zone from UTC, in seconds, at the given instant. */
function zoneOffsetSeconds(zone: string, utcMs: number): number {
  let f = offsetFormatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    offsetFormatters.set(zone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(utcMs))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const asUtc =
    daysFromCivil(year, Number(parts.month), Number(parts.day)) * 86400 +
    Number(parts.hour) * 3600 +
    Number(parts.minute) * 60 +
    Number(parts.second);
  return asUtc - Math.floor(utcMs / 1000);
}

/** True when the IANA zone name is known (as Go's time.LoadLocation would find it). */
export function isKnownTimeZone(zone: string): boolean {
  if (zone === '' || zone === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The UTC instant of a wall-clock reading in a zone (null or 'UTC' for UTC). */
function zonedToUtcNs(w: WallClock, zone: string | null): bigint {
  const asUtc = wallToUtcNs(w);
  if (zone === null || zone === '' || zone === 'UTC') return asUtc;
  // Two passes settle on the offset in force at the resulting instant, also across a DST change.
  const ms = Number(asUtc / 1_000_000n);
  let offset = zoneOffsetSeconds(zone, ms);
  offset = zoneOffsetSeconds(zone, ms - offset * 1000);
  return asUtc - BigInt(offset) * NS_PER_SECOND;
}

/** Reads `n` digits exactly. */
function fixed(s: string, at: number, n: number): number | null {
  const part = s.slice(at, at + n);
  return part.length === n && /^\d+$/.test(part) ? Number(part) : null;
}

/** Go accepts one or two digits for an hour written as "15" in the layout. */
function hourAt(s: string, at: number): [number, number] | null {
  const m = /^\d\d?/.exec(s.slice(at));
  return m === null ? null : [Number(m[0]), at + m[0].length];
}

/** An optional `.123` (or `,123`) of any length; digits beyond nanoseconds are dropped. */
function fractionAt(s: string, at: number): [bigint, number] {
  if ((s[at] === '.' || s[at] === ',') && s[at + 1] !== undefined && s[at + 1]! >= '0' && s[at + 1]! <= '9') {
    const m = /^\d+/.exec(s.slice(at + 1))!;
    const digits = m[0].slice(0, 9).padEnd(9, '0');
    return [BigInt(digits), at + 1 + m[0].length];
  }
  return [0n, at];
}

function validWall(w: WallClock): boolean {
  return (
    w.month >= 1 &&
    w.month <= 12 &&
    w.day >= 1 &&
    w.day <= daysIn(w.month, w.year) &&
    w.hour <= 23 &&
    w.minute <= 59 &&
    w.second <= 59
  );
}

/** `YYYY-MM-DD?HH:MM:SS[.frac]` where `?` is `sep`; returns the wall clock and where it stopped. */
function readDateTime(s: string, sep: string): [WallClock, number] | null {
  const year = fixed(s, 0, 4);
  const month = fixed(s, 5, 2);
  const day = fixed(s, 8, 2);
  if (year === null || month === null || day === null || s[4] !== '-' || s[7] !== '-' || s[10] !== sep) {
    return null;
  }
  const h = hourAt(s, 11);
  if (h === null) return null;
  let at = h[1];
  if (s[at] !== ':') return null;
  const minute = fixed(s, at + 1, 2);
  if (minute === null || s[at + 3] !== ':') return null;
  const second = fixed(s, at + 4, 2);
  if (second === null) return null;
  at += 6;
  const [nanos, end] = fractionAt(s, at);
  const w: WallClock = { year, month, day, hour: h[0], minute, second, nanos };
  return validWall(w) ? [w, end] : null;
}

/**
 * The instant a time string names, in nanoseconds since the epoch; `zone` (an IANA name) applies
 * to strings without an offset. Throws Error('invalid timestamp string') like InfluxDB.
 */
export function parseTimeString(s: string, zone: string | null = null): bigint {
  if (DATE_TIME.test(s)) {
    const local = readDateTime(s, ' ');
    if (local !== null && local[1] === s.length) return zonedToUtcNs(local[0], zone);

    const rfc = readDateTime(s, 'T');
    if (rfc !== null) {
      const [w, at] = rfc;
      if (s[at] === 'Z' && at + 1 === s.length) return wallToUtcNs(w);
      const sign = s[at];
      const oh = fixed(s, at + 1, 2);
      const om = fixed(s, at + 4, 2);
      if ((sign === '+' || sign === '-') && oh !== null && om !== null && s[at + 3] === ':' && at + 6 === s.length) {
        const offset = BigInt(oh * 3600 + om * 60) * NS_PER_SECOND;
        return sign === '+' ? wallToUtcNs(w) - offset : wallToUtcNs(w) + offset;
      }
    }
    throw new Error(INVALID_TIMESTAMP);
  }
  if (DATE_ONLY.test(s)) {
    const w: WallClock = {
      year: Number(s.slice(0, 4)),
      month: Number(s.slice(5, 7)),
      day: Number(s.slice(8, 10)),
      hour: 0,
      minute: 0,
      second: 0,
      nanos: 0n,
    };
    if (!validWall(w)) throw new Error(INVALID_TIMESTAMP);
    return zonedToUtcNs(w, zone);
  }
  throw new Error(INVALID_TIMESTAMP);
}

function splitNs(ns: bigint): [number, number, number, number, number, number, bigint] {
  let secs = ns / NS_PER_SECOND;
  let frac = ns % NS_PER_SECOND;
  if (frac < 0n) {
    frac += NS_PER_SECOND;
    secs -= 1n;
  }
  let days = secs / 86400n;
  let rem = secs % 86400n;
  if (rem < 0n) {
    rem += 86400n;
    days -= 1n;
  }
  const [y, m, d] = civilFromDays(Number(days));
  const r = Number(rem);
  return [y, m, d, Math.floor(r / 3600), Math.floor((r % 3600) / 60), r % 60, frac];
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function formatYear(y: number): string {
  return y < 0 ? '-' + pad(-y, 4) : pad(y, 4);
}

/** RFC3339 in UTC with the fraction trimmed of trailing zeros (Go's time.RFC3339Nano). */
export function formatRFC3339Nano(ns: bigint): string {
  const [y, mo, d, h, mi, s, frac] = splitNs(ns);
  let out = `${formatYear(y)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`;
  if (frac !== 0n) out += '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  return out + 'Z';
}

/** RFC3339 in UTC to the second (Go's time.RFC3339), as in "time ... overflows time literal". */
export function formatRFC3339(ns: bigint): string {
  const [y, mo, d, h, mi, s] = splitNs(ns);
  return `${formatYear(y)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}Z`;
}
