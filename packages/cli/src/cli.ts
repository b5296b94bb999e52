// The `shoal` command line. Only this package reads the process environment (bin.ts hands it in);
// everything below gets a validated ShoalConfig.

import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError, Option } from 'commander';
import {
  ConfigError,
  DataDirError,
  DataNode,
  DEFAULT_DATA_DIR,
  DEFAULT_HTTP_BIND,
  DEFAULT_LOG_LEVEL,
  DEFAULT_META_BIND,
  ENV_VARS,
  ListenError,
  LOG_LEVELS,
  SHOAL_VERSION,
  createLogger,
  loadConfig,
  type Environment,
  type Logger,
} from '@shoal/data';

import { MetaListenError } from '@shoal/meta';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './exit.js';
import { addAdminCommands } from './admin.js';
import { addMetaNodeOptions, runMetaNode, META_NODE_EXAMPLES } from './meta-node.js';
import { stopOnSignals } from './stop-signals.js';

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo };

const SERVER_EXAMPLES = `
Examples:
  shoal server
      Serve the InfluxDB 1.x HTTP API on ${DEFAULT_HTTP_BIND} with data in ${DEFAULT_DATA_DIR}; the catalog
      lives in a one-node META group this process runs, reachable on ${DEFAULT_META_BIND} for 'shoal db|rp|cluster'.
  shoal server --http-bind :8086 --data-dir /var/lib/shoal
      Listen on every interface; keep data under /var/lib/shoal.
  shoal server --meta-servers 10.0.0.1:8091,10.0.0.2:8091,10.0.0.3:8091
      A DATA node of a cluster: no META group of its own, the catalog is the cluster's.
  ${ENV_VARS.logLevel}=debug shoal server --config /etc/shoal/shoal.json
      Read settings from a JSON file; the environment overrides it and flags override both.

Environment:
  ${ENV_VARS.config}        config file (as --config)
  ${ENV_VARS.httpBind}     HTTP bind address (as --http-bind)
  ${ENV_VARS.dataDir}      data directory (as --data-dir)
  ${ENV_VARS.logLevel}     log level (as --log-level)
  ${ENV_VARS.metaServers}  META cluster addresses (as --meta-servers)
  ${ENV_VARS.metaBind}     embedded META bind address (as --meta-bind)
`;

interface ServerFlags {
  readonly httpBind?: string;
  readonly dataDir?: string;
  readonly config?: string;
  readonly logLevel?: string;
  readonly metaServers?: string;
  readonly metaBind?: string;
}

