// `shoal meta add|remove|transfer-leader` on real `shoal meta` processes: a second node is added
// to a one-node group, takes the leadership, hands it back and is removed again.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/server-process.js';
import { BIN, FAST, children, shoal, startMetaNode } from './shoal-process.js';

let base: string;
let a1: string;
let a2: string;

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run 'npx tsc -b' before these tests`);
  base = mkdtempSync(join(tmpdir(), 'shoal-cli-members-'));
  a1 = `127.0.0.1:${await freePort()}`;
  a2 = `127.0.0.1:${await freePort()}`;
  await startMetaNode(['--id', '1', '--peers', `1=${a1}`, '--dir', join(base, 'm1'), ...FAST]);
});

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  if (base !== undefined) rmSync(base, { recursive: true, force: true });
});

interface Members {
  leaderId: string | null;
  members: Array<{ id: string; address: string; voter: boolean }>;
}

describe('shoal meta add, transfer-leader and remove', () => {
  it('add a node as a voter once it runs, move the leadership to it and back, and remove it', async () => {
    // The add waits until the new node has caught up, so it is issued before the node starts.
    const adding = shoal(['meta', 'add', '2', a2, '--meta', a1, '--timeout', '30', '--json']);
    const node2 = await startMetaNode(['--id', '2', '--join', '--peers', `1=${a1},2=${a2}`, '--dir', join(base, 'm2'), ...FAST]);
    const added = await adding;
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const m = JSON.parse(added.stdout) as Members;
    expect(m.leaderId).toBe('1');
    expect(m.members).toContainEqual(expect.objectContaining({ id: '2', address: a2, voter: true }));

    let r = await shoal(['meta', 'transfer-leader', '2', '--meta', a1, '--timeout', '15']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+ADDRESS\s+VOTER\s+LEADER\n/);
    expect(r.stdout).toMatch(new RegExp(`\n2\\s+${a2}\\s+yes\\s+yes\n`));

    r = await shoal(['cluster', 'show', '--meta', a1, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).leader).toEqual({ id: '2', address: a2 });

    r = await shoal(['meta', 'transfer-leader', '1', '--meta', a1, '--timeout', '15', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Members).leaderId).toBe('1');

    // Half of a two-voter group stopped: no leader can answer, but cluster show still shows what
    // the reachable member says, and exits 1 with the usual message.
    node2.proc.kill('SIGSTOP');
    try {
      r = await shoal(['cluster', 'show', '--meta', `${a1},${a2}`, '--timeout', '1.5']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`\n1\\s+${a1}\\s+\\w+\\s+yes\\s+\\d+\\s+\\d+\\s+\\d+\\s+now \\(\\d+ ms\\)\n`));
      expect(r.stdout).toMatch(new RegExp(`\n2\\s+${a2}\\s+unreachable\\s+yes\\s+-\\s+-\\s+-\\s+no answer`));
      expect(r.stdout).toContain('DATA nodes: unknown (no META leader to read the state from)');
      expect(r.stderr).toMatch(/^shoal: no META leader reachable within 1.5 s \(tried /);
    } finally {
      node2.proc.kill('SIGCONT');
    }
    // Whoever leads once both run again, node 1 leads before node 2 is removed.
    const started = Date.now();
    for (;;) {
      r = await shoal(['cluster', 'show', '--meta', `${a1},${a2}`, '--json', '--timeout', '5']);
      if (r.code === 0) {
        const leader = (JSON.parse(r.stdout) as { leader: { id: string | null } }).leader.id;
        if (leader === '1') break;
        if (leader === '2') await shoal(['meta', 'transfer-leader', '1', '--meta', a2, '--timeout', '5']);
      }
      expect(Date.now() - started, r.stderr).toBeLessThan(20_000);
    }

    r = await shoal(['meta', 'remove', '2', '--meta', `${a1},${a2}`, '--timeout', '15', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Members).members.map((x) => x.id)).toEqual(['1']);
  });

  it('refuses a missing id with exit 2', async () => {
    const r = await shoal(['meta', 'remove', '--meta', a1]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'id'");
  });
});
