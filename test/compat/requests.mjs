// How a statement, a data-set step or a /write case becomes an HTTP request, and how it is sent.
// record.mjs (against InfluxDB) and the tests (against Shoal) share this file, so both servers
// receive byte-identical requests.

import http from 'node:http';
import zlib from 'node:zlib';

/** Response headers kept in a golden: the ones a client acts on. Date, request ids and versions vary. */
export const RECORDED_HEADERS = ['content-type', 'x-influxdb-error'];

/** A request: { method, path, headers, body } with body a Buffer (possibly empty). */
function req(method, path, headers = {}, body = Buffer.alloc(0)) {
  return { method, path, headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8') };
}

/** The /query request for one statement of statements.mjs. */
export function queryRequest(st) {
  const params = new URLSearchParams();
  if (st.db !== undefined) params.set('db', st.db);
  params.set('q', st.q);
  if (st.epoch !== undefined) params.set('epoch', st.epoch);
  for (const [k, v] of Object.entries(st.params ?? {})) params.set(k, v);
  const method = st.method ?? 'GET';
  const headers = { ...(st.headers ?? {}) };
  if (st.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    return req(method, '/query', headers, params.toString());
  }
  return req(method, `/query?${params}`, headers);
}

/** The request for one step of SETUP_STEPS / WRITE_CASES_SETUP. */
export function setupRequest(step) {
  if (step.kind === 'query') {
    return req('POST', `/query?${new URLSearchParams({ q: step.q })}`);
  }
  const params = new URLSearchParams({ db: step.db });
  if (step.rp !== undefined) params.set('rp', step.rp);
  if (step.precision !== undefined) params.set('precision', step.precision);
  return req('POST', `/write?${params}`, {}, step.body);
}

/** The /write request for one WRITE_CASES entry. */
export function writeCaseRequest(wc) {
  const headers = { ...(wc.headers ?? {}) };
  let body = Buffer.from(wc.body, 'utf8');
  if (wc.gzip) {
    body = zlib.gzipSync(body, { level: 6 });
    headers['Content-Encoding'] = 'gzip';
  }
  return req(wc.method ?? 'POST', wc.query === '' ? '/write' : `/write?${wc.query}`, headers, body);
}

/** Sends a request on a fresh connection; resolves { status, headers, body } with body as text. */
export function send(port, r, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const headers = { ...r.headers };
    if (r.body.length > 0 || r.method === 'POST') headers['Content-Length'] = String(r.body.length);
    const request = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms: ${r.method} ${r.path}`)));
    request.on('error', reject);
    request.end(r.body);
  });
}

/** The headers of a response that a golden keeps, lower-case names, in RECORDED_HEADERS order. */
export function recordedHeaders(headers) {
  const out = {};
  for (const name of RECORDED_HEADERS) {
    const v = headers[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * Runs SETUP_STEPS-style steps; throws on the first that fails (a write not answering 204, a query
 * not answering 200 or carrying an error), so a recording never rests on a half-built data set.
 */
export async function runSetup(port, steps) {
  for (const step of steps) {
    const r = await send(port, setupRequest(step));
    if (step.kind === 'write') {
      if (r.status !== 204) throw new Error(`setup write to ${step.db}${step.rp ? '.' + step.rp : ''} answered ${r.status}: ${r.body}`);
    } else if (r.status !== 200 || r.body.includes('"error"')) {
      throw new Error(`setup query ${JSON.stringify(step.q)} answered ${r.status}: ${r.body}`);
    }
  }
}
