#!/usr/bin/env node
// Entry point of the `shoal` command: the one place that reads process.env and process.argv.

import { main } from './cli.js';

main(process.argv, process.env, {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  exit: (code) => process.exit(code),
}).catch((err: unknown) => {
  process.stderr.write(`shoal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
