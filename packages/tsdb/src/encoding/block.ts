// A block: up to BLOCK_POINTS_MAX points of one field of one series, time-ascending without
// duplicate times, with the statistics a query needs to answer aggregates without decoding
// values, and CRC-32C checksums. The byte layout is documented in docs/block-format.md; in short:
//
//   u8 version | u8 field type | u32 count | i64 min time | i64 max time | statistics
//   | u32 CRC-32C of everything before it (the header checksum)
//   | uvarint timestamp bytes | timestamps | values | u32 CRC-32C of everything before it
//
// Multi-byte fixed-width fields are little-endian.

import { FieldType } from '@shoal/lineproto';
import { CorruptionError } from '../errors.js';
import { writeBooleans, decodeBooleans } from './boolean.js';
import { ByteReader, ByteWriter } from './byte-buffer.js';
import { crc32c } from './crc32c.js';
import { decodeFloats, writeFloats } from './float.js';
import { decodeIntegers, int64Stats, int64Words, writeInt64Words } from './integer.js';
import { decodeStrings, writeStrings } from './string.js';
import { readTimestamps, writeTimestamps } from './timestamp.js';
import { decodeUnsigned } from './unsigned.js';
import {
  readUvarint,
  readUvarintBig,
  readVarintBig,
  writeUvarint,
  writeUvarintBig,
  writeVarintBig,
} from './varint.js';

/** Per field type: Float64Array; Integer: Float64Array of safe integers or BigInt64Array;
 * Unsigned: Float64Array or BigUint64Array; Boolean: Uint8Array of 0/1; String: string[]. */
export type Values = Float64Array | BigInt64Array | BigUint64Array | Uint8Array | string[];

export interface BlockStats {
  type: FieldType;
  count: number;
  minTime: bigint;
  maxTime: bigint;
  /** Float: number; Integer and Unsigned: bigint (always, whatever the size); Boolean: boolean; String: string. */
  first: number | bigint | boolean | string;
  last: number | bigint | boolean | string;
  /** Equal to minTime and maxTime: a block is time-ascending. */
  firstTime: bigint;
  lastTime: bigint;
  /** Float (NaN skipped), Integer, Unsigned (bigint) and Boolean (false < true); absent for String. */
  min?: number | bigint | boolean;
  max?: number | bigint | boolean;
  /** Float: float64 sum in time order; Integer: int64 with wrap-around; Unsigned: uint64 with wrap-around. */
  sum?: number | bigint;
}

export interface DecodedBlock {
  type: FieldType;
  times: BigInt64Array;
  values: Values;
  count: number;
}

export const BLOCK_VERSION = 1;
/** What an engine usually puts in one block (InfluxDB's TSM uses the same number). */
export const BLOCK_POINTS_DEFAULT = 1000;
/** Hard upper bound on points per block; integer sums stay exact well past it. */
export const BLOCK_POINTS_MAX = 1 << 20;

const OFFSET_VERSION = 0;
const OFFSET_TYPE = 1;
const OFFSET_COUNT = 2;
const OFFSET_MIN_TIME = 6;
const OFFSET_MAX_TIME = 14;
/** Where the statistics start. */
const HEADER_FIXED_BYTES = 22;
const CRC_BYTES = 4;
/** Smallest possible block: fixed header, one byte of (boolean) stats, header CRC, a timestamp
 * length, one timestamp (mode byte + 8), two bytes of values (a constant boolean), block CRC. */
const BLOCK_BYTES_MIN = HEADER_FIXED_BYTES + 1 + CRC_BYTES + 1 + 9 + 2 + CRC_BYTES;

const blockWriter = new ByteWriter(16384);
const timesWriter = new ByteWriter();
const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Encodes points [start, end) of `times` and `values` as one block. Throws RangeError or
 * TypeError if the input breaks the block's rules (types, count, strictly ascending times):
 * nothing invalid is ever written.
 */
