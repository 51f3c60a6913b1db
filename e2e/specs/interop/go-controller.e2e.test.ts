import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCertificatePem, publicKeyFingerprint } from '@ssts/core';
import { waitFor } from '../../helpers/index.js';
import { getSecret, waitForSynced, type SealedSecret } from '../controller/support.js';
import {
  firstContactNotice,
  KEY_LABEL,
  applySealedSecret,
  decryptValue,
  expectOk,
  keySecrets,
  kubeseal,
  secretText,
  writeKubeconfigFile,
  useProxiedController,
  type ProxiedController,
} from '../kubeseal/support.js';
import { UPSTREAM_BUILD_TIMEOUT_MS, goKubeseal, startGoController } from './upstream.js';

// Our kubeseal against the upstream Go controller (v0.40.0 by default, see upstream.ts) behind the service proxy:
// everything our CLI produces must be accepted by the real implementation, and our CLI must speak its HTTP API
// (compat §5).

let ns: string;
let controller: ProxiedController;
let dir: string;
let kc: string;

// startGoController builds the upstream binaries on first use (hence the longer hook budget).
const fixture = useProxiedController(
  'interop-goctl-',
  (namespace) => startGoController(namespace, { args: ['--key-renew-period', '0'] }),
  UPSTREAM_BUILD_TIMEOUT_MS,
);

beforeAll(() => {
  ({ ns, controller, dir } = fixture);
  kc = writeKubeconfigFile(dir, 'kubeconfig', { namespace: ns });
});

const ks = (args: readonly string[], input?: string) =>
  kubeseal(['--kubeconfig', kc, '--controller-namespace', ns, ...args], input === undefined ? {} : { input });

/** Every byte value once, so a single flipped or re-encoded byte shows. */
const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

function binarySecretJson(name: string, annotations: Record<string, string> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, labels: { app: 'interop' }, annotations: { note: 'kept', ...annotations } },
    type: 'Opaque',
    data: { 'bin.dat': BINARY.toString('base64'), shared: Buffer.from('from data').toString('base64') },
    stringData: { shared: 'stringData wins', 'unicode.txt': 'grüße — ✓' },
  });
}

const EXPECTED = {
  'bin.dat': BINARY.toString('base64'),
  shared: Buffer.from('stringData wins').toString('base64'),
  'unicode.txt': Buffer.from('grüße — ✓').toString('base64'),
};

async function expectGoUnseals(ss: SealedSecret, expectedData: Record<string, string>): Promise<void> {
  const name = ss.metadata.name ?? '';
  await applySealedSecret(ss);
  const synced = await waitForSynced(ns, name, (c) => c.status !== 'Unknown', 45_000);
  expect(synced.status?.conditions?.[0], controller.exposure.logsTail(20)).toMatchObject({ status: 'True' });
  const secret = await getSecret(ns, name);
  expect(secret?.data).toEqual(expectedData);
}

async function latestKey() {
  const latest = (await keySecrets(ns)).at(-1);
  if (latest === undefined) throw new Error('the Go controller has no key Secret');
  return latest;
}

