// Key continuity (issue 14): when the controller generates a key it signs the new certificate with the previous
// sealing key, so a client that trusts an old certificate can accept the new one without trusting the network.
// Format (docs: packages/controller/README.md "Key continuity"): RSA-PSS, SHA-256, MGF1-SHA-256, salt length 32
// bytes, over the DER of the new certificate; base64 in an annotation of the new key Secret, next to the
// fingerprint of the key that signed it. The chain is served by GET /v1/cert-chain as JSON.
import { constants, sign, verify, type KeyObject } from 'node:crypto';
import { decodeBase64Strict } from '../crypto/base64.js';
import { isFingerprint, publicKeyFingerprint } from '../crypto/fingerprint.js';
import { SealedSecretsError } from '../errors.js';
import { parseCertificatePem } from './certificate.js';
import { pemBlocks } from './pem-blocks.js';

/** Fingerprint (compat §1.6) of the key whose private half signed this key Secret's certificate. */
export const ANNOTATION_PREVIOUS_KEY = 'sealed-secrets-ts/previous-key';
/** Base64 RSA-PSS signature of this key Secret's certificate (DER) by the previous key. */
export const ANNOTATION_PREVIOUS_KEY_SIGNATURE = 'sealed-secrets-ts/previous-key-signature';

/** PSS parameters: SHA-256 for the digest and MGF1, a 32-byte salt (`openssl … -sigopt rsa_pss_saltlen:32`). */
const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } as const;

/** A signed link from the previous key to a certificate. */
export interface CertificateLink {
  /** Fingerprint of the signing (previous) key. */
  readonly previous: string;
  /** Standard base64 of the RSA-PSS signature over the certificate's DER. */
  readonly signature: string;
}

/** DER of the first plain CERTIFICATE block of `pem`. */
export function certificateDer(pem: string): Buffer {
  const block = pemBlocks(pem).find((b) => b.type === 'CERTIFICATE' && !b.hasHeaders);
  if (block === undefined) {
    throw new SealedSecretsError('INVALID_CERT', 'data does not contain any valid RSA or ECDSA certificates');
  }
  return Buffer.from(block.der);
}

/** The link from `previous` (its private key signs) to the certificate `certificatePem`. */
export function signCertificateLink(
  previous: { readonly fingerprint: string; readonly privateKey: KeyObject },
  certificatePem: string,
): CertificateLink {
  const signature = sign('sha256', certificateDer(certificatePem), { key: previous.privateKey, ...PSS });
  return { previous: previous.fingerprint, signature: signature.toString('base64') };
}

/** Whether `link.signature` is a valid signature of `certificatePem` by `previousPublicKey`. Never throws. */
export function verifyCertificateLink(
  previousPublicKey: KeyObject,
  certificatePem: string,
  link: CertificateLink,
): boolean {
  try {
    const signature = decodeBase64Strict(link.signature);
    return verify('sha256', certificateDer(certificatePem), { key: previousPublicKey, ...PSS }, signature);
  } catch {
    return false;
  }
}

export function linkAnnotations(link: CertificateLink): Record<string, string> {
  return { [ANNOTATION_PREVIOUS_KEY]: link.previous, [ANNOTATION_PREVIOUS_KEY_SIGNATURE]: link.signature };
}

/** RSA-PSS signatures are as long as the modulus: 16384-bit keys at most. */
const MAX_SIGNATURE_BASE64 = 2_800;

/** The link of a key Secret's annotations; undefined when absent or malformed. */
export function readLink(
  annotations: Readonly<Record<string, string>> | undefined,
): CertificateLink | undefined {
  const previous = annotations?.[ANNOTATION_PREVIOUS_KEY];
  const signature = annotations?.[ANNOTATION_PREVIOUS_KEY_SIGNATURE];
  if (previous === undefined || signature === undefined) return undefined;
  if (!isFingerprint(previous) || signature.length > MAX_SIGNATURE_BASE64) return undefined;
  return { previous, signature };
}

/** One certificate of `GET /v1/cert-chain`. */
export interface CertChainEntry {
  readonly fingerprint: string;
  /** PEM of the certificate (one block). */
  readonly certificate: string;
  /** Present when the previous key signed this certificate. */
  readonly previous?: string;
  readonly signature?: string;
}

/**
 * The body of `GET /v1/cert-chain`: every certificate the controller holds, oldest first; the last one is the
 * sealing certificate (`/v1/cert.pem`). Links name their signer by fingerprint, which is usually the entry before.
 */
export interface CertChain {
  readonly version: 1;
  readonly certificates: readonly CertChainEntry[];
}

