/** Go's strconv.FormatFloat for 64-bit floats ('e', 'E', 'f', 'g', 'G'; precision -1 = shortest). */

interface Digits {
  /** Significant decimal digits without leading/trailing zeros ('' for zero). */
  digits: string;
  /** Decimal point position: value = 0.digits × 10^dp. */
  dp: number;
}

function shortestDigits(abs: number): Digits {
  if (abs === 0) return { digits: '', dp: 0 };
  const [mantissa = '', exp = '0'] = abs.toExponential().split('e');
  return { digits: mantissa.replace('.', '').replace(/0+$/, ''), dp: Number(exp) + 1 };
}

/** The exact decimal expansion of a finite double (every double is a finite binary fraction). */
function exactDigits(abs: number): Digits {
  if (abs === 0) return { digits: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, abs);
  const bits = view.getBigUint64(0);
  const biasedExp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp2: number;
  if (biasedExp === 0) exp2 = -1074;
  else {
    mant |= 1n << 52n;
    exp2 = biasedExp - 1075;
  }
  let text: string;
  let dp: number;
  if (exp2 >= 0) {
    text = (mant << BigInt(exp2)).toString();
    dp = text.length;
  } else {
    text = (mant * 5n ** BigInt(-exp2)).toString();
    dp = text.length + exp2;
  }
  return { digits: text.replace(/0+$/, ''), dp };
}

/** Rounds to `nd` significant digits, half to even on exact ties (strconv's shouldRoundUp). */
function roundDigits(d: Digits, nd: number): Digits {
  if (nd < 0) return { digits: '', dp: d.dp };
  if (nd >= d.digits.length) return d;
  const next = d.digits.charCodeAt(nd) - 48;
  let up: boolean;
  if (next === 5 && nd + 1 === d.digits.length) {
    up = nd > 0 && (d.digits.charCodeAt(nd - 1) - 48) % 2 === 1;
  } else {
    up = next >= 5;
  }
  let kept = d.digits.slice(0, nd);
  if (!up) return { digits: kept.replace(/0+$/, ''), dp: d.dp };
  let i = kept.length - 1;
  while (i >= 0 && kept[i] === '9') i--;
  if (i < 0) return { digits: '1', dp: d.dp + 1 };
  kept = kept.slice(0, i) + String.fromCharCode(kept.charCodeAt(i) + 1);
  return { digits: kept, dp: d.dp };
}

const digitAt = (d: Digits, i: number): string =>
  i >= 0 && i < d.digits.length ? (d.digits[i] ?? '0') : '0';

function fmtE(neg: boolean, d: Digits, prec: number, e: 'e' | 'E'): string {
  let s = neg ? '-' : '';
  s += digitAt(d, 0);
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += digitAt(d, i);
  }
  const exp = d.digits === '' ? 0 : d.dp - 1;
  const absExp = Math.abs(exp);
  return s + e + (exp < 0 ? '-' : '+') + (absExp < 10 ? '0' : '') + String(absExp);
}

function fmtF(neg: boolean, d: Digits, prec: number): string {
  let s = neg ? '-' : '';
  if (d.dp > 0) {
    for (let i = 0; i < d.dp; i++) s += digitAt(d, i);
  } else {
    s += '0';
  }
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) s += digitAt(d, d.dp + i);
  }
  return s;
}

export type FloatFormat = 'e' | 'E' | 'f' | 'F' | 'g' | 'G';

export function formatFloat(f: number, fmt: FloatFormat, prec: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const neg = f < 0 || Object.is(f, -0);
  const abs = Math.abs(f);
  const shortest = prec < 0;
  let d: Digits;
  if (shortest) {
    d = shortestDigits(abs);
    prec =
      fmt === 'e' || fmt === 'E'
        ? Math.max(d.digits.length - 1, 0)
        : fmt === 'f' || fmt === 'F'
          ? Math.max(d.digits.length - d.dp, 0)
          : d.digits.length;
  } else {
    const exact = exactDigits(abs);
    if (fmt === 'e' || fmt === 'E') d = roundDigits(exact, prec + 1);
    else if (fmt === 'f' || fmt === 'F') d = roundDigits(exact, exact.dp + prec);
    else {
      if (prec === 0) prec = 1;
      d = roundDigits(exact, prec);
    }
  }
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(neg, d, prec, fmt);
    case 'f':
    case 'F':
      return fmtF(neg, d, prec);
    case 'g':
    case 'G': {
      const nd = d.digits.length;
      let eprec = prec;
      if (eprec > nd && nd >= d.dp) eprec = nd;
      if (shortest) eprec = 6;
      const exp = d.dp - 1;
      if (nd !== 0 && (exp < -4 || exp >= eprec)) {
        if (prec > nd) prec = nd;
        return fmtE(neg, d, prec - 1, fmt === 'g' ? 'e' : 'E');
      }
      if (prec > d.dp) prec = nd;
      return fmtF(neg, d, Math.max(prec - d.dp, 0));
    }
  }
}

/** strconv.FormatFloat(f, 'x' | 'X', -1, 64): shortest hexadecimal mantissa and binary exponent. */
export function formatHexFloat(f: number, upper: boolean): string {
  if (!Number.isFinite(f)) return formatFloat(f, 'g', -1);
  const neg = f < 0 || Object.is(f, -0);
  let mant = 0n;
  let exp = 0;
  if (f !== 0) {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, Math.abs(f));
    const bits = view.getBigUint64(0);
    const biased = Number((bits >> 52n) & 0x7ffn);
    mant = bits & ((1n << 52n) - 1n);
    exp = biased - 1023;
    if (biased === 0) {
      // Subnormal: shift until the implicit leading 1 appears.
      exp = -1022;
      while ((mant & (1n << 52n)) === 0n) {
        mant <<= 1n;
        exp--;
      }
      mant &= (1n << 52n) - 1n;
    }
  }
  const frac = mant.toString(16).padStart(13, '0').replace(/0+$/, '');
  const lead = f === 0 ? '0' : '1';
  const e = Math.abs(exp);
  let s = `${neg ? '-' : ''}0x${lead}${frac === '' ? '' : '.' + frac}p${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  if (upper) s = s.toUpperCase();
  return s;
}
