import { createHash } from 'node:crypto';
import { FuncError } from './errors.js';
import { base32Decode, base32Encode, base64Decode, base64Encode } from './go-base.js';
import { formatV, sprint, sprintf, sprintln } from './go-fmt.js';
// (sprint, sprintf and sprintln stop as soon as their output passes LIMITS.maxValueBytes.)
import { JsonUnsupportedError, marshalJson, unmarshalJson } from './go-json.js';
import { quoteBytes } from './go-quote.js';
import { LIMITS } from './limits.js';
import {
  deleteWhiteSpace,
  replaceAll,
  replaceAllSize,
  splitN,
  title,
  toLower,
  toUpper,
  trimCutset,
  trimSpace,
} from './strings.js';
import { indexOf } from './search.js';
import { GoList, GoMap, isTrue, typeName, type Value } from './values.js';

/**
 * Go parameter types that text/template converts arguments to. `value` is reflect.Value (the builtins see the
 * raw value, even an invalid one); `map` is map[string]interface {}; `list` is []interface {}.
 */
export type ParamType = 'string' | 'int' | 'float64' | 'bool' | 'any' | 'map' | 'list' | 'value';

export const PARAM_TYPE_NAMES: Readonly<Record<ParamType, string>> = {
  string: 'string',
  int: 'int',
  float64: 'float64',
  bool: 'bool',
  any: 'interface {}',
  map: 'map[string]interface {}',
  list: '[]interface {}',
  value: 'reflect.Value',
};

/** What a function may ask of the executor. */
export interface CallContext {
  /** Counts work against the execution budget (LIMITS.maxWorkUnits); throws when exhausted. */
  charge(units: number): void;
  /** A map was changed in place: measured sizes of values that contain maps are stale. */
  mutated(): void;
  /** Work units to read a whole value: its bytes, and more for each list, map and element (remembered). */
  readCost(v: Value): number;
}

/**
 * How a call is charged. `args` (the default): before the call the executor charges the deep size of every
 * argument, for functions whose work is linear in what they are given (they read, hash, copy or print all of it);
 * such a function charges any superlinear rest itself. `self`: the function charges its own work, which for the
 * O(1) functions (`len`, `index`, `first`, `get`, …) is nothing. String results are charged by the executor.
 */
export type CostModel = 'args' | 'self';

export interface FuncDef {
  readonly params: readonly ParamType[];
  readonly variadic?: ParamType;
  readonly cost?: CostModel;
  readonly call: (args: Value[], ctx: CallContext) => Value;
}

// Argument accessors: the executor has already converted every argument to its declared ParamType.
const str = (v: Value): string => v as string;
const int = (v: Value): number => {
  const n = v as bigint;
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
    return n > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  }
  return Number(n);
};
const map = (v: Value): GoMap | null => v as GoMap | null;

function checkSize(size: number): void {
  if (size > LIMITS.maxValueBytes) {
    throw new FuncError(`result exceeds the limit of ${LIMITS.maxValueBytes} bytes`);
  }
}

function stringList(items: string[]): GoList {
  if (items.length > LIMITS.maxListItems) {
    throw new FuncError(`result exceeds the limit of ${LIMITS.maxListItems} elements`);
  }
  return new GoList(items, 'string');
}

function list(items: Value[]): GoList {
  if (items.length > LIMITS.maxListItems) {
    throw new FuncError(`result exceeds the limit of ${LIMITS.maxListItems} elements`);
  }
  return new GoList(items);
}

/** Joins the pieces `piece(i)` for i < n with `sep`, failing as soon as the result would pass the value limit. */
function joinLimited(n: number, piece: (i: number) => string, sep: string): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; i < n; i++) {
    const part = piece(i);
    size += part.length + (i > 0 ? sep.length : 0);
    checkSize(size);
    parts.push(part);
  }
  return parts.join(sep);
}

/** sprig's strval: strings as is, everything else with %v. */
export function strval(v: Value): string {
  return typeof v === 'string' ? v : formatV(v);
}

/** sprig's empty(): the zero value of its type, an empty container, or nil. */
function empty(v: Value): boolean {
  return !isTrue(v);
}

