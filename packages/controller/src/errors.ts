/** Stable error codes of the controller package. */
export type ControllerErrorCode =
  | 'USAGE' // a flag or its value is invalid (exit code 2, like pflag)
  | 'CONFIG' // the configuration is valid syntax but unusable (bad key prefix, cutoff time)
  | 'KEYS' // key Secrets could not be loaded or generated at startup
  | 'STARTUP' // any other startup failure
  | 'UNSEAL_WORKER' // an unseal worker thread died (out of memory, a bug) while unsealing
  | 'NOT_LEADER'; // a write on a replica that does not hold the leader Lease

export class ControllerError extends Error {
  readonly code: ControllerErrorCode;
  constructor(code: ControllerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ControllerError';
    this.code = code;
  }
}

/** The message of any thrown value, for logs and statuses. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
