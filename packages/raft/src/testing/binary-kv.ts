// The key-value state machine of the example server (kv-server.ts) and the benchmark: binary
// commands, no JSON on the hot path.

import type { StateMachine } from '../storage/interfaces.js';

/** Commands are [key length u16][key][value]; apply stores the value and returns its log index. */
export class BinaryKvStateMachine implements StateMachine<number> {
  readonly data = new Map<string, Buffer>();

  static command(key: Uint8Array, value: Uint8Array): Uint8Array {
    const buf = Buffer.allocUnsafe(2 + key.length + value.length);
    buf.writeUInt16BE(key.length, 0);
    buf.set(key, 2);
    buf.set(value, 2 + key.length);
    return buf;
  }

  apply(command: Uint8Array, index: number): number {
    const buf = Buffer.from(command.buffer, command.byteOffset, command.byteLength);
    const keyLen = buf.readUInt16BE(0);
    this.data.set(buf.subarray(2, 2 + keyLen).toString('latin1'), Buffer.from(buf.subarray(2 + keyLen)));
    return index;
  }

  snapshot(): Uint8Array {
    const parts: Buffer[] = [];
    for (const [k, v] of this.data) {
      const head = Buffer.allocUnsafe(6);
      head.writeUInt16BE(k.length, 0);
      head.writeUInt32BE(v.length, 2);
      parts.push(head, Buffer.from(k, 'latin1'), v);
    }
    return Buffer.concat(parts);
  }

  restore(data: Uint8Array): void {
    this.data.clear();
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let at = 0;
    while (at < buf.length) {
      const kl = buf.readUInt16BE(at);
      const vl = buf.readUInt32BE(at + 2);
      at += 6;
      const k = buf.subarray(at, at + kl).toString('latin1');
      at += kl;
      this.data.set(k, Buffer.from(buf.subarray(at, at + vl)));
      at += vl;
    }
  }
}

