// Runs every recorded InfluxQL statement (statements.mjs) against a real `shoal server` holding the
// data set of dataset.mjs and compares each answer with InfluxDB 1.6.7's golden: status,
// Content-Type and the body, JSON-equivalently and int64-exactly (compare.mjs). Part of `npm test`;
// the whole run takes a few seconds.
//
// Statements Shoal answers differently on purpose go in DELIBERATE_DIFFERENCES, each with its
// row in docs/compatibility.md and the answer Shoal gives instead; nothing else may be exempted.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerProcess } from '../support/server-process.js';
import { diffResponses, formatDiffs } from './compare.mjs';
import { SETUP_STEPS, WRITE_CASES, WRITE_CASES_SETUP } from './dataset.mjs';
import { queryRequest, runSetup, send, writeCaseRequest } from './requests.mjs';
import { STATEMENTS, WRITE_CHECK_STATEMENTS } from './statements.mjs';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
interface Statement {
  id: string;
  q: string;
}

const GOLDEN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const golden = (id: string) => JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, `${id}.json`), 'utf8'));

/**
 * Statements Shoal answers differently on purpose: id → the compatibility.md row and Shoal's whole
 * answer, compared as strictly as a golden.
 */
const DELIBERATE_DIFFERENCES = new Map<string, { reason: string; shoal: { status: number; headers: Record<string, string>; body: string } }>([
  [
    'wcheck-measurements',
    {
      reason: 'compatibility.md, /write, "Unsigned integer field values": the v=1u write is stored, so measurement bad exists',
      shoal: {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"results":[{"statement_id":0,"series":[{"name":"measurements","columns":["name"],"values":[["bad"],["good"],["gz"],["newm"],["ok"],["old"],["prec"],["timefield"],["typed"]]}]}]}\n',
      },
    },
  ],
  [
    'wcheck-field-keys',
    {
      reason: 'compatibility.md, /write, "Unsigned integer field values": measurement bad has the unsigned field v',
      shoal: {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"results":[{"statement_id":0,"series":[{"name":"bad","columns":["fieldKey","fieldType"],"values":[["v","unsigned"]]},{"name":"good","columns":["fieldKey","fieldType"],"values":[["v","integer"]]},{"name":"gz","columns":["fieldKey","fieldType"],"values":[["v","integer"]]},{"name":"newm","columns":["fieldKey","fieldType"],"values":[["v","integer"]]},{"name":"ok","columns":["fieldKey","fieldType"],"values":[["v","integer"]]},{"name":"prec","columns":["fieldKey","fieldType"],"values":[["v","integer"]]},{"name":"timefield","columns":["fieldKey","fieldType"],"values":[["v","integer"]]},{"name":"typed","columns":["fieldKey","fieldType"],"values":[["b","boolean"],["f","float"],["i","integer"],["s","string"]]}]}]}\n',
      },
    },
  ],
  [
    'del-last-series-of-field-keys',
    {
      reason: 'compatibility.md, /query, "SHOW FIELD KEYS after DROP SERIES or DELETE": no series of mem has the field extreme any more',
      shoal: {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"results":[{"statement_id":0,"series":[{"name":"mem","columns":["fieldKey","fieldType"],"values":[["free","integer"],["total","integer"],["used","integer"],["used_percent","float"]]}]}]}\n',
      },
    },
  ],
  [
    'wcheck-series',
    {
      reason: 'compatibility.md, /write, "Unsigned integer field values" (series bad) and "CRLF line endings" (series ok,host=c), and /query, "Series of a point refused for a field type conflict" (no typed,host=b)',
      shoal: {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"results":[{"statement_id":0,"series":[{"columns":["key"],"values":[["bad"],["good,host=a"],["good,host=b"],["gz"],["newm"],["ok"],["ok,host=a"],["ok,host=c"],["old"],["prec"],["timefield"],["typed,host=a"],["typed,host=c"]]}]}]}\n',
      },
    },
  ],
  [
    'wcheck-precisions',
    {
      reason: 'compatibility.md, /write, "Unknown precision": the precision=sec write is refused, so the point with v=6 is absent',
      shoal: {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"results":[{"statement_id":0,"series":[{"name":"prec","columns":["time","v"],"values":[[1451606400000000000,4],[1451606401000000000,5]]}]}]}\n',
      },
    },
  ],
  [
    'wcheck-ok-and-gzip',
    {
      reason: 'compatibility.md, /write, "CRLF line endings": the CRLF case stored ok,host=c v=7 at 00:00',
      shoal: {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"results":[{"statement_id":0,"series":[{"name":"gz","columns":["time","host","v"],"values":[["2016-01-01T00:00:00Z",null,1]]},{"name":"ok","columns":["time","host","v"],"values":[["2016-01-01T00:00:00Z",null,1],["2016-01-01T00:00:00Z","c",7],["2016-01-01T00:01:00Z","a",1]]}]}]}\n',
      },
    },
  ],
]);

describe('InfluxQL answers match InfluxDB 1.6.7 (golden/*.json)', () => {
  let dataDir: string;
  let server: ServerProcess;
  const answers = new Map<string, Answer>();

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-query-compat-'));
    server = await ServerProcess.start(dataDir);
    await runSetup(server.port, SETUP_STEPS);
    // In recording order: the DDL statements change what later ones see.
    for (const st of STATEMENTS) answers.set(st.id, await send(server.port, queryRequest(st)));
    await runSetup(server.port, WRITE_CASES_SETUP);
    for (const wc of WRITE_CASES) await send(server.port, writeCaseRequest(wc));
    for (const st of WRITE_CHECK_STATEMENTS) answers.set(st.id, await send(server.port, queryRequest(st)));
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  for (const st of [...STATEMENTS, ...WRITE_CHECK_STATEMENTS] as Statement[]) {
    const difference = DELIBERATE_DIFFERENCES.get(st.id);
    if (difference !== undefined) {
      it(`${st.id}: deliberate difference — ${difference.reason}`, () => {
        const d = diffResponses(difference.shoal, answers.get(st.id)!, { headers: Object.keys(difference.shoal.headers) });
        expect(d, formatDiffs(d)).toEqual([]);
      });
    } else {
      it(`${st.id}: ${st.q.length > 80 ? `${st.q.slice(0, 77)}...` : st.q}`, () => {
        const d = diffResponses(golden(st.id), answers.get(st.id)!);
        expect(d, formatDiffs(d)).toEqual([]);
      });
    }
  }
});
