import { FuncError } from '../engine/errors.js';
import { GoInt, GoList, GoMap, GoObject, INT_TYPES, typeName, type Value } from '../engine/values.js';
import { str, type FuncTable } from './types.js';

/** Go's reflect.Kind name of a value, as sprig's kindOf prints it. */
export function kindOf(v: Value): string {
  if (v === null || v === undefined) return 'invalid';
  if (v instanceof GoInt) return INT_TYPES[v.type].kind;
  if (v instanceof GoObject) return v.kind;
  if (v instanceof GoList) return 'slice';
  if (v instanceof GoMap) return 'map';
  // A string, int, float64 or bool: its kind is its type.
  return typeName(v);
}

/** typeOf: `%T`, and `<nil>` for nil. */
export const typeOf = (v: Value): string => (v === null || v === undefined ? '<nil>' : typeName(v));

/** reflect.DeepEqual on template values (the caller charges the work: at most the size of the smaller side). */
export function deepEqual(a: Value, b: Value): boolean {
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
  if (a instanceof GoInt && b instanceof GoInt) return a.type === b.type && a.value === b.value;
  if (a instanceof GoObject && b instanceof GoObject) return a.type === b.type && a.equals(b);
  return (a ?? null) === (b ?? null);
}

/** Lists of list-kind a sprig list function accepts, or Go's `Cannot find <fn> on type <kind>`. */
export function listArg(v: Value, fn: string): GoList {
  if (v instanceof GoList) return v;
  throw new FuncError(`Cannot find ${fn} on type ${kindOf(v)}`);
}

export const REFLECTION: FuncTable = {
  typeOf: { params: ['any'], cost: 'self', call: ([v]) => typeOf(v) },
  kindOf: { params: ['any'], cost: 'self', call: ([v]) => kindOf(v) },
  kindIs: { params: ['string', 'any'], cost: 'self', call: ([k, v]) => kindOf(v) === str(k) },
  typeIs: { params: ['string', 'any'], cost: 'self', call: ([t, v]) => typeOf(v) === str(t) },
  // sprig: target == t.String() || "*"+target == t.String()
  typeIsLike: {
    params: ['string', 'any'],
    cost: 'self',
    call: ([t, v]) => typeOf(v) === str(t) || typeOf(v) === `*${str(t)}`,
  },
  deepEqual: { params: ['any', 'any'], call: ([a, b]) => deepEqual(a, b) },
};
