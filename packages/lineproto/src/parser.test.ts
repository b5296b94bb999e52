import { describe, expect, it } from 'vitest';
import { FieldType } from './field-type.js';
import {
  hashBytes,
  LineParser,
  parseLines,
  SERIES_CACHE_SLOTS,
  type LineError,
} from './parser.js';
import { parseToPoints, type Point } from './point.js';
import { splitSeriesKey } from './series-key.js';
import type { Precision } from './precision.js';

type Field = Point['fields'][number];
const F = (k: string, v: number): Field => [k, FieldType.Float, v];
const I = (k: string, v: number | bigint): Field => [k, FieldType.Integer, v];
const U = (k: string, v: number | bigint): Field => [k, FieldType.Unsigned, v];
const B = (k: string, v: boolean): Field => [k, FieldType.Boolean, v];
const S = (k: string, v: string): Field => [k, FieldType.String, v];

function pt(measurement: string, tags: Array<[string, string]>, fields: Field[], time?: bigint): Point {
  const p: Point = { measurement, tags, fields };
  if (time !== undefined) p.time = time;
  return p;
}

interface Case {
  input: string;
  precision?: Precision;
  points?: Point[];
  /** The reason after "unable to parse '<input>': ". */
  reason?: string;
  /** A complete 'invalid' message. */
  invalid?: string;
}

const ok = (input: string, ...points: Point[]): Case => ({ input, points });
const bad = (input: string, reason: string): Case => ({ input, reason });
const invalid = (input: string, message: string): Case => ({ input, invalid: message });

const CPU = (fields: Field[], time?: bigint): Point => pt('cpu', [], fields, time);

