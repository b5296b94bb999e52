// Subqueries in FROM: the inner SELECT runs first (compiled against its parent, so it inherits the
// parent's time range and GROUP BY interval as InfluxDB's do) and its output becomes the outer
// query's input: each output series is a series of an in-memory shard, its columns the fields,
// its GROUP BY tags the tags. The inner output is held in memory while the outer query runs.

import { FieldType, INT64_MAX, INT64_MIN, escapeMeasurement, escapeTagKey, escapeTagValue } from '@shoal/lineproto';
import type { SelectStatement } from '../../ast.js';
import type { StatementContext } from '../context.js';
import type { ColumnChunk, FieldChunk, ReadFieldOptions, SeriesIndexReader, SeriesMeta, ShardReader } from '../ports.js';
import { matches } from '../memory.js';
import { compareStrings, type ResultSeries, type Value } from '../result.js';
import type { MeasurementSource } from '../select.js';
import { runCompiled } from '../select.js';
import { compileSelect, type CompiledSelect } from './plan.js';

interface Column {
  type: FieldType;
  times: bigint[];
  values: Value[];
}

interface VirtualSeries {
  meta: SeriesMeta;
  columns: Map<string, Column>;
}

function typeOf(v: Value): FieldType | undefined {
  switch (typeof v) {
    case 'number':
      return FieldType.Float;
    case 'bigint':
      return FieldType.Integer;
    case 'string':
      return FieldType.String;
    case 'boolean':
      return FieldType.Boolean;
    default:
      return undefined;
  }
}

/** A shard over rows already computed: the ShardReader port for a subquery's output. */
class RowsShard implements ShardReader {
  readonly id = 0;
  readonly series: VirtualSeries[] = [];
  readonly index: SeriesIndexReader;

  constructor() {
    const series = this.series;
    this.index = {
      measurements: () => [...new Set(series.map((s) => s.meta.measurement))].sort(compareStrings),
      tagKeys: (m) => [...new Set(series.filter((s) => s.meta.measurement === m).flatMap((s) => s.meta.tags.map(([k]) => k)))].sort(compareStrings),
      tagValues: (m, k) =>
        [...new Set(series.filter((s) => s.meta.measurement === m).flatMap((s) => s.meta.tags.filter(([x]) => x === k).map(([, v]) => v)))].sort(compareStrings),
      match: (m, p) => series.filter((s) => s.meta.measurement === m && (p === undefined || matches(s.meta, p))).map((s) => s.meta.id),
      getById: (id) => series[id - 1]?.meta,
    };
  }

  add(s: ResultSeries, columns: readonly string[]): void {
    const tags = Object.entries(s.tags ?? {}).sort((a, b) => compareStrings(a[0], b[0]));
    const key = escapeMeasurement(s.name) + tags.map(([k, v]) => `,${escapeTagKey(k)}=${escapeTagValue(v)}`).join('');
    let vs = this.series.find((x) => x.meta.key === key);
    if (vs === undefined) {
      vs = { meta: { id: this.series.length + 1, key, measurement: s.name, tags }, columns: new Map() };
      this.series.push(vs);
    }
    for (const row of s.values) {
      const t = row[0] as bigint;
      for (let i = 1; i < columns.length; i++) {
        const v = row[i]!;
        if (v === null) continue;
        const name = columns[i]!;
        let col = vs.columns.get(name);
        if (col === undefined) vs.columns.set(name, (col = { type: typeOf(v)!, times: [], values: [] }));
        col.times.push(t);
        col.values.push(v);
      }
    }
  }

  /** Settles each column on one type (integers join floats as floats) and orders it by time. */
  seal(): void {
    for (const s of this.series) {
      for (const col of s.columns.values()) {
        const types = new Set(col.values.map(typeOf));
        if (types.has(FieldType.Float) && types.has(FieldType.Integer)) {
          col.type = FieldType.Float;
          col.values = col.values.map((v) => (typeof v === 'bigint' ? Number(v) : v));
        }
        const order = col.times.map((_, i) => i).sort((a, b) => (col.times[a]! < col.times[b]! ? -1 : col.times[a]! > col.times[b]! ? 1 : a - b));
        col.times = order.map((i) => col.times[i]!);
        col.values = order.map((i) => col.values[i]!);
      }
    }
  }

  fieldTypes(measurement: string): Map<string, FieldType> {
    const out = new Map<string, FieldType>();
    for (const s of this.series) {
      if (s.meta.measurement !== measurement) continue;
      for (const [name, col] of s.columns) if (!out.has(name)) out.set(name, col.type);
    }
    return out;
  }

  fieldsOf(seriesId: number): string[] {
    return [...(this.series[seriesId - 1]?.columns.keys() ?? [])].sort(compareStrings);
  }

  async *readField(seriesId: number, field: string, minTime = INT64_MIN, maxTime = INT64_MAX, opts: ReadFieldOptions = {}): AsyncGenerator<FieldChunk> {
    const col = this.series[seriesId - 1]?.columns.get(field);
    if (col === undefined) return;
    const idx: number[] = [];
    for (let i = 0; i < col.times.length; i++) if (col.times[i]! >= minTime && col.times[i]! <= maxTime) idx.push(i);
    if (opts.descending) idx.reverse();
    if (idx.length === 0) return;
    const times = BigInt64Array.from(idx, (i) => col.times[i]!);
    let values: ColumnChunk['values'];
    switch (col.type) {
      case FieldType.Float:
        values = Float64Array.from(idx, (i) => col.values[i] as number);
        break;
      case FieldType.Integer:
        values = BigInt64Array.from(idx, (i) => BigInt.asIntN(64, col.values[i] as bigint));
        break;
      case FieldType.Boolean:
        values = Uint8Array.from(idx, (i) => (col.values[i] ? 1 : 0));
        break;
      default:
        values = idx.map((i) => col.values[i] as string);
    }
    yield { kind: 'points', data: { type: col.type, count: idx.length, times, values } };
  }
}

/** Runs the subquery and returns its output as measurement sources for the outer query. */
export async function subquerySource(stmt: SelectStatement, parent: CompiledSelect, ctx: StatementContext): Promise<MeasurementSource[]> {
  const inner = compileSelect(stmt, { nowNs: ctx.nowNs, parent });
  const shard = new RowsShard();
  for await (const piece of runCompiled(inner, ctx)) shard.add(piece, piece.columns);
  shard.seal();
  return shard.index.measurements().map((name) => ({
    name,
    shards: [shard],
    fields: shard.fieldTypes(name),
    tagKeys: new Set(shard.index.tagKeys(name)),
  }));
}
