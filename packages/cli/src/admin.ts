// The admin commands: `shoal db|rp|cluster|shard-groups …` and `shoal meta add|remove|transfer-leader`.
// Each one is a short gRPC conversation with the META group through MetaClient (which finds the
// leader), printed as a table for people or as JSON (--json) for scripts. int64 values (times,
// durations, terms, log indexes) are JSON strings, so no script ever loses precision to a double.

import { DurationError, formatDuration, parseDuration } from '@shoal/influxql';
import {
  MetaClient,
  MetaRequestError,
  MetaUnavailableError,
  type CommandOf,
  type CommandValues,
  type MembershipInfo,
  type MetaCommandType,
  type MetaError,
  type MetaNodeStatus,
  type MetaShardGroupInfo,
  type MetaState,
} from '@shoal/meta';
import type { DatabaseInfo, RetentionPolicyInfo, RetentionPolicySpec, RetentionPolicyUpdate } from '@shoal/tsdb';
import type { Command } from 'commander';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './exit.js';
import { renderJson, renderTable } from './output.js';

type Environment = Readonly<Record<string, string | undefined>>;

export const ENV_META = 'SHOAL_META';
export const DEFAULT_META_ADDRESS = '127.0.0.1:8091';
export const DEFAULT_TIMEOUT_S = 10;
/** One attempt on one META node gives up after this long, so a dead node leaves time for the others. */
const ATTEMPT_TIMEOUT_MS_MAX = 2000;
/** A probe of one member for `cluster show`. */
const PROBE_TIMEOUT_MS_MAX = 2000;

