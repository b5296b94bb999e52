import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ParsePool } from './parse-pool.js';
import { parseWrite } from './write-parse.js';

const logger = pino({ level: 'silent' });
const pools: ParsePool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

function body(lines: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    out.push(`cpu,host=h${i % 7},region=r${i % 3} usage=${i / 4},count=${i}i,big=${9007199254740993n + BigInt(i)}i,s="line ${i}",ok=${i % 2 === 0} ${1_700_000_000_000_000_000n + BigInt(i)}`);
    if (i % 97 === 0) out.push(`broken line ${i}`);
    if (i % 89 === 0) out.push(`cpu,time=x v=1 ${i}`);
  }
  out.push('cpu v=1'); // no timestamp: takes the server time
  return Buffer.from(out.join('\n'));
}

describe('ParsePool', () => {
  it('gives the same batch and refusals from a worker as parsing inline', async () => {
    const pool = new ParsePool({ workers: 1, logger, inlineBytesMax: 0 });
    pools.push(pool);
    const b = body(2000);
    const copy = Buffer.from(b);
    const serverTime = 1_800_000_000_000_000_000n;
    const inline = parseWrite(copy, 'ns', serverTime);
    const { parsed, body: back } = await pool.parse(b, 'ns', serverTime);
    expect(Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(copy)).toBe(true);
    expect(parsed.parseErrorCount).toBe(inline.parseErrorCount);
    expect(parsed.parseErrors).toEqual(inline.parseErrors);
    expect(parsed.invalidCount).toBe(inline.invalidCount);
    expect(parsed.invalidReason).toBe(inline.invalidReason);
    const a = parsed.batch;
    const e = inline.batch;
    expect(a.count).toBe(e.count);
    expect(a.fieldCount).toBe(e.fieldCount);
    const all = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
    expect(all(a.count, (p) => a.seriesKey(p))).toEqual(all(e.count, (p) => e.seriesKey(p)));
    expect(all(a.count, (p) => a.measurement(p))).toEqual(all(e.count, (p) => e.measurement(p)));
    expect(all(a.fieldCount, (f) => a.fieldKey(f))).toEqual(all(e.fieldCount, (f) => e.fieldKey(f)));
    expect([...a.times.subarray(0, a.count)]).toEqual([...e.times.subarray(0, e.count)]);
    expect([...a.fieldTypes.subarray(0, a.fieldCount)]).toEqual([...e.fieldTypes.subarray(0, e.fieldCount)]);
    expect([...a.nums.subarray(0, a.fieldCount)]).toEqual([...e.nums.subarray(0, e.fieldCount)]);
    expect([...a.fieldOffsets.subarray(0, a.count + 1)]).toEqual([...e.fieldOffsets.subarray(0, e.count + 1)]);
    expect([...a.lineStarts.subarray(0, a.count)]).toEqual([...e.lineStarts.subarray(0, e.count)]);
    expect(a.bigs).toEqual(e.bigs);
    expect(a.strs).toEqual(e.strs);
    expect(a.times[a.count - 1]).toBe(serverTime);
  });

  it('copies a body that shares its memory instead of taking that memory away', async () => {
    const pool = new ParsePool({ workers: 1, logger, inlineBytesMax: 0 });
    pools.push(pool);
    const big = Buffer.from('xxxx' + body(10).toString());
    const slice = big.subarray(4);
    const { parsed } = await pool.parse(slice, 'ns', 0n);
    expect(parsed.batch.count).toBeGreaterThan(0);
    expect(big.length).toBeGreaterThan(4); // still usable: not detached
    expect(big.subarray(0, 4).toString()).toBe('xxxx');
  });

  it('parses small bodies inline and runs jobs concurrently on several workers', async () => {
    const pool = new ParsePool({ workers: 2, logger, inlineBytesMax: 1000 });
    pools.push(pool);
    const small = Buffer.from('m v=1 1');
    const r = await pool.parse(small, 'ns', 0n);
    expect(r.body).toBe(small);
    const results = await Promise.all(Array.from({ length: 6 }, () => pool.parse(body(300), 'ns', 0n)));
    for (const { parsed } of results) expect(parsed.batch.count).toBe(results[0]!.parsed.batch.count);
  });

  it('fails the jobs of a worker that dies and keeps serving with a new one', async () => {
    const pool = new ParsePool({ workers: 1, logger, inlineBytesMax: 0 });
    pools.push(pool);
    const internals = pool as unknown as { workers: Array<{ worker: { terminate(): Promise<number> } }> };
    const pending = pool.parse(body(50), 'ns', 0n);
    await internals.workers[0]!.worker.terminate();
    await expect(pending).rejects.toThrow(/exited/);
    const { parsed } = await pool.parse(body(50), 'ns', 0n);
    expect(parsed.batch.count).toBeGreaterThan(0);
  });
});
