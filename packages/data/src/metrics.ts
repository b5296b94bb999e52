// A small Prometheus metrics registry: counters, gauges and histograms with labels, rendered in
// the text exposition format (version 0.0.4). Enough for GET /metrics without a dependency; each
// metric bounds how many label combinations it keeps so a client cannot grow memory without limit
// by inventing label values (every label value we use comes from a small fixed set, but a bug
// that leaked a database name into a label must not become a leak of memory).

export type LabelValues = Readonly<Record<string, string>>;

/** Label combinations one metric keeps; further ones are counted in `droppedSeriesTotal`. */
export const METRIC_SERIES_MAX = 1_000;

/** Default histogram buckets for request latencies, in seconds. */
export const DEFAULT_LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type MetricType = 'counter' | 'gauge' | 'histogram';

abstract class Metric<S> {
  protected readonly series = new Map<string, { labels: readonly string[]; state: S }>();
  /** Observations refused because the metric already held METRIC_SERIES_MAX label combinations. */
  droppedSeriesTotal = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    readonly labelNames: readonly string[],
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name: ${name}`);
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__')) throw new Error(`invalid label name ${l} on ${name}`);
    }
  }

  protected abstract initial(): S;

  private labelValues(labels: LabelValues | undefined): string[] {
    return this.labelNames.map((n) => {
      const v = labels?.[n];
      if (v === undefined) throw new Error(`metric ${this.name} needs label ${n}`);
      return v;
    });
  }

  /** The state of one label combination without creating it. */
  protected find(labels: LabelValues | undefined): S | undefined {
    return this.series.get(this.labelValues(labels).join('\u0000'))?.state;
  }

  protected stateFor(labels: LabelValues | undefined): S | undefined {
    const values = this.labelValues(labels);
    const key = values.join('\u0000');
    let entry = this.series.get(key);
    if (entry === undefined) {
      if (this.series.size >= METRIC_SERIES_MAX) {
        this.droppedSeriesTotal++;
        return undefined;
      }
      entry = { labels: values, state: this.initial() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  /** Appends this metric's HELP, TYPE and sample lines. */
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`);
    out.push(`# TYPE ${this.name} ${this.type}`);
    for (const { labels, state } of this.series.values()) this.renderSeries(out, labels, state);
  }

  protected abstract renderSeries(out: string[], labels: readonly string[], state: S): void;

  protected labelText(values: readonly string[], extra?: string): string {
    const parts = values.map((v, i) => `${this.labelNames[i]}="${escapeLabelValue(v)}"`);
    if (extra !== undefined) parts.push(extra);
    return parts.length === 0 ? '' : `{${parts.join(',')}}`;
  }
}

export class Counter extends Metric<{ value: number }> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, 'counter', labelNames);
  }
  protected initial() {
    return { value: 0 };
  }
  inc(labels?: LabelValues, by = 1): void {
    if (!(by >= 0)) throw new Error(`counter ${this.name} can only grow (by ${by})`);
    const s = this.stateFor(labels);
    if (s !== undefined) s.value += by;
  }
  get(labels?: LabelValues): number {
    return this.find(labels)?.value ?? 0;
  }
  protected renderSeries(out: string[], labels: readonly string[], state: { value: number }): void {
    out.push(`${this.name}${this.labelText(labels)} ${formatNumber(state.value)}`);
  }
}

export class Gauge extends Metric<{ value: number }> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, 'gauge', labelNames);
  }
  protected initial() {
    return { value: 0 };
  }
  set(value: number, labels?: LabelValues): void {
    const s = this.stateFor(labels);
    if (s !== undefined) s.value = value;
  }
  add(by: number, labels?: LabelValues): void {
    const s = this.stateFor(labels);
    if (s !== undefined) s.value += by;
  }
  get(labels?: LabelValues): number {
    return this.find(labels)?.value ?? 0;
  }
  protected renderSeries(out: string[], labels: readonly string[], state: { value: number }): void {
    out.push(`${this.name}${this.labelText(labels)} ${formatNumber(state.value)}`);
  }
}

