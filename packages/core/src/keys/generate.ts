import type { KeyObject } from 'node:crypto';
import { notImplemented } from '../errors.js';

export interface RsaKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** RSA key pair with exponent 65537, generated off the main thread by node:crypto. */
export function generateRsaKeyPair(bits: number): Promise<RsaKeyPair> {
  return Promise.resolve(notImplemented(`generateRsaKeyPair(${bits})`));
}
