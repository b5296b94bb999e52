// Every error the HTTP API shows a client, in InfluxDB 1.x's wording, decided in this one file.
// Typed errors from the catalog, the engine and the points writer are matched by their `name`
// (not `instanceof`) so that a second copy of @shoal/tsdb in the process — a test importing the
// sources beside a built dist, say — still maps correctly.

import type { WriteOutcome } from '../points-writer.js';

/** An error answered with `status` and the body `{"error": message}`. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    /** Close the connection after answering (the client may still be sending a body we refuse to read). */
    readonly closeConnection = false,
  ) {
    super(message);
  }
}

export const MESSAGES = {
  databaseRequired: 'database is required',
  requestEntityTooLarge: 'Request Entity Too Large',
  methodNotAllowed: 'Method Not Allowed',
  notFound: '404 page not found',
  missingQuery: 'missing required parameter "q"',
  invalidConsistency: 'invalid consistency level',
  starting: 'server is starting',
  shuttingDown: 'server is shutting down',
  notExecuted: 'not executed',
  invalidName: 'invalid name',
  databaseNameRequired: 'database name required',
  bodyAborted: 'request body aborted by the client',
} as const;

export function databaseNotFoundMessage(db: string): string {
  return `database not found: ${JSON.stringify(db)}`;
}

export function invalidPrecisionMessage(precision: string): string {
  return `invalid precision ${JSON.stringify(precision)}: expected one of ns, u, ms, s, m, h`;
}

/** The statement error for InfluxQL this server cannot run yet (`SELECT`, `SHOW MEASUREMENTS`, ...). */
export function unsupportedStatementMessage(what: string): string {
  return `${what} is not supported yet by this server`;
}

/** The maximum X-Influxdb-Error header length InfluxDB sends, in bytes. */
export const ERROR_HEADER_BYTES_MAX = 1024;

interface NamedError {
  readonly name: string;
  readonly message: string;
  readonly database?: unknown;
  readonly retentionPolicy?: unknown;
}

function named(err: unknown, name: string): err is NamedError {
  return err instanceof Error && err.name === name;
}

/** A failure thrown by PointsWriter.write, as the HTTP answer InfluxDB would give. */
export function httpErrorFromWrite(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (named(err, 'DatabaseNotFoundError')) return new HttpError(404, databaseNotFoundMessage(String(err.database)));
  if (named(err, 'RetentionPolicyNotFoundError')) {
    // InfluxDB 1.x answers 500 here (influxdb#9183, wontfix); clients retry 5xx forever, so we
    // answer 404 with InfluxDB's message. Listed in docs/compatibility.md.
    return new HttpError(404, `retention policy not found: ${String(err.retentionPolicy)}`);
  }
  if (named(err, 'EngineClosedError')) return new HttpError(503, MESSAGES.shuttingDown);
  if (named(err, 'DatabaseNameRequiredError')) return new HttpError(400, MESSAGES.databaseRequired);
  return new HttpError(500, err instanceof Error ? err.message : String(err));
}

/**
 * The error answer for a write that stored less than it was sent, or undefined for a full success.
 * InfluxDB's rules: no line parsed → 400 with the parse errors alone; some points stored or refused
 * after parsing → 400 `partial write: <reasons> dropped=N`.
 */
export function httpErrorFromOutcome(outcome: WriteOutcome): HttpError | undefined {
  const { written, parseErrorCount, dropped } = outcome;
  if (parseErrorCount === 0 && dropped === 0) return undefined;
  const reasons: string[] = [];
  if (parseErrorCount > 0) {
    reasons.push(...outcome.parseErrors);
    const unlisted = parseErrorCount - outcome.parseErrors.length;
    if (unlisted > 0) reasons.push(`(${unlisted} more lines could not be parsed)`);
  }
  if (written === 0 && dropped === 0) return new HttpError(400, reasons.join('\n'));
  if (dropped > 0) reasons.push(outcome.dropReason ?? 'points dropped');
  return new HttpError(400, `partial write: ${reasons.join('\n')} dropped=${parseErrorCount + dropped}`);
}

/** InfluxQL's wording (no quotes, unlike /write's). */
export function statementDatabaseNotFoundMessage(db: string): string {
  return `database not found: ${db}`;
}

/** A statement's failure, in the wording InfluxDB puts in `results[i].error`. */
export function statementErrorMessage(err: unknown): string {
  if (named(err, 'DatabaseNotFoundError')) return statementDatabaseNotFoundMessage(String(err.database));
  if (named(err, 'RetentionPolicyNotFoundError')) return 'retention policy not found';
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A failure to decompress a gzip body, worded as Go's reader would. */
export function gzipErrorMessage(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'Z_DATA_ERROR' && /header/i.test(err.message)) return 'gzip: invalid header';
  if (code === 'Z_BUF_ERROR') return 'unexpected EOF';
  return `gzip: ${err.message}`;
}

/**
 * The X-Influxdb-Error header value: at most ERROR_HEADER_BYTES_MAX bytes of the message's UTF-8,
 * line breaks as spaces (a header cannot hold them), carried as latin1 so Node sends the bytes
 * unchanged, as Go's server does.
 */
export function errorHeaderValue(message: string): string {
  const utf8 = Buffer.from(message.replace(/[\r\n]+/g, ' ').replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, ' '), 'utf8');
  return utf8.subarray(0, ERROR_HEADER_BYTES_MAX).toString('latin1');
}