/** A failure the user can act on: the message says what to do; the code is the exit status. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const usage = (message: string): CliError => new CliError(message, EXIT_USAGE);

interface AdminFlags {
  readonly meta?: string;
  readonly timeout?: string;
  readonly json?: boolean;
}

interface Ctx {
  readonly client: MetaClient;
  readonly json: boolean;
  readonly io: CliIo;
  readonly timeoutMs: number;
}

const COMMON_HELP = `
Connection (every admin command):
  --meta host:port,…   META nodes to ask; any one will do, the leader is found from there
                       (default: $${ENV_META}, else ${DEFAULT_META_ADDRESS})
  --timeout <seconds>  give up when no META leader answers within this long (default: ${DEFAULT_TIMEOUT_S})
  --json               JSON on stdout for scripts; int64 values (times, durations, indexes) are strings

Exit status: 0 done; 1 refused by META or no META leader reachable; 2 bad usage.`;

function withCommon(cmd: Command, examples: string): Command {
  return cmd
    .option('--meta <addrs>', `META addresses host:port,… (default: $${ENV_META}, else ${DEFAULT_META_ADDRESS})`)
    .option('--timeout <seconds>', `seconds to wait for a META leader (default: ${DEFAULT_TIMEOUT_S})`)
    .option('--json', 'print JSON instead of a table')
    .showHelpAfterError(`(run '${fullName(cmd)} --help' for usage)`)
    .addHelpText('after', `\nExamples:\n${examples}\n${COMMON_HELP}\n`);
}

/** A command that only groups subcommands; its help names them and shows examples. */
function group(program: Command, name: string, description: string, examples: readonly string[]): Command {
  return program
    .command(name)
    .description(description)
    .addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}\n\nRun 'shoal ${name} <command> --help' for the options of each.\n`);
}

function fullName(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export function addAdminCommands(program: Command, meta: Command, env: Environment, io: CliIo): void {
  /** Wraps an action: sets up the client, maps every failure to a message and an exit code. */
  const act =
    <A extends unknown[]>(fn: (ctx: Ctx, ...args: A) => Promise<void>) =>
    async (...args: unknown[]): Promise<void> => {
      // commander passes the positional arguments, then the options, then the command.
      const cmd = args[args.length - 1] as Command;
      const flags = cmd.opts<AdminFlags>();
      const positional = args.slice(0, -2) as A;
      const opts = args[args.length - 2];
      await runAdmin(flags, env, io, (ctx) => fn(ctx, ...([...positional, opts] as unknown as A)));
    };

  // ---- db ----
  const db = group(program, 'db', 'create, drop and list databases', ['shoal db create telegraf', 'shoal db list --json', 'shoal db drop telegraf']);
  withCommon(
    db
      .command('create <name>')
      .description('create a database (a no-op when it exists with the same default policy)')
      .option('--duration <d>', 'duration of its default retention policy, e.g. 30d or INF (default: INF)')
      .option('--shard-duration <d>', 'shard group duration of that policy, e.g. 1d (default: from the duration)')
      .option('--replication <n>', 'replication factor of that policy (default: 1)')
      .option('--rp-name <name>', 'name of that policy (default: autogen)'),
    `  shoal db create telegraf
  shoal db create metrics --duration 30d --shard-duration 1d --replication 2 --rp-name month`,
  ).action(
    act(async (ctx, name: string, o: { duration?: string; shardDuration?: string; replication?: string; rpName?: string }) => {
      const shaped = o.duration !== undefined || o.shardDuration !== undefined || o.replication !== undefined || o.rpName !== undefined;
      const spec: RetentionPolicySpec | null = shaped ? { name: o.rpName ?? 'autogen', ...policyFields(o) } : null;
      const info = await applyOk(ctx, { type: 'create-database', name, retentionPolicy: spec });
      if (ctx.json) ctx.io.stdout(renderJson(databaseJson(info)));
      else ctx.io.stdout(`database ${info.name} ready (default retention policy ${info.defaultRetentionPolicy})\n`);
      const rp = info.retentionPolicies.find((p) => p.name === info.defaultRetentionPolicy);
      if (rp !== undefined) await warnReplication(ctx, rp.replicaN);
    }),
  );
  withCommon(
    db.command('drop <name>').description('drop a database and all its data').option('--if-exists', 'succeed when the database does not exist'),
    `  shoal db drop telegraf
  shoal db drop scratch --if-exists`,
  ).action(
    act(async (ctx, name: string, o: { ifExists?: boolean }) => {
      const { state } = await ctx.client.getState(true);
      if (state.database(name) === undefined && o.ifExists !== true) throw unknownDatabase(name);
      await applyOk(ctx, { type: 'drop-database', name });
      if (ctx.json) ctx.io.stdout(renderJson({ dropped: name }));
      else ctx.io.stdout(`database ${name} dropped\n`);
    }),
  );
  withCommon(db.command('list').description('list databases'), '  shoal db list\n  shoal db list --json').action(
    act(async (ctx) => {
      const { state } = await ctx.client.getState(true);
      const dbs = state.databases();
      if (ctx.json) {
        ctx.io.stdout(renderJson(dbs.map(databaseJson)));
        return;
      }
      ctx.io.stdout(
        renderTable(
          ['NAME', 'DEFAULT RP', 'RETENTION POLICIES'],
          dbs.map((d) => [d.name, d.defaultRetentionPolicy === '' ? '-' : d.defaultRetentionPolicy, d.retentionPolicies.map((p) => p.name).join(',')]),
        ),
      );
    }),
  );

  // ---- rp ----
  const rp = group(program, 'rp', 'create, alter, drop and list retention policies', [
    'shoal rp create telegraf week --duration 7d --shard-duration 1d --replication 2',
    'shoal rp alter telegraf week --duration 14d --default',
    'shoal rp list telegraf',
    'shoal rp drop telegraf week',
  ]);
  withCommon(
    rp
      .command('create <database> <name>')
      .description('create a retention policy')
      .requiredOption('--duration <d>', 'how long data is kept, e.g. 1h, 7d, 52w or INF (required)')
      .option('--shard-duration <d>', 'time span of one shard group (default: from the duration)')
      .option('--replication <n>', 'copies of each shard (default: 1)')
      .option('--default', 'make it the default policy of the database'),
    `  shoal rp create telegraf week --duration 7d --replication 2
  shoal rp create telegraf forever --duration INF --shard-duration 4w --default`,
  ).action(
    act(async (ctx, database: string, name: string, o: { duration?: string; shardDuration?: string; replication?: string; default?: boolean }) => {
      const info = await applyOk(ctx, {
        type: 'create-retention-policy',
        database,
        spec: { name, ...policyFields(o) },
        makeDefault: o.default === true,
      });
      printPolicy(ctx, database, info, 'created');
      await warnReplication(ctx, info.replicaN);
    }),
  );
  withCommon(
    rp
      .command('alter <database> <name>')
      .description('change a retention policy (existing shard groups keep their bounds and owners)')
      .option('--duration <d>', 'how long data is kept, e.g. 1h, 7d or INF')
      .option('--shard-duration <d>', 'time span of new shard groups')
      .option('--replication <n>', 'copies of each new shard')
      .option('--default', 'make it the default policy of the database'),
    `  shoal rp alter telegraf week --duration 14d
  shoal rp alter telegraf week --replication 3 --default`,
  ).action(
    act(async (ctx, database: string, name: string, o: { duration?: string; shardDuration?: string; replication?: string; default?: boolean }) => {
      const update: RetentionPolicyUpdate = policyFields(o);
      if (Object.keys(update).length === 0 && o.default !== true) {
        throw usage('rp alter needs at least one of --duration, --shard-duration, --replication, --default');
      }
      const info = await applyOk(ctx, { type: 'update-retention-policy', database, name, update, makeDefault: o.default === true });
      printPolicy(ctx, database, info, 'altered');
      await warnReplication(ctx, info.replicaN);
    }),
  );
  withCommon(rp.command('drop <database> <name>').description('drop a retention policy and its data'), '  shoal rp drop telegraf week').action(
    act(async (ctx, database: string, name: string) => {
      const { state } = await ctx.client.getState(true);
      const d = state.database(database);
      if (d === undefined) throw unknownDatabase(database);
      if (!d.retentionPolicies.some((p) => p.name === name)) throw unknownPolicy(database, name);
      await applyOk(ctx, { type: 'drop-retention-policy', database, name });
      if (ctx.json) ctx.io.stdout(renderJson({ database, dropped: name }));
      else ctx.io.stdout(`retention policy ${name} of database ${database} dropped\n`);
    }),
  );
  withCommon(rp.command('list <database>').description("list a database's retention policies"), '  shoal rp list telegraf\n  shoal rp list telegraf --json').action(
    act(async (ctx, database: string) => {
      const { state } = await ctx.client.getState(true);
      const d = state.database(database);
      if (d === undefined) throw unknownDatabase(database);
      if (ctx.json) {
        ctx.io.stdout(renderJson(d.retentionPolicies.map((p) => ({ ...policyJson(p), default: p.name === d.defaultRetentionPolicy }))));
        return;
      }
      ctx.io.stdout(
        renderTable(
          ['NAME', 'DURATION', 'SHARD DURATION', 'REPLICATION', 'DEFAULT'],
          d.retentionPolicies.map((p) => [
            p.name,
            retentionText(p.durationNs),
            formatDuration(p.shardGroupDurationNs),
            String(p.replicaN),
            p.name === d.defaultRetentionPolicy ? 'yes' : 'no',
          ]),
        ),
      );
    }),
  );

  // ---- cluster ----
  const cluster = group(program, 'cluster', 'the state of the cluster', ['shoal cluster show', 'shoal cluster show --json']);
  withCommon(
    cluster.command('show').description('META nodes (leader, term, commit index, last contact) and DATA nodes (status, last heartbeat)'),
    '  shoal cluster show --meta 10.0.0.1:8091\n  shoal cluster show --json',
  ).action(act(async (ctx) => showCluster(ctx)));

  // ---- shard-groups ----
  const shardGroups = group(program, 'shard-groups', 'shard groups and the DATA nodes that own their shards', [
    'shoal shard-groups list',
    'shoal shard-groups list --db telegraf --rp week --json',
  ]);
  withCommon(
    shardGroups
      .command('list')
      .description('list shard groups, oldest first')
      .option('--db <database>', 'only this database')
      .option('--rp <policy>', 'only this retention policy (with --db)')
      .option('--deleted', 'also list groups marked deleted whose shards are not yet dropped'),
    '  shoal shard-groups list\n  shoal shard-groups list --db telegraf --rp week --json',
  ).action(
    act(async (ctx, o: { db?: string; rp?: string; deleted?: boolean }) => {
      if (o.rp !== undefined && o.db === undefined) throw usage('--rp needs --db');
      const { state } = await ctx.client.getState(true);
      if (o.db !== undefined) {
        const d = state.database(o.db);
        if (d === undefined) throw unknownDatabase(o.db);
        if (o.rp !== undefined && !d.retentionPolicies.some((p) => p.name === o.rp)) throw unknownPolicy(o.db, o.rp);
      }
      const groups = [...state.shardGroups(o.db, o.rp), ...(o.deleted === true ? state.deletedShardGroups(o.db, o.rp) : [])];
      groups.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : a.id - b.id));
      if (ctx.json) {
        ctx.io.stdout(renderJson(groups.map(groupJson)));
        return;
      }
      ctx.io.stdout(
        renderTable(
          ['ID', 'DATABASE', 'RP', 'START', 'END', 'SHARDS (id:owners)', 'DELETED'],
          groups.map((g) => [
            String(g.id),
            g.database,
            g.retentionPolicy,
            timeText(g.startNs),
            timeText(g.endNs),
            g.shards.map((s) => `${s.id}:${s.owners.join('+')}`).join(' '),
            g.deletedAtNs === null ? '-' : timeText(g.deletedAtNs),
          ]),
        ),
      );
    }),
  );

  // ---- meta add|remove|transfer-leader ----
  withCommon(
    meta.command('add <id> <address>').description('add a META node (a learner first, a voter once caught up); address is its MetaService host:port'),
    '  shoal meta add 4 10.0.0.4:8091 --meta 10.0.0.1:8091\n      Then start the node: shoal meta --id 4 --join --peers 1=…,4=10.0.0.4:8091 --dir …',
  ).action(
    act(async (ctx, id: string, address: string) => {
      checkHostPort('address', address);
      printMembership(ctx, await ctx.client.addMember(id, address));
    }),
  );
  withCommon(meta.command('remove <id>').description('remove a META node from the group'), '  shoal meta remove 4 --meta 10.0.0.1:8091').action(
    act(async (ctx, id: string) => {
      printMembership(ctx, await ctx.client.removeMember(id));
    }),
  );
  withCommon(
    meta.command('transfer-leader [id]').description('move leadership to the node with this id (default: the most caught-up voter)'),
    '  shoal meta transfer-leader 2\n  shoal meta transfer-leader',
  ).action(
    act(async (ctx, id: string | undefined) => {
      printMembership(ctx, await ctx.client.transferLeadership(id));
    }),
  );
}

async function runAdmin(flags: AdminFlags, env: Environment, io: CliIo, fn: (ctx: Ctx) => Promise<void>): Promise<void> {
  let client: MetaClient | undefined;
  let timeoutS = DEFAULT_TIMEOUT_S;
  try {
    const addresses = metaAddresses(flags.meta ?? env[ENV_META] ?? DEFAULT_META_ADDRESS);
    if (flags.timeout !== undefined) {
      timeoutS = Number(flags.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw usage(`invalid --timeout "${flags.timeout}": expected a positive number of seconds`);
    }
    const timeoutMs = Math.round(timeoutS * 1000);
    client = new MetaClient({ addresses, deadlineMs: timeoutMs, attemptTimeoutMs: Math.min(ATTEMPT_TIMEOUT_MS_MAX, timeoutMs), backoffMaxMs: 500 });
    await fn({ client, json: flags.json === true, io, timeoutMs });
  } catch (err) {
    const message = describeFailure(err, client, timeoutS);
    if (message === null) throw err;
    io.stderr(`shoal: ${message.text}\n`);
    client?.close();
    io.exit(message.code);
  }
  client.close();
  io.exit(EXIT_OK);
}

function describeFailure(err: unknown, client: MetaClient | undefined, timeoutS: number): { text: string; code: number } | null {
  if (err instanceof CliError) return { text: err.message, code: err.exitCode };
  if (err instanceof MetaUnavailableError) {
    const tried = client === undefined ? '' : client.addresses.join(', ');
    return {
      text:
        `no META leader reachable within ${timeoutS} s (tried ${tried}; last error: ${err.lastError})` +
        `${err.outcomeUnknown ? '; the change may have been applied, check before retrying' : ''}. ` +
        `Check --meta or ${ENV_META}, that the META nodes run and a majority of them is up, or raise --timeout.`,
      code: EXIT_FAILURE,
    };
  }
  if (err instanceof MetaRequestError) {
    const hint = REQUEST_HINTS[err.operation];
    return { text: `META refused ${err.operation}: ${err.details}${hint === undefined ? '' : `: ${hint}`}`, code: EXIT_FAILURE };
  }
  return null;
}

/** What to do when META refuses a membership call. */
const REQUEST_HINTS: Readonly<Record<string, string>> = {
  transferLeadership: "the target must be a voter other than the leader; see the members with 'shoal cluster show'",
  addMember: "see the members with 'shoal cluster show'",
  removeMember: "see the members with 'shoal cluster show'",
};

const HOST_PORT = /^(.+):(\d{1,5})$/;

function checkHostPort(what: string, a: string): void {
  const m = HOST_PORT.exec(a);
  if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535) throw usage(`invalid ${what} "${a}": expected host:port`);
}

function metaAddresses(text: string): string[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw usage(`no META address given: pass --meta host:port,… or set ${ENV_META}`);
  for (const a of list) checkHostPort('META address', a);
  return list;
}

async function applyOk<T extends MetaCommandType>(ctx: Ctx, cmd: CommandOf<T>): Promise<CommandValues[T]> {
  const r = await ctx.client.apply(cmd);
  if (!r.result.ok) throw new CliError(refusal(r.result.error, cmd), EXIT_FAILURE);
  return r.result.value;
}

/** META's own wording, plus what to do about it. */
function refusal(e: MetaError, cmd: { readonly type: string }): string {
  switch (e.code) {
    case 'database-not-found': {
      const db = (cmd as { readonly database?: string }).database;
      return `${e.message}: create it with 'shoal db create${db === undefined ? '' : ` ${db}`}' or see 'shoal db list'`;
    }
    case 'retention-policy-not-found':
      return `${e.message}: see 'shoal rp list <database>'`;
    case 'retention-policy-exists':
      return `${e.message} with a different definition: change it with 'shoal rp alter'`;
    case 'retention-policy-conflict':
      return cmd.type === 'create-database'
        ? `${e.message}: the database exists with another default policy; change it with 'shoal rp alter'`
        : `${e.message}: the policy exists but is not the default; make it so with 'shoal rp alter --default'`;
    case 'invalid-retention-policy':
      return `${e.message} (durations are InfluxQL durations such as 1h, 7d, 4w or INF; the duration must be at least 1h and not shorter than the shard duration)`;
    default:
      return e.message;
  }
}

function unknownDatabase(name: string): CliError {
  return new CliError(`database not found: "${name}": create it with 'shoal db create ${name}' or see 'shoal db list'`, EXIT_FAILURE);
}

function unknownPolicy(db: string, name: string): CliError {
  return new CliError(`retention policy not found: "${name}" in database "${db}": see 'shoal rp list ${db}'`, EXIT_FAILURE);
}

/** A duration flag: InfluxQL duration text, or INF (keep forever) where `infinite` allows it. */
function durationFlag(flag: string, text: string, infinite: boolean): bigint {
  if (infinite && text.toUpperCase() === 'INF') return 0n;
  let ns: bigint;
  try {
    ns = parseDuration(text);
  } catch (err) {
    if (!(err instanceof DurationError)) throw err;
    throw usage(`invalid ${flag} "${text}": ${err.message}; expected an InfluxQL duration such as 1h, 7d, 2w${infinite ? ' or INF' : ''}`);
  }
  if (ns < 0n) throw usage(`invalid ${flag} "${text}": a duration cannot be negative`);
  return ns;
}

function policyFields(o: { duration?: string; shardDuration?: string; replication?: string }): {
  durationNs?: bigint;
  shardGroupDurationNs?: bigint;
  replicaN?: number;
} {
  const out: { durationNs?: bigint; shardGroupDurationNs?: bigint; replicaN?: number } = {};
  if (o.duration !== undefined) out.durationNs = durationFlag('--duration', o.duration, true);
  if (o.shardDuration !== undefined) {
    out.shardGroupDurationNs = durationFlag('--shard-duration', o.shardDuration, false);
    if (out.shardGroupDurationNs === 0n) throw usage(`invalid --shard-duration "${o.shardDuration}": it must be positive`);
  }
  if (o.replication !== undefined) {
    const n = Number(o.replication);
    if (!/^\d+$/.test(o.replication) || !Number.isSafeInteger(n) || n < 1) {
      throw usage(`invalid --replication "${o.replication}": expected a whole number of copies, at least 1`);
    }
    out.replicaN = n;
  }
  return out;
}

/** Accepted as InfluxDB does, but worth a word: the shards get fewer copies than asked for. */
async function warnReplication(ctx: Ctx, replicaN: number): Promise<void> {
  if (replicaN <= 1) return;
  const { state } = await ctx.client.getState(false);
  const live = state.liveDataNodeIds().length;
  if (replicaN > live) {
    ctx.io.stderr(
      `shoal: warning: replication factor ${replicaN} is above the ${live} live DATA node${live === 1 ? '' : 's'}; ` +
        `new shards get ${Math.max(live, 1)} cop${live <= 1 ? 'y' : 'ies'} until more DATA nodes join\n`,
    );
  }
}

// ---- output ----

function retentionText(ns: bigint): string {
  return ns === 0n ? 'INF' : formatDuration(ns);
}

function timeText(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const d = new Date(Number(ms));
  return Number.isNaN(d.getTime()) ? `${ns}ns` : d.toISOString().replace('.000Z', 'Z');
}

function policyJson(p: RetentionPolicyInfo): object {
  return { name: p.name, durationNs: p.durationNs, shardGroupDurationNs: p.shardGroupDurationNs, replicaN: p.replicaN };
}

function databaseJson(d: DatabaseInfo): object {
  return { name: d.name, defaultRetentionPolicy: d.defaultRetentionPolicy, retentionPolicies: d.retentionPolicies.map(policyJson) };
}

function groupJson(g: MetaShardGroupInfo): object {
  return {
    id: g.id,
    database: g.database,
    retentionPolicy: g.retentionPolicy,
    startNs: g.startNs,
    endNs: g.endNs,
    deletedAtNs: g.deletedAtNs,
    truncatedAtNs: g.truncatedAtNs,
    shards: g.shards.map((s) => ({ id: s.id, owners: [...s.owners] })),
  };
}

function printPolicy(ctx: Ctx, database: string, p: RetentionPolicyInfo, verb: string): void {
  if (ctx.json) {
    ctx.io.stdout(renderJson({ database, ...policyJson(p) }));
    return;
  }
  ctx.io.stdout(
    `retention policy ${p.name} of database ${database} ${verb}: duration ${retentionText(p.durationNs)}, ` +
      `shard duration ${formatDuration(p.shardGroupDurationNs)}, replication ${p.replicaN}\n`,
  );
}

function printMembership(ctx: Ctx, m: MembershipInfo): void {
  if (ctx.json) {
    ctx.io.stdout(renderJson({ leaderId: m.leaderId, leaderAddress: m.leaderAddress, members: m.members }));
    return;
  }
  ctx.io.stdout(
    renderTable(
      ['ID', 'ADDRESS', 'VOTER', 'LEADER'],
      m.members.map((x) => [x.id, x.address === '' ? '-' : x.address, x.voter ? 'yes' : 'no (learner)', x.id === m.leaderId ? 'yes' : '']),
    ),
  );
}

interface Probe {
  readonly id: string;
  readonly address: string;
  readonly voter: boolean;
  readonly status: MetaNodeStatus | null;
  readonly error: string | null;
  readonly contactMs: number | null;
  readonly contactAt: Date;
}

async function showCluster(ctx: Ctx): Promise<void> {
  const probeTimeoutMs = Math.min(PROBE_TIMEOUT_MS_MAX, ctx.timeoutMs);
  // Without a leader the state cannot be read, but what the reachable members say about themselves
  // is what an operator needs most then: it is shown, and the command still exits 1.
  let state: MetaState | null = null;
  let leaderless: MetaUnavailableError | null = null;
  try {
    state = (await ctx.client.getState(true)).state;
  } catch (err) {
    if (!(err instanceof MetaUnavailableError)) throw err;
    leaderless = err;
  }
  let leaderView: MetaNodeStatus | null = null;
  const candidates = ctx.client.leaderAddress !== null && leaderless === null ? [ctx.client.leaderAddress] : [...ctx.client.addresses];
  for (const address of candidates) {
    leaderView = await ctx.client.status(address, { deadlineMs: probeTimeoutMs }).catch(() => null);
    if (leaderView !== null) break;
  }
  if (leaderView === null) throw leaderless ?? new MetaUnavailableError('status', `no answer from ${candidates.join(', ')}`, false);
  const probes: Probe[] = await Promise.all(
    leaderView.members.map(async (m): Promise<Probe> => {
      const at = new Date();
      const t0 = Date.now();
      if (m.address === '') return { id: m.id, address: '', voter: m.voter, status: null, error: 'address unknown', contactMs: null, contactAt: at };
      try {
        const s = await ctx.client.status(m.address, { deadlineMs: probeTimeoutMs });
        return { id: m.id, address: m.address, voter: m.voter, status: s, error: null, contactMs: Date.now() - t0, contactAt: at };
      } catch (err) {
        const e = err as { details?: string; message?: string };
        return { id: m.id, address: m.address, voter: m.voter, status: null, error: e.details ?? e.message ?? String(err), contactMs: null, contactAt: at };
      }
    }),
  );
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  if (ctx.json) {
    ctx.io.stdout(
      renderJson({
        leader: { id: leaderView.leaderId, address: leaderView.leaderAddress },
        term: String(leaderView.term),
        commitIndex: String(leaderView.commitIndex),
        metaNodes: probes.map((p) => ({
          id: p.id,
          address: p.address,
          voter: p.voter,
          reachable: p.status !== null,
          role: p.status?.role ?? null,
          term: p.status === null ? null : String(p.status.term),
          commitIndex: p.status === null ? null : String(p.status.commitIndex),
          appliedIndex: p.status === null ? null : String(p.status.appliedIndex),
          lastContact: p.status === null ? null : p.contactAt.toISOString(),
          contactMs: p.contactMs,
          error: p.error,
        })),
        dataNodes: state?.dataNodes().map((n) => ({ id: n.id, rpcAddress: n.rpcAddress, httpAddress: n.httpAddress, status: n.status, lastHeartbeatNs: n.lastHeartbeatNs })) ?? null,
      }),
    );
    if (leaderless !== null) throw leaderless;
    return;
  }
  ctx.io.stdout(`META leader: ${leaderView.leaderId ?? 'none known'} (${leaderView.leaderAddress ?? '-'}), term ${leaderView.term}, commit index ${leaderView.commitIndex}\n\n`);
  ctx.io.stdout(
    renderTable(
      ['ID', 'ADDRESS', 'ROLE', 'VOTER', 'TERM', 'COMMIT', 'APPLIED', 'LAST CONTACT'],
      probes.map((p) => [
        p.id,
        p.address === '' ? '-' : p.address,
        p.status?.role ?? 'unreachable',
        p.voter ? 'yes' : 'no',
        p.status === null ? '-' : String(p.status.term),
        p.status === null ? '-' : String(p.status.commitIndex),
        p.status === null ? '-' : String(p.status.appliedIndex),
        p.status === null ? `no answer (${p.error})` : `now (${p.contactMs} ms)`,
      ]),
    ),
  );
  ctx.io.stdout('\n');
  if (state === null) {
    ctx.io.stdout('DATA nodes: unknown (no META leader to read the state from)\n');
    throw leaderless!;
  }
  const dataNodes = state.dataNodes();
  if (dataNodes.length === 0) {
    ctx.io.stdout('DATA nodes: none registered\n');
    return;
  }
  ctx.io.stdout(
    renderTable(
      ['DATA ID', 'RPC ADDRESS', 'HTTP ADDRESS', 'STATUS', 'LAST HEARTBEAT'],
      dataNodes.map((n) => [String(n.id), n.rpcAddress, n.httpAddress, n.status, `${timeText(n.lastHeartbeatNs)} (${agoText(nowNs - n.lastHeartbeatNs)} ago)`]),
    ),
  );
}

function agoText(ns: bigint): string {
  const s = ns < 0n ? 0n : ns / 1_000_000_000n;
  return formatDuration(s * 1_000_000_000n);
}
