import * as nodeCrypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** A loaded key as the probe sees it. */
export interface ProbeKey {
  readonly fingerprint: string;
  readonly key: KeyObject;
}

/** What one sealed value tells about itself when each key is tried without its OAEP label (see probeValue). */
export type ProbeResult =
  /** Fewer than 2 bytes, or fewer than the length prefix announces. */
  | { readonly kind: 'malformed'; readonly bytes: number; readonly rsaBytes: number | undefined }
  /** No key has a valid OAEP encoding for the block. `sizes`: modulus sizes (bytes) of the loaded keys. */
  | {
      readonly kind: 'no-key';
      readonly rsaBytes: number;
      readonly sizes: readonly number[];
      readonly attempts: number;
    }
  /**
   * `fingerprint` decrypts the RSA block to a valid OAEP encoding whose label hash is `labelHash` (SHA-256 of
   * the label it was sealed with); `intact`: the AES-GCM part authenticates under the session key.
   */
  | {
      readonly kind: 'found';
      readonly fingerprint: string;
      readonly labelHash: Uint8Array;
      readonly intact: boolean;
      readonly attempts: number;
    };

type Crypto = Pick<typeof nodeCrypto, 'createHash' | 'createDecipheriv' | 'privateDecrypt' | 'constants'>;

/**
 * Tries `keys` in order on one sealed value (compat §1.1) like RSA-OAEP-SHA256 decryption does, except that the
 * label is not checked but returned as its hash (RFC 8017 §7.1.2 step 3, with lHash' kept instead of compared).
 * The webhook uses it to say *which* label a value was sealed for (another namespace, name or scope) or that no
 * loaded key made it, in one RSA operation per key, where trying candidate labels would take one per key and
 * label and still could not tell "another key" from "a label we did not guess".
 *
 * Why this is not a padding oracle: the answer is "found" only for a complete valid encoding (first byte 0, the
 * zero padding, the 0x01 separator, a 16/24/32-byte session key); a value derived from a real one (Manger's or
 * Bleichenbacher's multiplied ciphertexts) has one with probability below 2^-250 even for a 1024-bit key. The checks
 * run over the whole block without branching on its bytes, so the time does not tell which check failed either.
 * Decrypted values never leave this function: the session key and the AES-GCM output are zeroed, and only the
 * label hash and whether the value authenticates are returned.
 *
 * Self-contained on purpose (no imports used inside, `crypto` passed in): the worker runs its source text.
 */
export function probeValue(
  crypto: Crypto,
  keys: readonly { fingerprint: string; key: KeyObject; bytes: number }[],
  blob: Uint8Array,
): ProbeResult {
  const HASH_BYTES = 32;
  const data = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (data.length < 2) return { kind: 'malformed', bytes: data.length, rsaBytes: undefined };
  const rsaBytes = data.readUInt16BE(0);
  if (data.length < rsaBytes + 2) return { kind: 'malformed', bytes: data.length, rsaBytes };
  const rsaBlock = data.subarray(2, 2 + rsaBytes);
  const sealed = data.subarray(2 + rsaBytes);

  const mgf1 = (seed: Buffer, length: number): Buffer => {
    const out = Buffer.alloc(length);
    for (let counter = 0, offset = 0; offset < length; counter++, offset += HASH_BYTES) {
      const c = Buffer.alloc(4);
      c.writeUInt32BE(counter, 0);
      crypto.createHash('sha256').update(seed).update(c).digest().copy(out, offset);
    }
    return out;
  };
  const gcmAuthenticates = (sessionKey: Buffer): boolean => {
    const algorithm =
      sessionKey.length === 16 ? 'aes-128-gcm' : sessionKey.length === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
    if (sealed.length < 16) return false;
    let plain: Buffer | undefined;
    try {
      const decipher = crypto.createDecipheriv(algorithm, sessionKey, Buffer.alloc(12), {
        authTagLength: 16,
      });
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      plain = decipher.update(sealed.subarray(0, sealed.length - 16));
      decipher.final();
      return true;
    } catch {
      return false;
    } finally {
      plain?.fill(0);
    }
  };

  let attempts = 0;
  for (const { fingerprint, key, bytes } of keys) {
    if (bytes !== rsaBytes || rsaBytes < 2 * HASH_BYTES + 2) continue;
    attempts++;
    let em: Buffer;
    try {
      em = crypto.privateDecrypt({ key, padding: crypto.constants.RSA_NO_PADDING }, rsaBlock);
    } catch {
      continue; // the block is not below this key's modulus: not this key
    }
    const maskedSeed = em.subarray(1, 1 + HASH_BYTES);
    const maskedDb = em.subarray(1 + HASH_BYTES);
    const seedMask = mgf1(maskedDb, HASH_BYTES);
    for (let i = 0; i < HASH_BYTES; i++) seedMask[i] = (seedMask[i] ?? 0) ^ (maskedSeed[i] ?? 0);
    const db = mgf1(seedMask, maskedDb.length);
    for (let i = 0; i < db.length; i++) db[i] = (db[i] ?? 0) ^ (maskedDb[i] ?? 0);
    // Branch-free scan of PS ‖ 0x01 ‖ M (Go's rsa.DecryptOAEP does the same): `invalid` is set by a byte other
    // than 0 before the first 1; `index` is where that 1 is.
    let invalid = (em[0] ?? 0) !== 0 ? 1 : 0;
    let looking = 1;
    let index = 0;
    for (let i = HASH_BYTES; i < db.length; i++) {
      const b = db[i] ?? 0;
      const is0 = ((b - 1) >>> 31) & 1;
      const is1 = (((b ^ 1) - 1) >>> 31) & 1;
      const take = -(looking & is1);
      index = (i & take) | (index & ~take);
      looking &= is1 ^ 1;
      invalid |= looking & (is0 ^ 1);
    }
    const sessionBytes = db.length - index - 1;
    const sizeOk = sessionBytes === 16 || sessionBytes === 24 || sessionBytes === 32 ? 1 : 0;
    const valid = (invalid | looking) === 0 && sizeOk === 1;
    const labelHash = new Uint8Array(db.subarray(0, HASH_BYTES));
    const intact = valid && gcmAuthenticates(db.subarray(index + 1));
    em.fill(0);
    seedMask.fill(0);
    db.fill(0);
    if (valid) return { kind: 'found', fingerprint, labelHash, intact, attempts };
  }
  return { kind: 'no-key', rsaBytes, sizes: [...new Set(keys.map((k) => k.bytes))], attempts };
}

/** SHA-256 of an OAEP label, as found in ProbeResult.labelHash. */
export function labelHash(label: string): Buffer {
  return nodeCrypto.createHash('sha256').update(label, 'utf8').digest();
}
