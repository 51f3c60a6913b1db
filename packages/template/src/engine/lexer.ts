import { decodeRune } from '../go/bytes.js';
import { LIMITS } from './limits.js';

/** Thrown by `emit` at LIMITS.maxTokens: the lexer's memory and the parse time stay bounded by it. */
const TOO_MANY_TOKENS = Symbol('too many tokens');

/** Token kinds of Go's text/template lexer (text/template/parse/lex.go), minus custom delimiters. */
export type ItemType =
  | 'error'
  | 'eof'
  | 'text'
  | 'comment'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'bool'
  | 'char' // a printable ASCII character inside an action that has no other meaning: `,`, `}`, ...
  | 'charConstant'
  | 'number'
  | 'string'
  | 'rawString'
  | 'identifier'
  | 'field'
  | 'variable'
  | 'dot'
  | 'nil'
  | 'assign'
  | 'declare'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'keyword';

/** One token. `val` and `pos` are in bytes of the UTF-8 source (a byte string, see bytes.ts). */
export interface Item {
  readonly typ: ItemType;
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

export const KEYWORDS: ReadonlySet<string> = new Set([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'range',
  'nil',
  'template',
  'with',
]);

const LEFT_DELIM = '{{';
const RIGHT_DELIM = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function isAlphaNumericRune(r: number): boolean {
  if (r < 0x80) {
    return r === 0x5f || (r >= 0x30 && r <= 0x39) || (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a);
  }
  return /[\p{L}\p{Nd}]/u.test(String.fromCodePoint(r));
}

function leftTrimLength(s: string, from: number): number {
  let i = from;
  while (i < s.length && isSpace(s[i])) i++;
  return i - from;
}

/**
 * Tokenizes a template (as a byte string) eagerly, following the state machine of Go's lexer, including trim
 * markers (`{{- `, ` -}}`) and comments. Lexing stops at the first error, which is the last item.
 */
export function lex(input: string): Item[] {
  const items: Item[] = [];
  let start = 0;
  let pos = 0;
  let parenDepth = 0;
  let failed = false;

  const lineAt = (() => {
    const newlines: number[] = [];
    for (let i = input.indexOf('\n'); i >= 0; i = input.indexOf('\n', i + 1)) newlines.push(i);
    return (p: number): number => {
      let lo = 0;
      let hi = newlines.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((newlines[mid] ?? 0) < p) lo = mid + 1;
        else hi = mid;
      }
      return lo + 1;
    };
  })();

  const push = (item: Item): void => {
    if (items.length >= LIMITS.maxTokens) throw TOO_MANY_TOKENS;
    items.push(item);
  };
  const emit = (typ: ItemType, val = input.slice(start, pos)): void => {
    push({ typ, pos: start, val, line: lineAt(start) });
    start = pos;
  };
  const error = (message: string): void => {
    items.push({ typ: 'error', pos: start, val: message, line: lineAt(start) });
    failed = true;
  };
  const peekRune = (): [number, number] => (pos < input.length ? decodeRune(input, pos) : [-1, 0]);

  const atRightDelim = (): [delim: boolean, trim: boolean] => {
    if (isSpace(input[pos]) && input[pos + 1] === '-' && input.startsWith(RIGHT_DELIM, pos + 2)) {
      return [true, true];
    }
    return [input.startsWith(RIGHT_DELIM, pos), false];
  };
  const atTerminator = (): boolean => {
    const c = input[pos];
    if (c === undefined || isSpace(c)) return true;
    if ('.,|:()'.includes(c)) return true;
    return input.startsWith(RIGHT_DELIM, pos);
  };

  const hasLeftTrimMarker = (at: number): boolean => input[at] === '-' && isSpace(input[at + 1]);

  // Returns false when lexing must stop (EOF or error).
  const lexText = (): 'action' | 'done' => {
    const x = input.indexOf(LEFT_DELIM, pos);
    if (x < 0) {
      pos = input.length;
      if (pos > start) emit('text');
      emit('eof', '');
      return 'done';
    }
    if (x > pos) {
      pos = x;
      let trim = 0;
      if (hasLeftTrimMarker(x + LEFT_DELIM.length)) {
        let j = pos;
        while (j > start && isSpace(input[j - 1])) j--;
        trim = pos - j;
      }
      pos -= trim;
      if (pos > start) emit('text');
      pos += trim;
      start = pos;
    }
    return 'action';
  };

  const lexLeftDelim = (): 'inside' | 'text' | 'error' => {
    pos += LEFT_DELIM.length;
    const trim = hasLeftTrimMarker(pos);
    const afterMarker = trim ? 2 : 0;
    if (input.startsWith(LEFT_COMMENT, pos + afterMarker)) {
      pos += afterMarker;
      start = pos;
      pos += LEFT_COMMENT.length;
      const x = input.indexOf(RIGHT_COMMENT, pos);
      if (x < 0) {
        error('unclosed comment');
        return 'error';
      }
      pos = x + RIGHT_COMMENT.length;
      const [delim, trimAfter] = atRightDelim();
      if (!delim) {
        error('comment ends before closing delimiter');
        return 'error';
      }
      if (trimAfter) pos += 2;
      pos += RIGHT_DELIM.length;
      if (trimAfter) pos += leftTrimLength(input, pos);
      start = pos;
      return 'text';
    }
    const delimStart = pos - LEFT_DELIM.length;
    push({ typ: 'leftDelim', pos: delimStart, val: LEFT_DELIM, line: lineAt(delimStart) });
    pos += afterMarker;
    start = pos;
    parenDepth = 0;
    return 'inside';
  };

