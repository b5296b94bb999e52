import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLock, DataDirLockedError, LOCK_FILE } from './data-dir-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-lock-'));
  dirs.push(d);
  return d;
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('DataDirLock', () => {
  it('refuses a second owner while the first is alive, naming its pid and what to do', () => {
    const dir = tempDir();
    const first = DataDirLock.acquire(dir);
    // The test process itself is alive: pretend another pid asks.
    expect(() => DataDirLock.acquire(dir, process.pid + 1)).toThrow(new DataDirLockedError(dir, process.pid));
    first.release();
    const second = DataDirLock.acquire(dir, process.pid + 1);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid + 1}\n`);
    second.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('takes over a lock left by a process that no longer exists', () => {
    const dir = tempDir();
    const gone = deadPid();
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${gone}\n`);
    const lock = DataDirLock.acquire(dir);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });

  it('does not remove a lock that another process has taken since', () => {
    const dir = tempDir();
    const lock = DataDirLock.acquire(dir);
    fs.writeFileSync(path.join(dir, LOCK_FILE), '424242\n');
    lock.release();
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe('424242\n');
  });
});
