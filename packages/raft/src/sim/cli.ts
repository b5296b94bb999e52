// `npm run sim -- --seeds N --seed-start S [--events E] [--trace]`: runs simulator seeds and
// prints one line per failure with the command that replays it. Exits non-zero on any failure.

import { replayCommand, runSimulation } from './simulator.js';

interface CliArgs {
  seeds: number;
  seedStart: number;
  events: number;
  trace: boolean;
  traceMessages: boolean;
  quiet: boolean;
}

function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { seeds: 100, seedStart: 1, events: 3000, trace: false, traceMessages: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a non-negative integer`);
      return v;
    };
    if (a === '--seeds') args.seeds = value();
    else if (a === '--seed-start' || a === '--seed') args.seedStart = value();
    else if (a === '--events') args.events = value();
    else if (a === '--trace') args.trace = true;
    else if (a === '--trace-messages') args.trace = args.traceMessages = true;
    else if (a === '--quiet') args.quiet = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  let failures = 0;
  let events = 0;
  let writes = 0;
  const totals = { elections: 0, crashes: 0, snapshotsSent: 0, confChanges: 0, transfers: 0, opsUnknown: 0, readsDone: 0 };
  for (let seed = args.seedStart; seed < args.seedStart + args.seeds; seed++) {
    const r = runSimulation({
      seed,
      events: args.events,
      traceMessages: args.traceMessages,
      ...(args.trace ? { trace: (line: string) => console.log(line) } : {}),
    });
    events += r.stats.eventsRun;
    writes += r.stats.writesAcked;
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r.stats[k];
    const done = seed - args.seedStart + 1;
    if (args.quiet && done % 5000 === 0) console.log(`progress: ${done} seeds, ${failures} failed, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (!r.ok) {
      failures++;
      console.log(`FAIL seed ${seed}: ${r.failure}`);
      console.log(`  replay: ${replayCommand(seed, args.events)}`);
    } else if (args.trace || (!args.quiet && args.seeds <= 5)) {
      console.log(`ok seed ${seed} ${JSON.stringify(r.stats)}`);
    }
  }
  const seconds = (Date.now() - started) / 1000;
  if (!args.quiet) console.log(`totals ${JSON.stringify(totals)}`);
  console.log(
    `${args.seeds} seeds from ${args.seedStart}, ${events} events, ${writes} acknowledged writes, ${seconds.toFixed(1)} s: ${args.seeds - failures} passed, ${failures} failed`,
  );
  process.exitCode = failures > 0 ? 1 : 0;
}

main();
