import { describe, expect, it } from 'vitest';
import {
  escapeFieldKey,
  escapeMeasurement,
  escapeStringField,
  escapeTagKey,
  escapeTagValue,
  unescapeFieldKey,
  unescapeMeasurement,
  unescapeStringField,
  unescapeTag,
} from './escape.js';
import { FieldType } from './field-type.js';
import { formatPoint, parseToPoints, type Point } from './point.js';
import { parsePrecision, precisionMultiplierNs } from './precision.js';

describe('formatPoint', () => {
  it('writes measurement, tags in the given order, fields and time', () => {
    const p: Point = {
      measurement: 'cpu',
      tags: [
        ['host', 'a'],
        ['region', 'us-west'],
      ],
      fields: [
        ['f', FieldType.Float, 1.5],
        ['i', FieldType.Integer, -3],
        ['u', FieldType.Unsigned, 18446744073709551615n],
        ['b', FieldType.Boolean, true],
        ['s', FieldType.String, 'hi'],
      ],
      time: 1465839830100400200n,
    };
    expect(formatPoint(p)).toBe(
      'cpu,host=a,region=us-west f=1.5,i=-3i,u=18446744073709551615u,b=true,s="hi" 1465839830100400200',
    );
  });

  it('escapes what each part needs and nothing else', () => {
    const p: Point = {
      measurement: 'c p,u=',
      tags: [['k =,', 'v =,']],
      fields: [
        ['f =,"', FieldType.String, 'say "hi" \\ bye, = ok'],
        ['g', FieldType.Boolean, false],
      ],
    };
    const line = formatPoint(p);
    expect(line).toBe(String.raw`c\ p\,u=,k\ \=\,=v\ \=\, f\ \=\,"="say \"hi\" \\ bye, = ok",g=false`);
    expect(parseToPoints(line).points).toEqual([p]);
  });

  it('keeps the sign of -0 and the shortest exact text of floats', () => {
    const fields: Point['fields'] = [
      ['a', FieldType.Float, -0],
      ['b', FieldType.Float, 0.1],
      ['c', FieldType.Float, 1e21],
      ['d', FieldType.Float, 5e-324],
      ['e', FieldType.Float, 3],
    ];
    const line = formatPoint({ measurement: 'm', tags: [], fields });
    expect(line).toBe('m a=-0,b=0.1,c=1e+21,d=5e-324,e=3');
    expect(parseToPoints(line).points[0]!.fields).toEqual(fields);
  });

  it('doubles a backslash only where it would otherwise escape something', () => {
    const tags: Array<[string, string]> = [
      ['path', 'C:\\temp'],
      ['tail', 'x\\'],
      ['before', 'a\\,b'],
    ];
    const line = formatPoint({ measurement: 'm\\', tags, fields: [['v', FieldType.Float, 1]] });
    expect(line).toBe(String.raw`m\\,path=C:\temp,tail=x\\,before=a\\\,b v=1`);
    expect(parseToPoints(line).points[0]!.tags).toEqual([
      ['before', 'a\\,b'],
      ['path', 'C:\\temp'],
      ['tail', 'x\\'],
    ]);
  });

  it.each<[string, Point]>([
    ['an empty measurement', { measurement: '', tags: [], fields: [['v', FieldType.Float, 1]] }],
    ['a measurement starting with #', { measurement: '#m', tags: [], fields: [['v', FieldType.Float, 1]] }],
    ['a measurement starting with a tab', { measurement: '\tm', tags: [], fields: [['v', FieldType.Float, 1]] }],
    ['a newline in a name', { measurement: 'a\nb', tags: [], fields: [['v', FieldType.Float, 1]] }],
    ['an empty tag value', { measurement: 'm', tags: [['k', '']], fields: [['v', FieldType.Float, 1]] }],
    ['an empty tag key', { measurement: 'm', tags: [['', 'v']], fields: [['v', FieldType.Float, 1]] }],
    ['a newline in a tag', { measurement: 'm', tags: [['k', 'a\nb']], fields: [['v', FieldType.Float, 1]] }],
    ['no fields', { measurement: 'm', tags: [], fields: [] }],
    ['an empty field key', { measurement: 'm', tags: [], fields: [['', FieldType.Float, 1]] }],
    ['a first field key starting with a tab', { measurement: 'm', tags: [], fields: [['\tv', FieldType.Float, 1]] }],
    ['NaN', { measurement: 'm', tags: [], fields: [['v', FieldType.Float, Number.NaN]] }],
    ['Infinity', { measurement: 'm', tags: [], fields: [['v', FieldType.Float, Number.POSITIVE_INFINITY]] }],
    ['a fractional integer', { measurement: 'm', tags: [], fields: [['v', FieldType.Integer, 1.5]] }],
    ['an unsafe integer number', { measurement: 'm', tags: [], fields: [['v', FieldType.Integer, 2 ** 60]] }],
    ['int64 overflow', { measurement: 'm', tags: [], fields: [['v', FieldType.Integer, 1n << 63n]] }],
    ['a negative unsigned', { measurement: 'm', tags: [], fields: [['v', FieldType.Unsigned, -1]] }],
    ['uint64 overflow', { measurement: 'm', tags: [], fields: [['v', FieldType.Unsigned, 1n << 64n]] }],
    ['a string for a boolean', { measurement: 'm', tags: [], fields: [['v', FieldType.Boolean, 'true']] }],
    ['a number for a string', { measurement: 'm', tags: [], fields: [['v', FieldType.String, 1]] }],
  ])('rejects %s with a RangeError', (_what, p) => {
    expect(() => formatPoint(p)).toThrow(RangeError);
  });

  it('allows a later field key to start with a tab (only the first would be skipped as blank)', () => {
    const p: Point = {
      measurement: 'm',
      tags: [],
      fields: [
        ['a', FieldType.Float, 1],
        ['\tb', FieldType.Float, 2],
      ],
    };
    expect(parseToPoints(formatPoint(p)).points).toEqual([p]);
  });
});

