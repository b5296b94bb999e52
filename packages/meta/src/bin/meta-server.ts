#!/usr/bin/env node
// A META node as a process: `node packages/meta/dist/bin/meta-server.js --id 1 --peers
// 1=127.0.0.1:8091,2=127.0.0.1:8093,3=127.0.0.1:8095 --dir DATA_DIR` (flags in server-args.ts).
// Logs are pino JSON lines on stdout; SIGTERM or SIGINT stops it gracefully (a second one exits at
// once). Exit status 2 is a usage error, 1 a failure.

import { pino } from 'pino';
import { MetaServer } from '../server.js';
import { parseMetaServerArgs, UsageError } from '../server-args.js';

async function main(): Promise<void> {
  let args;
  try {
    args = parseMetaServerArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof Error && err.name === 'AddressError')) throw err;
    process.stderr.write(`meta-server: ${err.message}\n`);
    process.exit(2);
  }
  const logger = pino({
    level: args.logLevel,
    base: { service: 'shoal-meta', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  });
  const server = await MetaServer.start({
    ...args.options,
    logger,
    // The log says why; a supervisor restarts the process, which recovers from its disk.
    onFatal: () => process.exit(1),
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'stopping');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`meta-server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
