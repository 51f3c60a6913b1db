import { Command, CommanderError, Option } from 'commander';
import { ENV_FLAGS, FLAGS, envVariableName, type FlagSpec } from './flags.js';

/** Every flag value after the env pass (compat §6.2) and the command line; names follow the flags. */
export interface CliOptions {
  cert: string;
  controllerNamespace: string;
  controllerName: string;
  format: string;
  /** Whether `-o` came from the command line or the environment (merge-into keeps the file's format otherwise). */
  formatExplicit: boolean;
  sealedSecretFile: string;
  secretFile: string;
  fetchCert: boolean;
  allowEmptyData: boolean;
  validate: boolean;
  mergeInto: string;
  raw: boolean;
  name: string;
  fromFile: string[];
  kubeconfig: string;
  scope: string;
  /** Whether `--scope` came from the command line or the environment. */
  scopeExplicit: boolean;
  reEncrypt: boolean;
  recoveryUnseal: boolean;
  recoveryPrivateKey: string[];
  help: boolean;
  version: boolean;
  /** `-n` without a leading `ns/`, `namespace/` or `namespaces/`. */
  namespace: string;
  context: string;
  cluster: string;
  user: string;
  server: string;
  token: string;
  as: string;
  asUid: string;
  asGroup: string[];
  username: string;
  password: string;
  clientCertificate: string;
  clientKey: string;
  certificateAuthority: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName: string;
  proxyUrl: string;
  disableCompression: boolean;
  requestTimeout: string;
}

export type ParseResult = { kind: 'ok'; options: CliOptions } | { kind: 'usage-error'; message: string };

type FlagValue = string | boolean | string[];

const FLAG_BY_NAME = new Map(FLAGS.map((f) => [f.name, f]));
const FLAG_BY_SHORT = new Map(FLAGS.filter((f) => f.short !== undefined).map((f) => [f.short, f]));

class FlagValueError extends Error {}

/** Go strconv.ParseBool. */
function parseBool(flag: FlagSpec, text: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  throw new FlagValueError(
    `invalid argument "${text}" for "--${flag.name}" flag: strconv.ParseBool: parsing "${text}": invalid syntax`,
  );
}

function splitSlice(text: string): string[] {
  return text === '' ? [] : text.split(',');
}

function valueFromText(flag: FlagSpec, text: string): FlagValue {
  switch (flag.kind) {
    case 'bool':
      return parseBool(flag, text);
    case 'stringSlice':
      return splitSlice(text);
    case 'stringArray':
      return [text];
    case 'string':
      return text;
  }
}

/** Rewrites pflag-only syntax (`--bool=false`, `-o=json`) into forms commander understands. */
function normalizeArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    // pflag refuses `---x` and `--=x` before looking the name up.
    if (/^--[-=]/.test(arg)) throw new FlagValueError(`bad flag syntax: ${arg}`);
    const separate = /^--([^=]+)$/.exec(arg)?.[1] ?? /^-([^-])$/.exec(arg)?.[1];
    const takesValue =
      separate !== undefined && (FLAG_BY_NAME.get(separate) ?? FLAG_BY_SHORT.get(separate))?.kind;
    if (takesValue !== undefined && takesValue !== 'bool' && i + 1 < argv.length) {
      // `--name value`: the value is not a flag, whatever it looks like.
      out.push(arg, argv[++i] ?? '');
      continue;
    }
    const long = /^--([^=]+)=(.*)$/s.exec(arg);
    const longFlag = long ? FLAG_BY_NAME.get(long[1] ?? '') : undefined;
    if (long && longFlag?.kind === 'bool') {
      out.push(parseBool(longFlag, long[2] ?? '') ? `--${longFlag.name}` : `--no-${longFlag.name}`);
      continue;
    }
    const short = /^-([^-])=(.*)$/s.exec(arg);
    if (short && FLAG_BY_SHORT.has(short[1])) {
      out.push(`-${short[1] ?? ''}`, short[2] ?? '');
      continue;
    }
    out.push(arg);
  }
  return out;
}

function pflagMessage(error: CommanderError): string {
  const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  const flag = quoted.split(/[ ,]/)[0] ?? quoted;
  if (error.code === 'commander.unknownOption') {
    // pflag names a long flag without its `=value`, and a shorthand with the whole argument.
    return flag.startsWith('--')
      ? `unknown flag: ${flag.split('=')[0] ?? flag}`
      : `unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}`;
  }
  if (error.code === 'commander.optionMissingArgument') {
    const longName = /--([^\s,]+)/.exec(quoted)?.[1];
    return `flag needs an argument: --${longName ?? flag}`;
  }
  return error.message.replace(/^error: /, '');
}