describe('parseToPoints', () => {
  it('takes strings and byte arrays alike', () => {
    const text = 'cpu,host=é v=1i 5\ncpu v=';
    const fromString = parseToPoints(text);
    expect(fromString).toEqual(parseToPoints(Buffer.from(text)));
    expect(fromString.points).toEqual([
      { measurement: 'cpu', tags: [['host', 'é']], fields: [['v', FieldType.Integer, 1]], time: 5n },
    ]);
    expect(fromString.errors).toEqual([
      { lineNumber: 2, kind: 'parse', message: "unable to parse 'cpu v=': missing field value" },
    ]);
  });

  it('leaves time out when the line has none', () => {
    expect(parseToPoints('cpu v=1').points[0]).not.toHaveProperty('time');
  });
});

describe('precision', () => {
  it.each([
    [undefined, 'ns'],
    [null, 'ns'],
    ['', 'ns'],
    ['n', 'n'],
    ['ns', 'ns'],
    ['u', 'u'],
    ['us', 'us'],
    ['ms', 'ms'],
    ['s', 's'],
    ['m', 'm'],
    ['h', 'h'],
    ['x', undefined],
    ['S', undefined],
    ['NS', undefined],
    ['toString', undefined],
    ['__proto__', undefined],
    [' s', undefined],
  ])('parsePrecision(%j) is %j', (input, expected) => {
    expect(parsePrecision(input)).toBe(expected);
  });

  it('has a multiplier in nanoseconds for every unit', () => {
    expect(
      (['n', 'ns', 'u', 'us', 'ms', 's', 'm', 'h'] as const).map((p) => precisionMultiplierNs(p)),
    ).toEqual([1n, 1n, 1_000n, 1_000n, 1_000_000n, 1_000_000_000n, 60_000_000_000n, 3_600_000_000_000n]);
  });
});

describe('escaping', () => {
  it('unescapes only the escapable characters of each part', () => {
    expect(unescapeMeasurement(String.raw`a\ b\,c\=d\\e\f`)).toBe('a b,c=d\\e\\f');
    expect(unescapeTag(String.raw`a\ b\,c\=d\\e\"f`)).toBe('a b,c=d\\e\\"f');
    expect(unescapeFieldKey(String.raw`a\ b\,c\=d\\e\"f`)).toBe('a b,c=d\\e"f');
    expect(unescapeStringField(String.raw`a\"b\\c\d\ `)).toBe('a"b\\c\\d\\ ');
    expect(unescapeTag('trailing\\')).toBe('trailing\\');
  });

  it('escapes each part canonically', () => {
    expect(escapeMeasurement('a b,c=d\\')).toBe(String.raw`a\ b\,c=d\\`);
    expect(escapeTagKey('=a b,c')).toBe(String.raw`\=a\ b\,c`);
    expect(escapeTagValue('=a=b')).toBe(String.raw`=a\=b`);
    expect(escapeFieldKey('a"b\\"')).toBe(String.raw`a"b\\"`);
    expect(escapeStringField('say "hi" \\')).toBe(String.raw`say \"hi\" \\`);
  });

  it('round-trips every short string over the special characters', () => {
    const alphabet = ['a', ' ', ',', '=', '\\', '"'];
    const strings = [''];
    for (let len = 1; len <= 4; len++) {
      for (let n = 0; n < alphabet.length ** len; n++) {
        let s = '';
        for (let k = 0, x = n; k < len; k++, x = Math.floor(x / alphabet.length)) s += alphabet[x % alphabet.length];
        strings.push(s);
      }
    }
    for (const s of strings) {
      expect(unescapeMeasurement(escapeMeasurement(s))).toBe(s);
      expect(unescapeTag(escapeTagKey(s))).toBe(s);
      expect(unescapeTag(escapeTagValue(s))).toBe(s);
      expect(unescapeFieldKey(escapeFieldKey(s))).toBe(s);
      expect(unescapeStringField(escapeStringField(s))).toBe(s);
    }
  });
});
