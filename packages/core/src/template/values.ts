/**
 * Runtime values of the template engine, modelled on the Go types that text/template + sprig produce:
 * `string` = Go string as a byte string (see bytes.ts), `bigint` = int, `number` = float64, `boolean` = bool,
 * `null` = nil interface, GoList = slice, GoMap = map with string keys, `undefined` = the invalid reflect.Value
 * that a missing map key yields (printed `<no value>`).
 */
export type Value = string | bigint | number | boolean | null | undefined | GoList | GoMap;

/** Element type of a slice or map: `interface {}` for sprig's lists/dicts, `string` for the data context. */
export type ElemType = 'interface {}' | 'string';

export class GoList {
  constructor(
    readonly items: Value[],
    readonly elem: ElemType = 'interface {}',
  ) {}
}

/** Go maps are references: sprig's `set`/`unset` mutate them in place, so this class is deliberately mutable. */
export class GoMap {
  constructor(
    readonly entries: Map<string, Value>,
    readonly elem: ElemType = 'interface {}',
  ) {}

  sortedKeys(): string[] {
    return [...this.entries.keys()].sort(compareBytes);
  }
}

/** Go's string ordering: bytewise, which for byte strings is UTF-16 code-unit order. */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export function toInt64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

/** The Go type name as fmt's %T and text/template's type errors print it. */
export function typeName(v: Value): string {
  if (v === undefined) return 'invalid';
  if (v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
  }
  return v instanceof GoList ? `[]${v.elem}` : `map[string]${v.elem}`;
}

/** text/template's truth: the zero value of its type (or an empty container, or nil) is false. */
export function isTrue(v: Value): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0;
    case 'boolean':
      return v;
  }
  return v instanceof GoList ? v.items.length > 0 : v.entries.size > 0;
}

/**
 * Whether a value's deep size (string bytes plus one unit per element) exceeds `limit`. Lists and maps may share
 * substructure, so a small template can build a value whose printed form is astronomically large; the walk stops
 * as soon as the limit is crossed and never expands more than that.
 */
export function exceedsSize(v: Value, limit: number): boolean {
  let total = 0;
  const stack: Value[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x === 'string') total += x.length;
    else if (x instanceof GoList) {
      total += 1 + x.items.length;
      if (total > limit) return true;
      stack.push(...x.items);
    } else if (x instanceof GoMap) {
      total += 1 + x.entries.size;
      if (total > limit) return true;
      for (const [k, item] of x.entries) {
        total += k.length;
        stack.push(item);
      }
    } else total += 1;
    if (total > limit) return true;
  }
  return false;
}
