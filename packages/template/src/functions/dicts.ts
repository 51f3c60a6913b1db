import { FuncError } from '../engine/errors.js';
import { GoList, GoMap, typeName, type Value } from '../engine/values.js';
import {
  empty,
  list,
  map,
  str,
  stringList,
  strval,
  type CallContext,
  type FuncDef,
  type FuncTable,
} from './types.js';

/** mergo's isEmptyValue through interfaces: zero values, empty strings and containers, nil. */
const isEmptyValue = (v: Value): boolean => empty(v);

/**
 * mergo v1.0.1's Merge / MergeWithOverwrite of one map[string]interface {} into another, as sprig's merge uses it:
 * nested maps merge in place; otherwise a missing or empty destination takes the source value (with overwrite:
 * any non-nil source value wins); a nil source value is copied only with overwrite. Source maps and lists are
 * shared, not copied, as in Go.
 */
function mergeInto(dst: GoMap, src: GoMap, overwrite: boolean, ctx: CallContext): void {
  ctx.charge(src.entries.size);
  for (const [key, s] of src.entries) {
    const had = dst.entries.has(key);
    const d = dst.entries.get(key);
    if (s === null || s === undefined) {
      if (overwrite) dst.entries.set(key, null);
      continue;
    }
    if (s instanceof GoMap && d instanceof GoMap) {
      mergeInto(d, s, overwrite, ctx);
      if (!isEmptyValue(d)) continue;
    }
    if (had && !isEmptyValue(d ?? null) && s instanceof GoList) {
      if (overwrite) dst.entries.set(key, s);
      continue;
    }
    if (overwrite || !had || isEmptyValue(d ?? null)) dst.entries.set(key, s);
  }
}

function merge(overwrite: boolean): FuncDef {
  return {
    params: ['map'],
    variadic: 'map',
    call: ([dst, ...srcs], ctx) => {
      let d = map(dst);
      for (const s of srcs) {
        const src = map(s);
        if (src === null) continue;
        if (d === null) d = new GoMap(new Map());
        mergeInto(d, src, overwrite, ctx);
      }
      ctx.mutated();
      return d;
    },
  };
}

/** copystructure.Copy: new lists and maps all the way down (scalars and objects are values already). */
function deepCopy(v: Value, ctx: CallContext): Value {
  if (v instanceof GoList) {
    ctx.charge(v.items.length);
    return new GoList(
      v.items.map((x) => deepCopy(x, ctx)),
      v.elem,
    );
  }
  if (v instanceof GoMap) {
    ctx.charge(v.entries.size);
    return new GoMap(new Map([...v.entries].map(([k, x]) => [k, deepCopy(x, ctx)])), v.elem);
  }
  return v;
}

/** copystructure.Copy(nil) panics inside reflect, for deepCopy and mustDeepCopy alike. */
function deepCopyTop(v: Value, ctx: CallContext): Value {
  if (v === null || v === undefined) throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
  return deepCopy(v, ctx);
}

/** Go's panic text for a failed type assertion `x.(T)` on an interface {}. */
function assertionError(v: Value, want: string): FuncError {
  const got = v === null || v === undefined ? 'nil' : typeName(v);
  return new FuncError(`interface conversion: interface {} is ${got}, not ${want}`);
}

function asDict(v: Value): GoMap {
  if (v instanceof GoMap && v.elem === 'interface {}') return v;
  throw assertionError(v, 'map[string]interface {}');
}

export const DICTS: FuncTable = {
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

  merge: merge(false),
  mustMerge: merge(false),
  mergeOverwrite: merge(true),
  mustMergeOverwrite: merge(true),
  deepCopy: { params: ['any'], cost: 'self', call: ([v], ctx) => deepCopyTop(v, ctx) },
  mustDeepCopy: { params: ['any'], cost: 'self', call: ([v], ctx) => deepCopyTop(v, ctx) },
  dig: {
    params: [],
    variadic: 'any',
    cost: 'self',
    call: (ps, ctx) => {
      if (ps.length < 3) throw new FuncError('dig needs at least three arguments');
      let dict = asDict(ps[ps.length - 1] ?? null);
      const fallback = ps[ps.length - 2] ?? null;
      const keys = ps.slice(0, -2).map((k) => {
        if (typeof k !== 'string') throw assertionError(k ?? null, 'string');
        return k;
      });
      ctx.charge(keys.length);
      for (let i = 0; ; i++) {
        const k = keys[i] as string;
        if (!dict.entries.has(k)) return fallback;
        const step = dict.entries.get(k) ?? null;
        if (i === keys.length - 1) return step;
        dict = asDict(step);
      }
    },
  },
};
