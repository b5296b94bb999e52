// A request's points after parsing and before they reach the shards, held column-wise so that
// the write path allocates per batch rather than per point or field. The parser reuses its line
// object, so everything kept here is copied out of it.

import { FieldType, type ParsedLine } from '@shoal/lineproto';

const INITIAL_POINTS = 1024;
const INITIAL_FIELDS = 8 * 1024;

export class PointBatch {
  count = 0;
  fieldCount = 0;
  readonly seriesKeys: string[] = [];
  readonly measurements: string[] = [];
  times = new BigInt64Array(INITIAL_POINTS);
  /** Fields of point i are [fieldOffsets[i], fieldOffsets[i + 1]). */
  fieldOffsets = new Uint32Array(INITIAL_POINTS + 1);
  /** Byte range of point i's line in the request body (for the WAL record). */
  lineStarts = new Uint32Array(INITIAL_POINTS);
  lineEnds = new Uint32Array(INITIAL_POINTS);
  readonly fieldKeys: string[] = [];
  fieldTypes = new Uint8Array(INITIAL_FIELDS);
  /** Float, Boolean (0/1), and Integer/Unsigned values that are safe integers. */
  nums = new Float64Array(INITIAL_FIELDS);
  /** Integer/Unsigned values beyond 2^53 (their `nums` slot is NaN), by field index. */
  readonly bigs = new Map<number, bigint>();
  /** String values by field index. */
  readonly strs = new Map<number, string>();

  /** Copies one parsed line; `time` is the line's time or the batch's server time. */
  addLine(line: ParsedLine, time: bigint, lineStart: number, lineEnd: number): number {
    const i = this.count;
    if (i + 1 >= this.times.length) this.growPoints();
    const nf = line.fieldCount;
    if (this.fieldCount + nf > this.fieldTypes.length) this.growFields(this.fieldCount + nf);
    this.seriesKeys[i] = line.seriesKey;
    this.measurements[i] = line.measurement;
    this.times[i] = time;
    this.lineStarts[i] = lineStart;
    this.lineEnds[i] = lineEnd;
    let f = this.fieldCount;
    for (let k = 0; k < nf; k++, f++) {
      const type = line.fieldType(k);
      this.fieldKeys[f] = line.fieldKey(k);
      this.fieldTypes[f] = type;
      if (type === FieldType.String) {
        this.nums[f] = 0;
        this.strs.set(f, line.stringValue(k));
      } else if (type === FieldType.Integer || type === FieldType.Unsigned) {
        const v = line.intValue(k);
        if (typeof v === 'bigint') {
          this.nums[f] = Number.NaN;
          this.bigs.set(f, v);
        } else {
          this.nums[f] = v;
        }
      } else {
        this.nums[f] = line.numberValue(k);
      }
    }
    this.fieldCount = f;
    this.fieldOffsets[i + 1] = f;
    this.count = i + 1;
    return i;
  }

  /** The exact integer value of field `f` (Integer or Unsigned). */
  intValue(f: number): number | bigint {
    const n = this.nums[f]!;
    return Number.isNaN(n) ? this.bigs.get(f)! : n;
  }

  private growPoints(): void {
    const n = this.times.length * 2;
    this.times = grow(this.times, new BigInt64Array(n));
    this.fieldOffsets = grow(this.fieldOffsets, new Uint32Array(n + 1));
    this.lineStarts = grow(this.lineStarts, new Uint32Array(n));
    this.lineEnds = grow(this.lineEnds, new Uint32Array(n));
  }

  private growFields(min: number): void {
    let n = this.fieldTypes.length * 2;
    while (n < min) n *= 2;
    this.fieldTypes = grow(this.fieldTypes, new Uint8Array(n));
    this.nums = grow(this.nums, new Float64Array(n));
  }
}

function grow<T extends { set(a: T): void }>(old: T, next: T): T {
  next.set(old);
  return next;
}