const valid: Case[] = [
  // Floats: every spelling strconv.ParseFloat takes after InfluxDB's scanner.
  ok('cpu value=1', CPU([F('value', 1)])),
  ok('cpu value=0', CPU([F('value', 0)])),
  ok('cpu value=1.5', CPU([F('value', 1.5)])),
  ok('cpu value=-1.5', CPU([F('value', -1.5)])),
  ok('cpu value=.5', CPU([F('value', 0.5)])),
  ok('cpu value=5.', CPU([F('value', 5)])),
  ok('cpu value=-.5', CPU([F('value', -0.5)])),
  ok('cpu value=-5.', CPU([F('value', -5)])),
  ok('cpu value=1e3', CPU([F('value', 1000)])),
  ok('cpu value=1E3', CPU([F('value', 1000)])),
  ok('cpu value=1e+3', CPU([F('value', 1000)])),
  ok('cpu value=-1.5E-3', CPU([F('value', -0.0015)])),
  ok('cpu value=.5e3', CPU([F('value', 500)])),
  ok('cpu value=5.e-1', CPU([F('value', 0.5)])),
  ok('cpu value=1.5e300', CPU([F('value', 1.5e300)])),
  ok('cpu value=1.7976931348623157e308', CPU([F('value', 1.7976931348623157e308)])),
  ok('cpu value=4.9e-324', CPU([F('value', 5e-324)])),
  ok('cpu value=1e-400', CPU([F('value', 0)])),
  ok('cpu value=0.1', CPU([F('value', 0.1)])),
  ok('cpu value=0.30000000000000004', CPU([F('value', 0.30000000000000004)])),
  ok('cpu value=9007199254740993', CPU([F('value', 9007199254740992)])),
  ok('cpu value=2.2250738585072011e-308', CPU([F('value', 2.2250738585072011e-308)])),
  ok('cpu value=123456789012345678901234567890', CPU([F('value', 1.2345678901234568e29)])),
  ok('cpu value=3.14159265358979323846264338327950288', CPU([F('value', Math.PI)])),
  ok('cpu value=-0.0', CPU([F('value', -0)])),
  ok('cpu value=00001.50', CPU([F('value', 1.5)])),
  ok('cpu value=0e999999999', CPU([F('value', 0)])),
  ok('cpu value=1e-22', CPU([F('value', 1e-22)])),
  ok('cpu value=123456789012345e22', CPU([F('value', 1.23456789012345e36)])),
  ok('cpu value=1.0000000000000002', CPU([F('value', 1.0000000000000002)])),

  // Integers (int64, exact) and unsigned (uint64, exact).
  ok('cpu value=1i', CPU([I('value', 1)])),
  ok('cpu value=0i', CPU([I('value', 0)])),
  ok('cpu value=-0i', CPU([I('value', 0)])),
  ok('cpu value=-1i', CPU([I('value', -1)])),
  ok('cpu value=123456789012345i', CPU([I('value', 123456789012345)])),
  ok('cpu value=1234567890123456i', CPU([I('value', 1234567890123456)])),
  ok('cpu value=9007199254740991i', CPU([I('value', 9007199254740991)])),
  ok('cpu value=9007199254740992i', CPU([I('value', 9007199254740992n)])),
  ok('cpu value=-9007199254740991i', CPU([I('value', -9007199254740991)])),
  ok('cpu value=-9007199254740992i', CPU([I('value', -9007199254740992n)])),
  ok('cpu value=9223372036854775807i', CPU([I('value', 9223372036854775807n)])),
  ok('cpu value=-9223372036854775808i', CPU([I('value', -9223372036854775808n)])),
  ok('cpu value=00000000000000000000001i', CPU([I('value', 1)])),
  ok('cpu value=0u', CPU([U('value', 0)])),
  ok('cpu value=1u', CPU([U('value', 1)])),
  ok('cpu value=9007199254740991u', CPU([U('value', 9007199254740991)])),
  ok('cpu value=9007199254740992u', CPU([U('value', 9007199254740992n)])),
  ok('cpu value=18446744073709551615u', CPU([U('value', 18446744073709551615n)])),

  // Booleans.
  ok('cpu value=t', CPU([B('value', true)])),
  ok('cpu value=T', CPU([B('value', true)])),
  ok('cpu value=true', CPU([B('value', true)])),
  ok('cpu value=True', CPU([B('value', true)])),
  ok('cpu value=TRUE', CPU([B('value', true)])),
  ok('cpu value=f', CPU([B('value', false)])),
  ok('cpu value=F', CPU([B('value', false)])),
  ok('cpu value=false', CPU([B('value', false)])),
  ok('cpu value=False', CPU([B('value', false)])),
  ok('cpu value=FALSE', CPU([B('value', false)])),

  // Strings.
  ok('cpu value="hello"', CPU([S('value', 'hello')])),
  ok('cpu value=""', CPU([S('value', '')])),
  ok('cpu value="hello world"', CPU([S('value', 'hello world')])),
  ok('cpu value="a,b=c d"', CPU([S('value', 'a,b=c d')])),
  ok(String.raw`cpu value="with \"quotes\""`, CPU([S('value', 'with "quotes"')])),
  ok(String.raw`cpu value="back\\slash"`, CPU([S('value', 'back\\slash')])),
  ok(String.raw`cpu value="trailing\\"`, CPU([S('value', 'trailing\\')])),
  ok(String.raw`cpu value="lone \ backslash \n"`, CPU([S('value', 'lone \\ backslash \\n')])),
  ok('cpu value="tab\there"', CPU([S('value', 'tab\there')])),
  ok('cpu value="é ✓ 😀"', CPU([S('value', 'é ✓ 😀')])),
  ok('cpu value="x",n=1i', CPU([S('value', 'x'), I('n', 1)])),
  ok('cpu value="two\nlines" 5', CPU([S('value', 'two\nlines')], 5n)),
  ok('cpu value="cr\r\nlf"', CPU([S('value', 'cr\r\nlf')])),

  // Several fields, duplicates (last wins, first position) and `time` fields (dropped).
  ok('cpu a=1,b=2i,c="x",d=true,e=3u', CPU([F('a', 1), I('b', 2), S('c', 'x'), B('d', true), U('e', 3)])),
  ok('cpu a=1,a=2', CPU([F('a', 2)])),
  ok('cpu a=1,b=2,a=3i', CPU([I('a', 3), F('b', 2)])),
  ok('cpu a=1,a="s",a=f', CPU([B('a', false)])),
  ok('cpu time=1,v=2', CPU([F('v', 2)])),
  ok('cpu v=2,time=1', CPU([F('v', 2)])),
  ok('cpu time=1,v=2,time="x"', CPU([F('v', 2)])),
  ok('cpu Time=1', CPU([F('Time', 1)])),

  // Field-key escapes.
  ok(String.raw`cpu f\ oo=1`, CPU([F('f oo', 1)])),
  ok(String.raw`cpu f\,oo=1`, CPU([F('f,oo', 1)])),
  ok(String.raw`cpu f\=oo=1`, CPU([F('f=oo', 1)])),
  ok(String.raw`cpu f\"oo=1`, CPU([F('f"oo', 1)])),
  ok(String.raw`cpu f\\=1`, CPU([F('f\\', 1)])),
  ok(String.raw`cpu f\oo=1`, CPU([F('f\\oo', 1)])),
  ok('cpu "quoted"=1', CPU([F('"quoted"', 1)])),
  ok('cpu é=1', CPU([F('é', 1)])),
  ok(String.raw`cpu a\,b=1,a\,b=2`, CPU([F('a,b', 2)])),

  // Measurement escapes.
  ok(String.raw`c\ pu v=1`, pt('c pu', [], [F('v', 1)])),
  ok(String.raw`c\,pu v=1`, pt('c,pu', [], [F('v', 1)])),
  ok('c=pu v=1', pt('c=pu', [], [F('v', 1)])),
  ok(String.raw`c\=pu v=1`, pt('c=pu', [], [F('v', 1)])),
  ok(String.raw`cpu\\ v=1`, pt('cpu\\', [], [F('v', 1)])),
  ok(String.raw`c\pu v=1`, pt('c\\pu', [], [F('v', 1)])),
  ok('"cpu" v=1', pt('"cpu"', [], [F('v', 1)])),
  ok('温度 v=1', pt('温度', [], [F('v', 1)])),

  // Tags: sorted by key, escapes, unicode.
  ok('cpu,host=a v=1', pt('cpu', [['host', 'a']], [F('v', 1)])),
  ok('cpu,host=a,region=b v=1', pt('cpu', [['host', 'a'], ['region', 'b']], [F('v', 1)])),
  ok('cpu,region=b,host=a v=1', pt('cpu', [['host', 'a'], ['region', 'b']], [F('v', 1)])),
  ok('cpu,c=3,b=2,a=1 v=1', pt('cpu', [['a', '1'], ['b', '2'], ['c', '3']], [F('v', 1)])),
  ok('cpu,aa=1,a=2 v=1', pt('cpu', [['a', '2'], ['aa', '1']], [F('v', 1)])),
  ok('cpu,B=1,a=2 v=1', pt('cpu', [['B', '1'], ['a', '2']], [F('v', 1)])),
  ok(String.raw`cpu,ho\ st=a\,b v=1`, pt('cpu', [['ho st', 'a,b']], [F('v', 1)])),
  ok(String.raw`cpu,a=b\=c v=1`, pt('cpu', [['a', 'b=c']], [F('v', 1)])),
  ok(String.raw`cpu,a\=b=c v=1`, pt('cpu', [['a=b', 'c']], [F('v', 1)])),
  ok(String.raw`cpu,host=a\\b v=1`, pt('cpu', [['host', 'a\\b']], [F('v', 1)])),
  ok(String.raw`cpu,host=a\\ v=1`, pt('cpu', [['host', 'a\\']], [F('v', 1)])),
  ok(String.raw`cpu,path=C:\temp v=1`, pt('cpu', [['path', 'C:\\temp']], [F('v', 1)])),
  ok('cpu,a==b v=1', pt('cpu', [['a', '=b']], [F('v', 1)])),
  ok('cpu,host="a" v=1', pt('cpu', [['host', '"a"']], [F('v', 1)])),
  ok('温度,地点=北京,a=b 值=1', pt('温度', [['a', 'b'], ['地点', '北京']], [F('值', 1)])),
  ok('cpu,Time=x v=1', pt('cpu', [['Time', 'x']], [F('v', 1)])),

  // Timestamps.
  ok('cpu v=1 0', CPU([F('v', 1)], 0n)),
  ok('cpu v=1 -0', CPU([F('v', 1)], 0n)),
  ok('cpu v=1 -1', CPU([F('v', 1)], -1n)),
  ok('cpu v=1 000123', CPU([F('v', 1)], 123n)),
  ok('cpu v=1 1465839830100400200', CPU([F('v', 1)], 1465839830100400200n)),
  ok('cpu v=1 9007199254740993', CPU([F('v', 1)], 9007199254740993n)),
  ok('cpu v=1 -9007199254740993', CPU([F('v', 1)], -9007199254740993n)),
  ok('cpu v=1 9223372036854775806', CPU([F('v', 1)], 9223372036854775806n)),
  ok('cpu v=1 -9223372036854775806', CPU([F('v', 1)], -9223372036854775806n)),
  ok('cpu v=1 0000000000000000000000000000042', CPU([F('v', 1)], 42n)),

  // Blanks, comments, CRLF.
  ok('cpu  v=1', CPU([F('v', 1)])),
  ok('cpu \tv=1', CPU([F('v', 1)])),
  ok('  cpu v=1', CPU([F('v', 1)])),
  ok('\tcpu v=1', CPU([F('v', 1)])),
  ok('cpu v=1 ', CPU([F('v', 1)])),
  ok('cpu v=1 \t', CPU([F('v', 1)])),
  ok('cpu v=1  123', CPU([F('v', 1)], 123n)),
  ok('cpu v=1 123   ', CPU([F('v', 1)], 123n)),
  ok('cpu v=1 123\r', CPU([F('v', 1)], 123n)),
  ok('cpu v=1\r\ncpu v=2\r\n', CPU([F('v', 1)]), CPU([F('v', 2)])),
  ok('# a comment\ncpu v=1', CPU([F('v', 1)])),
  ok('   # indented comment v=1\n\n\n  \t \ncpu v=1\n\n', CPU([F('v', 1)])),
  ok('#', ),
  ok(''),
  ok('\n\r\n \n'),

  // Precision scaling.
  ok('cpu v=1 2', CPU([F('v', 1)], 2n)),
  { input: 'cpu v=1 2', precision: 'n', points: [CPU([F('v', 1)], 2n)] },
  { input: 'cpu v=1 2', precision: 'ns', points: [CPU([F('v', 1)], 2n)] },
  { input: 'cpu v=1 2', precision: 'u', points: [CPU([F('v', 1)], 2_000n)] },
  { input: 'cpu v=1 2', precision: 'us', points: [CPU([F('v', 1)], 2_000n)] },
  { input: 'cpu v=1 2', precision: 'ms', points: [CPU([F('v', 1)], 2_000_000n)] },
  { input: 'cpu v=1 2', precision: 's', points: [CPU([F('v', 1)], 2_000_000_000n)] },
  { input: 'cpu v=1 2', precision: 'm', points: [CPU([F('v', 1)], 120_000_000_000n)] },
  { input: 'cpu v=1 2', precision: 'h', points: [CPU([F('v', 1)], 7_200_000_000_000n)] },
  { input: 'cpu v=1 -2', precision: 'h', points: [CPU([F('v', 1)], -7_200_000_000_000n)] },
  { input: 'cpu v=1', precision: 's', points: [CPU([F('v', 1)])] },
];

