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
import {
  COMMANDS,
  type EDIT_FLAGS,
  type KEYS_FLAGS,
  type REENCRYPT_FLAGS,
  type SEAL_FLAGS,
  type SET_FLAGS,
  type VALIDATE_FLAGS,
} from './verbs.js';

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
  /** The verbs that run an upstream mode: `seal`, `validate`, `cert fetch`. */
  const sealLike = (verb: string): VerbCall => {
    const problem = extra([]);
    if (problem !== undefined) return usageError(`${verb}: ${problem}`);
    const chosen =
      verb === 'validate'
        ? { ...options, validate: true }
        : verb === 'cert fetch'
          ? { ...options, fetchCert: true }
          : options;
    return { kind: 'run', options: chosen, plan: dispatch(chosen, terminal) };
  };
  switch (words) {
    case 'validate': {
      const problem = extra([]);
      if (problem !== undefined) return usageError(`${words}: ${problem}`);
      // Offline (issue 14): its own mode, which reads no kubeconfig.
      const { offline, certSet } = parsed.options as Partial<Options<typeof VALIDATE_FLAGS>>;
      if (offline === true || (certSet ?? '') !== '') {
        if (offline !== true) return usageError('validate: --cert-set is only used with --offline');
        if ((certSet ?? '') === '')
          return usageError('validate --offline: --cert-set FILE|DIR (the pinned certificates) is required');
        const input =
          options.secretFile === ''
            ? ({ kind: 'stdin' } as const)
            : ({ kind: 'file', path: options.secretFile } as const);
        return {
          kind: 'run',
          options,
          plan: {
            mode: { kind: 'validate-offline', certSet: certSet ?? '' },
            input,
            output: { kind: 'stdout' },
            notices: [],
          },
        };
      }
      // Online: upstream's --validate.
      return sealLike(words);
    }
    case 'seal': {
      const update = (parsed.options as Options<typeof SEAL_FLAGS>).update;
      if (update === '') return sealLike(words);
      const problem = extra([]);
      if (problem !== undefined) return usageError(`${words}: ${problem}`);
      const keyFile = (parsed.options as Options<typeof SEAL_FLAGS>).updateKeyFile;
      const conflict = [
        ['sealed-secret-file', '-w'],
        ['merge-into', '--merge-into'],
      ].find(([name]) => parsed.sources[name as keyof typeof parsed.sources] !== 'default');
      if (conflict !== undefined)
        return usageError(`seal: --update edits the file in place, it takes no ${conflict[1] ?? ''}`);
      if (keyFile === '')
        return usageError(
          'seal: --update needs --update-key-file FILE (or SEALED_SECRETS_UPDATE_KEY_FILE), the key of the update tags',
        );
      const plan = dispatch(options, terminal);
      return {
        kind: 'run',
        options,
        plan: { ...plan, output: { kind: 'stdout' }, mode: { kind: 'seal-update', file: update, keyFile } },
      };
    }
    case 'edit': {
      const problem = extra(['NAME']);
      if (problem !== undefined) return usageError(`${words}: ${problem}`);
      if (options.secretFile === '')
        return usageError('edit: -f FILE (the SealedSecret file to edit) is required');
      if (options.recoveryPrivateKey.length === 0)
        return usageError('edit: --recovery-private-key FILE (the backed-up private key) is required');
      const updateKeyFile = (parsed.options as Options<typeof EDIT_FLAGS>).updateKeyFile;
      const mode = {
        kind: 'edit',
        file: options.secretFile,
        name: args[0] ?? '',
        keyFiles: options.recoveryPrivateKey,
        updateKeyFile,
      } as const;
      return { kind: 'run', options, plan: simple(mode) };
    }
    case 'cert fetch':
      return sealLike(words);
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
      // `--` ends the flags, as for check: a path after it may start with `-`.
      const named = [...args, ...parsed.afterDash];
      const paths = options.secretFile === '' ? named : [...named, options.secretFile];
      // Files are re-encrypted where they are: -n then only says which kubeconfig namespace to use.
      const namespace =
        paths.length === 0 && parsed.sources['namespace'] !== 'default' ? options.namespace : undefined;
      const { dryRun, all } = parsed.options as Options<typeof REENCRYPT_FLAGS>;
      const recoveryKeys = options.recoveryPrivateKey;
      if (recoveryKeys.length > 0 && (paths.length === 0 || options.cert === '')) {
        return usageError(
          'reencrypt: offline re-encryption (--recovery-private-key) needs PATHs and --cert (the certificate to re-encrypt to)',
        );
      }
      if (recoveryKeys.length === 0 && options.cert !== '') {
        return usageError(
          'reencrypt: --cert is only for offline re-encryption, with --recovery-private-key (online, the controller seals)',
        );
      }
      return {
        kind: 'run',
        options,
        plan: simple({ kind: 'reencrypt', paths, namespace, dryRun, all, recoveryKeys }),
      };
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
