import { SealedSecretsError } from '../errors.js';

/** The two parts of one encrypted value (compat §1.1): the RSA-OAEP block and the AES-GCM ciphertext+tag. */
export interface HybridParts {
  readonly rsaBlock: Buffer;
  readonly sealed: Buffer;
}

const MAX_RSA_BLOCK = 0xffff;

/** `u16be(len(rsaBlock)) ‖ rsaBlock ‖ sealed`. */
export function joinHybridParts(rsaBlock: Uint8Array, sealed: Uint8Array): Buffer {
  if (rsaBlock.length > MAX_RSA_BLOCK) {
    throw new SealedSecretsError(
      'INVALID_KEY',
      `RSA block of ${rsaBlock.length} bytes does not fit the wire format`,
    );
  }
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(rsaBlock.length, 0);
  return Buffer.concat([prefix, rsaBlock, sealed]);
}

/** Splits a value; DECRYPT_FAILED `SealedSecret data is too short` when the prefix announces more than is there. */
export function splitHybridParts(blob: Uint8Array): HybridParts {
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (bytes.length < 2) throw tooShort();
  const rsaLength = bytes.readUInt16BE(0);
  if (bytes.length < rsaLength + 2) throw tooShort();
  return { rsaBlock: bytes.subarray(2, 2 + rsaLength), sealed: bytes.subarray(2 + rsaLength) };
}

function tooShort(): SealedSecretsError {
  return new SealedSecretsError('DECRYPT_FAILED', 'SealedSecret data is too short');
}
