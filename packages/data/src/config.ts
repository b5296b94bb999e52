// The DATA node's configuration: one typed object, validated at start-up and passed down
// explicitly. Sources in increasing precedence: built-in defaults, a JSON file, environment
// variables, command-line flags. Only the CLI entry point reads process.env; it hands it in here.

import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { BLOCK_CACHE_BYTES_DEFAULT, CACHE_COLD_MS_DEFAULT } from '@shoal/tsdb';
import { LOG_LEVELS, isLogLevel, type LogLevel } from './logger.js';

export interface HttpConfig {
  /** The bind address as configured, e.g. `127.0.0.1:8086` or `:8086` (all interfaces). */
  readonly bindAddress: string;
  /** Host part of bindAddress; empty means every interface. */
  readonly host: string;
  /** Port part of bindAddress; 0 asks the OS for a free port (tests). */
  readonly port: number;
  /** Largest accepted /write body, after gzip decompression (InfluxDB's max-body-size). */
  readonly maxBodyBytes: number;
  /** How long shutdown waits for in-flight requests before closing their connections. */
  readonly shutdownTimeoutMs: number;
}

/**
 * Retention as InfluxDB's `[retention]` section. The embedded META group's leader expires shard
 * groups by it; with `meta.servers` the META nodes' own settings do that, and only the interval
 * counts here.
 */
export interface RetentionConfig {
  /** Whether shard groups past their policy's duration expire. */
  readonly enabled: boolean;
  /**
   * How often expired groups are looked for (InfluxDB's check-interval, 30m), and how often the
   * node removes local shards its catalog no longer lists should it have missed the event.
   */
  readonly checkIntervalMs: number;
}

export interface StorageConfig {
  /**
   * Bound of the block cache all shards share: recently read encoded blocks and each column's block
   * ranges, so repeated reads (dashboards) make no LevelDB call; 0 turns it off.
   */
  readonly blockCacheBytes: number;
  /**
   * A shard whose cache has taken no write for this long writes it into blocks (InfluxDB's
   * cache-snapshot-write-cold-duration), so idle data is read from compact blocks and its WAL is
   * dropped.
   */
  readonly cacheColdMs: number;
}

export interface WriteConfig {
  /** Threads that parse large /write bodies; 0 or undefined parses on the main thread. */
  readonly parseWorkers: number | undefined;
}

/** Per-query limits (InfluxDB's max-select-series, max-select-point, max-select-buckets, query-timeout); 0 = none. */
export interface QueryConfig {
  readonly maxSeries: number;
  readonly maxPoints: number;
  readonly maxBuckets: number;
  readonly maxDurationMs: number;
}

/** Where the node's catalog lives: the META group. */
export interface MetaConfig {
  /**
   * MetaService addresses of an external META group (a cluster). Empty: the node runs a one-node
   * META group of its own, in-process, with its state under `<dataDir>/meta`.
   */
  readonly servers: readonly string[];
  /** Where that embedded META group listens (InfluxDB's meta port); port 0 picks a free one. */
  readonly bindAddress: string;
}

export interface ShoalConfig {
  /** Absolute path of the directory holding the shards (and the embedded META group's state). */
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  readonly http: HttpConfig;
  readonly meta: MetaConfig;
  readonly retention: RetentionConfig;
  readonly storage: StorageConfig;
  readonly write: WriteConfig;
  readonly query: QueryConfig;
}

