import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { publicKeyFingerprint } from '../crypto/fingerprint.js';
import { createSelfSignedCertificate } from './certificate.js';
import {
  ANNOTATION_PREVIOUS_KEY,
  ANNOTATION_PREVIOUS_KEY_SIGNATURE,
  buildCertChain,
  certificateDer,
  linkAnnotations,
  linkPath,
  parseCertChain,
  readLink,
  signCertificateLink,
  verifyCertificateLink,
  type CertificateLink,
} from './continuity.js';
import { buildKeySecret, keyEntryFromSecret } from './key-secret.js';

interface TestKey {
  fingerprint: string;
  privateKey: ReturnType<typeof generateKeyPairSync>['privateKey'];
  publicKey: ReturnType<typeof generateKeyPairSync>['publicKey'];
  certificatePem: string;
}

function newKey(i: number): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificatePem = createSelfSignedCertificate({
    privateKey,
    publicKey,
    notBefore: new Date(Date.UTC(2026, 0, i + 1)),
    validityMs: 86_400_000 * 3650,
    serial: new Uint8Array(16).fill(i + 1),
  });
  return { fingerprint: publicKeyFingerprint(publicKey), privateKey, publicKey, certificatePem };
}

// Three generations: k0 (unlinked, e.g. made by the Go controller), k1 signed by k0, k2 signed by k1.
const [k0, k1, k2] = [newKey(0), newKey(1), newKey(2)] as [TestKey, TestKey, TestKey];
const l1 = signCertificateLink(k0, k1.certificatePem);
const l2 = signCertificateLink(k1, k2.certificatePem);
const chainBody = (chain: unknown) => Buffer.from(JSON.stringify(chain));
const fullChain = () =>
  buildCertChain([
    { fingerprint: k0.fingerprint, certificatePem: k0.certificatePem },
    { fingerprint: k1.fingerprint, certificatePem: k1.certificatePem, link: l1 },
    { fingerprint: k2.fingerprint, certificatePem: k2.certificatePem, link: l2 },
  ]);

const dir = mkdtempSync(join(tmpdir(), 'ssts-continuity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('certificate links', () => {
  it('verify with the previous key only, and only for that certificate', () => {
    expect(l1.previous).toBe(k0.fingerprint);
    expect(verifyCertificateLink(k0.publicKey, k1.certificatePem, l1)).toBe(true);
    expect(verifyCertificateLink(k1.publicKey, k1.certificatePem, l1)).toBe(false);
    expect(verifyCertificateLink(k0.publicKey, k2.certificatePem, l1)).toBe(false);
    const flipped = Buffer.from(l1.signature, 'base64');
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    expect(
      verifyCertificateLink(k0.publicKey, k1.certificatePem, {
        ...l1,
        signature: flipped.toString('base64'),
      }),
    ).toBe(false);
    expect(verifyCertificateLink(k0.publicKey, k1.certificatePem, { ...l1, signature: 'not base64!' })).toBe(
      false,
    );
  });

  it('is the documented format: openssl verifies it (RSA-PSS, SHA-256, MGF1-SHA-256, salt 32, over the DER)', () => {
    writeFileSync(join(dir, 'prev.pem'), k0.publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'new.der'), certificateDer(k1.certificatePem));
    writeFileSync(join(dir, 'link.sig'), Buffer.from(l1.signature, 'base64'));
    const args = [
      'dgst',
      '-sha256',
      '-sigopt',
      'rsa_padding_mode:pss',
      '-sigopt',
      'rsa_pss_saltlen:32',
      '-sigopt',
      'rsa_mgf1_md:sha256',
      '-verify',
      'prev.pem',
      '-signature',
      'link.sig',
      'new.der',
    ];
    const res = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    expect(res.error).toBeUndefined();
    expect(res.stdout.trim()).toBe('Verified OK');
    writeFileSync(join(dir, 'new.der'), certificateDer(k2.certificatePem));
    expect(spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' }).status).toBe(1);
  });

  it('travels in the key Secret annotations and back into the KeyEntry', () => {
    const secret = buildKeySecret({
      prefix: 'sealed-secrets-key',
      namespace: 'kube-system',
      privateKey: k1.privateKey,
      certificatePem: k1.certificatePem,
      annotations: linkAnnotations(l1),
    });
    expect(secret.metadata.annotations).toStrictEqual({
      [ANNOTATION_PREVIOUS_KEY]: k0.fingerprint,
      [ANNOTATION_PREVIOUS_KEY_SIGNATURE]: l1.signature,
    });
    expect(keyEntryFromSecret(secret).link).toStrictEqual(l1);
    const plain = buildKeySecret({
      prefix: 'p',
      namespace: 'n',
      privateKey: k0.privateKey,
      certificatePem: k0.certificatePem,
    });
    expect(keyEntryFromSecret(plain).link).toBeUndefined();
  });

  it('readLink ignores malformed or half links', () => {
    expect(readLink({ [ANNOTATION_PREVIOUS_KEY]: k0.fingerprint })).toBeUndefined();
    expect(
      readLink({ [ANNOTATION_PREVIOUS_KEY]: 'x', [ANNOTATION_PREVIOUS_KEY_SIGNATURE]: 'AA==' }),
    ).toBeUndefined();
    expect(
      readLink({
        [ANNOTATION_PREVIOUS_KEY]: k0.fingerprint,
        [ANNOTATION_PREVIOUS_KEY_SIGNATURE]: 'A'.repeat(5000),
      }),
    ).toBeUndefined();
  });
});

