import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FieldType } from '@shoal/lineproto';
import { DatabaseNotFoundError, LocalCatalog, type Catalog, NS_PER_HOUR, RetentionPolicyNotFoundError, TSDBStore, valueAt } from '@shoal/tsdb';
import { LocalPointsWriter } from './local-points-writer.js';

const logger = pino({ level: 'silent' });
const NOW = 1_700_000_000_000_000_000n;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function setup(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-writer-'))) {
  dirs.push(dir);
  const catalog = await LocalCatalog.open({ dir: path.join(dir, 'meta') });
  const store = await TSDBStore.open({ dir, logger });
  const writer = new LocalPointsWriter({ catalog, store, logger, nowNs: () => NOW });
  const close = async () => {
    await writer.close();
    await store.close();
    await catalog.close();
  };
  return { dir, catalog, store, writer, close };
}

async function read(store: TSDBStore, db: string, seriesKey: string, field: string): Promise<Array<[bigint, unknown]>> {
  const out: Array<[bigint, unknown]> = [];
  for (const { shard } of store.list(db)) {
    const info = shard.index.get(seriesKey);
    if (!info) continue;
    for await (const c of shard.readField(info.id, field)) {
      if (c.kind === 'points') for (let i = 0; i < c.data.count; i++) out.push([c.data.times[i]!, valueAt(c.data, i)]);
    }
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

const body = (s: string): Buffer => Buffer.from(s);

describe('LocalPointsWriter', () => {
  it('stores points and fixes their field types in the catalog', async () => {
    const { catalog, store, writer, close } = await setup();
    await catalog.createDatabase('db');
    const out = await writer.write({ database: 'db', precision: 's', body: body('cpu,host=a v=1i,f=0.5 1700000000\ncpu,host=a v=2i 1700000001') });
    expect(out).toMatchObject({ written: 2, parseErrorCount: 0, dropped: 0 });
    expect(await read(store, 'db', 'cpu,host=a', 'v')).toEqual([
      [1_700_000_000_000_000_000n, 2 - 1],
      [1_700_000_001_000_000_000n, 2],
    ]);
    expect(catalog.fieldType('db', 'cpu', 'f')).toBe(FieldType.Float);
    await close();
  });

  it('stores the good lines of a batch with bad ones and reports each bad line in InfluxDB wording', async () => {
    const { catalog, store, writer, close } = await setup();
    await catalog.createDatabase('db');
    const out = await writer.write({ database: 'db', precision: 'ns', body: body('m v=1 1\nm v= 2\nm v=3 3\nm,x v=4 4') });
    expect(out.written).toBe(2);
    expect(out.parseErrorCount).toBe(2);
    expect(out.parseErrors[0]).toMatch(/^unable to parse 'm v= 2': /);
    expect(await read(store, 'db', 'm', 'v')).toEqual([
      [1n, 1],
      [3n, 3],
    ]);
    await close();
  });

  it('drops points whose field type conflicts, with InfluxDB wording, and keeps the rest', async () => {
    const { catalog, store, writer, close } = await setup();
    await catalog.createDatabase('db');
    await writer.write({ database: 'db', precision: 'ns', body: body('m v=1i 1') });
    const out = await writer.write({ database: 'db', precision: 'ns', body: body('m v=1.5 2\nm v=3i 3\nm w="a" 4\nm w=5i 5') });
    expect(out.written).toBe(2);
    expect(out.dropped).toBe(2);
    expect(out.dropReason).toBe('field type conflict: input field "v" on measurement "m" is type float, already exists as type integer');
    expect(await read(store, 'db', 'm', 'v')).toEqual([
      [1n, 1],
      [3n, 3],
    ]);
    expect(catalog.fieldType('db', 'm', 'w')).toBe(FieldType.String);
    await close();
  });

  it('drops points older than the retention policy keeps', async () => {
    const { catalog, writer, close } = await setup();
    await catalog.createDatabase('db', { name: 'short', durationNs: 2n * NS_PER_HOUR });
    const old = NOW - 3n * NS_PER_HOUR;
    const out = await writer.write({ database: 'db', precision: 'ns', body: body(`m v=1 ${old}\nm v=2 ${NOW}`) });
    expect(out).toMatchObject({ written: 1, dropped: 1, dropReason: 'points beyond retention policy' });
    await close();
  });

  it('gives points without a timestamp the server time', async () => {
    const { catalog, store, writer, close } = await setup();
    await catalog.createDatabase('db');
    await writer.write({ database: 'db', precision: 'ns', body: body('m v=1') });
    expect(await read(store, 'db', 'm', 'v')).toEqual([[NOW, 1]]);
    await close();
  });

  it('refuses a tag named time as InfluxDB does, counting it as dropped', async () => {
    const { catalog, writer, close } = await setup();
    await catalog.createDatabase('db');
    const out = await writer.write({ database: 'db', precision: 'ns', body: body('m,time=x v=1 1\nm v=1 1') });
    expect(out.written).toBe(1);
    expect(out.dropped).toBe(1);
    expect(out.dropReason).toContain('input tag "time" on measurement "m" is invalid');
    await close();
  });

  it('spreads a batch over the shard groups its times fall in, and it survives a restart', async () => {
    const first = await setup();
    await first.catalog.createDatabase('db', { name: 'daily', durationNs: 0n, shardGroupDurationNs: 24n * NS_PER_HOUR });
    const day = 24n * 3600n;
    const lines = [0n, 1n, 2n].map((d) => `m,h=a v=${d}i ${1_699_920_000n + d * day}`).join('\n');
    const out = await first.writer.write({ database: 'db', precision: 's', body: body(lines) });
    expect(out.written).toBe(3);
    expect(first.catalog.shardGroups('db').length).toBe(3);
    expect(first.store.list('db').length).toBe(3);
    // Crash-like: no flush, just drop the process state; the WAL has everything.
    await first.close();
    const again = await setup(first.dir);
    expect((await read(again.store, 'db', 'm,h=a', 'v')).map((p) => p[1])).toEqual([0, 1, 2]);
    await again.close();
  });

  it('lets exactly one type win when concurrent writes introduce the same field with different types', async () => {
    const { catalog, writer, close } = await setup();
    await catalog.createDatabase('db');
    const [a, b] = await Promise.all([
      writer.write({ database: 'db', precision: 'ns', body: body('m v=1i 1') }),
      writer.write({ database: 'db', precision: 'ns', body: body('m v=1.5 2') }),
    ]);
    expect(a.written + b.written).toBe(1);
    expect(a.dropped + b.dropped).toBe(1);
    await close();
  });

  it('names the missing database or policy', async () => {
    const { catalog, writer, close } = await setup();
    await expect(writer.write({ database: 'nope', precision: 'ns', body: body('m v=1') })).rejects.toBeInstanceOf(DatabaseNotFoundError);
    await catalog.createDatabase('db');
    await expect(writer.write({ database: 'db', retentionPolicy: 'nope', precision: 'ns', body: body('m v=1') })).rejects.toBeInstanceOf(
      RetentionPolicyNotFoundError,
    );
    await close();
  });

  it('catches up once with META before refusing a write to a database its copy does not hold yet', async () => {
    const { catalog, store, close } = await setup();
    await catalog.createDatabase('db');
    // A copy that trails: it hides `db` until caught up, as a MetaCatalog whose Watch has not yet
    // brought in a database the CLI just created.
    let catchUps = 0;
    const trailing: Catalog = Object.create(catalog, {
      retentionPolicy: {
        value: (db: string, rp?: string) => {
          if (catchUps === 0) throw new DatabaseNotFoundError(db);
          return catalog.retentionPolicy(db, rp);
        },
      },
      catchUp: { value: async () => void catchUps++ },
    });
    const writer = new LocalPointsWriter({ catalog: trailing, store, logger, nowNs: () => NOW });
    expect(await writer.write({ database: 'db', precision: 's', body: body('m v=1i 1700000000') })).toMatchObject({ written: 1 });
    expect(catchUps).toBe(1);
    // Still missing after catching up: refused, after one round only.
    await expect(writer.write({ database: 'nope', precision: 'ns', body: body('m v=1') })).rejects.toBeInstanceOf(DatabaseNotFoundError);
    expect(catchUps).toBe(2);
    expect(await read(store, 'db', 'm', 'v')).toEqual([[NOW, 1]]);
    await writer.close();
    await close();
  });
});
