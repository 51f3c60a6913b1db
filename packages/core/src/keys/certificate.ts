import type { KeyObject } from 'node:crypto';
import { notImplemented } from '../errors.js';

export interface ParsedCertificate {
  /** PEM of this one certificate. */
  readonly pem: string;
  readonly publicKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * The first `CERTIFICATE` block (compat §6.3 step 11). None → INVALID_CERT
 * `data does not contain any valid RSA or ECDSA certificates`; not RSA → INVALID_CERT
 * `expected RSA public key but found <type>`. Empty subject/issuer DNs are supported.
 */
export function parseCertificatePem(pem: string): ParsedCertificate {
  return notImplemented(`parseCertificatePem(${pem.length})`);
}

/** CERT_EXPIRED `failed to encrypt using an expired certificate on January 2, 2006` when `now > notAfter`. */
export function assertCertificateNotExpired(cert: ParsedCertificate, now: Date): void {
  notImplemented(`assertCertificateNotExpired(${cert.notAfter.toISOString()}, ${now.toISOString()})`);
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

/** Self-signed X.509 v3 certificate shaped like upstream's (compat §4.2), as PEM. */
export function createSelfSignedCertificate(options: CertificateOptions): string {
  return notImplemented(`createSelfSignedCertificate(${options.commonName ?? ''})`);
}
