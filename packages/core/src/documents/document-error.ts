import { SealedSecretsError } from '../errors.js';

/**
 * An input stream that cannot be read: `INVALID_DOCUMENT` (malformed) or `DOCUMENT_LIMIT` (over one of the
 * DocumentLimits). The message names the document (numbered from 1) and never quotes its content.
 */
export class DocumentError extends SealedSecretsError {
  constructor(code: 'INVALID_DOCUMENT' | 'DOCUMENT_LIMIT', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'DocumentError';
  }
}
