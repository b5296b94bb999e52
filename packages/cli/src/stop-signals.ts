// SIGTERM and SIGINT for the long-running commands (`shoal server`, `shoal meta`). The handlers go
// in before the node starts: a signal that arrives while it starts would otherwise kill the
// process outright (Node's default), skipping the graceful stop. The first signal stops the node
// — once it has started — and exits 0 (1 if stopping failed); a second one exits 1 at once.

import type { Logger } from 'pino';
import { EXIT_FAILURE, EXIT_OK, type CliIo } from './exit.js';

export interface StopOnSignals {
  /** The node is up: stop it on the first signal (at once if one came during start-up). */
  started(stop: () => Promise<void>): void;
}

export function stopOnSignals(logger: Logger, io: CliIo): StopOnSignals {
  let stopNode: (() => Promise<void>) | null = null;
  let requested = false;
  const stopNow = (stop: () => Promise<void>): void => {
    stop().then(
      () => io.exit(EXIT_OK),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        io.stderr(`shoal: shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        io.exit(EXIT_FAILURE);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (requested) {
      logger.warn({ signal }, 'second signal: exiting without finishing shutdown');
      io.exit(EXIT_FAILURE);
    }
    requested = true;
    logger.info({ signal }, 'signal received: shutting down (send it again to force exit)');
    if (stopNode !== null) stopNow(stopNode);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    started(stop) {
      stopNode = stop;
      if (requested) stopNow(stop);
    },
  };
}
