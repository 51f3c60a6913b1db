/** Stable codes of the CLI's own errors (core errors keep their own `code`). */
export type CliErrorCode =
  | 'USAGE' // flag parsing failed: usage + message, exit code 2
  | 'INPUT' // unreadable or malformed input
  | 'OUTPUT' // cannot render or write the output
  | 'CERT' // certificate could not be obtained
  | 'KUBECONFIG' // kubeconfig could not be loaded or is unusable
  | 'KUBECONFIG_EMPTY' // no kubeconfig at all (client-go's ErrEmptyConfig)
  | 'CLUSTER' // the API server or the controller refused or failed
  | 'INVALID_ARGUMENT' // flags are well-formed but do not fit together
  | 'CHECK'; // `kubeseal check` found plain Secrets or could not read a file

/** An error whose message is printed as `error: <message>` (one line per message line), exit code 1. */
export class CliError extends Error {
  readonly code: CliErrorCode;
  /** Extra lines printed after the error, e.g. `hint: ...`; never secret material. */
  readonly hints: readonly string[];
  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown; hints?: readonly string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.hints = options?.hints ?? [];
  }
}

/** Go's `<op> <path>: <reason>` text for a failed file-system call (shared with the kubeconfig loader). */
export { describeFsError } from '@ssts/kube/text';