/** sprig's strslice: the string form of a list's non-nil elements, or of a single value. */
function strslice(v: Value): string[] {
  if (v instanceof GoList) return v.items.filter((x) => x !== null && x !== undefined).map(strval);
  if (v === null || v === undefined) return [];
  return [strval(v)];
}

function slicePanic(): never {
  throw new FuncError('runtime error: slice bounds out of range');
}

/** text/template's indexArg, without echoing the index (it may be derived from a secret). */
function indexArg(v: Value, cap: number): number {
  if (v === null || v === undefined) throw new FuncError('cannot index slice/array with nil');
  if (typeof v !== 'bigint') throw new FuncError(`cannot index slice/array with type ${typeName(v)}`);
  if (v < 0n || v > BigInt(cap)) throw new FuncError('index out of range');
  return Number(v);
}

type Kind = 'bool' | 'int' | 'float' | 'string' | 'invalid' | 'other';

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
  return 'other';
}

/** spf13/cast's ToInt as sprig uses it: numbers truncate, numeric strings parse, anything else is 0. */
function castInt(v: Value): number {
  if (typeof v === 'bigint') return int(v);
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^[+-]?\d+$/.test(v)) return Number(v);
  return 0;
}

function incompatible(a: Value, b: Value): FuncError {
  return new FuncError(`incompatible types for comparison: ${typeName(a)} and ${typeName(b)}`);
}

