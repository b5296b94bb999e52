// An in-process network for tests: each node gets a Transport; delivery is asynchronous (a
// macrotask later) so nodes interleave as they would over sockets. Links can be cut.

import type { Message, NodeId } from '../core/types.js';
import type { Transport, TransportHandlers } from '../storage/interfaces.js';

export class MemoryNetwork {
  private readonly handlers = new Map<NodeId, TransportHandlers>();
  private readonly blocked = new Set<string>();
  delivered = 0;

  transport(id: NodeId): Transport {
    const net = this;
    let mine: TransportHandlers | null = null;
    return {
      async start(h: TransportHandlers): Promise<void> {
        mine = h;
        net.handlers.set(id, h);
      },
      send(m: Message): void {
        // A closed transport (a crashed process) sends nothing.
        if (mine !== null && net.handlers.get(id) === mine) net.send(m);
      },
      setPeer(): void {},
      removePeer(): void {},
      async close(): Promise<void> {
        // Only our own registration: a restarted node with the same id may have replaced it.
        if (net.handlers.get(id) === mine) net.handlers.delete(id);
        mine = null;
      },
    };
  }

  /** Takes `id` off the network at once, as a crash would (its transport goes silent). */
  disconnect(id: NodeId): void {
    this.handlers.delete(id);
  }

  private send(m: Message): void {
    // Copy as a wire would: the receiver must not share objects with the sender.
    const copy: Message = {
      ...m,
      entries: m.entries.map((e) => ({ ...e, data: e.data.slice() })),
      snapshotData: m.snapshotData === null ? null : m.snapshotData.slice(),
    };
    setImmediate(() => {
      const sender = this.handlers.get(m.from);
      const h = this.handlers.get(m.to);
      if (h === undefined || this.blocked.has(`${m.from}->${m.to}`)) {
        sender?.onUnreachable(m.to);
        if (m.type === 'snap') sender?.onSnapshotStatus(m.to, false);
        return;
      }
      this.delivered++;
      h.onMessage(copy);
      if (m.type === 'snap') sender?.onSnapshotStatus(m.to, true);
    });
  }

  isolate(id: NodeId, ids: readonly NodeId[]): void {
    for (const other of ids) {
      if (other === id) continue;
      this.blocked.add(`${id}->${other}`);
      this.blocked.add(`${other}->${id}`);
    }
  }

  heal(): void {
    this.blocked.clear();
  }
}
