import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFixture } from '@ssts/test-utils';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../test-helpers/errors.js';
import { knownAnswer2048 } from '../test-helpers/vectors.js';
import { vectorKey2048 } from '../test-helpers/keys.js';
import { parsePrivateKeyPem, privateKeyToPkcs1Pem } from './pem.js';

const pkcs1 = knownAnswer2048().private_key_pem;
const pkcs8 = readFixture('vectors', 'sealedsecret-4096', 'tls.key');
const cert = readFixture('vectors', 'sealedsecret-4096', 'tls.crt');

function modulus(pem: string): string | undefined {
  return createPublicKey(parsePrivateKeyPem(pem)).export({ format: 'jwk' }).n;
}

describe('parsePrivateKeyPem', () => {
  it('reads PKCS#1 and PKCS#8 RSA keys', () => {
    expect(parsePrivateKeyPem(pkcs1).asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(parsePrivateKeyPem(pkcs8).asymmetricKeyDetails?.modulusLength).toBe(4096);
  });

  it('skips other blocks and blocks that do not parse', () => {
    const broken = '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n';
    const junk = '-----BEGIN RSA PRIVATE KEY-----\nnot base64!\n-----END RSA PRIVATE KEY-----\n';
    expect(modulus(`${cert}\n${broken}${junk}text\n${pkcs1}`)).toBe(modulus(pkcs1));
  });

  it('uses the first key that parses', () => {
    expect(modulus(`${pkcs8}${pkcs1}`)).toBe(modulus(pkcs8));
  });

  it.each([
    [
      'an EC key (SEC1)',
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }),
    ],
    [
      'an EC key (PKCS#8)',
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    ],
    ['an Ed25519 key', generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' })],
  ])('rejects %s', (_name, pem) => {
    const error = errorOf(() => parsePrivateKeyPem(pem.toString()));
    expect(error.code).toBe('INVALID_KEY');
    expect(error.message).toBe('private key is not an RSA key');
  });

  it.each([
    ['nothing', ''],
    ['only a certificate', cert],
    [
      'a public key',
      createPublicKey(parsePrivateKeyPem(pkcs1)).export({ type: 'spki', format: 'pem' }).toString(),
    ],
    ['an encrypted key', pkcs1.replace('\n', '\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n')],
  ])('reports no key in %s', (_name, pem) => {
    const error = errorOf(() => parsePrivateKeyPem(pem));
    expect(error.code).toBe('INVALID_KEY');
    expect(error.message).toBe('data does not contain a valid RSA or ECDSA private key');
  });
});

describe('privateKeyToPkcs1Pem', () => {
  it('writes PKCS#1 PEM that reads back to the same key', () => {
    const { privateKey } = vectorKey2048();
    const pem = privateKeyToPkcs1Pem(parsePrivateKeyPem(pkcs8));
    expect(pem.startsWith('-----BEGIN RSA PRIVATE KEY-----\n')).toBe(true);
    expect(modulus(pem)).toBe(modulus(pkcs8));
    expect(privateKeyToPkcs1Pem(privateKey).trim()).toBe(pkcs1.trim());
  });

  it('refuses non-RSA and public keys', () => {
    expect(() => privateKeyToPkcs1Pem(generateKeyPairSync('ed25519').privateKey)).toThrow('not an RSA key');
    expect(() => privateKeyToPkcs1Pem(vectorKey2048().publicKey)).toThrow('not an RSA key');
  });
});
