// The data directory as a DATA node takes it at start-up: created if needed, proven writable, and
// locked for this process; every failure is a DataDirError naming the directory and the reason.

import { constants as fsConstants } from 'node:fs';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataDirLock, DataDirLockedError } from './data-dir-lock.js';

/** The data directory cannot be created, written or used. */
export class DataDirError extends Error {
  override name = 'DataDirError';
  constructor(
    readonly dir: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`cannot use data directory ${dir}: ${reason}`);
  }
}

const DATA_DIR_REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOTDIR: 'not a directory',
  EEXIST: 'not a directory',
  ENOSPC: 'no space left on device',
};

/** Creates the directory if needed and proves it writable with a probe file. */
export async function ensureWritableDir(dir: string): Promise<void> {
  const fail = (err: unknown): never => {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataDirError(dir, code, (code !== undefined ? DATA_DIR_REASONS[code] : undefined) ?? (err as Error).message);
  };
  await mkdir(dir, { recursive: true }).catch(fail);
  await access(dir, fsConstants.W_OK).catch(fail);
  // access() trusts mode bits; root ignores them and read-only mounts need an actual write.
  const probe = join(dir, `.shoal-write-probe-${process.pid}`);
  await writeFile(probe, '').catch(fail);
  await rm(probe, { force: true });
}

/** Takes the data directory's lock, reporting a held one as the DataDirError operators see. */
export function lockDataDir(dir: string): DataDirLock {
  try {
    return DataDirLock.acquire(dir);
  } catch (err) {
    if (err instanceof DataDirLockedError) throw new DataDirError(dir, 'ELOCKED', err.message);
    throw err;
  }
}
