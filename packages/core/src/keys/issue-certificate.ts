import type { KeyObject } from 'node:crypto';
import { SealedSecretsError } from '../errors.js';
import {
  forgePublicKey,
  loadForge,
  serialHex,
  signForgeCertificate,
  truncateToSeconds,
} from './forge-certificate.js';

/** Who signs: the issuing CA's certificate (PEM) and private key; absent → self-signed (a root CA). */
export interface CertificateIssuer {
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
}

export interface IssueCertificateOptions {
  /** The certified key (its public half is used). */
  readonly key: KeyObject;
  /** Signing key of a self-signed certificate (the private half of `key`); ignored when `issuer` is set. */
  readonly selfSignKey?: KeyObject;
  readonly issuer?: CertificateIssuer;
  readonly commonName: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Random bytes for the serial (injected so tests are deterministic). */
  readonly serial: Uint8Array;
  /** `ca`: may sign certificates (keyCertSign, cRLSign). `server`: a TLS serving certificate for `hosts`. */
  readonly usage: 'ca' | 'server';
  /** DNS names and IP addresses (subjectAltName) of a server certificate. */
  readonly hosts?: readonly string[];
}

/**
 * An X.509 v3 certificate (PEM) for a private CA or a TLS server, the shapes Go's crypto/x509 verifies: a CA with
 * basicConstraints CA:TRUE and keyCertSign, a server certificate with its names in subjectAltName (Go ignores the
 * CommonName) and extKeyUsage serverAuth, linked by subject/authority key identifiers. RSA keys, SHA-256.
 */
export function issueCertificate(options: IssueCertificateOptions): string {
  const forge = loadForge();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgePublicKey(options.key);
  cert.serialNumber = serialHex(options.serial);
  cert.validity.notBefore = truncateToSeconds(options.notBefore);
  cert.validity.notAfter = truncateToSeconds(options.notAfter);
  // UTF8String: forge's default PrintableString cannot hold characters like '@', and Go's x509 refuses such a name.
  cert.setSubject([
    { name: 'commonName', value: options.commonName, valueTagClass: forge.asn1.Type.UTF8 as never },
  ]);
  let signer: KeyObject;
  let authorityKeyId: string;
  if (options.issuer === undefined) {
    if (options.selfSignKey === undefined) {
      throw new SealedSecretsError('INVALID_KEY', 'a self-signed certificate needs its private key');
    }
    signer = options.selfSignKey;
    cert.setIssuer(cert.subject.attributes);
    authorityKeyId = keyIdentifier(cert.publicKey as forgeKey);
  } else {
    const issuer = forge.pki.certificateFromPem(options.issuer.certificatePem);
    signer = options.issuer.privateKey;
    cert.setIssuer(issuer.subject.attributes);
    authorityKeyId = keyIdentifier(issuer.publicKey as forgeKey);
  }
  const extensions: object[] =
    options.usage === 'ca'
      ? [
          { name: 'basicConstraints', critical: true, cA: true },
          { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true, digitalSignature: true },
        ]
      : [
          { name: 'basicConstraints', critical: true, cA: false },
          { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames: altNames(options.hosts ?? []) },
        ];
  cert.setExtensions([
    ...extensions,
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: authorityKeyId },
  ]);
  return signForgeCertificate(cert, signer);
}

type forgeKey = ReturnType<typeof forgePublicKey>;

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey bits (what forge's subjectKeyIdentifier computes too). */
function keyIdentifier(key: forgeKey): string {
  return loadForge().pki.getPublicKeyFingerprint(key, { type: 'RSAPublicKey' }).getBytes();
}

function altNames(hosts: readonly string[]): object[] {
  if (hosts.length === 0) {
    throw new SealedSecretsError(
      'INVALID_KEY',
      'a server certificate needs at least one DNS name or IP address',
    );
  }
  // subjectAltName type 2 = dNSName, 7 = iPAddress (IPv4 dotted quads, IPv6 with colons; DNS names have neither).
  return hosts.map((host) =>
    /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || host.includes(':')
      ? { type: 7, ip: host }
      : { type: 2, value: host },
  );
}
