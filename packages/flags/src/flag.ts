import { readCsvRecord } from './go-csv.js';
import { formatGoDuration, parseGoDurationOrThrow } from './go-duration.js';
import { GoSyntaxError, parseGoBoolOrThrow, parseGoFloat32, parseGoInt } from './go-strconv.js';

/** How a flag's text becomes its value: one of pflag's value types. */
export interface ValueType<T> {
  /** pflag's `Value.Type()`: the word in the usage (`string`, `int`, `duration`, `strings`; nothing for bool). */
  readonly typeName: string;
  /** Parses a command-line or environment text; throws GoSyntaxError with pflag's reason. */
  parse(text: string): T;
  /** pflag's `DefValue` text, shown as `(default …)` unless it is the type's zero. */
  show(value: T): string;
  isZero(value: T): boolean;
  /** Setting the flag again on the command line adds to the value (slices) instead of replacing it. */
  readonly accumulates: boolean;
  /** pflag's `NoOptDefVal`: the text a bare `--flag` stands for (`true` for bools); no value is read then. */
  readonly bareValue?: string;
}

/** What the shell completes after the flag. */
export type Completion = 'file' | 'directory' | 'none' | readonly string[];

export interface FlagDef<T> {
  readonly type: ValueType<T>;
  readonly default: T;
  readonly usage: string;
  /** One-letter shorthand (`-o`). */
  readonly short?: string;
  /** Read from the binary's environment prefix (`SEALED_SECRETS_<NAME>`); default true. */
  readonly env?: boolean;
  /** Accepted but not listed in the usage or in completions (klog flags). */
  readonly hidden?: boolean;
  /** Another flag whose value this one also sets (pflag: two flags bound to one variable). */
  readonly alias?: string;
  readonly complete?: Completion;
}

export interface FlagOptions<T> {
  readonly default?: T;
  readonly short?: string;
  readonly env?: boolean;
  readonly hidden?: boolean;
  readonly alias?: string;
  readonly complete?: Completion;
}

function define<T>(type: ValueType<T>, fallback: T, usage: string, options: FlagOptions<T> = {}): FlagDef<T> {
  const { default: value = fallback, ...rest } = options;
  return { type, default: value, usage, ...rest };
}

const BOOL: ValueType<boolean> = {
  typeName: 'bool',
  parse: parseGoBoolOrThrow,
  show: String,
  isZero: (v) => !v,
  accumulates: false,
  bareValue: 'true',
};

const STRING: ValueType<string> = {
  typeName: 'string',
  parse: (text) => text,
  show: (v) => v,
  isZero: (v) => v === '',
  accumulates: false,
};

const INT: ValueType<number> = {
  typeName: 'int',
  parse: parseGoInt,
  show: String,
  isZero: (v) => v === 0,
  accumulates: false,
};

const FLOAT32: ValueType<number> = {
  typeName: 'float32',
  parse: parseGoFloat32,
  show: (v) => String(Math.fround(v)),
  isZero: (v) => v === 0,
  accumulates: false,
};

/** Milliseconds. */
const DURATION: ValueType<number> = {
  typeName: 'duration',
  parse: parseGoDurationOrThrow,
  show: formatGoDuration,
  isZero: (v) => v === 0,
  accumulates: false,
};

const showList = (v: readonly string[]): string => `[${v.join(',')}]`;

const STRING_SLICE: ValueType<readonly string[]> = {
  typeName: 'stringSlice',
  // pflag reads an empty text as no items, anything else as one CSV record.
  parse: (text) => (text === '' ? [] : readCsvRecord(text)),
  show: showList,
  isZero: (v) => v.length === 0,
  accumulates: true,
};

const STRING_ARRAY: ValueType<readonly string[]> = {
  typeName: 'stringArray',
  parse: (text) => [text],
  show: showList,
  isZero: (v) => v.length === 0,
  accumulates: true,
};

/**
 * A string flag that takes one of `choices` (a pflag custom Value whose Type() is `string`); `reason` is its error,
 * and an empty text stands for `empty` when given.
 */
function oneOf<const C extends string>(choices: readonly C[], reason: string, empty?: C): ValueType<C> {
  return {
    typeName: 'string',
    parse: (text) => {
      if (text === '' && empty !== undefined) return empty;
      if (!(choices as readonly string[]).includes(text)) throw new GoSyntaxError(reason);
      return text as C;
    },
    show: (v) => v,
    isZero: (v) => v === '',
    accumulates: false,
  };
}

/** The flag builders: `flag.string('usage', { default: 'x', short: 'o' })`. */
export const flag = {
  bool: (usage: string, options?: FlagOptions<boolean>) => define(BOOL, false, usage, options),
  string: (usage: string, options?: FlagOptions<string>) => define(STRING, '', usage, options),
  int: (usage: string, options?: FlagOptions<number>) => define(INT, 0, usage, options),
  float32: (usage: string, options?: FlagOptions<number>) => define(FLOAT32, 0, usage, options),
  /** A Go duration; the value is in milliseconds. */
  duration: (usage: string, options?: FlagOptions<number>) => define(DURATION, 0, usage, options),
  /** Comma-separated (CSV) and repeatable: `--x a,b --x c` → [a, b, c]. */
  stringSlice: (usage: string, options?: FlagOptions<readonly string[]>) =>
    define(STRING_SLICE, [], usage, options),
  /** Repeatable, never split: `--x a,b --x c` → ['a,b', 'c']. */
  stringArray: (usage: string, options?: FlagOptions<readonly string[]>) =>
    define(STRING_ARRAY, [], usage, options),
  oneOf: <const C extends string>(
    choices: readonly C[],
    reason: string,
    usage: string,
    options: FlagOptions<C> & { readonly default: C; readonly empty?: C },
  ): FlagDef<C> => {
    const { empty, ...rest } = options;
    return define(oneOf(choices, reason, empty), options.default, usage, { complete: choices, ...rest });
  },
};

/** A binary's (or a verb's) flags by name; JavaScript keeps the written order, which env passes may use. */
export type FlagTable = { readonly [name: string]: FlagDef<unknown> };

type ValueOf<D> = D extends FlagDef<infer T> ? T : never;

/** `key-renew-period` → `keyRenewPeriod`. */
export type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** The typed options a table gives: one camelCase property per flag, typed by its value type. */
export type Options<T extends FlagTable> = {
  -readonly [K in keyof T & string as CamelCase<K>]: ValueOf<T[K]>;
};

/** A flag name of the table (a typo is a compile error). */
export type FlagName<T extends FlagTable> = keyof T & string;

export function camelCase(name: string): string {
  return name.replace(/-([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}
