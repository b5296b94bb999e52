// Splits a canonical series key (`measurement,k1=v1,k2=v2` with line-protocol escapes, tags sorted
// by key, as produced by the line-protocol parser) back into its measurement and tags. The index
// persists only the key, so this runs for every series when a shard opens.

export interface SeriesTags {
  readonly measurement: string;
  readonly tags: ReadonlyArray<readonly [string, string]>;
}

const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const SPACE = 0x20;

export function parseSeriesKey(key: string): SeriesTags {
  let i = 0;
  const n = key.length;
  const [measurement, afterMeasurement] = readUntil(key, i, COMMA, -1);
  i = afterMeasurement;
  const tags: Array<[string, string]> = [];
  while (i < n) {
    i++; // the comma
    const [k, afterKey] = readUntil(key, i, EQUALS, COMMA);
    const [v, afterValue] = readUntil(key, afterKey + 1, COMMA, -1);
    tags.push([k, v]);
    i = afterValue;
  }
  return { measurement, tags };
}

/** Reads up to an unescaped `stop` (or `alsoStop`), unescaping `\,` `\ ` `\=`; returns [text, index of stop]. */
function readUntil(key: string, start: number, stop: number, alsoStop: number): [string, number] {
  let out = '';
  let runStart = start;
  let i = start;
  const n = key.length;
  while (i < n) {
    const c = key.charCodeAt(i);
    if (c === BACKSLASH && i + 1 < n) {
      const next = key.charCodeAt(i + 1);
      if (next === COMMA || next === SPACE || next === EQUALS) {
        out += key.slice(runStart, i);
        runStart = i + 1;
        i += 2;
        continue;
      }
    }
    if (c === stop || c === alsoStop) break;
    i++;
  }
  return [out + key.slice(runStart, i), i];
}
