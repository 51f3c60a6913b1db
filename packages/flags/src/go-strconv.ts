// Go's strconv texts as pflag prints them: the accepted syntax of ParseBool, ParseInt(s, 0, 64) and
// ParseFloat(s, 32), their `strconv.ParseX: parsing "…": invalid syntax` errors, and Quote/QuoteRune (`%q`).
// Checked against Go itself (testdata/go-expected.json).

/** A value that does not parse; `reason` is the text pflag puts after `flag: `. */
export class GoSyntaxError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'GoSyntaxError';
  }
}

function numError(fn: string, text: string, what: 'invalid syntax' | 'value out of range'): GoSyntaxError {
  return new GoSyntaxError(`strconv.${fn}: parsing ${goQuote(text)}: ${what}`);
}

const TRUE_TEXTS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_TEXTS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** `strconv.ParseBool`; undefined for anything else. */
export function parseGoBool(text: string): boolean | undefined {
  if (TRUE_TEXTS.has(text)) return true;
  if (FALSE_TEXTS.has(text)) return false;
  return undefined;
}

export function parseGoBoolOrThrow(text: string): boolean {
  const value = parseGoBool(text);
  if (value === undefined) throw numError('ParseBool', text, 'invalid syntax');
  return value;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const lower = (c: string | undefined): string => (c ?? '').toLowerCase();

/** Go's rule for `_` in number literals: only between digits, or between a base prefix and a digit. */
export function underscoresAllowed(text: string): boolean {
  let s = text;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  let saw = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(lower(s[1]))) {
    i = 2;
    saw = '0';
    hex = lower(s[1]) === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i];
    if (isDigit(c) || (hex && 'abcdef'.includes(lower(c)) && c !== '')) {
      saw = '0';
    } else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

const INT64_LIMIT = 1n << 63n;

/**
 * `strconv.ParseInt(text, 0, 64)` (pflag's `int`): decimal, `0x`, `0o`, `0b`, a leading `0` for octal, `_` between
 * digits. Values beyond JavaScript's safe integers are refused as out of range (Go keeps int64).
 */
export function parseGoInt(text: string): number {
  let s = text;
  let negative = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '') throw numError('ParseInt', text, 'invalid syntax');
  let base = 10n;
  if (s[0] === '0') {
    const prefix = s.length >= 3 ? lower(s[1]) : '';
    base = prefix === 'b' ? 2n : prefix === 'x' ? 16n : 8n;
    s = prefix === 'b' || prefix === 'o' || prefix === 'x' ? s.slice(2) : s.slice(1);
  }
  let value = 0n;
  let underscores = false;
  for (const c of s) {
    if (c === '_') {
      underscores = true;
      continue;
    }
    const digit = /^[0-9a-zA-Z]$/.test(c) ? BigInt(parseInt(c, 36)) : base;
    if (digit >= base) throw numError('ParseInt', text, 'invalid syntax');
    value = value * base + digit;
    if (value > INT64_LIMIT) throw numError('ParseInt', text, 'value out of range');
  }
  if (underscores && !underscoresAllowed(text)) throw numError('ParseInt', text, 'invalid syntax');
  const signed = negative ? -value : value;
  if (signed >= INT64_LIMIT || signed < -INT64_LIMIT) throw numError('ParseInt', text, 'value out of range');
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw numError('ParseInt', text, 'value out of range');
  }
  return Number(signed);
}

/** Go's special float texts: `inf`/`infinity` with an optional sign, `nan` without one (any case). */
function specialFloat(text: string): number | undefined {
  const lowerText = text.toLowerCase();
  const unsigned = lowerText.replace(/^[+-]/, '');
  if (unsigned === 'inf' || unsigned === 'infinity') return lowerText.startsWith('-') ? -Infinity : Infinity;
  if (lowerText === 'nan') return NaN;
  return undefined;
}

const DECIMAL_FLOAT = /^[+-]?(?=\.?[0-9])[0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]((?=\.?[0-9a-fA-F_])[0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[0-9_]+)$/;

/**
 * `strconv.ParseFloat(text, 32)` (pflag's `float32`): decimal and hexadecimal (`0x1p-2`) literals, `_` between
 * digits, `inf`/`nan`; the value rounded to float32, out of range beyond it.
 */
export function parseGoFloat32(text: string): number {
  const special = specialFloat(text);
  if (special !== undefined) return special;
  let value: number;
  const hex = HEX_FLOAT.exec(text);
  if (hex !== null) {
    const [, sign, whole = '', fraction = '', exponent = ''] = hex;
    const digits = `${whole}${fraction}`.replaceAll('_', '');
    if (digits === '') throw numError('ParseFloat', text, 'invalid syntax');
    const mantissa = Number(BigInt(`0x${digits}`));
    const shift = Number(exponent.replaceAll('_', '')) - 4 * fraction.replaceAll('_', '').length;
    value = (sign === '-' ? -1 : 1) * mantissa * 2 ** shift;
  } else if (DECIMAL_FLOAT.test(text) && /[0-9]/.test(text.replace(/[eE].*$/, ''))) {
    value = Number(text.replaceAll('_', ''));
  } else {
    throw numError('ParseFloat', text, 'invalid syntax');
  }
  if (text.includes('_') && !underscoresAllowed(text)) throw numError('ParseFloat', text, 'invalid syntax');
  const rounded = Math.fround(value);
  if (!Number.isFinite(rounded)) throw numError('ParseFloat', text, 'value out of range');
  return rounded;
}

/** Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
};

function escapeRune(char: string, quote: string): string {
  if (char === quote) return `\\${quote}`;
  const escape = ESCAPES[char];
  if (escape !== undefined) return escape;
  if (PRINTABLE.test(char)) return char;
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

/** `strconv.Quote` (Go's `%q` of a string). */
export function goQuote(text: string): string {
  let out = '"';
  for (const char of text) out += escapeRune(char, '"');
  return `${out}"`;
}

/** `strconv.QuoteRune` (Go's `%q` of a rune or byte). */
export function goQuoteRune(char: string): string {
  return `'${escapeRune(char, "'")}'`;
}
