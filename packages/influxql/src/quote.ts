// Quoting identifiers and strings the way InfluxDB writes them back out.

import { isIdentChar, isIdentFirstChar } from './scanner.js';
import { lookupWord } from './token.js';

function escapeWith(s: string, quote: string): string {
  let out = '';
  for (const c of s) {
    if (c === '\n') out += '\\n';
    else if (c === '\\') out += '\\\\';
    else if (c === quote) out += '\\' + quote;
    else out += c;
  }
  return out;
}

/** `'text'` with \n, \\ and \' escaped. */
export function quoteString(s: string): string {
  return "'" + escapeWith(s, "'") + "'";
}

/** True when the identifier is a keyword or has a character a bare identifier cannot have. */
export function identNeedsQuotes(ident: string): boolean {
  if (lookupWord(ident) !== 'IDENT') return true;
  let first = true;
  for (const c of ident) {
    const cp = c.codePointAt(0)!;
    if (first ? !isIdentFirstChar(cp) : !isIdentChar(cp)) return true;
    first = false;
  }
  return false;
}

/**
 * Dotted identifier segments, each quoted only when needed — except that, like InfluxDB, every
 * non-empty segment before the last is quoted, and an empty first or last segment prints as "".
 */
export function quoteIdent(...segments: string[]): string {
  let out = '';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    const needQuote =
      identNeedsQuotes(segment) || (!last && segment !== '') || ((i === 0 || last) && segment === '');
    out += needQuote ? '"' + escapeWith(segment, '"') + '"' : segment;
    if (!last) out += '.';
  });
  return out;
}
