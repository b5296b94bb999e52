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
  const text = jsonText(body, pretty);
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
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

export function sendEmpty(res: ServerResponse, status: number): void {
  res.statusCode = status;
  res.end();
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
