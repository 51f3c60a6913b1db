import { FuncError } from '../engine/errors.js';
import { LIMITS } from '../engine/limits.js';
import { GoInt, GoList, GoMap, GoObject, INT_TYPES, isTrue, typeName, type Value } from '../engine/values.js';
import { sprint, sprintf, sprintln } from '../go/fmt.js';
// (sprint, sprintf and sprintln stop as soon as their output passes LIMITS.maxValueBytes.)
import { str, type FuncTable } from './types.js';

/** An integer of any Go integer type as a bigint, or undefined. */
export function intValue(v: Value): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (v instanceof GoInt) return v.value;
  return undefined;
}

/** text/template's indexArg, without echoing the index (it may be derived from a secret). */
function indexArg(v: Value, cap: number): number {
  if (v === null || v === undefined) throw new FuncError('cannot index slice/array with nil');
  const x = intValue(v);
  if (x === undefined) throw new FuncError(`cannot index slice/array with type ${typeName(v)}`);
  if (x < 0n || x > BigInt(cap)) throw new FuncError('index out of range');
  return Number(x);
}

type Kind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid' | 'other';

function basicKind(v: Value): Kind {
  if (v === null || v === undefined) return 'invalid';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
  }
  if (v instanceof GoInt) return INT_TYPES[v.type].signed ? 'int' : 'uint';
  return 'other';
}

function incompatible(a: Value, b: Value): FuncError {
  return new FuncError(`incompatible types for comparison: ${typeName(a)} and ${typeName(b)}`);
}

/** Go compares integers of any type by value, whatever their signedness. */
function isInteger(k: Kind): boolean {
  return k === 'int' || k === 'uint';
}

function eq(a: Value, others: Value[]): boolean {
  if (others.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(a);
  for (const b of others) {
    const k2 = basicKind(b);
    let truth = false;
    if (k1 !== k2 && !(isInteger(k1) && isInteger(k2))) {
      if (k1 !== 'invalid' && k2 !== 'invalid') throw incompatible(a, b);
    } else if (k1 === 'invalid') {
      truth = true;
    } else if (k1 === 'other') {
      if (a instanceof GoObject && b instanceof GoObject && a.type === b.type) {
        truth = a.kind === 'ptr' ? a === b : a.equals(b);
      } else if (a instanceof GoObject && b instanceof GoObject) {
        throw new FuncError('non-comparable types');
      } else {
        throw new FuncError(`non-comparable type ${typeName(b)}`);
      }
    } else if (isInteger(k1)) {
      truth = intValue(a) === intValue(b);
    } else {
      truth = a === b;
    }
    if (truth) return true;
  }
  return false;
}

function lt(a: Value, b: Value): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k1 === 'other' || k2 === 'invalid' || k2 === 'other') {
    throw new FuncError('invalid type for comparison');
  }
  if (isInteger(k1) && isInteger(k2)) return (intValue(a) ?? 0n) < (intValue(b) ?? 0n);
  if (k1 !== k2) throw incompatible(a, b);
  if (k1 === 'bool') throw new FuncError('invalid type for comparison');
  return (a as string | number) < (b as string | number);
}

/** text/template's evalArgs for html/js/urlquery: one string as is, otherwise fmt.Sprint. */
function evalArgs(args: Value[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(
    args.map((a) => (a === null || a === undefined ? '<no value>' : a)),
    LIMITS.maxValueBytes,
  );
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => {
    switch (c) {
      case '\0':
        return '\xef\xbf\xbd';
      case '"':
        return '&#34;';
      case "'":
        return '&#39;';
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      default:
        return '&gt;';
    }
  });
}

