import { execFileSync } from 'node:child_process';
import { X509Certificate, createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFixture } from '@ssts/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { publicKeyFingerprint } from '../crypto/fingerprint.js';
import { errorOf } from '../test-helpers/errors.js';
import { smallKey, vectorKey2048 } from '../test-helpers/keys.js';
import {
  assertCertificateNotExpired,
  createSelfSignedCertificate,
  parseCertificatePem,
} from './certificate.js';
import { formatGoDate } from './go-date.js';

const vectorCert = readFixture('vectors', 'sealedsecret-4096', 'tls.crt');
const work = mkdtempSync(join(tmpdir(), 'cert-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { encoding: 'utf8', ...(input !== undefined && { input }) });
}

describe('parseCertificatePem', () => {
  it('reads the vector certificate: RSA-4096 key and validity as openssl reports it', () => {
    const cert = parseCertificatePem(vectorCert);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(cert.publicKey.asymmetricKeyDetails?.publicExponent).toBe(65537n);
    const dates = openssl(['x509', '-noout', '-dates'], vectorCert);
    const notBefore = /notBefore=(.*)/.exec(dates)?.[1] ?? '';
    const notAfter = /notAfter=(.*)/.exec(dates)?.[1] ?? '';
    expect(cert.notBefore.getTime()).toBe(new Date(notBefore).getTime());
    expect(cert.notAfter.getTime()).toBe(new Date(notAfter).getTime());
    expect(new X509Certificate(cert.pem).fingerprint256).toBe(new X509Certificate(vectorCert).fingerprint256);
  });

  it('uses the first certificate of a chain and skips other blocks', () => {
    const other = createSelfSignedCertificate({
      ...smallKey(),
      notBefore: new Date(),
      validityMs: 1000,
      serial: new Uint8Array(16).fill(7),
    });
    const key = readFixture('vectors', 'sealedsecret-4096', 'tls.key');
    const cert = parseCertificatePem(`${key}${vectorCert}${other}`);
    expect(publicKeyFingerprint(cert.publicKey)).toBe(
      publicKeyFingerprint(parseCertificatePem(vectorCert).publicKey),
    );
  });

  it('rejects input without certificates', () => {
    const error = errorOf(() => parseCertificatePem('hello'));
    expect(error.code).toBe('INVALID_CERT');
    expect(error.message).toBe('data does not contain any valid RSA or ECDSA certificates');
  });

  it('rejects a malformed certificate block', () => {
    const error = errorOf(() =>
      parseCertificatePem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
    );
    expect(error.message).toBe('x509: malformed certificate');
  });

  it('rejects an ECDSA certificate with the Go type name', () => {
    const keyFile = join(work, 'ec.key');
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile]);
    const pem = openssl(['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=ec', '-days', '1']);
    expect(errorOf(() => parseCertificatePem(pem)).message).toBe(
      'expected RSA public key but found *ecdsa.PublicKey',
    );
  });
});

describe('assertCertificateNotExpired', () => {
  const cert = parseCertificatePem(vectorCert);

  it('accepts any time up to NotAfter (NotBefore is not checked)', () => {
    expect(() => assertCertificateNotExpired(cert, cert.notAfter)).not.toThrow();
    expect(() => assertCertificateNotExpired(cert, new Date(0))).not.toThrow();
  });

  it('rejects later times with the Go date layout', () => {
    const error = errorOf(() => assertCertificateNotExpired(cert, new Date(cert.notAfter.getTime() + 1000)));
    expect(error.code).toBe('CERT_EXPIRED');
    expect(error.message).toBe(
      `failed to encrypt using an expired certificate on ${formatGoDate(cert.notAfter)}`,
    );
    expect(formatGoDate(cert.notAfter)).toBe('November 20, 2036');
  });

  it.each([
    ['2006-01-02T15:04:05Z', 'January 2, 2006'],
    ['2030-12-31T23:59:59Z', 'December 31, 2030'],
  ])('formats %s as %s', (iso, text) => {
    expect(formatGoDate(new Date(iso))).toBe(text);
  });
});

describe('createSelfSignedCertificate', () => {
  const { privateKey, publicKey } = vectorKey2048();
  const notBefore = new Date('2026-04-22T10:00:00.750Z');
  const validityMs = 87600 * 3600 * 1000;

  function make(commonName?: string, serial: Uint8Array = Buffer.from('8'.repeat(32), 'hex')): string {
    return createSelfSignedCertificate({
      privateKey,
      publicKey,
      notBefore,
      validityMs,
      serial,
      ...(commonName !== undefined && { commonName }),
    });
  }

  it('is a self-signed certificate for the given key that node and our parser accept (empty DN)', () => {
    const pem = make();
    const x509 = new X509Certificate(pem);
    expect(x509.verify(publicKey)).toBe(true);
    // node reports an empty DN as undefined; openssl shows empty Subject/Issuer lines.
    expect(x509.subject ?? '').toBe('');
    expect(x509.issuer ?? '').toBe('');
    // x509.ca is false by OpenSSL's rules (no keyCertSign); the openssl text test checks CA:TRUE itself.
    expect(x509.serialNumber).toBe('8'.repeat(32));
    const parsed = parseCertificatePem(pem);
    expect(publicKeyFingerprint(parsed.publicKey)).toBe(publicKeyFingerprint(publicKey));
    expect(parsed.notBefore.toISOString()).toBe('2026-04-22T10:00:00.000Z');
    expect(parsed.notAfter.toISOString()).toBe('2036-04-19T10:00:00.000Z');
  });

  it('puts the CN in subject and issuer when given', () => {
    const x509 = new X509Certificate(make('sealed-secret'));
    expect(x509.subject).toBe('CN=sealed-secret');
    expect(x509.issuer).toBe('CN=sealed-secret');
    // checkIssued would be false: OpenSSL wants keyCertSign, but upstream's KeyUsage is encipherOnly alone.
    expect(x509.verify(publicKey)).toBe(true);
  });

  it('has the upstream extensions according to openssl', () => {
    const file = join(work, 'cert.pem');
    writeFileSync(file, make());
    const text = openssl(['x509', '-in', file, '-noout', '-text']);
    expect(text).toMatch(/Version: 3 \(0x2\)/);
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Encipher Only\s/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\s/);
    expect(text).toMatch(/X509v3 Subject Key Identifier:\s+[0-9A-F]{2}(:[0-9A-F]{2}){19}\s/);
    expect(text).toMatch(/Public-Key: \(2048 bit\)/);
    expect(text).toMatch(/Issuer: *\n/);
    expect(text).toMatch(/Subject: *\n/);
    expect(readFileSync(file, 'utf8')).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/,
    );
  });

  it('makes the serial a positive integer whatever the random bytes', () => {
    for (const serial of [new Uint8Array(16).fill(0xff), new Uint8Array(16), randomBytes(16)]) {
      const x509 = new X509Certificate(make(undefined, serial));
      const value = BigInt(`0x${x509.serialNumber}`);
      expect(openssl(['x509', '-noout', '-text'], x509.toString())).not.toMatch(/Negative/);
      expect(value > 0n).toBe(true);
      expect(value < 2n ** 128n).toBe(true);
    }
  });

  it('signs with the private key it is given (a mismatched public key fails verification)', () => {
    const pem = createSelfSignedCertificate({
      privateKey: smallKey().privateKey,
      publicKey,
      notBefore,
      validityMs,
      serial: randomBytes(16),
    });
    const x509 = new X509Certificate(pem);
    expect(x509.verify(publicKey)).toBe(false);
    expect(x509.verify(createPublicKey(smallKey().privateKey))).toBe(true);
  });
});
