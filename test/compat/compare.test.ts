import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  JsonNumber,
  diffBodies,
  diffJson,
  diffResponses,
  numbersEqual,
  parseJsonDocuments,
  parseJsonLossless,
  stringify,
} from './compare.mjs';

const GOLDEN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const golden = (id: string) => JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, `${id}.json`), 'utf8'));

const diff = (a: string, b: string) => diffJson(parseJsonLossless(a), parseJsonLossless(b));
const num = (t: string) => new JsonNumber(t);

describe('lossless JSON parser', () => {
  it('keeps int64 extremes and integers above 2^53 digit for digit', () => {
    const v = parseJsonLossless('[9223372036854775807,-9223372036854775808,9007199254740993]');
    expect(v.map((n: JsonNumber) => n.text)).toEqual(['9223372036854775807', '-9223372036854775808', '9007199254740993']);
    expect(stringify(v)).toBe('[9223372036854775807,-9223372036854775808,9007199254740993]');
  });

  it('decodes string escapes, including the \\u003c Go writes for <', () => {
    expect(parseJsonLossless('"a\\u003cb \\"q\\" \\\\ \\n \\u6e29"')).toBe('a<b "q" \\ \n 温');
  });

  it('reads a chunked body as one document per chunk', () => {
    const docs = parseJsonDocuments('{"results":[{"statement_id":0}]}\n{"results":[{"statement_id":1}]}\n');
    expect(docs).toHaveLength(2);
    expect(stringify(docs[1])).toBe('{"results":[{"statement_id":1}]}');
  });

  it('rejects malformed JSON instead of reading part of it', () => {
    for (const bad of ['{"a":1,}', '[1 2]', '{"a" 1}', '"open', '01', '1.', '-', 'truefalse', '{"a":1}x', 'NaN', '"tab\there"']) {
      expect(() => parseJsonDocuments(bad), bad).toThrow();
    }
  });

  it('rejects a duplicate key, whose meaning differs between readers', () => {
    expect(() => parseJsonLossless('{"a":1,"a":2}')).toThrow(/duplicate key "a"/);
  });

  it('treats a "__proto__" key as data', () => {
    const v = parseJsonLossless('{"__proto__":{"x":1}}');
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(diff('{"__proto__":{"x":1}}', '{"__proto__":{"x":2}}')).toEqual([
      { path: '$.__proto__.x', expected: '1', actual: '2', reason: 'number' },
    ]);
  });
});

describe('number equality', () => {
  it('reports integers above 2^53 that differ only in the last digit', () => {
    expect(numbersEqual(num('9007199254740993'), num('9007199254740992'))).toBe(false);
    expect(diff('{"v":[9223372036854775807]}', '{"v":[9223372036854775806]}')).toEqual([
      { path: '$.v[0]', expected: '9223372036854775807', actual: '9223372036854775806', reason: 'number' },
    ]);
    expect(diff('[-9223372036854775808]', '[-9223372036854775807]')).toHaveLength(1);
  });

  it('equates 1 and 1.0, as Go writes an integral float64 without a decimal point', () => {
    expect(numbersEqual(num('1'), num('1.0'))).toBe(true);
    expect(numbersEqual(num('50'), num('5e1'))).toBe(true);
    expect(numbersEqual(num('-0'), num('0.0'))).toBe(true);
    // Go switches to exponent form at 1e21; a writer that does not is still equivalent.
    expect(numbersEqual(num('1e+21'), num('1000000000000000000000'))).toBe(true);
    expect(numbersEqual(num('1e-7'), num('0.0000001'))).toBe(true);
  });

  it('does not let a float stand in for an integer a float64 cannot hold', () => {
    expect(numbersEqual(num('9007199254740993'), num('9007199254740992.0'))).toBe(false);
    expect(numbersEqual(num('9007199254740993'), num('9.007199254740993e15'))).toBe(false);
    expect(numbersEqual(num('9007199254740992'), num('9007199254740992.0'))).toBe(true);
  });

  it('compares floats as float64: equal bits pass, a last-bit difference fails', () => {
    expect(numbersEqual(num('0.30000000000000004'), num('0.3'))).toBe(false);
    expect(numbersEqual(num('0.30000000000000004'), num('0.300000000000000044'))).toBe(true);
    expect(numbersEqual(num('48.912940000000006'), num('48.91294'))).toBe(false);
  });
});

