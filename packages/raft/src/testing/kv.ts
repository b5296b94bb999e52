// A small key-value state machine used by tests, the real-process test and the benchmark. Commands
// are JSON {k, v}; `apply` returns the previous value, as a real command result would.

import type { StateMachine } from '../storage/interfaces.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A key-value map; `apply` returns the previous value, as a real command result would. */
export class KvStateMachine implements StateMachine<string | null> {
  readonly data = new Map<string, string>();
  applied = 0;
  apply(command: Uint8Array, index: number): string | null {
    const { k, v } = JSON.parse(dec.decode(command)) as { k: string; v: string };
    const prev = this.data.get(k) ?? null;
    this.data.set(k, v);
    this.applied = index;
    return prev;
  }
  snapshot(): Uint8Array {
    return enc.encode(JSON.stringify([...this.data]));
  }
  restore(data: Uint8Array): void {
    this.data.clear();
    for (const [k, v] of JSON.parse(dec.decode(data)) as [string, string][]) this.data.set(k, v);
  }
}

