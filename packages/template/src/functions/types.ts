import { FuncError } from '../engine/errors.js';
import { LIMITS } from '../engine/limits.js';
import { formatV } from '../go/fmt.js';
import { GoList, isTrue, type ElemType, type GoMap, type Value } from '../engine/values.js';

/**
 * Go parameter types that text/template converts arguments to. `value` is reflect.Value (the builtins see the
 * raw value, even an invalid one); `map` is map[string]interface {}; `list` is []interface {}; `time.Time` and
 * `certificate` (sprig's struct) accept only values of that type.
 */
export type ParamType =
  | 'string'
  | 'int'
  | 'uint32'
  | 'float64'
  | 'bool'
  | 'any'
  | 'map'
  | 'list'
  | 'value'
  | 'time.Time'
  | 'certificate';

export const PARAM_TYPE_NAMES: Readonly<Record<ParamType, string>> = {
  string: 'string',
  int: 'int',
  uint32: 'uint32',
  float64: 'float64',
  bool: 'bool',
  any: 'interface {}',
  map: 'map[string]interface {}',
  list: '[]interface {}',
  value: 'reflect.Value',
  'time.Time': 'time.Time',
  certificate: 'sprig.certificate',
};

/** What the caller of the engine provides: a clock and randomness (the engine does no I/O of its own). */
export interface Environment {
  /** The current time, in nanoseconds since the Unix epoch (`now`, `ago`, `date` of a non-time). */
  readonly nowNs: () => bigint;
  /** Cryptographically secure random bytes (`uuidv4`, `rand*`, `genPrivateKey`, `encryptAES`, …). */
  readonly randomBytes: (n: number) => Uint8Array;
}

/** What a function may ask of the executor. */
export interface CallContext {
  /** Counts work against the execution budget (LIMITS.maxWorkUnits); throws when exhausted. */
  charge(units: number): void;
  /** A map was changed in place: measured sizes of values that contain maps are stale. */
  mutated(): void;
  /** Work units to read a whole value: its bytes, and more for each list, map and element (remembered). */
  readCost(v: Value): number;
  readonly env: Environment;
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

export type FuncTable = Readonly<Record<string, FuncDef>>;

// Argument accessors: the executor has already converted every argument to its declared ParamType.
export const str = (v: Value): string => v as string;
/** An `int` argument as a JS number, saturated to the safe range (callers bound it further). */
export const int = (v: Value): number => {
  const n = v as bigint;
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
    return n > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  }
  return Number(n);
};
export const map = (v: Value): GoMap | null => v as GoMap | null;

/** Runs `f`, turning an error of `kind` (a Go package's error) into the call's error, with its message. */
export function asFuncError<T>(kind: abstract new (...args: never[]) => Error, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof kind) throw new FuncError(e.message);
    throw e;
  }
}

export function checkSize(size: number): void {
  if (size > LIMITS.maxValueBytes) {
    throw new FuncError(`result exceeds the limit of ${LIMITS.maxValueBytes} bytes`);
  }
}

export function checkItems(n: number): void {
  if (n > LIMITS.maxListItems) {
    throw new FuncError(`result exceeds the limit of ${LIMITS.maxListItems} elements`);
  }
}

export function stringList(items: string[]): GoList {
  checkItems(items.length);
  return new GoList(items, 'string');
}

export function list(items: Value[], elem: ElemType = 'interface {}'): GoList {
  checkItems(items.length);
  return new GoList(items, elem);
}

/** Joins the pieces `piece(i)` for i < n with `sep`, failing as soon as the result would pass the value limit. */
export function joinLimited(n: number, piece: (i: number) => string, sep: string): string {
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
export function empty(v: Value): boolean {
  return !isTrue(v);
}

/** sprig's strslice: the string form of a list's non-nil elements, or of a single value. */
export function strslice(v: Value): string[] {
  if (v instanceof GoList) return v.items.filter((x) => x !== null && x !== undefined).map(strval);
  if (v === null || v === undefined) return [];
  return [strval(v)];
}

export const withoutNil = (vs: Value[]): Value[] => vs.filter((v) => v !== null && v !== undefined);