export function encodeBlock(type: FieldType, times: BigInt64Array, values: Values, start: number, end: number): Uint8Array {
  const n = end - start;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || n < 1 || n > BLOCK_POINTS_MAX) {
    throw new RangeError(`a block holds 1..${BLOCK_POINTS_MAX} points; got [${start}, ${end})`);
  }
  if (end > times.length || end > values.length) {
    throw new RangeError(`range [${start}, ${end}) exceeds ${times.length} times / ${values.length} values`);
  }
  checkValuesType(type, values);
  const tw = new Uint32Array(times.buffer, times.byteOffset + start * 8, 2 * n);
  for (let i = 1; i < n; i++) {
    const hi = tw[2 * i + 1]! | 0;
    const prevHi = tw[2 * i - 1]! | 0;
    if (hi < prevHi || (hi === prevHi && tw[2 * i]! <= tw[2 * i - 2]!)) {
      throw new RangeError(`block times must strictly ascend; index ${start + i} is ${times[start + i]} after ${times[start + i - 1]}`);
    }
  }

  const w = blockWriter;
  w.reset();
  w.u8(BLOCK_VERSION);
  w.u8(type);
  w.u32le(n);
  w.u64le(tw[1]!, tw[0]!);
  w.u64le(tw[2 * n - 1]!, tw[2 * n - 2]!);

  // Statistics, then the values' encoder is handed the same validated input.
  let intWords: Uint32Array | undefined;
  switch (type) {
    case FieldType.Float:
      writeFloatStats(w, values as Float64Array, start, end);
      break;
    case FieldType.Integer:
    case FieldType.Unsigned: {
      const signed = type === FieldType.Integer;
      intWords = int64Words(values as Float64Array | BigInt64Array | BigUint64Array, start, end, signed);
      const s = int64Stats(intWords, n, signed);
      const put = signed ? writeVarintBig : writeUvarintBig;
      put(w, s.first);
      put(w, s.last);
      put(w, s.min);
      put(w, s.max);
      put(w, s.sum);
      break;
    }
    case FieldType.Boolean:
      writeBooleanStats(w, values as Uint8Array, start, end);
      break;
    case FieldType.String: {
      const strs = values as string[];
      writeStat(w, strs[start]!);
      writeStat(w, strs[end - 1]!);
      break;
    }
  }
  w.u32le(crc32c(w.buf, 0, w.pos));

  timesWriter.reset();
  writeTimestamps(timesWriter, times, start, end);
  writeUvarint(w, timesWriter.pos);
  w.bytes(timesWriter.buf.subarray(0, timesWriter.pos));

  switch (type) {
    case FieldType.Float:
      writeFloats(w, values as Float64Array, start, end);
      break;
    case FieldType.Integer:
    case FieldType.Unsigned:
      writeInt64Words(w, intWords!, n, type === FieldType.Integer);
      break;
    case FieldType.Boolean:
      writeBooleans(w, values as Uint8Array, start, end);
      break;
    case FieldType.String:
      writeStrings(w, values as string[], start, end);
      break;
  }
  w.u32le(crc32c(w.buf, 0, w.pos));
  return w.toBytes();
}

function checkValuesType(type: FieldType, values: Values): void {
  let ok: boolean;
  switch (type) {
    case FieldType.Float:
      ok = values instanceof Float64Array;
      break;
    case FieldType.Integer:
      ok = values instanceof Float64Array || values instanceof BigInt64Array;
      break;
    case FieldType.Unsigned:
      ok = values instanceof Float64Array || values instanceof BigUint64Array;
      break;
    case FieldType.Boolean:
      ok = values instanceof Uint8Array;
      break;
    case FieldType.String:
      ok = Array.isArray(values);
      break;
    default:
      throw new RangeError(`unknown field type ${type as number}`);
  }
  if (!ok) throw new TypeError(`values of type ${values.constructor.name} cannot be stored as field type ${type}`);
}

function writeF64(w: ByteWriter, v: number): void {
  f64[0] = v;
  w.u64le(f64Words[1]!, f64Words[0]!);
}

