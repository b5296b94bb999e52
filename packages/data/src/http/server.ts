// The listening socket around HttpApi: start, report the bound address, and stop gracefully —
// refuse new connections, let requests in flight finish for a bounded time, then cut the rest.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class ListenError extends Error {
  override name = 'ListenError';
  constructor(
    readonly address: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`cannot listen on ${address}: ${reason}`);
  }
}

const LISTEN_REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host',
};

/** Idle keep-alive connections are closed after this long (Node's default is 5 s). */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** A client gets this long to send all request headers (slowloris bound). */
const HEADERS_TIMEOUT_MS = 60_000;
/** A whole request, body included, must arrive within this (a 25 MB body on a slow link fits). */
const REQUEST_TIMEOUT_MS = 300_000;

export class HttpServer {
  private readonly server: Server;
  private readonly active = new Set<ServerResponse>();
  private closing: Promise<void> | undefined;
  private requestsCut = 0;

  constructor(handler: (req: IncomingMessage, res: ServerResponse) => void) {
    this.server = createServer(
      { keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
      (req, res) => {
        this.active.add(res);
        res.on('close', () => this.active.delete(res));
        handler(req, res);
      },
    );
  }

  /** Requests received and not yet answered. */
  get inFlight(): number {
    return this.active.size;
  }

  /** Binds; `host` empty means every interface. Rejects with ListenError. */
  listen(host: string, port: number): Promise<AddressInfo> {
    const shown = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        this.server.off('listening', onListening);
        reject(new ListenError(shown, err.code, (err.code !== undefined ? LISTEN_REASONS[err.code] : undefined) ?? err.message));
      };
      const onListening = () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      if (host === '') this.server.listen(port);
      else this.server.listen(port, host);
    });
  }

  address(): AddressInfo | undefined {
    const a = this.server.address();
    return a === null || typeof a === 'string' ? undefined : a;
  }

  /**
   * Stops accepting connections, waits up to `timeoutMs` for requests in flight, then closes every
   * connection. Resolves with the number of requests that were cut. Idempotent.
   */
  close(timeoutMs: number): Promise<number> {
    this.closing ??= new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      const deadline = setTimeout(() => {
        this.requestsCut = this.active.size;
        this.server.closeAllConnections();
      }, timeoutMs);
      const poll = setInterval(() => {
        // Responses finished since close() leave idle keep-alive sockets behind; close them.
        this.server.closeIdleConnections();
      }, 50);
      this.server.once('close', () => {
        clearTimeout(deadline);
        clearInterval(poll);
      });
    });
    return this.closing.then(() => this.requestsCut);
  }
}
