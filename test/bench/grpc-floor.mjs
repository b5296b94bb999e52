#!/usr/bin/env node
// The floor under any Node gRPC service: server CPU per unary call when the handler does nothing.
// Issue #4 compares server CPU per committed Raft write with etcd's (Go); this tells how much of
// ours a Node process spends before Raft does any work, and how much of that is grpc-js rather than
// Node's own HTTP/2. Not a test; run by hand:
//
//   node test/bench/grpc-floor.mjs [--calls 40000] [--conc 1,64] [--bytes 280] [--rounds 2]
//
// For each server kind a fresh child process serves on loopback and a grpc-js client in this
// process sends --calls unary calls of --bytes bytes (the size of the Raft bench's Put) at each
// concurrency; the child reports its own user+system CPU, divided by the calls it answered.
//   grpc-js  a grpc.Server with channelz off and identity (de)serializers: grpc-js's own cost;
//   http2    node:http2 answering the same gRPC frames by hand (headers, one message, trailers):
//            what Node's HTTP/2 costs with no gRPC library at all.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1] ?? 'true']] : acc), []),
);
const CALLS = Number(args.calls ?? 40_000);
const CONCS = String(args.conc ?? '1,64').split(',').map(Number);
const BYTES = Number(args.bytes ?? 280);
const ROUNDS = Number(args.rounds ?? 2);
const METHOD = '/shoal.bench.Floor/Call';
const identity = (b) => b;
const definition = {
  Call: { path: METHOD, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
};

// ---------------------------------------------------------------- child: the server

async function serve(kind) {
  let port;
  if (kind === 'grpc-js') {
    const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
    const reply = Buffer.alloc(4);
    server.addService(definition, { Call: (_call, cb) => cb(null, reply) });
    port = await new Promise((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  } else {
    const http2 = await import('node:http2');
    // A gRPC message: compressed flag, u32 length, then 4 bytes of payload.
    const reply = Buffer.from([0, 0, 0, 0, 4, 0, 0, 0, 0]);
    const server = http2.createServer();
    server.on('stream', (stream) => {
      stream.on('data', () => {});
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(reply);
      });
    });
    await new Promise((res) => server.listen(0, '127.0.0.1', res));
    port = server.address().port;
  }
  let base = process.cpuUsage();
  process.on('message', (m) => {
    if (m === 'mark') base = process.cpuUsage();
    else if (m === 'read') {
      const u = process.cpuUsage(base);
      process.send({ cpuUs: u.user + u.system });
    }
  });
  process.send({ port });
}

// ---------------------------------------------------------------- parent: the load

function ask(child, message) {
  return new Promise((res) => {
    child.once('message', res);
    child.send(message);
  });
}

async function load(port, conc) {
  const Client = grpc.makeGenericClientConstructor(definition);
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.enable_channelz': 0 });
  const body = Buffer.alloc(BYTES, 7);
  const run = (calls) =>
    new Promise((res, rej) => {
      let started = 0;
      let done = 0;
      const next = () => {
        if (started === calls) return;
        started++;
        client.Call(body, (err) => {
          if (err) return rej(err);
          if (++done === calls) res();
          else next();
        });
      };
      for (let i = 0; i < Math.min(conc, calls); i++) next();
    });
  await run(Math.min(2_000, CALLS)); // warm up connection and JIT
  return { client, run };
}

async function measure(kind, conc) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { port } = await new Promise((res) => child.once('message', res));
    const { client, run } = await load(port, conc);
    child.send('mark');
    const t0 = process.hrtime.bigint();
    await run(CALLS);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const { cpuUs } = await ask(child, 'read');
    client.close();
    return { kind, conc, callsPerSecond: Math.round(CALLS / seconds), serverCpuUsPerCall: +(cpuUs / CALLS).toFixed(1) };
  } finally {
    child.kill('SIGKILL');
  }
}

if (args.serve) {
  await serve(args.serve);
} else {
  const rows = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const conc of CONCS) {
      // Alternate the order so background load on this shared machine falls on both alike.
      const kinds = round % 2 === 1 ? ['grpc-js', 'http2'] : ['http2', 'grpc-js'];
      for (const kind of kinds) {
        const r = await measure(kind, conc);
        rows.push({ round, ...r });
        console.log(JSON.stringify({ round, ...r }));
      }
    }
  }
  console.log('\nserver CPU per call (µs), median over rounds:');
  for (const conc of CONCS) {
    const med = (kind) => {
      const v = rows.filter((r) => r.kind === kind && r.conc === conc).map((r) => r.serverCpuUsPerCall).sort((a, b) => a - b);
      return v[Math.floor((v.length - 1) / 2)];
    };
    console.log(`  conc ${conc}: grpc-js ${med('grpc-js')}, node:http2 alone ${med('http2')}`);
  }
}
