// Write-ahead log of one shard. A write is acknowledged only after the fsync that covers its
// record; concurrent writes share fsyncs (group commit), so throughput grows with concurrency
// instead of being capped at one write per disk flush.
//
// On disk: `<dir>/<segmentId as 16 hex digits>.wal`, each a sequence of frames
//   u32 LE  payloadLength
//   u32 LE  CRC-32 (IEEE, zlib.crc32) of the payload
//   payload (payloadLength bytes)
// The payload's meaning belongs to the caller (see shard-wal-record.ts). A frame that is cut short
// or fails its checksum marks the end of the segment: everything after it was never acknowledged
// because it was not fsynced (only the newest segment can legitimately end that way; an older one
// is reported as corruption).

import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { fsyncDir } from './durable-file.js';
import { CorruptionError } from './errors.js';

export const WAL_FRAME_HEADER_BYTES = 8;
/** A single record larger than this is refused: it bounds replay memory and catches runaway callers. */
export const WAL_RECORD_BYTES_MAX = 64 * 1024 * 1024;
const SEGMENT_SUFFIX = '.wal';

export interface WalOptions {
  readonly dir: string;
  /** Start a new segment once the current one reaches this size. */
  readonly segmentBytesMax?: number;
  /** Test hook and an operator switch for throwaway data: skip fsync (acknowledges unsynced data). */
  readonly fsync?: boolean;
}

type Waiter = { resolve: () => void; reject: (err: Error) => void };

/** One open segment file with its own group-commit state. */
class Segment {
  bytes: number;
  private waiting: Waiter[] = [];
  private syncing = false;
  private closed = false;
  private failed: Error | undefined;
  private idle: Array<() => void> = [];

  constructor(
    readonly id: number,
    readonly file: string,
    private readonly fd: number,
    initialBytes: number,
    private readonly fsyncEnabled: boolean,
  ) {
    this.bytes = initialBytes;
  }

  /** Appends one frame synchronously to the page cache; the promise settles after fsync. */
  append(parts: readonly Uint8Array[], payloadBytes: number): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const header = Buffer.allocUnsafe(WAL_FRAME_HEADER_BYTES);
    let crc = 0;
    for (const p of parts) crc = crc32(p, crc);
    header.writeUInt32LE(payloadBytes, 0);
    header.writeUInt32LE(crc >>> 0, 4);
    writeFully(this.fd, header);
    for (const p of parts) writeFully(this.fd, p);
    this.bytes += WAL_FRAME_HEADER_BYTES + payloadBytes;
    if (!this.fsyncEnabled) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.syncSoon();
    });
  }

  private syncSoon(): void {
    if (this.syncing || this.waiting.length === 0) return;
    this.syncing = true;
    // Everything appended so far is covered by this fsync; later appends wait for the next one.
    const batch = this.waiting;
    this.waiting = [];
    fs.fdatasync(this.fd, (err) => {
      this.syncing = false;
      if (err) {
        // A failed fsync leaves the page cache state unknown (fsyncgate): fail this segment for good.
        this.failed = new Error(`WAL fsync failed on ${this.file}: ${err.message}`);
        for (const w of batch) w.reject(this.failed);
        for (const w of this.waiting) w.reject(this.failed);
        this.waiting = [];
      } else {
        for (const w of batch) w.resolve();
      }
      if (this.waiting.length > 0) this.syncSoon();
      else this.notifyIdle();
    });
  }

  private notifyIdle(): void {
    const idle = this.idle;
    this.idle = [];
    for (const f of idle) f();
  }

  /** Waits for outstanding fsyncs, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.syncing || this.waiting.length > 0) {
      await new Promise<void>((r) => this.idle.push(r));
    }
    await new Promise<void>((resolve, reject) => fs.close(this.fd, (err) => (err ? reject(err) : resolve())));
  }
}

function writeFully(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

function segmentName(id: number): string {
  return id.toString(16).padStart(16, '0') + SEGMENT_SUFFIX;
}

export interface WalReplayStats {
  readonly segments: number;
  readonly records: number;
  readonly bytes: number;
  /** Bytes cut from the end of the newest segment (a torn, never-acknowledged write). */
  readonly truncatedBytes: number;
}

export class Wal {
  private current!: Segment;
  /** Segments that were rotated out and still hold data not yet flushed to blocks. */
  private sealed: number[] = [];
  private readonly segmentBytesMax: number;
  private readonly fsyncEnabled: boolean;

  private constructor(readonly dir: string, opts: WalOptions) {
    this.segmentBytesMax = opts.segmentBytesMax ?? 128 * 1024 * 1024;
    this.fsyncEnabled = opts.fsync ?? true;
  }

