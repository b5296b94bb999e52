// The one error the parser throws.
//
// InfluxDB's /query answers a bad query with `error parsing query: ` followed by the parser's own
// text, which comes in three shapes:
//   found X, expected A, B at line 1, char N   (a token where others were expected)
//   <message> at line 1, char N                 (a problem at a known place)
//   <message>                                   (a problem the parser reports without a place)
// `detail` holds that text and `message` the full line, so the HTTP layer can send `message` as is.

import type { Pos } from './scanner.js';

export const PARSE_ERROR_PREFIX = 'error parsing query: ';

export class ParseError extends Error {
  override readonly name = 'ParseError';
  /** InfluxDB's text without the prefix, e.g. "found EOF, expected FROM at line 1, char 15". */
  readonly detail: string;
  /** 1-based, when the error has a place. */
  readonly line: number | null;
  /** 1-based, when the error has a place. */
  readonly char: number | null;
  /** The offending token's text, for "found ..., expected ..." errors. */
  readonly found: string | null;
  readonly expected: readonly string[] | null;

  private constructor(
    detail: string,
    pos: Pos | null,
    found: string | null,
    expected: readonly string[] | null,
  ) {
    super(PARSE_ERROR_PREFIX + detail);
    this.detail = detail;
    this.line = pos === null ? null : pos.line + 1;
    this.char = pos === null ? null : pos.char + 1;
    this.found = found;
    this.expected = expected;
  }

  /** "found X, expected A, B at line L, char C". */
  static unexpected(found: string, expected: readonly string[], pos: Pos): ParseError {
    const detail = `found ${found}, expected ${expected.join(', ')} at line ${pos.line + 1}, char ${pos.char + 1}`;
    return new ParseError(detail, pos, found, expected);
  }

  /** "<message> at line L, char C". */
  static at(message: string, pos: Pos): ParseError {
    return new ParseError(`${message} at line ${pos.line + 1}, char ${pos.char + 1}`, pos, null, null);
  }

  /** "<message>" with no place, as InfluxDB reports some errors. */
  static plain(message: string): ParseError {
    return new ParseError(message, null, null, null);
  }
}

/** Where InfluxDB reports errors it builds without a position: line 1, char 1. */
export const ORIGIN: Pos = { line: 0, char: 0 };