const invalidLines: Case[] = [
  // Measurement and tags.
  bad('cpu', 'missing fields'),
  bad('cpu,host=a', 'missing fields'),
  bad(String.raw`cpu\ v=1`, 'missing fields'),
  bad(String.raw`cpu,host=a\ v`, 'missing fields'),
  bad(String.raw`cpu,host=a\ v=1`, 'invalid tag format'),
  bad(',cpu v=1', 'missing measurement'),
  bad(',', 'missing measurement'),
  bad('cpu,', 'missing tag key'),
  bad('cpu, v=1', 'missing tag key'),
  bad('cpu,=a v=1', 'missing tag key'),
  bad('cpu,,a=b v=1', 'missing tag key'),
  bad('cpu,host v=1', 'missing tag value'),
  bad('cpu,host', 'missing tag value'),
  bad('cpu,host,a=b v=1', 'missing tag value'),
  bad('cpu,host= v=1', 'missing tag value'),
  bad('cpu,host=', 'missing tag value'),
  bad('cpu,host=,a=b v=1', 'missing tag value'),
  bad('cpu,host=a=b v=1', 'invalid tag format'),
  bad('cpu,host=a,host=b v=1', 'duplicate tags'),
  bad('cpu,b=1,a=2,b=3 v=1', 'duplicate tags'),
  bad(String.raw`cpu,a\ b=1,a\ b=2 v=1`, 'duplicate tags'),

  // Field section.
  bad('cpu ', 'invalid field format'),
  bad('cpu,host=a ', 'invalid field format'),
  bad('cpu v', 'invalid field format'),
  bad('cpu v=1,', 'invalid field format'),
  bad('cpu v=1,w', 'invalid field format'),
  bad('cpu v=1,w x=1', 'invalid field format'),
  bad('cpu a,b=1', 'invalid field format'),
  bad('cpu ,a=1', 'invalid field format'),
  bad('cpu a=1,,b=2', 'invalid field format'),
  bad('cpu a=1, b=2', 'invalid field format'),
  bad('cpu v="a"b', 'invalid field format'),
  bad('cpu v="a""b"', 'invalid field format'),
  bad('cpu a,b=x', 'invalid boolean'),
  bad('cpu =1', 'missing field key'),
  bad('cpu v=1,=2', 'missing field key'),
  bad('cpu v=', 'missing field value'),
  bad('cpu v=,w=1', 'missing field value'),
  bad('cpu v= 1', 'missing field value'),
  bad('cpu v=1,w=', 'missing field value'),
  bad('cpu v="abc', 'unbalanced quotes'),
  bad(String.raw`cpu v="abc\"`, 'unbalanced quotes'),
  bad('cpu v="', 'unbalanced quotes'),

  // Booleans.
  bad('cpu v=abc', 'invalid boolean'),
  bad('cpu v=tru', 'invalid boolean'),
  bad('cpu v=tRUE', 'invalid boolean'),
  bad('cpu v=truex', 'invalid boolean'),
  bad('cpu v=Falsey', 'invalid boolean'),
  bad('cpu v=yes', 'invalid boolean'),
  bad('cpu v=Inf', 'invalid boolean'),
  bad('cpu v=inf', 'invalid boolean'),
  bad('cpu v=+1', 'invalid boolean'),
  bad('cpu v==1', 'invalid boolean'),
  bad('cpu v=true"x"', 'invalid boolean'),

  // Numbers.
  bad('cpu v=1.1.1', 'invalid number'),
  bad('cpu v=1-2', 'invalid number'),
  bad('cpu v=-', 'invalid number'),
  bad('cpu v=-,w=1', 'invalid number'),
  bad('cpu v=.', 'invalid number'),
  bad('cpu v=-.', 'invalid number'),
  bad('cpu v=NaN', 'invalid number'),
  bad('cpu v=nan', 'invalid number'),
  bad('cpu v=N', 'invalid number'),
  bad('cpu v=1.5i', 'invalid number'),
  bad('cpu v=1e5i', 'invalid number'),
  bad('cpu v=5ii', 'invalid number'),
  bad('cpu v=5i5', 'invalid number'),
  bad('cpu v=5iu', 'invalid number'),
  bad('cpu v=-i', 'invalid number'),
  bad('cpu v=1x', 'invalid number'),
  bad('cpu v=0x10', 'invalid number'),
  bad('cpu v=1_000', 'invalid number'),
  bad('cpu v=1\t', 'invalid number'),
  bad('cpu v=1"', 'invalid number'),
  bad('cpu v=-1u', 'invalid number'),
  bad('cpu v=1.5u', 'invalid number'),
  bad('cpu v=5u5', 'invalid number'),
  bad('cpu v=1e--5', 'invalid number'),
  bad('cpu v=1e', 'invalid float'),
  bad('cpu v=1e+', 'invalid float'),
  bad('cpu v=1e5.5', 'invalid float'),
  bad('cpu v=1ee5', 'invalid float'),
  bad('cpu v=.e5', 'invalid float'),
  bad('cpu v=-e5', 'invalid float'),
  bad('cpu v=1e309', 'invalid float'),
  bad('cpu v=-1e309', 'invalid float'),
  bad(`cpu v=${'9'.repeat(400)}`, 'invalid float'),
  bad(
    'cpu v=9223372036854775808i',
    'unable to parse integer 9223372036854775808: strconv.ParseInt: parsing "9223372036854775808": value out of range',
  ),
  bad(
    'cpu v=-9223372036854775809i',
    'unable to parse integer -9223372036854775809: strconv.ParseInt: parsing "-9223372036854775809": value out of range',
  ),
  bad(
    'cpu v=99999999999999999999i',
    'unable to parse integer 99999999999999999999: strconv.ParseInt: parsing "99999999999999999999": value out of range',
  ),
  bad(
    'cpu v=18446744073709551616u',
    'unable to parse unsigned 18446744073709551616: strconv.ParseUint: parsing "18446744073709551616": value out of range',
  ),

  // Timestamps.
  bad('cpu v=1 abc', 'bad timestamp'),
  bad('cpu v=1 12a', 'bad timestamp'),
  bad('cpu v=1 1-2', 'bad timestamp'),
  bad('cpu v=1 --1', 'bad timestamp'),
  bad('cpu v=1 +1', 'bad timestamp'),
  bad('cpu v=1 1.5', 'bad timestamp'),
  bad('cpu v=1 1e9', 'bad timestamp'),
  bad('cpu v=1 w=2', 'bad timestamp'),
  bad('cpu v=1 123\t', 'bad timestamp'),
  bad('cpu v=1 -', 'strconv.ParseInt: parsing "-": invalid syntax'),
  bad('cpu v=1 - 5', 'strconv.ParseInt: parsing "-": invalid syntax'),
  bad('cpu v=1 9223372036854775808', 'strconv.ParseInt: parsing "9223372036854775808": value out of range'),
  bad('cpu v=1 -9223372036854775809', 'strconv.ParseInt: parsing "-9223372036854775809": value out of range'),
  bad('cpu v=1 99999999999999999999', 'strconv.ParseInt: parsing "99999999999999999999": value out of range'),
  bad('cpu v=1 9223372036854775807', 'time outside range -9223372036854775806 - 9223372036854775806'),
  bad('cpu v=1 -9223372036854775807', 'time outside range -9223372036854775806 - 9223372036854775806'),
  bad('cpu v=1 -9223372036854775808', 'time outside range -9223372036854775806 - 9223372036854775806'),
  bad('cpu v=1 123 456', 'point is invalid'),
  bad('cpu v=1 123 x', 'point is invalid'),
  bad('cpu v=1 123 \t', 'point is invalid'),

  // `time` as a tag or as the only field: not parse errors in InfluxDB, but shard rules.
  invalid('cpu,time=x v=1', 'invalid tag key: input tag "time" on measurement "cpu" is invalid'),
  invalid('cpu,a=1,time=x,z=2 v=1', 'invalid tag key: input tag "time" on measurement "cpu" is invalid'),
  invalid('cpu,time=x time=1', 'invalid tag key: input tag "time" on measurement "cpu" is invalid'),
  invalid('cpu time=1', 'invalid field name: input field "time" on measurement "cpu" is invalid'),
  invalid('cpu time=1,time="x"', 'invalid field name: input field "time" on measurement "cpu" is invalid'),
  invalid(String.raw`c\ pu time=1i 5`, 'invalid field name: input field "time" on measurement "c pu" is invalid'),
];