/** Builds the chain document from keys in oldest-first order. */
export function buildCertChain(
  keys: readonly { fingerprint: string; certificatePem: string; link?: CertificateLink | undefined }[],
): CertChain {
  return {
    version: 1,
    certificates: keys.map((k) => ({
      fingerprint: k.fingerprint,
      certificate: k.certificatePem,
      ...(k.link !== undefined && { previous: k.link.previous, signature: k.link.signature }),
    })),
  };
}

export interface CertChainLimits {
  /** Largest body accepted (default 1 MiB). */
  readonly maxBytes?: number;
  /** Most certificates (default 512: monthly renewals for 40 years). */
  readonly maxCertificates?: number;
}

/** A parsed, checked chain: each entry's fingerprint is the one of its certificate's public key. */
export interface VerifiedChainEntry {
  readonly fingerprint: string;
  readonly certificatePem: string;
  readonly publicKey: KeyObject;
  readonly link?: CertificateLink;
}

function chainError(message: string): SealedSecretsError {
  return new SealedSecretsError('INVALID_CERT', `invalid certificate chain: ${message}`);
}

/**
 * Parses a `/v1/cert-chain` body (untrusted): bounded size and count, every certificate an RSA certificate whose
 * key has the fingerprint the entry claims. Signatures are checked by `linkPath`, not here.
 */
export function parseCertChain(body: Uint8Array, limits: CertChainLimits = {}): VerifiedChainEntry[] {
  const maxBytes = limits.maxBytes ?? 1024 * 1024;
  const maxCertificates = limits.maxCertificates ?? 512;
  if (body.length > maxBytes) throw chainError(`larger than ${maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw chainError('not JSON');
  }
  const certificates = (value as { certificates?: unknown } | null)?.certificates;
  if ((value as { version?: unknown } | null)?.version !== 1 || !Array.isArray(certificates)) {
    throw chainError('expected {"version": 1, "certificates": [...]}');
  }
  if (certificates.length > maxCertificates) throw chainError(`more than ${maxCertificates} certificates`);
  return certificates.map((item: unknown, index) => {
    const entry = item as Record<string, unknown> | null;
    const { fingerprint, certificate, previous, signature } = entry ?? {};
    if (typeof fingerprint !== 'string' || typeof certificate !== 'string') {
      throw chainError(`certificates[${index}] needs a fingerprint and a certificate`);
    }
    let publicKey: KeyObject;
    try {
      publicKey = parseCertificatePem(certificate).publicKey;
    } catch (error) {
      throw chainError(`certificates[${index}]: ${(error as Error).message}`);
    }
    if (publicKeyFingerprint(publicKey) !== fingerprint) {
      throw chainError(
        `certificates[${index}]: the certificate's key does not have fingerprint ${fingerprint}`,
      );
    }
    const link =
      typeof previous === 'string' && typeof signature === 'string'
        ? readLink({ [ANNOTATION_PREVIOUS_KEY]: previous, [ANNOTATION_PREVIOUS_KEY_SIGNATURE]: signature })
        : undefined;
    return { fingerprint, certificatePem: certificate, publicKey, ...(link !== undefined && { link }) };
  });
}

export type LinkResult =
  | {
      readonly ok: true;
      /** Fingerprints from the pinned one to the target. */ readonly path: readonly string[];
    }
  | { readonly ok: false; readonly reason: string };

/**
 * Follows the signed links backwards from `target` until a fingerprint in `pinned`: each link's signature over the
 * certificate is checked with the public key of the chain entry it names. Fails on a missing entry, an unsigned
 * certificate, a bad signature or a loop.
 */
export function linkPath(
  chain: readonly VerifiedChainEntry[],
  pinned: ReadonlySet<string>,
  target: string,
): LinkResult {
  const byFingerprint = new Map(chain.map((e) => [e.fingerprint, e]));
  const path = [target];
  const seen = new Set<string>();
  let current = byFingerprint.get(target);
  if (current === undefined) return { ok: false, reason: 'the chain does not hold this certificate' };
  while (!pinned.has(current.fingerprint)) {
    seen.add(current.fingerprint);
    const link = current.link;
    if (link === undefined) {
      return { ok: false, reason: `certificate ${current.fingerprint} is not signed by an earlier key` };
    }
    const signer = byFingerprint.get(link.previous);
    if (signer === undefined || seen.has(signer.fingerprint)) {
      return {
        ok: false,
        reason: `the key ${link.previous} that signed ${current.fingerprint} is not in the chain`,
      };
    }
    if (!verifyCertificateLink(signer.publicKey, current.certificatePem, link)) {
      return {
        ok: false,
        reason: `the signature of ${current.fingerprint} by ${link.previous} is not valid`,
      };
    }
    path.unshift(signer.fingerprint);
    current = signer;
  }
  return { ok: true, path };
}