/** Values given on the command line; absent ones fall through to env, file and defaults. */
export interface ConfigFlags {
  readonly config?: string | undefined;
  readonly httpBind?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly logLevel?: string | undefined;
  /** Comma-separated META addresses. */
  readonly metaServers?: string | undefined;
  readonly metaBind?: string | undefined;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** The environment variables the DATA node reads (through the CLI). */
export const ENV_VARS = {
  config: 'SHOAL_CONFIG',
  httpBind: 'SHOAL_HTTP_BIND',
  dataDir: 'SHOAL_DATA_DIR',
  logLevel: 'SHOAL_LOG_LEVEL',
  metaServers: 'SHOAL_META_SERVERS',
  metaBind: 'SHOAL_META_BIND',
} as const;

export const DEFAULT_HTTP_BIND = '127.0.0.1:8086';
export const DEFAULT_DATA_DIR = './data';
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';
/** InfluxDB's meta service port, on loopback: the embedded META group is for this host's CLI. */
export const DEFAULT_META_BIND = '127.0.0.1:8091';
/** InfluxDB 1.x's default max-body-size. */
export const DEFAULT_MAX_BODY_BYTES = 25_000_000;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
export const DEFAULT_RETENTION_CHECK_INTERVAL_MS = 30 * 60 * 1000;
const PARSE_WORKERS_MAX = 64;

/** Bounds that catch unit mistakes (seconds given as ms) rather than policy. */
const MAX_BODY_BYTES_MAX = 1 << 30;
const SHUTDOWN_TIMEOUT_MS_MAX = 10 * 60 * 1000;
const RETENTION_CHECK_INTERVAL_MS_MIN = 1_000;
const CONFIG_FILE_BYTES_MAX = 1 << 20;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConfigSources {
  readonly flags?: ConfigFlags;
  readonly env?: Environment;
  /** Directory relative paths are resolved against; process.cwd() when absent. */
  readonly cwd?: string;
}

/** Reads the config file named by the flags or the environment (if any) and resolves the config. */
export async function loadConfig(sources: ConfigSources): Promise<ShoalConfig> {
  const flags = sources.flags ?? {};
  const env = sources.env ?? {};
  const cwd = sources.cwd ?? process.cwd();
  const path = nonEmpty(flags.config) ?? nonEmpty(env[ENV_VARS.config]);
  let file: unknown;
  let filePath: string | undefined;
  if (path !== undefined) {
    filePath = resolve(cwd, path);
    file = await readConfigFile(filePath);
  }
  return resolveConfig({ file, filePath, env, flags, cwd });
}

export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    const buf = await readFile(path);
    if (buf.length > CONFIG_FILE_BYTES_MAX) throw new ConfigError(`config file ${path} is larger than ${CONFIG_FILE_BYTES_MAX} bytes`);
    text = buf.toString('utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read config file ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

export interface ConfigLayers {
  /** The parsed JSON of the config file, if one was given. */
  readonly file?: unknown;
  /** For error messages only. */
  readonly filePath?: string | undefined;
  readonly env?: Environment;
  readonly flags?: ConfigFlags;
  readonly cwd: string;
}

/** Merges defaults ← file ← env ← flags and validates the result. Pure. */
export function resolveConfig(layers: ConfigLayers): ShoalConfig {
  const env = layers.env ?? {};
  const flags = layers.flags ?? {};
  const f = parseFileLayer(layers.file, layers.filePath ?? 'config file');

  const bindAddress =
    nonEmpty(flags.httpBind) ?? nonEmpty(env[ENV_VARS.httpBind]) ?? f.http?.bindAddress ?? DEFAULT_HTTP_BIND;
  const { host, port } = parseBindAddress(bindAddress);

  const dataDirRaw = nonEmpty(flags.dataDir) ?? nonEmpty(env[ENV_VARS.dataDir]) ?? f.dataDir ?? DEFAULT_DATA_DIR;
  const dataDir = isAbsolute(dataDirRaw) ? resolve(dataDirRaw) : resolve(layers.cwd, dataDirRaw);

  const logLevelRaw = nonEmpty(flags.logLevel) ?? nonEmpty(env[ENV_VARS.logLevel]) ?? f.logLevel ?? DEFAULT_LOG_LEVEL;
  if (!isLogLevel(logLevelRaw)) {
    throw new ConfigError(`invalid log level "${logLevelRaw}": must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const maxBodyBytes = f.http?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  checkInteger('http.maxBodyBytes', maxBodyBytes, 1, MAX_BODY_BYTES_MAX);
  const shutdownTimeoutMs = f.http?.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  checkInteger('http.shutdownTimeoutMs', shutdownTimeoutMs, 0, SHUTDOWN_TIMEOUT_MS_MAX);
  const checkIntervalMs = f.retention?.checkIntervalMs ?? DEFAULT_RETENTION_CHECK_INTERVAL_MS;
  checkInteger('retention.checkIntervalMs', checkIntervalMs, RETENTION_CHECK_INTERVAL_MS_MIN, 2 ** 31 - 1);

  const query = {
    maxSeries: f.query?.maxSeries ?? 0,
    maxPoints: f.query?.maxPoints ?? 0,
    maxBuckets: f.query?.maxBuckets ?? 0,
    maxDurationMs: f.query?.maxDurationMs ?? 0,
  };
  for (const [k, v] of Object.entries(query)) checkInteger(`query.${k}`, v, 0, Number.MAX_SAFE_INTEGER);
  const blockCacheBytes = f.storage?.blockCacheBytes ?? BLOCK_CACHE_BYTES_DEFAULT;
  checkInteger('storage.blockCacheBytes', blockCacheBytes, 0, Number.MAX_SAFE_INTEGER);
  const cacheColdMs = f.storage?.cacheColdMs ?? CACHE_COLD_MS_DEFAULT;
  checkInteger('storage.cacheColdMs', cacheColdMs, 1, 2 ** 31 - 1);
  const parseWorkers = f.write?.parseWorkers;
  if (parseWorkers !== undefined) checkInteger('write.parseWorkers', parseWorkers, 0, PARSE_WORKERS_MAX);

  const serversText = nonEmpty(flags.metaServers) ?? nonEmpty(env[ENV_VARS.metaServers]);
  const servers = serversText !== undefined ? splitList(serversText) : (f.meta?.servers ?? []);
  for (const a of servers) checkMetaAddress('meta server address', a, false);
  const metaBind = nonEmpty(flags.metaBind) ?? nonEmpty(env[ENV_VARS.metaBind]) ?? f.meta?.bindAddress ?? DEFAULT_META_BIND;
  checkMetaAddress('meta bind address', metaBind, true);

  return {
    dataDir,
    logLevel: logLevelRaw,
    http: { bindAddress, host, port, maxBodyBytes, shutdownTimeoutMs },
    meta: { servers, bindAddress: metaBind },
    retention: { enabled: f.retention?.enabled ?? true, checkIntervalMs },
    storage: { blockCacheBytes, cacheColdMs },
    write: { parseWorkers },
    query,
  };
}

/** `host:port`, `:port` (every interface) or `[ipv6]:port`. */
export function parseBindAddress(s: string): { host: string; port: number } {
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s[close + 1] !== ':') throw new ConfigError(`invalid bind address "${s}": expected [ipv6]:port`);
    host = s.slice(1, close);
    portText = s.slice(close + 2);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon < 0) throw new ConfigError(`invalid bind address "${s}": expected host:port or :port`);
    host = s.slice(0, colon);
    portText = s.slice(colon + 1);
    if (host.includes(':')) throw new ConfigError(`invalid bind address "${s}": put an IPv6 host in brackets, [::1]:8086`);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new ConfigError(`invalid bind address "${s}": port must be a number from 0 to 65535`);
  }
  return { host, port: Number(portText) };
}

/**
 * A META address: `host:port` with a host (clients dial it, so `:8091` names nothing), IPv6 in
 * brackets; port 0 only for the address the embedded group binds.
 */
function checkMetaAddress(what: string, a: string, portZero: boolean): void {
  const { host, port } = parseBindAddress(a);
  if (host === '') throw new ConfigError(`invalid ${what} "${a}": expected host:port with a host, e.g. 127.0.0.1:8091`);
  if (port === 0 && !portZero) throw new ConfigError(`invalid ${what} "${a}": port must be from 1 to 65535`);
}

function splitList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

interface FileLayer {
  dataDir?: string;
  logLevel?: string;
  http?: { bindAddress?: string; maxBodyBytes?: number; shutdownTimeoutMs?: number };
  meta?: { servers?: string[]; bindAddress?: string };
  retention?: { enabled?: boolean; checkIntervalMs?: number };
  storage?: { blockCacheBytes?: number; cacheColdMs?: number };
  write?: { parseWorkers?: number };
  query?: { maxSeries?: number; maxPoints?: number; maxBuckets?: number; maxDurationMs?: number };
}

type FieldKind = 'string' | 'number' | 'boolean' | 'string[]';
const FILE_SCHEMA: Record<string, FieldKind | Record<string, FieldKind>> = {
  dataDir: 'string',
  logLevel: 'string',
  http: { bindAddress: 'string', maxBodyBytes: 'number', shutdownTimeoutMs: 'number' },
  meta: { servers: 'string[]', bindAddress: 'string' },
  retention: { enabled: 'boolean', checkIntervalMs: 'number' },
  storage: { blockCacheBytes: 'number', cacheColdMs: 'number' },
  write: { parseWorkers: 'number' },
  query: { maxSeries: 'number', maxPoints: 'number', maxBuckets: 'number', maxDurationMs: 'number' },
};

/** Checks the file's shape against FILE_SCHEMA; unknown keys are errors, so typos do not pass silently. */
function parseFileLayer(file: unknown, where: string): FileLayer {
  if (file === undefined) return {};
  checkObject(file, FILE_SCHEMA, where, '');
  return file as FileLayer;
}

function checkObject(value: unknown, schema: Record<string, FieldKind | Record<string, FieldKind>>, where: string, prefix: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where}: ${prefix === '' ? 'the top level' : prefix.slice(0, -1)} must be a JSON object`);
  }
  for (const [key, v] of Object.entries(value)) {
    const kind = schema[key];
    const path = prefix + key;
    if (kind === undefined) {
      throw new ConfigError(`${where}: unknown key "${path}" (known: ${Object.keys(schema).map((k) => prefix + k).join(', ')})`);
    }
    if (typeof kind === 'object') checkObject(v, kind, where, `${path}.`);
    else if (kind === 'string[]') {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ConfigError(`${where}: "${path}" must be an array of strings`);
    } else if (typeof v !== kind) throw new ConfigError(`${where}: "${path}" must be a ${kind}`);
  }
}

function checkInteger(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`invalid ${name} ${v}: must be an integer from ${min} to ${max}`);
  }
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}
