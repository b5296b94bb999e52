export * from './ast.js';
export { ParseError, PARSE_ERROR_PREFIX } from './errors.js';
export { type ParseOptions, MAX_NESTING_DEPTH, parseQuery, parseStatement, parseExpr } from './parser.js';
export { formatStatement, formatQuery, formatExpr, formatNumber, formatMeasurement, formatSource } from './format.js';
export { quoteIdent, quoteString, identNeedsQuotes } from './quote.js';
export { parseDuration, formatDuration, DurationError } from './duration.js';
export { type ParamValue, type ParamObject, type Params } from './params.js';
export { type Pos, type ScannedToken, tokenize } from './scanner.js';
export { type Token, type Keyword, KEYWORDS, OPERATORS, precedence } from './token.js';
export { RegexError, compileRegex, translateRegex } from './regex.js';
export { GroupByError, groupByInterval } from './group-by.js';
export { isTimeString, parseTimeString, formatRFC3339Nano, formatRFC3339, isKnownTimeZone } from './time-literal.js';
export { walk, walkExpr, children, cloneNode, rewriteExpr, hasTimeExpr } from './walk.js';
export { type ReduceOptions, reduce } from './reduce.js';
export {
  type TimeRange,
  type TimeRangeOptions,
  TimeConditionError,
  MIN_TIME_NS,
  MAX_TIME_NS,
  timeRange,
} from './time-range.js';
export * from './exec/ports.js';
export * from './exec/result.js';
export { type FormatOptions, formatJson, formatJsonFloat, jsonString, CsvFormatter } from './exec/format.js';
export { type QueryOptions, DEFAULT_CHUNK_SIZE, executeQuery } from './exec/execute.js';
export { type CancelSignal } from './exec/context.js';
export { QueryError, QueryLimitError, statementErrorText } from './exec/errors.js';
export { MemoryShard, MemoryStore, type MemoryShardOptions, type WritableCatalog } from './exec/memory.js';
