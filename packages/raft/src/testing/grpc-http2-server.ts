// Unary gRPC methods answered over node:http2 directly, for the example key-value server's client
// API (kv-server.ts --client-http2). gRPC over HTTP/2 for a unary call is small: the request is
// one length-prefixed message on a stream, the answer is response headers, one length-prefixed
// message and trailers carrying grpc-status. grpc-js's server does much more per call (call
// objects, interceptors, filters, deadline timers), and that costs: answering the same call with
// no work behind it takes grpc-js 1.6–1.9× the CPU of node:http2 alone (test/bench/grpc-floor.mjs),
// and on the Raft benchmark's leader the difference (~30 µs per put) is more than Raft, storage and
// the state machine spend together.
//
// What it does not do, because no client of the example server needs it: compressed messages
// (answered INTERNAL), streaming methods, metadata, deadlines (a call whose client gave up is
// simply not answered), TLS. Node-to-node Raft traffic stays on grpc-js (transport/grpc.ts).

import * as http2 from 'node:http2';
import type { ServiceDefinition, StatusObject } from '@grpc/grpc-js';

/** gRPC status codes used here (the values are fixed by the gRPC protocol). */
export const GRPC_STATUS = { OK: 0, UNKNOWN: 2, INTERNAL: 13, UNIMPLEMENTED: 12 } as const;

/** One method's work: the decoded request in, the response object out; rejections become statuses. */
export type UnaryHandler = (request: never) => Promise<object>;

export interface Http2UnaryServerOptions {
  /** A rejected handler's status (code and details); UNKNOWN with the error's message if omitted. */
  readonly toStatus?: (err: unknown) => Partial<StatusObject>;
}

const PREFIX_BYTES = 5;
const RESPONSE_HEADERS = { ':status': 200, 'content-type': 'application/grpc' } as const;

/** grpc-message is percent-encoded: every byte outside printable ASCII, and '%' itself. */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

interface Route {
  readonly handler: UnaryHandler;
  readonly decode: (bytes: Buffer) => unknown;
  readonly encode: (value: object) => Buffer;
}

/**
 * Serves `service`'s methods (a proto-loader service definition, all unary) with `handlers`, keyed
 * by method name, on `address` (host:port, port 0 for any). Resolves once listening.
 */
export async function serveUnaryHttp2(
  address: string,
  service: ServiceDefinition,
  handlers: Readonly<Record<string, UnaryHandler>>,
  options: Http2UnaryServerOptions = {},
): Promise<http2.Http2Server> {
  const routes = new Map<string, Route>();
  for (const [name, def] of Object.entries(service)) {
    const handler = handlers[name];
    if (handler === undefined) throw new Error(`no handler for ${name}`);
    if (def.requestStream || def.responseStream) throw new Error(`${name} streams; only unary methods are served`);
    routes.set(def.path, { handler, decode: def.requestDeserialize, encode: def.responseSerialize as (value: object) => Buffer });
  }
  const toStatus = options.toStatus ?? ((err: unknown) => ({ code: GRPC_STATUS.UNKNOWN, details: err instanceof Error ? err.message : String(err) }));

  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset by the client (it gave up) is not this server's error.
    stream.on('error', () => {});
    stream.on('end', () => {
      const route = routes.get(path);
      if (route === undefined) return fail(stream, GRPC_STATUS.UNIMPLEMENTED, `unknown method ${path}`);
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (body.length < PREFIX_BYTES || body[0] !== 0 || body.readUInt32BE(1) !== body.length - PREFIX_BYTES) {
        return fail(stream, GRPC_STATUS.INTERNAL, 'expected one uncompressed message');
      }
      let request: unknown;
      try {
        request = route.decode(body.subarray(PREFIX_BYTES));
      } catch (err) {
        return fail(stream, GRPC_STATUS.INTERNAL, `cannot decode the request: ${(err as Error).message}`);
      }
      route.handler(request as never).then(
        (value) => {
          let message: Buffer;
          try {
            message = route.encode(value);
          } catch (err) {
            return fail(stream, GRPC_STATUS.INTERNAL, `cannot encode the response: ${(err as Error).message}`);
          }
          answer(stream, message);
        },
        (err: unknown) => {
          const status = toStatus(err);
          fail(stream, status.code ?? GRPC_STATUS.UNKNOWN, status.details ?? '');
        },
      );
    });
  });

  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(colon + 1));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** One message, then trailers with status OK. */
function answer(stream: http2.ServerHttp2Stream, message: Buffer): void {
  if (stream.closed || stream.destroyed) return;
  const framed = Buffer.allocUnsafe(PREFIX_BYTES + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, PREFIX_BYTES);
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(GRPC_STATUS.OK) }));
  stream.end(framed);
}

/** No message; trailers with the status and its (percent-encoded) details. */
function fail(stream: http2.ServerHttp2Stream, code: number, details: string): void {
  if (stream.closed || stream.destroyed) return;
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(details) }));
  stream.end();
}
