import {
  FlagError,
  SHELLS,
  commandHelp,
  completionScript,
  parseFlags,
  resolveCommand,
  type CommandDef,
  type FlagTable,
  type Options,
  type ParseResult,
} from '@ssts/flags';
import { dispatch, type Plan, type Terminal } from './dispatch.js';
import { FLAGS } from './flags.js';
import { KUBESEAL_ENV, cliOptions, type CliOptions } from './program.js';
import { COMMANDS, type KEYS_FLAGS, type SEAL_FLAGS, type SET_FLAGS } from './verbs.js';

export type VerbCall =
  | { readonly kind: 'usage-error'; readonly message: string; readonly help: string }
  /** `--help`, or what `completion SHELL` prints. */
  | { readonly kind: 'print'; readonly text: string }
  | { readonly kind: 'run'; readonly options: CliOptions; readonly plan: Plan };

/** Every upstream flag at its default, without the environment: a verb reads only its own flags' variables. */
const DEFAULTS = parseFlags(FLAGS, []);

/**
 * A verb's options as the full option set: its own flags over the defaults. The verb tables reuse the upstream
 * definitions, so a shared name has the same type in both; `from-literal` (set's own) rides along unused.
 */
function asCliOptions<T extends FlagTable>(parsed: ParseResult<T>): CliOptions {
  const options = { ...DEFAULTS.options, ...parsed.options } as Options<typeof FLAGS>;
  const sources = { ...DEFAULTS.sources, ...parsed.sources } as ParseResult<typeof FLAGS>['sources'];
  return cliOptions({ ...DEFAULTS, options, sources, helpRequested: parsed.helpRequested });
}

function expectArgs(args: readonly string[], names: readonly string[]): string | undefined {
  if (args.length === names.length) return undefined;
  const got = args.length === 0 ? 'none' : args.map((a) => JSON.stringify(a)).join(' ');
  if (names.length === 0) return `takes no arguments (files go with -f), got ${got}`;
  return `takes ${names.join(' ')}, got ${got}`;
}

/**
 * Parses a command line whose first word is a verb (`seal`, `set`, `unset`, `cert fetch|show`, `validate`,
 * `completion`) and plans it: the upstream modes for seal, validate and cert fetch, new modes for the rest.
 */
export function parseVerb(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  terminal: Terminal,
): VerbCall {
  const { path, rest } = resolveCommand(COMMANDS, argv);
  const command: CommandDef = path.at(-1) ?? COMMANDS;
  const help = commandHelp(path);
  const words = path
    .slice(1)
    .map((c) => c.name)
    .join(' ');
  let parsed;
  try {
    parsed = parseFlags(command.flags ?? {}, rest, env, KUBESEAL_ENV);
  } catch (error) {
    if (error instanceof FlagError) return { kind: 'usage-error', message: error.message, help };
    throw error;
  }
  const common = asCliOptions(parsed);
  // `seal` and `set` add the seal hints unless `--no-seal-hints` (the upstream command line: only with --seal-hints).
  const noHints = (parsed.options as Partial<Options<typeof SEAL_FLAGS>>).noSealHints;
  const options = noHints === undefined ? common : { ...common, sealHints: !noHints };
  if (options.help) return { kind: 'print', text: help };
  const { args } = parsed;
  const usageError = (message: string): VerbCall => ({ kind: 'usage-error', message, help });
  const simple = (mode: Plan['mode']): Plan => ({
    mode,
    input: { kind: 'stdin' },
    output: { kind: 'stdout' },
    notices: [],
  });

  if (command.commands !== undefined) {
    const [word] = args;
    return usageError(
      word === undefined ? `${words}: missing command` : `${words}: unknown command "${word}"`,
    );
  }
  const extra = (expected: readonly string[]): string | undefined => expectArgs(args, expected);
  switch (words) {
    case 'seal':
    case 'validate':
    case 'cert fetch': {
      const problem = extra([]);
      if (problem !== undefined) return usageError(`${words}: ${problem}`);
      const chosen =
        words === 'validate'
          ? { ...options, validate: true }
          : words === 'cert fetch'
            ? { ...options, fetchCert: true }
            : options;
      return { kind: 'run', options: chosen, plan: dispatch(chosen, terminal) };
    }
    case 'cert show': {
      const problem = extra([]);
      if (problem !== undefined) return usageError(`${words}: ${problem}`);
      return { kind: 'run', options, plan: simple({ kind: 'cert-show' }) };
    }
    case 'set':
    case 'unset': {
      const problem = extra(['NAME', 'KEY']);
      if (problem !== undefined) return usageError(`${words}: ${problem}`);
      const [name = '', key = ''] = args;
      if (options.secretFile === '')
        return usageError(`${words}: -f FILE (the SealedSecret file to edit) is required`);
      if (words === 'unset') {
        return { kind: 'run', options, plan: simple({ kind: 'unset', file: options.secretFile, name, key }) };
      }
      const literal = (parsed.options as Options<typeof SET_FLAGS>).fromLiteral;
      const sources = [options.fromFile.length > 0, parsed.sources['from-literal'] !== 'default'];
      if (sources.filter(Boolean).length > 1 || options.fromFile.length > 1) {
        return usageError('set: give the value once: --from-file FILE, --from-literal VALUE or stdin');
      }
      const value =
        options.fromFile[0] !== undefined
          ? ({ kind: 'file', path: options.fromFile[0] } as const)
          : parsed.sources['from-literal'] !== 'default'
            ? ({ kind: 'literal', text: literal } as const)
            : ({ kind: 'stdin' } as const);
      return {
        kind: 'run',
        options,
        plan: simple({ kind: 'set', file: options.secretFile, name, key, value }),
      };
    }
    case 'keys': {
      if (args.length > 0) return usageError(`keys: takes no arguments, got ${JSON.stringify(args[0])}`);
      const output = (parsed.options as Options<typeof KEYS_FLAGS>).output;
      return { kind: 'run', options, plan: simple({ kind: 'keys', output }) };
    }
    case 'reencrypt': {
      const paths = options.secretFile === '' ? [...args] : [...args, options.secretFile];
      // Files are re-encrypted where they are: -n then only says which kubeconfig namespace to use.
      const namespace =
        paths.length === 0 && parsed.sources['namespace'] !== 'default' ? options.namespace : undefined;
      return { kind: 'run', options, plan: simple({ kind: 'reencrypt', paths, namespace }) };
    }
    case 'check':
      // `--` ends the flags: a path after it may start with `-`.
      return {
        kind: 'run',
        options,
        plan: simple({ kind: 'check', paths: [...args, ...parsed.afterDash] }),
      };
    case 'help': {
      const target = resolveCommand(COMMANDS, args);
      if (target.rest.length > 0) return usageError(`help: unknown command "${args.join(' ')}"`);
      // The root's flags are upstream's, which `kubeseal --help` lists: here only the verbs.
      const path = target.path.length === 1 ? [{ ...COMMANDS, flags: {} }] : target.path;
      return { kind: 'print', text: commandHelp(path) };
    }
    case 'completion': {
      const [shell] = args;
      const known = SHELLS.find((s) => s === shell);
      if (args.length !== 1 || known === undefined) {
        return usageError(`completion: expected one of ${SHELLS.join(', ')}`);
      }
      return { kind: 'print', text: completionScript(known, 'kubeseal', COMMANDS) };
    }
    default:
      return usageError(`unknown command "${words}"`);
  }
}
