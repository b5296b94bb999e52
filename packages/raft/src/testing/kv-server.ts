// A key-value server process over RaftNode: classic-level storage, file snapshots, gRPC between
// nodes and the RaftKv gRPC service (proto/raft.proto) for clients. The real-process crash test
// and the benchmark run three of these on loopback.
//
//   node packages/raft/dist/testing/kv-server.js --id a --dir /tmp/a --raft 127.0.0.1:7001 \
//     --client 127.0.0.1:8001 --peers a=127.0.0.1:7001,b=127.0.0.1:7002,c=127.0.0.1:7003 \
//     [--tick-ms 100] [--election-ticks 10] [--no-sync] [--client-http2]
//
// A Put sent to a follower is forwarded to the leader through Raft (RaftNode.apply does it).
// --client-http2 answers the client API with grpc-http2-server.ts instead of grpc-js: the same
// protocol for clients, for 35–50% less server CPU per call (docs/raft.md, "Benchmark").
//
// Prints "READY" on stdout once both ports listen.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { NotLeaderError, RaftError } from '../errors.js';
import { RaftNode } from '../node.js';
import { FileSnapshotStore } from '../storage/file-snapshots.js';
import { LevelStorage } from '../storage/level.js';
import { GrpcTransport } from '../transport/grpc.js';
import { BinaryKvStateMachine } from './binary-kv.js';
import { serveUnaryHttp2, type UnaryHandler } from './grpc-http2-server.js';

interface ServerArgs {
  id: string;
  dir: string;
  raft: string;
  client: string;
  peers: Record<string, string>;
  tickMs: number;
  electionTicks: number;
  sync: boolean;
  clientHttp2: boolean;
}

function parseArgs(argv: readonly string[]): ServerArgs {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const need = (name: string): string => {
    const v = get(name);
    if (v === undefined) throw new Error(`--${name} is required`);
    return v;
  };
  const parseMap = (list: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const pair of list.split(',').filter((p) => p !== '')) {
      const [id, addr] = pair.split('=');
      if (id === undefined || addr === undefined) throw new Error(`bad peer ${pair}`);
      out[id] = addr;
    }
    return out;
  };
  const peers = parseMap(need('peers'));

  return {
    id: need('id'),
    dir: need('dir'),
    raft: need('raft'),
    client: need('client'),
    peers,
    tickMs: Number(get('tick-ms') ?? 100),
    electionTicks: Number(get('election-ticks') ?? 10),
    sync: !argv.includes('--no-sync'),
    clientHttp2: argv.includes('--client-http2'),
  };
}

function grpcError(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof NotLeaderError) return { code: grpc.status.FAILED_PRECONDITION, details: `not leader; leader=${err.leader ?? ''}` };
  if (err instanceof RaftError) return { code: grpc.status.UNAVAILABLE, details: err.message };
  return { code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(join(args.dir, 'snapshots'), { recursive: true });
  const sm = new BinaryKvStateMachine();
  const transport = new GrpcTransport({ id: args.id, listen: args.raft, peers: args.peers });
  const node = await RaftNode.start<number>({
    id: args.id,
    storage: await LevelStorage.open(join(args.dir, 'log'), { sync: args.sync }),
    snapshots: new FileSnapshotStore(join(args.dir, 'snapshots')),
    transport,
    stateMachine: sm,
    bootstrap: { voters: Object.keys(args.peers), addresses: args.peers },
    tickMs: args.tickMs,
    raft: { electionTicks: args.electionTicks },
  });
  node.on('error', (err) => {
    console.error(`raft node failed: ${err.message}`);
    process.exit(1);
  });

  const def = protoLoader.loadSync(fileURLToPath(new URL('../../../../proto/raft.proto', import.meta.url)), {
    keepCase: false,
    longs: Number,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { shoal: { raft: { RaftKv: { service: grpc.ServiceDefinition } } } };
  const service = pkg.shoal.raft.RaftKv.service;
  const handlers: Record<string, UnaryHandler> = {
    Put: (req: { key: Buffer; value: Buffer }) => node.apply(BinaryKvStateMachine.command(req.key, req.value)).then((index) => ({ index })),
    Get: async (req: { key: Buffer; linearizable: boolean }) => {
      if (req.linearizable) await node.readIndex();
      const v = sm.data.get(req.key.toString('latin1'));
      return v === undefined ? { found: false } : { found: true, value: v };
    },
    Status: async () => ({ json: JSON.stringify(node.metrics()) }),
    Dump: async () => ({ pairs: [...sm.data].map(([k, v]) => ({ key: Buffer.from(k, 'latin1'), value: v })) }),
  };
  let stopClientServer: () => void;
  if (args.clientHttp2) {
    const server = await serveUnaryHttp2(args.client, service, handlers, { toStatus: grpcError });
    stopClientServer = () => server.close();
  } else {
    // channelz bookkeeping costs CPU on every call and nothing here reads it.
    const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const [name, handler] of Object.entries(handlers)) {
      const unary: grpc.handleUnaryCall<unknown, object> = (call, cb) => {
        handler(call.request as never).then(
          (value) => cb(null, value),
          (err: unknown) => cb(grpcError(err), null),
        );
      };
      implementation[name] = unary;
    }
    server.addService(service, implementation);
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(args.client, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
    );
    stopClientServer = () => server.forceShutdown();
  }
  const stop = (): void => {
    stopClientServer();
    void node.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  console.log('READY');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
