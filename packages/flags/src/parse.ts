import { camelCase, type FlagDef, type FlagName, type FlagTable, type Options } from './flag.js';
import { GoSyntaxError, goQuote, goQuoteRune } from './go-strconv.js';

export type FlagErrorCode =
  | 'UNKNOWN_FLAG' // unknown flag: --x
  | 'UNKNOWN_SHORTHAND' // unknown shorthand flag: 'x' in -x
  | 'MISSING_ARGUMENT' // flag needs an argument: --x
  | 'BAD_VALUE' // invalid argument "v" for "--x" flag: <reason>
  | 'BAD_SYNTAX'; // bad flag syntax: ---x

/** A command line (or environment value) pflag refuses; `message` is pflag's text. */
export class FlagError extends Error {
  readonly code: FlagErrorCode;
  /** The flag's name, when the error is about a defined flag. */
  readonly flag: string | undefined;
  /** BAD_VALUE: pflag's type word (`int`, `bool`, `duration`, …) and the reason after `flag: `. */
  readonly typeName: string | undefined;
  readonly reason: string | undefined;
  constructor(
    code: FlagErrorCode,
    message: string,
    details: { flag?: string; typeName?: string; reason?: string } = {},
  ) {
    super(message);
    this.name = 'FlagError';
    this.code = code;
    this.flag = details.flag;
    this.typeName = details.typeName;
    this.reason = details.reason;
  }
}

/** How a binary reads flag defaults from its environment. */
export interface EnvRules {
  /** `SEALED_SECRETS_`: the variable is the prefix plus the flag name upper-cased, `-` → `_`. */
  readonly prefix: string;
  /** A value that does not parse: an error (kubeseal) or silently ignored (the controller, as pflagenv does). */
  readonly invalid: 'error' | 'ignore';
  /** An empty variable: as if unset (kubeseal), or a value like any other (the controller). */
  readonly empty: 'unset' | 'value';
  /** Order of the env pass: the table's (kubeseal) or sorted by name (pflag's VisitAll; aliases then win). */
  readonly order: 'table' | 'name';
}

export type Env = Readonly<Record<string, string | undefined>>;

export type Source = 'default' | 'environment' | 'command-line';

export interface ParseResult<T extends FlagTable> {
  readonly options: Options<T>;
  /** Where each flag's value came from (kubeseal: `-o` from anywhere but the default keeps a file's format). */
  readonly sources: { readonly [K in FlagName<T>]: Source };
  /** Arguments that are not flags, in order, up to `--` (pflag allows them between flags). */
  readonly args: readonly string[];
  /** Everything after `--`. */
  readonly afterDash: readonly string[];
  /** `-h` (or `--help`) where the table defines no such flag: pflag stops parsing and prints the usage. */
  readonly helpRequested: boolean;
}

export function envVariable(prefix: string, name: string): string {
  return `${prefix}${name.toUpperCase().replaceAll('-', '_')}`;
}

/** pflag's name for a flag in messages: `-o, --format` when it has a shorthand. */
function displayName(name: string, def: FlagDef<unknown>): string {
  return def.short === undefined ? `--${name}` : `-${def.short}, --${name}`;
}

interface Slot {
  value: unknown;
  source: Source;
}

class FlagState<T extends FlagTable> {
  readonly slots = new Map<string, Slot>();
  constructor(readonly table: T) {
    for (const [name, def] of Object.entries(table))
      this.slots.set(name, { value: def.default, source: 'default' });
  }

  set(name: string, text: string, source: Source): void {
    const def = this.table[name];
    if (def === undefined) throw new Error(`flag ${name} is not defined`);
    let value: unknown;
    try {
      value = def.type.parse(text);
    } catch (error) {
      if (!(error instanceof GoSyntaxError)) throw error;
      throw new FlagError(
        'BAD_VALUE',
        `invalid argument ${goQuote(text)} for ${goQuote(displayName(name, def))} flag: ${error.reason}`,
        { flag: name, typeName: def.type.typeName, reason: error.reason },
      );
    }
    for (const target of def.alias === undefined ? [name] : [name, def.alias]) {
      const slot = this.slots.get(target);
      if (slot === undefined) throw new Error(`flag ${name} is an alias of ${target}, which is not defined`);
      // Repeating a list flag on the command line adds to it; its first use replaces the default and the
      // environment's value (pflag appends to the environment's; kubeseal README, quirk §6.2).
      const add = def.type.accumulates && source === 'command-line' && slot.source === 'command-line';
      this.slots.set(target, {
        value: add ? [...(slot.value as readonly unknown[]), ...(value as readonly unknown[])] : value,
        // As pflag's `Changed`, the source belongs to the flag that was named, not to the one it aliases.
        source: target === name ? source : slot.source,
      });
    }
  }

