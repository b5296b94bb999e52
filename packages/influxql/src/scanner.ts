// The InfluxQL scanner: text → tokens with (line, char) positions.
//
// Parse errors carry positions, and clients compare error strings, so positions must be the ones
// InfluxDB reports. Those come from how InfluxDB's reader moves: it reads code points one at a time,
// can push back up to three, turns "\r\n" and a lone "\r" into "\n", and counts the end of input as
// one more character the first time it is read without being pushed back. That last rule is why
// `SELECT` fails "at char 8" (the end was read once while looking for a regex) while `SET PASSWORD
// FOR x =` fails "at char 25". The reader below keeps exactly that bookkeeping; the scanner and the
// parser then read and push back in the same order InfluxDB does.
//
// A NUL character reads as the end of input, as it does in InfluxDB.

import { type Token, lookupWord } from './token.js';

/** Zero-based; errors print both plus one. */
export interface Pos {
  readonly line: number;
  readonly char: number;
}

/** The code point InfluxDB's reader returns at the end of input (and for a NUL character). */
export const EOF_RUNE = 0;

const RING = 3;

interface RuneSlot {
  ch: number;
  line: number;
  char: number;
}

/** Reads code points with up to three steps of push-back and tracks their positions. */
export class RuneReader {
  private index = 0;
  private line = 0;
  private char = 0;
  private sawEnd = false;
  private readonly ring: RuneSlot[] = [];
  private head = 0;
  private pending = 0;

  constructor(private readonly src: string) {
    for (let i = 0; i < RING; i++) this.ring.push({ ch: 0, line: 0, char: 0 });
  }

  /** Reads the next code point (EOF_RUNE at the end) and returns it; `lastPos` tells where it was. */
  read(): number {
    if (this.pending > 0) {
      this.pending--;
      return this.current().ch;
    }
    let ch = EOF_RUNE;
    if (this.index < this.src.length) {
      ch = this.src.codePointAt(this.index)!;
      this.index += ch > 0xffff ? 2 : 1;
      if (ch === 0x0d) {
        if (this.src.charCodeAt(this.index) === 0x0a) this.index++;
        ch = 0x0a;
      }
    }
    this.head = (this.head + 1) % RING;
    const slot = this.ring[this.head]!;
    slot.ch = ch;
    slot.line = this.line;
    slot.char = this.char;
    if (ch === 0x0a) {
      this.line++;
      this.char = 0;
    } else if (!this.sawEnd) {
      this.char++;
    }
    if (ch === EOF_RUNE) this.sawEnd = true;
    return ch;
  }

  /** Pushes back the last code point read; the next read returns it again. */
  unread(): void {
    this.pending++;
  }

  /** The last code point consumed (not pushed back) and its position. */
  current(): RuneSlot {
    return this.ring[(this.head - this.pending + RING * 2) % RING]!;
  }

  /** Position of the last code point consumed. */
  currentPos(): Pos {
    const s = this.current();
    return { line: s.line, char: s.char };
  }
}

export interface ScannedToken {
  tok: Token;
  pos: Pos;
  /** Literal text for identifiers, strings, numbers, durations, regexes and the like; '' otherwise. */
  lit: string;
}

const isWhitespace = (ch: number): boolean => ch === 0x20 || ch === 0x09 || ch === 0x0a;
const isLetter = (ch: number): boolean => (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x41 && ch <= 0x5a);
const isDigit = (ch: number): boolean => ch >= 0x30 && ch <= 0x39;
export const isIdentChar = (ch: number): boolean => isLetter(ch) || isDigit(ch) || ch === 0x5f;
export const isIdentFirstChar = (ch: number): boolean => isLetter(ch) || ch === 0x5f;
const MICRO = 0xb5; // µ, accepted in durations beside the ASCII letters

const chr = (ch: number): string => String.fromCodePoint(ch);

class BadText {
  constructor(
    readonly kind: 'string' | 'escape',
    readonly text: string,
  ) {}
}

/** Scans tokens from a RuneReader. */
export class Scanner {
  constructor(readonly reader: RuneReader) {}

