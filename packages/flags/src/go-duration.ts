import { GoSyntaxError } from './go-strconv.js';

// Go's time.ParseDuration and Duration.String, in milliseconds (fractions below a millisecond are kept).

const NANOSECONDS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const LIMIT = 1n << 63n;

/** time's own quoting in its errors: `"` and `\` escaped, non-ASCII and control bytes as `\xNN`. */
function timeQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code >= 0x80) {
      for (const byte of new TextEncoder().encode(char)) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    } else {
      out += char === '"' || char === '\\' ? `\\${char}` : char;
    }
  }
  return `${out}"`;
}

/** Digits at the start of `s`; `overflow` when they exceed what Go's int64 accumulator holds. */
function leadingDigits(s: string): { digits: string; overflow: boolean } {
  const digits = /^[0-9]*/.exec(s)?.[0] ?? '';
  return { digits, overflow: digits !== '' && BigInt(digits) > LIMIT };
}

/**
 * Go's `time.ParseDuration`: `720h0m0s`, `1.5h`, `300ms`, `-1m`, `.5s`, `0`; no `d` unit. Returns nanoseconds (int64);
 * throws GoSyntaxError with Go's message (`time: invalid duration "10d"`, `time: unknown unit "d" in duration …`).
 */
export function parseGoDurationNs(text: string): bigint {
  const invalid = () => new GoSyntaxError(`time: invalid duration ${timeQuote(text)}`);
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || (s[0] !== undefined && s[0] >= '0' && s[0] <= '9'))) throw invalid();
    const whole = leadingDigits(s);
    if (whole.overflow) throw invalid();
    s = s.slice(whole.digits.length);
    let fraction = '';
    const hadDot = s.startsWith('.');
    if (hadDot) {
      s = s.slice(1);
      fraction = /^[0-9]*/.exec(s)?.[0] ?? '';
      s = s.slice(fraction.length);
    }
    if (whole.digits === '' && fraction === '') throw invalid();
    const unitLength = s.search(/[0-9.]/);
    const unit = unitLength < 0 ? s : s.slice(0, unitLength);
    s = s.slice(unit.length);
    if (unit === '') throw new GoSyntaxError(`time: missing unit in duration ${timeQuote(text)}`);
    const scale = NANOSECONDS[unit];
    if (scale === undefined) {
      throw new GoSyntaxError(`time: unknown unit ${timeQuote(unit)} in duration ${timeQuote(text)}`);
    }
    let value = whole.digits === '' ? 0n : BigInt(whole.digits);
    if (value > LIMIT / scale) throw invalid();
    value *= scale;
    // Go keeps at most the fraction digits that fit its accumulator and scales in float64.
    const kept = fraction.replace(/^(.{0,18}).*$/, '$1');
    if (kept !== '' && BigInt(kept) > 0n) {
      value += BigInt(Math.trunc(Number(BigInt(kept)) * (Number(scale) / 10 ** kept.length)));
      if (value > LIMIT) throw invalid();
    }
    total += value;
    if (total > LIMIT) throw invalid();
  }
  if (!negative && total > LIMIT - 1n) throw invalid();
  return negative ? -total : total;
}

/** `time.ParseDuration` in milliseconds (fractions below a millisecond are kept); throws as parseGoDurationNs. */
export function parseGoDurationOrThrow(text: string): number {
  return Number(parseGoDurationNs(text)) / 1e6;
}

/** `time.ParseDuration` in milliseconds, or undefined when Go refuses the text. */
export function parseGoDuration(text: string): number | undefined {
  try {
    return parseGoDurationOrThrow(text);
  } catch (error) {
    if (error instanceof GoSyntaxError) return undefined;
    throw error;
  }
}

/** Go's `Duration.String()` of a duration in nanoseconds (int64): `720h0m0s`, `1h2m3.5s`, `1.5µs`, `300ms`, `0s`. */
export function formatGoDurationNs(d: bigint): string {
  if (d === 0n) return '0s';
  const sign = d < 0n ? '-' : '';
  let u = d < 0n ? -d : d;
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) return `${sign}${fraction(u, 1000n)}µs`;
  if (u < 1_000_000_000n) return `${sign}${fraction(u, 1_000_000n)}ms`;
  let out = `${fraction(u % 60_000_000_000n, 1_000_000_000n)}s`;
  u /= 60_000_000_000n;
  if (u > 0n) {
    out = `${u % 60n}m${out}`;
    u /= 60n;
    if (u > 0n) out = `${u}h${out}`;
  }
  return sign + out;
}

/** v / scale with the fraction's trailing zeros dropped (`1.5`, `2`). */
function fraction(v: bigint, scale: bigint): string {
  const digits = (v % scale)
    .toString()
    .padStart(scale.toString().length - 1, '0')
    .replace(/0+$/, '');
  return digits === '' ? `${v / scale}` : `${v / scale}.${digits}`;
}

/** Go's `Duration.String()` of a duration in milliseconds (fractions below a millisecond are kept). */
export function formatGoDuration(ms: number): string {
  return formatGoDurationNs(BigInt(Math.round(ms * 1e6)));
}
