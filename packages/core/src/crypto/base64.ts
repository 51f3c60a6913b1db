import { notImplemented } from '../errors.js';

/**
 * Go `base64.StdEncoding.DecodeString` semantics: standard alphabet, `=` padding required, CR/LF skipped, anything
 * else → SealedSecretsError INVALID_BASE64 with Go's text `illegal base64 data at input byte N`.
 */
export function decodeBase64Strict(text: string): Buffer {
  return notImplemented(`decodeBase64Strict(${text.length})`);
}
