import { generateKeyPairSync } from 'node:crypto';
import { createSelfSignedCertificate, privateKeyToPkcs1Pem, type Secret } from '@ssts/core';

const HOUR = 3_600_000;

/** A key Secret (compat §4.1) with a fresh RSA-1024 key (small: tests only) and a 10-hour certificate. */
export function testKeySecret(
  name: string,
  namespace: string,
  notBefore: Date,
  labels: Record<string, string> | undefined,
  created: string,
): Secret {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const cert = createSelfSignedCertificate({
    privateKey,
    publicKey,
    notBefore,
    validityMs: 10 * HOUR,
    serial: new Uint8Array(16).fill(1),
  });
  return {
    metadata: { name, namespace, creationTimestamp: created, ...(labels && { labels }) },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(cert).toString('base64'),
      'tls.key': Buffer.from(privateKeyToPkcs1Pem(privateKey)).toString('base64'),
    },
  };
}
