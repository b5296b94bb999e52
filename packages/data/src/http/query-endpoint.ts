// GET|POST /query. Until the InfluxQL package lands, statements are parsed and run by the
// stop-gap in stopgap-influxql.ts; this file keeps the HTTP side (parameters, form bodies,
// chunked and pretty output) that the real engine will reuse.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Catalog } from '@shoal/tsdb';
import { HttpError, MESSAGES } from './errors.js';
import { readBody } from './request-body.js';
import { JSON_CONTENT_TYPE, jsonText, sendJson } from './response.js';
import { QueryParseError, executeStopgapQuery, parseStopgapQuery } from './stopgap-influxql.js';

export interface QueryEndpointDeps {
  readonly catalog: Catalog;
}

/** Go's ParseForm reads at most 10 MB of form body; so do we. */
export const QUERY_FORM_BYTES_MAX = 10 << 20;

/**
 * The request's parameters: the URL's, overridden by a urlencoded POST body's (Go's FormValue
 * gives body values precedence).
 */
export async function queryParams(req: IncomingMessage, url: URL): Promise<URLSearchParams> {
  const params = new URLSearchParams(url.searchParams);
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (req.method === 'POST' && contentType === 'application/x-www-form-urlencoded') {
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
  const q = (params.get('q') ?? '').trim();
  if (q === '') throw new HttpError(400, MESSAGES.missingQuery);

  let statements;
  try {
    statements = parseStopgapQuery(q);
  } catch (err) {
    if (err instanceof QueryParseError) throw new HttpError(400, `error parsing query: ${err.message}`);
    throw err;
  }
  if (deps === undefined) throw new HttpError(503, MESSAGES.starting);

  const results = await executeStopgapQuery(statements, {
    catalog: deps.catalog,
    database: params.get('db') ?? '',
    readOnly: req.method === 'GET',
  });

  if (params.get('chunked') === 'true') {
    // One JSON document per statement result, each on its own line, as InfluxDB streams them.
    res.statusCode = 200;
    res.setHeader('Content-Type', JSON_CONTENT_TYPE);
    res.end(Buffer.from(results.map((r) => jsonText({ results: [r] }, pretty)).join(''), 'utf8'));
    return;
  }
  sendJson(res, 200, { results }, pretty);
}
