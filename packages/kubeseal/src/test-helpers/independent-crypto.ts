import { constants, createDecipheriv, createPrivateKey, privateDecrypt } from 'node:crypto';

/**
 * Decrypts one sealed value with plain node:crypto, independently of @ssts/core (compat §1.1):
 * u16be(len R) ‖ RSA-OAEP-SHA256(K, label) ‖ AES-256-GCM(K, zero nonce) ‖ tag.
 */
export function independentDecrypt(privateKeyPem: string, base64: string, label: string): Buffer {
  const blob = Buffer.from(base64, 'base64');
  const n = blob.readUInt16BE(0);
  const sessionKey = privateDecrypt(
    {
      key: createPrivateKey(privateKeyPem),
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha256',
      oaepLabel: Buffer.from(label, 'utf8'),
    },
    blob.subarray(2, 2 + n),
  );
  const body = blob.subarray(2 + n);
  const decipher = createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
}

/** Replaces base64 blobs longer than 100 characters (ciphertexts) with `<ciphertext>`. */
export function scrubCiphertexts(text: string): string {
  return text.replace(/[A-Za-z0-9+/]{100,}={0,2}/g, '<ciphertext>');
}
