/**
 * The part of shopspring/decimal v1.4.0 that sprig's float math (`addf`, `subf`, `mulf`, `divf`, `add1f`) uses:
 * NewFromFloat (the shortest decimal that round-trips), exact add, subtract and multiply, Div (rounded half away
 * from zero at 16 decimal places) and Float64 (the nearest double). value × 10^exp.
 */
export interface Decimal {
  readonly value: bigint;
  readonly exp: number;
}

export class DecimalError extends Error {}

export function fromFloat(f: number): Decimal {
  if (!Number.isFinite(f)) {
    throw new DecimalError(
      `Cannot create a Decimal from ${Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf'}`,
    );
  }
  if (f === 0) return { value: 0n, exp: 0 };
  const [mantissa = '0', e = '0'] = Math.abs(f).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(e) - (digits.length - 1);
  const value = BigInt(digits);
  return { value: f < 0 ? -value : value, exp };
}

function rescale(d: Decimal, exp: number): bigint {
  return exp >= d.exp ? d.value : d.value * 10n ** BigInt(d.exp - exp);
}

export function add(a: Decimal, b: Decimal): Decimal {
  const exp = Math.min(a.exp, b.exp);
  return { value: rescale(a, exp) + rescale(b, exp), exp };
}

export function sub(a: Decimal, b: Decimal): Decimal {
  return add(a, { value: -b.value, exp: b.exp });
}

export function mul(a: Decimal, b: Decimal): Decimal {
  return { value: a.value * b.value, exp: a.exp + b.exp };
}

const DIVISION_PRECISION = 16;

export function div(a: Decimal, b: Decimal): Decimal {
  if (b.value === 0n) throw new DecimalError('decimal division by 0');
  // QuoRem at precision 16: q = trunc(a / b) with exponent -16, r = a - b·q.
  const p = DIVISION_PRECISION;
  // a / b = (a.value / b.value) · 10^(a.exp - b.exp); q.value = trunc(a.value · 10^(a.exp - b.exp + p) / b.value).
  const shift = a.exp - b.exp + p;
  const num = shift >= 0 ? a.value * 10n ** BigInt(shift) : a.value;
  const den = shift >= 0 ? b.value : b.value * 10n ** BigInt(-shift);
  const q = num / den;
  const rem = num - q * den; // the remainder, scaled like num
  const twice = 2n * (rem < 0n ? -rem : rem);
  const absDen = den < 0n ? -den : den;
  if (twice < absDen) return { value: q, exp: -p };
  const negative = a.value < 0n !== b.value < 0n;
  return { value: negative ? q - 1n : q + 1n, exp: -p };
}

/** Rat().Float64(): the double nearest to the exact value. */
export function toFloat(d: Decimal): number {
  return Number(`${d.value}e${d.exp}`);
}

/** Decimal digits of the value, for charging the work of the next operation. */
export function digits(d: Decimal): number {
  return (d.value < 0n ? -d.value : d.value).toString(16).length;
}