describe('structural comparison', () => {
  it('ignores object key order but not array order', () => {
    expect(diff('{"a":1,"b":[1,2]}', '{"b":[1,2],"a":1}')).toEqual([]);
    expect(diff('{"b":[1,2]}', '{"b":[2,1]}').map((d) => d.path)).toEqual(['$.b[0]', '$.b[1]']);
  });

  it('names the path of the first differences, up to the limit', () => {
    const e = '{"results":[{"statement_id":0,"series":[{"name":"cpu","values":[[1,2],[3,4]]}]}]}';
    const a = '{"results":[{"statement_id":0,"series":[{"name":"cpu","values":[[1,2],[3,5]]}]}]}';
    expect(diff(e, a)).toEqual([{ path: '$.results[0].series[0].values[1][1]', expected: '4', actual: '5', reason: 'number' }]);
    const many = diffJson(parseJsonLossless(`[${'1,'.repeat(30)}1]`), parseJsonLossless(`[${'2,'.repeat(30)}2]`), { maxDiffs: 3 });
    expect(many.map((d) => d.path)).toEqual(['$[0]', '$[1]', '$[2]']);
  });

  it('reports missing and unexpected keys, types and lengths', () => {
    expect(diff('{"a":1,"error":"x"}', '{"a":1,"partial":true}')).toEqual([
      { path: '$.error', expected: '"x"', actual: '(absent)', reason: 'missing key' },
      { path: '$.partial', expected: '(absent)', actual: 'true', reason: 'unexpected key' },
    ]);
    expect(diff('["1"]', '[1]')[0]?.reason).toBe('type string != number');
    expect(diff('[null]', '[0]')[0]?.reason).toBe('type null != number');
    expect(diff('[[1,2]]', '[[1,2,3]]')).toEqual([{ path: '$[0]', expected: 'length 2', actual: 'length 3', reason: 'array length' }]);
    expect(diff('{"k":{"a b":1}}', '{"k":{"a b":2}}')[0]?.path).toBe('$.k["a b"]');
  });

  it('points at the differing characters of a long string', () => {
    const msg = (n: number) => `["partial write: field type conflict: input field \\"i\\" on measurement \\"typed\\" is type float, already exists as type integer dropped=${n}"]`;
    expect(diff(msg(1), msg(2))).toEqual([
      { path: '$[0]', expected: '…"xists as type integer dropped=1"', actual: '…"xists as type integer dropped=2"', reason: 'string differs at char 129' },
    ]);
  });

  it('compares strings exactly, after decoding escapes', () => {
    expect(diff('["\\u003c"]', '["<"]')).toEqual([]);
    expect(diff('["über ✓"]', '["uber ✓"]')).toHaveLength(1);
  });
});

describe('bodies and responses', () => {
  it('compares chunked bodies document by document and counts them', () => {
    const e = '{"results":[{"statement_id":0,"partial":true}]}\n{"results":[{"statement_id":0}]}\n';
    expect(diffBodies(e, '{"results":[{"partial":true,"statement_id":0}]}{"results":[{"statement_id":0}]}', 'application/json')).toEqual([]);
    expect(diffBodies(e, '{"results":[{"statement_id":0,"partial":true}]}\n', 'application/json')).toEqual([
      { path: 'body', expected: '2 documents', actual: '1 documents', reason: 'document count' },
    ]);
    expect(diffBodies(e, e.replace('"statement_id":0}]}\n', '"statement_id":1}]}\n'), 'application/json')[0]?.path).toBe('doc[1].results[0].statement_id');
  });

  it('compares CSV and plain text exactly', () => {
    expect(diffBodies('name,tags\ncpu,,1\n', 'name,tags\ncpu,,1\n', 'text/csv')).toEqual([]);
    expect(diffBodies('name,tags\ncpu,,1\n', 'name,tags\ncpu,,1.0\n', 'text/csv')[0]?.reason).toBe('text differs at offset 16');
  });

  it('reports an answer that is not JSON where JSON was recorded', () => {
    expect(diffBodies('{"error":"x"}\n', 'Method Not Allowed\n', 'application/json')[0]?.reason).toMatch(/^not JSON/);
  });

  it('reports status and header differences before body differences', () => {
    const g = { status: 404, headers: { 'content-type': 'application/json' }, body: '{"error":"a"}\n' };
    const d = diffResponses(g, { status: 500, headers: { 'content-type': 'text/plain' }, body: '{"error":"b"}' });
    expect(d.map((x) => x.path)).toEqual(['status', 'header content-type', '$.error']);
  });
});

describe('on recorded InfluxDB answers', () => {
  it('finds a last-digit change of an int64 extreme in a golden body', () => {
    const g = golden('raw-mem-bigints');
    expect(g.body).toContain('9223372036854775807');
    const changed = { ...g, body: g.body.replace('9223372036854775807', '9223372036854775806') };
    const d = diffResponses(g, changed);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ expected: '9223372036854775807', actual: '9223372036854775806', reason: 'number' });
    expect(d[0]!.path).toMatch(/^\$\.results\[0\]\.series\[0\]\.values\[\d+\]\[4\]$/);
  });

  it('accepts 50.0 for the float field InfluxDB wrote as 50', () => {
    // usage_idle is a float field; the 00:00 point holds 50, which Go's encoder writes as `50`.
    const g = golden('raw-fields');
    expect(g.body).toContain('["2016-01-01T00:00:00Z",3,50]');
    expect(diffResponses(g, { ...g, body: g.body.replace('3,50]', '3,50.0]') })).toEqual([]);
    expect(diffResponses(g, { ...g, body: g.body.replace('3,50]', '3,50.000000000001]') })).toHaveLength(1);
  });

  it('treats a re-encoded golden (other key order, no \\u003c escapes) as equivalent', () => {
    const g = golden('ddl-select-into-get-warns');
    expect(g.body).toContain('\\u003e=');
    const reencoded = JSON.stringify(JSON.parse(g.body), (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v));
    expect(diffResponses(g, { ...g, body: reencoded })).toEqual([]);
  });
});
