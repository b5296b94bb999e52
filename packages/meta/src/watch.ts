// A copy of the META state held by a DATA node or a tool, fed by one Watch stream. Reads are
// synchronous on the copy. The copy only moves forward: it applies a snapshot or a change only
// when it is newer than what it holds, so a stream from a node that is behind (after a reconnect)
// never takes it back in time.
//
// The stream is replaced — on the next address, or on the leader — when it ends, when nothing (not
// even a keepalive) arrived for `idleTimeoutMs` (a stopped or unreachable node), and when a caller
// has been waiting for an index for `lagTimeoutMs` (a node cut off from the group still sends
// keepalives, but its state no longer moves).

import type { ClientReadableStream } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { MetaClient } from './client.js';
import { MetaUnavailableError } from './client.js';
import type { WireWatchEvent } from './proto.js';
import { MetaStateMachine, type MetaChange } from './state-machine.js';
import type { MetaState } from './state.js';

export interface MetaWatchOptions {
  /** Reconnect elsewhere when the stream is silent this long (default 5 s; servers send every 1 s). */
  readonly idleTimeoutMs?: number;
  /** Reconnect to the leader when a caller waited this long for an index (default 2 s). */
  readonly lagTimeoutMs?: number;
  /** `waitFor` gives up after this long unless told otherwise (default 30 s). */
  readonly waitTimeoutMs?: number;
  readonly logger?: Logger;
}

interface Waiter {
  readonly index: number;
  readonly sinceMs: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const DEFAULTS = { idleTimeoutMs: 5000, lagTimeoutMs: 2000, waitTimeoutMs: 30_000 };

export class MetaWatch {
  private readonly machine = new MetaStateMachine();
  private appliedIndex = 0;
  private hasState = false;
  private closed = false;
  private stream: ClientReadableStream<WireWatchEvent> | null = null;
  private streamAddress: string | null = null;
  private generation = 0;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly idleTimer: NodeJS.Timeout;
  private lagTimer: NodeJS.Timeout | null = null;
  private waiters: Waiter[] = [];
  private readonly resetListeners = new Set<(before: MetaState, after: MetaState) => void>();
  private readyWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private readonly idleTimeoutMs: number;
  private readonly lagTimeoutMs: number;
  private readonly waitTimeoutMs: number;
  private reconnects = 0;

  constructor(
    private readonly client: MetaClient,
    private readonly opts: MetaWatchOptions = {},
  ) {
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs;
    this.lagTimeoutMs = opts.lagTimeoutMs ?? DEFAULTS.lagTimeoutMs;
    this.waitTimeoutMs = opts.waitTimeoutMs ?? DEFAULTS.waitTimeoutMs;
    this.idleTimer = setTimeout(() => this.onIdle(), this.idleTimeoutMs);
    this.idleTimer.unref();
    this.connect(client.nextAddress(false));
  }

  /** The copy. Replaced when a snapshot arrives: read it afresh rather than keeping it. */
  get state(): MetaState {
    return this.machine.state;
  }

  /** Every command committed at or below this index is reflected in `state`. */
  get index(): number {
    return this.appliedIndex;
  }

  /** The node the stream comes from (null while reconnecting). */
  get source(): string | null {
    return this.streamAddress;
  }

  /** How many times the stream was replaced. */
  get reconnectCount(): number {
    return this.reconnects;
  }

  /** Resolves once the first state has arrived. */
  ready(timeoutMs = this.waitTimeoutMs): Promise<void> {
    if (this.hasState) return Promise.resolve();
    if (this.closed) return Promise.reject(closedError());
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w.resolve !== done);
        reject(new MetaUnavailableError('watch', `no state within ${timeoutMs} ms`, false));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.readyWaiters.push({
        resolve: done,
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  /** Resolves once the copy reflects every command up to `index`. */
  waitFor(index: number, timeoutMs = this.waitTimeoutMs): Promise<void> {
    if (this.hasState && this.appliedIndex >= index) return Promise.resolve();
    if (this.closed) return Promise.reject(closedError());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        index,
        sinceMs: Date.now(),
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new MetaUnavailableError('watch', `state did not reach index ${index} within ${timeoutMs} ms (at ${this.appliedIndex})`, false));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
      this.armLagTimer();
    });
  }

  /** Every change applied to the copy, in log order (not called for a snapshot: see onReset). */
  onChange(listener: (change: MetaChange) => void): () => void {
    return this.machine.onChange(listener);
  }

