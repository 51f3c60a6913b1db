import { GoInt, GoObject, type Value } from '../engine/values.js';

/**
 * spf13/cast v1.7.0 as sprig's math uses it (ToInt64, ToInt, ToFloat64), with Go's conversions: a float becomes
 * an integer by truncation, and one out of range (or NaN) becomes the minimum int64, as on amd64; strings parse
 * with strconv (base prefixes, underscores), and anything that does not convert is 0.
 */

const INT64_MIN = -(2n ** 63n);
const TWO_63 = 2 ** 63;

/** Go's int64(f) on amd64 (CVTTSD2SQ): truncation, and the minimum int64 when out of range or NaN. */
export function floatToInt64(f: number): bigint {
  if (Number.isNaN(f) || f >= TWO_63 || f < -TWO_63) return INT64_MIN;
  return BigInt(Math.trunc(f));
}

/** strconv's underscoreOK: `_` only between digits, and only after a base prefix. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && /[bBoOxX]/.test(s[1] ?? '')) {
    i = 2;
    saw = '0';
    hex = /[xX]/.test(s[1] ?? '');
  }
  for (; i < s.length; i++) {
    const c = s[i] ?? '';
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

const DIGITS_OF: Readonly<Record<number, RegExp>> = {
  2: /^[01]+$/,
  8: /^[0-7]+$/,
  10: /^[0-9]+$/,
  16: /^[0-9a-fA-F]+$/,
};

/** strconv.ParseInt(s, 0, 64), or undefined on any error (syntax or range). Input longer than 100 bytes fails. */
export function parseIntBase0(s: string): bigint | undefined {
  if (s === '' || s.length > 100) return undefined;
  let body = s;
  let negative = false;
  if (body[0] === '+' || body[0] === '-') {
    negative = body[0] === '-';
    body = body.slice(1);
  }
  let base = 10;
  let digits = body;
  if (body[0] === '0' && body.length > 1) {
    const p = (body[1] ?? '').toLowerCase();
    if (p === 'x') [base, digits] = [16, body.slice(2)];
    else if (p === 'b') [base, digits] = [2, body.slice(2)];
    else if (p === 'o') [base, digits] = [8, body.slice(2)];
    else [base, digits] = [8, body.slice(1)];
  }
  const underscores = digits.includes('_');
  if (underscores && !underscoreOK(body)) return undefined;
  digits = digits.replaceAll('_', '');
  if (!(DIGITS_OF[base] as RegExp).test(digits)) return undefined;
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  const magnitude = BigInt(prefix + digits);
  const v = negative ? -magnitude : magnitude;
  return v >= INT64_MIN && v < 2n ** 63n ? v : undefined;
}

/** cast's trimZeroDecimal: "1.0" → "1", "1.50" stays. */
function trimZeroDecimal(s: string): string {
  let foundZero = false;
  for (let i = s.length; i > 0; i--) {
    const c = s[i - 1];
    if (c === '.') {
      if (foundZero) return s.slice(0, i - 1);
    } else if (c === '0') foundZero = true;
    else return s;
  }
  return s;
}

const FLOAT_TEXT = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const HEX_FLOAT_TEXT =
  /^[+-]?0[xX](?:_?[0-9a-fA-F])*(?:\.(?:[0-9a-fA-F](?:_?[0-9a-fA-F])*)?)?[pP][+-]?\d(?:_?\d)*$/;

/** strconv.ParseFloat(s, 64), or undefined on a syntax error (a range error gives ±Inf, as Go returns). */
export function parseFloat64(s: string): number | undefined {
  if (s.length > 1000) return undefined;
  const lower = s.toLowerCase();
  const sign = lower.startsWith('-') ? -1 : 1;
  const unsigned = lower.replace(/^[+-]/, '');
  if (unsigned === 'inf' || unsigned === 'infinity') return sign * Infinity;
  if (unsigned === 'nan') return NaN;
  if (s.includes('_') && !underscoreOK(s)) return undefined;
  if (FLOAT_TEXT.test(s)) return Number(s.replaceAll('_', ''));
  if (HEX_FLOAT_TEXT.test(s)) {
    const m = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(s.replaceAll('_', ''));
    if (m === null) return undefined;
    const mantissa = BigInt('0x' + ((m[2] ?? '') + (m[3] ?? '') || '0'));
    const v = Number(mantissa) * 2 ** (Number(m[4]) - 4 * (m[3] ?? '').length);
    return m[1] === '-' ? -v : v;
  }
  return undefined;
}

/** cast.ToInt64 (and ToInt: Go's int is 64 bits here). */
export function toInt64(v: Value): bigint {
  if (typeof v === 'bigint') return v;
  if (v instanceof GoInt) return BigInt.asIntN(64, v.value);
  if (typeof v === 'number') return floatToInt64(v);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'string') return parseIntBase0(trimZeroDecimal(v)) ?? 0n;
  if (v instanceof GoObject) return 0n;
  return 0n;
}

/** cast.ToFloat64. */
export function toFloat64(v: Value): number {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof GoInt) return Number(v.value);
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return parseFloat64(v) ?? 0;
  return 0;
}

/** strconv.ParseInt(s, 8, 64) (sprig's toDecimal), or undefined: no prefix, no underscores. */
export function parseIntBase8(s: string): bigint | undefined {
  if (s.length > 100) return undefined;
  const m = /^([+-]?)([0-7]+)$/.exec(s);
  if (m === null) return undefined;
  const magnitude = BigInt('0o' + (m[2] ?? ''));
  const v = m[1] === '-' ? -magnitude : magnitude;
  return v >= -(2n ** 63n) && v < 2n ** 63n ? v : undefined;
}
