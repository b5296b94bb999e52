// The goldens must be what record.mjs would record today: one per statement and /write case,
// recorded from the same requests and the same data set. Editing statements.mjs or dataset.mjs
// without recording again fails here, not later as a puzzling Shoal mismatch.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isJsonContentType, parseJsonDocuments } from './compare.mjs';
import { WRITE_CASES, datasetFingerprint } from './dataset.mjs';
import { queryRequest, writeCaseRequest } from './requests.mjs';
import { STATEMENTS, WRITE_CHECK_STATEMENTS } from './statements.mjs';

const GOLDEN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const META_FILE = '_recording.json';
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, file), 'utf8'));

type Req = { method: string; path: string; headers: Record<string, string>; body: Buffer };
const expected: [string, Req][] = [
  ...[...STATEMENTS, ...WRITE_CHECK_STATEMENTS].map((st: { id: string }) => [st.id, queryRequest(st)] as [string, Req]),
  ...WRITE_CASES.map((wc: { id: string }) => [wc.id, writeCaseRequest(wc)] as [string, Req]),
];

describe('golden files', () => {
  it('hold at least 150 statements, one golden per statement and /write case, and nothing else', () => {
    expect(STATEMENTS.length).toBeGreaterThanOrEqual(150);
    const files = fs.readdirSync(GOLDEN_DIR).filter((f) => f !== META_FILE).sort();
    expect(files).toEqual(expected.map(([id]) => `${id}.json`).sort());
  });

  it('were recorded from InfluxDB 1.6.7 with the current data set', () => {
    const meta = readJson(META_FILE);
    expect(meta.influxdb).toMatch(/^InfluxDB v1\.6\.7/);
    expect(meta.datasetSha256, 'dataset.mjs changed: run node test/compat/record.mjs').toBe(datasetFingerprint());
  });

  it('were recorded from the requests the statements and cases build today', () => {
    for (const [id, req] of expected) {
      const g = readJson(`${id}.json`);
      expect({ method: g.request.method, path: g.request.path, headers: g.request.headers }, id).toEqual({ method: req.method, path: req.path, headers: req.headers });
      // gzip bytes may differ between zlib versions: when the bytes differ, compare what they decompress to.
      const recorded = g.request.bodyBase64 !== undefined ? Buffer.from(g.request.bodyBase64, 'base64') : Buffer.from(g.request.body, 'utf8');
      const gz = !recorded.equals(req.body) && req.headers['Content-Encoding'] === 'gzip';
      const body = gz ? zlib.gunzipSync(recorded) : recorded;
      const now = gz ? zlib.gunzipSync(req.body) : req.body;
      expect(body.equals(now), `${id}: request body`).toBe(true);
    }
  });

  it('have bodies that parse as JSON wherever InfluxDB said JSON', () => {
    let parsed = 0;
    for (const [id] of expected) {
      const g = readJson(`${id}.json`);
      if (!isJsonContentType(g.headers['content-type']) || g.body === '') continue;
      expect(() => parseJsonDocuments(g.body), id).not.toThrow();
      parsed++;
    }
    expect(parsed).toBeGreaterThan(300);
  });
});
