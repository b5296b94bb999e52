import { describe, expect, it } from 'vitest';
import { parseSeriesKey } from './series-key.js';

describe('parseSeriesKey', () => {
  it('splits measurement and tags', () => {
    expect(parseSeriesKey('cpu,host=a,region=us-west')).toEqual({ measurement: 'cpu', tags: [['host', 'a'], ['region', 'us-west']] });
    expect(parseSeriesKey('cpu')).toEqual({ measurement: 'cpu', tags: [] });
  });

  it('unescapes commas, spaces and equals signs', () => {
    expect(parseSeriesKey('my\\ cpu\\,x,ho\\=st=a\\ b\\,c\\=d')).toEqual({ measurement: 'my cpu,x', tags: [['ho=st', 'a b,c=d']] });
  });

  it('keeps a backslash that escapes nothing', () => {
    expect(parseSeriesKey('c\\pu,k=v\\')).toEqual({ measurement: 'c\\pu', tags: [['k', 'v\\']] });
  });
});
