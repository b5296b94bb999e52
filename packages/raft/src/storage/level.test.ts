import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Entry } from '../core/types.js';
import { CorruptRecordError, decodeEntry, decodeHardState, encodeEntry, encodeHardState } from './codec.js';
import { FileSnapshotStore } from './file-snapshots.js';
import { LevelStorage } from './level.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'shoal-raft-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ent = (index: number, term: number, data = `d${index}`): Entry => ({ index, term, type: index === 1 ? 'conf' : 'normal', data: new TextEncoder().encode(data) });

describe('record codec', () => {
  it('round-trips entries and hard states and rejects a flipped bit', () => {
    const e = ent(7, 3, 'hello');
    expect(decodeEntry(encodeEntry(e))).toEqual(e);
    const hs = { term: 9, vote: 'n2', commit: 44 };
    expect(decodeHardState(encodeHardState(hs))).toEqual(hs);
    expect(decodeHardState(encodeHardState({ term: 1, vote: null, commit: 0 }))).toEqual({ term: 1, vote: null, commit: 0 });
    const raw = encodeEntry(e);
    raw[raw.length - 1]! ^= 1;
    expect(() => decodeEntry(raw)).toThrow(CorruptRecordError);
  });
});

describe('LevelStorage (classic-level)', () => {
  it('stores, truncates a conflicting suffix, deletes a prefix, and survives reopening', async () => {
    const dir = tmp();
    let s = await LevelStorage.open(dir);
    await s.persist({ hardState: { term: 2, vote: 'a', commit: 3 }, entries: [ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2)], resetLog: false, sync: true });
    expect([await s.firstIndex(), await s.lastIndex()]).toEqual([1, 4]);
    // A new leader's entries replace the suffix from index 3.
    await s.persist({ hardState: null, entries: [ent(3, 3, 'x')], resetLog: false, sync: true });
    expect(await s.lastIndex()).toBe(3);
    expect((await s.getLog(3))!.term).toBe(3);
    expect(await s.getLog(4)).toBeUndefined();
    await s.deleteRange(1, 1);
    expect(await s.firstIndex()).toBe(2);
    await s.close();
    s = await LevelStorage.open(dir);
    expect([await s.firstIndex(), await s.lastIndex()]).toEqual([2, 3]);
    expect((await s.getLogs(2, 3)).map((e) => [e.index, e.term])).toEqual([
      [2, 1],
      [3, 3],
    ]);
    expect(await s.getHardState()).toEqual({ term: 2, vote: 'a', commit: 3 });
    await s.close();
  });

  it('resets the whole log when a snapshot is installed', async () => {
    const s = await LevelStorage.open(tmp());
    await s.persist({ hardState: null, entries: [ent(1, 1), ent(2, 1)], resetLog: false, sync: true });
    await s.persist({ hardState: { term: 5, vote: null, commit: 50 }, entries: [], resetLog: true, sync: true });
    expect([await s.firstIndex(), await s.lastIndex()]).toEqual([0, 0]);
    await s.persist({ hardState: null, entries: [ent(51, 5)], resetLog: false, sync: true });
    expect([await s.firstIndex(), await s.lastIndex()]).toEqual([51, 51]);
    await s.close();
  });

  it('refuses a write that would leave a gap', async () => {
    const s = await LevelStorage.open(tmp());
    await s.persist({ hardState: null, entries: [ent(1, 1)], resetLog: false, sync: true });
    await expect(s.persist({ hardState: null, entries: [ent(3, 1)], resetLog: false, sync: true })).rejects.toThrow(/gap/);
    await s.close();
  });
});

describe('FileSnapshotStore', () => {
  const meta = (index: number) => ({ index, term: 2, conf: { voters: ['a', 'b', 'c'], learners: [] } });

  it('returns the newest snapshot and keeps one older one', async () => {
    const dir = tmp();
    const store = new FileSnapshotStore(dir);
    expect(await store.latest()).toBeNull();
    for (const i of [10, 20, 30]) await store.save(meta(i), new TextEncoder().encode(`state@${i}`));
    const latest = await store.latest();
    expect(latest!.meta.index).toBe(30);
    expect(new TextDecoder().decode(latest!.data)).toBe('state@30');
    expect(readdirSync(dir).length).toBe(2);
  });

  it('falls back to the previous snapshot when the newest is corrupt', async () => {
    const dir = tmp();
    const store = new FileSnapshotStore(dir);
    await store.save(meta(10), new Uint8Array([1, 2, 3]));
    await store.save(meta(20), new Uint8Array([4, 5, 6]));
    const newest = readdirSync(dir).sort().reverse()[0]!;
    writeFileSync(join(dir, newest), Buffer.from('SHSN garbage'));
    expect((await store.latest())!.meta.index).toBe(10);
  });
});