describe('our kubeseal against the upstream Go controller', () => {
  it('--fetch-cert returns the Go key Secret tls.crt, byte for byte like Go kubeseal', async () => {
    const key = await latestKey();
    // The Go key Secret is what our controller must read (compat §4.1).
    expect(key.metadata.name).toMatch(/^sealed-secrets-key[a-z0-9]{5}$/);
    expect(key.type).toBe('kubernetes.io/tls');
    expect(key.metadata.labels?.[KEY_LABEL]).toBe('active');
    expect(secretText(key, 'tls.key')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);

    const ours = await ks(['--fetch-cert']);
    expect(ours.stderr).toMatch(firstContactNotice(ns));
    expect(ours.stdout).toBe(secretText(key, 'tls.crt'));
    const go = await goKubeseal(['--kubeconfig', kc, '--controller-namespace', ns, '--fetch-cert']);
    expect(go.stdout).toBe(ours.stdout);
  });

  it('seals data + stringData (binary, unicode) online; the Go controller unseals exactly that', async () => {
    const out = expectOk(await ks([], binarySecretJson('mixed')), 'kubeseal');
    const ss = JSON.parse(out) as SealedSecret;
    expect(ss.metadata.namespace).toBe(ns);
    await expectGoUnseals(ss, EXPECTED);
    const secret = await getSecret(ns, 'mixed');
    expect(secret?.metadata.labels).toEqual({ app: 'interop' });
    expect(secret?.metadata.annotations).toEqual({ note: 'kept' });
    expect(secret?.type).toBe('Opaque');
  });

  it('seal hints (issue 14) on what our kubeseal sealed: the Go controller unseals it and keeps no hint in the Secret', async () => {
    // The seal verb adds the hints by default (the upstream command line only with --seal-hints).
    const out = expectOk(
      await kubeseal(['seal', '--kubeconfig', kc, '--controller-namespace', ns], {
        input: binarySecretJson('hinted'),
      }),
      'kubeseal seal',
    );
    const cert = expectOk(await ks(['--fetch-cert']), 'kubeseal --fetch-cert');
    const ss = JSON.parse(out) as SealedSecret;
    expect(ss.metadata.annotations).toEqual({
      'sealed-secrets-ts/sealed-for': `strict ${ns}/hinted`,
      'sealed-secrets-ts/sealed-with': publicKeyFingerprint(parseCertificatePem(cert).publicKey),
    });
    await expectGoUnseals(ss, EXPECTED);
    const secret = await getSecret(ns, 'hinted');
    expect(secret?.metadata.annotations).toEqual({ note: 'kept' });
  });

  it('seal --update (issue 15): kept and re-sealed items and the update tags in one file; the Go controller unseals it', async () => {
    const secretFile = join(dir, 'update-secret.json');
    const sealedFile = join(dir, 'update-sealed.yaml');
    const keyFile = join(dir, 'update.key');
    writeFileSync(keyFile, 'e2e-update-key-0123456789abcdef0123456789\n');
    const cluster = ['--kubeconfig', kc, '--controller-namespace', ns];
    writeFileSync(secretFile, binarySecretJson('updated'));
    expectOk(await kubeseal(['seal', ...cluster, '-f', secretFile, '-w', sealedFile]), 'kubeseal seal');
    const update = [
      'seal',
      ...cluster,
      '--update',
      sealedFile,
      '--update-key-file',
      keyFile,
      '-f',
      secretFile,
    ];
    expectOk(await kubeseal(update), 'kubeseal seal --update (tags)');
    const tagged = readFileSync(sealedFile, 'utf8');
    // One value changed: only its item (and tag) change; the others keep their ciphertext.
    writeFileSync(secretFile, binarySecretJson('updated').replace('stringData wins', 'changed value'));
    const result = await kubeseal(update);
    expect(expectOk(result, 'kubeseal seal --update')).toBe('');
    expect(result.stderr).toBe('updated: 2 kept, 1 re-sealed, 0 added, 0 removed\n');
    const before = parse(tagged) as SealedSecret;
    const after = parse(readFileSync(sealedFile, 'utf8')) as SealedSecret;
    expect(after.spec.encryptedData['bin.dat']).toBe(before.spec.encryptedData['bin.dat']);
    expect(after.spec.encryptedData.shared).not.toBe(before.spec.encryptedData.shared);
    expect(Object.keys(after.metadata.annotations ?? {})).toEqual([
      'sealed-secrets-ts/sealed-for',
      'sealed-secrets-ts/sealed-with',
      'sealed-secrets-ts/tag.bin.dat',
      'sealed-secrets-ts/tag.shared',
      'sealed-secrets-ts/tag.unicode.txt',
    ]);
    await expectGoUnseals(after, { ...EXPECTED, shared: Buffer.from('changed value').toString('base64') });
    // The tags stay on the SealedSecret: the Secret has the template's annotations only.
    expect((await getSecret(ns, 'updated'))?.metadata.annotations).toEqual({ note: 'kept' });
  });

  it.each(['namespace-wide', 'cluster-wide'])(
    'seals with --scope %s; the Go controller unseals it renamed',
    async (scope) => {
      const out = expectOk(await ks(['--scope', scope], binarySecretJson('scoped')), 'kubeseal');
      const ss = JSON.parse(out) as SealedSecret;
      expect(ss.metadata.annotations).toEqual({ [`sealedsecrets.bitnami.com/${scope}`]: 'true' });
      // A cluster-wide Secret without namespace keeps none (compat §6.5 step 4); kubectl would add one on apply.
      expect(ss.metadata.namespace).toBe(scope === 'cluster-wide' ? undefined : ns);
      ss.metadata = { ...ss.metadata, name: `renamed-${scope}`, namespace: ns };
      await expectGoUnseals(ss, EXPECTED);
    },
  );

  it('--raw values (strict and cluster-wide) placed in a SealedSecret are unsealed by the Go controller', async () => {
    const strict = expectOk(await ks(['--raw', '--name', 'raw', '-n', ns], 'strict value'), 'kubeseal --raw');
    const file = join(dir, 'value.bin');
    writeFileSync(file, BINARY);
    const cw = expectOk(
      await ks(['--raw', '--scope', 'cluster-wide', '--from-file', file]),
      'kubeseal --raw',
    );
    expect(strict).not.toMatch(/\n/);
    await expectGoUnseals(
      {
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        metadata: { name: 'raw', namespace: ns },
        spec: { encryptedData: { strict }, template: { metadata: { name: 'raw', namespace: ns } } },
      },
      { strict: Buffer.from('strict value').toString('base64') },
    );
    await expectGoUnseals(
      {
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        metadata: {
          name: 'raw-cw',
          namespace: ns,
          annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' },
        },
        spec: { encryptedData: { cw }, template: { metadata: { name: 'raw-cw', namespace: ns } } },
      },
      { cw: BINARY.toString('base64') },
    );
  });

  it('--validate against the Go controller: 0 for a fresh SealedSecret, the upstream error after renaming', async () => {
    const out = expectOk(await ks([], binarySecretJson('validated')), 'kubeseal');
    expect(await ks(['--validate'], out)).toEqual({ code: 0, stdout: '', stderr: '' });
    const renamed = JSON.parse(out) as SealedSecret;
    renamed.metadata.name = 'validated-renamed';
    const bad = await ks(['--validate'], JSON.stringify(renamed));
    expect(bad).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: unable to decrypt sealed secret: validated-renamed\n',
    });
  });

  it('cause lines of --validate against the Go controller (no /v1/keys): hints as they are; without hints, /v1/verify under the other scopes', async () => {
    const hinted = JSON.parse(
      expectOk(
        await kubeseal(['seal', '--kubeconfig', kc, '--controller-namespace', ns], {
          input: binarySecretJson('cause-moved'),
        }),
        'kubeseal seal',
      ),
    ) as SealedSecret;
    const moved = { ...hinted, metadata: { ...hinted.metadata, namespace: 'staging' } };
    expect(await ks(['--validate'], JSON.stringify(moved))).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: unable to decrypt sealed secret: cause-moved\ncause: sealed for ${ns}/cause-moved, found at staging/cause-moved\n`,
    });
    // The upstream command line seals without hints: the fallback asks the Go controller's /v1/verify.
    const plain = JSON.parse(
      expectOk(await ks(['--scope', 'namespace-wide'], binarySecretJson('cause-scope')), 'kubeseal'),
    ) as SealedSecret;
    const strict = {
      ...plain,
      metadata: {
        ...plain.metadata,
        annotations: Object.fromEntries(
          Object.entries(plain.metadata.annotations ?? {}).filter(
            ([k]) => k !== 'sealedsecrets.bitnami.com/namespace-wide',
          ),
        ),
      },
    };
    expect(await ks(['--validate'], JSON.stringify(strict))).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: unable to decrypt sealed secret: cause-scope\ncause: sealed namespace-wide but the annotation says strict\n',
    });
  });

  it('--re-encrypt after a Go key renewal (SIGUSR1): the new Go key decrypts it and the Go controller unseals it', async () => {
    const oldKey = await latestKey();
    const file = join(dir, 'rotate.json');
    writeFileSync(file, expectOk(await ks([], binarySecretJson('rotated')), 'kubeseal'));
    const before = JSON.parse(readFileSync(file, 'utf8')) as SealedSecret;

    process.kill(controller.pid, 'SIGUSR1');
    const newKey = await waitFor(
      async () => {
        const latest = await latestKey();
        return latest.metadata.name !== oldKey.metadata.name ? latest : undefined;
      },
      { description: 'the Go controller to generate a key on SIGUSR1' },
    );
    await waitFor(async () => (await controller.certPem()) === secretText(newKey, 'tls.crt'), {
      description: 'the Go controller to serve the new certificate',
    });

    // Without -w the input file is rewritten in place (compat §6.3 step 4).
    expect(await ks(['--re-encrypt', '-f', file])).toEqual({ code: 0, stdout: '', stderr: '' });
    const after = JSON.parse(readFileSync(file, 'utf8')) as SealedSecret;
    expect(after.metadata).toEqual({ name: 'rotated', namespace: ns });
    const label = `${ns}/rotated`;
    for (const item of Object.keys(EXPECTED)) {
      const value = after.spec.encryptedData?.[item] ?? '';
      expect(value).not.toBe(before.spec.encryptedData?.[item]);
      expect(decryptValue(secretText(newKey, 'tls.key'), label, value).toString('base64')).toBe(
        EXPECTED[item as keyof typeof EXPECTED],
      );
      expect(() => decryptValue(secretText(oldKey, 'tls.key'), label, value)).toThrow();
    }
    await expectGoUnseals(after, EXPECTED);
  });
});
