// POST /write: line protocol in, InfluxDB 1.x answers out. The order of checks follows InfluxDB
// (database given, database exists, then the body), so clients see the same error first.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { parsePrecision } from '@shoal/lineproto';
import type { Catalog } from '@shoal/tsdb';
import type { Counter } from '../metrics.js';
import type { ConsistencyLevel, PointsWriter } from '../points-writer.js';
import {
  HttpError,
  MESSAGES,
  databaseNotFoundMessage,
  httpErrorFromOutcome,
  httpErrorFromWrite,
  invalidPrecisionMessage,
} from './errors.js';
import { isGzipEncoded, readBody } from './request-body.js';
import { sendEmpty } from './response.js';

export interface WriteMetrics {
  readonly pointsWritten: Counter;
  /** Labels: reason = parse | refused. */
  readonly pointsDropped: Counter;
  readonly bytesReceived: Counter;
}

export interface WriteEndpointDeps {
  readonly catalog: Catalog;
  readonly pointsWriter: PointsWriter;
  readonly maxBodyBytes: number;
  readonly metrics: WriteMetrics;
}

/** What the access log records about a write. */
export interface WriteSummary {
  db?: string;
  rp?: string;
  pointsWritten?: number;
  pointsDropped?: number;
}

const CONSISTENCY_LEVELS: readonly ConsistencyLevel[] = ['any', 'one', 'quorum', 'all'];

export function parseConsistency(s: string): ConsistencyLevel | undefined {
  const lower = s.toLowerCase();
  return (CONSISTENCY_LEVELS as readonly string[]).includes(lower) ? (lower as ConsistencyLevel) : undefined;
}

/** Answers the request or throws HttpError for the caller to send. */
export async function serveWrite(
  deps: WriteEndpointDeps,
  req: IncomingMessage,
  res: ServerResponse,
  params: URLSearchParams,
  summary: WriteSummary,
): Promise<void> {
  const database = params.get('db') ?? '';
  if (database === '') throw new HttpError(400, MESSAGES.databaseRequired);
  summary.db = database;
  const rp = params.get('rp') ?? '';
  if (rp !== '') summary.rp = rp;
  if (deps.catalog.database(database) === undefined) throw new HttpError(404, databaseNotFoundMessage(database));

  const precisionText = params.get('precision') ?? '';
  const precision = parsePrecision(precisionText);
  if (precision === undefined) throw new HttpError(400, invalidPrecisionMessage(precisionText));

  const consistencyText = params.get('consistency') ?? '';
  let consistency: ConsistencyLevel | undefined;
  if (consistencyText !== '') {
    consistency = parseConsistency(consistencyText);
    if (consistency === undefined) throw new HttpError(400, MESSAGES.invalidConsistency);
  }

  const body = await readBody(req, { maxBytes: deps.maxBodyBytes, gzip: isGzipEncoded(req) });
  deps.metrics.bytesReceived.inc(undefined, body.length);
  if (body.length === 0) {
    sendEmpty(res, 204, 'application/json');
    return;
  }

  let outcome;
  try {
    outcome = await deps.pointsWriter.write({
      database,
      retentionPolicy: rp === '' ? undefined : rp,
      precision,
      body,
      consistency,
    });
  } catch (err) {
    throw httpErrorFromWrite(err);
  }
  summary.pointsWritten = outcome.written;
  summary.pointsDropped = outcome.parseErrorCount + outcome.dropped;
  deps.metrics.pointsWritten.inc(undefined, outcome.written);
  if (outcome.parseErrorCount > 0) deps.metrics.pointsDropped.inc({ reason: 'parse' }, outcome.parseErrorCount);
  if (outcome.dropped > 0) deps.metrics.pointsDropped.inc({ reason: 'refused' }, outcome.dropped);

  const failure = httpErrorFromOutcome(outcome);
  if (failure !== undefined) throw failure;
  sendEmpty(res, 204, 'application/json');
}
