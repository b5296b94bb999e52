// The META node's command line, shared by bin/meta-server.ts and whoever wires `shoal meta`:
//
//   --id 1 --peers 1=127.0.0.1:8091,2=127.0.0.1:8092,3=127.0.0.1:8093 --dir DATA_DIR
//   [--join] [--listen 0.0.0.0:8091] [--advertise host:port] [--tick-ms 100] [--election-ticks 10]
//   [--no-sync] [--log-level info] [--data-node-timeout-ms 10000]
//   [--retention-check-interval-ms 1800000] [--no-retention]
//
// Each peer address is a node's one address: its MetaService and its Raft traffic (docs/meta.md).

import { parseHostPort, parsePeers } from './addresses.js';
import type { LeaderDutiesConfig } from './leader-duties.js';
import type { MetaServerOptions } from './server.js';

export const META_LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type MetaLogLevel = (typeof META_LOG_LEVELS)[number];

export interface MetaServerArgs {
  readonly options: Omit<MetaServerOptions, 'logger' | 'clock' | 'raft'>;
  readonly logLevel: MetaLogLevel;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const VALUE_FLAGS = new Set(['id', 'peers', 'dir', 'listen', 'advertise', 'tick-ms', 'election-ticks', 'log-level', 'data-node-timeout-ms', 'retention-check-interval-ms']);
const BOOL_FLAGS = new Set(['join', 'no-sync', 'no-retention']);

export function parseMetaServerArgs(argv: readonly string[]): MetaServerArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (BOOL_FLAGS.has(name) && eq < 0) {
      flags.add(name);
    } else if (VALUE_FLAGS.has(name)) {
      const v = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      values.set(name, v);
    } else {
      throw new UsageError(`unknown flag --${name}`);
    }
  }
  const need = (name: string): string => {
    const v = values.get(name);
    if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
    return v;
  };
  const positive = (name: string): number | undefined => {
    const v = values.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer`);
    return n;
  };
  const id = need('id');
  const peers = parsePeers(need('peers'));
  const logLevel = values.get('log-level') ?? 'info';
  if (!(META_LOG_LEVELS as readonly string[]).includes(logLevel)) throw new UsageError(`--log-level must be one of ${META_LOG_LEVELS.join(', ')}`);
  for (const name of ['listen', 'advertise']) {
    const v = values.get(name);
    if (v !== undefined) parseHostPort(v);
  }
  const tickMs = positive('tick-ms');
  const electionTicks = positive('election-ticks');
  const dataNodeTimeoutMs = positive('data-node-timeout-ms');
  const retentionCheckIntervalMs = positive('retention-check-interval-ms');
  const duties: Partial<LeaderDutiesConfig> = {
    ...(dataNodeTimeoutMs !== undefined ? { dataNodeTimeoutMs } : {}),
    ...(retentionCheckIntervalMs !== undefined ? { retentionCheckIntervalMs } : {}),
    ...(flags.has('no-retention') ? { expireShardGroups: false } : {}),
  };
  const listen = values.get('listen');
  const advertise = values.get('advertise');
  return {
    logLevel: logLevel as MetaLogLevel,
    options: {
      id,
      peers,
      dir: need('dir'),
      join: flags.has('join'),
      sync: !flags.has('no-sync'),
      ...(listen !== undefined ? { listen } : {}),
      ...(advertise !== undefined ? { advertise } : {}),
      ...(tickMs !== undefined ? { tickMs } : {}),
      ...(electionTicks !== undefined ? { electionTicks } : {}),
      ...(Object.keys(duties).length > 0 ? { duties } : {}),
    },
  };
}
