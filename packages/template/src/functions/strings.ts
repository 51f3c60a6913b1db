import { FuncError } from '../engine/errors.js';
import { LIMITS } from '../engine/limits.js';
import { GoList, GoMap, type Value } from '../engine/values.js';
import { encodeRune, mapRunes } from '../go/bytes.js';
import { formatV } from '../go/fmt.js';
import { quoteBytes } from '../go/quote.js';
import { indexOf } from '../go/search.js';
import {
  deleteWhiteSpace,
  isSpaceRune,
  replaceAll,
  replaceAllSize,
  simpleCase,
  splitN,
  title,
  toLower,
  toUpper,
  trimCutset,
  trimSpace,
} from '../go/strings.js';
import { camelCase, swapCase, toDelimited } from '../go/case.js';
import {
  checkSize,
  int,
  joinLimited,
  str,
  stringList,
  strslice,
  strval,
  withoutNil,
  type CallContext,
  type FuncDef,
  type FuncTable,
} from './types.js';

function slicePanic(): never {
  throw new FuncError('runtime error: slice bounds out of range');
}

/** goutils.AbbreviateFull (sprig `abbrev`, `abbrevboth`): byte offsets, as in Go. */
function abbreviate(s: string, offset: number, maxWidth: number): string {
  if (s === '') return '';
  if (maxWidth < 4) return '';
  if (s.length <= maxWidth) return s;
  if (offset > s.length) offset = s.length;
  if (s.length - offset < maxWidth - 3) offset = s.length - (maxWidth - 3);
  if (offset <= 4) return s.slice(0, maxWidth - 3) + '...';
  if (maxWidth < 7) return '';
  if (offset + maxWidth - 3 < s.length) return '...' + abbreviate(s.slice(offset), 0, maxWidth - 3);
  return '...' + s.slice(s.length - (maxWidth - 3));
}

/** goutils.WrapCustom: wraps at spaces (bytes), `wrapLong` also cuts words longer than the width. */
function wrap(s: string, width: number, newline: string, wrapLong: boolean, ctx: CallContext): string {
  if (s === '') return '';
  if (newline === '') newline = '\n';
  if (width < 1) width = 1;
  const out: string[] = [];
  let size = 0;
  const emit = (piece: string): void => {
    size += piece.length;
    checkSize(size);
    out.push(piece);
  };
  let offset = 0;
  while (s.length - offset > width) {
    if (s[offset] === ' ') {
      offset++;
      continue;
    }
    const end = width + offset + 1;
    ctx.charge(end - offset);
    const space = s.lastIndexOf(' ', end - 1);
    if (space >= offset) {
      emit(s.slice(offset, space) + newline);
      offset = space + 1;
    } else if (wrapLong) {
      emit(s.slice(offset, width + offset) + newline);
      offset += width;
    } else {
      const next = s.indexOf(' ', width + offset);
      ctx.charge((next < 0 ? s.length : next) - (width + offset));
      if (next < 0) {
        emit(s.slice(offset));
        offset = s.length;
      } else {
        emit(s.slice(offset, next) + newline);
        offset = next + 1;
      }
    }
  }
  emit(s.slice(offset));
  return out.join('');
}

/** goutils.Initials: walks bytes (each non-ASCII byte becomes a Latin-1 rune, as in Go). */
function initials(s: string): string {
  let out = '';
  let gap = true;
  for (let i = 0; i < s.length; i++) {
    const b = s.charCodeAt(i);
    if (isSpaceRune(b)) gap = true;
    else if (gap) {
      out += encodeRune(b);
      gap = false;
    }
  }
  return out;
}

/** goutils.Uncapitalize: the first rune of each whitespace-separated word to lower case. */
function uncapitalize(s: string): string {
  let next = true;
  return mapRunes(s, (r) => {
    if (isSpaceRune(r)) {
      next = true;
      return r;
    }
    if (!next) return r;
    next = false;
    return simpleCase(r, 'lower');
  });
}

// A separate constant: as an object-literal member, `toString` is contextually typed as Object's method.
const TO_STRING: FuncDef = { params: ['any'], call: ([v]) => strval(v ?? null) };

/** Charges the length of the first argument (prefix/suffix checks read only that much). */
const prefixCost = (ctx: CallContext, prefix: Value): void => ctx.charge(str(prefix).length);

