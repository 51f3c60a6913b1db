import { DAY_NAMES, MONTH_NAMES } from './calendar.js';
import { decodeRune, encodeRune, runeCount, runesOf } from './bytes.js';
import { FuncError } from '../engine/errors.js';
import { formatFloat, formatHexFloat, type FloatFormat } from './float.js';
import { canBackquote, quoteBytes, quoteRune } from './quote.js';
import { GoInt, GoList, GoObject, typeName, type GoMap, type Value } from '../engine/values.js';
import { formatDurationNs } from './duration.js';

/** A subset of Go's fmt over template values. All strings in and out are byte strings. */

interface Flags {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

const NO_FLAGS: Flags = {
  minus: false,
  plus: false,
  sharp: false,
  space: false,
  zero: false,
  width: undefined,
  prec: undefined,
};

/** Width and precision are capped so that `%999999999d` cannot allocate unbounded memory. */
export const MAX_FMT_WIDTH = 1 << 16;

function pad(s: string, f: Flags, zeroOk = true): string {
  if (f.width === undefined) return s;
  const n = f.width - runeCount(s);
  if (n <= 0) return s;
  if (f.minus) return s + ' '.repeat(n);
  if (f.zero && zeroOk) {
    const sign = s[0] === '-' || s[0] === '+' || s[0] === ' ' ? (s[0] ?? '') : '';
    return sign + '0'.repeat(n) + s.slice(sign.length);
  }
  return ' '.repeat(n) + s;
}

function badVerb(verb: string, v: Value): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${formatV(v)})`;
}

/** `%v` of a value, as fmt.Sprint prints it. */
export function formatV(v: Value): string {
  return fmtValue(v, 'v', NO_FLAGS);
}

/** `orig`: the value as given (a GoInt prints its own type in `%!verb(int64=2)`). */
function fmtInt(v: bigint, verb: string, f: Flags, orig: Value = v): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'd':
    case 'v':
      digits = abs.toString(10);
      break;
    case 'b':
      digits = abs.toString(2);
      if (f.sharp) prefix = '0b';
      break;
    case 'o':
    case 'O':
      digits = abs.toString(8);
      if (verb === 'O') prefix = '0o';
      else if (f.sharp && digits !== '0') prefix = '0';
      break;
    case 'x':
      digits = abs.toString(16);
      if (f.sharp) prefix = '0x';
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (f.sharp) prefix = '0X';
      break;
    case 'c':
      return pad(encodeRune(Number(BigInt.asIntN(32, v))), f, false);
    case 'q':
      return pad(quoteRune(Number(BigInt.asIntN(32, v)), f.plus), f, false);
    case 'U': {
      const hex = abs.toString(16).toUpperCase().padStart(4, '0');
      const r = Number(v);
      const tail = f.sharp && r >= 0 && r <= 0x10ffff ? ` '${encodeRune(r)}'` : '';
      return pad(`U+${hex}${tail}`, f, false);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      return badVerb(verb, orig);
    default:
      return badVerb(verb, orig);
  }
  if (f.prec !== undefined) {
    if (f.prec === 0 && abs === 0n) digits = '';
    digits = digits.padStart(Math.min(f.prec, MAX_FMT_WIDTH), '0');
  }
  const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return pad(sign + prefix + digits, f, f.prec === undefined);
}

function fmtFloat(v: number, verb: string, f: Flags): string {
  let fmt: FloatFormat;
  let prec = f.prec ?? -1;
  switch (verb) {
    case 'v':
    case 'g':
    case 'G':
      fmt = verb === 'G' ? 'G' : 'g';
      break;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
      fmt = verb;
      if (f.prec === undefined) prec = 6;
      break;
    case 'x':
    case 'X':
      if (f.prec !== undefined) return badVerb(verb, v);
      return pad(formatHexFloat(v, verb === 'X'), f, Number.isFinite(v));
    default:
      return badVerb(verb, v);
  }
  let s = formatFloat(v, fmt, Math.min(prec, MAX_FMT_WIDTH));
  if (f.plus && s[0] !== '-' && s[0] !== '+') s = '+' + s;
  else if (f.space && s[0] !== '-' && s[0] !== '+') s = ' ' + s;
  else if (s === '+Inf' && !f.plus) s = '+Inf';
  return pad(s, f, Number.isFinite(v));
}

function fmtString(v: string, verb: string, f: Flags): string {
  let s = v;
  if (f.prec !== undefined && (verb === 's' || verb === 'v' || verb === 'q')) {
    const runes = runesOf(s);
    if (runes.length > f.prec) s = s.slice(0, runes[f.prec]?.start ?? s.length);
  }
  switch (verb) {
    case 'v':
    case 's':
      return pad(s, f);
    case 'q':
      return pad(f.sharp && canBackquote(s) ? '`' + s + '`' : quoteBytes(s, f.plus), f);
    case 'x':
    case 'X': {
      let out = '';
      const limit = f.prec === undefined ? s.length : Math.min(s.length, f.prec);
      for (let i = 0; i < limit; i++) {
        if (i > 0 && f.space) out += ' ';
        if (f.sharp && (i === 0 || f.space)) out += verb === 'x' ? '0x' : '0X';
        const h = s.charCodeAt(i).toString(16).padStart(2, '0');
        out += verb === 'x' ? h : h.toUpperCase();
      }
      return pad(out, f);
    }
    default:
      return badVerb(verb, v);
  }
}

function fmtValue(v: Value, verb: string, f: Flags): string {
  if (verb === 'T') return pad(v === null || v === undefined ? '<nil>' : typeName(v), f);
  if (v === null || v === undefined) return verb === 'v' ? pad('<nil>', f) : badVerb(verb, v);
  switch (typeof v) {
    case 'string':
      if (verb === 'v' && f.sharp) return pad(quoteBytes(v), f);
      return fmtString(v, verb, f);
    case 'bigint':
      return fmtInt(v, verb, f);
    case 'number':
      return fmtFloat(v, verb, f);
    case 'boolean':
      return verb === 'v' || verb === 't' ? pad(v ? 'true' : 'false', f) : badVerb(verb, v);
  }
  if (v instanceof GoInt) {
    const name = stringer(v);
    // A Stringer (time.Month, …) prints its name only for the string verbs (fmt's handleMethods).
    if (name === undefined || !'vsxXq'.includes(verb)) return fmtInt(v.value, verb, f, v);
    return fmtString(name, verb === 'v' ? 's' : verb, f);
  }
  if (v instanceof GoObject) return fmtString(v.format(), verb === 'v' ? 's' : verb, f);
  if (v instanceof GoList) {
    return '[' + v.items.map((item) => fmtValue(item, verb, f)).join(' ') + ']';
  }
  const map: GoMap = v;
  const parts = map
    .sortedKeys()
    .map((k) => fmtValue(k, verb, f) + ':' + fmtValue(map.entries.get(k), verb, f));
  return 'map[' + parts.join(' ') + ']';
}

/** The String method of named integer types (time.Month, time.Weekday, time.Duration). */
function stringer(v: GoInt): string | undefined {
  switch (v.type) {
    case 'time.Month':
      return MONTH_NAMES[Number(v.value) - 1] ?? `%!Month(${v.value})`;
    case 'time.Weekday':
      return DAY_NAMES[Number(v.value)] ?? `%!Weekday(${v.value})`;
    case 'time.Duration':
      return formatDurationNs(v.value);
    default:
      return undefined;
  }
}

/**
 * Output that fails as soon as it passes `limit` bytes: many arguments or verbs each within bounds (a width of
 * 65 536, a 1 MiB string) must not add up to gigabytes before the result is checked.
 */
class BoundedOutput {
  text = '';
  constructor(private readonly limit: number) {}

  add(piece: string): void {
    this.text += piece;
    if (this.text.length > this.limit) throw new FuncError(`result exceeds the limit of ${this.limit} bytes`);
  }
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly Value[], limit = Infinity): string {
  const out = new BoundedOutput(limit);
  let prevString = false;
  args.forEach((a, i) => {
    const isString = typeof a === 'string';
    if (i > 0 && !isString && !prevString) out.add(' ');
    out.add(formatV(a));
    prevString = isString;
  });
  return out.text;
}

/** fmt.Sprintln: spaces between all operands and a trailing newline. */
export function sprintln(args: readonly Value[], limit = Infinity): string {
  const out = new BoundedOutput(limit);
  args.forEach((a, i) => out.add((i > 0 ? ' ' : '') + formatV(a)));
  out.add('\n');
  return out.text;
}

/**
 * fmt.Sprintf with verbs v s q d b o O x X c U e E f F g G t T %, flags `+-# 0`, width, precision and `*`; fails
 * once the output passes `limit` bytes.
 */
