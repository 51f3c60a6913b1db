/**
 * Runtime values of the template engine, modelled on the Go types that text/template + sprig produce:
 * `string` = Go string as a byte string (see go/bytes.ts), `bigint` = int, `number` = float64, `boolean` = bool,
 * `null` = nil interface, GoInt = the other integer types (sprig's math returns int64), GoList = slice, GoMap =
 * map with string keys, GoObject = a struct or pointer with fields and methods (time.Time, *semver.Version, …),
 * `undefined` = the invalid reflect.Value that a missing map key yields (printed `<no value>`).
 */
export type Value = string | bigint | number | boolean | null | undefined | GoInt | GoList | GoMap | GoObject;

/** Element type of a slice or map: `interface {}` for sprig's lists/dicts, `string` for the data context, … */
export type ElemType = 'interface {}' | 'string' | 'int' | '[]interface {}';

/** Integer types other than `int`, with their reflect.Kind (named types print their own way, see go/fmt.ts). */
export const INT_TYPES = {
  int64: { kind: 'int64', signed: true, bits: 64 },
  int32: { kind: 'int32', signed: true, bits: 32 },
  uint64: { kind: 'uint64', signed: false, bits: 64 },
  uint32: { kind: 'uint32', signed: false, bits: 32 },
  uint8: { kind: 'uint8', signed: false, bits: 8 },
  'time.Month': { kind: 'int', signed: true, bits: 64 },
  'time.Weekday': { kind: 'int', signed: true, bits: 64 },
  'time.Duration': { kind: 'int64', signed: true, bits: 64 },
} as const;
export type IntType = keyof typeof INT_TYPES;

/** A Go integer of a type other than `int`, e.g. sprig's `int64` results; the value is already in range. */
export class GoInt {
  constructor(
    readonly type: IntType,
    readonly value: bigint,
  ) {}

  static of(type: IntType, v: bigint): GoInt {
    const t = INT_TYPES[type];
    return new GoInt(type, t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v));
  }
}

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

/**
 * A Go struct or pointer to one that templates can print, pass around, and read fields or call methods of:
 * `{{ (semver "1.2.3").Major }}`, `{{ now.Unix }}`, `{{ (genCA "x" 1).Cert }}`.
 */
export abstract class GoObject {
  /** %T, e.g. `time.Time`, `*semver.Version`. */
  abstract readonly type: string;
  /** reflect.Kind: `struct` or `ptr`. */
  abstract readonly kind: 'struct' | 'ptr';
  /** %v (the String method, or the struct's fields). */
  abstract format(): string;
  /** json.Marshal of the value (compact, byte string). */
  abstract json(escapeHTML: boolean): string;
  /** reflect.DeepEqual with another object of the same type. */
  abstract equals(other: GoObject): boolean;
  /** An exported field, or undefined. */
  field(_name: string): Value | undefined {
    return undefined;
  }
  /** A method, or undefined. */
  method(_name: string): ObjectMethod | undefined {
    return undefined;
  }
}

/** Parameter types of methods are named like FuncDef's ParamType (functions/types.ts). */
export interface ObjectMethod {
  readonly params: readonly ('string' | 'int' | 'any' | 'time.Time')[];
  readonly call: (args: Value[]) => Value;
}

/** Go's string ordering: bytewise, which for byte strings is UTF-16 code-unit order. */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
  if (v instanceof GoInt) return v.type;
  if (v instanceof GoObject) return v.type;
  if (v instanceof GoList) return `[]${v.elem}`;
  return v instanceof GoMap ? `map[string]${v.elem}` : 'invalid';
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
  if (v instanceof GoInt) return v.value !== 0n;
  if (v instanceof GoObject) return true;
  return v instanceof GoList ? v.items.length > 0 : v.entries.size > 0;
}

