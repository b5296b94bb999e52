import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_MAX_BODY_BYTES,
  loadConfig,
  parseBindAddress,
  resolveConfig,
} from './config.js';

describe('resolveConfig', () => {
  it('uses the defaults: 127.0.0.1:8086, ./data under cwd, info', () => {
    const c = resolveConfig({ cwd: '/srv' });
    expect(c).toEqual({
      dataDir: '/srv/data',
      logLevel: 'info',
      http: { bindAddress: '127.0.0.1:8086', host: '127.0.0.1', port: 8086, maxBodyBytes: DEFAULT_MAX_BODY_BYTES, shutdownTimeoutMs: 10_000 },
      meta: { servers: [], bindAddress: '127.0.0.1:8091' },
      retention: { enabled: true, checkIntervalMs: 1_800_000 },
      storage: { blockCacheBytes: 64 * 1024 * 1024, cacheColdMs: 600_000 },
      write: { parseWorkers: undefined },
      query: { maxSeries: 0, maxPoints: 0, maxBuckets: 0, maxDurationMs: 0 },
    });
    expect(DEFAULT_MAX_BODY_BYTES).toBe(25_000_000);
  });

  it('lets the file override defaults, env override the file, and flags override env', () => {
    const file = { dataDir: '/file', logLevel: 'warn', http: { bindAddress: '127.0.0.1:1001' } };
    const env = { SHOAL_DATA_DIR: '/env', SHOAL_HTTP_BIND: '127.0.0.1:1002' };
    const flags = { httpBind: '127.0.0.1:1003' };
    const c = resolveConfig({ cwd: '/', file, env, flags });
    expect(c.http.port).toBe(1003);
    expect(c.dataDir).toBe('/env');
    expect(c.logLevel).toBe('warn');
    expect(resolveConfig({ cwd: '/', file, env }).http.port).toBe(1002);
    expect(resolveConfig({ cwd: '/', file }).http.port).toBe(1001);
    expect(resolveConfig({ cwd: '/', file, env: { SHOAL_LOG_LEVEL: 'debug' }, flags: { logLevel: 'error' } }).logLevel).toBe('error');
  });

  it('treats empty env values and flags as absent', () => {
    const c = resolveConfig({ cwd: '/x', env: { SHOAL_DATA_DIR: '' }, flags: { dataDir: '' } });
    expect(c.dataDir).toBe('/x/data');
  });

  it('resolves a relative data directory against cwd', () => {
    expect(resolveConfig({ cwd: '/a/b', flags: { dataDir: '../d' } }).dataDir).toBe('/a/d');
  });

  it('reads http, retention limits from the file and validates them', () => {
    const c = resolveConfig({ cwd: '/', file: { http: { maxBodyBytes: 1000, shutdownTimeoutMs: 0 }, retention: { enabled: false, checkIntervalMs: 60_000 } } });
    expect(c.http.maxBodyBytes).toBe(1000);
    expect(c.retention).toEqual({ enabled: false, checkIntervalMs: 60_000 });
    expect(() => resolveConfig({ cwd: '/', file: { http: { maxBodyBytes: 0 } } })).toThrow(/http.maxBodyBytes/);
    expect(() => resolveConfig({ cwd: '/', file: { retention: { checkIntervalMs: 1.5 } } })).toThrow(/checkIntervalMs/);
  });

  it('embeds META unless servers are given, from the file, env or flags, and checks the addresses', () => {
    const file = { meta: { servers: ['10.0.0.1:8091', '10.0.0.2:8091'], bindAddress: '127.0.0.1:9091' } };
    expect(resolveConfig({ cwd: '/', file }).meta).toEqual({ servers: ['10.0.0.1:8091', '10.0.0.2:8091'], bindAddress: '127.0.0.1:9091' });
    const env = { SHOAL_META_SERVERS: 'm1:8091, m2:8091,', SHOAL_META_BIND: '0.0.0.0:8091' };
    expect(resolveConfig({ cwd: '/', file, env }).meta).toEqual({ servers: ['m1:8091', 'm2:8091'], bindAddress: '0.0.0.0:8091' });
    expect(resolveConfig({ cwd: '/', file, env, flags: { metaServers: '[::1]:8091', metaBind: '127.0.0.1:0' } }).meta).toEqual({
      servers: ['[::1]:8091'],
      bindAddress: '127.0.0.1:0',
    });
    expect(() => resolveConfig({ cwd: '/', flags: { metaServers: ':8091' } })).toThrow(/invalid meta server address ":8091": expected host:port with a host/);
    expect(() => resolveConfig({ cwd: '/', flags: { metaServers: 'm1:0' } })).toThrow(/port must be from 1 to 65535/);
    expect(() => resolveConfig({ cwd: '/', flags: { metaBind: 'nowhere' } })).toThrow(/invalid bind address "nowhere"/);
    expect(() => resolveConfig({ cwd: '/', file: { meta: { servers: 'm1:8091' } } })).toThrow(/"meta.servers" must be an array of strings/);
  });

  it('rejects unknown keys, wrong types and bad log levels with a message naming them', () => {
    expect(() => resolveConfig({ cwd: '/', file: { dataDri: 'x' }, filePath: '/etc/shoal.json' })).toThrow(
      new ConfigError('/etc/shoal.json: unknown key "dataDir" (known: dataDir, logLevel, http, meta, retention, storage, write, query)'.replace('"dataDir"', '"dataDri"')),
    );
    expect(() => resolveConfig({ cwd: '/', file: { http: { bind: 'x' } } })).toThrow(/unknown key "http.bind"/);
    expect(() => resolveConfig({ cwd: '/', file: { http: { maxBodyBytes: '10' } } })).toThrow(/"http.maxBodyBytes" must be a number/);
    expect(() => resolveConfig({ cwd: '/', file: [] })).toThrow(/must be a JSON object/);
    expect(() => resolveConfig({ cwd: '/', flags: { logLevel: 'loud' } })).toThrow(/invalid log level "loud"/);
  });
});

