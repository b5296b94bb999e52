// What the META leader does on its own, on timers: it proposes what the pure planners return
// (shard-group pre-creation, expiry, pruning of deletion markers) and runs the DATA nodes' failure
// detector. Time comes from an injected clock and `tick()` is called from outside (a timer in the
// server, by hand in tests), so every rule here is tested without waiting.
//
// The failure detector keeps heartbeats in the leader's memory only: a heartbeat is not a log
// entry (a dozen DATA nodes beating every second would otherwise fill the log). The state records
// one at most every `heartbeatRecordIntervalMs`, and at once when it brings a `down` node back. A
// new leader knows no heartbeat yet, so it gives every node a full timeout from its election
// before suspecting it.

import type { Logger } from 'pino';
import type { MetaCommand } from './commands.js';
import { planExpiry, planPrecreation, planPrune } from './shard-groups.js';
import type { MetaState } from './state.js';
import type { MetaResult } from './types.js';

export interface Clock {
  /** Milliseconds since the Unix epoch (wall time: it ends up in commands as nanoseconds). */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export interface LeaderDutiesConfig {
  /** How often the leader looks for groups to pre-create (InfluxDB: 10 minutes). */
  readonly precreateCheckIntervalMs: number;
  /** How far ahead groups are pre-created (InfluxDB: 30 minutes). */
  readonly precreateAdvanceMs: number;
  /** How often expired groups are marked deleted and old markers pruned (InfluxDB: 30 minutes). */
  readonly retentionCheckIntervalMs: number;
  /**
   * Whether expired groups are marked deleted (InfluxDB's `[retention] enabled`). Off, data is
   * kept past its policy's duration; markers of groups deleted otherwise are still pruned.
   */
  readonly expireShardGroups: boolean;
  /** How long deletion markers are kept so every DATA node sees them (InfluxDB: a day). */
  readonly pruneGraceMs: number;
  /** How often the failure detector looks at the DATA nodes. */
  readonly failureCheckIntervalMs: number;
  /** A DATA node silent for longer than this is marked down. */
  readonly dataNodeTimeoutMs: number;
  /** A live node's heartbeat is written to the state at most this often. */
  readonly heartbeatRecordIntervalMs: number;
  /** After a failed proposal, the duty runs again this soon rather than a full interval later. */
  readonly retryAfterErrorMs: number;
}

export const DEFAULT_LEADER_DUTIES: LeaderDutiesConfig = {
  precreateCheckIntervalMs: 10 * 60_000,
  precreateAdvanceMs: 30 * 60_000,
  retentionCheckIntervalMs: 30 * 60_000,
  expireShardGroups: true,
  pruneGraceMs: 24 * 3600_000,
  failureCheckIntervalMs: 1000,
  dataNodeTimeoutMs: 10_000,
  heartbeatRecordIntervalMs: 60_000,
  retryAfterErrorMs: 5000,
};

export interface LeaderDutiesOptions {
  /** Proposes a command through Raft and resolves with its result once applied. */
  readonly propose: (cmd: MetaCommand) => Promise<MetaResult | undefined>;
  /** The applied state (read fresh each time: a restore replaces it). */
  readonly state: () => MetaState;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config?: Partial<LeaderDutiesConfig>;
}

const NS_PER_MS = 1_000_000n;

export class LeaderDuties {
  readonly config: LeaderDutiesConfig;
  private leading = false;
  private leaderSinceMs = 0;
  private nextPrecreateMs = 0;
  private nextRetentionMs = 0;
  private nextFailureCheckMs = 0;
  /** DATA node id → when this leader last heard from it (ms). */
  private readonly lastSeenMs = new Map<number, number>();
  /** Node ids with a heartbeat or status proposal in flight: never two at once per node. */
  private readonly inFlight = new Set<number>();
  private running: Promise<void> | null = null;

  constructor(private readonly opts: LeaderDutiesOptions) {
    this.config = { ...DEFAULT_LEADER_DUTIES, ...opts.config };
  }

  get isLeading(): boolean {
    return this.leading;
  }

  /** This node became leader: forget the previous term's heartbeats and run the planners soon. */
  leadershipGained(): void {
    const now = this.opts.clock.nowMs();
    this.leading = true;
    this.leaderSinceMs = now;
    this.lastSeenMs.clear();
    this.nextPrecreateMs = now;
    this.nextRetentionMs = now;
    this.nextFailureCheckMs = now + this.config.failureCheckIntervalMs;
  }

  leadershipLost(): void {
    this.leading = false;
    this.lastSeenMs.clear();
  }

