import { FuncError } from '../engine/errors.js';
import { LIMITS } from '../engine/limits.js';
import { GoInt, GoList, type Value } from '../engine/values.js';
import { parseIntBase8, toFloat64, toInt64 } from '../go/cast.js';
import * as decimal from '../go/decimal.js';
import { formatV } from '../go/fmt.js';
import { type CallContext, type FuncDef, type FuncTable } from './types.js';

/**
 * sprig's math: integers are Go int64 (wrapping on overflow, division by zero is Go's runtime error), arguments
 * convert with spf13/cast (go/cast.ts); the `…f` functions go through shopspring/decimal (go/decimal.ts).
 */

const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);
const int64 = (v: bigint): GoInt => new GoInt('int64', wrap(v));

function divideByZero(): never {
  throw new FuncError('runtime error: integer divide by zero');
}

/** sprig's untilStep, with Go's int64 wrap-around; stops with the element limit instead of exhausting memory. */
export function untilStep(start: bigint, stop: bigint, step: bigint, ctx: CallContext): bigint[] {
  const out: bigint[] = [];
  const push = (i: bigint): void => {
    if (out.length >= LIMITS.maxListItems) {
      throw new FuncError(`result exceeds the limit of ${LIMITS.maxListItems} elements`);
    }
    ctx.charge(8);
    out.push(i);
  };
  if (stop < start) {
    if (step >= 0n) return out;
    for (let i = start; i > stop; i = wrap(i + step)) push(i);
    return out;
  }
  if (step <= 0n) return out;
  for (let i = start; i < stop; i = wrap(i + step)) push(i);
  return out;
}

const intList = (items: bigint[]): GoList => new GoList(items, 'int');

function seq(params: bigint[], ctx: CallContext): string {
  let values: bigint[];
  switch (params.length) {
    case 1: {
      const end = params[0] ?? 0n;
      const inc = end < 1n ? -1n : 1n;
      values = untilStep(1n, wrap(end + inc), inc, ctx);
      break;
    }
    case 2: {
      const [start = 0n, end = 0n] = params;
      const step = end < start ? -1n : 1n;
      values = untilStep(start, wrap(end + step), step, ctx);
      break;
    }
    case 3: {
      const [start = 0n, step = 0n, end = 0n] = params;
      let inc = 1n;
      if (end < start) {
        inc = -1n;
        if (step > 0n) return '';
      }
      values = untilStep(start, wrap(end + inc), step, ctx);
      break;
    }
    default:
      return '';
  }
  const text = values.join(' ');
  if (text.length > LIMITS.maxValueBytes) {
    throw new FuncError(`result exceeds the limit of ${LIMITS.maxValueBytes} bytes`);
  }
  return text;
}

/** execDecimalOp: folds the arguments as decimals, charging the digits each step works on. */
function decimalOp(
  first: Value,
  rest: Value[],
  op: (a: decimal.Decimal, b: decimal.Decimal) => decimal.Decimal,
  ctx: CallContext,
): number {
  try {
    let acc = decimal.fromFloat(toFloat64(first));
    for (const x of rest) {
      const d = decimal.fromFloat(toFloat64(x));
      ctx.charge(decimal.digits(acc) + decimal.digits(d) + Math.abs(acc.exp - d.exp));
      acc = op(acc, d);
    }
    ctx.charge(decimal.digits(acc));
    return decimal.toFloat(acc);
  } catch (e) {
    if (e instanceof decimal.DecimalError) throw new FuncError(e.message);
    throw e;
  }
}

const foldInt = (op: (a: bigint, b: bigint) => bigint): FuncDef => ({
  params: ['any'],
  variadic: 'any',
  call: ([a, ...rest]) => int64(rest.reduce<bigint>((acc, b) => wrap(op(acc, toInt64(b))), toInt64(a))),
});

const foldDecimal = (op: (a: decimal.Decimal, b: decimal.Decimal) => decimal.Decimal): FuncDef => ({
  params: ['any'],
  variadic: 'any',
  cost: 'self',
  call: ([a, ...rest], ctx) => decimalOp(a, rest, op, ctx),
});

const maxInt = (a: bigint, b: bigint): bigint => (b > a ? b : a);
const minInt = (a: bigint, b: bigint): bigint => (b < a ? b : a);

export const MATH: FuncTable = {
  int64: { params: ['any'], call: ([v]) => int64(toInt64(v)) },
  int: { params: ['any'], call: ([v]) => toInt64(v) },
  float64: { params: ['any'], call: ([v]) => toFloat64(v) },
  toDecimal: {
    params: ['any'],
    call: ([v]) => int64(parseIntBase8(formatV(v)) ?? 0n),
  },
  add1: { params: ['any'], call: ([v]) => int64(toInt64(v) + 1n) },
  add: {
    params: [],
    variadic: 'any',
    call: (args) => int64(args.reduce<bigint>((acc, b) => wrap(acc + toInt64(b)), 0n)),
  },
  sub: { params: ['any', 'any'], call: ([a, b]) => int64(toInt64(a) - toInt64(b)) },
  div: {
    params: ['any', 'any'],
    call: ([a, b]) => {
      const d = toInt64(b);
      if (d === 0n) divideByZero();
      return int64(toInt64(a) / d);
    },
  },
  mod: {
    params: ['any', 'any'],
    call: ([a, b]) => {
      const d = toInt64(b);
      if (d === 0n) divideByZero();
      return int64(toInt64(a) % d);
    },
  },
  mul: foldInt((a, b) => a * b),
  biggest: foldInt(maxInt),
  max: foldInt(maxInt),
  min: foldInt(minInt),
  maxf: {
    params: ['any'],
    variadic: 'any',
    call: ([a, ...rest]) => rest.reduce<number>((acc, b) => Math.max(acc, toFloat64(b)), toFloat64(a)),
  },
  minf: {
    params: ['any'],
    variadic: 'any',
    call: ([a, ...rest]) => rest.reduce<number>((acc, b) => Math.min(acc, toFloat64(b)), toFloat64(a)),
  },
  add1f: { params: ['any'], cost: 'self', call: ([v], ctx) => decimalOp(v, [1n], decimal.add, ctx) },
  addf: {
    params: [],
    variadic: 'any',
    cost: 'self',
    call: (args, ctx) => decimalOp(0, args, decimal.add, ctx),
  },
  subf: foldDecimal(decimal.sub),
  mulf: foldDecimal(decimal.mul),
  divf: foldDecimal(decimal.div),
  ceil: { params: ['any'], call: ([v]) => Math.ceil(toFloat64(v)) },
  floor: { params: ['any'], call: ([v]) => Math.floor(toFloat64(v)) },
  round: {
    params: ['any', 'int'],
    variadic: 'float64',
    call: ([a, p, roundOn]) => {
      const on = typeof roundOn === 'number' ? roundOn : 0.5;
      const pow = Math.pow(10, Number(p as bigint));
      const digit = pow * toFloat64(a);
      const frac = digit % 1;
      return (frac >= on ? Math.ceil(digit) : Math.floor(digit)) / pow;
    },
  },
  until: {
    params: ['int'],
    cost: 'self',
    call: ([n], ctx) => {
      const count = n as bigint;
      return intList(untilStep(0n, count, count < 0n ? -1n : 1n, ctx));
    },
  },
  untilStep: {
    params: ['int', 'int', 'int'],
    cost: 'self',
    call: ([start, stop, step], ctx) =>
      intList(untilStep(start as bigint, stop as bigint, step as bigint, ctx)),
  },
  seq: { params: [], variadic: 'int', cost: 'self', call: (params, ctx) => seq(params as bigint[], ctx) },
};
