// SELECT: placeholder until the engine lands.
import type { SelectStatement } from '../ast.js';
import type { StatementContext } from './context.js';
import { QueryError } from './errors.js';
import type { ResultSeries } from './result.js';

// eslint-disable-next-line require-yield
export async function* executeSelect(_stmt: SelectStatement, _ctx: StatementContext): AsyncGenerator<ResultSeries> {
  throw new QueryError('SELECT is not supported yet by this server');
}
