import type { KeyObject } from 'node:crypto';
import { notImplemented } from '../errors.js';

/** Compat §1.1: u16be(len(R)) ‖ RSA-OAEP-SHA256(K, label) ‖ AES-256-GCM(K, zero nonce, P) ‖ tag. */
export function hybridEncrypt(publicKey: KeyObject, plaintext: Uint8Array, label: Uint8Array): Buffer {
  return notImplemented(`hybridEncrypt(${publicKey.type}, ${plaintext.length}, ${label.length})`);
}

/** Throws SealedSecretsError DECRYPT_FAILED for too-short input, OAEP failure or GCM tag failure. */
export function hybridDecrypt(privateKey: KeyObject, ciphertext: Uint8Array, label: Uint8Array): Buffer {
  return notImplemented(`hybridDecrypt(${privateKey.type}, ${ciphertext.length}, ${label.length})`);
}
