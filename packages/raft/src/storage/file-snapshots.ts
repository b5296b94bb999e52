// SnapshotStore on plain files. A snapshot is written to a temporary file, fsynced, renamed into
// place and the directory fsynced, so a crash leaves the old snapshot or the new one, whole. The
// file ends with a CRC32 of everything before it; a file that fails the check is skipped.
//
// Layout: "SHSN" | version u8 | meta length u32 | meta JSON | data length u64 | data | crc32 u32

import { open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { SnapshotMeta } from '../core/types.js';
import type { SnapshotStore, StoredSnapshot } from './interfaces.js';

const MAGIC = Buffer.from('SHSN');
const VERSION = 1;
/** Older snapshots kept as a fallback should the newest fail its checksum. */
const SNAPSHOTS_KEPT = 2;

export class FileSnapshotStore implements SnapshotStore {
  constructor(private readonly dir: string) {}

  async save(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    const metaJson = Buffer.from(JSON.stringify(meta), 'utf8');
    const header = Buffer.allocUnsafe(4 + 1 + 4);
    MAGIC.copy(header, 0);
    header.writeUInt8(VERSION, 4);
    header.writeUInt32BE(metaJson.length, 5);
    const len = Buffer.allocUnsafe(8);
    len.writeBigUInt64BE(BigInt(data.length));
    const body = [header, metaJson, len, data];
    let crc = 0;
    for (const part of body) crc = crc32(part, crc);
    const trailer = Buffer.allocUnsafe(4);
    trailer.writeUInt32BE(crc);
    const name = `snapshot-${String(meta.index).padStart(20, '0')}-${meta.term}.snap`;
    const tmp = join(this.dir, `${name}.tmp`);
    const fh = await open(tmp, 'w');
    try {
      for (const part of [...body, trailer]) await fh.write(part);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, name));
    const dirHandle = await open(this.dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
    await this.prune();
  }

  async latest(): Promise<StoredSnapshot | null> {
    for (const name of await this.list()) {
      const snap = await this.read(join(this.dir, name));
      if (snap !== null) return snap;
    }
    return null;
  }

  /** Snapshot files, newest first. */
  private async list(): Promise<string[]> {
    const names = (await readdir(this.dir)).filter((n) => n.startsWith('snapshot-') && n.endsWith('.snap'));
    return names.sort().reverse();
  }

  private async read(path: string): Promise<StoredSnapshot | null> {
    const buf = await readFile(path);
    if (buf.length < 4 + 1 + 4 + 8 + 4 || !buf.subarray(0, 4).equals(MAGIC) || buf.readUInt8(4) !== VERSION) return null;
    const stored = buf.readUInt32BE(buf.length - 4);
    if (crc32(buf.subarray(0, buf.length - 4)) !== stored) return null;
    const metaLen = buf.readUInt32BE(5);
    const meta = JSON.parse(buf.subarray(9, 9 + metaLen).toString('utf8')) as SnapshotMeta;
    const dataLen = Number(buf.readBigUInt64BE(9 + metaLen));
    const start = 9 + metaLen + 8;
    if (start + dataLen !== buf.length - 4) return null;
    return { meta, data: new Uint8Array(buf.subarray(start, start + dataLen)) };
  }

  private async prune(): Promise<void> {
    const names = await this.list();
    for (const old of names.slice(SNAPSHOTS_KEPT)) await rm(join(this.dir, old), { force: true });
    for (const n of await readdir(this.dir)) if (n.endsWith('.tmp')) await rm(join(this.dir, n), { force: true });
  }
}