  // A "..." string or a '...' character constant: backslash escapes, no newline before the closing quote.
  const lexQuoted = (quote: '"' | "'", typ: 'string' | 'charConstant', unterminated: string): boolean => {
    for (;;) {
      const c = input[pos++];
      if (c === '\\') {
        const n = input[pos];
        if (n !== undefined && n !== '\n') {
          pos++;
          continue;
        }
        error(unterminated);
        return false;
      }
      if (c === undefined || c === '\n') {
        error(unterminated);
        return false;
      }
      if (c === quote) break;
    }
    emit(typ);
    return true;
  };

  const lexRawQuote = (): boolean => {
    const x = input.indexOf('`', pos);
    if (x < 0) {
      error('unterminated raw quoted string');
      return false;
    }
    pos = x + 1;
    emit('rawString');
    return true;
  };

  const badCharacter = (): void => {
    const [r] = peekRune();
    error(`bad character ${formatRuneU(r)}`);
  };

  const lexWord = (typ: 'field' | 'variable' | 'identifier'): boolean => {
    if (typ !== 'identifier' && atTerminator()) {
      emit(typ === 'variable' ? 'variable' : 'dot');
      return true;
    }
    for (;;) {
      const [r, size] = peekRune();
      if (size === 0 || !isAlphaNumericRune(r)) break;
      pos += size;
    }
    if (!atTerminator()) {
      badCharacter();
      return false;
    }
    if (typ !== 'identifier') {
      emit(typ);
      return true;
    }
    const word = input.slice(start, pos);
    if (KEYWORDS.has(word)) emit(word === 'nil' ? 'nil' : 'keyword');
    else if (word === 'true' || word === 'false') emit('bool');
    else emit('identifier');
    return true;
  };

  const lexNumber = (): boolean => {
    const accept = (valid: string): boolean => {
      const c = input[pos];
      if (c !== undefined && valid.includes(c)) {
        pos++;
        return true;
      }
      return false;
    };
    const acceptRun = (valid: string): void => {
      while (accept(valid));
    };
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    const [r, size] = peekRune();
    if (size > 0 && isAlphaNumericRune(r)) {
      pos += size;
      error(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
      return false;
    }
    emit('number');
    return true;
  };

  const lexSpace = (): 'inside' | 'rightDelim' => {
    let numSpaces = 0;
    while (isSpace(input[pos])) {
      pos++;
      numSpaces++;
    }
    if (input[pos] === '-' && input.startsWith(RIGHT_DELIM, pos + 1)) {
      pos--; // back up before the space that belongs to the trim marker
      if (numSpaces === 1) return 'rightDelim';
    }
    emit('space');
    return 'inside';
  };

  const lexRightDelim = (): void => {
    const [, trim] = atRightDelim();
    if (trim) pos += 2;
    start = pos;
    pos += RIGHT_DELIM.length;
    emit('rightDelim');
    if (trim) pos += leftTrimLength(input, pos);
    start = pos;
  };

  // Returns 'text' after the closing delimiter, or 'stop' on error.
  const lexInsideAction = (): 'text' | 'stop' => {
    for (;;) {
      const [delim] = atRightDelim();
      if (delim) {
        if (parenDepth === 0) {
          lexRightDelim();
          return 'text';
        }
        error('unclosed left paren');
        return 'stop';
      }
      start = pos;
      const c = input[pos];
      if (c === undefined) {
        error('unclosed action');
        return 'stop';
      }
      if (isSpace(c)) {
        if (lexSpace() === 'rightDelim') {
          lexRightDelim();
          return 'text';
        }
        continue;
      }
      pos++;
      let ok = true;
      switch (c) {
        case '=':
          emit('assign');
          break;
        case ':':
          if (input[pos] !== '=') {
            error('expected :=');
            return 'stop';
          }
          pos++;
          emit('declare');
          break;
        case '|':
          emit('pipe');
          break;
        case '"':
          ok = lexQuoted('"', 'string', 'unterminated quoted string');
          break;
        case '`':
          ok = lexRawQuote();
          break;
        case '$':
          ok = lexWord('variable');
          break;
        case "'":
          ok = lexQuoted("'", 'charConstant', 'unterminated character constant');
          break;
        case '(':
          emit('leftParen');
          parenDepth++;
          break;
        case ')':
          parenDepth--;
          if (parenDepth < 0) {
            error('unexpected right paren');
            return 'stop';
          }
          emit('rightParen');
          break;
        default: {
          const next = input[pos];
          if (c === '.' && (next === undefined || next < '0' || next > '9')) {
            ok = lexWord('field');
          } else if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
            pos--;
            ok = lexNumber();
          } else {
            pos--;
            const [r, size] = decodeRune(input, pos);
            if (isAlphaNumericRune(r)) {
              ok = lexWord('identifier');
            } else if (r < 0x7f && r >= 0x20) {
              pos += size;
              emit('char');
            } else {
              error(`unrecognized character in action: ${formatRuneU(r)}`);
              return 'stop';
            }
          }
        }
      }
      if (!ok) return 'stop';
    }
  };

  try {
    for (;;) {
      if (lexText() === 'done') break;
      const next = lexLeftDelim();
      if (next === 'error') break;
      if (next === 'text') continue;
      if (lexInsideAction() === 'stop' || failed) break;
    }
  } catch (e) {
    if (e !== TOO_MANY_TOKENS) throw e;
    error(`template exceeds the limit of ${LIMITS.maxTokens} tokens`);
  }
  return items;
}

/** Go's `%#U` of a rune, e.g. `U+0023 '#'`. */
export function formatRuneU(r: number): string {
  const hex = r.toString(16).toUpperCase().padStart(4, '0');
  const printable = r >= 0x20 && r !== 0x7f && /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(String.fromCodePoint(r));
  return printable ? `U+${hex} '${String.fromCodePoint(r)}'` : `U+${hex}`;
}
