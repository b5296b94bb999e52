import { describe, expect, it } from 'vitest';
import { SeriesIndex, difference, intersect, union } from './series-index.js';

function build(): SeriesIndex {
  const idx = new SeriesIndex();
  idx.create('cpu,host=a,region=east'); // 1
  idx.create('cpu,host=b,region=west'); // 2
  idx.create('cpu,host=c'); // 3
  idx.create('mem,host=a'); // 4
  return idx;
}

describe('SeriesIndex', () => {
  it('lists measurements, tag keys and tag values sorted', () => {
    const idx = build();
    expect(idx.measurements()).toEqual(['cpu', 'mem']);
    expect(idx.tagKeys('cpu')).toEqual(['host', 'region']);
    expect(idx.tagValues('cpu', 'host')).toEqual(['a', 'b', 'c']);
    expect(idx.tagValues('cpu', 'nope')).toEqual([]);
  });

  it('matches equality, inequality and a missing tag as the empty value', () => {
    const idx = build();
    expect(idx.match('cpu', { op: '=', key: 'host', value: 'a' })).toEqual([1]);
    expect(idx.match('cpu', { op: '!=', key: 'region', value: 'east' })).toEqual([2, 3]);
    expect(idx.match('cpu', { op: '=', key: 'region', value: '' })).toEqual([3]);
    expect(idx.match('cpu', { op: '!=', key: 'region', value: '' })).toEqual([1, 2]);
  });

  it('matches regular expressions, including series without the tag when the pattern matches empty', () => {
    const idx = build();
    expect(idx.match('cpu', { op: '=~', key: 'region', regex: /^e/ })).toEqual([1]);
    expect(idx.match('cpu', { op: '=~', key: 'region', regex: /.*/ })).toEqual([1, 2, 3]);
    expect(idx.match('cpu', { op: '!~', key: 'region', regex: /^e/ })).toEqual([2, 3]);
  });

  it('combines predicates with AND and OR', () => {
    const idx = build();
    const a = { op: '=', key: 'host', value: 'a' } as const;
    const west = { op: '=', key: 'region', value: 'west' } as const;
    expect(idx.match('cpu', { op: 'or', left: a, right: west })).toEqual([1, 2]);
    expect(idx.match('cpu', { op: 'and', left: a, right: west })).toEqual([]);
    expect(idx.match('cpu')).toEqual([1, 2, 3]);
    expect(idx.match('disk')).toEqual([]);
  });

  it('keeps persisted ids and continues numbering after the largest', () => {
    const idx = new SeriesIndex();
    idx.load(7, 'cpu,host=x');
    expect(idx.create('cpu,host=y').id).toBe(8);
    expect(idx.getById(7)?.tags).toEqual([['host', 'x']]);
    expect(() => idx.create('cpu,host=x')).toThrow(/already indexed/);
  });

  it('forgets removed series, and the tag values, tag keys and measurements only they carried', () => {
    const idx = build();
    idx.remove([1, 3, 99]);
    expect(idx.size).toBe(2);
    expect(idx.get('cpu,host=a,region=east')).toBeUndefined();
    expect(idx.getById(3)).toBeUndefined();
    expect(idx.tagValues('cpu', 'host')).toEqual(['b']);
    expect(idx.tagValues('cpu', 'region')).toEqual(['west']);
    expect(idx.match('cpu', { op: '=', key: 'region', value: '' })).toEqual([]);
    expect(idx.match('cpu')).toEqual([2]);
    idx.remove([2]);
    expect(idx.measurements()).toEqual(['mem']);
    expect(idx.tagKeys('cpu')).toEqual([]);
    expect(idx.hasMeasurement('cpu')).toBe(false);
    // The same key comes back as a new series with a fresh id.
    expect(idx.create('cpu,host=a,region=east').id).toBe(5);
    expect(idx.tagValues('cpu', 'region')).toEqual(['east']);
  });

  it('removes half of the series that share a tag value and keeps the other half matchable', () => {
    const idx = new SeriesIndex();
    for (let i = 0; i < 1000; i++) idx.create(`m,host=h${i},region=r${i % 2}`);
    idx.remove(Array.from({ length: 500 }, (_, i) => 1 + i * 2));
    expect(idx.match('m', { op: '=', key: 'region', value: 'r0' })).toEqual([]);
    expect(idx.tagValues('m', 'region')).toEqual(['r1']);
    expect(idx.match('m').length).toBe(500);
  });

  it('merges sorted id lists', () => {
    expect(union([1, 3, 5], [2, 3, 6])).toEqual([1, 2, 3, 5, 6]);
    expect(intersect([1, 3, 5], [2, 3, 5])).toEqual([3, 5]);
    expect(difference([1, 2, 3, 4], [2, 4, 9])).toEqual([1, 3]);
  });
});
