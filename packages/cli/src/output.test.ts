import { describe, expect, it } from 'vitest';
import { renderJson, renderTable } from './output.js';

describe('renderJson', () => {
  it('writes int64 bigints as decimal strings, exactly, and numbers as numbers', () => {
    const out = renderJson({ startNs: 9_223_372_036_854_775_807n, negative: -1n, id: 7, none: null });
    expect(JSON.parse(out)).toEqual({ startNs: '9223372036854775807', negative: '-1', id: 7, none: null });
    expect(out.endsWith('}\n')).toBe(true);
  });
});

describe('renderTable', () => {
  it('aligns each column to its widest cell, with no trailing spaces', () => {
    expect(renderTable(['ID', 'NAME'], [['1', 'telegraf'], ['22', 'x']])).toBe('ID  NAME\n1   telegraf\n22  x\n');
  });

  it('prints the header alone for no rows', () => {
    expect(renderTable(['NAME', 'DEFAULT'], [])).toBe('NAME  DEFAULT\n');
  });
});
