import { notImplemented } from '../errors.js';
import type { SealedSecret, Secret } from './types.js';

export interface ParseSealedSecretOptions {
  /** `/v1/verify` and `/v1/rotate` need apiVersion+kind; kubeseal --merge-into / --recovery-unseal default them. */
  requireTypeMeta?: boolean;
}

/**
 * Validates an untrusted decoded JSON/YAML value as a SealedSecret. Throws SealedSecretsError INVALID_OBJECT with a
 * precise path (e.g. `spec.encryptedData.foo: expected a string`). Never mutates or keeps references to the input.
 */
export function parseSealedSecret(value: unknown, options?: ParseSealedSecretOptions): SealedSecret {
  return notImplemented(`parseSealedSecret(${typeof value}, ${String(options)})`);
}

/** Validates an untrusted value as a v1 Secret (kind is not checked, as in kubeseal: compat §6.4). */
export function parseSecret(value: unknown): Secret {
  return notImplemented(`parseSecret(${typeof value})`);
}