function jsEscape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    const b = s.charCodeAt(i);
    if (c === '\\') out += '\\\\';
    else if (c === "'") out += "\\'";
    else if (c === '"') out += '\\"';
    else if (c === '<') out += '\\u003C';
    else if (c === '>') out += '\\u003E';
    else if (c === '&') out += '\\u0026';
    else if (c === '=') out += '\\u003D';
    else if (b < 0x20) out += '\\u' + b.toString(16).toUpperCase().padStart(4, '0');
    else out += c;
  }
  return out;
}

function queryEscape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + s.charCodeAt(i).toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** text/template builtins (text/template/funcs.go), minus `call` (no function values exist here). */
export const BUILTINS: FuncTable = {
  // and/or are evaluated lazily by the executor; these definitions only declare the arity.
  and: { params: ['value'], variadic: 'value', cost: 'self', call: () => null },
  or: { params: ['value'], variadic: 'value', cost: 'self', call: () => null },
  not: { params: ['value'], cost: 'self', call: ([a]) => !isTrue(a) },
  len: {
    params: ['value'],
    cost: 'self',
    call: ([a]) => {
      if (a === undefined) throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
      if (a === null) throw new FuncError('len of nil pointer');
      if (typeof a === 'string') return BigInt(a.length);
      if (a instanceof GoList) return BigInt(a.items.length);
      if (a instanceof GoMap) return BigInt(a.entries.size);
      throw new FuncError(`len of type ${typeName(a)}`);
    },
  },
  index: {
    params: ['value'],
    variadic: 'value',
    cost: 'self',
    call: ([item, ...indexes]) => {
      if (item === null || item === undefined) throw new FuncError('index of untyped nil');
      let cur: Value = item;
      for (const ix of indexes) {
        if (cur === null || cur === undefined) throw new FuncError('index of nil pointer');
        if (typeof cur === 'string') {
          const x = indexArg(ix, cur.length);
          if (x >= cur.length) throw new FuncError('reflect: string index out of range');
          cur = new GoInt('uint8', BigInt(cur.charCodeAt(x)));
        } else if (cur instanceof GoList) {
          const x = indexArg(ix, cur.items.length);
          if (x >= cur.items.length) throw new FuncError('reflect: slice index out of range');
          cur = cur.items[x] ?? null;
        } else if (cur instanceof GoMap) {
          if (ix === null || ix === undefined) throw new FuncError('value is nil; should be of type string');
          if (typeof ix !== 'string') throw new FuncError(`value has type ${typeName(ix)}; should be string`);
          const found = cur.entries.get(ix);
          cur = cur.entries.has(ix) ? (found ?? null) : cur.elem === 'string' ? '' : null;
        } else {
          throw new FuncError(`can't index item of type ${typeName(cur)}`);
        }
      }
      return cur;
    },
  },
  print: { params: [], variadic: 'any', call: (args) => sprint(args, LIMITS.maxValueBytes) },
  printf: {
    params: ['string'],
    variadic: 'any',
    call: ([f, ...args]) => sprintf(str(f), args, LIMITS.maxValueBytes),
  },
  println: { params: [], variadic: 'any', call: (args) => sprintln(args, LIMITS.maxValueBytes) },
  html: { params: [], variadic: 'any', call: (args) => htmlEscape(evalArgs(args)) },
  js: { params: [], variadic: 'any', call: (args) => jsEscape(evalArgs(args)) },
  urlquery: { params: [], variadic: 'any', call: (args) => queryEscape(evalArgs(args)) },
  eq: { params: ['value'], variadic: 'value', call: ([a, ...rest]) => eq(a, rest) },
  ne: { params: ['value', 'value'], call: ([a, b]) => !eq(a, [b]) },
  lt: { params: ['value', 'value'], call: ([a, b]) => lt(a, b) },
  le: { params: ['value', 'value'], call: ([a, b]) => lt(a, b) || eq(a, [b]) },
  gt: { params: ['value', 'value'], call: ([a, b]) => !(lt(a, b) || eq(a, [b])) },
  ge: { params: ['value', 'value'], call: ([a, b]) => !lt(a, b) },
};
