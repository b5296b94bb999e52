// Key layout of a shard's classic-level store (documented byte by byte in docs/architecture.md):
//   'S' u32be seriesId                                   → series key (UTF-8)
//   'F' u32be fieldId                                    → field name (UTF-8)
//   'B' u32be seriesId u32be fieldId i64 maxTime i64 minTime u32be count → block
// Times are stored big-endian with the sign bit flipped so that byte order is numeric order; blocks of
// one series and field never overlap, so a seek to (series, field, t) lands on the first block that
// can hold t, and the key alone tells a block's range without reading it.

export const SERIES_PREFIX = 0x53;
export const FIELD_PREFIX = 0x46;
export const BLOCK_PREFIX = 0x42;
export const BLOCK_KEY_BYTES = 1 + 4 + 4 + 8 + 8 + 4;
const SIGN_FLIP = 1n << 63n;

export function idKey(prefix: number, id: number): Buffer {
  const k = Buffer.allocUnsafe(5);
  k[0] = prefix;
  k.writeUInt32BE(id, 1);
  return k;
}

export function prefixRange(prefix: number): { gte: Buffer; lt: Buffer } {
  return { gte: Buffer.from([prefix]), lt: Buffer.from([prefix + 1]) };
}

/** One operation of a batch on the shard store. */
export type BatchOp = { type: 'put'; key: Buffer; value: Buffer | Uint8Array } | { type: 'del'; key: Buffer };

export interface BlockKey {
  readonly seriesId: number;
  readonly fieldId: number;
  readonly minTime: bigint;
  readonly maxTime: bigint;
  readonly count: number;
}

export function blockKey(seriesId: number, fieldId: number, minTime: bigint, maxTime: bigint, count: number): Buffer {
  const k = Buffer.allocUnsafe(BLOCK_KEY_BYTES);
  k[0] = BLOCK_PREFIX;
  k.writeUInt32BE(seriesId, 1);
  k.writeUInt32BE(fieldId, 5);
  k.writeBigUInt64BE(BigInt.asUintN(64, maxTime) ^ SIGN_FLIP, 9);
  k.writeBigUInt64BE(BigInt.asUintN(64, minTime) ^ SIGN_FLIP, 17);
  k.writeUInt32BE(count, 25);
  return k;
}

export function decodeBlockKey(k: Uint8Array): BlockKey {
  const b = Buffer.from(k.buffer, k.byteOffset, k.byteLength);
  return {
    seriesId: b.readUInt32BE(1),
    fieldId: b.readUInt32BE(5),
    maxTime: BigInt.asIntN(64, b.readBigUInt64BE(9) ^ SIGN_FLIP),
    minTime: BigInt.asIntN(64, b.readBigUInt64BE(17) ^ SIGN_FLIP),
    count: b.readUInt32BE(25),
  };
}

/** Range of keys of one series and field whose maxTime ≥ `fromTime`. */
export function blockRange(seriesId: number, fieldId: number, fromTime: bigint): { gte: Buffer; lt: Buffer } {
  const gte = Buffer.allocUnsafe(17);
  gte[0] = BLOCK_PREFIX;
  gte.writeUInt32BE(seriesId, 1);
  gte.writeUInt32BE(fieldId, 5);
  gte.writeBigUInt64BE(BigInt.asUintN(64, fromTime) ^ SIGN_FLIP, 9);
  const lt = Buffer.allocUnsafe(9);
  lt[0] = BLOCK_PREFIX;
  lt.writeUInt32BE(seriesId, 1);
  lt.writeUInt32BE(fieldId, 5);
  // Next (series, field) pair: increment the 8-byte id prefix as a big-endian number.
  for (let i = 8; i >= 1; i--) {
    if (lt[i]! < 0xff) {
      lt[i]!++;
      break;
    }
    lt[i] = 0;
    if (i === 1) return { gte, lt: Buffer.from([BLOCK_PREFIX + 1]) };
  }
  return { gte, lt };
}
