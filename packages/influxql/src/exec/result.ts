// The result model: what executing a query produces, before anyone turns it into bytes.
//
// It mirrors InfluxDB's response: a document holds statement results, a result holds series, a
// series holds rows. Values keep their InfluxQL type in their JS type so the serializers can
// print them exactly: floats are numbers, integers and unsigned integers are bigints (never
// squeezed through a double), strings, booleans, and null. Times are nanosecond bigints in
// column 0 of series marked `timeColumn`; the serializers print them as RFC3339 strings or as
// epoch integers, as the request asked.

export type Value = null | boolean | number | bigint | string;

export interface Message {
  readonly level: string;
  readonly text: string;
}

export interface ResultSeries {
  /** Omitted from the output when ''. */
  readonly name: string;
  /** Omitted from the output when absent or empty. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly columns: readonly string[];
  readonly values: Value[][];
  /** More rows of this series follow in the next document (chunked output). */
  readonly partial?: boolean;
  /** Column 0 holds times in nanoseconds since the epoch. */
  readonly timeColumn?: boolean;
  /** The IANA zone of the statement's TZ(): RFC3339 times print with its offset. */
  readonly timeZone?: string;
}

export interface StatementResult {
  readonly statementId: number;
  readonly series?: readonly ResultSeries[];
  readonly messages?: readonly Message[];
  /** More results for this statement follow in the next document (chunked output). */
  readonly partial?: boolean;
  readonly error?: string;
}

/** One response document: `{"results":[...]}`, one line of a chunked response. */
export interface ResultDocument {
  readonly results: readonly StatementResult[];
  /** A failure of the whole request rather than of one statement. */
  readonly error?: string;
}

/**
 * `epoch=` values: how times are printed; undefined prints RFC3339 strings. InfluxDB 1.6 knows
 * these and no others: `µ` (which 1.8 added) prints nanoseconds there, and here.
 */
export type Epoch = 'ns' | 'n' | 'u' | 'ms' | 's' | 'm' | 'h';

export const EPOCHS: readonly Epoch[] = ['ns', 'n', 'u', 'ms', 's', 'm', 'h'];

const EPOCH_DIVISORS: Record<Epoch, bigint> = {
  ns: 1n,
  n: 1n,
  u: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** The time as an integer in the epoch's unit, truncated toward zero as Go's integer division. */
export function epochTime(ns: bigint, epoch: Epoch): bigint {
  return ns / EPOCH_DIVISORS[epoch];
}

/** An `epoch` request parameter, or undefined when it names no unit (InfluxDB then prints nanoseconds). */
export function parseEpoch(text: string | null | undefined): Epoch | undefined {
  if (text === null || text === undefined || text === '') return undefined;
  return (EPOCHS as readonly string[]).includes(text) ? (text as Epoch) : 'ns';
}

/**
 * Orders strings by code point, as Go compares strings (byte order of UTF-8). JavaScript's `<`
 * compares UTF-16 units, which puts supplementary characters before U+E000..U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys && (x >= 0xe000 || y >= 0xe000)) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}