function buildCommand(): { command: Command; options: Map<string, Option> } {
  const command = new Command('kubeseal')
    .helpOption(false)
    .allowExcessArguments(true)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined });
  const options = new Map<string, Option>();
  for (const flag of FLAGS) {
    const names = `${flag.short === undefined ? '' : `-${flag.short}, `}--${flag.name}`;
    const option =
      flag.kind === 'bool'
        ? new Option(names)
        : new Option(`${names} <value>`).argParser((value: string, previous: unknown) =>
            flag.kind === 'string'
              ? value
              : [
                  ...(Array.isArray(previous) ? (previous as string[]) : []),
                  ...(valueFromText(flag, value) as string[]),
                ],
          );
    command.addOption(option);
    options.set(flag.name, option);
    if (flag.kind === 'bool') command.addOption(new Option(`--no-${flag.name}`).hideHelp());
  }
  // pflag answers `-h` with the usage although it is not a defined flag.
  command.addOption(new Option('-h').hideHelp());
  return { command, options };
}

/** Parses the command line the way kubeseal's pflag set does, with `SEALED_SECRETS_*` defaults (compat §6.1–6.2). */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParseResult {
  const values = new Map<string, FlagValue>();
  try {
    for (const flag of ENV_FLAGS) {
      const text = env[envVariableName(flag)];
      if (text !== undefined && text !== '') values.set(flag.name, valueFromText(flag, text));
    }
    const { command, options } = buildCommand();
    command.parse(normalizeArgv(argv), { from: 'user' });
    for (const [name, option] of options) {
      const value = command.getOptionValue(option.attributeName()) as FlagValue | undefined;
      if (value !== undefined) values.set(name, value);
    }
    if (command.getOptionValue('h') === true) values.set('help', true);
  } catch (error) {
    if (error instanceof FlagValueError) return { kind: 'usage-error', message: error.message };
    if (error instanceof CommanderError) return { kind: 'usage-error', message: pflagMessage(error) };
    throw error;
  }
  const scope = values.get('scope');
  if (typeof scope === 'string' && !['', 'strict', 'namespace-wide', 'cluster-wide'].includes(scope)) {
    return {
      kind: 'usage-error',
      message: `invalid argument "${scope}" for "--scope" flag: must be one of: strict, namespace-wide, cluster-wide`,
    };
  }
  const str = (name: string): string => {
    const v = values.get(name);
    return typeof v === 'string' ? v : (FLAG_BY_NAME.get(name)?.defaultValue ?? '');
  };
  const bool = (name: string): boolean => values.get(name) === true;
  const list = (name: string): string[] => {
    const v = values.get(name);
    return Array.isArray(v) ? v : [];
  };
  return {
    kind: 'ok',
    options: {
      cert: str('cert'),
      controllerNamespace: str('controller-namespace'),
      controllerName: str('controller-name'),
      format: str('format'),
      formatExplicit: values.has('format'),
      sealedSecretFile: str('sealed-secret-file'),
      secretFile: str('secret-file'),
      fetchCert: bool('fetch-cert'),
      allowEmptyData: bool('allow-empty-data'),
      validate: bool('validate'),
      mergeInto: str('merge-into'),
      raw: bool('raw'),
      name: str('name'),
      fromFile: list('from-file'),
      kubeconfig: str('kubeconfig'),
      scope: str('scope'),
      scopeExplicit: values.has('scope'),
      reEncrypt: bool('re-encrypt') || bool('rotate'),
      recoveryUnseal: bool('recovery-unseal'),
      recoveryPrivateKey: list('recovery-private-key'),
      help: bool('help'),
      version: bool('version'),
      namespace: str('namespace').replace(/^(ns|namespace|namespaces)\//i, ''),
      context: str('context'),
      cluster: str('cluster'),
      user: str('user'),
      server: str('server'),
      token: str('token'),
      as: str('as'),
      asUid: str('as-uid'),
      asGroup: list('as-group'),
      username: str('username'),
      password: str('password'),
      clientCertificate: str('client-certificate'),
      clientKey: str('client-key'),
      certificateAuthority: str('certificate-authority'),
      insecureSkipTlsVerify: bool('insecure-skip-tls-verify'),
      tlsServerName: str('tls-server-name'),
      proxyUrl: str('proxy-url'),
      disableCompression: bool('disable-compression'),
      requestTimeout: str('request-timeout'),
    },
  };
}
