/**
 * How the Go YAML reader behind kubectl and kubeseal (go-yaml v2 via sigs.k8s.io/yaml) reads a plain scalar, and how
 * sigs.k8s.io/yaml turns a number it read into text. Behaviour established with the Go libraries as an oracle
 * (packages/kubeseal/src/format/testdata/go-oracle); nothing here is a copy of their code.
 */
import { underscoresAllowed } from '@ssts/flags';

/** What go-yaml v2 resolves an unquoted scalar to. */
export type GoPlainKind = 'null' | 'bool' | 'int' | 'uint' | 'float' | 'timestamp' | 'str';

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUE_WORDS = new Set(['true', 'True', 'TRUE']);
const FALSE_WORDS = new Set(['false', 'False', 'FALSE']);
// YAML 1.1 booleans beyond YAML 1.2's true/false (go-yaml v2 reads them as booleans).
const YAML11_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const YAML11_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
/** Words go-yaml v2 reads as booleans and YAML 1.2 reads as strings. */
export function isYaml11OnlyBoolean(text: string): boolean {
  return YAML11_TRUE.has(text) || YAML11_FALSE.has(text);
}
const SPECIAL_FLOATS = new Map<string, number>([
  ...['.nan', '.NaN', '.NAN'].map((s): [string, number] => [s, Number.NaN]),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s): [string, number] => [s, Infinity]),
  ...['-.inf', '-.Inf', '-.INF'].map((s): [string, number] => [s, -Infinity]),
]);
const YAML_STYLE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/**
 * A boolean or number read from unquoted YAML, kept with its source text so that it can become the exact text Go
 * makes of it where a string is expected (and so that a caller can tell when that text differs from the source).
 */
export class GoScalar {
  /**
   * @param kind    the Go type go-yaml produced: bool, int (int64), uint (uint64 above int64), float (float64)
   * @param source  the scalar as written
   * @param integer exact decimal text of an int/uint; `true`/`false` for a bool; empty for a float
   * @param value   the value (a float64 approximation for large ints)
   */
  constructor(
    readonly kind: 'bool' | 'int' | 'uint' | 'float',
    readonly source: string,
    readonly integer: string,
    readonly value: number | boolean,
  ) {}

  /** The text sigs.k8s.io/yaml puts in a string field: integers in decimal, floats with float32 precision. */
  toGoString(): string {
    return this.kind === 'float' ? formatGoFloat(Number(this.value), 32) : this.integer;
  }

  /** The text sigs.k8s.io/yaml makes of a mapping key (infinities spelled the YAML way). */
  toGoKey(): string {
    if (this.kind !== 'float') return this.integer;
    const text = formatGoFloat(Number(this.value), 32);
    return text === '+Inf' ? '.inf' : text === '-Inf' ? '-.inf' : text === 'NaN' ? '.nan' : text;
  }

  /** The value in a JSON document (ints beyond 2^53 lose precision, as in any JavaScript reader). */
  toJSON(): number | boolean {
    return this.value;
  }
}

/** Go's strconv.ParseInt(s, 0, 64) / ParseUint(s, 0, 64) syntax (no underscores: go-yaml strips them first). */
function parseGoInteger(text: string): bigint | undefined {
  const match = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (match === null) return undefined;
  const [, sign = '', digits = ''] = match;
  let magnitude: bigint;
  const prefix = digits.slice(0, 2).toLowerCase();
  if (prefix === '0o') magnitude = BigInt(`0o${digits.slice(2)}`);
  else if (prefix === '0x' || prefix === '0b') magnitude = BigInt(`0${digits.slice(1).toLowerCase()}`);
  else if (digits.length > 1 && digits.startsWith('0')) magnitude = BigInt(`0o${digits.slice(1)}`);
  else magnitude = BigInt(digits);
  return sign === '-' ? -magnitude : magnitude;
}

/** Go's strconv.ParseFloat(s, 64) for the decimal forms go-yaml hands it; undefined on a syntax or range error. */
function parseGoDecimalFloat(text: string): number | undefined {
  if (!/^[-+]?(?:[0-9_]+(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9_]+)?$/.test(text)) return undefined;
  if (!/[0-9]/.test(text.replace(/[eE].*$/, ''))) return undefined;
  if (text.includes('_') && !underscoresAllowed(text)) return undefined;
  const value = Number(text.replaceAll('_', ''));
  // Overflow is a range error in Go; underflow to zero is not.
  return Number.isFinite(value) ? value : undefined;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0));
}

