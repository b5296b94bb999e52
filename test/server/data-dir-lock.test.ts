// One shoal server per data directory, across real processes: a second one refuses to start with
// an error naming the owner, and a lock left by a SIGKILLed server does not block a restart.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ServerProcess } from '../support/server-process.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-dir-lock-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('data directory lock', () => {
  it('refuses a second server on the same directory and lets a restart after SIGKILL take over', async () => {
    const dataDir = path.join(root, 'data');
    const first = await ServerProcess.start(dataDir);
    try {
      const refused = ServerProcess.start(dataDir);
      await expect(refused).rejects.toThrow('shoal server exited with 1 while starting');
      await expect(refused).rejects.toThrow(
        `\nshoal: cannot use data directory ${dataDir}: in use by another shoal process (pid ${first.child.pid}); stop it first`,
      );
    } finally {
      await first.stop('SIGKILL');
    }
    const again = await ServerProcess.start(dataDir);
    expect(await again.stop('SIGTERM')).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'shoal.lock'))).toBe(false);
  }, 60_000);
});
