import { decodeRune, encodeRune, RUNE_ERROR } from './bytes.js';
import {
  isLetter,
  isLower,
  isNumber,
  isPunct,
  isSpace,
  isTitle,
  isUpper,
  toLowerRune,
  toTitleRune,
  toUpperRune,
} from './unicode.js';

/**
 * The case conversions sprig takes from huandu/xstrings v1.5.0 and goutils, on byte strings: `camelcase`
 * (ToPascalCase), `snakecase`/`kebabcase` (camelCaseToLowerCase) and `swapcase`. Each walks its input once.
 */

const isConnector = (r: number): boolean => r === 0x2d || r === 0x5f || isSpace(r);

/** A letter that is not a CJK ideograph (xstrings' isAlphabet). */
function isAlphabet(r: number): boolean {
  if (!isLetter(r)) return false;
  if (r < 0x3400) return true;
  if (r >= 0x4e00 && r <= 0x9fcc) return false;
  if (r >= 0x3400 && r <= 0x4d85) return false;
  if (r >= 0x20000 && r <= 0x2b81d) return false;
  return true;
}

/** xstrings.toCamelCase. */
export function camelCase(s: string, upperFirst: boolean): string {
  if (s === '') return '';
  let out = '';
  let i = 0;
  let r0 = 0;
  let size = 0;
  let firstUpper = false;
  while (i < s.length) {
    [r0, size] = decodeRune(s, i);
    i += size;
    if (!isConnector(r0)) {
      firstUpper = isUpper(r0);
      r0 = upperFirst ? toUpperRune(r0) : toLowerRune(r0);
      break;
    }
    out += encodeRune(r0);
  }
  if (i >= s.length) return size !== 0 ? out + encodeRune(r0) : out;
  while (i < s.length) {
    const r1 = r0;
    [r0, size] = decodeRune(s, i);
    i += size;
    if (isConnector(r0) && isConnector(r1)) {
      out += encodeRune(r1);
      continue;
    }
    if (isConnector(r1)) {
      firstUpper = isUpper(r0);
      r0 = toUpperRune(r0);
    } else {
      if (firstUpper) {
        if (isUpper(r0)) r0 = toLowerRune(r0);
        else firstUpper = false;
      }
      out += encodeRune(r1);
    }
  }
  if (firstUpper && !upperFirst) r0 = toLowerRune(r0);
  return out + encodeRune(r0);
}

type WordType = 'invalid' | 'number' | 'upper' | 'alphabet' | 'connector' | 'punct' | 'other';

interface Word {
  readonly type: WordType;
  readonly word: string;
  readonly rest: number;
}

/** xstrings.nextValidRune: the next rune that is not RuneError, its size including skipped bytes. */
function nextValidRune(s: string, i: number, prev: number): [number, number] {
  let size = 0;
  while (i + size < s.length) {
    const [r, sz] = decodeRune(s, i + size);
    size += sz;
    if (r !== RUNE_ERROR) return [r, size];
  }
  return [prev, size];
}

