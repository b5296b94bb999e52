// One META node with its real storage and transport: one port for the MetaService and Raft, port 0
// resolved before anything records the address, a taken port refused before any file is opened,
// and the MetaService answering "try elsewhere" while the node behind it starts.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MetaClient } from './client.js';
import { encodeCommand } from './commands.js';
import { metaService, type WireReadIndexResponse } from './proto.js';
import { MetaListenError, MetaServer } from './server.js';
import { ServiceGate } from './service-gate.js';
import { MetaStateMachine } from './state-machine.js';

const silent = pino({ level: 'silent' });
const dirs: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'shoal-meta-server-'));
  dirs.push(d);
  return d;
}

describe('MetaServer', () => {
  it('serves the MetaService and Raft on one port, the one the OS picked for port 0', async () => {
    const dir = tempDir();
    const server = await MetaServer.start({ id: '1', peers: new Map([['1', '127.0.0.1:0']]), dir, logger: silent });
    cleanups.push(() => server.close());
    const port = Number(server.address.split(':')[1]);
    expect(port).toBeGreaterThan(0);
    const client = new MetaClient({ addresses: [server.address] });
    cleanups.push(() => client.close());
    // A one-node group leads from its start: the first command needs no election timeout.
    const out = await client.apply({ type: 'create-database', name: 'db', retentionPolicy: null });
    expect(out.result.ok).toBe(true);
    const status = await client.status(server.address);
    expect(status.members).toEqual([{ id: '1', address: server.address, raftAddress: server.address, voter: true }]);
    await server.registered();
    expect(server.state.metaNodes()).toMatchObject([{ raftId: '1', rpcAddress: server.address }]);
  });

  it('founds a group from an initial state, which a restart keeps and does not found again', async () => {
    const seed = new MetaStateMachine();
    seed.apply(encodeCommand({ type: 'create-database', name: 'imported', retentionPolicy: null }), 1, 1);
    const dir = tempDir();
    const peers = new Map([['1', '127.0.0.1:0']]);
    const first = await MetaServer.start({ id: '1', peers, dir, logger: silent, initialState: seed.state.toData() });
    expect(first.state.databases().map((d) => d.name)).toEqual(['imported']);
    const client = new MetaClient({ addresses: [first.address] });
    await client.apply({ type: 'create-database', name: 'later', retentionPolicy: null });
    client.close();
    await first.close();
    const other = new MetaStateMachine();
    other.apply(encodeCommand({ type: 'create-database', name: 'ignored', retentionPolicy: null }), 1, 1);
    const second = await MetaServer.start({ id: '1', peers, dir, logger: silent, initialState: other.state.toData() });
    cleanups.push(() => second.close());
    // Restarted on another port, it names itself by the new address at once, before its record in
    // the state is updated: leader hints must not send clients to the old port.
    expect(second.address).not.toBe(first.address);
    expect(second.addressOf('1')).toBe(second.address);
    await second.node.barrier();
    expect(second.state.databases().map((d) => d.name)).toEqual(['imported', 'later']);
  });

  it('refuses a taken port by name, before opening its directory', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const address = `127.0.0.1:${(blocker.address() as AddressInfo).port}`;
    const dir = join(tempDir(), 'meta');
    const err = await MetaServer.start({ id: '1', peers: new Map([['1', address]]), dir, logger: silent }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetaListenError);
    expect((err as Error).message).toBe(`cannot listen on ${address} for the META service: address already in use`);
    expect(existsSync(dir)).toBe(false);
  });

  it('answers UNAVAILABLE, which clients retry elsewhere, until the node behind the service is up', async () => {
    const gate = new ServiceGate(metaService().service);
    const server = new grpc.Server();
    server.addService(metaService().service, gate.handlers());
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    cleanups.push(() => server.forceShutdown());
    const Stub = metaService();
    const stub = new Stub(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    cleanups.push(() => stub.close());
    const readIndex = (): Promise<WireReadIndexResponse> =>
      new Promise((resolve, reject) => stub.readIndex({}, new grpc.Metadata(), { deadline: Date.now() + 2000 }, (err, res) => (err ? reject(err) : resolve(res as WireReadIndexResponse))));
    await expect(readIndex()).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE, details: 'meta node starting' });
    const watch = stub.watch({ fromIndex: 0 });
    await expect(new Promise((_resolve, reject) => watch.on('error', reject))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    gate.open({ readIndex: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { index: '7', leader: null }) });
    expect(await readIndex()).toMatchObject({ index: '7' });
  });
});
