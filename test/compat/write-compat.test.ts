// Sends the recorded /write cases (dataset.mjs WRITE_CASES) to a real `shoal server` and compares
// each answer with InfluxDB 1.6.7's golden: status, Content-Type, X-Influxdb-Error and the body,
// JSON-equivalently. Differences Shoal makes on purpose (docs/compatibility.md) are listed below
// with the exact answer Shoal must give instead; known Shoal bugs are listed separately and kept
// out of the comparison until fixed.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerProcess } from '../support/server-process.js';
import { diffResponses, formatDiffs } from './compare.mjs';
import { WRITE_CASES, WRITE_CASES_SETUP } from './dataset.mjs';
import { runSetup, send, writeCaseRequest } from './requests.mjs';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
interface Golden extends Answer {
  id: string;
  headers: Record<string, string>;
}

const GOLDEN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const golden = (id: string): Golden => JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, `${id}.json`), 'utf8'));

/** The response headers compared for every case. */
const COMPARED_HEADERS = ['content-type', 'x-influxdb-error'];

/**
 * Cases where Shoal answers differently from InfluxDB 1.6 on purpose. Each names its row in
 * docs/compatibility.md and gives Shoal's whole answer, compared as strictly as a golden.
 */
const DELIBERATE_DIFFERENCES: { id: string; reason: string; shoal: { status: number; headers: Record<string, string>; body: string } }[] = [
  {
    id: 'write-partial-parse-error',
    reason: 'compatibility.md, write path, "dropped=N": Shoal reports the true number of points not stored (1 unparsable line) where InfluxDB 1.6 always says dropped=0',
    shoal: {
      status: 400,
      headers: {
        'content-type': 'application/json',
        'x-influxdb-error': "partial write: unable to parse 'bad,host=a 1451606400000000000': invalid field format dropped=1",
      },
      body: '{"error":"partial write: unable to parse \'bad,host=a 1451606400000000000\': invalid field format dropped=1"}\n',
    },
  },
  {
    id: 'write-precision-unknown',
    reason: 'compatibility.md, write path, "Unknown precision": a 400 instead of silently storing the points as nanoseconds',
    shoal: {
      status: 400,
      headers: {
        'content-type': 'application/json',
        'x-influxdb-error': 'invalid precision "sec": expected one of ns, u, ms, s, m, h',
      },
      body: '{"error":"invalid precision \\"sec\\": expected one of ns, u, ms, s, m, h"}\n',
    },
  },
  {
    id: 'write-unknown-rp',
    reason: 'compatibility.md, write path, "retention policy that does not exist": 404 instead of 500, same message, so clients do not retry forever',
    shoal: {
      status: 404,
      headers: { 'content-type': 'application/json', 'x-influxdb-error': 'retention policy not found: no_such_rp' },
      body: '{"error":"retention policy not found: no_such_rp"}\n',
    },
  },
  {
    id: 'write-parse-unsigned',
    reason: 'compatibility.md, write path, "Unsigned integers": Shoal stores `1u` as an unsigned integer, as InfluxDB 1.7+ does; 1.6 refuses it as an invalid number',
    shoal: { status: 204, headers: { 'content-type': 'application/json' }, body: '' },
  },
  {
    id: 'write-crlf-and-comments',
    reason: 'compatibility.md, write path, "CRLF line endings": Shoal takes \\r\\n as a line end (files written on Windows); InfluxDB 1.6 keeps the \\r and refuses the line',
    shoal: { status: 204, headers: { 'content-type': 'application/json' }, body: '' },
  },
  {
    id: 'write-get-method',
    reason: 'compatibility.md, other endpoints, "Wrong method on a known path": 405 with a JSON error body (and an Allow header) instead of a text body; every Shoal error answer has one shape, X-Influxdb-Error included',
    shoal: {
      status: 405,
      headers: { 'content-type': 'application/json', 'x-influxdb-error': 'Method Not Allowed', allow: 'POST, OPTIONS' },
      body: '{"error":"Method Not Allowed"}\n',
    },
  },
];

const goldens = new Map<string, Golden>(WRITE_CASES.map((wc: { id: string }) => [wc.id, golden(wc.id)]));
const deliberate = new Map(DELIBERATE_DIFFERENCES.map((d) => [d.id, d]));

describe('/write answers match InfluxDB 1.6.7 (golden/write-*.json)', () => {
  let dataDir: string;
  let server: ServerProcess;
  const answers = new Map<string, Answer>();

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-write-compat-'));
    server = await ServerProcess.start(dataDir);
    await runSetup(server.port, WRITE_CASES_SETUP);
    // In recording order: later cases depend on what earlier ones stored (field types).
    for (const wc of WRITE_CASES) answers.set(wc.id, await send(server.port, writeCaseRequest(wc)));
  });

  afterAll(async () => {
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  for (const wc of WRITE_CASES as { id: string }[]) {
    const difference = deliberate.get(wc.id);
    if (difference !== undefined) {
      it(`${wc.id}: deliberate difference — ${difference.reason}`, () => {
        const headers = Object.keys(difference.shoal.headers);
        const d = diffResponses({ ...difference.shoal }, answers.get(wc.id)!, { headers });
        expect(d, formatDiffs(d)).toEqual([]);
        // The exception must still be an exception: InfluxDB's recorded answer differs.
        expect(diffResponses(goldens.get(wc.id)!, difference.shoal, { headers: COMPARED_HEADERS })).not.toEqual([]);
      });
    } else {
      it(`${wc.id}: same answer as InfluxDB`, () => {
        const d = diffResponses(goldens.get(wc.id)!, answers.get(wc.id)!, { headers: COMPARED_HEADERS });
        expect(d, formatDiffs(d)).toEqual([]);
      });
    }
  }

  it('every deliberate-difference entry names a recorded case', () => {
    for (const id of deliberate.keys()) expect(goldens.has(id), id).toBe(true);
  });

});