export function sprintf(format: string, args: readonly Value[], limit = Infinity): string {
  const out = new BoundedOutput(limit);
  let argNum = 0;
  let reordered = false;
  let goodArgNum = true;
  let i = 0;
  const n = format.length;
  // `[n]` explicit argument index (1-based), as in Go's argNumber.
  const argIndex = (): void => {
    if (format[i] !== '[') return;
    reordered = true;
    const close = format.indexOf(']', i);
    const digits = close < 0 ? '' : format.slice(i + 1, close);
    if (close < 0 || !/^\d+$/.test(digits) || Number(digits) < 1 || Number(digits) > args.length) {
      goodArgNum = false;
      i = close < 0 ? n : close + 1;
      return;
    }
    argNum = Number(digits) - 1;
    i = close + 1;
  };
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out.add(format.slice(i));
      break;
    }
    out.add(format.slice(i, pct));
    i = pct + 1;
    goodArgNum = true;
    const f: Flags = { ...NO_FLAGS };
    for (; i < n; i++) {
      const c = format[i];
      if (c === '-') {
        f.minus = true;
        f.zero = false;
      } else if (c === '+') f.plus = true;
      else if (c === '#') f.sharp = true;
      else if (c === ' ') f.space = true;
      else if (c === '0') f.zero = !f.minus;
      else break;
    }
    const readNumber = (): number | undefined => {
      const start = i;
      while (i < n && (format[i] ?? '') >= '0' && (format[i] ?? '') <= '9') i++;
      return i > start ? Math.min(Number(format.slice(start, i)), MAX_FMT_WIDTH) : undefined;
    };
    argIndex();
    if (format[i] === '*') {
      i++;
      const w = args[argNum++];
      if (typeof w === 'bigint') {
        let width = Number(w);
        if (width < 0) {
          f.minus = true;
          f.zero = false;
          width = -width;
        }
        f.width = Math.min(width, MAX_FMT_WIDTH);
      } else out.add('%!(BADWIDTH)');
    } else {
      f.width = readNumber();
    }
    if (format[i] === '.') {
      i++;
      argIndex();
      if (format[i] === '*') {
        i++;
        const p = args[argNum++];
        if (typeof p === 'bigint' && p >= 0n) f.prec = Math.min(Number(p), MAX_FMT_WIDTH);
        else out.add('%!(BADPREC)');
      } else {
        f.prec = readNumber() ?? 0;
      }
    }
    argIndex();
    if (i >= n) {
      out.add('%!(NOVERB)');
      break;
    }
    const [r, size] = decodeRune(format, i);
    const verb = format.slice(i, i + size);
    i += size;
    if (r === 0x25) {
      out.add('%');
      continue;
    }
    if (!goodArgNum) {
      out.add(`%!${verb}(BADINDEX)`);
      continue;
    }
    if (argNum >= args.length) {
      out.add(`%!${verb}(MISSING)`);
      continue;
    }
    out.add(fmtValue(args[argNum++], verb, f));
  }
  if (!reordered && argNum < args.length) {
    const extra = args
      .slice(argNum)
      .map((a) => (a === null || a === undefined ? '<nil>' : `${typeName(a)}=${formatV(a)}`));
    out.add(`%!(EXTRA ${extra.join(', ')})`);
  }
  return out.text;
}
