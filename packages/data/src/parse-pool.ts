// Parses /write bodies on worker threads so that the main thread, which runs HTTP, the catalog
// checks, the WAL and the cache, is not also the parser: ingest then uses a second core instead
// of queueing every request behind one. Small bodies are parsed inline, where a round trip to a
// worker would cost more than the parse.

import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Precision } from '@shoal/lineproto';
import { PointBatch, type PointBatchMessage } from '@shoal/tsdb';
import type { ParseJob } from './parse-worker.js';
import { parseWrite, type ParsedWrite } from './write-parse.js';

/** Bodies below this size are parsed on the main thread. */
export const INLINE_PARSE_BYTES_MAX = 64 * 1024;

export interface ParsePoolOptions {
  /** Worker threads; 0 parses everything inline. */
  readonly workers: number;
  readonly logger: Logger;
  readonly inlineBytesMax?: number;
}

interface WorkerReply {
  readonly id: number;
  readonly body: Uint8Array;
  readonly error?: string;
  readonly batch?: PointBatchMessage;
  readonly parseErrorCount?: number;
  readonly parseErrors?: string[];
  readonly invalidCount?: number;
  readonly invalidReason?: string;
}

interface Pending {
  resolve: (r: { parsed: ParsedWrite; body: Uint8Array }) => void;
  reject: (err: Error) => void;
}

class ParseWorker {
  readonly pending = new Map<number, Pending>();
  readonly worker: Worker;

  constructor(onExit: (w: ParseWorker, err: Error) => void) {
    this.worker = new Worker(workerScript());
    this.worker.on('message', (reply: WorkerReply) => this.settle(reply));
    this.worker.on('error', (err) => onExit(this, err));
    this.worker.on('exit', (code) => onExit(this, new Error(`parse worker exited with code ${code}`)));
  }

  private settle(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.error !== undefined) {
      p.reject(new Error(`parse worker failed: ${reply.error}`));
      return;
    }
    p.resolve({
      body: reply.body,
      parsed: {
        batch: PointBatch.fromMessage(reply.batch!),
        parseErrorCount: reply.parseErrorCount!,
        parseErrors: reply.parseErrors!,
        invalidCount: reply.invalidCount!,
        invalidReason: reply.invalidReason,
      },
    });
  }
}

/** The compiled worker; under vitest this module runs from TypeScript sources, the worker never does. */
function workerScript(): URL {
  const here = new URL(import.meta.url);
  return here.pathname.endsWith('.ts') ? new URL('../dist/parse-worker.js', here) : new URL('./parse-worker.js', here);
}

export class ParsePool {
  private workers: ParseWorker[] = [];
  private nextJobId = 1;
  private closed = false;
  private readonly inlineBytesMax: number;

  constructor(private readonly opts: ParsePoolOptions) {
    this.inlineBytesMax = opts.inlineBytesMax ?? INLINE_PARSE_BYTES_MAX;
    for (let i = 0; i < opts.workers; i++) this.workers.push(this.spawn());
  }

  private spawn(): ParseWorker {
    return new ParseWorker((w, err) => this.replace(w, err));
  }

  /** A worker died: fail its jobs (their requests answer 500) and start a new one. */
  private replace(w: ParseWorker, err: Error): void {
    const i = this.workers.indexOf(w);
    if (i < 0) return;
    for (const p of w.pending.values()) p.reject(err);
    w.pending.clear();
    if (this.closed) return;
    this.opts.logger.error({ err }, 'parse worker died; starting another');
    this.workers[i] = this.spawn();
  }

  /**
   * Parses `body`. The returned body holds the same bytes; use it instead of the argument, which a
   * worker may have taken over (its memory is transferred, not copied).
   */
  parse(body: Uint8Array, precision: Precision, serverTimeNs: bigint): Promise<{ parsed: ParsedWrite; body: Uint8Array }> {
    if (this.workers.length === 0 || body.length < this.inlineBytesMax) {
      return Promise.resolve({ parsed: parseWrite(body, precision, serverTimeNs), body });
    }
    // The least busy worker; ties go to the first.
    let w = this.workers[0]!;
    for (const c of this.workers) if (c.pending.size < w.pending.size) w = c;
    // Only a body that owns its whole ArrayBuffer can be transferred; pooled or sliced ones are copied.
    const owned = body.byteOffset === 0 && body.buffer.byteLength === body.byteLength ? body : Uint8Array.prototype.slice.call(body);
    const id = this.nextJobId++;
    const job: ParseJob = { id, body: owned, precision, serverTimeNs };
    return new Promise((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
      w.worker.postMessage(job, [owned.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}
