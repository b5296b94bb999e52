// Reading a request body into memory with a size cap, decompressing gzip on the fly. The cap
// applies to the decompressed bytes as well as to what arrives on the wire, so a small gzip bomb
// is refused as soon as it inflates past the limit.

import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import { HttpError, MESSAGES, gzipErrorMessage } from './errors.js';

export interface ReadBodyOptions {
  readonly maxBytes: number;
  /** Decompress: the request said `Content-Encoding: gzip`. */
  readonly gzip: boolean;
}

function tooLarge(): HttpError {
  return new HttpError(413, MESSAGES.requestEntityTooLarge, true);
}

export function isGzipEncoded(req: IncomingMessage): boolean {
  return (req.headers['content-encoding'] ?? '').trim().toLowerCase() === 'gzip';
}

export function readBody(req: IncomingMessage, opts: ReadBodyOptions): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  // A declared length over the cap is refused before reading a byte, as InfluxDB does. For gzip
  // bodies the compressed length is only a lower bound of what we would hold, so it is checked too.
  if (Number.isFinite(declared) && declared > opts.maxBytes) return Promise.reject(tooLarge());

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let held = 0;
    let settled = false;
    const gunzip = opts.gzip ? createGunzip() : undefined;

    const fail = (err: HttpError) => {
      if (settled) return;
      settled = true;
      req.unpipe();
      gunzip?.destroy();
      // Stop reading; the response closes the connection so the rest of the body is never read.
      req.pause();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      if (settled) return;
      held += chunk.length;
      if (held > opts.maxBytes) return fail(tooLarge());
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, held));
    };

    req.on('error', (err) => fail(new HttpError(400, err.message)));
    req.on('aborted', () => fail(new HttpError(400, MESSAGES.bodyAborted)));

    if (gunzip === undefined) {
      req.on('data', onData);
      req.on('end', onEnd);
      return;
    }
    let wireBytes = 0;
    req.on('data', (chunk: Buffer) => {
      wireBytes += chunk.length;
      if (wireBytes > opts.maxBytes) fail(tooLarge());
    });
    gunzip.on('data', onData);
    gunzip.on('end', onEnd);
    gunzip.on('error', (err) => fail(new HttpError(400, gzipErrorMessage(err))));
    req.pipe(gunzip);
  });
}
