// The hand-written unary gRPC server, driven by a real grpc-js client over loopback: what a client
// of the example key-value server sees must not depend on which server answers it.

import type { Http2Server } from 'node:http2';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGrpcMessage, serveUnaryHttp2, type UnaryHandler } from './grpc-http2-server.js';

type Callback<T> = (err: grpc.ServiceError | null, res?: T) => void;
interface KvClient extends grpc.Client {
  put(req: object, opts: grpc.CallOptions, cb: Callback<{ index: number }>): void;
  get(req: object, opts: grpc.CallOptions, cb: Callback<{ found: boolean; value: Buffer }>): void;
  status(req: object, opts: grpc.CallOptions, cb: Callback<{ json: string }>): void;
  dump(req: object, opts: grpc.CallOptions, cb: Callback<{ pairs: { key: Buffer; value: Buffer }[] }>): void;
}
type KvCtor = (new (address: string, creds: grpc.ChannelCredentials) => KvClient) & { service: grpc.ServiceDefinition };

const def = protoLoader.loadSync(fileURLToPath(new URL('../../../../proto/raft.proto', import.meta.url)), { longs: Number, defaults: true });
const Kv = (grpc.loadPackageDefinition(def) as unknown as { shoal: { raft: { RaftKv: KvCtor } } }).shoal.raft.RaftKv;

class Refused extends Error {}

/** A map behind the service; Get of 'slow' answers after 300 ms, of 'refuse' fails. */
const store = new Map<string, Buffer>();
const handlers: Record<string, UnaryHandler> = {
  Put: async (req: { key: Buffer; value: Buffer }) => {
    store.set(req.key.toString(), req.value);
    return { index: store.size };
  },
  Get: async (req: { key: Buffer }) => {
    const key = req.key.toString();
    if (key === 'refuse') throw new Refused('not leader; leader=b — 100% sure');
    if (key === 'slow') await new Promise((r) => setTimeout(r, 300));
    const v = store.get(key);
    return v === undefined ? { found: false } : { found: true, value: v };
  },
  Status: async () => ({ json: 'x'.repeat(200_000) }),
  Dump: async () => {
    throw new Error('boom');
  },
};

const call = <T>(fn: (req: object, opts: grpc.CallOptions, cb: Callback<T>) => void, req: object, deadlineMs = 5_000): Promise<T> =>
  new Promise((resolve, reject) => fn(req, { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res!))));

describe('serveUnaryHttp2 with a grpc-js client', () => {
  let server: Http2Server;
  let client: KvClient;

  beforeAll(async () => {
    server = await serveUnaryHttp2('127.0.0.1:0', Kv.service, handlers, {
      toStatus: (err) => (err instanceof Refused ? { code: grpc.status.FAILED_PRECONDITION, details: err.message } : { code: grpc.status.INTERNAL, details: String(err) }),
    });
    const { port } = server.address() as { port: number };
    client = new Kv(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });
  afterAll(() => {
    client.close();
    server.close();
  });

  it('answers calls with the handler result, many at once', async () => {
    const indexes = await Promise.all(
      Array.from({ length: 200 }, (_, i) => call(client.put.bind(client), { key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) })),
    );
    expect(indexes.map((r) => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const got = await call(client.get.bind(client), { key: Buffer.from('k7') });
    expect(got.found).toBe(true);
    expect(got.value.toString()).toBe('v7');
    expect((await call(client.get.bind(client), { key: Buffer.from('nothing') })).found).toBe(false);
  });

  it('carries messages larger than one HTTP/2 frame both ways', async () => {
    const big = Buffer.alloc(70_000, 7);
    await call(client.put.bind(client), { key: Buffer.from('big'), value: big });
    expect((await call(client.get.bind(client), { key: Buffer.from('big') })).value.equals(big)).toBe(true);
    expect((await call(client.status.bind(client), {})).json).toHaveLength(200_000);
  });

  it("turns a handler's rejection into a status with its details, non-ASCII included", async () => {
    const err = (await call(client.get.bind(client), { key: Buffer.from('refuse') }).catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.details).toBe('not leader; leader=b — 100% sure');
    const boom = (await call(client.dump.bind(client), {}).catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
    expect(boom.code).toBe(grpc.status.INTERNAL);
    expect(boom.details).toBe('Error: boom');
  });

  it('answers an unknown method UNIMPLEMENTED', async () => {
    const identity = (b: Buffer): Buffer => b;
    const Generic = grpc.makeGenericClientConstructor({
      Nope: { path: '/shoal.raft.RaftKv/Nope', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
    }, 'Nope');
    const { port } = server.address() as { port: number };
    const g = new Generic(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client & { Nope: KvClient['status'] };
    try {
      const err = (await call(g.Nope.bind(g), Buffer.alloc(0)).catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
      expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
      expect(err.details).toBe('unknown method /shoal.raft.RaftKv/Nope');
    } finally {
      g.close();
    }
  });

  it('keeps serving after a client gives up on a call', async () => {
    const late = (await call(client.get.bind(client), { key: Buffer.from('slow') }, 50).catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
    expect(late.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await new Promise((r) => setTimeout(r, 400)); // the handler finishes on a reset stream
    expect((await call(client.get.bind(client), { key: Buffer.from('k1') })).value.toString()).toBe('v1');
  });

  it('refuses a service with streaming methods', async () => {
    const streaming = { ...Kv.service, Put: { ...Kv.service.Put!, requestStream: true } } as grpc.ServiceDefinition;
    await expect(serveUnaryHttp2('127.0.0.1:0', streaming, handlers)).rejects.toThrow('Put streams; only unary methods are served');
  });
});

describe('encodeGrpcMessage', () => {
  it('percent-encodes bytes outside printable ASCII and the percent sign', () => {
    expect(encodeGrpcMessage('plain text; ok=1')).toBe('plain text; ok=1');
    expect(encodeGrpcMessage('100%')).toBe('100%25');
    expect(encodeGrpcMessage('a\nb')).toBe('a%0Ab');
    expect(encodeGrpcMessage('—')).toBe('%E2%80%94');
  });
});
