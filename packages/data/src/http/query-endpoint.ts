// GET|POST /query: parameters (query string, or a urlencoded form body), then the InfluxQL engine
// (@shoal/influxql) streams result documents, written as they come: JSON (one document, or one
// per line with chunked=true) or CSV when the client asks for it.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { CsvFormatter, ParseError, executeQuery, formatJson, parseEpoch, type QueryPorts, type ResultDocument, type WritePort } from '@shoal/influxql';
import type { PointsWriter } from '../points-writer.js';
import { HttpError, MESSAGES } from './errors.js';
import { readBody } from './request-body.js';
import { JSON_CONTENT_TYPE } from './response.js';

export interface QueryEndpointDeps {
  readonly ports: QueryPorts;
}

/** Go's ParseForm reads at most 10 MB of form body; so do we. */
export const QUERY_FORM_BYTES_MAX = 10 << 20;
const CSV_CONTENT_TYPE = 'text/csv';

/**
 * The request's parameters: the URL's, overridden by a urlencoded POST body's (Go's FormValue
 * gives body values precedence).
 */
export async function queryParams(req: IncomingMessage, url: URL): Promise<URLSearchParams> {
  if (req.method !== 'POST') return url.searchParams;
  const params = new URLSearchParams(url.searchParams);
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType === 'application/x-www-form-urlencoded') {
    const body = await readBody(req, { maxBytes: QUERY_FORM_BYTES_MAX, gzip: false });
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) {
      params.delete(k);
      params.append(k, v);
    }
  }
  return params;
}

export async function serveQuery(
  deps: QueryEndpointDeps | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  params: URLSearchParams,
): Promise<void> {
  const pretty = params.get('pretty') === 'true';
  const q = params.get('q') ?? '';
  if (q.trim() === '') throw new HttpError(400, MESSAGES.missingQuery);
  const bound = bindParameters(params.get('params'));
  if (deps === undefined) throw new HttpError(503, MESSAGES.starting);

  const accept = (req.headers.accept ?? '').toLowerCase();
  const csv = accept.includes('application/csv') || accept.includes('text/csv');
  const epoch = parseEpoch(params.get('epoch'));
  const chunked = params.get('chunked') === 'true';
  const chunkSize = Number.parseInt(params.get('chunk_size') ?? '', 10);
  // What the engine checks between reads to stop a query whose client went away.
  const cancel = { aborted: false };
  res.on('close', () => {
    if (!res.writableFinished) cancel.aborted = true;
  });
  const docs = executeQuery(
    q,
    {
      db: params.get('db') ?? '',
      rp: params.get('rp') ?? '',
      params: bound,
      chunked,
      ...(chunkSize > 0 ? { chunkSize } : {}),
      readOnly: req.method === 'GET',
      signal: cancel,
    },
    deps.ports,
  )[Symbol.asyncIterator]();

  // A parse error surfaces on the first step, before anything is written: it is still a 400.
  let next;
  try {
    next = await docs.next();
  } catch (err) {
    if (err instanceof ParseError) throw new HttpError(400, err.message);
    throw err;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', csv ? CSV_CONTENT_TYPE : JSON_CONTENT_TYPE);
  const csvFormatter = csv ? new CsvFormatter({ epoch }) : undefined;
  const format = (doc: ResultDocument): string => (csvFormatter ? csvFormatter.format(doc) : formatJson(doc, { epoch, pretty }));
  if (!chunked) {
    // One document: sent whole, headers and body in one write, with a Content-Length.
    res.end(next.done ? undefined : format(next.value));
    return;
  }
  for (; !next.done; next = await docs.next()) {
    // Chunks stream: wait for the socket to drain rather than buffer them whole.
    if (!res.write(format(next.value)) && !cancel.aborted) await new Promise((resolve) => res.once('drain', resolve));
    if (cancel.aborted) break;
  }
  res.end();
}

/**
 * The query engine's write port (SELECT INTO) over the node's write path: the rows come as line
 * protocol with nanosecond times; lines the write path could not parse count as dropped.
 */
export function writePortFor(writer: PointsWriter): WritePort {
  return {
    async writeLines(db, rp, lines) {
      const r = await writer.write({ database: db, retentionPolicy: rp, precision: 'ns', body: Buffer.from(lines, 'utf8') });
      return { written: r.written, dropped: r.dropped + r.parseErrorCount, dropReason: r.dropReason ?? r.parseErrors[0] };
    },
  };
}

/** The `params` parameter: a JSON object of bound parameters. */
function bindParameters(text: string | null): Record<string, unknown> | undefined {
  if (text === null || text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `error parsing query parameters: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'error parsing query parameters: expected a JSON object');
  }
  return value as Record<string, unknown>;
}
