import { describe, expect, it } from 'vitest';
import { METRIC_SERIES_MAX, MetricsRegistry, registerStatsGauges, snakeCase } from './metrics.js';

describe('MetricsRegistry', () => {
  it('renders counters and gauges with HELP, TYPE and escaped label values', () => {
    const r = new MetricsRegistry();
    const c = r.counter('reqs_total', 'Requests.\nSecond line \\ here', ['path']);
    c.inc({ path: '/a"b\\c\nd' });
    c.inc({ path: '/a"b\\c\nd' }, 2);
    r.gauge('temp', 'Temperature.').set(-1.5);
    expect(r.render()).toBe(
      [
        '# HELP reqs_total Requests.\\nSecond line \\\\ here',
        '# TYPE reqs_total counter',
        'reqs_total{path="/a\\"b\\\\c\\nd"} 3',
        '# HELP temp Temperature.',
        '# TYPE temp gauge',
        'temp -1.5',
        '',
      ].join('\n'),
    );
  });

  it('renders histograms with cumulative buckets, +Inf, sum and count', () => {
    const r = new MetricsRegistry();
    const h = r.histogram('lat_seconds', 'Latency.', ['ep'], [0.1, 1]);
    h.observe(0.05, { ep: 'w' });
    h.observe(0.5, { ep: 'w' });
    h.observe(5, { ep: 'w' });
    expect(r.render()).toContain(
      [
        'lat_seconds_bucket{ep="w",le="0.1"} 1',
        'lat_seconds_bucket{ep="w",le="1"} 2',
        'lat_seconds_bucket{ep="w",le="+Inf"} 3',
        'lat_seconds_sum{ep="w"} 5.55',
        'lat_seconds_count{ep="w"} 3',
      ].join('\n'),
    );
    expect(h.snapshot({ ep: 'w' })).toEqual({ count: 3, sum: 5.55 });
  });

  it('refuses a counter decrease, a missing label, a duplicate name and bad names', () => {
    const r = new MetricsRegistry();
    const c = r.counter('c_total', 'c', ['a']);
    expect(() => c.inc({ a: 'x' }, -1)).toThrow(/only grow/);
    expect(() => c.inc({})).toThrow(/needs label a/);
    expect(() => r.counter('c_total', 'again')).toThrow(/already registered/);
    expect(() => r.gauge('bad-name', 'x')).toThrow(/invalid metric name/);
    expect(() => r.histogram('h', 'x', ['le'])).toThrow(/le/);
  });

  it('keeps at most METRIC_SERIES_MAX label combinations per metric and counts the rest', () => {
    const r = new MetricsRegistry();
    const c = r.counter('many_total', 'many', ['id']);
    for (let i = 0; i < METRIC_SERIES_MAX + 5; i++) c.inc({ id: String(i) });
    expect(c.droppedSeriesTotal).toBe(5);
    expect(r.render().split('\n').filter((l) => l.startsWith('many_total{')).length).toBe(METRIC_SERIES_MAX);
  });

  it('reading a value does not create a series', () => {
    const r = new MetricsRegistry();
    const c = r.counter('x_total', 'x', ['a']);
    expect(c.get({ a: 'nothing' })).toBe(0);
    expect(r.render()).not.toContain('x_total{');
  });
});

describe('registerStatsGauges', () => {
  it('turns each numeric statistic into a gauge refreshed at every render', () => {
    const r = new MetricsRegistry();
    let stats: Record<string, unknown> = { shards: 1, seriesCount: 10, cacheBytes: 5n, label: 'x' };
    const remove = registerStatsGauges(r, 'shoal_store', 'Storage engine statistic', () => stats);
    expect(r.render()).toContain('shoal_store_series_count 10');
    stats = { shards: 2, seriesCount: 11, cacheBytes: 7n, label: 'x' };
    const text = r.render();
    expect(text).toContain('shoal_store_shards 2');
    expect(text).toContain('shoal_store_cache_bytes 7');
    expect(text).not.toContain('label');
    remove();
    stats = { shards: 3, seriesCount: 12, cacheBytes: 7n };
    expect(r.render()).toContain('shoal_store_shards 2');
  });

  it('snake_cases keys', () => {
    expect(snakeCase('pointsWritten')).toBe('points_written');
    expect(snakeCase('walBytes')).toBe('wal_bytes');
    expect(snakeCase('a.b-c')).toBe('a_b_c');
  });
});