function run(c: Case): { points: Point[]; errors: LineError[] } {
  return parseToPoints(c.input, c.precision === undefined ? undefined : { precision: c.precision });
}

describe('valid lines parse to exact points', () => {
  it.each(valid.map((c) => [JSON.stringify(c.input) + (c.precision ? ` @${c.precision}` : ''), c] as const))(
    '%s',
    (_name, c) => {
      const { points, errors } = run(c);
      expect(errors).toEqual([]);
      expect(points).toEqual(c.points);
    },
  );
});

describe('invalid lines are reported with InfluxDB wording', () => {
  it.each(invalidLines.map((c) => [JSON.stringify(c.input), c] as const))('%s', (_name, c) => {
    const { points, errors } = run(c);
    expect(points).toEqual([]);
    if (c.reason !== undefined) {
      expect(errors).toEqual([{ lineNumber: 1, kind: 'parse', message: `unable to parse '${c.input}': ${c.reason}` }]);
    } else {
      expect(errors).toEqual([{ lineNumber: 1, kind: 'invalid', message: c.invalid }]);
    }
  });
});

describe('precision overflow', () => {
  const cases: Array<[Precision, string, string]> = [
    ['u', '9223372036854775', '9223372036854776'],
    ['us', '9223372036854775', '9223372036854776'],
    ['ms', '9223372036854', '9223372036855'],
    ['s', '9223372036', '9223372037'],
    ['m', '153722867', '153722868'],
    ['h', '2562047', '2562048'],
  ];
  it.each(cases)('%s: %s fits, %s is out of range (both signs)', (precision, fits, over) => {
    const mult = { u: 1_000n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n }[
      precision as 'u'
    ];
    for (const sign of ['', '-']) {
      const good = parseToPoints(`cpu v=1 ${sign}${fits}`, { precision });
      expect(good.errors).toEqual([]);
      expect(good.points[0]!.time).toBe(BigInt(`${sign}${fits}`) * mult);
      const input = `cpu v=1 ${sign}${over}`;
      expect(parseToPoints(input, { precision }).errors).toEqual([
        {
          lineNumber: 1,
          kind: 'parse',
          message: `unable to parse '${input}': time outside range -9223372036854775806 - 9223372036854775806`,
        },
      ]);
    }
  });
  it('checks int64 syntax before scaling', () => {
    const input = 'cpu v=1 9223372036854775808';
    expect(parseToPoints(input, { precision: 'h' }).errors[0]!.message).toBe(
      `unable to parse '${input}': strconv.ParseInt: parsing "9223372036854775808": value out of range`,
    );
  });
});

