// The storage engine's compression codecs and block format. See docs/block-format.md.

export {
  encodeBlock,
  decodeBlock,
  readBlockStats,
  blockTimeRange,
  BLOCK_VERSION,
  BLOCK_POINTS_DEFAULT,
  BLOCK_POINTS_MAX,
  type Values,
  type BlockStats,
  type DecodedBlock,
} from './block.js';
export { crc32c } from './crc32c.js';
export { encodeTimestamps, decodeTimestamps, writeTimestamps, readTimestamps } from './timestamp.js';
export { encodeFloats, decodeFloats, writeFloats } from './float.js';
export { encodeIntegers, decodeIntegers, writeIntegers, type IntegerValues } from './integer.js';
export { encodeUnsigned, decodeUnsigned, writeUnsigned, type UnsignedValues } from './unsigned.js';
export { encodeBooleans, decodeBooleans, writeBooleans } from './boolean.js';
export { encodeStrings, decodeStrings, writeStrings } from './string.js';
export { ByteWriter, ByteReader } from './byte-buffer.js';
export { writeUvarint, readUvarint, writeUvarint64, readUvarint64 } from './varint.js';