export const STRINGS: FuncTable = {
  trim: { params: ['string'], call: ([s]) => trimSpace(str(s)) },
  trimAll: { params: ['string', 'string'], call: ([a, b]) => trimCutset(str(b), str(a)) },
  trimall: { params: ['string', 'string'], call: ([a, b]) => trimCutset(str(b), str(a)) },
  trimSuffix: {
    params: ['string', 'string'],
    cost: 'self',
    call: ([a, b], ctx) => {
      prefixCost(ctx, a);
      return str(b).endsWith(str(a)) ? str(b).slice(0, str(b).length - str(a).length) : str(b);
    },
  },
  trimPrefix: {
    params: ['string', 'string'],
    cost: 'self',
    call: ([a, b], ctx) => {
      prefixCost(ctx, a);
      return str(b).startsWith(str(a)) ? str(b).slice(str(a).length) : str(b);
    },
  },
  upper: { params: ['string'], call: ([s]) => toUpper(str(s)) },
  lower: { params: ['string'], call: ([s]) => toLower(str(s)) },
  title: { params: ['string'], call: ([s]) => title(str(s)) },
  nospace: { params: ['string'], call: ([s]) => deleteWhiteSpace(str(s)) },
  trunc: {
    params: ['int', 'string'],
    cost: 'self',
    call: ([c, s]) => {
      const n = int(c);
      const v = str(s);
      if (n < 0 && v.length + n > 0) return v.slice(v.length + n);
      if (n >= 0 && v.length > n) return v.slice(0, n);
      return v;
    },
  },
  substr: {
    params: ['int', 'int', 'string'],
    cost: 'self',
    call: ([a, b, s]) => {
      const start = int(a);
      const end = int(b);
      const v = str(s);
      if (start < 0) {
        if (end < 0 || end > v.length) slicePanic();
        return v.slice(0, end);
      }
      if (end < 0 || end > v.length) {
        if (start > v.length) slicePanic();
        return v.slice(start);
      }
      if (start > end) slicePanic();
      return v.slice(start, end);
    },
  },
  repeat: {
    params: ['int', 'string'],
    cost: 'self', // the executor charges the result
    call: ([c, s]) => {
      const n = int(c);
      if (n < 0) throw new FuncError('strings: negative Repeat count');
      checkSize(n * str(s).length);
      return str(s).repeat(n);
    },
  },
  contains: { params: ['string', 'string'], call: ([sub, s]) => indexOf(str(s), str(sub)) >= 0 },
  hasPrefix: {
    params: ['string', 'string'],
    cost: 'self',
    call: ([p, s], ctx) => (prefixCost(ctx, p), str(s).startsWith(str(p))),
  },
  hasSuffix: {
    params: ['string', 'string'],
    cost: 'self',
    call: ([p, s], ctx) => (prefixCost(ctx, p), str(s).endsWith(str(p))),
  },
  quote: {
    params: [],
    variadic: 'any',
    call: (args) => {
      const items = withoutNil(args);
      return joinLimited(items.length, (i) => quoteBytes(strval(items[i] ?? null)), ' ');
    },
  },
  squote: {
    params: [],
    variadic: 'any',
    call: (args) => {
      const items = withoutNil(args);
      return joinLimited(items.length, (i) => `'${formatV(items[i] ?? null)}'`, ' ');
    },
  },
  cat: {
    params: [],
    variadic: 'any',
    call: (args) => {
      const items = withoutNil(args);
      return joinLimited(items.length, (i) => formatV(items[i] ?? null), ' ');
    },
  },
  indent: {
    params: ['int', 'string'],
    call: ([n, s]) => {
      const pad = ' '.repeat(Math.max(0, Math.min(int(n), LIMITS.maxValueBytes + 1)));
      checkSize(replaceAllSize(str(s), '\n', '\n' + pad) + pad.length);
      return pad + replaceAll(str(s), '\n', '\n' + pad);
    },
  },
  nindent: {
    params: ['int', 'string'],
    call: ([n, s]) => {
      const pad = ' '.repeat(Math.max(0, Math.min(int(n), LIMITS.maxValueBytes + 1)));
      checkSize(replaceAllSize(str(s), '\n', '\n' + pad) + pad.length + 1);
      return '\n' + pad + replaceAll(str(s), '\n', '\n' + pad);
    },
  },
  replace: {
    params: ['string', 'string', 'string'],
    call: ([o, n, s]) => {
      checkSize(replaceAllSize(str(s), str(o), str(n)));
      return replaceAll(str(s), str(o), str(n));
    },
  },
  plural: {
    params: ['string', 'string', 'int'],
    cost: 'self',
    call: ([one, many, n]): Value => (int(n) === 1 ? (one ?? null) : (many ?? null)),
  },
  toString: TO_STRING,
  atoi: {
    params: ['string'],
    call: ([s]) => {
      const text = str(s);
      if (!/^[+-]?\d+$/.test(text)) return 0n;
      const negative = text.startsWith('-');
      const digits = text.replace(/^[+-]?0*/, '');
      // More than 19 significant digits never fits an int64; BigInt of a huge digit string is superlinear.
      if (digits.length > 19) return 0n;
      const v = BigInt(digits === '' ? 0 : `${negative ? '-' : ''}${digits}`);
      return v >= -(2n ** 63n) && v < 2n ** 63n ? v : 0n;
    },
  },
  split: {
    params: ['string', 'string'],
    call: ([sep, s]) => {
      const parts = splitN(str(s), str(sep), -1, LIMITS.maxListItems);
      stringList(parts);
      return new GoMap(new Map(parts.map((p, i) => [`_${i}`, p])), 'string');
    },
  },
  splitn: {
    params: ['string', 'int', 'string'],
    call: ([sep, n, s]) => {
      const parts = splitN(str(s), str(sep), int(n), LIMITS.maxListItems);
      stringList(parts);
      return new GoMap(new Map(parts.map((p, i) => [`_${i}`, p])), 'string');
    },
  },
  splitList: {
    params: ['string', 'string'],
    call: ([sep, s]) => stringList(splitN(str(s), str(sep), -1, LIMITS.maxListItems)),
  },
  join: {
    params: ['string', 'any'],
    call: ([sep, v]) => {
      const items = strslice(v);
      return joinLimited(items.length, (i) => items[i] ?? '', str(sep));
    },
  },
  toStrings: { params: ['any'], call: ([v]) => stringList(strslice(v)) },
  sortAlpha: {
    params: ['any'],
    call: ([v], ctx) => {
      if (v instanceof GoList) {
        // n·log n comparisons, each reading at most the shorter string: the deep size (already charged) per level.
        ctx.charge(ctx.readCost(v) * Math.ceil(Math.log2(v.items.length + 1)));
        return stringList(strslice(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }
      return stringList([strval(v)]);
    },
  },

  abbrev: {
    params: ['int', 'string'],
    call: ([w, s]) => (int(w) < 4 ? str(s) : abbreviate(str(s), 0, int(w))),
  },
  abbrevboth: {
    params: ['int', 'int', 'string'],
    call: ([l, r, s]) => {
      const left = int(l);
      const right = int(r);
      return right < 4 || (left > 0 && right < 7) ? str(s) : abbreviate(str(s), left, right);
    },
  },
  initials: { params: ['string'], call: ([s]) => initials(str(s)) },
  untitle: { params: ['string'], call: ([s]) => uncapitalize(str(s)) },
  swapcase: { params: ['string'], call: ([s]) => swapCase(str(s)) },
  snakecase: { params: ['string'], call: ([s]) => toDelimited(str(s), '_') },
  kebabcase: { params: ['string'], call: ([s]) => toDelimited(str(s), '-') },
  // sprig maps camelcase to xstrings.ToPascalCase (xstrings 1.5 changed ToCamelCase to lower camel case).
  camelcase: { params: ['string'], call: ([s]) => camelCase(str(s), true) },
  wrap: {
    params: ['int', 'string'],
    cost: 'self',
    call: ([l, s], ctx) => wrap(str(s), int(l), '', false, ctx),
  },
  wrapWith: {
    params: ['int', 'string', 'string'],
    cost: 'self',
    call: ([l, sep, s], ctx) => wrap(str(s), int(l), str(sep), true, ctx),
  },
  hello: { params: [], cost: 'self', call: () => 'Hello!' },
};
