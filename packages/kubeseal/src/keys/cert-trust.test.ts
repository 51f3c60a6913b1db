import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSelfSignedCertificate, parseCertificatePem, publicKeyFingerprint } from '@ssts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerClient } from '../cluster/controller-client.js';
import { memoryIo } from '../test-helpers/memory-io.js';
import { checkCertContinuity, type CertOrigin } from './cert-trust.js';

function newKey(index: number) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = createSelfSignedCertificate({
    privateKey,
    publicKey,
    commonName: `trust-${index}`,
    notBefore: new Date(Date.UTC(2026, 0, 1)),
    validityMs: 86_400_000 * 3650,
    serial: new Uint8Array(16).fill(index + 1),
  });
  return { fingerprint: publicKeyFingerprint(publicKey), pem: Buffer.from(pem) };
}

const [k1, k2] = [newKey(1), newKey(2)];
const OPTIONS = { knownCerts: '/k.json', trustNewCert: false };

/** A controller through the proxy whose /v1/cert-chain answers `chain`, counting the requests. */
function controller(chain: { status: number; body: Buffer }): ControllerClient & { gets: string[] } {
  const gets: string[] = [];
  return {
    gets,
    server: 'https://k8s.example:6443',
    fetchCertificate: () => Promise.reject(new Error('unused')),
    verify: () => Promise.reject(new Error('unused')),
    rotate: () => Promise.reject(new Error('unused')),
    get: (path) => {
      gets.push(path);
      return Promise.resolve(chain);
    },
  };
}
const origin = (c: ControllerClient): CertOrigin => ({
  kind: 'controller',
  controller: c,
  namespace: 'kube-system',
  name: 'sealed-secrets-controller',
});
const ID = 'https://k8s.example:6443#kube-system/sealed-secrets-controller';
const knownFile = (pins: string[]) => JSON.stringify({ version: 1, controllers: { [ID]: pins } });

