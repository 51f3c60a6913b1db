/**
 * A JSON value whose mappings keep their entries in output order. A JavaScript object cannot: it moves
 * integer-like keys (`"1"`, `"10"`) before all others, whatever order they were added in.
 */
export type Ordered = string | number | boolean | null | readonly Ordered[] | OrderedMap;

export class OrderedMap {
  readonly entries: readonly (readonly [string, Ordered])[];
  constructor(entries: readonly (readonly [string, Ordered])[]) {
    this.entries = entries;
  }

  get(key: string): Ordered | undefined {
    return this.entries.find(([k]) => k === key)?.[1];
  }

  keys(): string[] {
    return this.entries.map(([k]) => k);
  }
}

/** Go's sort.Strings order: by UTF-8 bytes, which is code point order (JavaScript's `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral characters) sort after U+E000–U+FFFF in code point order.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** A Go map as encoding/json writes it: keys sorted by code point. */
export function sortedMap(map: Readonly<Record<string, Ordered>>): OrderedMap {
  return new OrderedMap(
    Object.keys(map)
      .sort(compareCodePoints)
      .map((key) => [key, map[key] as Ordered]),
  );
}
