import { generateKeyPair, type KeyObject } from 'node:crypto';
import { SealedSecretsError } from '../errors.js';

export interface RsaKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** RSA key pair with exponent 65537, generated off the main thread by node:crypto. */
export function generateRsaKeyPair(bits: number): Promise<RsaKeyPair> {
  const failure = (cause: unknown) =>
    new SealedSecretsError('INVALID_KEY', `cannot generate a ${bits}-bit RSA key`, { cause });
  return new Promise((resolve, reject) => {
    try {
      generateKeyPair(
        'rsa',
        { modulusLength: bits, publicExponent: 0x10001 },
        (error, publicKey, privateKey) => {
          if (error) reject(failure(error));
          else resolve({ privateKey, publicKey });
        },
      );
    } catch (error) {
      // Invalid options are thrown synchronously rather than passed to the callback.
      reject(failure(error));
    }
  });
}