  scan(): ScannedToken {
    const r = this.reader;
    const ch0 = r.read();
    const pos = r.currentPos();

    if (isWhitespace(ch0)) return this.scanWhitespace();
    if (isLetter(ch0) || ch0 === 0x5f) {
      r.unread();
      return this.scanIdent(true);
    }
    if (isDigit(ch0)) return this.scanNumber();

    switch (ch0) {
      case EOF_RUNE:
        return { tok: 'EOF', pos, lit: '' };
      case 0x22: // "
        r.unread();
        return this.scanIdent(true);
      case 0x27: // '
        return this.scanString();
      case 0x2e: {
        // .
        const ch1 = r.read();
        r.unread();
        if (isDigit(ch1)) return this.scanNumber();
        return { tok: '.', pos, lit: '' };
      }
      case 0x24: {
        // $
        const t = this.scanIdent(false);
        if (t.tok !== 'IDENT') return { tok: t.tok, pos, lit: '$' + t.lit };
        return { tok: 'BOUNDPARAM', pos, lit: '$' + t.lit };
      }
      case 0x2b:
        return { tok: '+', pos, lit: '' };
      case 0x2d: {
        // -
        if (r.read() === 0x2d) {
          this.skipUntilNewline();
          return { tok: 'COMMENT', pos, lit: '' };
        }
        r.unread();
        return { tok: '-', pos, lit: '' };
      }
      case 0x2a:
        return { tok: '*', pos, lit: '' };
      case 0x2f: {
        // /
        if (r.read() === 0x2a) {
          if (!this.skipUntilEndComment()) return { tok: 'ILLEGAL', pos, lit: '' };
          return { tok: 'COMMENT', pos, lit: '' };
        }
        r.unread();
        return { tok: '/', pos, lit: '' };
      }
      case 0x25:
        return { tok: '%', pos, lit: '' };
      case 0x26:
        return { tok: '&', pos, lit: '' };
      case 0x7c:
        return { tok: '|', pos, lit: '' };
      case 0x5e:
        return { tok: '^', pos, lit: '' };
      case 0x3d: {
        // =
        if (r.read() === 0x7e) return { tok: '=~', pos, lit: '' };
        r.unread();
        return { tok: '=', pos, lit: '' };
      }
      case 0x21: {
        // !
        const ch1 = r.read();
        if (ch1 === 0x3d) return { tok: '!=', pos, lit: '' };
        if (ch1 === 0x7e) return { tok: '!~', pos, lit: '' };
        r.unread();
        break;
      }
      case 0x3e: {
        // >
        if (r.read() === 0x3d) return { tok: '>=', pos, lit: '' };
        r.unread();
        return { tok: '>', pos, lit: '' };
      }
      case 0x3c: {
        // <
        const ch1 = r.read();
        if (ch1 === 0x3d) return { tok: '<=', pos, lit: '' };
        if (ch1 === 0x3e) return { tok: '!=', pos, lit: '' };
        r.unread();
        return { tok: '<', pos, lit: '' };
      }
      case 0x28:
        return { tok: '(', pos, lit: '' };
      case 0x29:
        return { tok: ')', pos, lit: '' };
      case 0x2c:
        return { tok: ',', pos, lit: '' };
      case 0x3b:
        return { tok: ';', pos, lit: '' };
      case 0x3a: {
        // :
        if (r.read() === 0x3a) return { tok: '::', pos, lit: '' };
        r.unread();
        return { tok: ':', pos, lit: '' };
      }
    }
    return { tok: 'ILLEGAL', pos, lit: chr(ch0) };
  }

  /**
   * Scans a `/regex/` starting at the next character. Only the parser knows where a regex may
   * stand (a `/` is otherwise division), so it calls this instead of scan() there.
   */
  scanRegex(): ScannedToken {
    const r = this.reader;
    const pos = r.currentPos();
    let text = '';
    if (r.read() !== 0x2f) return { tok: 'BADREGEX', pos, lit: '' };
    for (;;) {
      const ch0 = r.read();
      if (ch0 === 0x2f) return { tok: 'REGEX', pos, lit: text };
      if (ch0 === EOF_RUNE || ch0 === 0x0a) return { tok: 'BADREGEX', pos, lit: '' };
      if (ch0 === 0x5c) {
        // Only `\/` is an escape of the delimiter; any other escape is kept for the regex engine.
        const ch1 = r.read();
        if (ch1 === EOF_RUNE) return { tok: 'BADREGEX', pos, lit: '' };
        if (ch1 === 0x2f) {
          text += '/';
        } else {
          r.unread();
          text += '\\';
        }
        continue;
      }
      text += chr(ch0);
    }
  }

  private scanWhitespace(): ScannedToken {
    const r = this.reader;
    const start = r.current();
    const pos = { line: start.line, char: start.char };
    let text = chr(start.ch);
    for (;;) {
      const ch = r.read();
      if (ch === EOF_RUNE) break;
      if (!isWhitespace(ch)) {
        r.unread();
        break;
      }
      text += chr(ch);
    }
    return { tok: 'WS', pos, lit: text };
  }

  private skipUntilNewline(): void {
    for (;;) {
      const ch = this.reader.read();
      if (ch === 0x0a || ch === EOF_RUNE) return;
    }
  }

  /** False when the input ends inside the comment. */
  private skipUntilEndComment(): boolean {
    const r = this.reader;
    for (;;) {
      const ch1 = r.read();
      if (ch1 === EOF_RUNE) return false;
      if (ch1 !== 0x2a) continue;
      for (;;) {
        const ch2 = r.read();
        if (ch2 === 0x2f) return true;
        if (ch2 === EOF_RUNE) return false;
        if (ch2 !== 0x2a) break;
      }
    }
  }