/** xstrings.nextWord on s[from:]. */
function nextWord(s: string, from: number): Word {
  if (from >= s.length) return { type: 'invalid', word: '', rest: from };
  let offset = 0;
  let pos = from;
  let [r, size] = nextValidRune(s, pos, RUNE_ERROR);
  offset += size;
  if (r === RUNE_ERROR) return { type: 'invalid', word: s.slice(from, from + offset), rest: from + offset };
  const run = (keep: (r: number) => boolean): void => {
    pos += size;
    while (pos < s.length) {
      [r, size] = nextValidRune(s, pos, r);
      if (!keep(r)) break;
      offset += size;
      pos += size;
    }
  };
  let type: WordType;
  if (isConnector(r)) {
    type = 'connector';
    run(isConnector);
  } else if (isPunct(r)) {
    type = 'punct';
    run(isPunct);
  } else if (isUpper(r)) {
    type = 'upper';
    pos += size;
    if (pos < s.length) {
      [r, size] = nextValidRune(s, pos, r);
      if (isUpper(r)) {
        let prevSize = size;
        offset += size;
        pos += size;
        while (pos < s.length) {
          [r, size] = nextValidRune(s, pos, r);
          if (!isUpper(r)) break;
          prevSize = size;
          offset += size;
          pos += size;
        }
        if (pos < s.length && isAlphabet(r)) {
          offset -= prevSize;
          pos = from + offset;
        }
      } else if (isAlphabet(r)) {
        offset += size;
        pos += size;
        while (pos < s.length) {
          [r, size] = nextValidRune(s, pos, r);
          if (!isAlphabet(r) || isUpper(r)) break;
          offset += size;
          pos += size;
        }
      }
    }
  } else if (isAlphabet(r)) {
    type = 'alphabet';
    run((x) => isAlphabet(x) && !isUpper(x));
  } else if (isNumber(r)) {
    type = 'number';
    run(isNumber);
  } else {
    type = 'other';
    run((x) => !(isConnector(x) || isAlphabet(x) || isNumber(x) || isPunct(x)));
  }
  return { type, word: s.slice(from, from + offset), rest: pos };
}

function lowerWord(type: WordType, word: string, connector: string): string {
  if (type !== 'upper' && type !== 'connector') return word;
  let out = '';
  for (let i = 0; i < word.length;) {
    const [r, size] = decodeRune(word, i);
    i += size;
    if (isConnector(r)) out += connector;
    else if (isUpper(r)) out += encodeRune(toLowerRune(r));
    else out += encodeRune(r);
  }
  return out;
}

/** xstrings.camelCaseToLowerCase (ToSnakeCase with `_`, ToKebabCase with `-`). */
export function toDelimited(s: string, connector: string): string {
  if (s === '') return '';
  let out = '';
  let w = nextWord(s, 0);
  while (w.rest < s.length) {
    if (w.type !== 'connector') out += lowerWord(w.type, w.word, connector);
    const prev = w.type;
    const last = w.word;
    w = nextWord(s, w.rest);
    switch (prev) {
      case 'number':
        while (w.type === 'alphabet' || w.type === 'number') {
          out += lowerWord(w.type, w.word, connector);
          w = nextWord(s, w.rest);
        }
        if (w.type !== 'invalid' && w.type !== 'punct' && w.type !== 'connector') out += connector;
        break;
      case 'connector':
        out += lowerWord(prev, last, connector);
        break;
      case 'punct':
        break;
      default: {
        if (w.type !== 'number') {
          if (w.type !== 'connector' && w.type !== 'punct') out += connector;
          break;
        }
        if (w.rest >= s.length) break;
        const num = w.word;
        w = nextWord(s, w.rest);
        if (w.type !== 'alphabet') {
          out += lowerWord('number', num, connector);
          if (w.type !== 'connector' && w.type !== 'punct') out += connector;
          break;
        }
        out += connector + lowerWord('number', num, connector);
        while (w.type === 'alphabet' || w.type === 'number') {
          out += lowerWord(w.type, w.word, connector);
          w = nextWord(s, w.rest);
        }
        if (w.type !== 'invalid' && w.type !== 'connector' && w.type !== 'punct') out += connector;
      }
    }
  }
  return out + lowerWord(w.type, w.word, connector);
}

/** goutils.SwapCase. */
export function swapCase(s: string): string {
  let out = '';
  let whitespace = true;
  for (let i = 0; i < s.length;) {
    const [rune, size] = decodeRune(s, i);
    let r = rune;
    i += size;
    if (isUpper(r) || isTitle(r)) {
      r = toLowerRune(r);
      whitespace = false;
    } else if (isLower(r)) {
      r = whitespace ? toTitleRune(r) : toUpperRune(r);
      whitespace = false;
    } else {
      whitespace = isSpace(r);
    }
    out += encodeRune(r);
  }
  return out;
}
