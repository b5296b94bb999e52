// The HTTP API of a DATA node, on node:http without a framework: routing, the headers every
// response carries (versions, request ids, CORS), per-request metrics and access logs, and the
// node's phase (503 from /health while starting or stopping). Endpoints live in their own files.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Catalog } from '@shoal/tsdb';
import type { Logger } from 'pino';
import { DEFAULT_MAX_BODY_BYTES } from '../config.js';
import { PROMETHEUS_TEXT_CONTENT_TYPE, type Counter, type Gauge, type Histogram, type MetricsRegistry } from '../metrics.js';
import type { PointsWriter } from '../points-writer.js';
import { HttpError, MESSAGES } from './errors.js';
import type { QueryPorts } from '@shoal/influxql';
import { queryParams, serveQuery } from './query-endpoint.js';
import { sendEmpty, sendError, sendJson, sendText } from './response.js';
import { INFLUXDB_VERSION_HEADER_VALUE, SHOAL_VERSION } from './version.js';
import { serveWrite, type WriteMetrics, type WriteSummary } from './write-endpoint.js';

export type NodePhase = 'starting' | 'ready' | 'stopping';

/** What the endpoints need from the rest of the node; absent while the node is starting. */
export interface HttpServices {
  readonly catalog: Catalog;
  readonly pointsWriter: PointsWriter;
  /** What the InfluxQL engine reads and changes. */
  readonly query: QueryPorts;
}

export interface HttpApiOptions {
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  /** Largest /write body after decompression; InfluxDB's 25,000,000 when absent. */
  readonly maxBodyBytes?: number;
  readonly services?: HttpServices;
  /** `ready` when services are given, else `starting`. */
  readonly phase?: NodePhase;
}

type Endpoint = 'write' | 'query' | 'ping' | 'health' | 'metrics' | 'status' | 'other';

interface Route {
  readonly endpoint: Endpoint;
  readonly methods: readonly string[];
  /** Answers OPTIONS with 204 (CORS pre-flight), as InfluxDB does for /write and /query. */
  readonly options: boolean;
}

const ROUTES: ReadonlyMap<string, Route> = new Map([
  ['/write', { endpoint: 'write', methods: ['POST'], options: true }],
  ['/query', { endpoint: 'query', methods: ['GET', 'POST'], options: true }],
  ['/ping', { endpoint: 'ping', methods: ['GET', 'HEAD'], options: false }],
  ['/status', { endpoint: 'status', methods: ['GET', 'HEAD'], options: false }],
  ['/health', { endpoint: 'health', methods: ['GET', 'HEAD'], options: false }],
  ['/metrics', { endpoint: 'metrics', methods: ['GET'], options: false }],
]);

const CORS_ALLOW_METHODS = 'DELETE, GET, OPTIONS, POST, PUT';
const CORS_ALLOW_HEADERS = 'Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, X-CSRF-Token, X-HTTP-Method-Override';
const CORS_EXPOSE_HEADERS = 'Date, X-InfluxDB-Version, X-InfluxDB-Build';

/**
 * An error answered before the request body was read: a body up to this size is drained so the
 * connection can be reused (Go's server does the same with 256 KiB); a larger or unsized one
 * closes the connection instead of being read for nothing.
 */
const UNREAD_BODY_DRAIN_BYTES_MAX = 256 * 1024;

/** Request ids taken from clients are kept only when short and printable. */
const REQUEST_ID_CHARS_MAX = 128;

export class HttpApi {
  private services: HttpServices | undefined;
  private currentPhase: NodePhase;
  private readonly logger: Logger;
  private readonly registry: MetricsRegistry;
  private readonly maxBodyBytes: number;
  private readonly requestsTotal: Counter;
  private readonly requestDuration: Histogram;
  private readonly requestsInFlight: Gauge;
  private readonly writeErrors: Counter;
  private readonly writeMetrics: WriteMetrics;

  constructor(opts: HttpApiOptions) {
    this.logger = opts.logger;
    this.registry = opts.metrics;
    this.maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.services = opts.services;
    this.currentPhase = opts.phase ?? (opts.services === undefined ? 'starting' : 'ready');
    const m = opts.metrics;
    this.requestsTotal = m.counter('shoal_http_requests_total', 'HTTP requests answered, by endpoint, method and status code.', ['endpoint', 'method', 'status']);
    this.requestDuration = m.histogram('shoal_http_request_duration_seconds', 'Time from request to response, by endpoint.', ['endpoint']);
    this.requestsInFlight = m.gauge('shoal_http_requests_in_flight', 'HTTP requests being served.');
    this.writeErrors = m.counter('shoal_write_errors_total', 'Write requests not answered 204, by status code.', ['status']);
    this.writeMetrics = {
      pointsWritten: m.counter('shoal_points_written_total', 'Points stored through /write.'),
      pointsDropped: m.counter('shoal_points_dropped_total', 'Points of /write bodies not stored: reason=parse (bad line) or refused (type conflict, beyond retention).', ['reason']),
      bytesReceived: m.counter('shoal_write_bytes_total', 'Bytes of /write bodies received, after decompression.'),
    };
  }

  get phase(): NodePhase {
    return this.currentPhase;
  }

  setPhase(phase: NodePhase): void {
    this.currentPhase = phase;
  }

  setServices(services: HttpServices | undefined): void {
    this.services = services;
  }

