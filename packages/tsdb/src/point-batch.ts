// A request's points after parsing and before they reach the shards, held column-wise so that
// the write path allocates per batch rather than per point or field. The parser reuses its line
// object, so everything kept here is copied out of it. Series keys, measurements and field keys
// repeat from point to point: each is stored once in a dictionary and referred to by index, which
// also makes the batch cheap to hand from a parse worker to the main thread.

import { FieldType, type ParsedLine } from '@shoal/lineproto';

const INITIAL_POINTS = 64;
/** Fields reserved per expected point before the batch learns the real shape. */
const INITIAL_FIELDS_PER_POINT = 8;

/** Strings stored once, referred to by their index. */
class Dictionary {
  readonly words: string[] = [];
  private readonly ids = new Map<string, number>();

  id(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      id = this.words.length;
      this.words.push(word);
      this.ids.set(word, id);
    }
    return id;
  }

  static of(words: string[]): Dictionary {
    const d = new Dictionary();
    for (const w of words) d.id(w);
    return d;
  }
}

export class PointBatch {
  count = 0;
  fieldCount = 0;
  times: BigInt64Array;
  /** Per point: index into the series-key dictionary. */
  seriesIds: Uint32Array;
  /** Per point: index into the measurement dictionary. */
  measurementIds: Uint32Array;
  /** Fields of point i are [fieldOffsets[i], fieldOffsets[i + 1]). */
  fieldOffsets: Uint32Array;
  /** Byte range of point i's line in the request body (for the WAL record). */
  lineStarts: Uint32Array;
  lineEnds: Uint32Array;
  /** Per field: index into the field-key dictionary. */
  fieldIds: Uint32Array;
  fieldTypes: Uint8Array;
  /** Float, Boolean (0/1), and Integer/Unsigned values that are safe integers. */
  nums: Float64Array;
  /** Integer/Unsigned values beyond 2^53 (their `nums` slot is NaN), by field index. */
  readonly bigs = new Map<number, bigint>();
  /** String values by field index. */
  readonly strs = new Map<number, string>();
  private seriesDict = new Dictionary();
  private measurementDict = new Dictionary();
  private fieldDict = new Dictionary();

  /** `expectedPoints` sizes the arrays up front (a body's line count is a good guess). */
  constructor(expectedPoints = INITIAL_POINTS) {
    const points = Math.max(expectedPoints, 1);
    const fields = points * INITIAL_FIELDS_PER_POINT;
    this.times = new BigInt64Array(points + 1);
    this.seriesIds = new Uint32Array(points + 1);
    this.measurementIds = new Uint32Array(points + 1);
    this.fieldOffsets = new Uint32Array(points + 2);
    this.lineStarts = new Uint32Array(points + 1);
    this.lineEnds = new Uint32Array(points + 1);
    this.fieldIds = new Uint32Array(fields);
    this.fieldTypes = new Uint8Array(fields);
    this.nums = new Float64Array(fields);
  }

  seriesKey(p: number): string {
    return this.seriesDict.words[this.seriesIds[p]!]!;
  }

  measurement(p: number): string {
    return this.measurementDict.words[this.measurementIds[p]!]!;
  }

  fieldKey(f: number): string {
    return this.fieldDict.words[this.fieldIds[f]!]!;
  }