function eq(a: Value, others: Value[]): boolean {
  if (others.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(a);
  for (const b of others) {
    const k2 = basicKind(b);
    let truth = false;
    if (k1 !== k2) {
      if (k1 !== 'invalid' && k2 !== 'invalid') throw incompatible(a, b);
    } else if (k1 === 'invalid') {
      truth = true;
    } else if (k1 === 'other') {
      throw new FuncError(`non-comparable type ${typeName(b)}`);
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
  if (k1 !== k2) throw incompatible(a, b);
  if (k1 === 'bool') throw new FuncError('invalid type for comparison');
  return (a as string | number | bigint) < (b as string | number | bigint);
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

function adler32(s: string): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < s.length; i++) {
    a = (a + s.charCodeAt(i)) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const hash = (algorithm: string, s: string): string =>
  createHash(algorithm).update(Buffer.from(s, 'latin1')).digest('hex');

function toJson(v: Value, escapeHTML: boolean, indent?: string): string {
  return marshalJson(
    v,
    indent === undefined ? { escapeHTML } : { escapeHTML, indent, maxBytes: LIMITS.maxValueBytes },
  );
}

/** sprig's toJson family swallows errors (returns ""); the `must` variants report them. */
function swallow(f: () => string): string {
  try {
    return f();
  } catch (e) {
    if (e instanceof JsonUnsupportedError) return '';
    throw e;
  }
}

function mustJson(f: () => string): string {
  try {
    return f();
  } catch (e) {
    if (e instanceof JsonUnsupportedError) throw new FuncError(e.message);
    throw e;
  }
}

function listArg(v: Value, fn: string): GoList {
  if (v instanceof GoList) return v;
  throw new FuncError(`Cannot find ${fn} on type ${v === null || v === undefined ? 'invalid' : kindOf(v)}`);
}

/** Go's reflect.Kind name of a value, as sprig's kindOf prints it. */
function kindOf(v: Value): string {
  if (v === null || v === undefined) return 'invalid';
  if (typeof v === 'object') return v instanceof GoList ? 'slice' : 'map';
  return typeName(v);
}

/** sprig's `has`/`without`/`uniq` use reflect.DeepEqual. */
function deepEqual(a: Value, b: Value): boolean {
  if (a instanceof GoList && b instanceof GoList) {
    return (
      a.elem === b.elem &&
      a.items.length === b.items.length &&
      a.items.every((x, i) => deepEqual(x, b.items[i]))
    );
  }
  if (a instanceof GoMap && b instanceof GoMap) {
    if (a.elem !== b.elem || a.entries.size !== b.entries.size) return false;
    return [...a.entries].every(([k, x]) => b.entries.has(k) && deepEqual(x, b.entries.get(k)));
  }
  return (a ?? null) === (b ?? null);
}

const withoutNil = (vs: Value[]): Value[] => vs.filter((v) => v !== null && v !== undefined);

/** Scalars compare by value with a Set (NaN never equals itself, as in reflect.DeepEqual). */
const isScalar = (v: Value): v is string | bigint | number | boolean | null | undefined =>
  !(v instanceof GoList || v instanceof GoMap);
const scalarKey = (v: string | bigint | number | boolean | null | undefined): unknown =>
  v === undefined ? null : v;

/**
 * A filter for `uniq`: true for the first of each group of deeply equal items. Scalars are found in a Set in O(1)
 * (Go compares every pair); lists and maps are compared with the earlier ones, each comparison charged with the
 * size of the item (deepEqual reads at most that much).
 */
function notSeenBefore(ctx: CallContext): (item: Value) => boolean {
  const scalars = new Set<unknown>();
  const containers: Value[] = [];
  return (item) => {
    if (isScalar(item)) {
      if (typeof item === 'number' && Number.isNaN(item)) return true;
      if (scalars.has(scalarKey(item))) return false;
      scalars.add(scalarKey(item));
      return true;
    }
    ctx.charge(containers.length * ctx.readCost(item));
    if (containers.some((o) => deepEqual(o, item))) return false;
    containers.push(item);
    return true;
  };
}

/** Membership in `set` under reflect.DeepEqual, with the same costs as notSeenBefore. */
function memberOf(set: readonly Value[], ctx: CallContext): (item: Value) => boolean {
  const scalars = new Set(set.filter(isScalar).map(scalarKey));
  const containers = set.filter((v) => !isScalar(v));
  return (item) => {
    if (isScalar(item))
      return !(typeof item === 'number' && Number.isNaN(item)) && scalars.has(scalarKey(item));
    ctx.charge(containers.length * ctx.readCost(item));
    return containers.some((o) => deepEqual(o, item));
  };
}

/** text/template builtins (text/template/funcs.go), minus `call` (no function values exist here). */
const BUILTINS: Record<string, FuncDef> = {
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
          cur = BigInt(cur.charCodeAt(x));
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

// A separate constant: as an object-literal member, `toString` is contextually typed as Object's method.
const TO_STRING: FuncDef = { params: ['any'], call: ([v]) => strval(v ?? null) };

/** Charges the length of the first argument (prefix/suffix checks read only that much). */
const prefixCost = (ctx: CallContext, prefix: Value): void => ctx.charge(str(prefix).length);

/** The implemented subset of sprig v3's generic function map (see README.md, "Templates"). */
const SPRIG: Record<string, FuncDef> = {
  // Strings
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

  // Defaults, flow and JSON
  default: {
    params: ['any'],
    variadic: 'any',
    cost: 'self',
    call: ([d, ...given]) => (given.length === 0 || empty(given[0] ?? null) ? d : (given[0] ?? null)),
  },
  empty: { params: ['any'], cost: 'self', call: ([v]) => empty(v) },
  coalesce: {
    params: [],
    variadic: 'any',
    cost: 'self',
    call: (args) => args.find((a) => !empty(a)) ?? null,
  },
  ternary: { params: ['any', 'any', 'bool'], cost: 'self', call: ([t, f, c]) => (c === true ? t : f) },
  toJson: { params: ['any'], call: ([v]) => swallow(() => toJson(v, true)) },
  toPrettyJson: { params: ['any'], call: ([v]) => swallow(() => toJson(v, true, '  ')) },
  toRawJson: { params: ['any'], call: ([v]) => mustJson(() => toJson(v, false)) },
  mustToJson: { params: ['any'], call: ([v]) => mustJson(() => toJson(v, true)) },
  mustToPrettyJson: { params: ['any'], call: ([v]) => mustJson(() => toJson(v, true, '  ')) },
  mustToRawJson: { params: ['any'], call: ([v]) => mustJson(() => toJson(v, false)) },
  fromJson: { params: ['string'], call: ([s]) => unmarshalJson(str(s))?.value ?? null },
  mustFromJson: {
    params: ['string'],
    call: ([s]) => {
      const parsed = unmarshalJson(str(s));
      // Go's decoder error quotes the offending input character; report only that the JSON is invalid.
      if (parsed === undefined) throw new FuncError('invalid JSON (details withheld)');
      return parsed.value;
    },
  },
  fail: {
    params: ['string'],
    cost: 'self',
    call: () => {
      throw new FuncError('template called fail (message withheld: it may contain secret data)');
    },
  },

  // Encoding and hashes
  b64enc: { params: ['string'], call: ([s]) => base64Encode(str(s)) },
  b64dec: {
    params: ['string'],
    call: ([s]) => {
      const r = base64Decode(str(s));
      return r.ok ? r.bytes : `illegal base64 data at input byte ${r.offset}`;
    },
  },
  b32enc: { params: ['string'], call: ([s]) => base32Encode(str(s)) },
  b32dec: {
    params: ['string'],
    call: ([s]) => {
      const r = base32Decode(str(s));
      return r.ok ? r.bytes : `illegal base32 data at input byte ${r.offset}`;
    },
  },
  sha256sum: { params: ['string'], call: ([s]) => hash('sha256', str(s)) },
  sha1sum: { params: ['string'], call: ([s]) => hash('sha1', str(s)) },
  adler32sum: { params: ['string'], call: ([s]) => String(adler32(str(s))) },

  // Lists
  list: {
    params: [],
    variadic: 'any',
    cost: 'self',
    call: (args, ctx) => (ctx.charge(args.length), list(args)),
  },
  tuple: {
    params: [],
    variadic: 'any',
    cost: 'self',
    call: (args, ctx) => (ctx.charge(args.length), list(args)),
  },
  first: {
    params: ['any'],
    cost: 'self',
    call: ([v]) => listArg(v, 'first').items[0] ?? null,
  },
  last: {
    params: ['any'],
    cost: 'self',
    call: ([v]) => {
      const l = listArg(v, 'last');
      return l.items[l.items.length - 1] ?? null;
    },
  },
  rest: {
    params: ['any'],
    cost: 'self',
    call: ([v], ctx) => {
      const l = listArg(v, 'rest');
      ctx.charge(l.items.length);
      return l.items.length === 0 ? null : list(l.items.slice(1));
    },
  },
  initial: {
    params: ['any'],
    cost: 'self',
    call: ([v], ctx) => {
      const l = listArg(v, 'initial');
      ctx.charge(l.items.length);
      return l.items.length === 0 ? null : list(l.items.slice(0, -1));
    },
  },
  append: {
    params: ['any', 'any'],
    cost: 'self',
    call: ([v, x], ctx) => {
      const l = listArg(v, 'append');
      ctx.charge(l.items.length + 1);
      return list([...l.items, x]);
    },
  },
  push: {
    params: ['any', 'any'],
    cost: 'self',
    call: ([v, x], ctx) => {
      const l = listArg(v, 'push');
      ctx.charge(l.items.length + 1);
      return list([...l.items, x]);
    },
  },
  prepend: {
    params: ['any', 'any'],
    cost: 'self',
    call: ([v, x], ctx) => {
      const l = listArg(v, 'prepend');
      ctx.charge(l.items.length + 1);
      return list([x, ...l.items]);
    },
  },
  reverse: {
    params: ['any'],
    cost: 'self',
    call: ([v], ctx) => {
      const l = listArg(v, 'reverse');
      ctx.charge(l.items.length);
      return list([...l.items].reverse());
    },
  },
  uniq: {
    params: ['any'],
    call: ([v], ctx) => {
      const l = listArg(v, 'uniq');
      return list(l.items.filter(notSeenBefore(ctx)));
    },
  },
  compact: {
    params: ['any'],
    cost: 'self',
    call: ([v], ctx) => {
      const l = listArg(v, 'compact');
      ctx.charge(l.items.length);
      return list(l.items.filter((x) => !empty(x)));
    },
  },
  has: {
    params: ['any', 'any'],
    call: ([needle, haystack]) => {
      if (haystack === null || haystack === undefined) return false;
      return listArg(haystack, 'has').items.some((x) => deepEqual(x, needle));
    },
  },
  slice: {
    params: ['any'],
    variadic: 'any',
    cost: 'self',
    call: ([v, ...indices], ctx) => {
      if (!(v instanceof GoList)) {
        throw new FuncError(`list should be type of slice or array but ${kindOf(v)}`);
      }
      if (v.items.length === 0) return null;
      const start = indices.length > 0 ? castInt(indices[0] ?? null) : 0;
      const end = indices.length < 2 ? v.items.length : castInt(indices[1] ?? null);
      if (start < 0 || end < start || end > v.items.length) {
        throw new FuncError('reflect.Value.Slice: slice index out of bounds');
      }
      ctx.charge(end - start);
      return new GoList(v.items.slice(start, end), v.elem);
    },
  },
  without: {
    params: ['any'],
    variadic: 'any',
    call: ([v, ...omit], ctx) => {
      const l = listArg(v, 'without');
      const isOmitted = memberOf(omit, ctx);
      return list(l.items.filter((x) => !isOmitted(x)));
    },
  },

  // Dicts (map[string]interface {}; the template's data context is a map[string]string, as in Go)
  dict: {
    params: [],
    variadic: 'any',
    cost: 'self',
    call: (args, ctx) => {
      // Values are stored, not read; keys are printed (strval).
      ctx.charge(args.length);
      for (let i = 0; i < args.length; i += 2) ctx.charge(ctx.readCost(args[i] ?? null));
      const entries = new Map<string, Value>();
      for (let i = 0; i < args.length; i += 2) {
        entries.set(strval(args[i] ?? null), i + 1 < args.length ? (args[i + 1] ?? null) : '');
      }
      return new GoMap(entries);
    },
  },
  get: {
    params: ['map', 'string'],
    cost: 'self',
    call: ([d, k]) => {
      const m = map(d);
      return m !== null && m.entries.has(str(k)) ? (m.entries.get(str(k)) ?? null) : '';
    },
  },
  set: {
    params: ['map', 'string', 'any'],
    cost: 'self',
    call: ([d, k, v], ctx) => {
      const m = map(d);
      if (m === null) throw new FuncError('assignment to entry in nil map');
      ctx.charge(1);
      ctx.mutated();
      m.entries.set(str(k), v ?? null);
      return m;
    },
  },
  unset: {
    params: ['map', 'string'],
    cost: 'self',
    call: ([d, k], ctx) => {
      const m = map(d);
      ctx.mutated();
      m?.entries.delete(str(k));
      return m;
    },
  },
  hasKey: { params: ['map', 'string'], cost: 'self', call: ([d, k]) => map(d)?.entries.has(str(k)) ?? false },
  keys: {
    params: [],
    variadic: 'map',
    cost: 'self',
    call: (args, ctx) => {
      // Go's map order is random; sorting is one of its possible outcomes and keeps output stable.
      const keys = args.flatMap((d) => map(d)?.sortedKeys() ?? []);
      ctx.charge(keys.length);
      return stringList(keys);
    },
  },
  values: {
    params: ['map'],
    cost: 'self',
    call: ([d], ctx) => {
      const m = map(d);
      const values = m === null ? [] : m.sortedKeys().map((k) => m.entries.get(k) ?? null);
      ctx.charge(values.length);
      return list(values);
    },
  },
  pick: {
    params: ['map'],
    variadic: 'string',
    cost: 'self',
    call: ([d, ...ks], ctx) => {
      const m = map(d);
      ctx.charge(ks.length);
      const entries = new Map<string, Value>();
      for (const k of ks) if (m?.entries.has(str(k))) entries.set(str(k), m.entries.get(str(k)) ?? null);
      return new GoMap(entries);
    },
  },
  omit: {
    params: ['map'],
    variadic: 'string',
    cost: 'self',
    call: ([d, ...ks], ctx) => {
      const m = map(d);
      const drop = new Set(ks.map(str));
      const entries = new Map([...(m?.entries ?? [])].filter(([k]) => !drop.has(k)));
      ctx.charge(entries.size);
      return new GoMap(entries);
    },
  },
  pluck: {
    params: ['string'],
    variadic: 'map',
    cost: 'self',
    call: ([k, ...ds], ctx) => {
      ctx.charge(ds.length);
      return list(
        ds.flatMap((d) => (map(d)?.entries.has(str(k)) ? [map(d)?.entries.get(str(k)) ?? null] : [])),
      );
    },
  },

  // Reflection
  typeOf: {
    params: ['any'],
    cost: 'self',
    call: ([v]) => (v === null || v === undefined ? '<nil>' : typeName(v)),
  },
  kindOf: { params: ['any'], cost: 'self', call: ([v]) => kindOf(v) },
  kindIs: { params: ['string', 'any'], cost: 'self', call: ([k, v]) => kindOf(v) === str(k) },
  typeIs: {
    params: ['string', 'any'],
    cost: 'self',
    call: ([t, v]) => (v === null || v === undefined ? '<nil>' : typeName(v)) === str(t),
  },
};

/** Every function a template may call. */
export const FUNCTIONS: ReadonlyMap<string, FuncDef> = new Map([
  ...Object.entries(BUILTINS),
  ...Object.entries(SPRIG),
]);

export const BUILTIN_NAMES: ReadonlySet<string> = new Set(Object.keys(BUILTINS));

const REMOVED_FOR_SECURITY = new Set(['env', 'expandenv', 'getHostByName']);

/** sprig v3 functions this engine does not implement (so the parse error can say why, Go would accept them). */
const SPRIG_UNSUPPORTED = new Set([
  'hello',
  'date',
  'date_in_zone',
  'date_modify',
  'now',
  'htmlDate',
  'htmlDateInZone',
  'dateInZone',
  'dateModify',
  'ago',
  'toDate',
  'unixEpoch',
  'duration',
  'durationRound',
  'mustDateModify',
  'mustToDate',
  'abbrev',
  'abbrevboth',
  'untitle',
  'initials',
  'randAlphaNum',
  'randAlpha',
  'randAscii',
  'randNumeric',
  'randBytes',
  'randInt',
  'swapcase',
  'shuffle',
  'snakecase',
  'camelcase',
  'kebabcase',
  'wrap',
  'wrapWith',
  'seq',
  'int64',
  'int',
  'float64',
  'until',
  'untilStep',
  'add1',
  'add',
  'sub',
  'div',
  'mod',
  'mul',
  'biggest',
  'max',
  'min',
  'maxf',
  'minf',
  'add1f',
  'addf',
  'subf',
  'divf',
  'mulf',
  'ceil',
  'floor',
  'round',
  'toDecimal',
  'typeIsLike',
  'deepEqual',
  'base',
  'dir',
  'clean',
  'ext',
  'isAbs',
  'osBase',
  'osClean',
  'osDir',
  'osExt',
  'osIsAbs',
  'merge',
  'mergeOverwrite',
  'mustMerge',
  'mustMergeOverwrite',
  'dig',
  'deepCopy',
  'mustDeepCopy',
  'mustAppend',
  'mustPush',
  'mustPrepend',
  'mustFirst',
  'mustRest',
  'mustLast',
  'mustInitial',
  'mustReverse',
  'mustUniq',
  'mustWithout',
  'mustHas',
  'mustCompact',
  'concat',
  'chunk',
  'mustChunk',
  'mustSlice',
  'bcrypt',
  'htpasswd',
  'genPrivateKey',
  'derivePassword',
  'buildCustomCert',
  'genCA',
  'genCAWithKey',
  'genSelfSignedCert',
  'genSelfSignedCertWithKey',
  'genSignedCert',
  'genSignedCertWithKey',
  'encryptAES',
  'decryptAES',
  'uuidv4',
  'semver',
  'semverCompare',
  'regexMatch',
  'mustRegexMatch',
  'regexFindAll',
  'mustRegexFindAll',
  'regexFind',
  'mustRegexFind',
  'regexReplaceAll',
  'mustRegexReplaceAll',
  'regexReplaceAllLiteral',
  'mustRegexReplaceAllLiteral',
  'regexSplit',
  'mustRegexSplit',
  'regexQuoteMeta',
  'urlParse',
  'urlJoin',
  'getHostByName',
]);

/** The suffix for `function "x" not defined`, explaining a gap relative to the Go controller. */
export function undefinedFunctionHint(name: string): string {
  if (REMOVED_FOR_SECURITY.has(name)) return '';
  if (SPRIG_UNSUPPORTED.has(name)) return ' (sprig function not supported by this controller)';
  if (name === 'call') return ' (not supported by this controller)';
  return '';
}