/** Series keys through parseLines, one per point. */
function seriesKeys(body: string): string[] {
  const keys: string[] = [];
  parseLines(Buffer.from(body), {
    point: (line) => void keys.push(line.seriesKey),
    error: (err) => {
      throw new Error(err.message);
    },
  });
  return keys;
}

describe('series keys', () => {
  it.each([
    ['cpu v=1', 'cpu'],
    ['cpu,host=a v=1', 'cpu,host=a'],
    ['cpu,host=a,region=b v=1', 'cpu,host=a,region=b'],
    ['cpu,region=b,host=a v=1', 'cpu,host=a,region=b'],
    ['cpu,c=3,a=1,b=2 v=1', 'cpu,a=1,b=2,c=3'],
    ['cpu,b=2,c=3,a=1 v=1', 'cpu,a=1,b=2,c=3'],
    ['cpu,aa=1,a=2 v=1', 'cpu,a=2,aa=1'],
    [String.raw`c\ pu,ho\ st=a\,b v=1`, String.raw`c\ pu,ho\ st=a\,b`],
    [String.raw`c\,pu,x=y v=1`, String.raw`c\,pu,x=y`],
    [String.raw`c\=pu v=1`, 'c=pu'],
    [String.raw`cpu,z=1,a\=b=c\=d v=1`, String.raw`cpu,a\=b=c\=d,z=1`],
    [String.raw`cpu,path=C:\temp v=1`, String.raw`cpu,path=C:\temp`],
    [String.raw`cpu,host=a\\b v=1`, String.raw`cpu,host=a\b`],
    [String.raw`cpu,host=a\\ v=1`, String.raw`cpu,host=a\\`],
    [String.raw`cpu,host=a\\\ b v=1`, String.raw`cpu,host=a\\\ b`],
    // InfluxDB takes a leading '=' in a tag value unescaped; the key keeps it that way either way.
    ['cpu,a==b v=1', 'cpu,a==b'],
    [String.raw`cpu,a=\=b,c=\\ v=1`, String.raw`cpu,a==b,c=\\`],
    ['温度,地点=北京,a=b 值=1', '温度,a=b,地点=北京'],
    // Escaped-key order is InfluxDB's: by the escaped bytes ('\' 0x5c sorts after '!' 0x21).
    [String.raw`cpu,a\ b=1,a!=2 v=1`, String.raw`cpu,a!=2,a\ b=1`],
  ])('%s → %s', (line, key) => {
    expect(seriesKeys(line)).toEqual([key]);
    const { measurement, tags } = parseToPoints(line).points[0]!;
    expect(splitSeriesKey(key)).toEqual({ measurement, tags });
  });

  it('is the same string for the same series whatever the tag order', () => {
    const keys = seriesKeys(
      ['cpu,a=1,b=2,c=3 v=1', 'cpu,c=3,b=2,a=1 v=2', 'cpu,b=2,a=1,c=3 v=3', 'cpu,a=1,b=2,c=3 v=4'].join('\n'),
    );
    expect(new Set(keys)).toEqual(new Set(['cpu,a=1,b=2,c=3']));
  });

  it('orders tags of a cached series key on demand', () => {
    const tags: string[][] = [];
    parseLines(Buffer.from('cpu,z=1,a=2 v=1\ncpu,z=1,a=2 v=2\ncpu,z=1,a=2 v=3'), {
      point(line) {
        void line.seriesKey;
        tags.push([line.tagKey(0), line.tagValue(0), line.tagKey(1), line.tagValue(1)]);
      },
      error(err) {
        throw new Error(err.message);
      },
    });
    expect(tags).toEqual([
      ['a', '2', 'z', '1'],
      ['a', '2', 'z', '1'],
      ['a', '2', 'z', '1'],
    ]);
  });
});