  /** Copies one parsed line; `time` is the line's time or the batch's server time. */
  addLine(line: ParsedLine, time: bigint, lineStart: number, lineEnd: number): number {
    const i = this.count;
    if (i + 1 >= this.times.length) this.growPoints();
    const nf = line.fieldCount;
    if (this.fieldCount + nf > this.fieldTypes.length) this.growFields(this.fieldCount + nf);
    this.seriesIds[i] = this.seriesDict.id(line.seriesKey);
    this.measurementIds[i] = this.measurementDict.id(line.measurement);
    this.times[i] = time;
    this.lineStarts[i] = lineStart;
    this.lineEnds[i] = lineEnd;
    let f = this.fieldCount;
    for (let k = 0; k < nf; k++, f++) {
      const type = line.fieldType(k);
      this.fieldIds[f] = this.fieldDict.id(line.fieldKey(k));
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

  /** The batch as a message for another thread; the typed arrays in `transfer` move, not copy. */
  toMessage(): { message: PointBatchMessage; transfer: ArrayBuffer[] } {
    const message: PointBatchMessage = {
      count: this.count,
      fieldCount: this.fieldCount,
      times: this.times,
      seriesIds: this.seriesIds,
      measurementIds: this.measurementIds,
      fieldOffsets: this.fieldOffsets,
      lineStarts: this.lineStarts,
      lineEnds: this.lineEnds,
      fieldIds: this.fieldIds,
      fieldTypes: this.fieldTypes,
      nums: this.nums,
      bigs: this.bigs,
      strs: this.strs,
      seriesDict: this.seriesDict.words,
      measurementDict: this.measurementDict.words,
      fieldDict: this.fieldDict.words,
    };
    const arrays = [this.times, this.seriesIds, this.measurementIds, this.fieldOffsets, this.lineStarts, this.lineEnds, this.fieldIds, this.fieldTypes, this.nums];
    return { message, transfer: arrays.map((a) => a.buffer as ArrayBuffer) };
  }

  static fromMessage(m: PointBatchMessage): PointBatch {
    const b = new PointBatch(0);
    b.count = m.count;
    b.fieldCount = m.fieldCount;
    b.times = m.times;
    b.seriesIds = m.seriesIds;
    b.measurementIds = m.measurementIds;
    b.fieldOffsets = m.fieldOffsets;
    b.lineStarts = m.lineStarts;
    b.lineEnds = m.lineEnds;
    b.fieldIds = m.fieldIds;
    b.fieldTypes = m.fieldTypes;
    b.nums = m.nums;
    b.seriesDict = Dictionary.of(m.seriesDict);
    b.measurementDict = Dictionary.of(m.measurementDict);
    b.fieldDict = Dictionary.of(m.fieldDict);
    for (const [k, v] of m.bigs) b.bigs.set(k, v);
    for (const [k, v] of m.strs) b.strs.set(k, v);
    return b;
  }

  private growPoints(): void {
    const n = this.times.length * 2;
    this.times = grow(this.times, new BigInt64Array(n));
    this.seriesIds = grow(this.seriesIds, new Uint32Array(n));
    this.measurementIds = grow(this.measurementIds, new Uint32Array(n));
    this.fieldOffsets = grow(this.fieldOffsets, new Uint32Array(n + 1));
    this.lineStarts = grow(this.lineStarts, new Uint32Array(n));
    this.lineEnds = grow(this.lineEnds, new Uint32Array(n));
  }

  private growFields(min: number): void {
    let n = this.fieldTypes.length * 2;
    while (n < min) n *= 2;
    this.fieldIds = grow(this.fieldIds, new Uint32Array(n));
    this.fieldTypes = grow(this.fieldTypes, new Uint8Array(n));
    this.nums = grow(this.nums, new Float64Array(n));
  }
}

/** A PointBatch in transit between threads (see PointBatch.toMessage). */
export interface PointBatchMessage {
  readonly count: number;
  readonly fieldCount: number;
  readonly times: BigInt64Array;
  readonly seriesIds: Uint32Array;
  readonly measurementIds: Uint32Array;
  readonly fieldOffsets: Uint32Array;
  readonly lineStarts: Uint32Array;
  readonly lineEnds: Uint32Array;
  readonly fieldIds: Uint32Array;
  readonly fieldTypes: Uint8Array;
  readonly nums: Float64Array;
  readonly bigs: Map<number, bigint>;
  readonly strs: Map<number, string>;
  readonly seriesDict: string[];
  readonly measurementDict: string[];
  readonly fieldDict: string[];
}

function grow<T extends { set(a: T): void }>(old: T, next: T): T {
  next.set(old);
  return next;
}
