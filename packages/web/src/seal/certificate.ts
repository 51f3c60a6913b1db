// The controller's certificate in the browser: PEM → DER → validity and SubjectPublicKeyInfo, then a WebCrypto
// RSA-OAEP-SHA256 key. node:crypto's X509Certificate is not available here; the walk below is all we need.
import { formatGoDate } from '@ssts/core';
import { concatBytes, fromBase64, toBase64, utf8, view } from './bytes.js';
import { TAG, children, expectTag, oidText, readElement, readTime } from './der.js';
import { CertificateError } from './errors.js';

/** A PEM larger than this is refused before it is parsed (a 16384-bit RSA certificate is about 5 KiB). */
export const MAX_CERTIFICATE_PEM_BYTES = 64 * 1024;

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
// The names upstream kubeseal prints for other key types (compat §6.3 step 11).
const OTHER_KEY_TYPES: Readonly<Record<string, string>> = {
  '1.2.840.10045.2.1': '*ecdsa.PublicKey',
  '1.3.101.112': 'ed25519.PublicKey',
  '1.2.840.10040.4.1': '*dsa.PublicKey',
};

export interface SealingKey {
  readonly publicKey: CryptoKey;
  readonly modulusBits: number;
  /** `SHA256:<base64>` of the public key, as the controller logs it and `ssh-keygen -l` prints it (compat §1.6). */
  readonly keyFingerprint: string;
  /** SHA-256 of the certificate DER, `AB:CD:…`, as `openssl x509 -noout -fingerprint -sha256` prints it. */
  readonly certificateSha256: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

interface ParsedCertificate {
  readonly der: Uint8Array;
  readonly spki: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * The first plain `CERTIFICATE` block of `pem` (blocks with RFC 1421 headers are skipped, like Go's pem.Decode
 * callers). Only the fields the page needs are read: validity and the SPKI.
 */
export function parseCertificatePem(pem: string): ParsedCertificate {
  if (pem.length > MAX_CERTIFICATE_PEM_BYTES) {
    throw new CertificateError(`the certificate is larger than ${MAX_CERTIFICATE_PEM_BYTES / 1024} KiB`);
  }
  const der = firstCertificateDer(pem);
  if (der === undefined) {
    throw new CertificateError('data does not contain any valid RSA or ECDSA certificates');
  }
  const certificate = expectTag(readElement(der, 0), TAG.SEQUENCE);
  const tbs = children(expectTag(children(certificate.content)[0], TAG.SEQUENCE).content);
  // version [0] is optional (absent means v1); then serial, signature algorithm, issuer, validity, subject, SPKI.
  const fields = tbs[0]?.tag === TAG.CONTEXT_0 ? tbs.slice(1) : tbs;
  expectTag(fields[0], TAG.INTEGER);
  const validity = children(expectTag(fields[3], TAG.SEQUENCE).content);
  const spki = expectTag(fields[5], TAG.SEQUENCE);
  const algorithm = children(expectTag(children(spki.content)[0], TAG.SEQUENCE).content);
  const oid = oidText(expectTag(algorithm[0], TAG.OID).content);
  if (oid !== RSA_ENCRYPTION) {
    throw new CertificateError(`expected RSA public key but found ${OTHER_KEY_TYPES[oid] ?? oid}`);
  }
  return {
    der: certificate.raw,
    spki: spki.raw,
    notBefore: readTime(validity[0]),
    notAfter: readTime(validity[1]),
  };
}

const BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

function firstCertificateDer(pem: string): Uint8Array | undefined {
  for (const match of pem.matchAll(BLOCK)) {
    const lines = (match[1] ?? '').split(/\r?\n/);
    if (lines.some((line) => line.includes(':'))) continue;
    const der = fromBase64(lines.join('').replace(/\s+/g, ''));
    if (der !== undefined) return der;
  }
  return undefined;
}

/** Parses the certificate and imports its key for RSA-OAEP with SHA-256 (hash and MGF1, compat §1.5). */
export async function importCertificate(pem: string): Promise<SealingKey> {
  const parsed = parseCertificatePem(pem);
  const subtle = globalThis.crypto.subtle;
  let publicKey: CryptoKey;
  try {
    publicKey = await subtle.importKey(
      'spki',
      view(parsed.spki),
      { name: 'RSA-OAEP', hash: 'SHA-256' },
      true,
      ['encrypt'],
    );
  } catch {
    throw new CertificateError('x509: malformed certificate (the RSA public key cannot be imported)');
  }
  const { modulusLength } = publicKey.algorithm as RsaHashedKeyAlgorithm;
  const certificateDigest = new Uint8Array(await subtle.digest('SHA-256', view(parsed.der)));
  return {
    publicKey,
    modulusBits: modulusLength,
    keyFingerprint: await sshFingerprint(publicKey),
    certificateSha256: [...certificateDigest]
      .map((b) => b.toString(16).padStart(2, '0').toUpperCase())
      .join(':'),
    notBefore: parsed.notBefore,
    notAfter: parsed.notAfter,
  };
}

/**
 * Whether `expected` names this key: its `SHA256:…` key fingerprint, or the certificate's SHA-256 as openssl prints
 * it (any case, with or without openssl's `sha256 Fingerprint=`). Undefined when nothing is pinned.
 */
export function matchesPin(key: SealingKey, expected: string): boolean | undefined {
  const pin = expected.trim().replace(/^sha256 fingerprint=/i, '');
  if (pin === '') return undefined;
  return pin === key.keyFingerprint || pin.toUpperCase() === key.certificateSha256;
}

/** Upstream kubeseal's text for an expired certificate (compat §6.3), so users can search for it. */
export function assertNotExpired(key: SealingKey, now: Date): void {
  if (now.getTime() > key.notAfter.getTime()) {
    throw new CertificateError(
      `failed to encrypt using an expired certificate on ${formatGoDate(key.notAfter)}`,
    );
  }
}

/** OpenSSH-style `SHA256:` fingerprint over the SSH wire encoding (`ssh-rsa`, mpint e, mpint n). */
async function sshFingerprint(publicKey: CryptoKey): Promise<string> {
  const jwk = await globalThis.crypto.subtle.exportKey('jwk', publicKey);
  const e = fromBase64Url(jwk.e ?? '');
  const n = fromBase64Url(jwk.n ?? '');
  const wire = concatBytes([sshString(utf8('ssh-rsa')), sshString(mpint(e)), sshString(mpint(n))]);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', view(wire)));
  return `SHA256:${toBase64(digest).replace(/=+$/, '')}`;
}

function fromBase64Url(text: string): Uint8Array {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = fromBase64(standard.padEnd(Math.ceil(standard.length / 4) * 4, '='));
  if (bytes === undefined) throw new CertificateError('x509: malformed certificate (bad RSA key)');
  return bytes;
}

function sshString(bytes: Uint8Array): Uint8Array {
  const length = bytes.length;
  return concatBytes([
    new Uint8Array([length >>> 24, (length >>> 16) & 255, (length >>> 8) & 255, length & 255]),
    bytes,
  ]);
}

/** RFC 4251 mpint of a non-negative big-endian integer: minimal, with a 0x00 in front when the top bit is set. */
function mpint(unsigned: Uint8Array): Uint8Array {
  let start = 0;
  while (start < unsigned.length && unsigned[start] === 0) start++;
  const minimal = unsigned.subarray(start);
  const top = minimal[0];
  return top !== undefined && top >= 0x80 ? concatBytes([new Uint8Array([0]), minimal]) : minimal;
}
