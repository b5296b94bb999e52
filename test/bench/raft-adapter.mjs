// raftbench.mjs adapter for the @shoal/raft example key-value service (proto/raft.proto, RaftKv).
// Also exports kvStatus() used by raft-bench.mjs to find the leader.
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

export default {
  name: 'shoal-raft',
  service: 'shoal.raft.RaftKv',
  put: { method: 'Put', request: (key, value) => ({ key, value }) },
  get: {
    method: 'Get',
    request: (key, { linearizable }) => ({ key, linearizable }),
    hit: (resp) => resp.found === true,
  },
};

let Kv = null;
const clients = new Map();
export function kvStatus(address) {
  if (Kv === null) {
    const def = protoLoader.loadSync(fileURLToPath(new URL('../../proto/raft.proto', import.meta.url)), { longs: Number, defaults: true });
    Kv = grpc.loadPackageDefinition(def).shoal.raft.RaftKv;
  }
  let c = clients.get(address);
  if (!c) clients.set(address, (c = new Kv(address, grpc.credentials.createInsecure())));
  return new Promise((res, rej) => c.Status({}, { deadline: Date.now() + 1000 }, (e, r) => (e ? rej(e) : res(JSON.parse(r.json)))));
}
