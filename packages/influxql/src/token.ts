// The lexical tokens of InfluxQL 1.x.
//
// A token's id is also the text InfluxDB prints for it in a parse error ("found FROM, expected BY"),
// so an error message needs no lookup table: keywords are their upper-case name, operators their
// symbol, and the literal classes their class name (IDENT, STRING, ...), which a message only shows
// when the token carries no literal text.

export const KEYWORDS = [
  'ALL',
  'ALTER',
  'ANALYZE',
  'ANY',
  'AS',
  'ASC',
  'BEGIN',
  'BY',
  'CARDINALITY',
  'CREATE',
  'CONTINUOUS',
  'DATABASE',
  'DATABASES',
  'DEFAULT',
  'DELETE',
  'DESC',
  'DESTINATIONS',
  'DIAGNOSTICS',
  'DISTINCT',
  'DROP',
  'DURATION',
  'END',
  'EVERY',
  'EXACT',
  'EXPLAIN',
  'FIELD',
  'FOR',
  'FROM',
  'GRANT',
  'GRANTS',
  'GROUP',
  'GROUPS',
  'INF',
  'INSERT',
  'INTO',
  'KEY',
  'KEYS',
  'KILL',
  'LIMIT',
  'MEASUREMENT',
  'MEASUREMENTS',
  'NAME',
  'OFFSET',
  'ON',
  'ORDER',
  'PASSWORD',
  'POLICY',
  'POLICIES',
  'PRIVILEGES',
  'QUERIES',
  'QUERY',
  'READ',
  'REPLICATION',
  'RESAMPLE',
  'RETENTION',
  'REVOKE',
  'SELECT',
  'SERIES',
  'SET',
  'SHOW',
  'SHARD',
  'SHARDS',
  'SLIMIT',
  'SOFFSET',
  'STATS',
  'SUBSCRIPTION',
  'SUBSCRIPTIONS',
  'TAG',
  'TO',
  'USER',
  'USERS',
  'VALUES',
  'WHERE',
  'WITH',
  'WRITE',
] as const;

export type Keyword = (typeof KEYWORDS)[number];

/** Binary operators, in the order InfluxDB declares them. `IN` parses but nothing evaluates it. */
export const OPERATORS = [
  '+',
  '-',
  '*',
  '/',
  '%',
  '&',
  '|',
  '^',
  'AND',
  'OR',
  'IN',
  '=',
  '!=',
  '=~',
  '!~',
  '<',
  '<=',
  '>',
  '>=',
] as const;

export type BinaryOp = (typeof OPERATORS)[number];

export type Token =
  | 'ILLEGAL'
  | 'EOF'
  | 'WS'
  | 'COMMENT'
  | 'IDENT'
  | 'BOUNDPARAM'
  | 'NUMBER'
  | 'INTEGER'
  | 'DURATIONVAL'
  | 'STRING'
  | 'BADSTRING'
  | 'BADESCAPE'
  | 'TRUE'
  | 'FALSE'
  | 'REGEX'
  | 'BADREGEX'
  | BinaryOp
  | '('
  | ')'
  | ','
  | ':'
  | '::'
  | ';'
  | '.'
  | Keyword;

const operatorSet: ReadonlySet<string> = new Set<string>(OPERATORS);

/** Lower-case word → token; `true`, `false`, `and`, `or` and `in` are words too. */
const words = new Map<string, Token>();
for (const k of KEYWORDS) words.set(k.toLowerCase(), k);
words.set('and', 'AND');
words.set('or', 'OR');
words.set('in', 'IN');
words.set('true', 'TRUE');
words.set('false', 'FALSE');

/** The token a bare word scans to: a keyword (matched case-insensitively) or IDENT. */
export function lookupWord(word: string): Token {
  return words.get(word.toLowerCase()) ?? 'IDENT';
}

export function isOperator(tok: Token): tok is BinaryOp {
  return operatorSet.has(tok);
}

/** Binding strength of a binary operator; higher binds tighter. 0 for anything else. */
export function precedence(tok: Token): number {
  switch (tok) {
    case 'OR':
      return 1;
    case 'AND':
      return 2;
    case '=':
    case '!=':
    case '=~':
    case '!~':
    case '<':
    case '<=':
    case '>':
    case '>=':
    case 'IN':
      return 3;
    case '+':
    case '-':
    case '|':
    case '^':
      return 4;
    case '*':
    case '/':
    case '%':
    case '&':
      return 5;
    default:
      return 0;
  }
}

/** What a parse error shows for a token: its literal text when it has one, else its name. */
export function tokenText(tok: Token, lit: string): string {
  return lit !== '' ? lit : tok;
}
