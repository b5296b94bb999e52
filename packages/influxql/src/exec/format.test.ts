import { describe, expect, it } from 'vitest';
import { CsvFormatter, formatJson, formatJsonFloat, jsonString } from './format.js';
import { compareStrings, epochTime, parseEpoch, type ResultDocument } from './result.js';

const T = 1700000000123456789n;

function doc(values: Array<Array<null | boolean | number | bigint | string>>, extra: Partial<{ tags: Record<string, string>; name: string }> = {}): ResultDocument {
  return {
    results: [
      {
        statementId: 0,
        series: [{ name: extra.name ?? 'cpu', tags: extra.tags, columns: ['time', 'v'], values, timeColumn: true }],
      },
    ],
  };
}

describe('formatJson', () => {
  it('writes int64 values and ns times exactly, never through a double', () => {
    const text = formatJson(doc([[T, 9223372036854775807n], [T + 1n, -9223372036854775808n], [T + 2n, 18446744073709551615n]]), { epoch: 'ns' });
    expect(text).toBe(
      '{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","v"],"values":' +
        '[[1700000000123456789,9223372036854775807],[1700000000123456790,-9223372036854775808],[1700000000123456791,18446744073709551615]]}]}]}\n',
    );
  });

  it('prints times as RFC3339 without epoch and truncates toward zero with one', () => {
    expect(formatJson(doc([[T, 1]]))).toContain('["2023-11-14T22:13:20.123456789Z",1]');
    expect(formatJson(doc([[0n, 1]]))).toContain('["1970-01-01T00:00:00Z",1]');
    expect(formatJson(doc([[T, 1]]), { epoch: 'ms' })).toContain('[1700000000123,1]');
    expect(formatJson(doc([[T, 1]]), { epoch: 'u' })).toContain('[1700000000123456,1]');
    expect(formatJson(doc([[T, 1]]), { epoch: 'h' })).toContain('[472222,1]');
    expect(formatJson(doc([[-1500000000n, 1]]), { epoch: 's' })).toContain('[-1,1]');
    expect(epochTime(T, 'u')).toBe(1700000000123456n);
    // InfluxDB 1.6 has no `µ` epoch: like any unknown unit it prints nanoseconds.
    expect(parseEpoch('µ')).toBe('ns');
    expect(parseEpoch('days')).toBe('ns');
  });

  it('writes floats as Go encoding/json does', () => {
    const cases: Array<[number, string]> = [
      [1, '1'],
      [0.1, '0.1'],
      [-2.5, '-2.5'],
      [1e20, '100000000000000000000'],
      [1e21, '1e+21'],
      [1.5e21, '1.5e+21'],
      [1e-6, '0.000001'],
      [1e-7, '1e-7'],
      [1.2345e-9, '1.2345e-9'],
      [123456789.123, '123456789.123'],
      [2 ** 60, '1152921504606847000'],
      [Number.MAX_VALUE, '1.7976931348623157e+308'],
      [5e-324, '5e-324'],
      [-0, '-0'],
      [NaN, 'null'],
      [Infinity, 'null'],
    ];
    for (const [v, s] of cases) expect(formatJsonFloat(v)).toBe(s);
  });

  it('escapes strings as Go does: HTML characters, control characters, line separators, lone surrogates', () => {
    expect(jsonString('plain')).toBe('"plain"');
    expect(jsonString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(jsonString('<a>&b')).toBe('"\\u003ca\\u003e\\u0026b"');
    expect(jsonString('\n\r\t\b\f\u0001')).toBe('"\\n\\r\\t\\u0008\\u000c\\u0001"');
    expect(jsonString('\u2028\u2029')).toBe('"\\u2028\\u2029"');
    expect(jsonString('é😀')).toBe('"é😀"');
    expect(jsonString('x\ud800y')).toBe('"x\\ufffdy"');
  });

  it('omits empty members and sorts tags by key', () => {
    const d: ResultDocument = {
      results: [
        { statementId: 0 },
        { statementId: 1, series: [{ name: 'databases', columns: ['name'], values: [] }] },
        { statementId: 2, series: [{ name: 'cpu', tags: { z: '1', a: '2' }, columns: ['time', 'v'], values: [[0n, null]], timeColumn: true, partial: true }], partial: true },
        { statementId: 3, error: 'database not found: x' },
        { statementId: 4, messages: [{ level: 'warning', text: 'w' }] },
      ],
    };
    expect(formatJson(d, { epoch: 's' })).toBe(
      '{"results":[{"statement_id":0},{"statement_id":1,"series":[{"name":"databases","columns":["name"]}]},' +
        '{"statement_id":2,"series":[{"name":"cpu","tags":{"a":"2","z":"1"},"columns":["time","v"],"values":[[0,null]],"partial":true}],"partial":true},' +
        '{"statement_id":3,"error":"database not found: x"},{"statement_id":4,"messages":[{"level":"warning","text":"w"}]}]}\n',
    );
    expect(formatJson({ results: [], error: 'boom' })).toBe('{"error":"boom"}\n');
  });

  it('indents like MarshalIndent with four spaces', () => {
    const d = doc([[0n, 1.5], [1n, 'x']], { tags: { host: 'a' } });
    const plain = {
      results: [{ statement_id: 0, series: [{ name: 'cpu', tags: { host: 'a' }, columns: ['time', 'v'], values: [[0, 1.5], [1, 'x']] }] }],
    };
    expect(formatJson(d, { pretty: true, epoch: 'ns' })).toBe(JSON.stringify(plain, null, 4) + '\n');
    expect(formatJson({ results: [{ statementId: 0, series: [{ name: '', columns: [], values: [[]] }] }] }, { pretty: true })).toBe(
      '{\n    "results": [\n        {\n            "statement_id": 0,\n            "series": [\n                {\n                    "values": [\n                        []\n                    ]\n                }\n            ]\n        }\n    ]\n}\n',
    );
  });
});

describe('CsvFormatter', () => {
  it('writes a header per statement, tags as a series key, floats in plain notation, times as integers', () => {
    const f = new CsvFormatter();
    const text = f.format({
      results: [
        {
          statementId: 0,
          series: [
            { name: 'cpu', tags: { host: 'a b', dc: 'x,y' }, columns: ['time', 'v'], values: [[T, 1e21], [T + 1n, 9223372036854775807n]], timeColumn: true },
            { name: 'cpu', columns: ['time', 'v'], values: [[T, 'say "hi", then go'], [T, null], [T, true]], timeColumn: true },
          ],
        },
        { statementId: 1, error: 'ignored' },
        { statementId: 2, series: [{ name: 'databases', columns: ['name'], values: [[' padded'], ['db']] }] },
      ],
    });
    expect(text).toBe(
      'name,tags,time,v\n' +
        'cpu,"dc=x\\,y,host=a\\ b",1700000000123456789,1000000000000000000000\n' +
        'cpu,"dc=x\\,y,host=a\\ b",1700000000123456790,9223372036854775807\n' +
        'cpu,,1700000000123456789,"say ""hi"", then go"\n' +
        'cpu,,1700000000123456789,\n' +
        'cpu,,1700000000123456789,true\n' +
        '\n' +
        'name,tags,name\n' +
        'databases,," padded"\n' +
        'databases,,db\n',
    );
  });

  it('continues a statement across chunked documents and honours epoch', () => {
    const f = new CsvFormatter({ epoch: 'ms' });
    const a = f.format({ results: [{ statementId: 0, partial: true, series: [{ name: 'm', columns: ['time', 'v'], values: [[T, 1]], timeColumn: true, partial: true }] }] });
    const b = f.format({ results: [{ statementId: 0, series: [{ name: 'm', columns: ['time', 'v'], values: [[T + 1_000_000n, 2]], timeColumn: true }] }] });
    expect(a + b).toBe('name,tags,time,v\nm,,1700000000123,1\nm,,1700000000124,2\n');
  });
});

describe('helpers', () => {
  it('reads epoch parameters as InfluxDB: unknown units mean nanoseconds', () => {
    expect(parseEpoch(undefined)).toBeUndefined();
    expect(parseEpoch('')).toBeUndefined();
    expect(parseEpoch('ms')).toBe('ms');
    expect(parseEpoch('weird')).toBe('ns');
  });

  it('orders strings by code point like Go', () => {
    expect(['\uffff', '😀', 'b', 'a'].sort(compareStrings)).toEqual(['a', 'b', '\uffff', '😀']);
  });
});
