// FNV-1a 64 of a series key, the hash InfluxDB uses to pick a series' shard within a shard group
// (hash mod shard count). It must stay bit-exact: every node, and every version, must map a
// series to the same shard.
//
// The hash sits on the write path (once per series per batch), so it avoids BigInt: the 64-bit
// state is four 16-bit limbs in small integers. The FNV prime is 2^40 + 0x1b3, so a multiply is
// `h * 0x1b3 + (h << 40)`: per limb a small product plus a carry, all exact in int32 arithmetic.
// About ten times faster than a BigInt multiply per byte on 50-byte keys (docs/meta.md).

const PRIME_LOW = 0x1b3;
// Offset basis 0xcbf29ce484222325, least significant limb first.
const BASIS_0 = 0x2325;
const BASIS_1 = 0x8422;
const BASIS_2 = 0x9ce4;
const BASIS_3 = 0xcbf2;

// The result of the last hash, least significant limb first. The loops keep the state in locals
// (faster than a typed array) and store it here once.
let out0 = 0;
let out1 = 0;
let out2 = 0;
let out3 = 0;

// Each step is h = (h ^ byte) * prime mod 2^64. h << 40 adds h0 at bit 40 (limb 2, 8 bits up) and
// h1 at bit 56 (limb 3, 8 bits up); higher bits fall off. Every t stays below 2^27.

function hashBytes(bytes: Uint8Array): void {
  let h0 = BASIS_0;
  let h1 = BASIS_1;
  let h2 = BASIS_2;
  let h3 = BASIS_3;
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i]!;
    const t0 = h0 * PRIME_LOW;
    const t1 = h1 * PRIME_LOW + (t0 >>> 16);
    const t2 = h2 * PRIME_LOW + (h0 << 8) + (t1 >>> 16);
    const t3 = h3 * PRIME_LOW + (h1 << 8) + (t2 >>> 16);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  out0 = h0;
  out1 = h1;
  out2 = h2;
  out3 = h3;
}

/** Hashes the UTF-8 encoding of `s` without building it (a lone surrogate is U+FFFD, as
 * TextEncoder and Buffer.from encode it). */
function hashString(s: string): void {
  let h0 = BASIS_0;
  let h1 = BASIS_1;
  let h2 = BASIS_2;
  let h3 = BASIS_3;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    // The character's UTF-8 bytes, first byte most significant, and how many there are.
    let packed: number;
    let count: number;
    if (c < 0x80) {
      packed = c;
      count = 1;
    } else if (c < 0x800) {
      packed = ((0xc0 | (c >> 6)) << 8) | (0x80 | (c & 0x3f));
      count = 2;
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          c = 0xfffd;
        }
      }
      if (c < 0x10000) {
        packed = ((0xe0 | (c >> 12)) << 16) | ((0x80 | ((c >> 6) & 0x3f)) << 8) | (0x80 | (c & 0x3f));
        count = 3;
      } else {
        packed = (((0xf0 | (c >> 18)) << 24) | ((0x80 | ((c >> 12) & 0x3f)) << 16) | ((0x80 | ((c >> 6) & 0x3f)) << 8) | (0x80 | (c & 0x3f))) >>> 0;
        count = 4;
      }
    }
    for (let k = count - 1; k >= 0; k--) {
      h0 ^= (packed >>> (k << 3)) & 0xff;
      const t0 = h0 * PRIME_LOW;
      const t1 = h1 * PRIME_LOW + (t0 >>> 16);
      const t2 = h2 * PRIME_LOW + (h0 << 8) + (t1 >>> 16);
      const t3 = h3 * PRIME_LOW + (h1 << 8) + (t2 >>> 16);
      h0 = t0 & 0xffff;
      h1 = t1 & 0xffff;
      h2 = t2 & 0xffff;
      h3 = t3 & 0xffff;
    }
  }
  out0 = h0;
  out1 = h1;
  out2 = h2;
  out3 = h3;
}

function outToBigInt(): bigint {
  return (BigInt(out3 * 0x10000 + out2) << 32n) | BigInt(out1 * 0x10000 + out0);
}

/** The last hash mod n, most significant limb first; each partial stays below 2^48. */
function outMod(n: number): number {
  let r = (out3 * 0x10000 + out2) % n;
  r = (r * 0x10000 + out1) % n;
  return (r * 0x10000 + out0) % n;
}

/** FNV-1a 64 of `data` (a string is hashed as its UTF-8 bytes). */
export function fnv1a64(data: Uint8Array | string): bigint {
  if (typeof data === 'string') hashString(data);
  else hashBytes(data);
  return outToBigInt();
}

/** The largest shard count `shardIndexFor` takes: keeps every partial product of its modulo exact. */
export const SHARD_COUNT_MAX = 0xffffffff;

/**
 * The index of the shard of a group that holds the series: FNV-1a 64 of its key modulo the shard
 * count, as InfluxDB's ShardGroupInfo.ShardFor does.
 */
export function shardIndexFor(seriesKey: Uint8Array | string, shardCount: number): number {
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > SHARD_COUNT_MAX) {
    throw new RangeError(`shard count must be an integer in 1..${SHARD_COUNT_MAX}, got ${shardCount}`);
  }
  // One shard is the common small-cluster case: no hashing.
  if (shardCount === 1) return 0;
  if (typeof seriesKey === 'string') hashString(seriesKey);
  else hashBytes(seriesKey);
  return outMod(shardCount);
}