describe('checkCertContinuity', () => {
  it("pins and refuses by the caller's parsed certificate when it passes one", async () => {
    const c = controller({ status: 404, body: Buffer.from('404 page not found\n') });
    const mem = memoryIo();
    await checkCertContinuity(mem.io, {}, OPTIONS, origin(c), k1.pem, parseCertificatePem(k1.pem.toString()));
    expect(JSON.parse(mem.files.get('/k.json')?.toString() ?? '{}')).toEqual({
      version: 1,
      controllers: { [ID]: [k1.fingerprint] },
    });
    await checkCertContinuity(mem.io, {}, OPTIONS, origin(c), k1.pem, parseCertificatePem(k1.pem.toString()));
    await expect(
      checkCertContinuity(mem.io, {}, OPTIONS, origin(c), k2.pem, parseCertificatePem(k2.pem.toString())),
    ).rejects.toThrow(`changed from ${k1.fingerprint} to ${k2.fingerprint}`);
  });

  it('asks for the chain only when a known controller shows a new certificate', async () => {
    const c = controller({ status: 404, body: Buffer.from('404 page not found\n') });
    const mem = memoryIo();
    await checkCertContinuity(mem.io, {}, OPTIONS, origin(c), k1.pem);
    expect(mem.stderr()).toBe(
      `notice: first contact with ${ID}: trusting certificate ${k1.fingerprint} and remembering it\n`,
    );
    await checkCertContinuity(mem.io, {}, OPTIONS, origin(c), k1.pem);
    expect(c.gets).toEqual([]);
    await expect(checkCertContinuity(mem.io, {}, OPTIONS, origin(c), k2.pem)).rejects.toThrow(
      `changed from ${k1.fingerprint} to ${k2.fingerprint}, which no pinned certificate vouches for: the controller does not serve /v1/cert-chain`,
    );
    expect(c.gets).toEqual(['/v1/cert-chain']);
  });

  it('bytes that are not a certificate are left to the caller, and nothing is pinned', async () => {
    const mem = memoryIo();
    await checkCertContinuity(
      mem.io,
      {},
      OPTIONS,
      origin(controller({ status: 404, body: Buffer.alloc(0) })),
      Buffer.from('<html>'),
    );
    expect(mem.stderr()).toBe('');
    expect(mem.written).toEqual([]);
  });

  it('an unwritable file is a warning, and the decision of this run holds', async () => {
    const mem = memoryIo({ failWrites: true });
    await checkCertContinuity(
      mem.io,
      {},
      OPTIONS,
      origin(controller({ status: 404, body: Buffer.alloc(0) })),
      k1.pem,
    );
    expect(mem.stderr().split('\n')).toEqual([
      `notice: first contact with ${ID}: trusting certificate ${k1.fingerprint} and remembering it`,
      'warning: cannot write the known certificates file /k.json: disk full; the certificate is trusted for this run only',
      '',
    ]);
  });

  it('without a flag, a variable or a home, nothing is read or written (no relative path in the working directory)', async () => {
    const mem = memoryIo();
    await checkCertContinuity(
      mem.io,
      {},
      { knownCerts: '', trustNewCert: false },
      origin(controller({ status: 404, body: Buffer.alloc(0) })),
      k1.pem,
    );
    expect(mem.read).toEqual([]);
    expect(mem.written).toEqual([]);
    expect(mem.stderr()).toContain('notice: first contact with');
  });

  it('the default file is under $XDG_CONFIG_HOME, else ~/.config', async () => {
    const c = controller({ status: 404, body: Buffer.alloc(0) });
    const xdg = memoryIo();
    await checkCertContinuity(
      xdg.io,
      { XDG_CONFIG_HOME: '/cfg', HOME: '/h' },
      { knownCerts: '', trustNewCert: false },
      origin(c),
      k1.pem,
    );
    expect(xdg.written).toEqual(['/cfg/kubeseal/known-certs.json']);
    const home = memoryIo();
    await checkCertContinuity(
      home.io,
      { HOME: '/h' },
      { knownCerts: '', trustNewCert: false },
      origin(c),
      k1.pem,
    );
    expect(home.written).toEqual(['/h/.config/kubeseal/known-certs.json']);
  });

  describe('a hostile --cert URL whose /v1/cert-chain never ends', () => {
    let url = '';
    let close: () => Promise<void> = () => Promise.resolve();
    beforeAll(async () => {
      const server = createServer((req, res) => {
        if (req.url === '/v1/cert.pem') return void res.end(k2.pem);
        // 1 KiB chunks for as long as the client reads.
        const chunk = Buffer.alloc(1024, 0x20);
        const pump = () => {
          while (res.write(chunk)) if (res.destroyed) return;
        };
        res.on('drain', pump);
        pump();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/cert.pem`;
      close = () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        });
    });
    afterAll(() => close());

    it('stops reading at 1 MiB and refuses with that reason', async () => {
      const mem = memoryIo({
        files: { '/k.json': JSON.stringify({ version: 1, controllers: { [url]: [k1.fingerprint] } }) },
      });
      await expect(
        checkCertContinuity(
          mem.io,
          {},
          OPTIONS,
          { kind: 'url', url, fetch: { requestTimeout: '30s' } },
          k2.pem,
        ),
      ).rejects.toThrow(/which no pinned certificate vouches for: .*larger than the 1 MiB we read/);
      expect(mem.written).toEqual([]);
    });
  });

  it('a pinned controller file is kept as it was when the certificate is pinned', async () => {
    const mem = memoryIo({ files: { '/k.json': knownFile([k1.fingerprint]) } });
    await checkCertContinuity(
      mem.io,
      {},
      OPTIONS,
      origin(controller({ status: 404, body: Buffer.alloc(0) })),
      k1.pem,
    );
    expect(mem.written).toEqual([]);
    expect(mem.stderr()).toBe('');
  });
});
