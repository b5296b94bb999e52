// node-influx (the `influx` npm package), a real InfluxDB 1.x client, against a real Shoal server:
// ping, database DDL through /query, and writes of every field type with exact ns timestamps.
// The points are read back through the client's query API, and from the data directory after a
// graceful stop.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FieldType, InfluxDB, toNanoDate } from 'influx';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { TSDBStore, valueAt } from '@shoal/tsdb';
import { ServerProcess } from '../support/server-process.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-node-influx-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function readAll(dataDir: string, db: string, seriesKey: string, field: string): Promise<Array<[bigint, unknown]>> {
  const store = await TSDBStore.open({ dir: dataDir, logger: pino({ level: 'silent' }) });
  const out: Array<[bigint, unknown]> = [];
  try {
    for (const { shard } of store.list(db)) {
      const info = shard.index.get(seriesKey);
      if (!info) continue;
      for await (const c of shard.readField(info.id, field)) {
        if (c.kind === 'points') for (let i = 0; i < c.data.count; i++) out.push([c.data.times[i]!, valueAt(c.data, i)]);
      }
    }
  } finally {
    await store.close();
  }
  return out;
}

describe('node-influx against shoal server', () => {
  it('pings, creates and lists databases, and writes points of every type that land exactly', async () => {
    const dataDir = path.join(root, 'data');
    const server = await ServerProcess.start(dataDir);
    try {
      const influx = new InfluxDB({
        host: '127.0.0.1',
        port: server.port,
        database: 'clients',
        schema: [
          {
            measurement: 'sensor',
            tags: ['room'],
            fields: { temp: FieldType.FLOAT, count: FieldType.INTEGER, label: FieldType.STRING, ok: FieldType.BOOLEAN },
          },
        ],
      });
      const hosts = await influx.ping(5000);
      expect(hosts[0]!.online).toBe(true);
      expect(hosts[0]!.version).toBe('1.6.7-shoal');

      await influx.createDatabase('clients');
      expect(await influx.getDatabaseNames()).toContain('clients');

      await influx.writePoints([
        { measurement: 'sensor', tags: { room: 'kitchen' }, fields: { temp: 21.5, count: 3, label: 'a "quoted", spaced label', ok: true }, timestamp: toNanoDate('1700000000000000001') },
        { measurement: 'sensor', tags: { room: 'kitchen' }, fields: { temp: -0.25, count: -9007199254740991, label: 'ünïcödé', ok: false }, timestamp: toNanoDate('1700000000000000002') },
      ]);
      // Second precision, as dashboards and agents often send.
      await influx.writePoints([{ measurement: 'sensor', tags: { room: 'hall' }, fields: { temp: 19 }, timestamp: 1_700_000_100 }], { precision: 's' });
      // A type conflict comes back as the error InfluxDB would send (a client without a schema).
      const free = new InfluxDB({ host: '127.0.0.1', port: server.port, database: 'clients' });
      await free.writePoints([{ measurement: 'free', fields: { v: 1.5 } }]);
      const conflict = 'partial write: field type conflict: input field "v" on measurement "free" is type string, already exists as type float dropped=1';
      await expect(free.writePoints([{ measurement: 'free', fields: { v: 'text' } }])).rejects.toThrow(
        `A 400 Bad Request error occurred: ${JSON.stringify({ error: conflict })}`,
      );

      // Reading back through the client's query API: exact ns times and every type.
      const rows = await influx.query<{ time: { getNanoTime(): string }; temp: number; count: number; label: string; ok: boolean; room: string }>(
        `SELECT temp, "count", label, ok, room FROM sensor WHERE room = 'kitchen'`,
        { precision: 'n' },
      );
      expect(rows.map((r) => [r.time.getNanoTime(), r.temp, r.count, r.label, r.ok, r.room])).toEqual([
        ['1700000000000000001', 21.5, 3, 'a "quoted", spaced label', true, 'kitchen'],
        ['1700000000000000002', -0.25, -9007199254740991, 'ünïcödé', false, 'kitchen'],
      ]);
      const grouped = await influx.query<{ room: string; max: number }>('SELECT max(temp) FROM sensor GROUP BY room');
      expect(grouped.map((r) => [r.room, r.max])).toEqual([
        ['hall', 19],
        ['kitchen', 21.5],
      ]);

      await influx.dropDatabase('scratch').catch(() => undefined);
      await influx.createDatabase('scratch');
      await influx.dropDatabase('scratch');
      expect(await influx.getDatabaseNames()).not.toContain('scratch');
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }

    expect(await readAll(dataDir, 'clients', 'sensor,room=kitchen', 'temp')).toEqual([
      [1700000000000000001n, 21.5],
      [1700000000000000002n, -0.25],
    ]);
    expect(await readAll(dataDir, 'clients', 'sensor,room=kitchen', 'count')).toEqual([
      [1700000000000000001n, 3],
      [1700000000000000002n, -9007199254740991],
    ]);
    expect(await readAll(dataDir, 'clients', 'sensor,room=kitchen', 'label')).toEqual([
      [1700000000000000001n, 'a "quoted", spaced label'],
      [1700000000000000002n, 'ünïcödé'],
    ]);
    expect(await readAll(dataDir, 'clients', 'sensor,room=kitchen', 'ok')).toEqual([
      [1700000000000000001n, true],
      [1700000000000000002n, false],
    ]);
    expect(await readAll(dataDir, 'clients', 'sensor,room=hall', 'temp')).toEqual([[1700000100000000000n, 19]]);
  }, 60_000);
});
