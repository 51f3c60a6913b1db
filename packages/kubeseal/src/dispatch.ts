import { CliError } from './errors.js';
import { locateCert } from './io/cert-source.js';
import type { CliOptions } from './program.js';

/** What the command does, chosen in compat §6.3 order (first match wins). */
export type Mode =
  | { kind: 'version' }
  | { kind: 'help' }
  | { kind: 'recovery-unseal'; keyFiles: readonly string[] }
  | { kind: 'validate' }
  // `validate --offline --cert-set …` (issue 14): no cluster.
  | { kind: 'validate-offline'; certSet: string }
  | { kind: 're-encrypt' }
  | { kind: 'fetch-cert' }
  | { kind: 'merge-into'; file: string }
  | { kind: 'raw' }
  | { kind: 'seal' }
  // The verbs' own modes (verb-program.ts); never chosen by flags.
  | { kind: 'cert-show' }
  | { kind: 'set'; file: string; name: string; key: string; value: ValueSource }
  | { kind: 'unset'; file: string; name: string; key: string }
  | { kind: 'seal-update'; file: string; keyFile: string }
  | { kind: 'edit'; file: string; name: string; keyFiles: readonly string[]; updateKeyFile: string }
  // The key verbs (modes/key-verbs.ts, loaded on their own).
  | { kind: 'keys'; output: 'table' | 'json' }
  | {
      kind: 'reencrypt';
      paths: readonly string[];
      namespace: string | undefined;
      /** `--dry-run`: list, write nothing. */
      dryRun: boolean;
      /** `--all`: online, send every object, also those that seem to be on the newest key. */
      all: boolean;
      /** Offline (`--recovery-private-key` files, with `--cert`); empty: through the controller. */
      recoveryKeys: readonly string[];
    }
  // The guard against plain Secrets (modes/check.ts).
  | { kind: 'check'; paths: readonly string[] };

/** Where `kubeseal set` takes the value from. */
export type ValueSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'stdin' };

export type InputSource = { kind: 'file'; path: string } | { kind: 'stdin' };
export type OutputTarget = { kind: 'file'; path: string } | { kind: 'stdout' };

export interface Plan {
  readonly mode: Mode;
  readonly input: InputSource;
  readonly output: OutputTarget;
  /** Lines for stderr before the mode runs. */
  readonly notices: readonly string[];
}

export interface Terminal {
  readonly stdinIsTTY: boolean;
  readonly stderrIsTTY: boolean;
}

export const TTY_NOTICE_RESOURCE = '(tty detected: expecting json/yaml k8s resource in stdin)';
export const TTY_NOTICE_RAW = '(tty detected: expecting a secret to encrypt in stdin)';

function simplePlan(mode: Mode): Plan {
  return { mode, input: { kind: 'stdin' }, output: { kind: 'stdout' }, notices: [] };
}

/**
 * Pure: the plan seals with a certificate from a local file (or unseals with local private keys), so the run opens
 * no connection: no API server, no `--cert http(s)://`.
 */
export function runsOffline(plan: Plan, options: CliOptions): boolean {
  const kind = plan.mode.kind;
  if (kind === 'recovery-unseal') return true;
  if (kind !== 'seal' && kind !== 'raw' && kind !== 'merge-into') return false;
  if (options.cert === '') return false;
  const location = locateCert(options.cert);
  return location.kind === 'path' || location.url.protocol === 'file:';
}

/** Pure: options → plan. Throws CliError for flag combinations upstream rejects. */
export function dispatch(options: CliOptions, terminal: Terminal): Plan {
  if (options.version) return simplePlan({ kind: 'version' });
  if (options.help) return simplePlan({ kind: 'help' });
  if (options.fromFile.length > 0 && !options.raw) {
    throw new CliError('INVALID_ARGUMENT', '--from-file requires --raw');
  }
  const input: InputSource =
    options.secretFile === '' ? { kind: 'stdin' } : { kind: 'file', path: options.secretFile };
  const notices: string[] = [];
  if (input.kind === 'stdin' && terminal.stdinIsTTY && !options.raw && !options.fetchCert) {
    notices.push(TTY_NOTICE_RESOURCE);
  }
  let outputPath = options.sealedSecretFile;
  if (options.reEncrypt && input.kind === 'file' && outputPath === '') outputPath = input.path;
  const output: OutputTarget = outputPath === '' ? { kind: 'stdout' } : { kind: 'file', path: outputPath };

  const plan = (mode: Mode): Plan => ({ mode, input, output, notices });
  if (options.recoveryUnseal) return plan({ kind: 'recovery-unseal', keyFiles: options.recoveryPrivateKey });
  if (options.recoveryPrivateKey.length > 0 && terminal.stderrIsTTY) {
    notices.push('warning: --recovery-private-key is only used together with --recovery-unseal; ignoring it');
  }
  if (options.validate) return plan({ kind: 'validate' });
  if (options.reEncrypt) return plan({ kind: 're-encrypt' });
  if (options.fetchCert) return plan({ kind: 'fetch-cert' });
  if (options.mergeInto !== '') return plan({ kind: 'merge-into', file: options.mergeInto });
  if (options.raw) return plan({ kind: 'raw' });
  return plan({ kind: 'seal' });
}