describe('the chain', () => {
  it('links the newest certificate to any pinned older one, through every signature', () => {
    const chain = parseCertChain(chainBody(fullChain()));
    expect(chain.map((e) => e.fingerprint)).toStrictEqual([k0.fingerprint, k1.fingerprint, k2.fingerprint]);
    expect(linkPath(chain, new Set([k0.fingerprint]), k2.fingerprint)).toStrictEqual({
      ok: true,
      path: [k0.fingerprint, k1.fingerprint, k2.fingerprint],
    });
    expect(linkPath(chain, new Set([k1.fingerprint]), k2.fingerprint)).toStrictEqual({
      ok: true,
      path: [k1.fingerprint, k2.fingerprint],
    });
    expect(linkPath(chain, new Set([k2.fingerprint]), k2.fingerprint)).toMatchObject({ ok: true });
  });

  it('refuses a certificate without a valid path to a pinned key', () => {
    const stranger = newKey(9);
    const chain = parseCertChain(chainBody(fullChain()));
    expect(linkPath(chain, new Set([stranger.fingerprint]), k2.fingerprint)).toStrictEqual({
      ok: false,
      reason: `certificate ${k0.fingerprint} is not signed by an earlier key`,
    });
    expect(linkPath(chain, new Set([k0.fingerprint]), stranger.fingerprint)).toMatchObject({ ok: false });

    // A swapped certificate that claims k2's link: the signature does not cover it.
    const forged = buildCertChain([
      { fingerprint: k1.fingerprint, certificatePem: k1.certificatePem },
      { fingerprint: stranger.fingerprint, certificatePem: stranger.certificatePem, link: l2 },
    ]);
    expect(
      linkPath(parseCertChain(chainBody(forged)), new Set([k1.fingerprint]), stranger.fingerprint),
    ).toStrictEqual({
      ok: false,
      reason: `the signature of ${stranger.fingerprint} by ${k1.fingerprint} is not valid`,
    });
    // Signed by the stranger itself (who holds no pinned key).
    const selfLinked: CertificateLink = signCertificateLink(stranger, stranger.certificatePem);
    const loop = buildCertChain([
      { fingerprint: stranger.fingerprint, certificatePem: stranger.certificatePem, link: selfLinked },
    ]);
    expect(
      linkPath(parseCertChain(chainBody(loop)), new Set([k0.fingerprint]), stranger.fingerprint),
    ).toMatchObject({
      ok: false,
    });
  });

  it('parses untrusted bodies within bounds and checks every fingerprint', () => {
    expect(() => parseCertChain(Buffer.from('nope'))).toThrow('invalid certificate chain: not JSON');
    expect(() => parseCertChain(chainBody({ version: 2, certificates: [] }))).toThrow(
      /expected \{"version": 1/,
    );
    expect(() => parseCertChain(Buffer.alloc(2_000_000, 32))).toThrow(/larger than 1048576 bytes/);
    expect(() => parseCertChain(chainBody({ version: 1, certificates: new Array(600).fill({}) }))).toThrow(
      /more than 512 certificates/,
    );
    const lying = {
      version: 1,
      certificates: [{ fingerprint: k1.fingerprint, certificate: k0.certificatePem }],
    };
    expect(() => parseCertChain(chainBody(lying))).toThrow(
      `invalid certificate chain: certificates[0]: the certificate's key does not have fingerprint ${k1.fingerprint}`,
    );
    expect(() =>
      parseCertChain(chainBody({ version: 1, certificates: [{ fingerprint: 'x', certificate: 'y' }] })),
    ).toThrow(/certificates\[0\]: data does not contain any valid RSA or ECDSA certificates/);
  });
});