describe('parseBindAddress', () => {
  it('accepts host:port, :port and [ipv6]:port', () => {
    expect(parseBindAddress('127.0.0.1:8086')).toEqual({ host: '127.0.0.1', port: 8086 });
    expect(parseBindAddress(':8086')).toEqual({ host: '', port: 8086 });
    expect(parseBindAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseBindAddress('localhost:9')).toEqual({ host: 'localhost', port: 9 });
  });

  it('rejects a missing or out-of-range port and bare IPv6', () => {
    expect(() => parseBindAddress('127.0.0.1')).toThrow(ConfigError);
    expect(() => parseBindAddress('127.0.0.1:70000')).toThrow(/0 to 65535/);
    expect(() => parseBindAddress('127.0.0.1:http')).toThrow(/port/);
    expect(() => parseBindAddress('::1:8086')).toThrow(/brackets/);
  });
});

describe('loadConfig', () => {
  it('reads the file named by --config, else by SHOAL_CONFIG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shoal-config-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ logLevel: 'debug' }));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ logLevel: 'warn' }));
    expect((await loadConfig({ cwd: dir, env: { SHOAL_CONFIG: 'b.json' } })).logLevel).toBe('warn');
    expect((await loadConfig({ cwd: dir, env: { SHOAL_CONFIG: 'b.json' }, flags: { config: 'a.json' } })).logLevel).toBe('debug');
  });

  it('explains a missing or malformed file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shoal-config-'));
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    await expect(loadConfig({ cwd: dir, flags: { config: 'missing.json' } })).rejects.toThrow(/cannot read config file .*missing.json: no such file/);
    await expect(loadConfig({ cwd: dir, flags: { config: 'bad.json' } })).rejects.toThrow(/is not valid JSON/);
  });
});

describe('storage settings', () => {
  it('takes the block cache bound from the file, 0 turning the cache off, and refuses a negative one', () => {
    expect(resolveConfig({ cwd: '/', file: { storage: { blockCacheBytes: 1_000_000 } } }).storage.blockCacheBytes).toBe(1_000_000);
    expect(resolveConfig({ cwd: '/', file: { storage: { blockCacheBytes: 0 } } }).storage.blockCacheBytes).toBe(0);
    expect(() => resolveConfig({ cwd: '/', file: { storage: { blockCacheBytes: -1 } } })).toThrow(/storage.blockCacheBytes/);
    expect(() => resolveConfig({ cwd: '/', file: { storage: { blockCacheByte: 1 } } })).toThrow(/blockCacheByte/);
  });

  it('takes the cold-cache duration from the file (10 min by default, as InfluxDB) and refuses zero', () => {
    expect(resolveConfig({ cwd: '/', file: { storage: { cacheColdMs: 10_000 } } }).storage.cacheColdMs).toBe(10_000);
    expect(() => resolveConfig({ cwd: '/', file: { storage: { cacheColdMs: 0 } } })).toThrow(/storage.cacheColdMs/);
  });
});

describe('write settings', () => {
  it('takes the number of parse workers from the file and refuses a negative one', () => {
    expect(resolveConfig({ cwd: '/', file: { write: { parseWorkers: 0 } } }).write.parseWorkers).toBe(0);
    expect(() => resolveConfig({ cwd: '/', file: { write: { parseWorkers: -1 } } })).toThrow(/write.parseWorkers/);
  });
});
