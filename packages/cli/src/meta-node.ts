// `shoal meta --id … --peers … --dir …`: a META node as a process. The flags are declared here for
// --help; their meaning and validation stay with @shoal/meta's parseMetaServerArgs, so `shoal meta`
// and packages/meta's own meta-server binary accept exactly the same command line.

import { MetaServer, META_LOG_LEVELS, parseMetaServerArgs, UsageError, AddressError } from '@shoal/meta';
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { EXIT_FAILURE, EXIT_USAGE, type CliIo } from './exit.js';
import { stopOnSignals } from './stop-signals.js';

export const META_NODE_EXAMPLES = `
Examples:
  shoal meta --id 1 --peers 1=10.0.0.1:8091,2=10.0.0.2:8091,3=10.0.0.3:8091 --dir /var/lib/shoal/meta
      Found a three-node META group; run the same line with --id 2 and --id 3 on the other hosts.
  shoal meta --id 1 --peers 1=127.0.0.1:9091 --dir /tmp/meta1
      A single META node for a test cluster (a lone 'shoal server' runs its own on 8091).
  shoal meta --id 4 --join --peers 1=10.0.0.1:8091,2=10.0.0.2:8091,3=10.0.0.3:8091,4=10.0.0.4:8091 --dir /var/lib/shoal/meta
      A new node that asks the running group to add it.

Each peer address is the node's one gRPC address: clients and DATA nodes use its MetaService there,
and the other META nodes its Raft service.
Logs are JSON lines (pino) on stdout. SIGTERM or SIGINT stops the node gracefully (exit 0);
a second signal exits at once (exit 1). A fatal error exits 1; bad flags exit 2.
`;

interface MetaNodeFlags {
  readonly id?: string;
  readonly peers?: string;
  readonly dir?: string;
  readonly join?: boolean;
  readonly listen?: string;
  readonly advertise?: string;
  readonly tickMs?: string;
  readonly electionTicks?: string;
  readonly sync?: boolean;
  readonly logLevel?: string;
  readonly dataNodeTimeoutMs?: string;
  readonly retentionCheckIntervalMs?: string;
  readonly retention?: boolean;
}

/** Declares the META node's flags on `cmd` (the `shoal meta` command, which also has subcommands). */
export function addMetaNodeOptions(cmd: Command): Command {
  return cmd
    .option('--id <id>', "this node's id in the META group (required)")
    .option('--peers <list>', 'the founding members, id=host:port,… (required)')
    .option('--dir <dir>', 'directory for the Raft log and snapshots (required)')
    .option('--join', 'ask the running group to add this node instead of founding one')
    .option('--listen <addr>', 'bind address (default: this node\'s peer address)')
    .option('--advertise <addr>', 'the address other nodes and clients use to reach this one')
    .option('--tick-ms <ms>', 'Raft tick interval in milliseconds')
    .option('--election-ticks <n>', 'election timeout in ticks')
    .option('--no-sync', 'do not fsync the Raft log (tests only: loses data on a crash)')
    .addOption(new Option('--log-level <level>', 'log level (default: info)').choices([...META_LOG_LEVELS]))
    .option('--data-node-timeout-ms <ms>', 'mark a DATA node down after this long without a heartbeat')
    .option('--retention-check-interval-ms <ms>', 'how often the leader expires shard groups past their policy (default: 1800000)')
    .option('--no-retention', 'never expire shard groups: keep data past its retention policy');
}

function argvOf(f: MetaNodeFlags): string[] {
  const argv: string[] = [];
  const value = (name: string, v: string | undefined): void => {
    if (v !== undefined) argv.push(`--${name}`, v);
  };
  value('id', f.id);
  value('peers', f.peers);
  value('dir', f.dir);
  if (f.join === true) argv.push('--join');
  value('listen', f.listen);
  value('advertise', f.advertise);
  value('tick-ms', f.tickMs);
  value('election-ticks', f.electionTicks);
  if (f.sync === false) argv.push('--no-sync');
  value('log-level', f.logLevel);
  value('data-node-timeout-ms', f.dataNodeTimeoutMs);
  value('retention-check-interval-ms', f.retentionCheckIntervalMs);
  if (f.retention === false) argv.push('--no-retention');
  return argv;
}

/** Runs a META node until a signal; never resolves on success (the process exits from a handler). */
export async function runMetaNode(flags: MetaNodeFlags, io: CliIo): Promise<void> {
  let args;
  try {
    args = parseMetaServerArgs(argvOf(flags));
  } catch (err) {
    if (err instanceof UsageError || err instanceof AddressError) {
      io.stderr(`shoal: ${err.message} (run 'shoal meta --help' for usage)\n`);
      io.exit(EXIT_USAGE);
    }
    throw err;
  }
  const logger = pino({
    level: args.logLevel,
    base: { service: 'shoal-meta', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  });
  const signals = stopOnSignals(logger, io);
  let server: MetaServer;
  try {
    server = await MetaServer.start({
      ...args.options,
      logger,
      // The log says why; a supervisor restarts the process, which recovers from its disk.
      onFatal: () => io.exit(EXIT_FAILURE),
    });
  } catch (err) {
    logger.fatal({ err }, 'start-up failed');
    io.stderr(`shoal: META node start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
    io.exit(EXIT_FAILURE);
  }
  signals.started(() => server.close());
}