  /** A snapshot replaced a copy that was already there (the stream had fallen too far behind). */
  onReset(listener: (before: MetaState, after: MetaState) => void): () => void {
    this.resetListeners.add(listener);
    return () => this.resetListeners.delete(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.stream?.cancel();
    this.stream = null;
    clearTimeout(this.idleTimer);
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    if (this.lagTimer !== null) clearTimeout(this.lagTimer);
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(closedError());
    }
    this.waiters = [];
    for (const w of this.readyWaiters) w.reject(closedError());
    this.readyWaiters = [];
  }

  // ---- the stream ----

  private connect(address: string): void {
    if (this.closed || this.client.isClosed) return;
    const gen = ++this.generation;
    this.streamAddress = address;
    const stream = this.client.stub(address).watch({ fromIndex: this.hasState ? this.appliedIndex : 0 });
    this.stream = stream;
    this.idleTimer.refresh();
    stream.on('data', (ev: WireWatchEvent) => {
      if (gen !== this.generation) return;
      try {
        this.handle(ev);
      } catch (err) {
        this.opts.logger?.warn({ err, address }, 'unreadable watch event; reconnecting elsewhere');
        this.replace(false);
      }
    });
    const ended = (err?: Error): void => {
      if (gen !== this.generation) return;
      // 'error' and 'end' may both come: the first one counts.
      this.generation++;
      this.opts.logger?.debug({ address, err: err?.message }, 'watch stream ended; reconnecting');
      this.failures++;
      this.scheduleReconnect(this.client.backoffMs(this.failures));
    };
    stream.on('error', ended);
    stream.on('end', () => ended());
  }

  private handle(ev: WireWatchEvent): void {
    this.idleTimer.refresh();
    this.failures = 0;
    this.client.noteLeader(ev.leader);
    if (ev.snapshot !== null) {
      const snapIndex = Number(ev.snapshot.index);
      if (!this.hasState || snapIndex > this.appliedIndex) {
        const before = this.hasState ? this.machine.state : null;
        this.machine.restore(ev.snapshot.data);
        this.appliedIndex = snapIndex;
        this.hasState = true;
        if (before !== null) for (const l of this.resetListeners) l(before, this.machine.state);
      }
    }
    if (!this.hasState) return;
    for (const c of ev.changes) {
      const index = Number(c.index);
      if (index <= this.appliedIndex) continue;
      // The command as committed; the machine words its result as every replica does.
      this.machine.apply(c.command, index, Number(c.term));
      this.appliedIndex = index;
    }
    const applied = Number(ev.appliedIndex);
    if (applied > this.appliedIndex) this.appliedIndex = applied;
    this.settle();
  }

  private settle(): void {
    if (this.readyWaiters.length > 0) {
      const ready = this.readyWaiters;
      this.readyWaiters = [];
      for (const w of ready) w.resolve();
    }
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.index <= this.appliedIndex) {
        clearTimeout(w.timer);
        w.resolve();
      } else {
        still.push(w);
      }
    }
    this.waiters = still;
  }

  private onIdle(): void {
    if (this.closed) return;
    this.opts.logger?.warn({ address: this.streamAddress, idleMs: this.idleTimeoutMs }, 'watch stream silent; reconnecting elsewhere');
    this.replace(false);
  }

  private armLagTimer(): void {
    if (this.lagTimer !== null || this.closed) return;
    this.lagTimer = setTimeout(() => {
      this.lagTimer = null;
      if (this.waiters.length === 0 || this.closed) return;
      const oldest = Math.min(...this.waiters.map((w) => w.sinceMs));
      if (Date.now() - oldest >= this.lagTimeoutMs) {
        this.opts.logger?.warn({ address: this.streamAddress, index: this.appliedIndex }, 'watch stream lags behind; reconnecting to the leader');
        this.replace(true);
      }
      this.armLagTimer();
    }, this.lagTimeoutMs);
    this.lagTimer.unref();
  }

  /** Drops the current stream and connects at once to another node (or the leader). */
  private replace(preferLeader: boolean): void {
    this.generation++;
    this.stream?.cancel();
    this.stream = null;
    this.reconnects++;
    let next = this.client.nextAddress(preferLeader);
    // Going back to the node we are leaving gains nothing unless it is the only one.
    if (next === this.streamAddress && this.client.addresses.length > 1) next = this.client.nextAddress(false);
    this.connect(next);
  }

  private scheduleReconnect(delayMs: number): void {
    this.stream = null;
    this.streamAddress = null;
    if (this.reconnectTimer !== null || this.closed) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.reconnects++;
      this.connect(this.client.nextAddress(false));
    }, delayMs);
    this.reconnectTimer.unref();
  }
}

function closedError(): Error {
  return new MetaUnavailableError('watch', 'watch closed', false);
}
