import type { KeyObject } from 'node:crypto';
import { notImplemented } from '../errors.js';
import type { KeyEntry } from '../keys/key-ring.js';
import type { SealedSecret, Secret } from '../model/types.js';

/**
 * Decrypts one value with the OAEP label. Must throw SealedSecretsError DECRYPT_FAILED (message
 * `no key could decrypt secret`) when no key works. May be async (the controller runs RSA in worker threads).
 */
export type ValueDecryptor = (ciphertext: Uint8Array, label: Uint8Array) => Promise<Uint8Array> | Uint8Array;

export interface UnsealOptions {
  decrypt: ValueDecryptor;
  /** Number of keys the decryptor holds, only for UnsealError.diagnostics. */
  keyCount?: number;
  /** Compat §1.4, default true (the controller flag default). kubeseal --recovery-unseal passes false. */
  acceptDeprecatedV1Data?: boolean;
}

/**
 * Compat §2.6: builds the Secret (data as base64 strings, metadata from the template, name/namespace forced, owner
 * reference unless skip-set-owner-references). Throws UnsealError whose message is the Go controller's text.
 */
export function unsealSealedSecret(ss: SealedSecret, options: UnsealOptions): Promise<Secret> {
  return Promise.resolve(notImplemented(`unsealSealedSecret(${ss.metadata.name ?? ''}, ${typeof options}) `));
}

/** A synchronous decryptor trying each key in order (first success wins); reports which key worked. */
export function keysDecryptor(
  keys: readonly (KeyObject | KeyEntry)[],
  onSuccess?: (index: number) => void,
): ValueDecryptor {
  return notImplemented(`keysDecryptor(${keys.length}, ${typeof onSuccess})`);
}
