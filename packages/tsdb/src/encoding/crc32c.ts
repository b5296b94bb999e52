// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum iSCSI, ext4 and LevelDB
// use. Table-driven, eight bytes per step ("slicing-by-8"); exported for the WAL as well.

/** Reflected form of the Castagnoli polynomial. */
const POLY = 0x82f63b78;

/** Eight 256-entry tables in one array: table k at offset 256 * k. */
const TABLE = new Uint32Array(8 * 256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  TABLE[i] = c >>> 0;
}
for (let i = 0; i < 256; i++) {
  let c = TABLE[i]!;
  for (let t = 1; t < 8; t++) {
    c = (c >>> 8) ^ TABLE[c & 0xff]!;
    TABLE[t * 256 + i] = c >>> 0;
  }
}

/**
 * CRC-32C of data[start, end). To checksum a stream in pieces pass the previous result as
 * `seed`: crc32c(b, 0, b.length, crc32c(a)) equals the CRC of a followed by b.
 */
export function crc32c(data: Uint8Array, start: number = 0, end: number = data.length, seed: number = 0): number {
  const t = TABLE;
  let crc = ~seed;
  let p = start;
  const stop8 = end - 7;
  while (p < stop8) {
    const one = crc ^ (data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16) | (data[p + 3]! << 24));
    const two = data[p + 4]! | (data[p + 5]! << 8) | (data[p + 6]! << 16) | (data[p + 7]! << 24);
    crc =
      t[1792 + (one & 0xff)]! ^
      t[1536 + ((one >>> 8) & 0xff)]! ^
      t[1280 + ((one >>> 16) & 0xff)]! ^
      t[1024 + (one >>> 24)]! ^
      t[768 + (two & 0xff)]! ^
      t[512 + ((two >>> 8) & 0xff)]! ^
      t[256 + ((two >>> 16) & 0xff)]! ^
      t[two >>> 24]!;
    p += 8;
  }
  while (p < end) crc = t[(crc ^ data[p++]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