/** go-yaml v2's timestamp check: Go's time.Parse with its four layouts (date, date+time with zone, space form). */
function isGoYamlTimestamp(text: string): boolean {
  // The expression needs four digits and a dash first; checked without it, which V8 compiles at its first use in
  // every process (kubeseal's start-up).
  if (text.charCodeAt(4) !== 0x2d) return false;
  const m =
    /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?(Z|[-+]([0-9]{2}):([0-9]{2})))|(?: ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?))?$/.exec(
      text,
    );
  if (m === null) return false;
  if (!validDate(Number(m[1]), Number(m[2]), Number(m[3]))) return false;
  const hour = m[4] ?? m[10];
  const minute = m[5] ?? m[11];
  const second = m[6] ?? m[12];
  if (hour !== undefined && (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59)) return false;
  if (m[8] !== undefined && (Number(m[8]) > 24 || Number(m[9]) > 59)) return false;
  return true;
}

function goBool(source: string, value: boolean): GoScalar {
  return new GoScalar('bool', source, String(value), value);
}

/** The kind and value go-yaml v2 gives an unquoted scalar (timestamps stay strings, as in go-yaml's interface{}). */
export function resolveGoPlain(text: string): { kind: GoPlainKind; value: null | GoScalar | string } {
  if (NULLS.has(text)) return { kind: 'null', value: null };
  if (TRUE_WORDS.has(text) || YAML11_TRUE.has(text)) return { kind: 'bool', value: goBool(text, true) };
  if (FALSE_WORDS.has(text) || YAML11_FALSE.has(text)) return { kind: 'bool', value: goBool(text, false) };
  const special = SPECIAL_FLOATS.get(text);
  if (special !== undefined) return { kind: 'float', value: new GoScalar('float', text, '', special) };
  const first = text.charAt(0);
  if (first === '.') {
    const value = parseGoDecimalFloat(text);
    if (value !== undefined) return { kind: 'float', value: new GoScalar('float', text, '', value) };
  } else if (first === '+' || first === '-' || (first >= '0' && first <= '9')) {
    if (isGoYamlTimestamp(text)) return { kind: 'timestamp', value: text };
    const plain = text.replaceAll('_', '');
    const integer = parseGoInteger(plain);
    if (integer !== undefined && integer >= INT64_MIN && integer <= INT64_MAX) {
      return { kind: 'int', value: new GoScalar('int', text, integer.toString(), Number(integer)) };
    }
    if (integer !== undefined && integer > 0n && integer <= UINT64_MAX && !plain.startsWith('+')) {
      return { kind: 'uint', value: new GoScalar('uint', text, integer.toString(), Number(integer)) };
    }
    if (YAML_STYLE_FLOAT.test(plain)) {
      const value = Number(plain);
      if (Number.isFinite(value)) return { kind: 'float', value: new GoScalar('float', text, '', value) };
    }
    // go-yaml's own binary forms, whose digits may carry a sign of their own: 0b-101 is -5, and so is -0b101.
    const negated = plain.startsWith('-0b');
    const binary = /^([-+]?)([01]+)$/.exec(
      plain.startsWith('0b') ? plain.slice(2) : negated ? plain.slice(3) : '',
    );
    if (binary !== null && !(negated && binary[1] !== '')) {
      const [, sign = '', digits = ''] = binary;
      const value = BigInt(`0b${digits}`) * (sign === '-' || negated ? -1n : 1n);
      if (value >= INT64_MIN && value <= INT64_MAX) {
        return { kind: 'int', value: new GoScalar('int', text, value.toString(), Number(value)) };
      }
      if (sign === '' && !negated && value <= UINT64_MAX) {
        return { kind: 'uint', value: new GoScalar('uint', text, value.toString(), Number(value)) };
      }
    }
  }
  return { kind: 'str', value: text };
}

/** Shortest decimal digits and the decimal point position (value = 0.d1d2… × 10^point) that read back as `value`. */
function shortestDigits(value: number, bits: 32 | 64): { digits: string; point: number } {
  const target = Math.abs(bits === 32 ? Math.fround(value) : value);
  let text = target.toExponential();
  if (bits === 32) {
    for (let precision = 1; precision <= 9; precision++) {
      const candidate = target.toExponential(precision - 1);
      if (Math.fround(Number(candidate)) === target) {
        text = candidate;
        break;
      }
    }
  }
  const [mantissa = '0', exponent = '0'] = text.split('e');
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
  return { digits, point: Number(exponent) + 1 };
}

/** Go's strconv.FormatFloat(value, 'g', -1, bits): shortest form, exponent form below 1e-4 or from 1e6 (`1e+06`). */
export function formatGoFloat(value: number, bits: 32 | 64): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity || (bits === 32 && Math.fround(value) === Infinity)) return '+Inf';
  if (value === -Infinity || (bits === 32 && Math.fround(value) === -Infinity)) return '-Inf';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  if (value === 0) return `${sign}0`;
  const { digits, point } = shortestDigits(value, bits);
  const exponent = point - 1;
  if (exponent < -4 || exponent >= 6) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const abs = Math.abs(exponent);
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`;
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
