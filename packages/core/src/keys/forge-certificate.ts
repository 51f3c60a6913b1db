import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type forgeNamespace from 'node-forge';

// Shared by certificate.ts (the sealing keys' self-signed certificates) and issue-certificate.ts (CA and serving
// certificates); not exported from the package.

type Forge = typeof forgeNamespace;
let forgeModule: Forge | undefined;

// node-forge is only needed to make certificates (the controller, rarely): loading it lazily keeps ~40 ms off
// every kubeseal start-up.
export function loadForge(): Forge {
  forgeModule ??= createRequire(import.meta.url)('node-forge') as Forge;
  return forgeModule;
}

const SHA256_WITH_RSA_OID = '1.2.840.113549.1.1.11';
/** A node:crypto public key (or the public half of a private one) as node-forge's RSA key. */
export function forgePublicKey(key: KeyObject): forgeNamespace.pki.rsa.PublicKey {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return loadForge().pki.publicKeyFromPem(publicPem);
}

/** Signs the TBSCertificate of `cert` with node:crypto (sha256WithRSAEncryption) and returns the PEM. */
export function signForgeCertificate(cert: forgeNamespace.pki.Certificate, privateKey: KeyObject): string {
  const forge = loadForge();
  // Public in node-forge (pki.getTBSCertificate) but missing from @types/node-forge.
  const forgeTbs = forge.pki as unknown as {
    getTBSCertificate(cert: forgeNamespace.pki.Certificate): forgeNamespace.asn1.Asn1;
  };
  const SHA256_WITH_RSA = forge.pki.oids['sha256WithRSAEncryption'] ?? SHA256_WITH_RSA_OID;
  cert.siginfo.algorithmOid = SHA256_WITH_RSA;
  cert.signatureOid = SHA256_WITH_RSA;
  const tbsCertificate = forgeTbs.getTBSCertificate(cert);
  cert.tbsCertificate = tbsCertificate;
  const tbs = Buffer.from(forge.asn1.toDer(tbsCertificate).getBytes(), 'binary');
  cert.signature = sign('sha256', tbs, privateKey).toString('binary');
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n');
}

/** The serial as a positive DER INTEGER body (hex): unsigned big-endian, minimal, never zero. */
export function serialHex(bytes: Uint8Array): string {
  let hex = Buffer.from(bytes)
    .toString('hex')
    .replace(/^(?:00)+/, '');
  if (hex === '') hex = '01';
  return parseInt(hex.slice(0, 2), 16) >= 0x80 ? `00${hex}` : hex;
}

export function truncateToSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
