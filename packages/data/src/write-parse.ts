// Turns a /write body into a PointBatch and the per-line refusals. The same function runs inline
// for small bodies and on parse workers for large ones (parse-pool.ts), so both paths decide
// every line identically.

import { parseLines, type LineError, type ParsedLine, type Precision } from '@shoal/lineproto';
import { PointBatch } from '@shoal/tsdb';

/** Parse errors kept for the response; the count goes on past this. */
export const PARSE_ERRORS_KEPT_MAX = 100;

export interface ParsedWrite {
  readonly batch: PointBatch;
  readonly parseErrorCount: number;
  /** `unable to parse …` messages, at most PARSE_ERRORS_KEPT_MAX. */
  readonly parseErrors: string[];
  /** Lines that parsed but break InfluxDB's rules (a `time` tag, only a `time` field). */
  readonly invalidCount: number;
  readonly invalidReason: string | undefined;
}

export function parseWrite(body: Uint8Array, precision: Precision, serverTimeNs: bigint): ParsedWrite {
  const batch = new PointBatch(countLines(body));
  const parseErrors: string[] = [];
  let parseErrorCount = 0;
  let invalidCount = 0;
  let invalidReason: string | undefined;
  parseLines(
    body,
    {
      point: (line: ParsedLine) => {
        batch.addLine(line, line.time ?? serverTimeNs, line.lineStart, line.lineEnd);
      },
      error: (err: LineError) => {
        if (err.kind === 'invalid') {
          invalidCount++;
          invalidReason ??= err.message;
          return;
        }
        parseErrorCount++;
        if (parseErrors.length < PARSE_ERRORS_KEPT_MAX) parseErrors.push(err.message);
      },
    },
    { precision },
  );
  return { batch, parseErrorCount, parseErrors, invalidCount, invalidReason };
}

/** Lines in a body, counted natively: sizes the batch so it need not regrow. */
function countLines(body: Uint8Array): number {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let n = 1;
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}
