// What every statement runs with: the ports, the request's defaults, the clock, and the budget
// that enforces QueryLimits and hands the event loop back while a heavy query runs.

import { QueryError, QueryLimitError } from './errors.js';
import { DEFAULT_QUERY_LIMITS, type QueryLimits, type QueryPorts } from './ports.js';

export interface StatementContext {
  readonly ports: QueryPorts;
  /** The request's `db`: the database of sources and SHOW statements that name none. */
  readonly db: string;
  /** The request's `rp`: the policy of sources that name none (else the database's default). */
  readonly rp: string;
  /** now() in nanoseconds, fixed for the whole query. */
  readonly nowNs: bigint;
  readonly limits: QueryLimits;
  readonly budget: QueryBudget;
}

/** What a query checks to stop early: an AbortSignal will do, or any object with the flag. */
export interface CancelSignal {
  readonly aborted: boolean;
}

export function resolveLimits(partial: Partial<QueryLimits> | undefined): QueryLimits {
  return { ...DEFAULT_QUERY_LIMITS, ...partial };
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Counts what a statement reads and enforces the limits on it. Reading code reports points as it
 * goes; every `yieldEveryPoints` points the budget awaits one turn of the event loop, so that
 * writes and other requests are served while a large query runs, and checks the deadline.
 */
export class QueryBudget {
  private points = 0;
  private sinceYield = 0;
  private series = 0;

  constructor(
    private readonly limits: QueryLimits,
    private readonly startedMs: number,
    private readonly signal?: CancelSignal,
  ) {}

  /** Reports `n` points read; may yield to the event loop. Throws when a limit is exceeded. */
  async addPoints(n: number): Promise<void> {
    this.points += n;
    if (this.limits.maxPoints > 0 && this.points > this.limits.maxPoints) {
      // InfluxDB's message, typo included: clients match on it.
      throw new QueryLimitError(`max-select-point limit exceeed: (${this.points}/${this.limits.maxPoints})`);
    }
    this.sinceYield += n;
    if (this.sinceYield >= this.limits.yieldEveryPoints) {
      this.sinceYield = 0;
      await yieldToEventLoop();
      this.check();
    }
  }

  /** Reports `n` more series about to be read. */
  addSeries(n: number): void {
    this.series += n;
    if (this.limits.maxSeries > 0 && this.series > this.limits.maxSeries) {
      throw new QueryLimitError(`max-select-series limit exceeded: (${this.series}/${this.limits.maxSeries})`);
    }
  }

  /** Throws when the query ran out of time or its client went away. */
  check(): void {
    if (this.signal?.aborted) throw new QueryError('query interrupted');
    if (this.limits.maxDurationMs > 0 && Date.now() - this.startedMs > this.limits.maxDurationMs) {
      throw new QueryLimitError('query-timeout limit exceeded');
    }
  }

  get pointsRead(): number {
    return this.points;
  }
}