  /** An identifier, bare or double-quoted; with `lookup`, bare words may turn out to be keywords. */
  private scanIdent(lookup: boolean): ScannedToken {
    const r = this.reader;
    r.read();
    const pos = r.currentPos();
    r.unread();

    let text = '';
    for (;;) {
      const ch = r.read();
      if (ch === EOF_RUNE) break;
      if (ch === 0x22) {
        // A quoted part ends the identifier and is all of it, as in InfluxDB.
        const quoted = this.scanString();
        if (quoted.tok === 'BADSTRING' || quoted.tok === 'BADESCAPE') return quoted;
        return { tok: 'IDENT', pos, lit: quoted.lit };
      }
      if (!isIdentChar(ch)) {
        r.unread();
        break;
      }
      r.unread();
      text += this.scanBareIdent();
    }
    if (lookup) {
      const tok = lookupWord(text);
      if (tok !== 'IDENT') return { tok, pos, lit: '' };
    }
    return { tok: 'IDENT', pos, lit: text };
  }

  private scanBareIdent(): string {
    const r = this.reader;
    let text = '';
    for (;;) {
      const ch = r.read();
      if (ch === EOF_RUNE) break;
      if (!isIdentChar(ch)) {
        r.unread();
        break;
      }
      text += chr(ch);
    }
    return text;
  }

  /**
   * A quoted string; the quote character was just read. Its position is that of the character
   * before the opening quote — InfluxDB's reader reports it so, and errors about strings show it.
   */
  private scanString(): ScannedToken {
    const r = this.reader;
    r.unread();
    let pos = r.currentPos();
    const res = this.readQuoted();
    if (res instanceof BadText) {
      if (res.kind === 'string') return { tok: 'BADSTRING', pos, lit: res.text };
      pos = r.currentPos();
      return { tok: 'BADESCAPE', pos, lit: res.text };
    }
    return { tok: 'STRING', pos, lit: res };
  }

  /** Reads a string quoted by the next character, undoing \n, \\, \" and \' escapes. */
  private readQuoted(): string | BadText {
    const r = this.reader;
    const ending = r.read();
    if (ending === EOF_RUNE) return new BadText('string', '');
    let text = '';
    for (;;) {
      const ch0 = r.read();
      if (ch0 === ending) return text;
      if (ch0 === EOF_RUNE || ch0 === 0x0a) return new BadText('string', text);
      if (ch0 === 0x5c) {
        const ch1 = r.read();
        if (ch1 === 0x6e) text += '\n';
        else if (ch1 === 0x5c) text += '\\';
        else if (ch1 === 0x22) text += '"';
        else if (ch1 === 0x27) text += "'";
        else return new BadText('escape', '\\' + chr(ch1));
        continue;
      }
      text += chr(ch0);
    }
  }

  /** Integers, decimals and durations; the first character (a digit or '.') was just read. */
  private scanNumber(): ScannedToken {
    const r = this.reader;
    const first = r.current();
    const pos = { line: first.line, char: first.char };
    if (first.ch === 0x2e) {
      const ch1 = r.read();
      r.unread();
      if (!isDigit(ch1)) return { tok: 'ILLEGAL', pos, lit: '.' };
      r.unread();
    } else {
      r.unread();
    }

    let text = this.scanDigits();
    let isDecimal = false;
    const ch0 = r.read();
    if (ch0 === 0x2e) {
      isDecimal = true;
      const ch1 = r.read();
      if (isDigit(ch1)) {
        text += '.' + chr(ch1) + this.scanDigits();
      } else {
        r.unread();
      }
    } else {
      r.unread();
    }
    if (isDecimal) return { tok: 'NUMBER', pos, lit: text };

    const unit = r.read();
    if (!(isLetter(unit) || unit === MICRO)) {
      r.unread();
      return { tok: 'INTEGER', pos, lit: text };
    }
    text += chr(unit);
    for (;;) {
      const ch = r.read();
      if (!(isLetter(ch) || ch === MICRO)) {
        r.unread();
        break;
      }
      text += chr(ch);
    }
    // A duration keeps going through further digits and units: 1h30m is one token.
    for (;;) {
      const ch = r.read();
      if (!(isLetter(ch) || ch === MICRO || isDigit(ch))) {
        r.unread();
        break;
      }
      text += chr(ch);
    }
    return { tok: 'DURATIONVAL', pos, lit: text };
  }

  private scanDigits(): string {
    const r = this.reader;
    let text = '';
    for (;;) {
      const ch = r.read();
      if (!isDigit(ch)) {
        r.unread();
        break;
      }
      text += chr(ch);
    }
    return text;
  }
}

/**
 * Every token of `text` up to and including EOF, comments and whitespace included. Regexes are not
 * recognised (see Scanner.scanRegex); this is for tools and tests, the parser scans on demand.
 */
export function tokenize(text: string): ScannedToken[] {
  const s = new Scanner(new RuneReader(text));
  const out: ScannedToken[] = [];
  // Every token consumes at least one character, so this bound is never reached on real input.
  const maxTokens = text.length + 2;
  for (let i = 0; i < maxTokens; i++) {
    const t = s.scan();
    out.push(t);
    if (t.tok === 'EOF') break;
  }
  return out;
}
