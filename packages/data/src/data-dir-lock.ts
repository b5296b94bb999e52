// One server per data directory: a lock file holding the owner's process id, created with O_EXCL
// so two servers starting at once cannot both take it. A lock left by a process that no longer
// exists (a crash, SIGKILL) is taken over; one held by a live process refuses the start.

import fs from 'node:fs';
import path from 'node:path';

export const LOCK_FILE = 'shoal.lock';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly dir: string,
    readonly ownerPid: number,
  ) {
    super(`in use by another shoal process (pid ${ownerPid}); stop it first, or remove ${path.join(dir, LOCK_FILE)} if no shoal runs there`);
  }
}

export class DataDirLock {
  private constructor(
    private readonly file: string,
    private readonly pid: number,
  ) {}

  /** Takes the directory's lock; throws DataDirLockedError while another live process holds it. */
  static acquire(dir: string, pid: number = process.pid): DataDirLock {
    const file = path.join(dir, LOCK_FILE);
    // Two rounds at most: the second follows the removal of a stale lock.
    for (let round = 0; round < 2; round++) {
      try {
        const fd = fs.openSync(file, 'wx');
        try {
          fs.writeSync(fd, `${pid}\n`);
        } finally {
          fs.closeSync(fd);
        }
        return new DataDirLock(file, pid);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = Number.parseInt(readOrEmpty(file), 10);
      if (Number.isSafeInteger(owner) && owner !== pid && isAlive(owner)) throw new DataDirLockedError(dir, owner);
      fs.rmSync(file, { force: true });
    }
    throw new Error(`could not take the lock ${file}: it keeps reappearing`);
  }

  /** Gives the lock up, if it is still ours. */
  release(): void {
    if (Number.parseInt(readOrEmpty(this.file), 10) === this.pid) fs.rmSync(this.file, { force: true });
  }
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
