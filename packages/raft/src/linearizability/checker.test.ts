import { describe, expect, it } from 'vitest';
import { ILLEGAL, checkOperations, kvModel } from './checker.js';
import type { KvInput, KvOutput, Model, Operation } from './checker.js';

type Op = Operation<KvInput, KvOutput>;
const put = (clientId: number, key: string, value: string, callTime: number, returnTime: number): Op => ({
  clientId,
  input: { op: 'put', key, value },
  output: { value: null },
  callTime,
  returnTime,
});
const get = (clientId: number, key: string, value: string | null, callTime: number, returnTime: number): Op => ({
  clientId,
  input: { op: 'get', key },
  output: { value },
  callTime,
  returnTime,
});
const lost = (op: Op): Op => ({ ...op, output: undefined, returnTime: Infinity });

describe('linearizability checker (key-value registers)', () => {
  it('accepts a sequential history', () => {
    const h = [put(0, 'x', '1', 0, 1), get(0, 'x', '1', 2, 3), put(0, 'x', '2', 4, 5), get(0, 'x', '2', 6, 7)];
    expect(checkOperations(kvModel, h).result).toBe('ok');
  });

  it('accepts a read that sees either side of a concurrent write', () => {
    const base = [put(0, 'x', '1', 0, 10)];
    expect(checkOperations(kvModel, [...base, get(1, 'x', '1', 5, 6)]).result).toBe('ok');
    expect(checkOperations(kvModel, [...base, get(1, 'x', null, 5, 6)]).result).toBe('ok');
  });

  it('rejects a stale read after a completed write', () => {
    const h = [put(0, 'x', '1', 0, 1), get(1, 'x', null, 2, 3)];
    const r = checkOperations(kvModel, h);
    expect(r.result).toBe('illegal');
  });

  it('rejects reads that see a value and then an older one (no going back in time)', () => {
    const h = [
      put(0, 'x', '1', 0, 100),
      get(1, 'x', '1', 10, 20),
      get(2, 'x', null, 30, 40),
    ];
    expect(checkOperations(kvModel, h).result).toBe('illegal');
  });

  it('orders concurrent writes consistently for every reader', () => {
    const writes = [put(0, 'x', 'a', 0, 50), put(1, 'x', 'b', 0, 50)];
    // Two readers after both writes must agree on the winner.
    expect(checkOperations(kvModel, [...writes, get(2, 'x', 'a', 60, 70), get(3, 'x', 'a', 80, 90)]).result).toBe('ok');
    expect(checkOperations(kvModel, [...writes, get(2, 'x', 'a', 60, 70), get(3, 'x', 'b', 80, 90)]).result).toBe('illegal');
    // While the writes are in flight, a flip-flop a, b, a is impossible.
    const flip = [...writes, get(2, 'x', 'a', 10, 11), get(2, 'x', 'b', 12, 13), get(2, 'x', 'a', 14, 15)];
    expect(checkOperations(kvModel, flip).result).toBe('illegal');
    const flop = [...writes, get(2, 'x', 'a', 10, 11), get(2, 'x', 'b', 12, 13), get(2, 'x', 'b', 14, 15)];
    expect(checkOperations(kvModel, flop).result).toBe('ok');
  });

  it('lets a write with unknown outcome take effect at any later time, or never', () => {
    const timedOut = lost(put(0, 'x', '1', 0, 5));
    expect(checkOperations(kvModel, [timedOut, get(1, 'x', null, 10, 11), get(1, 'x', '1', 100, 101)]).result).toBe('ok');
    expect(checkOperations(kvModel, [timedOut, get(1, 'x', null, 10, 11)]).result).toBe('ok');
    // ...but not before it was called.
    expect(checkOperations(kvModel, [get(1, 'x', '1', -3, -2), timedOut]).result).toBe('illegal');
    // ...and once seen it stays (unless overwritten).
    expect(checkOperations(kvModel, [timedOut, get(1, 'x', '1', 10, 11), get(1, 'x', null, 12, 13)]).result).toBe('illegal');
  });

  it('checks keys independently', () => {
    const h = [put(0, 'x', '1', 0, 1), put(0, 'y', '2', 0, 1), get(1, 'y', '2', 2, 3), get(1, 'x', '2', 2, 3)];
    const r = checkOperations(kvModel, h);
    expect(r.result).toBe('illegal');
    expect(r.result === 'illegal' && r.explanation).toMatch(/\(x\b/);
  });

  it('handles many concurrent operations with the memo (a register history of 300 operations)', () => {
    const ops: Op[] = [];
    let value: string | null = null;
    // Ten clients, overlapping windows, a consistent underlying order: the linearization point of
    // each op is its midpoint.
    const points: { t: number; op: () => Op }[] = [];
    for (let i = 0; i < 300; i++) {
      const client = i % 10;
      const call = i * 3;
      const ret = call + 25;
      const mid = call + 12;
      if (i % 3 === 0) points.push({ t: mid, op: () => ((value = `v${i}`), put(client, 'k', `v${i}`, call, ret)) });
      else points.push({ t: mid, op: () => get(client, 'k', value, call, ret) });
    }
    points.sort((a, b) => a.t - b.t);
    for (const p of points) ops.push(p.op());
    expect(checkOperations(kvModel, ops).result).toBe('ok');
    // Corrupt one read in the middle: now illegal.
    const bad = ops.slice();
    const idx = bad.findIndex((o, i) => i > 150 && o.input.op === 'get' && o.output?.value !== null);
    bad[idx] = { ...bad[idx]!, output: { value: 'never-written' } };
    expect(checkOperations(kvModel, bad).result).toBe('illegal');
  });

  it('reports unknown when the search budget runs out', () => {
    const ops: Op[] = [];
    for (let i = 0; i < 40; i++) ops.push(lost(put(i, 'k', `v${i}`, i, i + 1)));
    ops.push(get(99, 'k', 'nope', 1000, 1001));
    expect(checkOperations(kvModel, ops, { stepsMax: 1000 }).result).toBe('unknown');
  });

  it('works with any model: a counter that only increments', () => {
    const counter: Model<number, 'inc' | 'read', number> = {
      init: () => 0,
      step: (s, input, output) => (input === 'inc' ? s + 1 : output === undefined || output === s ? s : ILLEGAL),
      stateKey: (s) => String(s),
    };
    const op = (input: 'inc' | 'read', output: number, callTime: number, returnTime: number) => ({
      clientId: 0,
      input,
      output,
      callTime,
      returnTime,
    });
    expect(checkOperations(counter, [op('inc', 0, 0, 10), op('inc', 0, 0, 10), op('read', 2, 11, 12)]).result).toBe('ok');
    expect(checkOperations(counter, [op('inc', 0, 0, 10), op('read', 2, 5, 6)]).result).toBe('illegal');
  });
});
