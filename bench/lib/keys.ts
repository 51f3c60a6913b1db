import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Core } from './workspace.js';

/** A sealing key pair with its certificate, as the controller keeps it in a key Secret. */
export interface BenchKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly notBefore: Date;
}

/** Generates `count` RSA key pairs; key i has NotBefore = now - (count - i) days, so key 0 is the oldest. */
export async function generateBenchKeys(
  core: Core,
  count: number,
  bits: number,
  now: Date,
): Promise<BenchKey[]> {
  const keys: BenchKey[] = [];
  for (let i = 0; i < count; i++) {
    const { privateKey, publicKey } = await core.generateRsaKeyPair(bits);
    const notBefore = new Date(now.getTime() - (count - i) * 86_400_000);
    const certificatePem = core.createSelfSignedCertificate({
      privateKey,
      publicKey,
      notBefore,
      validityMs: 30 * 86_400_000,
      serial: randomBytes(16),
    });
    keys.push({
      privateKey,
      publicKey,
      certificatePem,
      privateKeyPem: core.privateKeyToPkcs1Pem(privateKey),
      notBefore,
    });
  }
  return keys;
}

/** The key Secret format the controller loads at startup (compat §4.1). */
export function keySecretManifest(key: BenchKey, index: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `sealed-secrets-keybench${index}`,
      labels: { 'sealedsecrets.bitnami.com/sealed-secrets-key': 'active' },
    },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(key.certificatePem, 'utf8').toString('base64'),
      'tls.key': Buffer.from(key.privateKeyPem, 'utf8').toString('base64'),
    },
  };
}
