// Binary encodings for what the stores write, each value guarded by a CRC32 that is checked when it
// is read back: a torn or corrupted record is reported, never silently used.

import { crc32 } from 'node:zlib';
import type { Entry, HardState } from '../core/types.js';

export class CorruptRecordError extends Error {
  override name = 'CorruptRecordError';
}

/** Unsigned 64-bit big-endian for values below 2^53, without BigInt on the hot path. */
function writeU64(buf: Buffer, v: number, at: number): void {
  buf.writeUInt32BE(Math.floor(v / 0x1_0000_0000), at);
  buf.writeUInt32BE(v >>> 0, at + 4);
}

function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}

const ENTRY_HEADER_BYTES = 4 + 8 + 8 + 1; // crc, index, term, type

export function encodeEntry(e: Entry): Uint8Array {
  const buf = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + e.data.length);
  writeU64(buf, e.index, 4);
  writeU64(buf, e.term, 12);
  buf.writeUInt8(e.type === 'conf' ? 1 : 0, 20);
  buf.set(e.data, ENTRY_HEADER_BYTES);
  buf.writeUInt32BE(crc32(buf.subarray(4)), 0);
  return buf;
}

export function decodeEntry(raw: Uint8Array): Entry {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (buf.length < ENTRY_HEADER_BYTES) throw new CorruptRecordError('log entry record too short');
  if (buf.readUInt32BE(0) !== crc32(buf.subarray(4))) throw new CorruptRecordError('log entry checksum mismatch');
  const type = buf.readUInt8(20);
  if (type > 1) throw new CorruptRecordError(`unknown entry type ${type}`);
  return {
    index: readU64(buf, 4),
    term: readU64(buf, 12),
    type: type === 1 ? 'conf' : 'normal',
    data: new Uint8Array(buf.subarray(ENTRY_HEADER_BYTES)),
  };
}

export function encodeHardState(hs: HardState): Uint8Array {
  const vote = Buffer.from(hs.vote ?? '', 'utf8');
  const buf = Buffer.allocUnsafe(4 + 8 + 8 + 1 + vote.length);
  buf.writeBigUInt64BE(BigInt(hs.term), 4);
  buf.writeBigUInt64BE(BigInt(hs.commit), 12);
  buf.writeUInt8(hs.vote === null ? 0 : 1, 20);
  vote.copy(buf, 21);
  buf.writeUInt32BE(crc32(buf.subarray(4)), 0);
  return buf;
}

export function decodeHardState(raw: Uint8Array): HardState {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (buf.length < 21 || buf.readUInt32BE(0) !== crc32(buf.subarray(4))) throw new CorruptRecordError('hard state checksum mismatch');
  return {
    term: Number(buf.readBigUInt64BE(4)),
    commit: Number(buf.readBigUInt64BE(12)),
    vote: buf.readUInt8(20) === 0 ? null : buf.subarray(21).toString('utf8'),
  };
}
