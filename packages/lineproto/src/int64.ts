// InfluxDB integers and nanosecond timestamps are int64 (unsigned fields uint64): one definition of the bounds for every package.
export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;
export const UINT64_MAX = (1n << 64n) - 1n;

/**
 * The earliest and latest time a point may have (InfluxDB's models.MinNanoTime and MaxNanoTime):
 * the two lowest and the highest int64 are sentinels, never point times.
 */
export const MIN_TIME_NS = INT64_MIN + 2n;
export const MAX_TIME_NS = INT64_MAX - 1n;
