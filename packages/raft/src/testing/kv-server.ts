// A key-value server process over RaftNode: classic-level storage, file snapshots, gRPC between
// nodes and the RaftKv gRPC service (proto/raft.proto) for clients. The real-process crash test
// and the benchmark run three of these on loopback.
//
//   node packages/raft/dist/testing/kv-server.js --id a --dir /tmp/a --raft 127.0.0.1:7001 \
//     --client 127.0.0.1:8001 --peers a=127.0.0.1:7001,b=127.0.0.1:7002,c=127.0.0.1:7003 \
//     [--tick-ms 100] [--election-ticks 10] [--no-sync]
//
// A Put sent to a follower is forwarded to the leader through Raft (RaftNode.apply does it).
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

interface ServerArgs {
  id: string;
  dir: string;
  raft: string;
  client: string;
  peers: Record<string, string>;
  tickMs: number;
  electionTicks: number;
  sync: boolean;
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
  // channelz bookkeeping costs CPU on every call and nothing here reads it.
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
  server.addService(pkg.shoal.raft.RaftKv.service, {
    put: (call: grpc.ServerUnaryCall<{ key: Buffer; value: Buffer }, object>, cb: grpc.sendUnaryData<object>) => {
      node.apply(BinaryKvStateMachine.command(call.request.key, call.request.value)).then(
        (index) => cb(null, { index }),
        (err: unknown) => cb(grpcError(err), null),
      );
    },
    get: (call: grpc.ServerUnaryCall<{ key: Buffer; linearizable: boolean }, object>, cb: grpc.sendUnaryData<object>) => {
      const answer = (): void => {
        const v = sm.data.get(call.request.key.toString('latin1'));
        cb(null, v === undefined ? { found: false } : { found: true, value: v });
      };
      if (!call.request.linearizable) {
        answer();
        return;
      }
      node.readIndex().then(answer, (err: unknown) => cb(grpcError(err), null));
    },
    status: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { json: JSON.stringify(node.metrics()) }),
    dump: (_call: unknown, cb: grpc.sendUnaryData<object>) => {
      const pairs = [...sm.data].map(([k, v]) => ({ key: Buffer.from(k, 'latin1'), value: v }));
      cb(null, { pairs });
    },
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(args.client, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  const stop = (): void => {
    server.forceShutdown();
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
