// `--help` on every command of the built `shoal` binary names its options and shows examples.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, cleanEnv } from './shoal-process.js';

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: cleanEnv(), encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ADMIN_COMMANDS: ReadonlyArray<readonly string[]> = [
  ['db', 'create'],
  ['db', 'drop'],
  ['db', 'list'],
  ['rp', 'create'],
  ['rp', 'alter'],
  ['rp', 'drop'],
  ['rp', 'list'],
  ['cluster', 'show'],
  ['shard-groups', 'list'],
  ['meta', 'add'],
  ['meta', 'remove'],
  ['meta', 'transfer-leader'],
];

describe('shoal … --help', () => {
  it('lists every command at the top level', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['server', 'meta', 'db', 'rp', 'cluster', 'shard-groups']) expect(r.stdout).toMatch(new RegExp(`\\n  ${c} `));
  });

  it.each(ADMIN_COMMANDS)('%s %s shows its options, the connection flags and examples', (...cmd) => {
    const r = run([...cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: shoal ${cmd.join(' ')}`);
    for (const s of ['--meta <addrs>', '--timeout <seconds>', '--json', 'Examples:', `shoal ${cmd.join(' ')}`, 'SHOAL_META', 'Exit status:']) {
      expect(r.stdout).toContain(s);
    }
  });

  it('shoal meta shows the META node flags and examples', () => {
    const r = run(['meta', '--help']);
    expect(r.code).toBe(0);
    for (const s of ['--id <id>', '--peers <list>', '--dir <dir>', '--join', '--retention-check-interval-ms <ms>', '--no-retention', 'Examples:', 'shoal meta --id 1', 'add [options] <id> <address>']) {
      expect(r.stdout).toContain(s);
    }
  });

  it.each(['db', 'rp', 'cluster', 'shard-groups'])('%s alone prints its help with examples and exits 2', (group) => {
    const r = run([group]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Usage: shoal ${group}`);
    expect(r.stderr).toContain('Examples:');
  });
});
