import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScriptError, runScript } from './script.js';

const dir = new URL('../../testdata/', import.meta.url);
const scripts = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

describe('scripted scenarios (packages/raft/testdata)', () => {
  it.each(scripts)('%s', (file) => {
    runScript(readFileSync(new URL(file, dir), 'utf8'), file);
  });

  it('reports the failing line of a script', () => {
    const script = 'cluster a b c\ncampaign a\nstabilize\nexpect leader b\n';
    expect(() => runScript(script, 'inline')).toThrow(ScriptError);
    expect(() => runScript(script, 'inline')).toThrow(/inline:4: expect leader b/);
  });
});
