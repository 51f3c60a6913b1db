import type { KeyObject } from 'node:crypto';
import { decodeBase64Strict } from '../crypto/base64.js';
import { publicKeyFingerprint } from '../crypto/fingerprint.js';
import { SealedSecretsError } from '../errors.js';
import { LABEL_SEALED_SECRETS_KEY } from '../model/annotations.js';
import { parseSecret } from '../model/parse.js';
import { isObject } from '../model/reader.js';
import type { Secret } from '../model/types.js';
import { parseCertificatePem } from './certificate.js';
import { readLink } from './continuity.js';
import type { KeyEntry } from './key-ring.js';
import { parsePrivateKeyPem, privateKeyToPkcs1Pem } from './pem.js';

/** Compat §4.4 `--key-order-priority`. */
export type KeyOrderPriority = 'CertNotBefore' | 'SecretCreationTimestamp';

export interface KeyEntryOptions {
  orderBy?: KeyOrderPriority;
}

const TLS_KEY = 'tls.key';
const TLS_CERT = 'tls.crt';
// Go's zero time.Time: what upstream orders by when a Secret has no creationTimestamp.
const GO_ZERO_TIME = new Date('0001-01-01T00:00:00Z');

function secretLabel(secret: Secret): string {
  return secret.metadata.name ? `secret "${secret.metadata.name}"` : 'secret';
}

function dataItem(secret: Secret, key: string): string | undefined {
  const value = secret.data?.[key];
  return value === undefined ? undefined : decodeBase64Strict(value).toString('utf8');
}

/**
 * The RSA private key in a key Secret's `tls.key` (PKCS#1 or PKCS#8 PEM). INVALID_KEY when it is missing (upstream
 * says `secret must contain a 'tls.data' key`; we name the real key, see README) or not an RSA key.
 */
export function privateKeyFromSecret(secret: Secret): KeyObject {
  const pem = dataItem(secret, TLS_KEY);
  if (pem === undefined) {
    throw new SealedSecretsError('INVALID_KEY', `${secretLabel(secret)} must contain a '${TLS_KEY}' key`);
  }
  try {
    return parsePrivateKeyPem(pem);
  } catch (error) {
    if (!(error instanceof SealedSecretsError)) throw error;
    throw new SealedSecretsError('INVALID_KEY', `${secretLabel(secret)}: ${error.message}`, { cause: error });
  }
}

/**
 * A KeyRing entry from a key Secret (`tls.key` + first certificate of `tls.crt`), ordered by cert NotBefore
 * (default) or the Secret's creationTimestamp (compat §4.3–4.4). The fingerprint is the private key's.
 */
export function keyEntryFromSecret(secret: Secret, options: KeyEntryOptions = {}): KeyEntry {
  const privateKey = privateKeyFromSecret(secret);
  const certPem = dataItem(secret, TLS_CERT);
  if (certPem === undefined) {
    throw new SealedSecretsError('INVALID_CERT', `${secretLabel(secret)} must contain a '${TLS_CERT}' key`);
  }
  let certificate;
  try {
    certificate = parseCertificatePem(certPem);
  } catch (error) {
    if (!(error instanceof SealedSecretsError)) throw error;
    throw new SealedSecretsError('INVALID_CERT', `${secretLabel(secret)}: ${error.message}`, {
      cause: error,
    });
  }
  const entry: KeyEntry = {
    fingerprint: publicKeyFingerprint(privateKey),
    privateKey,
    certificate,
    orderingTime:
      options.orderBy === 'SecretCreationTimestamp' ? creationTime(secret) : certificate.notBefore,
    ...(secret.metadata.name !== undefined && { secretName: secret.metadata.name }),
  };
  const link = readLink(secret.metadata.annotations);
  return link === undefined ? entry : { ...entry, link };
}

function creationTime(secret: Secret): Date {
  const parsed = Date.parse(secret.metadata.creationTimestamp ?? '');
  return Number.isNaN(parsed) ? GO_ZERO_TIME : new Date(parsed);
}

/**
 * The Secrets of a decoded key file: one v1 Secret, or a `List` of them (the output of the documented backup
 * command `kubectl get secret -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml`).
 */
export function secretsFromDocument(value: unknown): Secret[] {
  if (isObject(value) && Array.isArray(value['items'])) {
    return value['items'].map((item: unknown, index) => {
      try {
        return parseSecret(item);
      } catch (error) {
        if (!(error instanceof SealedSecretsError)) throw error;
        throw new SealedSecretsError(error.code, `items[${index}]: ${error.message}`, { cause: error });
      }
    });
  }
  return [parseSecret(value)];
}

export interface KeySecretOptions {
  /** `--key-prefix`; used as generateName (no extra dash: names look like `sealed-secrets-keyk7x2q`). */
  prefix: string;
  namespace: string;
  privateKey: KeyObject;
  certificatePem: string;
  /** Extra labels (`--privatekey-labels`); cannot override the `active` key label. */
  labels?: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
}

/** A new key Secret in the shape of compat §4.1 (type `kubernetes.io/tls`, label `active`). */
export function buildKeySecret(options: KeySecretOptions): Secret {
  const labels = { ...options.labels, [LABEL_SEALED_SECRETS_KEY]: 'active' };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      generateName: options.prefix,
      namespace: options.namespace,
      labels,
      ...(options.annotations !== undefined &&
        Object.keys(options.annotations).length > 0 && { annotations: { ...options.annotations } }),
    },
    type: 'kubernetes.io/tls',
    data: {
      [TLS_CERT]: Buffer.from(options.certificatePem, 'utf8').toString('base64'),
      [TLS_KEY]: Buffer.from(privateKeyToPkcs1Pem(options.privateKey), 'utf8').toString('base64'),
    },
  };
}
