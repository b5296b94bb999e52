// The inverse of ParsedLine.seriesKey: splits a canonical series key back into its measurement and
// tags. It belongs beside the parser because the parser defines the escaping (docs/line-protocol.md).

const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const SPACE = 0x20;
const EQUALS = 0x3d;

export interface SeriesKeyParts {
  measurement: string;
  /** In key order, which is sorted by key. */
  tags: Array<[string, string]>;
}

/**
 * Splits `measurement,k1=v1,k2=v2` as produced by the parser (or formatPoint's key part). A
 * backslash before `,` space `=` or `\` escapes it; any other backslash is literal.
 */
export function splitSeriesKey(key: string): SeriesKeyParts {
  const [measurement, measurementEnd] = readUntil(key, 0, COMMA);
  let i = measurementEnd;
  const tags: Array<[string, string]> = [];
  while (i < key.length) {
    const [k, afterKey] = readUntil(key, i + 1, EQUALS);
    const [v, afterValue] = readUntil(key, afterKey + 1, COMMA);
    tags.push([k, v]);
    i = afterValue;
  }
  return { measurement, tags };
}

/** Text up to the first unescaped `stop`, unescaped; returns it with the index of the stop. */
function readUntil(key: string, start: number, stop: number): [string, number] {
  let out = '';
  let run = start;
  let i = start;
  const n = key.length;
  while (i < n) {
    const c = key.charCodeAt(i);
    if (c === BACKSLASH && i + 1 < n) {
      const next = key.charCodeAt(i + 1);
      if (next === COMMA || next === SPACE || next === EQUALS || next === BACKSLASH) {
        out += key.slice(run, i);
        run = i + 1;
        i += 2;
        continue;
      }
    }
    if (c === stop) break;
    i++;
  }
  return [out + key.slice(run, i), i];
}
