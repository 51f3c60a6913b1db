import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SealedSecretsError } from '../errors.js';
import { pemBlocks } from './pem-blocks.js';

const KEY_BLOCK_TYPES = new Map<string, 'pkcs1' | 'pkcs8' | 'sec1'>([
  ['RSA PRIVATE KEY', 'pkcs1'],
  ['PRIVATE KEY', 'pkcs8'],
  ['EC PRIVATE KEY', 'sec1'],
]);

/**
 * First `RSA PRIVATE KEY` / `PRIVATE KEY` / `EC PRIVATE KEY` block that parses (compat §4.1). Non-RSA →
 * INVALID_KEY `private key is not an RSA key`; none → INVALID_KEY
 * `data does not contain a valid RSA or ECDSA private key`.
 */
export function parsePrivateKeyPem(pem: string): KeyObject {
  for (const block of pemBlocks(pem)) {
    const type = KEY_BLOCK_TYPES.get(block.type);
    if (type === undefined || block.hasHeaders) continue;
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: block.der, format: 'der', type });
    } catch {
      // Like client-go's keyutil: a block that does not parse is skipped, the next one is tried.
      continue;
    }
    if (key.asymmetricKeyType !== 'rsa') {
      throw new SealedSecretsError('INVALID_KEY', 'private key is not an RSA key');
    }
    return key;
  }
  throw new SealedSecretsError('INVALID_KEY', 'data does not contain a valid RSA or ECDSA private key');
}

/** PKCS#1 `RSA PRIVATE KEY` PEM, the format of key Secrets' `tls.key`. */
export function privateKeyToPkcs1Pem(key: KeyObject): string {
  if (key.type !== 'private' || key.asymmetricKeyType !== 'rsa') {
    throw new SealedSecretsError('INVALID_KEY', 'private key is not an RSA key');
  }
  return key.export({ type: 'pkcs1', format: 'pem' }).toString();
}
