import { readFixture, readJsonFixture } from '@ssts/test-utils';
import { describe, expect, it } from 'vitest';
import { publicKeyFingerprint } from '../crypto/fingerprint.js';
import { LABEL_SEALED_SECRETS_KEY } from '../model/annotations.js';
import { vectorKey2048, vectorKey4096 } from '../test-helpers/keys.js';
import { createSelfSignedCertificate, parseCertificatePem } from './certificate.js';
import { KeyRing } from './key-ring.js';
import {
  buildKeySecret,
  keyEntryFromSecret,
  privateKeyFromSecret,
  secretsFromDocument,
} from './key-secret.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const tlsKey = readFixture('vectors', 'sealedsecret-4096', 'tls.key');
const tlsCrt = readFixture('vectors', 'sealedsecret-4096', 'tls.crt');

describe('secretsFromDocument + keyEntryFromSecret', () => {
  it('reads the key backup List of the 4096 vectors', () => {
    const secrets = secretsFromDocument(readJsonFixture('vectors', 'sealedsecret-4096', 'key-backup.json'));
    expect(secrets).toHaveLength(1);
    const entry = keyEntryFromSecret(secrets[0]!);
    expect(entry.fingerprint).toBe(publicKeyFingerprint(vectorKey4096().publicKey));
    expect(entry.secretName).toBe('sealed-secrets-keyq7x2z');
    expect(entry.orderingTime.getTime()).toBe(parseCertificatePem(tlsCrt).notBefore.getTime());
  });

  it('reads a single Secret and orders by creationTimestamp when asked', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'k', creationTimestamp: '2025-01-02T03:04:05Z' },
      data: { 'tls.key': b64(tlsKey), 'tls.crt': b64(tlsCrt) },
    };
    const [parsed] = secretsFromDocument(secret);
    const entry = keyEntryFromSecret(parsed!, { orderBy: 'SecretCreationTimestamp' });
    expect(entry.orderingTime.toISOString()).toBe('2025-01-02T03:04:05.000Z');
    const noTimestamp = keyEntryFromSecret(
      { ...parsed!, metadata: {} },
      { orderBy: 'SecretCreationTimestamp' },
    );
    expect(noTimestamp.orderingTime.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(noTimestamp.secretName).toBeUndefined();
  });

  it('names the missing key, the Secret and the list item in errors', () => {
    expect(() => privateKeyFromSecret({ metadata: { name: 'k' }, data: { 'tls.crt': b64(tlsCrt) } })).toThrow(
      `secret "k" must contain a 'tls.key' key`,
    );
    expect(() => keyEntryFromSecret({ metadata: { name: 'k' }, data: { 'tls.key': b64(tlsKey) } })).toThrow(
      `secret "k" must contain a 'tls.crt' key`,
    );
    expect(() => privateKeyFromSecret({ metadata: { name: 'k' }, data: { 'tls.key': b64('junk') } })).toThrow(
      'secret "k": data does not contain a valid RSA or ECDSA private key',
    );
    expect(() => secretsFromDocument({ kind: 'List', items: [{ data: { 'tls.key': '!' } }] })).toThrow(
      'items[0]: data["tls.key"]: illegal base64 data at input byte 0',
    );
  });

  it('accepts a PKCS#1 key', () => {
    const key = privateKeyFromSecret({ metadata: {}, data: { 'tls.key': b64(privateKeyPem2048()) } });
    expect(publicKeyFingerprint(key)).toBe(publicKeyFingerprint(vectorKey2048().publicKey));
  });
});

function privateKeyPem2048(): string {
  return vectorKey2048().privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

describe('buildKeySecret', () => {
  it('writes the compat §4.1 shape, which reads back into the same key', () => {
    const { privateKey, publicKey } = vectorKey2048();
    const certificatePem = createSelfSignedCertificate({
      privateKey,
      publicKey,
      notBefore: new Date('2026-01-01T00:00:00Z'),
      validityMs: 1000 * 3600,
      serial: new Uint8Array(16).fill(1),
    });
    const secret = buildKeySecret({
      prefix: 'sealed-secrets-key',
      namespace: 'kube-system',
      privateKey,
      certificatePem,
      labels: { [LABEL_SEALED_SECRETS_KEY]: 'compromised', extra: 'x' },
      annotations: { a: 'b' },
    });
    expect(secret.metadata).toStrictEqual({
      generateName: 'sealed-secrets-key',
      namespace: 'kube-system',
      labels: { [LABEL_SEALED_SECRETS_KEY]: 'active', extra: 'x' },
      annotations: { a: 'b' },
    });
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(Buffer.from(secret.data?.['tls.key'] ?? '', 'base64').toString()).toMatch(
      /^-----BEGIN RSA PRIVATE KEY-----/,
    );
    const entry = keyEntryFromSecret(secret);
    expect(entry.fingerprint).toBe(publicKeyFingerprint(publicKey));
    expect(KeyRing.of([entry, keyEntryFromSecret(secret)]).size).toBe(1);
  });
});
