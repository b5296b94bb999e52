// Timestamp precision of a write request (the `precision` query parameter of /write).

export type Precision = 'n' | 'ns' | 'u' | 'us' | 'ms' | 's' | 'm' | 'h';

const MULTIPLIER_NS: Readonly<Record<Precision, bigint>> = {
  n: 1n,
  ns: 1n,
  u: 1_000n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** '' or undefined → 'ns'; unknown → undefined (the HTTP layer turns that into a 400). */
export function parsePrecision(s: string | undefined | null): Precision | undefined {
  if (s === undefined || s === null || s === '') return 'ns';
  // hasOwn, not `in`: 'toString' and friends must not pass as precisions.
  return Object.hasOwn(MULTIPLIER_NS, s) ? (s as Precision) : undefined;
}

export function precisionMultiplierNs(p: Precision): bigint {
  const m = MULTIPLIER_NS[p];
  if (m === undefined) throw new RangeError(`unknown precision ${JSON.stringify(p)}`);
  return m;
}
