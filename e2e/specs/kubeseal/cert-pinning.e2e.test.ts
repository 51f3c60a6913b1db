// Key continuity in the built kubeseal (issue 14 item 3): a fake controller on 127.0.0.1 (`--cert http://…`) that
// swaps its certificate is refused and `--trust-new-cert` accepts it; a genuine renewal (signed by the previous
// key) is accepted silently; and on the local control plane a real renewal of our controller (SIGUSR1) is verified
// through GET /v1/cert-chain behind the service proxy, without a word on stderr.
import { createServer, type Server } from 'node:http';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  ANNOTATION_SEALED_WITH,
  buildCertChain,
  createSelfSignedCertificate,
  parseCertificatePem,
  publicKeyFingerprint,
  signCertificateLink,
} from '@ssts/core';
import { coreApi, createTestNamespace, waitFor } from '../../helpers/index.js';
import type { SealedSecret } from '../controller/support.js';
import {
  expectOk,
  firstContactNotice,
  kubeseal,
  secretYaml,
  startOurController,
  writeKubeconfigFile,
  type ProxiedController,
} from './support.js';

interface Key {
  readonly privateKey: KeyObject;
  readonly fingerprint: string;
  readonly pem: string;
}

function newKey(index: number): Key {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = createSelfSignedCertificate({
    privateKey,
    publicKey,
    commonName: `pinning-${index}`,
    notBefore: new Date(Date.now() - 86_400_000),
    validityMs: 86_400_000 * 365,
    serial: new Uint8Array(16).fill(index + 1),
  });
  return { privateKey, fingerprint: publicKeyFingerprint(publicKey), pem };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ssts-cert-pinning-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pins = (file: string): Record<string, string[]> =>
  (JSON.parse(readFileSync(file, 'utf8')) as { controllers: Record<string, string[]> }).controllers;

describe('kubeseal --cert http://… against a fake controller on 127.0.0.1', () => {
  const served: { cert: string; chain: string | undefined } = { cert: '', chain: undefined };
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/v1/cert.pem') return void res.end(served.cert);
      if (req.url === '/v1/cert-chain' && served.chain !== undefined) return void res.end(served.chain);
      res.statusCode = 404;
      res.end('404 page not found\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/cert.pem`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('first contact pins, a signed renewal is silent, a swap is refused, --trust-new-cert accepts it', async () => {
    const [k1, k2, evil] = [newKey(1), newKey(2), newKey(3)] as [Key, Key, Key];
    const known = join(dir, 'fake-known-certs.json');
    const env = { SEALED_SECRETS_KNOWN_CERTS: known };
    const fetchCert = (extra: string[] = []) => kubeseal(['--cert', url, '--fetch-cert', ...extra], { env });

    served.cert = k1.pem;
    const first = await fetchCert();
    expect(first).toEqual({
      code: 0,
      stdout: k1.pem,
      stderr: `notice: first contact with ${url}: trusting certificate ${k1.fingerprint} and remembering it\n`,
    });
    expect(pins(known)).toEqual({ [url]: [k1.fingerprint] });
    expect(await fetchCert()).toEqual({ code: 0, stdout: k1.pem, stderr: '' });

    // A renewal the old key signed: accepted without a word, and both are pinned.
    Object.assign(served, {
      cert: k2.pem,
      chain: JSON.stringify(
        buildCertChain([
          { fingerprint: k1.fingerprint, certificatePem: k1.pem },
          { fingerprint: k2.fingerprint, certificatePem: k2.pem, link: signCertificateLink(k1, k2.pem) },
        ]),
      ),
    });
    expect(await fetchCert()).toEqual({ code: 0, stdout: k2.pem, stderr: '' });
    expect(pins(known)).toEqual({ [url]: [k1.fingerprint, k2.fingerprint] });

    // A swapped certificate whose chain links nothing to a pin: refused, nothing printed or written, and the
    // sealing commands refuse it the same way.
    Object.assign(served, {
      cert: evil.pem,
      chain: JSON.stringify(buildCertChain([{ fingerprint: evil.fingerprint, certificatePem: evil.pem }])),
    });
    const out = join(dir, 'cert-out.pem');
    const refused = await fetchCert(['-w', out]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
    expect(refused.stderr.split('\n')).toEqual([
      `error: the certificate of ${url} changed from ${k2.fingerprint} to ${evil.fingerprint}, which no pinned ` +
        `certificate vouches for: certificate ${evil.fingerprint} is not signed by an earlier key`,
      `pinned: ${k1.fingerprint.slice(0, 15)}…, ${k2.fingerprint.slice(0, 15)}…`,
      'if the controller really has a new key (restored, replaced), check it out of band and run again with --trust-new-cert',
      '',
    ]);
    const sealRefused = await kubeseal(['seal', '--cert', url], {
      env,
      input: secretYaml('app', 'web', { a: 'b' }),
    });
    expect(sealRefused.code).toBe(1);
    expect(sealRefused.stderr).toContain(`changed from ${k2.fingerprint} to ${evil.fingerprint}`);
    expect(pins(known)).toEqual({ [url]: [k1.fingerprint, k2.fingerprint] });

    // The way out: accepted with a warning, pinned from then on.
    const trusted = await kubeseal(['seal', '--cert', url, '--trust-new-cert', '-o', 'yaml'], {
      env,
      input: secretYaml('app', 'web', { a: 'b' }),
    });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stderr).toBe(
      `warning: trusting the new certificate ${evil.fingerprint} of ${url} because of --trust-new-cert\n`,
    );
    const sealed = parseYaml(trusted.stdout) as SealedSecret;
    expect(sealed.metadata.annotations?.[ANNOTATION_SEALED_WITH]).toBe(evil.fingerprint);
    expect(pins(known)).toEqual({ [url]: [k1.fingerprint, k2.fingerprint, evil.fingerprint] });
    expect(await fetchCert()).toEqual({ code: 0, stdout: evil.pem, stderr: '' });
  });

  it('a local --cert file is the user own trust: never pinned, never refused', async () => {
    const known = join(dir, 'local-known-certs.json');
    const certFile = join(dir, 'local.pem');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(certFile, newKey(4).pem);
    const res = await kubeseal(['--cert', certFile, '--fetch-cert'], {
      env: { SEALED_SECRETS_KNOWN_CERTS: known },
    });
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(known)).toBe(false);
  });
});

