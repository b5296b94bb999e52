import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FieldType } from '@shoal/lineproto';
import { executeQuery, formatJson, type QueryPorts } from '@shoal/influxql';
import { LocalCatalog, TSDBStore } from '@shoal/tsdb';
import { LocalDeletes } from './local-deletes.js';
import { LocalPointsWriter } from './local-points-writer.js';

const logger = pino({ level: 'silent' });
/** 2016-01-01T00:00:00Z */
const T0_S = 1451606400;
const HOUR_S = 3600;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A node's storage, write path and query ports, with the deletes wired as DataNode wires them. */
async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-deletes-'));
  dirs.push(dir);
  const catalog = await LocalCatalog.open({ dir: path.join(dir, 'meta') });
  const store = await TSDBStore.open({ dir, logger });
  const writer = new LocalPointsWriter({ catalog, store, logger });
  const ports: QueryPorts = { catalog, shard: (id) => store.shard(id), deletes: new LocalDeletes(catalog, store) };
  const query = async (q: string): Promise<unknown> => {
    let text = '';
    for await (const doc of executeQuery(q, { db: 'db' }, ports)) text += formatJson(doc, { epoch: 's' });
    return JSON.parse(text);
  };
  const write = async (lines: string): Promise<void> => {
    const out = await writer.write({ database: 'db', precision: 's', body: Buffer.from(lines) });
    if (out.written === 0) throw new Error(out.dropReason ?? out.parseErrors[0] ?? 'nothing written');
  };
  const close = async () => {
    await writer.close();
    await store.close();
    await catalog.close();
  };
  await catalog.createDatabase('db', { name: 'hourly', shardGroupDurationNs: BigInt(HOUR_S) * 1_000_000_000n });
  return { catalog, store, writer, query, write, close };
}

/** The values of the first series of the first result, or [] when there is none. */
function rows(answer: unknown): unknown[][] {
  const r = (answer as { results: Array<{ series?: Array<{ values: unknown[][] }>; error?: string }> }).results[0]!;
  if (r.error !== undefined) throw new Error(r.error);
  return r.series?.[0]?.values ?? [];
}

describe('LocalDeletes', () => {
  it('DELETE removes the points of the matching series in the range, touching only shards whose groups overlap it', async () => {
    const { store, query, write, close } = await setup();
    // Three one-hour shard groups, two hosts.
    for (const h of [0, 1, 2]) await write(`cpu,host=a v=${h}i ${T0_S + h * HOUR_S}\ncpu,host=a v=${h + 10}i ${T0_S + h * HOUR_S + 60}\ncpu,host=b v=${h}i ${T0_S + h * HOUR_S}`);
    expect(await query(`DELETE FROM cpu WHERE host = 'a' AND time >= ${T0_S + HOUR_S}s AND time <= ${T0_S + HOUR_S + 60}s`)).toEqual({ results: [{ statement_id: 0 }] });
    expect(rows(await query("SELECT v FROM cpu WHERE host = 'a'"))).toEqual([
      [T0_S, 0],
      [T0_S + 60, 10],
      [T0_S + 2 * HOUR_S, 2],
      [T0_S + 2 * HOUR_S + 60, 12],
    ]);
    expect(rows(await query("SELECT count(v) FROM cpu WHERE host = 'b'"))).toEqual([[0, 3]]);
    expect(store.list('db').map((s) => s.shard.stats().deletes)).toEqual([0, 1, 0]);
    // The middle shard lost every point of host a: it no longer has the series.
    expect(store.list('db').map((s) => s.shard.index.match('cpu').length)).toEqual([2, 1, 2]);
    expect(rows(await query('SHOW SERIES'))).toEqual([['cpu,host=a'], ['cpu,host=b']]);
    expect(store.stats()).toMatchObject({ series: 5, deletes: 1, valuesDeleted: 2 });
    await close();
  });

  it('DROP SERIES removes the matching series from every shard and from SHOW answers, and the series can be written again', async () => {
    const { query, write, close } = await setup();
    await write(`cpu,host=a,dc=x v=1i ${T0_S}\ncpu,host=b,dc=y v=2i ${T0_S}\ncpu,host=a,dc=x v=3i ${T0_S + HOUR_S}\nmem,host=a free=4i ${T0_S}`);
    await query('DROP SERIES WHERE host =~ /^a/ AND dc = \'x\'');
    expect(rows(await query('SHOW SERIES'))).toEqual([['cpu,dc=y,host=b'], ['mem,host=a']]);
    expect(rows(await query('SHOW TAG VALUES FROM cpu WITH KEY = host'))).toEqual([['host', 'b']]);
    await write(`cpu,host=a,dc=x v=5i ${T0_S + 2 * HOUR_S}`);
    expect(rows(await query("SELECT v FROM cpu WHERE host = 'a'"))).toEqual([[T0_S + 2 * HOUR_S, 5]]);
    await close();
  });

  it('DROP MEASUREMENT removes its series and forgets its field types, so another type can be written', async () => {
    const { catalog, query, write, writer, close } = await setup();
    await write(`cpu,host=a v=1i ${T0_S}\ncpu,host=b v=2i ${T0_S + HOUR_S}\nmem,host=a v=3i ${T0_S}`);
    const conflict = await writer.write({ database: 'db', precision: 's', body: Buffer.from(`cpu,host=a v=1.5 ${T0_S}`) });
    expect(conflict.dropReason).toMatch(/field type conflict/);
    await query('DROP MEASUREMENT cpu');
    expect(rows(await query('SHOW MEASUREMENTS'))).toEqual([['mem']]);
    expect(catalog.fields('db', 'cpu').size).toBe(0);
    expect(catalog.fieldType('db', 'mem', 'v')).toBe(FieldType.Integer);
    await write(`cpu,host=a v=1.5 ${T0_S}`);
    expect(rows(await query('SHOW FIELD KEYS FROM cpu'))).toEqual([['v', 'float']]);
    expect(rows(await query('SELECT v FROM cpu'))).toEqual([[T0_S, 1.5]]);
    await close();
  });

  it('DROP MEASUREMENT keeps the field types when a write brought the measurement back meanwhile', async () => {
    const { catalog, store, query, write, close } = await setup();
    await write(`cpu,host=a v=1i ${T0_S}`);
    const shard = store.list('db')[0]!.shard;
    const deleteSeriesRange = shard.deleteSeriesRange.bind(shard);
    shard.deleteSeriesRange = async (ids, minNs, maxNs) => {
      await deleteSeriesRange(ids, minNs, maxNs);
      await write(`cpu,host=b v=2i ${T0_S}`);
    };
    await query('DROP MEASUREMENT cpu');
    expect(rows(await query('SHOW SERIES'))).toEqual([['cpu,host=b']]);
    expect(catalog.fieldType('db', 'cpu', 'v')).toBe(FieldType.Integer);
    await close();
  });
});
