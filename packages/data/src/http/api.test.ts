import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog, DatabaseInfo, RetentionPolicyInfo, RetentionPolicySpec } from '@shoal/tsdb';
import { MetricsRegistry } from '../metrics.js';
import type { PointsWriter, WriteOutcome, WriteRequest } from '../points-writer.js';
import { HttpApi, type NodePhase } from './api.js';
import { HttpServer } from './server.js';
import { INFLUXDB_VERSION_HEADER_VALUE, SHOAL_VERSION } from './version.js';

// ---- test doubles -------------------------------------------------------------------------

class FakeCatalog {
  readonly dbs = new Map<string, DatabaseInfo>();

  databases(): readonly DatabaseInfo[] {
    return [...this.dbs.values()];
  }
  database(name: string): DatabaseInfo | undefined {
    return this.dbs.get(name);
  }
  async createDatabase(name: string, rp?: RetentionPolicySpec): Promise<DatabaseInfo> {
    const existing = this.dbs.get(name);
    if (existing) return existing;
    const policy: RetentionPolicyInfo = {
      name: rp?.name ?? 'autogen',
      durationNs: rp?.durationNs ?? 0n,
      shardGroupDurationNs: rp?.shardGroupDurationNs ?? 7n * 86_400_000_000_000n,
      replicaN: rp?.replicaN ?? 1,
    };
    const info = { name, defaultRetentionPolicy: policy.name, retentionPolicies: [policy] };
    this.dbs.set(name, info);
    return info;
  }
  async dropDatabase(name: string): Promise<void> {
    this.dbs.delete(name);
  }
}

function fakeCatalog(): FakeCatalog & Catalog {
  return new FakeCatalog() as FakeCatalog & Catalog;
}

/** Stores nothing; answers each line: `bad` lines fail to parse, `conflict` lines are refused. */
class FakeWriter implements PointsWriter {
  readonly requests: WriteRequest[] = [];
  failWith: Error | undefined;
  dropReason = 'field type conflict: input field "v" on measurement "conflict" is type float, already exists as type integer';

  async write(req: WriteRequest): Promise<WriteOutcome> {
    this.requests.push(req);
    if (this.failWith) throw this.failWith;
    const lines = Buffer.from(req.body).toString('utf8').split('\n').filter((l) => l.trim() !== '');
    let written = 0;
    let dropped = 0;
    const parseErrors: string[] = [];
    for (const line of lines) {
      if (line.startsWith('bad')) parseErrors.push(`unable to parse '${line}': missing fields`);
      else if (line.startsWith('conflict') || line.startsWith('old')) dropped++;
      else written++;
    }
    const oldOnly = lines.some((l) => l.startsWith('old'));
    return {
      written,
      parseErrorCount: parseErrors.length,
      parseErrors,
      dropped,
      dropReason: dropped === 0 ? undefined : oldOnly ? 'points beyond retention policy' : this.dropReason,
    };
  }
}

class NamedError extends Error {
  constructor(name: string, message: string, extra: Record<string, unknown>) {
    super(message);
    this.name = name;
    Object.assign(this, extra);
  }
}

// ---- harness ------------------------------------------------------------------------------

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

let server: HttpServer | undefined;

afterEach(async () => {
  await server?.close(1000);
  server = undefined;
});

