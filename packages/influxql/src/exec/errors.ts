// Statement errors: what goes into a result's `error`, in InfluxDB's wording.

/** A statement failed; `message` is the text InfluxDB puts in `results[i].error`. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
}

/** A limit of QueryLimits was reached; the statement fails with InfluxDB's message for it. */
export class QueryLimitError extends QueryError {}

export const ERR_DATABASE_NAME_REQUIRED = 'database name required';
export const ERR_NOT_EXECUTED = 'not executed';
export const ERR_INVALID_NAME = 'invalid name';

const ITERATOR_TYPE_PREFIXES = ['float', 'integer', 'unsigned', 'boolean', 'string'];

/**
 * InfluxDB's error for a function over a field type it cannot read. Go prints the input
 * iterator's type there, and over HTTP that input is always wrapped in an interrupt iterator:
 * `unsupported mean iterator type: *query.stringInterruptIterator`. `type` is a FieldType.
 */
export function unsupportedIteratorType(fn: string, type: number): QueryError {
  return new QueryError(`unsupported ${fn} iterator type: *query.${ITERATOR_TYPE_PREFIXES[type]}InterruptIterator`);
}

export function databaseNotFound(db: string): QueryError {
  return new QueryError(`database not found: ${db}`);
}

interface NamedError {
  readonly name: string;
  readonly message: string;
  readonly database?: unknown;
  readonly retentionPolicy?: unknown;
}

function named(err: unknown, name: string): err is NamedError {
  return err instanceof Error && err.name === name;
}

/**
 * The statement error text for anything a statement threw. Catalog errors are matched by `name`
 * (so a second copy of the module that threw them still maps) and reworded as InfluxQL words them.
 */
export function statementErrorText(err: unknown): string {
  if (named(err, 'DatabaseNotFoundError')) return `database not found: ${String(err.database)}`;
  if (named(err, 'RetentionPolicyNotFoundError')) return `retention policy not found: ${String(err.retentionPolicy)}`;
  if (named(err, 'DatabaseNameRequiredError')) return ERR_DATABASE_NAME_REQUIRED;
  if (err instanceof Error) return err.message;
  return String(err);
}
