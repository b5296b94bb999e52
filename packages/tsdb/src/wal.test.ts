import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptionError } from './errors.js';
import { Wal, scanFrames } from './wal.js';

const dirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-wal-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function reopen(dir: string): Promise<{ wal: Wal; records: string[]; truncatedBytes: number }> {
  const records: string[] = [];
  const { wal, stats } = await Wal.open({ dir }, (p) => records.push(p.toString()));
  return { wal, records, truncatedBytes: stats.truncatedBytes };
}

describe('Wal', () => {
  it('replays every acknowledged record in order after reopening', async () => {
    const dir = tmpDir();
    const { wal } = await reopen(dir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => wal.append([Buffer.from(`rec-`), Buffer.from(String(i))])));
    await wal.close();
    const again = await reopen(dir);
    expect(again.records).toEqual(Array.from({ length: 50 }, (_, i) => `rec-${i}`));
    await again.wal.close();
  });

  it('concatenates the parts of a record into one payload', async () => {
    const dir = tmpDir();
    const { wal } = await reopen(dir);
    await wal.append([Buffer.from('a'), Buffer.from(''), Buffer.from('bc')]);
    await wal.close();
    const again = await reopen(dir);
    expect(again.records).toEqual(['abc']);
    await again.wal.close();
  });

  it('cuts a torn record off the end of the newest segment and keeps the intact ones', async () => {
    const dir = tmpDir();
    const { wal } = await reopen(dir);
    await wal.append([Buffer.from('first')]);
    await wal.append([Buffer.from('second')]);
    const seg = wal.currentSegmentId;
    await wal.close();
    const file = path.join(dir, seg.toString(16).padStart(16, '0') + '.wal');
    const size = fs.statSync(file).size;
    fs.truncateSync(file, size - 3);
    const again = await reopen(dir);
    expect(again.records).toEqual(['first']);
    expect(again.truncatedBytes).toBe(8 + 'second'.length - 3);
    await again.wal.close();
  });

  it('stops at a record whose checksum fails instead of returning damaged bytes', () => {
    const frames: Buffer[] = [];
    for (const s of ['one', 'two']) {
      const h = Buffer.alloc(8);
      h.writeUInt32LE(s.length, 0);
      h.writeUInt32LE(0xdeadbeef, 4);
      frames.push(h, Buffer.from(s));
    }
    const seen: string[] = [];
    const { end, count } = scanFrames(Buffer.concat(frames), (p) => seen.push(p.toString()));
    expect(count).toBe(0);
    expect(end).toBe(0);
    expect(seen).toEqual([]);
  });

  it('refuses to open when an older segment is damaged, since its records were acknowledged', async () => {
    const dir = tmpDir();
    const { wal } = await reopen(dir);
    await wal.append([Buffer.from('old')]);
    const sealed = await wal.rotate();
    await wal.append([Buffer.from('new')]);
    await wal.close();
    const file = path.join(dir, sealed.toString(16).padStart(16, '0') + '.wal');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(file, bytes);
    await expect(Wal.open({ dir }, () => undefined)).rejects.toBeInstanceOf(CorruptionError);
  });

  it('drops sealed segments once their contents are flushed and keeps newer ones', async () => {
    const dir = tmpDir();
    const { wal } = await reopen(dir);
    await wal.append([Buffer.from('a')]);
    const sealed = await wal.rotate();
    await wal.append([Buffer.from('b')]);
    wal.removeSealedUpTo(sealed);
    await wal.close();
    const again = await reopen(dir);
    expect(again.records).toEqual(['b']);
    await again.wal.close();
  });

  it('starts a new segment when one grows past its size limit', async () => {
    const dir = tmpDir();
    const { wal } = await Wal.open({ dir, segmentBytesMax: 100 }, () => undefined);
    for (let i = 0; i < 10; i++) await wal.append([Buffer.alloc(40, i)]);
    await wal.close();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.wal')).length).toBeGreaterThan(3);
    const again = await reopen(dir);
    expect(again.records.length).toBe(10);
    await again.wal.close();
  });

  it('refuses a record larger than the record limit without writing it', async () => {
    const dir = tmpDir();
    const { wal } = await reopen(dir);
    await expect(wal.append([Buffer.alloc(64 * 1024 * 1024 + 1)])).rejects.toThrow(/exceeds/);
    await wal.close();
    const again = await reopen(dir);
    expect(again.records).toEqual([]);
    await again.wal.close();
  });
});
