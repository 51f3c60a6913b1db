import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, createPublicKey } from 'node:crypto';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { smallKey, vectorKey2048, vectorKey4096 } from '../test-helpers/keys.js';
import { publicKeyFingerprint } from './fingerprint.js';

function hasSshKeygen(): boolean {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // ssh-keygen exits non-zero on -? but exists; ENOENT means it is not installed.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** ssh-keygen when installed, else an independent computation with node-forge's big integers. */
function referenceFingerprint(publicPem: string): string {
  if (hasSshKeygen()) {
    const dir = mkdtempSync(join(tmpdir(), 'fp-'));
    try {
      writeFileSync(join(dir, 'key.pem'), publicPem);
      const ssh = execFileSync('ssh-keygen', ['-i', '-m', 'PKCS8', '-f', join(dir, 'key.pem')], {
        encoding: 'utf8',
      });
      writeFileSync(join(dir, 'key.pub'), ssh);
      const line = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'key.pub')], {
        encoding: 'utf8',
      });
      const match = /(SHA256:\S+)/.exec(line);
      if (!match?.[1]) throw new Error(`unexpected ssh-keygen output: ${line}`);
      return match[1];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const key = forge.pki.publicKeyFromPem(publicPem) as forge.pki.rsa.PublicKey;
  const mpint = (n: forge.jsbn.BigInteger) => {
    let hex = n.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
    return Buffer.from(hex, 'hex');
  };
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, b.length >> 8, b.length & 0xff]), b]);
  const wire = Buffer.concat([str(Buffer.from('ssh-rsa')), str(mpint(key.e)), str(mpint(key.n))]);
  return `SHA256:${createHash('sha256').update(wire).digest('base64').replace(/=+$/, '')}`;
}

describe('publicKeyFingerprint', () => {
  it('matches the fingerprint documented for the known-answer key', () => {
    expect(publicKeyFingerprint(vectorKey2048().publicKey)).toBe(
      'SHA256:TomzkHTt08DJYBuS3GmmUHbSwq6b8NmGZh8u9+h0q2A',
    );
  });

  it.each([
    ['2048-bit vector key', vectorKey2048],
    ['4096-bit vector key', vectorKey4096],
    ['fresh 1024-bit key', smallKey],
  ])('matches the reference computation for the %s', (_name, pair) => {
    const { publicKey } = pair();
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(publicKeyFingerprint(publicKey)).toBe(referenceFingerprint(pem));
  });

  it('gives the same value for a private key and its public key', () => {
    const { privateKey } = vectorKey4096();
    expect(publicKeyFingerprint(privateKey)).toBe(publicKeyFingerprint(createPublicKey(privateKey)));
  });
});