async function start(opts: { maxBodyBytes?: number; phase?: NodePhase; withServices?: boolean } = {}) {
  const catalog = fakeCatalog();
  await catalog.createDatabase('db');
  const writer = new FakeWriter();
  const metrics = new MetricsRegistry();
  const api = new HttpApi({
    logger: pino({ level: 'silent' }),
    metrics,
    ...(opts.maxBodyBytes === undefined ? {} : { maxBodyBytes: opts.maxBodyBytes }),
    ...(opts.withServices === false ? {} : { services: { catalog, pointsWriter: writer, query: { catalog, shard: () => undefined } } }),
    ...(opts.phase === undefined ? {} : { phase: opts.phase }),
  });
  server = new HttpServer(api.handle);
  const addr = await server.listen('127.0.0.1', 0);
  const call = (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: addr.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  return { api, catalog, writer, metrics, call, port: addr.port };
}

function expectError(r: Reply, status: number, message: string) {
  expect(r.status).toBe(status);
  expect(r.json).toEqual({ error: message });
  expect(r.text.endsWith('\n')).toBe(true);
  expect(r.headers['content-type']).toBe('application/json');
  expect(r.headers['x-influxdb-error']).toBe(message.replace(/\n/g, ' '));
}

// ---- common headers -----------------------------------------------------------------------

describe('every response', () => {
  it('carries the InfluxDB version, build, our version and a request id in both headers', async () => {
    const { call } = await start();
    for (const r of [await call('GET', '/ping'), await call('POST', '/write'), await call('GET', '/nowhere')]) {
      expect(r.headers['x-influxdb-version']).toBe(INFLUXDB_VERSION_HEADER_VALUE);
      expect(r.headers['x-influxdb-build']).toBe('OSS');
      expect(r.headers['x-shoal-version']).toBe(SHOAL_VERSION);
      expect(r.headers['request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(r.headers['x-request-id']).toBe(r.headers['request-id']);
    }
  });

  it('echoes a request id the client sent', async () => {
    const { call } = await start();
    const r = await call('GET', '/ping', undefined, { 'X-Request-Id': 'abc-123' });
    expect(r.headers['request-id']).toBe('abc-123');
    expect(r.headers['x-request-id']).toBe('abc-123');
    const r2 = await call('GET', '/ping', undefined, { 'Request-Id': 'legacy-1' });
    expect(r2.headers['x-request-id']).toBe('legacy-1');
  });

  it('adds CORS headers when the request has an Origin', async () => {
    const { call } = await start();
    const r = await call('OPTIONS', '/write', undefined, { Origin: 'http://example.test' });
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe('http://example.test');
    expect(r.headers['access-control-allow-methods']).toContain('POST');
  });

  it('answers unknown paths 404 with a JSON error', async () => {
    const { call } = await start();
    expectError(await call('GET', '/nowhere'), 404, '404 page not found');
  });
});

// ---- /ping, /health, /metrics ---------------------------------------------------------------

describe('/ping', () => {
  it('answers GET and HEAD with 204 and no body', async () => {
    const { call } = await start();
    for (const m of ['GET', 'HEAD']) {
      const r = await call(m, '/ping');
      expect(r.status).toBe(204);
      expect(r.text).toBe('');
    }
  });

  it('answers verbose=true with 200 and the version as JSON', async () => {
    const { call } = await start();
    const r = await call('GET', '/ping?verbose=true');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ version: INFLUXDB_VERSION_HEADER_VALUE });
    expect((await call('GET', '/ping?verbose=false')).status).toBe(204);
  });

  it('refuses POST with 405 and an Allow header', async () => {
    const { call } = await start();
    const r = await call('POST', '/ping');
    expectError(r, 405, 'Method Not Allowed');
    expect(r.headers.allow).toBe('GET, HEAD');
  });
});

describe('/health', () => {
  it('is 200 pass when ready, in InfluxDB 1.8 shape', async () => {
    const { call } = await start();
    const r = await call('GET', '/health');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      name: 'shoal',
      message: 'ready for queries and writes',
      status: 'pass',
      checks: [],
      version: INFLUXDB_VERSION_HEADER_VALUE,
    });
  });

  it('is 503 fail while starting and while stopping', async () => {
    const { call, api } = await start({ phase: 'starting' });
    const r = await call('GET', '/health');
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ status: 'fail', message: 'starting' });
    api.setPhase('stopping');
    const r2 = await call('GET', '/health');
    expect(r2.status).toBe(503);
    expect(r2.json).toMatchObject({ status: 'fail', message: 'shutting down' });
    expect(r2.headers.connection).toBe('close');
  });
});