export function buildProgram(env: Environment, io: CliIo): Command {
  const program = new Command('shoal')
    .description('Shoal: an InfluxDB 1.x compatible time-series database.')
    .version(SHOAL_VERSION, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError("(run 'shoal --help' for usage)")
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (s, write) => write(s.replace(/^error: /, 'shoal: ')),
    })
    .exitOverride()
    .enablePositionalOptions();
  program.addHelpText(
    'after',
    `
Examples:
  shoal server                        serve on ${DEFAULT_HTTP_BIND}, data in ${DEFAULT_DATA_DIR}, its META group on ${DEFAULT_META_BIND}
  shoal db create telegraf            create a database through META (the server's, by default)
  shoal rp create telegraf week --duration 7d --replication 2
  shoal cluster show --json
  shoal meta --id 1 --peers 1=10.0.0.1:8091,2=10.0.0.2:8091,3=10.0.0.3:8091 --dir /var/lib/shoal/meta
                                      found a three-node META group (run it with --id 2 and 3 on the others)
  shoal server --meta-servers 10.0.0.1:8091,10.0.0.2:8091,10.0.0.3:8091
                                      a DATA node of that cluster

Run 'shoal <command> --help' for every option, environment variable and more examples.
`,
  );

  program
    .command('server')
    .description('run a DATA node: the HTTP API (/write, /query, /ping, /health, /metrics) over local storage, with its own META group unless --meta-servers names a cluster')
    .option('--http-bind <addr>', `HTTP bind address, host:port or :port (default: ${DEFAULT_HTTP_BIND})`)
    .option('--data-dir <dir>', `directory for the shards and the embedded META group (default: ${DEFAULT_DATA_DIR})`)
    .option('--meta-servers <addrs>', 'META cluster to use, host:port,… (default: none: run a one-node META group in-process)')
    .option('--meta-bind <addr>', `where the in-process META group listens, host:port; port 0 picks one (default: ${DEFAULT_META_BIND})`)
    .option('--config <file>', 'JSON config file; environment variables and flags override it')
    .addOption(new Option('--log-level <level>', `log level (default: ${DEFAULT_LOG_LEVEL})`).choices([...LOG_LEVELS]))
    .showHelpAfterError("(run 'shoal server --help' for usage)")
    .addHelpText('after', SERVER_EXAMPLES)
    .action(async (flags: ServerFlags) => {
      await runServer(flags, env, io);
    });

  // `shoal meta` runs a META node; its subcommands (add, remove, transfer-leader) administer the group.
  const meta = addMetaNodeOptions(
    program.command('meta').description('run a META node (with --id, --peers, --dir), or change the META group (add, remove, transfer-leader)'),
  )
    .enablePositionalOptions()
    .showHelpAfterError("(run 'shoal meta --help' for usage)")
    .addHelpText('after', META_NODE_EXAMPLES)
    .action(async (flags: Parameters<typeof runMetaNode>[0]) => {
      await runMetaNode(flags, io);
    });
  addAdminCommands(program, meta, env, io);
  return program;
}

/** Parses argv (as process.argv) and runs the command; resolves when a command that returns is done. */
export async function main(argv: readonly string[], env: Environment, io: CliIo): Promise<void> {
  const program = buildProgram(env, io);
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      io.exit(EXIT_USAGE);
    }
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // `shoal db` without a subcommand shows help as an error (exitCode 1): that is bad usage.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        io.exit(err.exitCode === 0 ? EXIT_OK : EXIT_USAGE);
      }
      io.exit(EXIT_USAGE);
    }
    throw err;
  }
}

/**
 * V8 first interprets a function's bytecode and compiles it to baseline (Sparkplug) code only once
 * it has run a while; a query runs through hundreds of functions that each run a few times per
 * request, so a server that just started answers its first hundred queries several times slower
 * than later. Compiling straight to baseline code costs ~2 MB and nothing once warm; on the query
 * benchmark it took the median of a fresh server's first 50 queries of one kind from 3.0 to 1.9 ms.
 */
const SERVER_V8_FLAGS = '--always-sparkplug';

async function runServer(flags: ServerFlags, env: Environment, io: CliIo): Promise<void> {
  setFlagsFromString(SERVER_V8_FLAGS);
  let config;
  try {
    config = await loadConfig({ flags, env });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`shoal: ${err.message}\n`);
      io.exit(EXIT_USAGE);
    }
    throw err;
  }

  const logger: Logger = createLogger({ level: config.logLevel });
  const signals = stopOnSignals(logger, io);
  let node: DataNode;
  try {
    // The embedded META node stopped on a storage failure: the log says why; a supervisor restarts us.
    node = await DataNode.start(config, { logger, onFatal: () => io.exit(EXIT_FAILURE) });
  } catch (err) {
    if (err instanceof ListenError || err instanceof DataDirError || err instanceof MetaListenError) {
      logger.fatal({ err }, err.message);
      io.stderr(`shoal: ${err.message}\n`);
    } else {
      logger.fatal({ err }, 'start-up failed');
      io.stderr(`shoal: start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    io.exit(EXIT_FAILURE);
  }
  // The server runs until a signal; the open HTTP socket keeps the event loop alive.
  signals.started(() => node.stop());
}