  /** The request listener for http.createServer. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const startNs = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      url = new URL('http://localhost/');
    }
    const route = ROUTES.get(url.pathname);
    const endpoint: Endpoint = route?.endpoint ?? 'other';
    const summary: WriteSummary = {};

    res.setHeader('Request-Id', requestId);
    res.setHeader('X-Request-Id', requestId);
    res.setHeader('X-Influxdb-Version', INFLUXDB_VERSION_HEADER_VALUE);
    res.setHeader('X-Influxdb-Build', 'OSS');
    res.setHeader('X-Shoal-Version', SHOAL_VERSION);
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== '') {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', CORS_ALLOW_METHODS);
      res.setHeader('Access-Control-Allow-Headers', CORS_ALLOW_HEADERS);
      res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS);
    }
    // While stopping, ask keep-alive clients to reconnect (elsewhere) after this response.
    if (this.currentPhase === 'stopping') res.setHeader('Connection', 'close');

    this.requestsInFlight.add(1);
    res.on('close', () => {
      this.requestsInFlight.add(-1);
      const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
      const status = res.statusCode;
      this.requestsTotal.inc({ endpoint, method: req.method ?? '', status: String(status) });
      this.requestDuration.observe(seconds, { endpoint });
      if (endpoint === 'write' && status !== 204) this.writeErrors.inc({ status: String(status) });
      this.logAccess(req, res, url.pathname, requestId, seconds, summary);
    });

    this.dispatch(req, res, url, route, summary).catch((err: unknown) => {
      const httpErr = err instanceof HttpError ? err : new HttpError(500, err instanceof Error ? err.message : String(err));
      if (httpErr.status >= 500) this.logger.error({ err, requestId, path: url.pathname }, 'request failed');
      if (!req.complete && !res.headersSent) {
        const declared = Number(req.headers['content-length']);
        if (!(declared <= UNREAD_BODY_DRAIN_BYTES_MAX)) res.setHeader('Connection', 'close');
      }
      sendError(res, httpErr, url.searchParams.get('pretty') === 'true');
    });
  };

  private async dispatch(req: IncomingMessage, res: ServerResponse, url: URL, route: Route | undefined, summary: WriteSummary): Promise<void> {
    if (route === undefined) throw new HttpError(404, MESSAGES.notFound);
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS' && route.options) return sendEmpty(res, 204);
    if (!route.methods.includes(method)) {
      res.setHeader('Allow', [...route.methods, ...(route.options ? ['OPTIONS'] : [])].join(', '));
      throw new HttpError(405, MESSAGES.methodNotAllowed);
    }
    switch (route.endpoint) {
      case 'ping':
        return this.servePing(res, url.searchParams);
      case 'status':
        return sendEmpty(res, 204);
      case 'health':
        return this.serveHealth(res);
      case 'metrics':
        return sendText(res, 200, PROMETHEUS_TEXT_CONTENT_TYPE, this.registry.render());
      case 'write': {
        const services = this.available();
        return serveWrite(
          { catalog: services.catalog, pointsWriter: services.pointsWriter, maxBodyBytes: this.maxBodyBytes, metrics: this.writeMetrics },
          req,
          res,
          url.searchParams,
          summary,
        );
      }
      case 'query': {
        const params = await queryParams(req, url);
        const services = this.currentPhase === 'starting' ? undefined : this.services;
        return serveQuery(services === undefined ? undefined : { ports: services.query }, req, res, params);
      }
      case 'other':
        throw new HttpError(404, MESSAGES.notFound);
    }
  }

  private available(): HttpServices {
    if (this.currentPhase === 'starting' || this.services === undefined) throw new HttpError(503, MESSAGES.starting);
    return this.services;
  }

  private servePing(res: ServerResponse, params: URLSearchParams): void {
    const verbose = params.get('verbose') ?? '';
    if (verbose !== '' && verbose !== '0' && verbose !== 'false') {
      sendJson(res, 200, { version: INFLUXDB_VERSION_HEADER_VALUE });
      return;
    }
    sendEmpty(res, 204);
  }

  private serveHealth(res: ServerResponse): void {
    const base = { name: 'shoal', checks: [] as unknown[], version: INFLUXDB_VERSION_HEADER_VALUE };
    switch (this.currentPhase) {
      case 'ready':
        return sendJson(res, 200, { ...base, message: 'ready for queries and writes', status: 'pass' });
      case 'starting':
        return sendJson(res, 503, { ...base, message: 'starting', status: 'fail' });
      case 'stopping':
        return sendJson(res, 503, { ...base, message: 'shutting down', status: 'fail' });
    }
  }

  private logAccess(req: IncomingMessage, res: ServerResponse, path: string, requestId: string, seconds: number, summary: WriteSummary): void {
    const status = res.statusCode;
    // Successful requests at debug (a busy node answers thousands per second), refusals at info,
    // server faults at warn (the fault itself was logged at error where it happened).
    const level = status >= 500 ? 'warn' : status >= 400 ? 'info' : 'debug';
    if (!this.logger.isLevelEnabled(level)) return;
    this.logger[level](
      {
        requestId,
        method: req.method,
        // The path only: query strings may carry credentials (u=, p=).
        path,
        status,
        durationMs: Math.round(seconds * 1e6) / 1e3,
        ...summary,
        ...(status >= 400 ? { error: errorOf(res) } : {}),
      },
      'http request',
    );
  }
}

/** The error message sent in X-Influxdb-Error, decoded back from the header's latin1 form. */
function errorOf(res: ServerResponse): string | undefined {
  const v = res.getHeader('X-Influxdb-Error');
  return typeof v === 'string' ? Buffer.from(v, 'latin1').toString('utf8') : undefined;
}

function requestIdOf(req: IncomingMessage): string {
  const given = headerValue(req.headers['x-request-id']) ?? headerValue(req.headers['request-id']);
  if (given !== undefined && given.length <= REQUEST_ID_CHARS_MAX && /^[\x21-\x7e]+$/.test(given)) return given;
  return randomUUID();
}

function headerValue(h: string | string[] | undefined): string | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  return v === undefined || v === '' ? undefined : v;
}
