import { FlagError, parseFlags, type EnvRules, type Options } from '@ssts/flags';
import { FLAGS } from './flags.js';

/** kubeseal's environment defaults (compat §6.2): every flag but klog's; a bad value is a usage error. */
export const KUBESEAL_ENV: EnvRules = {
  prefix: 'SEALED_SECRETS_',
  invalid: 'error',
  empty: 'unset',
  order: 'table',
};

/** Every flag value after the env pass (compat §6.2) and the command line, typed from the flag table. */
export type CliOptions = Options<typeof FLAGS> & {
  /** Whether `-o` came from the command line or the environment (merge-into keeps the file's format otherwise). */
  formatExplicit: boolean;
  /** Whether `--scope` came from the command line or the environment. */
  scopeExplicit: boolean;
};

export type ParseResult =
  { kind: 'ok'; options: CliOptions; args: readonly string[] } | { kind: 'usage-error'; message: string };

/** Parses the command line the way kubeseal's pflag set does, with `SEALED_SECRETS_*` defaults (compat §6.1–6.2). */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParseResult {
  let parsed;
  try {
    parsed = parseFlags(FLAGS, argv, env, KUBESEAL_ENV);
  } catch (error) {
    if (error instanceof FlagError) return { kind: 'usage-error', message: error.message };
    throw error;
  }
  return { kind: 'ok', options: cliOptions(parsed), args: parsed.args };
}

/** The parsed flags as kubeseal's options: `-h` is `--help`, `-n ns/x` is `x`. */
export function cliOptions(parsed: ReturnType<typeof parseFlags<typeof FLAGS>>): CliOptions {
  const { options, sources } = parsed;
  return {
    ...options,
    help: options.help || parsed.helpRequested,
    namespace: options.namespace.replace(/^(ns|namespace|namespaces)\//i, ''),
    formatExplicit: sources.format !== 'default',
    scopeExplicit: sources.scope !== 'default',
  };
}
