import { describe, expect, it } from 'vitest';
import { tokenize } from './index.js';

const toks = (text: string): string[] =>
  tokenize(text)
    .filter((t) => t.tok !== 'WS')
    .map((t) => (t.lit !== '' ? `${t.tok}:${t.lit}` : t.tok));

describe('scanner', () => {
  it('reads keywords case-insensitively and identifiers as written', () => {
    expect(toks('select Value FROM "my ""x"" cpu"')).toEqual(['SELECT', 'IDENT:Value', 'FROM', 'IDENT:my ', 'IDENT:x', 'IDENT: cpu', 'EOF']);
    expect(toks('"quoted \\"ident\\"" _under score9')).toEqual(['IDENT:quoted "ident"', 'IDENT:_under', 'IDENT:score9', 'EOF']);
  });

  it('reads true, false, and, or, in as words', () => {
    expect(toks('TRUE false And oR in')).toEqual(['TRUE', 'FALSE', 'AND', 'OR', 'IN', 'EOF']);
  });

  it('reads strings with their escapes', () => {
    expect(toks("'a\\'b\\\\c\\nd\\\"e'")).toEqual(['STRING:a\'b\\c\nd"e', 'EOF']);
    expect(toks("'bad \\x'")[0]).toBe('BADESCAPE:\\x');
    expect(toks("'open")[0]).toBe('BADSTRING:open');
    expect(toks("'line\nbreak'")[0]).toBe('BADSTRING:line');
  });

  it('reads integers, decimals and durations', () => {
    expect(toks('12 12.5 .5 100. 10s 1h30m 5µ 3u 15ms 7ns 2w 1d 10x')).toEqual([
      'INTEGER:12',
      'NUMBER:12.5',
      'NUMBER:.5',
      'NUMBER:100',
      'DURATIONVAL:10s',
      'DURATIONVAL:1h30m',
      'DURATIONVAL:5µ',
      'DURATIONVAL:3u',
      'DURATIONVAL:15ms',
      'DURATIONVAL:7ns',
      'DURATIONVAL:2w',
      'DURATIONVAL:1d',
      'DURATIONVAL:10x',
      'EOF',
    ]);
  });

  it('reads every operator', () => {
    expect(toks('+ - * / % & | ^ = != <> =~ !~ < <= > >= ( ) , ; . : ::')).toEqual([
      '+', '-', '*', '/', '%', '&', '|', '^', '=', '!=', '!=', '=~', '!~', '<', '<=', '>', '>=', '(', ')', ',', ';', '.', ':', '::', 'EOF',
    ]);
  });

  it('reads bound parameters', () => {
    expect(toks('$x $"quoted name" $')).toEqual(['BOUNDPARAM:$x', 'BOUNDPARAM:$quoted name', 'BOUNDPARAM:$', 'EOF']);
  });

  it('skips comments into COMMENT tokens', () => {
    expect(toks('a -- rest\nb /* x\ny */ c')).toEqual(['IDENT:a', 'COMMENT', 'IDENT:b', 'COMMENT', 'IDENT:c', 'EOF']);
    expect(toks('a /* open')).toEqual(['IDENT:a', 'ILLEGAL', 'EOF']);
  });

  it('marks characters outside the language as ILLEGAL', () => {
    expect(toks('@ # ! é')).toEqual(['ILLEGAL:@', 'ILLEGAL:#', 'ILLEGAL:!', 'ILLEGAL:é', 'EOF']);
  });

  it('tracks lines and characters, counting CRLF once', () => {
    const t = tokenize('a\r\n  b\n\tc').filter((x) => x.tok === 'IDENT');
    expect(t.map((x) => [x.lit, x.pos.line, x.pos.char])).toEqual([
      ['a', 0, 0],
      ['b', 1, 2],
      ['c', 2, 1],
    ]);
  });

  it('counts characters by code point', () => {
    const t = tokenize("'😀' x").filter((x) => x.tok === 'IDENT');
    expect(t[0]!.pos.char).toBe(4);
  });
});
