// Payload of a shard's WAL record: the accepted lines of one write, verbatim, behind a small
// header. Keeping the client's own line protocol makes logging a write a memcpy rather than a
// re-encoding of every value; replay parses it again with the same precision and server time, and
// the catalog already holds the field types that were checked before the record was written.
//
//   u8      record version (1)
//   u8      precision code (0 ns, 1 us, 2 ms, 3 s, 4 m, 5 h)
//   i64 LE  server time in ns, for lines without a timestamp
//   bytes   line protocol, each line ending in '\n'

import type { Precision } from '@shoal/lineproto';

export const WRITE_RECORD_VERSION = 1;
export const WRITE_RECORD_HEADER_BYTES = 10;

const PRECISION_CODES: Record<Precision, number> = { n: 0, ns: 0, u: 1, us: 1, ms: 2, s: 3, m: 4, h: 5 };
const CODE_PRECISIONS: readonly Precision[] = ['ns', 'us', 'ms', 's', 'm', 'h'];

export function encodeWriteRecordHeader(precision: Precision, serverTimeNs: bigint): Buffer {
  const h = Buffer.allocUnsafe(WRITE_RECORD_HEADER_BYTES);
  h[0] = WRITE_RECORD_VERSION;
  h[1] = PRECISION_CODES[precision];
  h.writeBigInt64LE(serverTimeNs, 2);
  return h;
}

export interface WriteRecord {
  readonly precision: Precision;
  readonly serverTimeNs: bigint;
  readonly lines: Buffer;
}

export function decodeWriteRecord(payload: Buffer): WriteRecord {
  if (payload.length < WRITE_RECORD_HEADER_BYTES || payload[0] !== WRITE_RECORD_VERSION) {
    throw new Error(`unknown WAL record version ${payload[0]}`);
  }
  const precision = CODE_PRECISIONS[payload[1]!];
  if (!precision) throw new Error(`unknown precision code ${payload[1]} in WAL record`);
  return { precision, serverTimeNs: payload.readBigInt64LE(2), lines: payload.subarray(WRITE_RECORD_HEADER_BYTES) };
}