function writeFloatStats(w: ByteWriter, values: Float64Array, start: number, end: number): void {
  // first and last keep their exact bits (NaN payloads included), copied from a word view.
  const u = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  w.u64le(u[2 * start + 1]!, u[2 * start]!);
  w.u64le(u[2 * end - 1]!, u[2 * end - 2]!);
  let min = NaN;
  let max = NaN;
  let sum = 0;
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    sum += v;
    if (v !== v) continue;
    if (!(v >= min)) min = v; // true while min is NaN, so the first non-NaN value seeds it
    if (!(v <= max)) max = v;
  }
  writeF64(w, min);
  writeF64(w, max);
  writeF64(w, sum);
}

/** Boolean stats in one byte: bit 0 first, bit 1 last, bit 2 min, bit 3 max. */
function writeBooleanStats(w: ByteWriter, values: Uint8Array, start: number, end: number): void {
  let min = 1;
  let max = 0;
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    if (v > 1) throw new RangeError(`boolean at index ${i} is ${v}, not 0 or 1`);
    min &= v;
    max |= v;
  }
  w.u8(values[start]! | (values[end - 1]! << 1) | (min << 2) | (max << 3));
}

const statEncoder = new TextEncoder();

function writeStat(w: ByteWriter, s: string): void {
  if (typeof s !== 'string') throw new TypeError('string field value is not a string');
  const bytes = statEncoder.encode(s);
  writeUvarint(w, bytes.length);
  w.bytes(bytes);
}

// ---------------------------------------------------------------------------------------------
// Decoding

interface Header {
  type: FieldType;
  count: number;
  /** Offset of the statistics. */
  statsStart: number;
}

/** Checks the fixed header fields every reader relies on. */
function readFixedHeader(buf: Uint8Array): Header {
  if (buf.length < BLOCK_BYTES_MIN) throw new CorruptionError(`block of ${buf.length} bytes is too short`);
  const version = buf[OFFSET_VERSION]!;
  if (version !== BLOCK_VERSION) throw new CorruptionError(`unknown block version ${version}`);
  const type = buf[OFFSET_TYPE]!;
  if (type > FieldType.String) throw new CorruptionError(`unknown field type ${type} in block`);
  const count = readU32(buf, OFFSET_COUNT);
  if (count < 1 || count > BLOCK_POINTS_MAX) throw new CorruptionError(`block claims ${count} points`);
  return { type: type as FieldType, count, statsStart: HEADER_FIXED_BYTES };
}

