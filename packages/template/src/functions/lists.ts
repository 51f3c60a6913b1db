import { FuncError } from '../engine/errors.js';
import { GoList, type Value } from '../engine/values.js';
import { toInt64 } from '../go/cast.js';
import { deepEqual, kindOf, listArg } from './reflection.js';
import { checkItems, empty, int, list, type CallContext, type FuncDef, type FuncTable } from './types.js';

/** cast.ToInt as sprig's slice uses it, saturated to a JS number (indices are checked against the length). */
function castInt(v: Value): number {
  const n = toInt64(v);
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(n > max ? max : n < -max ? -max : n);
}

/** Scalars compare by value with a Set (NaN never equals itself, as in reflect.DeepEqual). */
const isScalar = (v: Value): v is string | bigint | number | boolean | null | undefined =>
  v === null || typeof v !== 'object';
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

/** sprig's chunk: lists of `size` elements (the last one shorter), computed with Go's float arithmetic. */
function chunk(size: number, l: GoList, ctx: CallContext): GoList {
  const n = l.items.length;
  const count = Math.floor((n - 1) / size) + 1;
  if (!Number.isFinite(count) || count < 0) throw new FuncError('runtime error: makeslice: len out of range');
  checkItems(count);
  ctx.charge(n + count);
  const chunks: GoList[] = [];
  for (let i = 0; i < count; i++) {
    let len = size;
    if (i === count - 1) {
      len = Math.floor(n % size);
      if (len === 0) len = size;
    }
    if (i * size + len > n) throw new FuncError('reflect: slice index out of range');
    chunks.push(new GoList(l.items.slice(i * size, i * size + len)));
  }
  return new GoList(chunks, '[]interface {}');
}

const LISTS: FuncTable = {
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

  concat: {
    params: [],
    variadic: 'any',
    cost: 'self',
    call: (lists, ctx) => {
      const items: Value[] = [];
      for (const l of lists) {
        if (l === null || l === undefined) {
          throw new FuncError('runtime error: invalid memory address or nil pointer dereference');
        }
        if (!(l instanceof GoList)) throw new FuncError(`Cannot concat type ${kindOf(l)} as list`);
        ctx.charge(l.items.length);
        checkItems(items.length + l.items.length);
        items.push(...l.items);
      }
      return list(items);
    },
  },
  chunk: {
    params: ['int', 'any'],
    cost: 'self',
    call: ([size, l], ctx) => {
      if (!(l instanceof GoList)) throw new FuncError(`Cannot chunk type ${kindOf(l)}`);
      return chunk(int(size), l, ctx);
    },
  },
};

/** sprig's must* variants return the error their plain twin panics with: the same text in a template. */
const MUST = [
  'append',
  'push',
  'prepend',
  'first',
  'rest',
  'last',
  'initial',
  'reverse',
  'uniq',
  'without',
  'has',
  'compact',
  'slice',
  'chunk',
];

export const LIST_FUNCTIONS: FuncTable = {
  ...LISTS,
  ...Object.fromEntries(
    MUST.map((name) => [`must${name[0]?.toUpperCase()}${name.slice(1)}`, LISTS[name] as FuncDef]),
  ),
};
