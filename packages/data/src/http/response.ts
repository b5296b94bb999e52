// Writing responses: JSON bodies as InfluxDB formats them (compact, or indented by four spaces
// with pretty=true, always ending in a newline) and errors as `{"error": ...}` repeated in the
// X-Influxdb-Error header.

import type { ServerResponse } from 'node:http';
import { errorHeaderValue, type HttpError } from './errors.js';

export const JSON_CONTENT_TYPE = 'application/json';

export function jsonText(body: unknown, pretty = false): string {
  return (pretty ? JSON.stringify(body, null, 4) : JSON.stringify(body)) + '\n';
}

export function sendJson(res: ServerResponse, status: number, body: unknown, pretty = false): void {
  sendText(res, status, JSON_CONTENT_TYPE, jsonText(body, pretty));
}

export function sendError(res: ServerResponse, err: HttpError, pretty = false): void {
  if (res.headersSent) {
    // Too late for a status; cut the response so the client sees it incomplete.
    res.destroy();
    return;
  }
  res.setHeader('X-Influxdb-Error', errorHeaderValue(err.message));
  if (err.closeConnection) res.setHeader('Connection', 'close');
  sendJson(res, err.status, { error: err.message }, pretty);
}

/** An answer without a body; `contentType` where InfluxDB still names one (its /write 204s do). */
export function sendEmpty(res: ServerResponse, status: number, contentType?: string): void {
  res.statusCode = status;
  if (contentType !== undefined) res.setHeader('Content-Type', contentType);
  res.end();
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  // A Buffer, not a string: Node writes headers together with a first string chunk in that
  // chunk's encoding (UTF-8), which would re-encode X-Influxdb-Error's latin1-carried bytes.
  const bytes = Buffer.from(text, 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', bytes.length);
  res.end(bytes);
}