function readU32(buf: Uint8Array, p: number): number {
  return (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
}

function readI64(buf: Uint8Array, p: number): bigint {
  return BigInt(readU32(buf, p + 4) | 0) * 4294967296n + BigInt(readU32(buf, p));
}

function readF64(r: ByteReader): number {
  f64Words[0] = r.u32le();
  f64Words[1] = r.u32le();
  return f64[0]!;
}

function readStat(r: ByteReader): string {
  const bytes = r.bytes(readUvarint(r));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}

/** Reads the statistics of a block of `type` from `r`, which is left just past them. */
function readStats(r: ByteReader, type: FieldType): Pick<BlockStats, 'first' | 'last' | 'min' | 'max' | 'sum'> {
  switch (type) {
    case FieldType.Float: {
      const first = readF64(r);
      const last = readF64(r);
      return { first, last, min: readF64(r), max: readF64(r), sum: readF64(r) };
    }
    case FieldType.Integer:
    case FieldType.Unsigned: {
      const get = type === FieldType.Integer ? readVarintBig : readUvarintBig;
      const first = get(r);
      const last = get(r);
      const min = get(r);
      const max = get(r);
      return { first, last, min, max, sum: get(r) };
    }
    case FieldType.Boolean: {
      const bits = r.u8();
      if (bits > 15) throw new CorruptionError(`boolean stats byte 0x${bits.toString(16)}`);
      return { first: (bits & 1) !== 0, last: (bits & 2) !== 0, min: (bits & 4) !== 0, max: (bits & 8) !== 0 };
    }
    default: {
      const first = readStat(r);
      return { first, last: readStat(r) };
    }
  }
}

/** Throws unless the trailing CRC matches everything before it. */
function verifyBlockCrc(buf: Uint8Array): void {
  const end = buf.length - CRC_BYTES;
  if (crc32c(buf, 0, end) !== readU32(buf, end)) throw new CorruptionError('block checksum mismatch');
}

/** Decodes a whole block after verifying its checksum; never returns data the writer did not write. */
export function decodeBlock(buf: Uint8Array): DecodedBlock {
  if (buf.length < BLOCK_BYTES_MIN) throw new CorruptionError(`block of ${buf.length} bytes is too short`);
  verifyBlockCrc(buf);
  const { type, count } = readFixedHeader(buf);
  const end = buf.length - CRC_BYTES;
  const r = new ByteReader(buf, HEADER_FIXED_BYTES, end);
  readStats(r, type);
  r.need(CRC_BYTES);
  r.pos += CRC_BYTES; // header CRC: covered by the block CRC already checked

  const timesBytes = readUvarint(r);
  const tr = new ByteReader(buf, r.pos, r.pos + timesBytes);
  r.need(timesBytes);
  const times = readTimestamps(tr, count);
  tr.expectEnd('block timestamps');
  r.pos += timesBytes;

  // The writer's invariants, asserted on the way back in.
  const tw = new Uint32Array(times.buffer, 0, 2 * count);
  for (let i = 1; i < count; i++) {
    const hi = tw[2 * i + 1]! | 0;
    const prevHi = tw[2 * i - 1]! | 0;
    if (hi < prevHi || (hi === prevHi && tw[2 * i]! <= tw[2 * i - 2]!)) {
      throw new CorruptionError(`block times do not ascend at index ${i}`);
    }
  }
  if (times[0] !== readI64(buf, OFFSET_MIN_TIME) || times[count - 1] !== readI64(buf, OFFSET_MAX_TIME)) {
    throw new CorruptionError('block time range does not match its timestamps');
  }

  const src = buf.subarray(r.pos, end);
  let values: Values;
  switch (type) {
    case FieldType.Float:
      values = decodeFloats(src, count);
      break;
    case FieldType.Integer:
      values = decodeIntegers(src, count);
      break;
    case FieldType.Unsigned:
      values = decodeUnsigned(src, count);
      break;
    case FieldType.Boolean:
      values = decodeBooleans(src, count);
      break;
    default:
      values = decodeStrings(src, count);
      break;
  }
  return { type, times, values, count };
}

/**
 * The block's statistics, read from its header without decoding timestamps or values. Verifies
 * the header checksum (which covers every byte returned here), not the whole-block checksum.
 */
export function readBlockStats(buf: Uint8Array): BlockStats {
  const { type, count, statsStart } = readFixedHeader(buf);
  const r = new ByteReader(buf, statsStart, buf.length - CRC_BYTES);
  const stats = readStats(r, type);
  const headerEnd = r.pos;
  if (crc32c(buf, 0, headerEnd) !== r.u32le()) throw new CorruptionError('block header checksum mismatch');
  const minTime = readI64(buf, OFFSET_MIN_TIME);
  const maxTime = readI64(buf, OFFSET_MAX_TIME);
  if (minTime > maxTime || (count === 1) !== (minTime === maxTime)) {
    throw new CorruptionError('block time range is inconsistent with its count');
  }
  return { type, count, minTime, maxTime, firstTime: minTime, lastTime: maxTime, ...stats };
}

/**
 * The cheapest look at a block: count and time range from fixed offsets. Checks version, type
 * and count are plausible and minTime <= maxTime, but verifies no checksum.
 */
export function blockTimeRange(buf: Uint8Array): { minTime: bigint; maxTime: bigint; count: number } {
  const { count } = readFixedHeader(buf);
  const minTime = readI64(buf, OFFSET_MIN_TIME);
  const maxTime = readI64(buf, OFFSET_MAX_TIME);
  if (minTime > maxTime) throw new CorruptionError('block min time is after its max time');
  return { minTime, maxTime, count };
}
