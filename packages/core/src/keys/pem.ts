import type { KeyObject } from 'node:crypto';
import { notImplemented } from '../errors.js';

/**
 * First `RSA PRIVATE KEY` / `PRIVATE KEY` / `EC PRIVATE KEY` block that parses (compat §4.1). Non-RSA →
 * INVALID_KEY `private key is not an RSA key`; none → INVALID_KEY
 * `data does not contain a valid RSA or ECDSA private key`.
 */
export function parsePrivateKeyPem(pem: string): KeyObject {
  return notImplemented(`parsePrivateKeyPem(${pem.length})`);
}

/** PKCS#1 `RSA PRIVATE KEY` PEM, the format of key Secrets' `tls.key`. */
export function privateKeyToPkcs1Pem(key: KeyObject): string {
  return notImplemented(`privateKeyToPkcs1Pem(${key.type})`);
}
