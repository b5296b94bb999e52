// The process logger: pino, JSON lines on stdout, with field names that stay stable so operators
// can build queries and alerts on them. Components take a child logger (`logger.child({ component })`)
// and use the names in LOG_FIELDS for the values they attach.

import { pino, type DestinationStream, type Logger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

/**
 * Field names used in log records across the DATA node. Documented in docs/operations.md; renaming
 * one breaks operators' queries, so add rather than rename.
 */
export const LOG_FIELDS = {
  component: 'component',
  requestId: 'requestId',
  method: 'method',
  path: 'path',
  status: 'status',
  durationMs: 'durationMs',
  db: 'db',
  rp: 'rp',
  pointsWritten: 'pointsWritten',
  pointsDropped: 'pointsDropped',
  bind: 'bind',
  dataDir: 'dataDir',
  err: 'err',
} as const;

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where the JSON lines go; standard output when absent. */
  readonly destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  const options = {
    level: opts.level,
    base: { service: 'shoal', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      // Level names rather than numbers: readable and what most log pipelines expect.
      level: (label: string) => ({ level: label }),
    },
  };
  return opts.destination === undefined ? pino(options) : pino(options, opts.destination);
}

export type { Logger } from 'pino';