  result(args: string[], afterDash: string[], helpRequested: boolean): ParseResult<T> {
    const options: Record<string, unknown> = {};
    const sources: Record<string, Source> = {};
    for (const [name, slot] of this.slots) {
      options[camelCase(name)] = slot.value;
      sources[name] = slot.source;
    }
    return {
      options: options as Options<T>,
      sources: sources as ParseResult<T>['sources'],
      args,
      afterDash,
      helpRequested,
    };
  }
}

function applyEnv<T extends FlagTable>(state: FlagState<T>, env: Env, rules: EnvRules): void {
  const names = Object.keys(state.table);
  if (rules.order === 'name') names.sort();
  for (const name of names) {
    if (state.table[name]?.env === false) continue;
    const text = env[envVariable(rules.prefix, name)];
    if (text === undefined || (text === '' && rules.empty === 'unset')) continue;
    try {
      state.set(name, text, 'environment');
    } catch (error) {
      if (error instanceof FlagError && rules.invalid === 'ignore') continue;
      throw error;
    }
  }
}

class HelpRequested {}

/**
 * Parses `argv` with pflag's rules: `--flag=value`, `--flag value` (the value is taken whatever it looks like),
 * bare booleans and `--bool=false`, `-o yaml`, `-oyaml`, `-o=yaml`, bundled shorthands, `--` ending the flags,
 * arguments between flags; pflag's error texts (FlagError). Environment defaults follow `envRules`; the command
 * line wins.
 */
export function parseFlags<T extends FlagTable>(
  table: T,
  argv: readonly string[],
  env: Env = {},
  envRules?: EnvRules,
): ParseResult<T> {
  const state = new FlagState(table);
  if (envRules !== undefined) applyEnv(state, env, envRules);
  const byShort = new Map<string, string>();
  for (const [name, def] of Object.entries(table)) if (def.short !== undefined) byShort.set(def.short, name);

  const args: string[] = [];
  const afterDash: string[] = [];
  let i = 0;
  const next = (): string | undefined => (i < argv.length ? argv[i++] : undefined);
  try {
    for (let arg = next(); arg !== undefined; arg = next()) {
      if (arg.length < 2 || !arg.startsWith('-')) {
        args.push(arg);
      } else if (arg === '--') {
        afterDash.push(...argv.slice(i));
        break;
      } else if (arg.startsWith('--')) {
        parseLong(arg);
      } else {
        parseShorts(arg);
      }
    }
  } catch (error) {
    if (error instanceof HelpRequested) return state.result(args, afterDash, true);
    throw error;
  }
  return state.result(args, afterDash, false);

  function parseLong(arg: string): void {
    const body = arg.slice(2);
    if (body.startsWith('-') || body.startsWith('='))
      throw new FlagError('BAD_SYNTAX', `bad flag syntax: ${arg}`);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const def = table[name];
    if (def === undefined) {
      if (name === 'help') throw new HelpRequested();
      throw new FlagError('UNKNOWN_FLAG', `unknown flag: --${name}`);
    }
    let text: string;
    if (eq >= 0) text = body.slice(eq + 1);
    else if (def.type.bareValue !== undefined) text = def.type.bareValue;
    else {
      const value = next();
      if (value === undefined)
        throw new FlagError('MISSING_ARGUMENT', `flag needs an argument: ${arg}`, { flag: name });
      text = value;
    }
    state.set(name, text, 'command-line');
  }

  /** `-abc`: each letter a shorthand; one that takes a value takes the rest of the argument, or the next one. */
  function parseShorts(arg: string): void {
    // Go works on bytes: the first byte of a non-ASCII shorthand is what its message shows.
    let rest = arg.slice(1);
    while (rest !== '') {
      if (rest.startsWith('test.')) return; // `go test` flags, ignored by pflag
      const letter = rest[0] ?? '';
      const name = byShort.get(letter);
      const def = name === undefined ? undefined : table[name];
      if (name === undefined || def === undefined) {
        if (letter === 'h') throw new HelpRequested();
        const firstByte = new TextEncoder().encode(rest)[0] ?? 0;
        throw new FlagError(
          'UNKNOWN_SHORTHAND',
          `unknown shorthand flag: ${goQuoteRune(String.fromCharCode(firstByte))} in -${rest}`,
        );
      }
      let text: string;
      if (rest.length > 2 && rest[1] === '=') {
        text = rest.slice(2);
        rest = '';
      } else if (def.type.bareValue !== undefined) {
        text = def.type.bareValue;
        rest = rest.slice(1);
      } else if (rest.length > 1) {
        text = rest.slice(1);
        rest = '';
      } else {
        const value = next();
        if (value === undefined) {
          throw new FlagError(
            'MISSING_ARGUMENT',
            `flag needs an argument: ${goQuoteRune(letter)} in -${rest}`,
            {
              flag: name,
            },
          );
        }
        text = value;
        rest = '';
      }
      state.set(name, text, 'command-line');
    }
  }
}
