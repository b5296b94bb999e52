// A parse worker: takes /write bodies from the main thread, parses them with parseWrite, and hands
// back the batch and the body (both transferred, not copied).

import { parentPort } from 'node:worker_threads';
import type { Precision } from '@shoal/lineproto';
import { parseWrite } from './write-parse.js';

export interface ParseJob {
  readonly id: number;
  readonly body: Uint8Array;
  readonly precision: Precision;
  readonly serverTimeNs: bigint;
}

if (!parentPort) throw new Error('parse-worker.js runs only as a worker thread');
const port = parentPort;

port.on('message', (job: ParseJob) => {
  try {
    const parsed = parseWrite(job.body, job.precision, job.serverTimeNs);
    const { message, transfer } = parsed.batch.toMessage();
    port.postMessage(
      {
        id: job.id,
        body: job.body,
        batch: message,
        parseErrorCount: parsed.parseErrorCount,
        parseErrors: parsed.parseErrors,
        invalidCount: parsed.invalidCount,
        invalidReason: parsed.invalidReason,
      },
      [...transfer, job.body.buffer as ArrayBuffer],
    );
  } catch (err) {
    port.postMessage({ id: job.id, body: job.body, error: (err as Error).stack ?? String(err) }, [job.body.buffer as ArrayBuffer]);
  }
});
