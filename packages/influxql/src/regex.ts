// InfluxQL regexes are Go RE2 patterns; JavaScript's engine differs in syntax. translateRegex turns
// the RE2 constructs clients use into their JavaScript form (always in 'u' mode), and rejects what
// RE2 rejects (back-references, look-arounds, unknown escapes) so a query that InfluxDB refuses is
// refused here too. Messages follow Go's "error parsing regexp: <reason>: `<text>`" form; for
// errors only the JS engine finds, the reason is the engine's own words.
//
// Not supported: flag groups other than a leading (?imsU...) — e.g. (?i:...) — and (?U).

export class RegexError extends Error {
  override readonly name = 'RegexError';
}

const fail = (reason: string, text: string): RegexError =>
  new RegexError(`error parsing regexp: ${reason}: \`${text}\``);

/** Characters that must stay escaped in a JavaScript 'u' pattern. */
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

const isWordChar = (c: string): boolean => /^[A-Za-z0-9_]$/.test(c);

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`\\{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

function literalChar(c: string, inClass: boolean): string {
  if (JS_SYNTAX.has(c) || (inClass && c === '-')) return '\\' + c;
  return c;
}

function codePointEscape(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

export interface TranslatedRegex {
  source: string;
  flags: string;
}

/** RE2 pattern → JavaScript source and flags; throws RegexError for patterns RE2 rejects. */
export function translateRegex(pattern: string): TranslatedRegex {
  const p = Array.from(pattern);
  let i = 0;
  let flags = '';

  // Leading flag groups: (?i), (?s), (?m), (?is) ...
  for (;;) {
    const m = /^\(\?([a-zA-Z]+)\)/.exec(p.slice(i).join(''));
    if (m === null) break;
    for (const f of m[1]!) {
      if (f === 'i' || f === 'm' || f === 's') {
        if (!flags.includes(f)) flags += f;
      } else if (f === 'U') {
        throw fail('invalid or unsupported Perl syntax', '(?U');
      } else {
        throw fail('invalid or unsupported Perl syntax', `(?${f}`);
      }
    }
    i += m[0].length;
  }

  let out = '';
  let inClass = false;
  let classStart = 0;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) throw fail('trailing backslash at end of expression', '');
      if (n === 'Q') {
        i += 2;
        while (i < p.length && !(p[i] === '\\' && p[i + 1] === 'E')) out += literalChar(p[i++]!, inClass);
        i += 2;
        continue;
      }
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'z') out += '(?![\\s\\S])';
      else if ('dDsSwW'.includes(n)) out += '\\' + n;
      else if (!inClass && (n === 'b' || n === 'B')) out += '\\' + n;
      else if ('ftnrv'.includes(n)) out += '\\' + n;
      else if (n === 'a') out += '\\x07';
      else if (n === 'p' || n === 'P') {
        let name: string;
        if (p[i + 2] === '{') {
          const close = p.indexOf('}', i + 3);
          if (close === -1) throw fail('invalid character class range', p.slice(i).join(''));
          name = p.slice(i + 3, close).join('');
          i = close + 1;
        } else {
          name = p[i + 2] ?? '';
          i += 3;
        }
        const negated = name.startsWith('^');
        if (negated) name = name.slice(1);
        const prop = /^[A-Z][a-z]?$/.test(name) ? name : `Script=${name}`;
        out += `\\${(n === 'P') !== negated ? 'P' : 'p'}{${prop}}`;
        continue;
      } else if (n === 'x') {
        if (p[i + 2] === '{') {
          const close = p.indexOf('}', i + 3);
          const hex = close === -1 ? '' : p.slice(i + 3, close).join('');
          if (!/^[0-9A-Fa-f]{1,6}$/.test(hex)) throw fail('invalid escape sequence', p.slice(i).join(''));
          out += codePointEscape(parseInt(hex, 16));
          i = close + 1;
          continue;
        }
        const hex = p.slice(i + 2, i + 4).join('');
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw fail('invalid escape sequence', p.slice(i, i + 4).join(''));
        out += codePointEscape(parseInt(hex, 16));
        i += 4;
        continue;
      } else if (n >= '0' && n <= '7') {
        // Octal; a lone \1..\7 is a back-reference, which RE2 does not have.
        let j = i + 1;
        let digits = '';
        while (j < p.length && digits.length < 3 && p[j]! >= '0' && p[j]! <= '7') digits += p[j++];
        if (n !== '0' && digits.length === 1) throw fail('invalid escape sequence', '\\' + n);
        out += codePointEscape(parseInt(digits, 8));
        i = j;
        continue;
      } else if (!isWordChar(n) && n.codePointAt(0)! < 0x80) {
        out += literalChar(n, inClass);
      } else {
        throw fail('invalid escape sequence', '\\' + n);
      }
      i += 2;
      continue;
    }

    if (inClass) {
      if (c === '[' && p[i + 1] === ':') {
        const close = p.indexOf(':', i + 2);
        if (close !== -1 && p[close + 1] === ']') {
          let name = p.slice(i + 2, close).join('');
          const negated = name.startsWith('^');
          if (negated) name = name.slice(1);
          const set = POSIX_CLASSES[name];
          if (set === undefined) throw fail('invalid character class range', p.slice(i, close + 2).join(''));
          if (negated) throw fail('invalid character class range', p.slice(i, close + 2).join(''));
          out += set;
          i = close + 2;
          continue;
        }
      }
      if (c === ']' && i > classStart) {
        inClass = false;
        out += ']';
      } else if (c === '[') {
        out += '\\[';
      } else if (c === ']' || c === '/' || c === '{' || c === '}' || c === '(' || c === ')' || c === '|') {
        out += '\\' + c;
      } else {
        out += c;
      }
      i++;
      continue;
    }

    if (c === '[') {
      inClass = true;
      out += '[';
      i++;
      if (p[i] === '^') {
        out += '^';
        i++;
      }
      // A ']' right after the opening bracket is a member, not the end.
      classStart = p[i] === ']' ? i + 1 : i;
      if (p[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && p[i + 1] === '?') {
      const rest = p.slice(i, i + 4).join('');
      if (rest.startsWith('(?=') || rest.startsWith('(?!') || rest.startsWith('(?<=') || rest.startsWith('(?<!')) {
        throw fail('invalid or unsupported Perl syntax', rest.startsWith('(?<') ? rest.slice(0, 4) : rest.slice(0, 3));
      }
      if (rest.startsWith('(?P<')) {
        out += '(?<';
        i += 4;
        continue;
      }
    }
    if (c === '{') {
      // RE2 reads a brace that starts no repeat count as a plain brace; 'u' mode needs it escaped.
      const rep = /^\{\d+(,\d*)?\}/.exec(p.slice(i, i + 24).join(''));
      if (rep !== null) {
        out += rep[0];
        i += rep[0].length;
      } else {
        out += '\\{';
        i++;
      }
      continue;
    }
    if (c === '/' || c === '}' || c === ']') {
      out += '\\' + c;
      i++;
      continue;
    }
    out += c;
    i++;
  }
  if (inClass) {
    throw fail('missing closing ]', pattern.slice(pattern.lastIndexOf('[')));
  }
  return { source: out, flags: flags + 'u' };
}

function describeEngineError(pattern: string, err: Error): RegexError {
  const m = err.message;
  if (m.includes('Unterminated group')) return fail('missing closing )', pattern);
  if (m.includes("Unmatched ')'")) return fail('unexpected )', pattern);
  if (m.includes('Nothing to repeat')) {
    const op = /[*+?]|\{\d+(,\d*)?\}/.exec(pattern)?.[0] ?? '*';
    return fail('missing argument to repetition operator', op);
  }
  if (m.includes('numbers out of order')) return fail('invalid repeat count', pattern);
  if (m.includes('Range out of order')) return fail('invalid character class range', pattern);
  return new RegexError(`error parsing regexp: ${m.replace(/^Invalid regular expression: /, '')}`);
}

/** A JavaScript RegExp that matches what the RE2 pattern matches; throws RegexError otherwise. */
export function compileRegex(pattern: string): RegExp {
  const t = translateRegex(pattern);
  try {
    return new RegExp(t.source, t.flags);
  } catch (err) {
    throw describeEngineError(pattern, err as Error);
  }
}
