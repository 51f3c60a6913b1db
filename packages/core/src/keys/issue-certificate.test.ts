import { execFileSync } from 'node:child_process';
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SealedSecretsError } from '../errors.js';
import { issueCertificate } from './issue-certificate.js';

const work = mkdtempSync(join(tmpdir(), 'issue-cert-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HOUR = 3_600_000;
const now = new Date(Date.UTC(2026, 5, 1, 12, 0, 0, 500));
const caKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const serverKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const caPem = issueCertificate({
  key: caKeys.publicKey,
  selfSignKey: caKeys.privateKey,
  commonName: 'test-ca',
  notBefore: now,
  notAfter: new Date(now.getTime() + 10 * HOUR),
  serial: randomBytes(16),
  usage: 'ca',
});
const serverPem = issueCertificate({
  key: serverKeys.privateKey,
  issuer: { certificatePem: caPem, privateKey: caKeys.privateKey },
  commonName: 'webhook',
  notBefore: now,
  notAfter: new Date(now.getTime() + HOUR),
  serial: randomBytes(16),
  usage: 'server',
  hosts: ['webhook.ns.svc', 'webhook.ns.svc.cluster.local', '127.0.0.1', '::1'],
});

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('issueCertificate', () => {
  it('makes a self-signed CA: CA:TRUE, keyCertSign, subject = issuer, seconds-truncated validity', () => {
    const ca = new X509Certificate(caPem);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=test-ca');
    expect(ca.issuer).toBe('CN=test-ca');
    expect(ca.verify(caKeys.publicKey)).toBe(true);
    expect(new Date(ca.validFrom).getTime()).toBe(Date.UTC(2026, 5, 1, 12, 0, 0));
    const text = openssl(['x509', '-noout', '-text', '-in', write('ca.pem', caPem)]);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(text).toContain('Subject Key Identifier');
  });

  it('makes a server certificate signed by the CA, with its names in subjectAltName', () => {
    const server = new X509Certificate(serverPem);
    expect(server.ca).toBe(false);
    expect(server.issuer).toBe('CN=test-ca');
    expect(server.verify(caKeys.publicKey)).toBe(true);
    expect(server.checkIssued(new X509Certificate(caPem))).toBe(true);
    expect(server.checkHost('webhook.ns.svc')).toBe('webhook.ns.svc');
    expect(server.checkHost('webhook.ns.svc.cluster.local')).toBeDefined();
    expect(server.checkHost('other.ns.svc')).toBeUndefined();
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBeDefined();
    expect(server.checkIP('10.0.0.1')).toBeUndefined();
    expect(server.publicKey.export({ format: 'jwk' }).n).toBe(
      serverKeys.publicKey.export({ format: 'jwk' }).n,
    );
    const text = openssl(['x509', '-noout', '-text', '-in', write('server.pem', serverPem)]);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
  });

  it('passes `openssl verify` for TLS serving with the CA as the only trust anchor', () => {
    const out = openssl([
      'verify',
      '-attime',
      String(Math.floor(now.getTime() / 1000) + 60),
      '-purpose',
      'sslserver',
      '-x509_strict',
      '-CAfile',
      write('trust.pem', caPem),
      write('leaf.pem', serverPem),
    ]);
    expect(out.trim()).toMatch(/: OK$/);
  });

  it('refuses a server certificate without names and a self-signed one without its key', () => {
    const base = {
      key: serverKeys.publicKey,
      commonName: 'x',
      notBefore: now,
      notAfter: new Date(now.getTime() + HOUR),
      serial: randomBytes(16),
    };
    expect(() =>
      issueCertificate({
        ...base,
        usage: 'server',
        hosts: [],
        issuer: { certificatePem: caPem, privateKey: caKeys.privateKey },
      }),
    ).toThrow(SealedSecretsError);
    expect(() => issueCertificate({ ...base, usage: 'ca' })).toThrow('needs its private key');
  });
});

function write(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}