describe('series-key cache', () => {
  function keysAndTags(body: string): Array<[string, string, Array<[string, string]>]> {
    const out: Array<[string, string, Array<[string, string]>]> = [];
    parseLines(Buffer.from(body), {
      point(line) {
        const tags: Array<[string, string]> = [];
        for (let t = 0; t < line.tagCount; t++) tags.push([line.tagKey(t), line.tagValue(t)]);
        out.push([line.seriesKey, line.measurement, tags]);
      },
      error(err) {
        throw new Error(err.message);
      },
    });
    return out;
  }

  it('keeps keys apart that land in the same slot', () => {
    const slotOf = (key: string): number => {
      const b = Buffer.from(key);
      return hashBytes(b, 0, b.length) & (SERIES_CACHE_SLOTS - 1);
    };
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let n = 0; pair === undefined; n++) {
      const key = `cpu,zone=z${n},host=h${n}`;
      const other = seen.get(slotOf(key));
      if (other !== undefined) pair = [other, key];
      seen.set(slotOf(key), key);
    }
    const [a, b] = pair;
    const body = [a, b, a, b, `${a},x=1`, a].map((k) => `${k} v=1`).join('\n');
    const result = keysAndTags(body);
    expect(result.map(([key]) => key)).toEqual(
      [a, b, a, b, `${a},x=1`, a].map((k) => parseToPoints(`${k} v=1`).points[0]!).map((p) =>
        [p.measurement, ...p.tags.map(([tk, tv]) => `${tk}=${tv}`)].join(','),
      ),
    );
    expect(result[2]).toEqual(result[0]);
    expect(result[3]).toEqual(result[1]);
  });

  it('gives the same answers on a hit as on the first sight, for plain and escaped keys', () => {
    const lines = ['cpu,z=1,a=2 v=1', String.raw`c\ pu,b\,x=1,a=\=2 v=1`, 'mem,host=é v=1', 'cpu v=1'];
    const first = keysAndTags(lines.join('\n'));
    expect(keysAndTags([...lines, ...lines].join('\n'))).toEqual([...first, ...first]);
  });

  it('caches keys longer than an arena slot too', () => {
    const long = `cpu,a=${'x'.repeat(300)},b=${'y'.repeat(300)}`;
    const lines = [`${long} v=1`, 'cpu,b=2,a=1 v=1', `${long} v=2`, `${long},c=3 v=1`, `${long} v=3`];
    const first = keysAndTags(lines.join('\n'));
    expect(first[0]![0]).toBe(long);
    expect(first[2]).toEqual(first[0]);
    expect(first[4]).toEqual(first[0]);
    expect(first[3]![0]).toBe(`${long},c=3`);
    expect(keysAndTags(lines.join('\n'))).toEqual(first);
  });

  it('never caches a key that was rejected for a time tag', () => {
    const body = Buffer.from('cpu,time=1 v=1\ncpu,time=1 v=1');
    const errors: string[] = [];
    parseLines(body, {
      point(line) {
        void line.seriesKey;
      },
      error: (err) => void errors.push(err.kind),
    });
    expect(errors).toEqual(['invalid', 'invalid']);
  });
});

