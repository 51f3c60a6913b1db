import { SealedSecretsError } from '../errors.js';

/**
 * An input stream that cannot be read: `INVALID_DOCUMENT` (malformed), `INVALID_ENCODING` (not UTF-8, or a raw
 * control character in YAML) or `DOCUMENT_LIMIT` (over one of the DocumentLimits). The message names the document
 * (numbered from 1) and never quotes its content.
 */
export class DocumentError extends SealedSecretsError {
  /** For INVALID_ENCODING: the problem in the words of Go's YAML reader (`invalid leading UTF-8 octet`). */
  readonly reason: string | undefined;

  constructor(
    code: 'INVALID_DOCUMENT' | 'INVALID_ENCODING' | 'DOCUMENT_LIMIT',
    message: string,
    options?: { cause?: unknown; reason?: string },
  ) {
    super(code, message, options);
    this.name = 'DocumentError';
    this.reason = options?.reason;
  }
}