  /**
   * A DATA node's heartbeat reached this leader. Resolves once anything it had to record (a node
   * back from `down`, or a heartbeat time due) is applied; rejects with the refusal for an unknown
   * node.
   */
  async recordHeartbeat(nodeId: number): Promise<void> {
    const now = this.opts.clock.nowMs();
    const node = this.opts.state().node(nodeId);
    if (node === undefined || 'raftId' in node) throw new UnknownDataNodeError(nodeId);
    if (this.leading) this.lastSeenMs.set(nodeId, now);
    const recordDue = now - Number(node.lastHeartbeatNs / NS_PER_MS) >= this.config.heartbeatRecordIntervalMs;
    if ((node.status !== 'down' && !recordDue) || this.inFlight.has(nodeId)) return;
    await this.proposeForNode(nodeId, { type: 'heartbeat', nodeId, nowNs: BigInt(now) * NS_PER_MS });
  }

  /** Runs whatever is due; overlapping calls share one run. */
  tick(): Promise<void> {
    this.running ??= this.runDue().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runDue(): Promise<void> {
    if (!this.leading) return;
    const now = this.opts.clock.nowMs();
    if (now >= this.nextFailureCheckMs) {
      this.nextFailureCheckMs = now + this.config.failureCheckIntervalMs;
      this.checkFailures(now);
    }
    if (now >= this.nextPrecreateMs) {
      const ok = await this.precreate(now);
      this.nextPrecreateMs = now + (ok ? this.config.precreateCheckIntervalMs : this.config.retryAfterErrorMs);
    }
    if (this.leading && now >= this.nextRetentionMs) {
      const ok = await this.enforceRetention(now);
      this.nextRetentionMs = now + (ok ? this.config.retentionCheckIntervalMs : this.config.retryAfterErrorMs);
    }
  }

  private checkFailures(now: number): void {
    for (const node of this.opts.state().dataNodes()) {
      if (node.status !== 'up' || this.inFlight.has(node.id)) continue;
      const heard = Math.max(this.lastSeenMs.get(node.id) ?? 0, this.leaderSinceMs);
      if (now - heard <= this.config.dataNodeTimeoutMs) continue;
      this.opts.logger.warn({ nodeId: node.id, silentMs: now - heard }, 'data node missed its heartbeats; marking it down');
      // Not awaited: one slow proposal must not hold up the other duties.
      void this.proposeForNode(node.id, { type: 'set-node-status', nodeId: node.id, status: 'down' }).catch(() => {});
    }
  }

  private async proposeForNode(nodeId: number, cmd: MetaCommand): Promise<void> {
    this.inFlight.add(nodeId);
    try {
      await this.proposeChecked(cmd);
    } finally {
      this.inFlight.delete(nodeId);
    }
  }

  private async precreate(now: number): Promise<boolean> {
    const nowNs = BigInt(now) * NS_PER_MS;
    const advanceNs = BigInt(this.config.precreateAdvanceMs) * NS_PER_MS;
    // Only propose when there is something to create: an empty command would still be a log entry.
    if (planPrecreation(this.opts.state(), nowNs, advanceNs).length === 0) return true;
    return this.tryPropose({ type: 'precreate-shard-groups', nowNs, advanceNs });
  }

  private async enforceRetention(now: number): Promise<boolean> {
    const nowNs = BigInt(now) * NS_PER_MS;
    let ok = true;
    const expired = this.config.expireShardGroups ? planExpiry(this.opts.state(), nowNs) : [];
    for (const cmd of expired) {
      if (!this.leading) return false;
      ok = (await this.tryPropose(cmd)) && ok;
    }
    const prune = planPrune(this.opts.state(), nowNs, BigInt(this.config.pruneGraceMs) * NS_PER_MS);
    if (prune !== null && this.leading) ok = (await this.tryPropose(prune)) && ok;
    return ok;
  }

  private async tryPropose(cmd: MetaCommand): Promise<boolean> {
    try {
      await this.proposeChecked(cmd);
      return true;
    } catch (err) {
      this.opts.logger.warn({ err, command: cmd.type }, 'leader duty proposal failed; will retry');
      return false;
    }
  }

  private async proposeChecked(cmd: MetaCommand): Promise<void> {
    const result = await this.opts.propose(cmd);
    if (result !== undefined && !result.ok) {
      // A refusal is final for this command (the state decided); log it and move on.
      this.opts.logger.warn({ command: cmd.type, code: result.error.code, reason: result.error.message }, 'leader duty command refused');
    } else {
      const level = cmd.type === 'heartbeat' ? 'debug' : 'info';
      this.opts.logger[level]({ command: cmd.type }, 'leader duty command applied');
    }
  }
}

export class UnknownDataNodeError extends Error {
  override name = 'UnknownDataNodeError';
  constructor(readonly nodeId: number) {
    super(`data node ${nodeId} is not registered`);
  }
}