describe('line handling', () => {
  function collect(body: string): { points: Array<[number, Point]>; errors: LineError[] } {
    const points: Array<[number, Point]> = [];
    const all = parseToPoints(body);
    let k = 0;
    parseLines(Buffer.from(body), {
      point: (_line, n) => void points.push([n, all.points[k++]!]),
      error: () => {},
    });
    return { points, errors: all.errors };
  }

  it('reports each bad line and keeps the good ones, with 1-based line numbers', () => {
    const { points, errors } = collect('a v=1\nbad\n\n# c\nb v=2\nc v=\nd v=4');
    expect(points.map(([n, p]) => [n, p.measurement])).toEqual([
      [1, 'a'],
      [5, 'b'],
      [7, 'd'],
    ]);
    expect(errors).toEqual([
      { lineNumber: 2, kind: 'parse', message: "unable to parse 'bad': missing fields" },
      { lineNumber: 6, kind: 'parse', message: "unable to parse 'c v=': missing field value" },
    ]);
  });

  it('lets a string value span lines and counts those lines', () => {
    const { points, errors } = collect('a v="x\ny" 1\nb v=2');
    expect(errors).toEqual([]);
    expect(points).toEqual([
      [1, pt('a', [], [S('v', 'x\ny')], 1n)],
      [3, pt('b', [], [F('v', 2)])],
    ]);
  });

  it('blames only the first line when a quote is never closed', () => {
    const { points, errors } = collect('a v="x\nb v=2\nc v=3');
    expect(errors).toEqual([{ lineNumber: 1, kind: 'parse', message: `unable to parse 'a v="x': unbalanced quotes` }]);
    expect(points.map(([n, p]) => [n, p.measurement])).toEqual([
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  it('blames only the first line when a multi-line point fails after the string', () => {
    const { points, errors } = collect('a v="x\nb v=2",w=zz\nc v=3');
    expect(errors.map((e) => [e.lineNumber, e.message])).toEqual([
      [1, `unable to parse 'a v="x': unbalanced quotes`],
      [2, `unable to parse 'b v=2",w=zz': invalid number`],
    ]);
    expect(points.map(([n, p]) => [n, p.measurement])).toEqual([[3, 'c']]);
  });

  it('strips CR only at the end of a line, and the error text has no CR or LF', () => {
    const { errors } = collect('cpu v=x\r\n');
    expect(errors).toEqual([{ lineNumber: 1, kind: 'parse', message: "unable to parse 'cpu v=x': invalid boolean" }]);
  });

  it('reports the text after leading blanks and keeps trailing blanks, as InfluxDB', () => {
    const { errors } = collect('  cpu v=x  ');
    expect(errors[0]!.message).toBe("unable to parse 'cpu v=x  ': invalid boolean");
  });

  it('exposes the byte range of each line; parsing that slice alone gives the same point', () => {
    const body = Buffer.from('  cpu v=1 5\r\n#x\nmem,h=é v="a\nb"\r\nbad line\ndisk v=3');
    const ranges: Array<[number, number]> = [];
    parseLines(body, { point: (line) => void ranges.push([line.lineStart, line.lineEnd]), error: () => {} });
    const slices = ranges.map(([s, e]) => body.subarray(s, e).toString());
    expect(slices).toEqual(['cpu v=1 5', 'mem,h=é v="a\nb"', 'disk v=3']);
    for (const slice of slices) expect(parseToPoints(slice).errors).toEqual([]);
  });

  it('counts points and errors', () => {
    const visitor = { point: () => {}, error: () => {} };
    expect(parseLines(Buffer.from('a v=1\nb\nc v=2\ncpu,time=1 v=1\n'), visitor)).toEqual({ points: 2, errors: 2 });
  });

  it('accepts a plain Uint8Array view without copying it', () => {
    const bytes = new TextEncoder().encode('xx\ncpu v=1\n');
    const view = new Uint8Array(bytes.buffer, 3, bytes.length - 3);
    expect(parseToPoints(view).points).toEqual([CPU([F('v', 1)])]);
  });

  it('enforces the 65535-byte key limit', () => {
    const key = `cpu,t=${'x'.repeat(65530)}`;
    expect(parseToPoints(`${key} v=1`).errors[0]!.message).toMatch(/: max key length exceeded: 65536 > 65535$/);
    // Key + 4 + field key must also fit: 65530 + 4 + 1 does, 65530 + 4 + 2 does not.
    const longest = `cpu,t=${'x'.repeat(65524)}`;
    expect(longest.length).toBe(65530);
    expect(parseToPoints(`${longest} v=1`).errors).toEqual([]);
    expect(parseToPoints(`${longest} v=1,vv=2`).errors[0]!.message).toMatch(/: max key length exceeded: 65536 > 65535$/);
  });
});

it('still finds duplicate fields after the per-line stamp wraps around', () => {
  const parser = new LineParser();
  // Right at the edge of Int32: without the wrap, stamps past 2^31 - 1 would never match.
  (parser as unknown as { dedupeLine: number }).dedupeLine = 2 ** 31 - 3;
  const counts: number[] = [];
  const body = Buffer.from('m a=1,a=2\n'.repeat(5));
  parser.parseBody(body, { point: (line) => void counts.push(line.fieldCount), error: () => {} }, 'ns');
  expect(counts).toEqual([1, 1, 1, 1, 1]);
  expect((parser as unknown as { dedupeLine: number }).dedupeLine).toBeLessThan(10);
});

describe('ParsedLine accessors', () => {
  it('check their index', () => {
    parseLines(Buffer.from('cpu,a=b v=1'), {
      point(line) {
        expect(() => line.fieldKey(1)).toThrow(RangeError);
        expect(() => line.tagKey(-1)).toThrow(RangeError);
        expect(() => line.stringValue(0)).toThrow(TypeError);
      },
      error() {},
    });
  });

  it('give numberValue for booleans as 1/0 and intValue as bigint beyond 2^53', () => {
    const seen: unknown[] = [];
    parseLines(Buffer.from('cpu a=true,b=F,c=9007199254740993i,d=-5i,e=2.5'), {
      point(line) {
        seen.push(line.numberValue(0), line.numberValue(1), line.intValue(2), line.intValue(3), line.numberValue(4));
        seen.push(line.lineText(), line.measurement, line.tagCount, line.fieldCount, line.time);
      },
      error() {},
    });
    expect(seen).toEqual([1, 0, 9007199254740993n, -5, 2.5, 'cpu a=true,b=F,c=9007199254740993i,d=-5i,e=2.5', 'cpu', 0, 5, undefined]);
  });
});

it('the table has at least 150 cases', () => {
  expect(valid.length + invalidLines.length).toBeGreaterThanOrEqual(150);
});
