// Plain node:crypto implementations of the wire format (compat §1.1), written without the core's code, so the
// core can be checked against something it does not share bugs with.
import {
  constants,
  createCipheriv,
  createDecipheriv,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export function independentDecrypt(privateKey: KeyObject, blob: Buffer, label: string | Buffer): Buffer {
  const rsaLength = blob.readUInt16BE(0);
  const aesKey = privateDecrypt(
    {
      key: privateKey,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha256',
      oaepLabel: Buffer.from(label),
    },
    blob.subarray(2, 2 + rsaLength),
  );
  const rest = blob.subarray(2 + rsaLength);
  const decipher = createDecipheriv('aes-256-gcm', aesKey, Buffer.alloc(12));
  decipher.setAuthTag(rest.subarray(rest.length - 16));
  return Buffer.concat([decipher.update(rest.subarray(0, rest.length - 16)), decipher.final()]);
}

export function independentEncrypt(publicKey: KeyObject, plaintext: Buffer, label: string | Buffer): Buffer {
  const aesKey = randomBytes(32);
  const rsaBlock = publicEncrypt(
    {
      key: publicKey,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha256',
      oaepLabel: Buffer.from(label),
    },
    aesKey,
  );
  const cipher = createCipheriv('aes-256-gcm', aesKey, Buffer.alloc(12));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(rsaBlock.length);
  return Buffer.concat([prefix, rsaBlock, body]);
}
