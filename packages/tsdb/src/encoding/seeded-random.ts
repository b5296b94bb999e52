// A small seeded PRNG (Marsaglia's xorshift128) and data generators for the codec tests and the
// benchmark: every random test run replays from its seed. Not for anything security-related.

export class SeededRandom {
  private x: number;
  private y = 362436069;
  private z = 521288629;
  private w = 88675123;
  private spareNormal = NaN;

  constructor(readonly seed: number) {
    // Spread the seed so nearby seeds start far apart; xorshift state must not be all zero.
    let s = seed >>> 0 || 0x9e3779b9;
    this.x = s;
    for (let i = 0; i < 8; i++) this.u32();
    s = Math.imul(s ^ (s >>> 16), 0x45d9f3b) >>> 0;
    this.w ^= s;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  u32(): number {
    const t = this.x ^ (this.x << 11);
    this.x = this.y;
    this.y = this.z;
    this.z = this.w;
    this.w = (this.w ^ (this.w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return this.w;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return (this.u32() * 2097152 + (this.u32() >>> 11)) / 9007199254740992;
  }

  /** Uniform integer in [lo, hi] (inclusive; the span must stay below 2^53). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    if (this.spareNormal === this.spareNormal) {
      const s = this.spareNormal;
      this.spareNormal = NaN;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Any int64, uniformly over its bits. */
  int64(): bigint {
    return BigInt.asIntN(64, (BigInt(this.u32()) << 32n) | BigInt(this.u32()));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
}

/**
 * Runs `body` once per seed; a failure is rethrown with the seed in its message so it replays
 * with `SHOAL_SEED=<seed>`, which also replaces the default seeds when set.
 */
export function forEachSeed(seeds: number, baseSeed: number, body: (rng: SeededRandom) => void): void {
  const fixed = globalThis.process?.env?.['SHOAL_SEED'];
  const list = fixed !== undefined && fixed !== '' ? [Number(fixed)] : Array.from({ length: seeds }, (_, i) => baseSeed + i);
  for (const seed of list) {
    try {
      body(new SeededRandom(seed));
    } catch (err) {
      if (err instanceof Error) err.message = `[seed ${seed}] ${err.message}`;
      throw err;
    }
  }
}

/** TSBS-like cpu field: a random walk in [0, 100] with N(0, 1) steps, stored as an integer. */
export function tsbsCpuInts(rng: SeededRandom, n: number): Float64Array {
  const out = new Float64Array(n);
  let state = rng.float() * 100;
  for (let i = 0; i < n; i++) {
    state += rng.normal();
    if (state < 0) state = 0;
    else if (state > 100) state = 100;
    out[i] = Math.trunc(state);
  }
  return out;
}

/** n timestamps every `intervalNs` from `startNs`. */
export function regularTimes(startNs: bigint, intervalNs: bigint, n: number): BigInt64Array {
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) out[i] = startNs + BigInt(i) * intervalNs;
  return out;
}
