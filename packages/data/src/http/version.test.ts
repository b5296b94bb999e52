import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INFLUXDB_VERSION_HEADER_VALUE, SHOAL_VERSION } from './version.js';

function packageVersion(pkg: string): string {
  const json = JSON.parse(readFileSync(new URL(`../../../${pkg}/package.json`, import.meta.url), 'utf8')) as { version: string };
  return json.version;
}

describe('versions', () => {
  it('SHOAL_VERSION is the version of the data and cli packages', () => {
    expect(SHOAL_VERSION).toBe(packageVersion('data'));
    expect(SHOAL_VERSION).toBe(packageVersion('cli'));
  });

  it('claims an InfluxDB 1.x version that clients parse as 1.6', () => {
    expect(INFLUXDB_VERSION_HEADER_VALUE).toMatch(/^1\.6\.\d+-shoal$/);
  });
});
