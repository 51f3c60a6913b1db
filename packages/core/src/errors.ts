/** Stable error codes of the core. Messages are user-facing and never contain decrypted values or keys. */
export type CoreErrorCode =
  | 'INVALID_OBJECT' // untrusted input is not a valid Secret / SealedSecret
  | 'INVALID_BASE64' // a value is not strict standard base64 with padding
  | 'DECRYPT_FAILED' // no key could decrypt a value (wrong key, wrong label/scope, tampered, truncated)
  | 'UNSEAL_FAILED' // aggregate of per-item failures (see UnsealError)
  | 'TEMPLATE' // spec.template.data could not be parsed or rendered
  | 'TEMPLATE_TIME_BUDGET' // the templates of one object ran past their wall-clock budget
  | 'LEGACY_DATA' // legacy spec.data rejected
  | 'INVALID_SCOPE'
  | 'MISSING_NAME'
  | 'MISSING_NAMESPACE'
  | 'EMPTY_DATA'
  | 'INVALID_KEY' // private key PEM / key Secret cannot be used
  | 'INVALID_CERT' // certificate PEM cannot be used
  | 'CERT_EXPIRED'
  | 'INVALID_DOCUMENT' // an input stream (YAML/JSON) is malformed
  | 'INVALID_ENCODING' // an input stream is not UTF-8, or YAML with a raw control character
  | 'DOCUMENT_LIMIT'; // an input stream is over a size, depth, token or document bound

export class SealedSecretsError extends Error {
  readonly code: CoreErrorCode;
  constructor(code: CoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SealedSecretsError';
    this.code = code;
  }
}

/** One failed item of an unseal: the data key and the error text (compat §2.6 step 3–4). */
export interface ItemFailure {
  readonly key: string;
  readonly source: 'encryptedData' | 'template';
  readonly code: CoreErrorCode;
  /** Go-compatible text without the key, e.g. `no key could decrypt secret`. */
  readonly message: string;
}

/** What can be said about a failed decryption without leaking anything (for CLI hints, logs). */
export interface UnsealDiagnostics {
  readonly scope: 'strict' | 'namespace-wide' | 'cluster-wide';
  /** The OAEP label used, as text (`ns/name`, `ns` or empty). */
  readonly label: string;
  readonly keysTried: number;
}

/**
 * Unsealing failed. `message` is exactly the Go controller's text (compat §2.6 step 5): identical messages grouped
 * with their keys, e.g. `no key could decrypt secret (foo, bar)`, distinct messages joined with `\n`.
 */
export class UnsealError extends SealedSecretsError {
  readonly failures: readonly ItemFailure[];
  readonly diagnostics: UnsealDiagnostics | undefined;
  constructor(message: string, failures: readonly ItemFailure[], diagnostics?: UnsealDiagnostics) {
    super(failures.length > 0 ? 'UNSEAL_FAILED' : 'LEGACY_DATA', message);
    this.name = 'UnsealError';
    this.failures = failures;
    this.diagnostics = diagnostics;
  }
}
