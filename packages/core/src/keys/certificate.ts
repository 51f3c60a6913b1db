import { X509Certificate, type KeyObject } from 'node:crypto';
import { SealedSecretsError } from '../errors.js';
import { formatGoDate, MONTH_NAMES } from './go-date.js';
import {
  forgePublicKey,
  loadForge,
  serialHex,
  signForgeCertificate,
  truncateToSeconds,
} from './forge-certificate.js';
import { pemBlocks } from './pem-blocks.js';

export interface ParsedCertificate {
  /** PEM of this one certificate. */
  readonly pem: string;
  readonly publicKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

// Go prints the key's Go type in this error; these are the names users would see from upstream.
const GO_KEY_TYPES: Readonly<Record<string, string>> = {
  ec: '*ecdsa.PublicKey',
  ed25519: 'ed25519.PublicKey',
  dsa: '*dsa.PublicKey',
};

/**
 * The first `CERTIFICATE` block (compat §6.3 step 11). None → INVALID_CERT
 * `data does not contain any valid RSA or ECDSA certificates`; not RSA → INVALID_CERT
 * `expected RSA public key but found <type>`. Empty subject/issuer DNs are supported.
 */
export function parseCertificatePem(pem: string): ParsedCertificate {
  // Like client-go's ParseCertsPEM: every plain CERTIFICATE block must parse; the first one is used.
  const certificates = pemBlocks(pem)
    .filter((block) => block.type === 'CERTIFICATE' && !block.hasHeaders)
    .map((block) => {
      try {
        return new X509Certificate(block.der);
      } catch (cause) {
        throw new SealedSecretsError('INVALID_CERT', 'x509: malformed certificate', { cause });
      }
    });
  const first = certificates[0];
  if (first === undefined) {
    throw new SealedSecretsError('INVALID_CERT', 'data does not contain any valid RSA or ECDSA certificates');
  }
  const publicKey = first.publicKey;
  const keyType = publicKey.asymmetricKeyType ?? 'unknown';
  if (keyType !== 'rsa') {
    throw new SealedSecretsError(
      'INVALID_CERT',
      `expected RSA public key but found ${GO_KEY_TYPES[keyType] ?? keyType}`,
    );
  }
  return {
    pem: first.toString(),
    publicKey,
    notBefore: parseOpenSslTime(first.validFrom),
    notAfter: parseOpenSslTime(first.validTo),
  };
}

/** X509Certificate.validFrom/validTo text, e.g. `Nov  3 12:51:15 2026 GMT`. */
function parseOpenSslTime(text: string): Date {
  const match = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) GMT$/.exec(text);
  const month = match ? MONTH_NAMES.findIndex((name) => name.slice(0, 3) === match[1]) : -1;
  if (!match || month < 0)
    throw new SealedSecretsError('INVALID_CERT', `unexpected certificate time ${text}`);
  const [, , day, hours, minutes, seconds, year] = match.map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year ?? 0, month, day);
  date.setUTCHours(hours ?? 0, minutes, seconds, 0);
  return date;
}

/** CERT_EXPIRED `failed to encrypt using an expired certificate on January 2, 2006` when `now > notAfter`. */
export function assertCertificateNotExpired(cert: ParsedCertificate, now: Date): void {
  if (now.getTime() > cert.notAfter.getTime()) {
    throw new SealedSecretsError(
      'CERT_EXPIRED',
      `failed to encrypt using an expired certificate on ${formatGoDate(cert.notAfter)}`,
    );
  }
}

export interface CertificateOptions {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Subject and issuer CN; empty → empty DNs, like upstream's default `--my-cn`. */
  commonName?: string;
  notBefore: Date;
  /** NotAfter - NotBefore. */
  validityMs: number;
  /** 16 random bytes for the serial (injected so tests are deterministic). */
  serial: Uint8Array;
}

/**
 * Self-signed X.509 v3 certificate shaped like upstream's (compat §4.2), as PEM. node-forge only assembles the
 * TBSCertificate; the signature is made by node:crypto, so the private key never leaves its KeyObject.
 */
export function createSelfSignedCertificate(options: CertificateOptions): string {
  const forge = loadForge();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgePublicKey(options.publicKey);
  cert.serialNumber = serialHex(options.serial);
  cert.validity.notBefore = truncateToSeconds(options.notBefore);
  cert.validity.notAfter = truncateToSeconds(new Date(options.notBefore.getTime() + options.validityMs));
  const dn = options.commonName ? [{ name: 'commonName', value: options.commonName }] : [];
  cert.setSubject(dn);
  cert.setIssuer(dn);
  cert.setExtensions([
    { name: 'keyUsage', critical: true, encipherOnly: true },
    { name: 'basicConstraints', critical: true, cA: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  return signForgeCertificate(cert, options.privateKey);
}
