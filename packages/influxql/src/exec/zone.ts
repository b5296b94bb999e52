// Time zones for `TZ('...')`: the UTC offset of an IANA zone at an instant (through Node's ICU),
// and times printed as Go prints a time.Time in that zone.

import { formatRFC3339Nano } from '../time-literal.js';

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
const formatters = new Map<string, Intl.DateTimeFormat>();
const cache = new Map<string, Map<number, number>>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's offset from UTC, in seconds, at the instant `utcMs`. */
function offsetSecondsAt(zone: string, utcMs: number): number {
  // Offsets change at most at whole minutes; remember them per minute.
  const minute = Math.floor(utcMs / 60_000);
  let byMinute = cache.get(zone);
  if (byMinute === undefined) cache.set(zone, (byMinute = new Map()));
  const hit = byMinute.get(minute);
  if (hit !== undefined) return hit;
  const parts = formatter(zone).formatToParts(new Date(minute * 60_000));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  let year = get('year');
  if (parts.find((p) => p.type === 'era')?.value === 'BC') year = 1 - year;
  const wall = Date.UTC(year, get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const offset = Math.round((wall - minute * 60_000) / 1000);
  if (byMinute.size > 4096) byMinute.clear();
  byMinute.set(minute, offset);
  return offset;
}

/** The zone's offset in nanoseconds at `ns` (0 for UTC or no zone). */
export function zoneOffsetNs(zone: string | null, ns: bigint): bigint {
  if (zone === null || zone === '' || zone === 'UTC') return 0n;
  const ms = Number(ns / NS_PER_MS);
  return BigInt(offsetSecondsAt(zone, ms)) * NS_PER_S;
}

const pad = (n: bigint): string => n.toString().padStart(2, '0');

/** RFC3339 with nanoseconds in the zone, as Go marshals a time.Time in a location (`Z` when the offset is 0). */
export function formatInZone(ns: bigint, zone: string | null): string {
  const off = zoneOffsetNs(zone, ns);
  if (off === 0n) return formatRFC3339Nano(ns);
  const local = formatRFC3339Nano(ns + off).slice(0, -1);
  const abs = off < 0n ? -off : off;
  const minutes = abs / (60n * NS_PER_S);
  return `${local}${off < 0n ? '-' : '+'}${pad(minutes / 60n)}:${pad(minutes % 60n)}`;
}
