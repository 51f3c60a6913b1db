import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFixture } from '@ssts/test-utils';
import { knownAnswer2048 } from './vectors.js';

export interface TestKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The RSA-2048 key of the known-answer vectors (TEST KEY ONLY). */
export function vectorKey2048(): TestKeyPair {
  const privateKey = createPrivateKey(knownAnswer2048().private_key_pem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** The RSA-4096 key of the sealedsecret-4096 vectors (TEST KEY ONLY). */
export function vectorKey4096(): TestKeyPair {
  const privateKey = createPrivateKey(readFixture('vectors', 'sealedsecret-4096', 'tls.key'));
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

let small: TestKeyPair | undefined;
/** A fresh 1024-bit key, only to keep property tests fast; cached per test file. */
export function smallKey(): TestKeyPair {
  small ??= generateKeyPairSync('rsa', { modulusLength: 1024 });
  return small;
}