  /**
   * Opens the WAL, handing every intact record of every existing segment to `replay` in order,
   * then starts a fresh segment for new writes (old segments stay until `removeSealedUpTo`).
   */
  static async open(opts: WalOptions, replay: (payload: Buffer) => void): Promise<{ wal: Wal; stats: WalReplayStats }> {
    const wal = new Wal(opts.dir, opts);
    fs.mkdirSync(opts.dir, { recursive: true });
    const ids = listSegments(opts.dir);
    let records = 0;
    let bytes = 0;
    let truncatedBytes = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const file = path.join(opts.dir, segmentName(id));
      const data = fs.readFileSync(file);
      const { end, count } = scanFrames(data, replay);
      records += count;
      bytes += end;
      if (end < data.length) {
        if (i !== ids.length - 1) {
          throw new CorruptionError(`WAL segment ${file} is damaged at byte ${end} of ${data.length} and is not the newest segment`);
        }
        truncatedBytes = data.length - end;
        fs.truncateSync(file, end);
      }
      wal.sealed.push(id);
    }
    const nextId = ids.length > 0 ? ids[ids.length - 1]! + 1 : 1;
    wal.current = wal.openSegment(nextId);
    return { wal, stats: { segments: ids.length, records, bytes, truncatedBytes } };
  }

  private openSegment(id: number): Segment {
    const file = path.join(this.dir, segmentName(id));
    const fd = fs.openSync(file, 'a');
    // The new file's directory entry must be durable before records in it are acknowledged.
    if (this.fsyncEnabled) fsyncDir(this.dir);
    return new Segment(id, file, fd, 0, this.fsyncEnabled);
  }

  /** Appends one record; resolves once it is durable. `parts` are concatenated as the payload. */
  append(parts: readonly Uint8Array[]): Promise<void> {
    let payloadBytes = 0;
    for (const p of parts) payloadBytes += p.length;
    if (payloadBytes > WAL_RECORD_BYTES_MAX) {
      return Promise.reject(new RangeError(`WAL record of ${payloadBytes} bytes exceeds the ${WAL_RECORD_BYTES_MAX}-byte limit`));
    }
    const p = this.current.append(parts, payloadBytes);
    if (this.current.bytes >= this.segmentBytesMax) void this.rotate().catch(() => undefined);
    return p;
  }

  /**
   * Seals the current segment and starts the next; returns the id of the last sealed segment, so
   * that once everything written before now is flushed, `removeSealedUpTo(id)` can drop the log.
   */
  async rotate(): Promise<number> {
    const old = this.current;
    this.current = this.openSegment(old.id + 1);
    this.sealed.push(old.id);
    await old.close();
    return old.id;
  }

  /**
   * Deletes sealed segments with id ≤ `id`; their contents must be durable elsewhere. The removal
   * itself is made durable: a delete of data flushes it out of the log and then rewrites the
   * blocks, and a segment that came back after a power loss would replay the deleted points.
   */
  removeSealedUpTo(id: number): void {
    const keep: number[] = [];
    let removed = false;
    for (const s of this.sealed) {
      if (s <= id) {
        fs.rmSync(path.join(this.dir, segmentName(s)), { force: true });
        removed = true;
      } else keep.push(s);
    }
    this.sealed = keep;
    if (removed && this.fsyncEnabled) fsyncDir(this.dir);
  }

  /** Bytes held by the WAL on disk (sealed segments are estimated from the file system). */
  diskBytes(): number {
    let total = this.current.bytes;
    for (const s of this.sealed) {
      try {
        total += fs.statSync(path.join(this.dir, segmentName(s))).size;
      } catch {
        // removed concurrently
      }
    }
    return total;
  }

  get currentSegmentId(): number {
    return this.current.id;
  }

  async close(): Promise<void> {
    await this.current.close();
  }
}

function listSegments(dir: string): number[] {
  const ids: number[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith(SEGMENT_SUFFIX)) continue;
    const id = Number.parseInt(name.slice(0, -SEGMENT_SUFFIX.length), 16);
    if (Number.isSafeInteger(id)) ids.push(id);
  }
  return ids.sort((a, b) => a - b);
}

/** Calls `onRecord` for every intact frame; returns where the intact prefix ends. */
export function scanFrames(data: Buffer, onRecord: (payload: Buffer) => void): { end: number; count: number } {
  let off = 0;
  let count = 0;
  while (off + WAL_FRAME_HEADER_BYTES <= data.length) {
    const len = data.readUInt32LE(off);
    const crc = data.readUInt32LE(off + 4);
    const start = off + WAL_FRAME_HEADER_BYTES;
    if (len > WAL_RECORD_BYTES_MAX || start + len > data.length) break;
    const payload = data.subarray(start, start + len);
    if (crc32(payload) >>> 0 !== crc) break;
    onRecord(payload);
    count++;
    off = start + len;
  }
  return { end: off, count };
}
