export { FieldType, FIELD_TYPE_NAMES, fieldTypeName } from './field-type.js';
export { INT64_MIN, INT64_MAX, UINT64_MAX, MIN_TIME_NS, MAX_TIME_NS } from './int64.js';
export { type Precision, parsePrecision, precisionMultiplierNs } from './precision.js';
export {
  type ParsedLine,
  type LineError,
  type LineVisitor,
  type ParseOptions,
  MAX_KEY_BYTES,
  parseLines,
} from './parser.js';
export { type Point, parseToPoints, formatPoint } from './point.js';
export { type SeriesKeyParts, splitSeriesKey } from './series-key.js';
export {
  escapeMeasurement,
  escapeTagKey,
  escapeTagValue,
  escapeFieldKey,
  escapeStringField,
  unescapeMeasurement,
  unescapeTag,
  unescapeFieldKey,
  unescapeStringField,
} from './escape.js';
