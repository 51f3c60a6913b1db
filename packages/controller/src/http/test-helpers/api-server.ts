import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import {
  encryptionLabel,
  hybridEncrypt,
  keysDecryptor,
  sealSecret,
  unsealSealedSecret,
  type SealedSecret,
  type Secret,
} from '@ssts/core';
import { readFixture } from '@ssts/test-utils';
import { createLogger } from '../../log.js';
import { ControllerMetrics } from '../../metrics.js';
import { buildServer, type ServerDeps } from '../server.js';

/** The RSA-4096 key of the vectors (TEST KEY ONLY). */
export const testKey: KeyObject = createPrivateKey(readFixture('vectors', 'sealedsecret-4096', 'tls.key'));
export const testPublicKey: KeyObject = createPublicKey(testKey);
export const testCertPem = readFixture('vectors', 'sealedsecret-4096', 'tls.crt');

export const unsealWithTestKey = (ss: SealedSecret): Promise<Secret> =>
  unsealSealedSecret(ss, { decrypt: keysDecryptor([testKey]) });

/** Counts what the server asked of its dependencies, so a test can show that a handler did not run. */
export interface Calls {
  decryptors: number;
  unseals: number;
}

/** buildServer with the test key, a manual clock and every log line kept (as JSON records). */
export function testServer(overrides: Partial<ServerDeps> = {}) {
  let now = 1_000_000;
  const calls: Calls = { decryptors: 0, unseals: 0 };
  const lines: string[] = [];
  const sink = { write: (line: string) => lines.push(line) };
  const metrics = new ControllerMetrics('test', { defaultMetrics: false });
  const app = buildServer({
    log: createLogger({ level: 'DEBUG', format: 'json', infoToStdout: true, stdout: sink, stderr: sink }),
    metrics,
    certificatePem: () => testCertPem,
    latestPublicKey: () => testPublicKey,
    decryptorFor: () => {
      calls.decryptors++;
      return keysDecryptor([testKey]);
    },
    acceptDeprecatedV1Data: true,
    unseal: (ss) => {
      calls.unseals++;
      return unsealWithTestKey(ss);
    },
    readiness: () => ({ ready: true, reasons: [] }),
    rateLimit: 2,
    rateLimitBurst: 2,
    readTimeoutMs: 120_000,
    writeTimeoutMs: 120_000,
    now: () => now,
    ...overrides,
  });
  return { app, metrics, calls, lines, tick: (ms: number) => (now += ms) };
}

export const post = (url: string, payload: string | object, headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url,
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  headers: { 'content-type': 'application/json', ...headers },
});

/** A SealedSecret sealed for the test key, as kubeseal makes it, plus `templateData` if given. */
export function sealedFor(
  namespace: string,
  name: string,
  data: Record<string, string>,
  templateData?: Record<string, string | null>,
): SealedSecret {
  const secret: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
  const ss = { ...sealSecret(secret, { publicKey: testPublicKey }) };
  if (templateData !== undefined) {
    ss.spec = { ...ss.spec, template: { ...ss.spec.template, data: templateData as Record<string, string> } };
  }
  return ss;
}

/** A legacy (`spec.data`) SealedSecret whose blob is `plaintext`, under the strict label of namespace/name. */
export function legacySealed(namespace: string, name: string, plaintext: string): SealedSecret {
  const blob = hybridEncrypt(
    testPublicKey,
    Buffer.from(plaintext),
    encryptionLabel(namespace, name, 'strict'),
  );
  return {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name, namespace },
    spec: { encryptedData: {}, data: blob.toString('base64') },
  };
}