describe('a key renewal of our controller on the local control plane', () => {
  let ns: string;
  let controller: ProxiedController;
  beforeAll(async () => {
    ns = await createTestNamespace({ prefix: 'kubeseal-pinning-', deleteAfterTest: false });
    controller = await startOurController(ns, { args: ['--key-renew-period', '0'] });
  }, 120_000);
  afterAll(async () => {
    await controller?.stop();
    if (ns !== undefined)
      await coreApi()
        .deleteNamespace({ name: ns })
        .catch(() => undefined);
  });

  it('is verified through /v1/cert-chain and accepted silently', { timeout: 120_000 }, async () => {
    const known = join(dir, 'cluster-known-certs.json');
    const kubeconfig = writeKubeconfigFile(dir, 'kubeconfig');
    const ks = (args: string[], input?: string) =>
      kubeseal([...args, '--kubeconfig', kubeconfig, '--controller-namespace', ns], {
        env: { SEALED_SECRETS_KNOWN_CERTS: known },
        ...(input === undefined ? {} : { input }),
      });
    const firstPem = await controller.certPem();
    const first = publicKeyFingerprint(parseCertificatePem(firstPem).publicKey);
    const fetched = await ks(['cert', 'fetch']);
    expect(fetched.stdout).toBe(firstPem);
    expect(fetched.stderr).toMatch(firstContactNotice(ns));

    process.kill(controller.pid, 'SIGUSR1');
    const secondPem = await waitFor(
      async () => {
        const pem = await controller.certPem();
        return pem !== firstPem && pem;
      },
      { description: 'the renewed certificate' },
    );
    const second = publicKeyFingerprint(parseCertificatePem(secondPem).publicKey);

    const sealed = await ks(['seal', '-o', 'yaml'], secretYaml('renewed', ns, { k: 'v' }));
    expect(sealed.stderr).toBe('');
    expect(sealed.code).toBe(0);
    const ss = parseYaml(expectOk(sealed, 'seal')) as SealedSecret;
    expect(ss.metadata.annotations?.[ANNOTATION_SEALED_WITH]).toBe(second);
    expect(Object.values(pins(known))).toEqual([[first, second]]);
  });
});
