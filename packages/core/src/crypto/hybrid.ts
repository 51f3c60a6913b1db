import {
  constants,
  createCipheriv,
  createDecipheriv,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  webcrypto,
  type CipherGCMTypes,
  type KeyObject,
} from 'node:crypto';
import { SealedSecretsError } from '../errors.js';
import { joinHybridParts, splitHybridParts } from './wire-format.js';

const SESSION_KEY_BYTES = 32;
const GCM_TAG_BYTES = 16;
// Safe only because every value gets a fresh session key (compat §1.1).
const ZERO_NONCE = Buffer.alloc(12);
const GCM_BY_KEY_LENGTH = new Map<number, CipherGCMTypes>([
  [16, 'aes-128-gcm'],
  [24, 'aes-192-gcm'],
  [32, 'aes-256-gcm'],
]);

function oaep(key: KeyObject, label: Uint8Array) {
  // Node defaults OAEP to SHA-1; Sealed Secrets uses SHA-256 for the hash and for MGF1.
  return { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label };
}

/** Compat §1.1: u16be(len(R)) ‖ RSA-OAEP-SHA256(K, label) ‖ AES-256-GCM(K, zero nonce, P) ‖ tag. */
export function hybridEncrypt(publicKey: KeyObject, plaintext: Uint8Array, label: Uint8Array): Buffer {
  const sessionKey = randomBytes(SESSION_KEY_BYTES);
  try {
    const rsaBlock = publicEncrypt(oaep(publicKey, label), sessionKey);
    const cipher = createCipheriv('aes-256-gcm', sessionKey, ZERO_NONCE);
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return joinHybridParts(rsaBlock, sealed);
  } finally {
    sessionKey.fill(0);
  }
}

/** Throws SealedSecretsError DECRYPT_FAILED for too-short input, OAEP failure or GCM tag failure. */
export function hybridDecrypt(privateKey: KeyObject, ciphertext: Uint8Array, label: Uint8Array): Buffer {
  const { rsaBlock, sealed } = splitHybridParts(ciphertext);
  let sessionKey: Buffer;
  try {
    sessionKey = privateDecrypt(oaep(privateKey, label), rsaBlock);
  } catch (cause) {
    throw new SealedSecretsError('DECRYPT_FAILED', 'crypto/rsa: decryption error', { cause });
  }
  try {
    return gcmOpen(sessionKey, sealed);
  } finally {
    sessionKey.fill(0);
  }
}

/** The key hybridDecryptAsync takes: RSA-OAEP with SHA-256 (for OAEP and MGF1, as compat §1.1), decrypt only. */
export type RsaOaepDecryptionKey = webcrypto.CryptoKey;

const RSA_OAEP_SHA256 = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;

/**
 * `privateKey` as a WebCrypto key for hybridDecryptAsync: a copy of its own (imported from PKCS#8 DER, the DER
 * wiped), so that copies used on different threads do not share OpenSSL's per-key state.
 */
export async function rsaOaepDecryptionKey(privateKey: KeyObject): Promise<RsaOaepDecryptionKey> {
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  try {
    return await webcrypto.subtle.importKey('pkcs8', der, RSA_OAEP_SHA256, false, ['decrypt']);
  } finally {
    der.fill(0);
  }
}

/**
 * hybridDecrypt with the RSA-OAEP step run by WebCrypto on libuv's thread pool instead of the calling thread
 * (the controller's main thread stays free without a worker thread of its own). Same format, same failures.
 */
export async function hybridDecryptAsync(
  privateKey: RsaOaepDecryptionKey,
  ciphertext: Uint8Array,
  label: Uint8Array,
): Promise<Buffer> {
  const { rsaBlock, sealed } = splitHybridParts(ciphertext);
  let sessionKey: Buffer;
  try {
    sessionKey = Buffer.from(
      await webcrypto.subtle.decrypt({ name: 'RSA-OAEP', label }, privateKey, rsaBlock),
    );
  } catch (cause) {
    throw new SealedSecretsError('DECRYPT_FAILED', 'crypto/rsa: decryption error', { cause });
  }
  try {
    return gcmOpen(sessionKey, sealed);
  } finally {
    sessionKey.fill(0);
  }
}

function gcmOpen(sessionKey: Buffer, sealed: Buffer): Buffer {
  // Go's aes.NewCipher accepts 16/24/32-byte keys; we mirror that rather than insisting on AES-256.
  const algorithm = GCM_BY_KEY_LENGTH.get(sessionKey.length);
  if (algorithm === undefined) {
    throw new SealedSecretsError('DECRYPT_FAILED', `crypto/aes: invalid key size ${sessionKey.length}`);
  }
  if (sealed.length < GCM_TAG_BYTES) {
    throw new SealedSecretsError('DECRYPT_FAILED', 'cipher: message authentication failed');
  }
  const body = sealed.subarray(0, sealed.length - GCM_TAG_BYTES);
  const tag = sealed.subarray(sealed.length - GCM_TAG_BYTES);
  try {
    const decipher = createDecipheriv(algorithm, sessionKey, ZERO_NONCE, { authTagLength: GCM_TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (cause) {
    throw new SealedSecretsError('DECRYPT_FAILED', 'cipher: message authentication failed', { cause });
  }
}