/** Deep size (string bytes, map key bytes, one unit per list, map and element) and nesting depth of a value. */
export interface Measure {
  /** Capped: Infinity once it exceeds the meter's cap, or for a value that contains itself. */
  readonly size: number;
  readonly depth: number;
  /** Lists, maps and their elements (part of `size`); each costs far more to visit than a byte. */
  readonly elements: number;
}

interface Memo extends Measure {
  /** The mutation epoch it was computed in, or -1 when the value contains no map (lists never change). */
  readonly epoch: number;
}

interface Frame {
  readonly node: GoList | GoMap;
  readonly children: readonly Value[];
  next: number;
  size: number;
  depth: number;
  elements: number;
  hasMap: boolean;
}

/**
 * Measures values for the limits, in time linear in what has not been measured before. Lists and maps may share
 * substructure, so a small template can build a value whose printed form is astronomically large: sizes are
 * summed over the shared parts as printing would, but each list or map is walked once and remembered. Lists are
 * immutable; maps change through `set`/`unset`, which call `mutated()` and so invalidate what contains a map.
 * The walk is iterative (no recursion on deep values) and reports its own work to `charge`.
 */
export class ValueMeter {
  readonly #memo = new WeakMap<GoList | GoMap, Memo>();
  #epoch = 0;

  constructor(
    private readonly cap: number,
    private readonly charge: (units: number) => void,
  ) {}

  mutated(): void {
    this.#epoch++;
  }

  measure(value: Value): Measure {
    if (!(value instanceof GoList || value instanceof GoMap)) {
      return { size: scalarSize(value), depth: 0, elements: 0 };
    }
    const known = this.#valid(value);
    if (known !== undefined) return known;
    const inProgress = new Set<GoList | GoMap>();
    const stack: Frame[] = [];
    let result: Memo | undefined;
    const open = (node: GoList | GoMap): void => {
      const isMap = node instanceof GoMap;
      const children = isMap ? [...node.entries.values()] : node.items;
      let size = 1 + children.length;
      if (isMap) for (const key of node.entries.keys()) size += key.length;
      this.charge(1 + children.length);
      inProgress.add(node);
      stack.push({ node, children, next: 0, size, depth: 1, elements: 1 + children.length, hasMap: isMap });
    };
    open(value);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame;
      let pushed = false;
      while (frame.next < frame.children.length && frame.size <= this.cap) {
        const child = frame.children[frame.next++];
        if (!(child instanceof GoList || child instanceof GoMap)) {
          frame.size += scalarSize(child);
          continue;
        }
        const memo = inProgress.has(child) ? CYCLE : this.#valid(child);
        if (memo === undefined) {
          open(child);
          pushed = true;
          break;
        }
        frame.size += memo.size;
        frame.elements += memo.elements;
        frame.depth = Math.max(frame.depth, memo.depth + 1);
        frame.hasMap ||= memo.epoch !== -1;
      }
      if (pushed) continue;
      stack.pop();
      inProgress.delete(frame.node);
      const done: Memo = {
        size: frame.size > this.cap ? Infinity : frame.size,
        depth: frame.depth,
        elements: frame.elements,
        epoch: frame.hasMap ? this.#epoch : -1,
      };
      this.#memo.set(frame.node, done);
      const parent = stack[stack.length - 1];
      if (parent === undefined) result = done;
      else {
        parent.size += done.size;
        parent.elements += done.elements;
        parent.depth = Math.max(parent.depth, done.depth + 1);
        parent.hasMap ||= done.epoch !== -1;
      }
    }
    return result ?? CYCLE;
  }

  #valid(node: GoList | GoMap): Memo | undefined {
    const memo = this.#memo.get(node);
    return memo !== undefined && (memo.epoch === -1 || memo.epoch === this.#epoch) ? memo : undefined;
  }
}

/** A value that contains itself (a map `set` into itself) prints forever: it is infinitely large. */
const CYCLE: Memo = { size: Infinity, depth: Infinity, elements: Infinity, epoch: 0 };

function scalarSize(v: Value): number {
  return typeof v === 'string' ? v.length : 1;
}