describe('/metrics', () => {
  it('exposes request counts by endpoint and status and points written, in Prometheus text', async () => {
    const { call } = await start();
    await call('POST', '/write?db=db', 'm v=1\nm v=2\n');
    await call('POST', '/write?db=db', 'bad\nm v=3\n');
    const r = await call('GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.text).toContain('shoal_http_requests_total{endpoint="write",method="POST",status="204"} 1');
    expect(r.text).toContain('shoal_http_requests_total{endpoint="write",method="POST",status="400"} 1');
    expect(r.text).toContain('shoal_points_written_total 3');
    expect(r.text).toContain('shoal_points_dropped_total{reason="parse"} 1');
    expect(r.text).toContain('shoal_write_errors_total{status="400"} 1');
    expect(r.text).toContain('# TYPE shoal_http_request_duration_seconds histogram');
  });
});

// ---- /write ------------------------------------------------------------------------------

describe('/write', () => {
  it('stores a batch and answers 204 with no body', async () => {
    const { call, writer } = await start();
    const r = await call('POST', '/write?db=db', 'cpu,host=a value=1 1\ncpu,host=b value=2 2\n');
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(writer.requests).toHaveLength(1);
    expect(writer.requests[0]).toMatchObject({ database: 'db', retentionPolicy: undefined, precision: 'ns' });
  });

  it('passes rp, precision and consistency through; empty rp means the default policy', async () => {
    const { call, writer } = await start();
    expect((await call('POST', '/write?db=db&rp=weekly&precision=s&consistency=ALL&u=me&p=secret', 'm v=1')).status).toBe(204);
    expect(writer.requests[0]).toMatchObject({ retentionPolicy: 'weekly', precision: 's', consistency: 'all' });
    expect((await call('POST', '/write?db=db&rp=&precision=ms', 'm v=1')).status).toBe(204);
    expect(writer.requests[1]).toMatchObject({ retentionPolicy: undefined, precision: 'ms', consistency: undefined });
  });

  it('answers 400 "database is required" without db', async () => {
    const { call } = await start();
    expectError(await call('POST', '/write', 'm v=1'), 400, 'database is required');
    expectError(await call('POST', '/write?db=', 'm v=1'), 400, 'database is required');
  });

  it('answers 404 for a database that does not exist', async () => {
    const { call, writer } = await start();
    expectError(await call('POST', '/write?db=nope', 'm v=1'), 404, 'database not found: "nope"');
    expect(writer.requests).toHaveLength(0);
  });

  it('sends a non-ASCII error message in the header as raw UTF-8 bytes, as Go does', async () => {
    const { call } = await start();
    const r = await call('POST', '/write?db=' + encodeURIComponent('naïve'), 'm v=1');
    expect(r.json).toEqual({ error: 'database not found: "naïve"' });
    expect(Buffer.from(String(r.headers['x-influxdb-error']), 'latin1').toString('utf8')).toBe('database not found: "naïve"');
  });

  it('answers 404 for a retention policy that does not exist (InfluxDB says 500)', async () => {
    const { call, writer } = await start();
    writer.failWith = new NamedError('RetentionPolicyNotFoundError', 'retention policy not found: x', { database: 'db', retentionPolicy: 'x' });
    expectError(await call('POST', '/write?db=db&rp=x', 'm v=1'), 404, 'retention policy not found: x');
  });

  it('answers 500 with the message when the writer fails unexpectedly', async () => {
    const { call, writer } = await start();
    writer.failWith = new Error('disk on fire');
    expectError(await call('POST', '/write?db=db', 'm v=1'), 500, 'disk on fire');
  });

  it('answers 503 when the engine is closing', async () => {
    const { call, writer } = await start();
    writer.failWith = new NamedError('EngineClosedError', 'engine is closed', {});
    expectError(await call('POST', '/write?db=db', 'm v=1'), 503, 'server is shutting down');
  });

  it('answers 405 to GET', async () => {
    const { call } = await start();
    const r = await call('GET', '/write?db=db');
    expectError(r, 405, 'Method Not Allowed');
    expect(r.headers.allow).toBe('POST, OPTIONS');
  });

  it('answers 400 to an unknown precision instead of falling back to ns', async () => {
    const { call, writer } = await start();
    expectError(await call('POST', '/write?db=db&precision=fortnight', 'm v=1'), 400, 'invalid precision "fortnight": expected one of ns, u, ms, s, m, h');
    expect(writer.requests).toHaveLength(0);
  });

  it('answers 400 "invalid consistency level" to an unknown consistency', async () => {
    const { call } = await start();
    expectError(await call('POST', '/write?db=db&consistency=most', 'm v=1'), 400, 'invalid consistency level');
  });

  it('answers 204 to an empty body without calling the writer', async () => {
    const { call, writer } = await start();
    expect((await call('POST', '/write?db=db', '')).status).toBe(204);
    expect(writer.requests).toHaveLength(0);
  });

  it('keeps the good lines of a batch and answers partial write with the true dropped count', async () => {
    const { call } = await start();
    const r = await call('POST', '/write?db=db', 'm v=1\nbad one\nm v=2\nbad two\n');
    expectError(
      r,
      400,
      "partial write: unable to parse 'bad one': missing fields\nunable to parse 'bad two': missing fields dropped=2",
    );
  });

  it('answers the parse errors alone when no line parses', async () => {
    const { call } = await start();
    expectError(await call('POST', '/write?db=db', 'bad one\nbad two'), 400, "unable to parse 'bad one': missing fields\nunable to parse 'bad two': missing fields");
  });

  it('words field type conflicts as InfluxDB', async () => {
    const { call } = await start();
    expectError(
      await call('POST', '/write?db=db', 'm v=1\nconflict v=1'),
      400,
      'partial write: field type conflict: input field "v" on measurement "conflict" is type float, already exists as type integer dropped=1',
    );
  });

  it('words points beyond retention as InfluxDB, even when none was stored', async () => {
    const { call } = await start();
    expectError(await call('POST', '/write?db=db', 'old v=1\nold v=2'), 400, 'partial write: points beyond retention policy dropped=2');
  });

  it('decompresses gzip bodies', async () => {
    const { call, writer } = await start();
    const r = await call('POST', '/write?db=db', gzipSync('m v=1\nm v=2\n'), { 'Content-Encoding': 'gzip' });
    expect(r.status).toBe(204);
    expect(Buffer.from(writer.requests[0]!.body).toString()).toBe('m v=1\nm v=2\n');
  });

  it('answers 400 to a body that claims gzip but is not', async () => {
    const { call } = await start();
    expectError(await call('POST', '/write?db=db', 'm v=1', { 'Content-Encoding': 'gzip' }), 400, 'gzip: invalid header');
  });

  it('answers 413 when the declared length is over the limit', async () => {
    const { call, writer } = await start({ maxBodyBytes: 100 });
    const r = await call('POST', '/write?db=db', 'm v=1 '.repeat(50));
    expectError(r, 413, 'Request Entity Too Large');
    expect(r.headers.connection).toBe('close');
    expect(writer.requests).toHaveLength(0);
  });

  it('closes the connection after an early error only when the unread body is large or unsized', async () => {
    const { call } = await start();
    expect((await call('POST', '/write?db=nope', 'm v=1')).headers.connection).toBe('keep-alive');
    const chunked = await call('POST', '/write?db=nope', 'm v=1', { 'Transfer-Encoding': 'chunked' });
    expect(chunked.status).toBe(404);
    expect(chunked.headers.connection).toBe('close');
  });

  it('answers 413 when a chunked body grows over the limit', async () => {
    const { call } = await start({ maxBodyBytes: 100 });
    // No Content-Length: node sends chunked encoding when a header says so.
    const r = await call('POST', '/write?db=db', 'm v=1\n'.repeat(50), { 'Transfer-Encoding': 'chunked' });
    expectError(r, 413, 'Request Entity Too Large');
  });

  it('answers 413 when a gzip body inflates past the limit', async () => {
    const { call } = await start({ maxBodyBytes: 1000 });
    const bomb = gzipSync(Buffer.alloc(100_000, 'a'));
    expect(bomb.length).toBeLessThan(1000);
    expectError(await call('POST', '/write?db=db', bomb, { 'Content-Encoding': 'gzip' }), 413, 'Request Entity Too Large');
  });

  it('answers 503 while the node is starting', async () => {
    const { call } = await start({ withServices: false });
    expectError(await call('POST', '/write?db=db', 'm v=1'), 503, 'server is starting');
  });
});

// ---- /query ------------------------------------------------------------------------------

describe('/query', () => {
  it('creates, lists and drops databases in InfluxDB JSON shape', async () => {
    const { call } = await start();
    const c = await call('POST', '/query?q=' + encodeURIComponent('CREATE DATABASE "my db"'));
    expect(c.status).toBe(200);
    expect(c.text).toBe('{"results":[{"statement_id":0}]}\n');
    const s = await call('GET', '/query?q=SHOW+DATABASES');
    expect(s.text).toBe('{"results":[{"statement_id":0,"series":[{"name":"databases","columns":["name"],"values":[["db"],["my db"]]}]}]}\n');
    const d = await call('POST', '/query?q=' + encodeURIComponent('DROP DATABASE "my db"; SHOW DATABASES'));
    expect(d.json).toEqual({
      results: [{ statement_id: 0 }, { statement_id: 1, series: [{ name: 'databases', columns: ['name'], values: [['db']] }] }],
    });
  });

  it('reads q from a urlencoded POST body', async () => {
    const { call, catalog } = await start();
    const r = await call('POST', '/query', 'q=CREATE+DATABASE+formdb', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(r.status).toBe(200);
    expect(catalog.database('formdb')).toBeDefined();
  });

  it('warns, as InfluxDB, when GET changes state', async () => {
    const { call } = await start();
    const r = await call('GET', '/query?q=CREATE+DATABASE+g');
    expect(r.json).toEqual({
      results: [
        {
          statement_id: 0,
          messages: [{ level: 'warning', text: "deprecated use of 'CREATE DATABASE g' in a read only context, please use a POST request instead" }],
        },
      ],
    });
  });

  it('answers 400 missing required parameter "q"', async () => {
    const { call } = await start();
    expectError(await call('GET', '/query'), 400, 'missing required parameter "q"');
    expectError(await call('GET', '/query?q=%20'), 400, 'missing required parameter "q"');
  });

  it('answers 400 error parsing query for garbage', async () => {
    const { call } = await start();
    expectError(
      await call('GET', '/query?q=FLY+ME'),
      400,
      'error parsing query: found FLY, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL at line 1, char 1',
    );
  });

  it('answers 200 with a statement error; a failure before the last statement reads "not executed", as InfluxDB 1.6.7', async () => {
    const { call } = await start();
    const last = await call('GET', '/query?db=nope&q=' + encodeURIComponent('SHOW DATABASES; SELECT * FROM cpu'));
    expect(last.status).toBe(200);
    expect(last.json).toEqual({
      results: [
        { statement_id: 0, series: [{ name: 'databases', columns: ['name'], values: [['db']] }] },
        { statement_id: 1, error: 'database not found: nope' },
      ],
    });
    const first = await call('GET', '/query?db=nope&q=' + encodeURIComponent('SELECT * FROM cpu; SHOW DATABASES'));
    expect(first.json).toEqual({ results: [{ statement_id: 0, error: 'not executed' }] });
  });

  it('answers 400 when params is not a JSON object', async () => {
    const { call } = await start();
    const r = await call('GET', '/query?q=SHOW+DATABASES&params=%7Bnope');
    expect(r.status).toBe(400);
    expect((r.json as { error: string }).error).toMatch(/^error parsing query parameters: /);
  });

  it('indents with pretty=true and streams one document per statement with chunked=true', async () => {
    const { call } = await start();
    const p = await call('GET', '/query?pretty=true&q=SHOW+DATABASES');
    expect(p.text).toBe(JSON.stringify(p.json, null, 4) + '\n');
    const c = await call('GET', '/query?chunked=true&q=' + encodeURIComponent('SHOW DATABASES; SHOW DATABASES'));
    const lines = c.text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]!)).toEqual({ results: [{ statement_id: 1, series: [{ name: 'databases', columns: ['name'], values: [['db']] }] }] });
  });

  it('answers 405 to PUT', async () => {
    const { call } = await start();
    expectError(await call('PUT', '/query?q=SHOW+DATABASES'), 405, 'Method Not Allowed');
  });

  it('answers 503 while starting', async () => {
    const { call } = await start({ withServices: false });
    expectError(await call('GET', '/query?q=SHOW+DATABASES'), 503, 'server is starting');
  });
});