interface HistogramState {
  /** Non-cumulative count per bucket; the last slot is +Inf. */
  readonly bucketCounts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Metric<HistogramState> {
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[] = [], buckets: readonly number[] = DEFAULT_LATENCY_BUCKETS_SECONDS) {
    super(name, help, 'histogram', labelNames);
    if (labelNames.includes('le')) throw new Error(`histogram ${name} cannot use the label le`);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]! > buckets[i - 1]!)) throw new Error(`histogram ${name} buckets must increase`);
    }
    this.buckets = buckets;
  }
  protected initial(): HistogramState {
    return { bucketCounts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }
  observe(value: number, labels?: LabelValues): void {
    const s = this.stateFor(labels);
    if (s === undefined) return;
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    s.bucketCounts[i]!++;
    s.sum += value;
    s.count++;
  }
  /** Count and sum of one label combination, for tests and summaries. */
  snapshot(labels?: LabelValues): { count: number; sum: number } {
    const s = this.find(labels);
    return { count: s?.count ?? 0, sum: s?.sum ?? 0 };
  }
  protected renderSeries(out: string[], labels: readonly string[], state: HistogramState): void {
    let cumulative = 0;
    for (let i = 0; i <= this.buckets.length; i++) {
      cumulative += state.bucketCounts[i]!;
      const le = i < this.buckets.length ? formatNumber(this.buckets[i]!) : '+Inf';
      out.push(`${this.name}_bucket${this.labelText(labels, `le="${le}"`)} ${cumulative}`);
    }
    out.push(`${this.name}_sum${this.labelText(labels)} ${formatNumber(state.sum)}`);
    out.push(`${this.name}_count${this.labelText(labels)} ${state.count}`);
  }
}

/** Called just before rendering, to copy values held elsewhere (store statistics) into gauges. */
export type MetricsCollector = () => void;

export class MetricsRegistry {
  private readonly metrics = new Map<string, Counter | Gauge | Histogram>();
  private readonly collectors: MetricsCollector[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.register(new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets?: readonly number[]): Histogram {
    return this.register(new Histogram(name, help, labelNames, buckets));
  }

  /** The metric registered under `name`, if any. */
  get(name: string): Counter | Gauge | Histogram | undefined {
    return this.metrics.get(name);
  }

  /** Registers a collector; returns the function that removes it. */
  addCollector(collector: MetricsCollector): () => void {
    this.collectors.push(collector);
    return () => {
      const i = this.collectors.indexOf(collector);
      if (i >= 0) this.collectors.splice(i, 1);
    };
  }

  /** The text exposition of every metric, in registration order. */
  render(): string {
    for (const c of this.collectors) c();
    const out: string[] = [];
    for (const m of this.metrics.values()) m.render(out);
    return out.length === 0 ? '' : out.join('\n') + '\n';
  }

  private register<M extends Counter | Gauge | Histogram>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} is already registered`);
    this.metrics.set(metric.name, metric);
    return metric;
  }
}

/** The Content-Type of `MetricsRegistry.render()`. */
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

/** `pointsWritten` → `points_written`, for turning statistics keys into metric names. */
export function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^a-zA-Z0-9_]/g, '_')
    .toLowerCase();
}

/**
 * A gauge per numeric field of a statistics object (e.g. `TSDBStore.stats()`), named
 * `<prefix>_<snake_case key>`, refreshed on every render. Non-numeric fields are skipped, and so
 * are keys that appear only after the first render (their gauge would have no HELP line); the
 * statistics' shape is fixed in practice.
 */
export function registerStatsGauges(
  registry: MetricsRegistry,
  prefix: string,
  helpPrefix: string,
  stats: () => Readonly<Record<string, unknown>>,
): () => void {
  const gauges = new Map<string, Gauge>();
  const initial = stats();
  for (const [key, value] of Object.entries(initial)) {
    if (typeof value !== 'number' && typeof value !== 'bigint') continue;
    const name = `${prefix}_${snakeCase(key)}`;
    if (registry.get(name) !== undefined) continue;
    gauges.set(key, registry.gauge(name, `${helpPrefix} ${key}`));
  }
  return registry.addCollector(() => {
    const now = stats();
    for (const [key, gauge] of gauges) {
      const v = now[key];
      if (typeof v === 'number') gauge.set(v);
      else if (typeof v === 'bigint') gauge.set(Number(v));
    }
  });
}

/** Memory and uptime of this process, refreshed at every render. */
export function registerProcessMetrics(registry: MetricsRegistry): () => void {
  const rss = registry.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.');
  const heapUsed = registry.gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.');
  const external = registry.gauge('nodejs_external_memory_bytes', 'Memory held by Buffers and other C++ objects, in bytes.');
  const startTime = registry.gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds.');
  startTime.set(Math.round(Date.now() / 1000 - process.uptime()));
  return registry.addCollector(() => {
    const m = process.memoryUsage();
    rss.set(m.rss);
    heapUsed.set(m.heapUsed);
    external.set(m.external);
  });
}
