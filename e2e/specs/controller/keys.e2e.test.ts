import { generateKeyPairSync } from 'node:crypto';
import { readJsonFixture } from '@ssts/test-utils';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createSelfSignedCertificate, privateKeyToPkcs1Pem } from '@ssts/core';
import { coreApi, createTestNamespace, kubeEndpoint, kubeRequest, waitFor } from '../../helpers/index.js';
import {
  createSealedSecret,
  createSecret,
  decode,
  deleteSealedSecret,
  getSecret,
  listSecrets,
  plainSecret,
  rfc1123z,
  sealWith,
  startController,
  waitForSynced,
  type RunningController,
  type SealedSecret,
  type Secret,
} from './support.js';

const KEY_LABEL = 'sealedsecrets.bitnami.com/sealed-secrets-key';

async function controllerIn(namespace: string, args: string[] = []): Promise<RunningController> {
  const controller = await startController(namespace, args);
  onTestFinished(async (ctx) => {
    const code = await controller.stop();
    if (ctx.task.result?.state === 'fail' || code !== 0) {
      process.stderr.write(`--- controller output (exit ${code}) ---\n${controller.output()}\n`);
    }
  });
  return controller;
}

describe('sealing keys', () => {
  it('renews the key on schedule; old SealedSecrets still unseal and new seals use the new key', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-keys-' });
    const controller = await controllerIn(ns, ['--key-renew-period', '4s']);
    const [first] = await listSecrets(ns, `${KEY_LABEL}=active`);
    expect(first?.metadata.name).toMatch(/^sealed-secrets-key[a-z0-9]{5}$/);
    expect(first?.type).toBe('kubernetes.io/tls');
    const firstCert = await (await fetch(`${controller.url}/v1/cert.pem`)).text();
    const old = await sealWith(controller, plainSecret(ns, 'old', { foo: 'bar' }));

    await waitFor(async () => (await listSecrets(ns, `${KEY_LABEL}=active`)).length >= 2, {
      timeoutMs: 20_000,
      description: 'a renewed key',
    });
    const newCert = await waitFor(async () => {
      const pem = await (await fetch(`${controller.url}/v1/cert.pem`)).text();
      return pem !== firstCert ? pem : undefined;
    });
    expect(newCert).toMatch(/BEGIN CERTIFICATE/);
    expect(controller.output()).toContain('Certificate generated');
    expect(controller.output()).not.toContain('PRIVATE KEY');

    await createSealedSecret(old);
    await waitForSynced(ns, 'old', (c) => c.status === 'True');
    expect(decode((await getSecret(ns, 'old'))?.data)).toEqual({ foo: 'bar' });
    await createSealedSecret(await sealWith(controller, plainSecret(ns, 'new', { foo: 'baz' })));
    await waitForSynced(ns, 'new', (c) => c.status === 'True');
  });

  it('uses a bring-your-own key Secret (PKCS#8 tls.key) without generating one; SIGUSR1 adds a key', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-byo-' });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const certPem = createSelfSignedCertificate({
      privateKey,
      publicKey,
      commonName: 'byo',
      notBefore: new Date(Date.now() - 60_000),
      validityMs: 86_400_000,
      serial: new Uint8Array(16).fill(7),
    });
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(privateKeyToPkcs1Pem(privateKey)).toMatch(/RSA PRIVATE KEY/);
    await createSecret({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'my-own-key', namespace: ns, labels: { [KEY_LABEL]: 'active' } },
      data: {
        'tls.crt': Buffer.from(certPem).toString('base64'),
        'tls.key': Buffer.from(pkcs8).toString('base64'),
      },
    });
    const controller = await controllerIn(ns, ['--key-renew-period', '0']);
    expect(await (await fetch(`${controller.url}/v1/cert.pem`)).text()).toBe(certPem);
    expect(await listSecrets(ns, `${KEY_LABEL}=active`)).toHaveLength(1);
    await createSealedSecret(await sealWith(controller, plainSecret(ns, 'byo', { foo: 'bar' })));
    await waitForSynced(ns, 'byo', (c) => c.status === 'True');

    // SIGUSR1 generates a key at once, even with renewal disabled (compat §4.5).
    controller.process.kill('SIGUSR1');
    await waitFor(async () => (await listSecrets(ns, `${KEY_LABEL}=active`)).length === 2, {
      description: 'a key generated on SIGUSR1',
    });
    await waitFor(async () => (await (await fetch(`${controller.url}/v1/cert.pem`)).text()) !== certPem);
  });

  it('loads a key Secret added while running (--watch-for-secrets is on by default)', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-watchkey-' });
    const controller = await controllerIn(ns, ['--key-renew-period', '0']);
    const backup = readJsonFixture<{ items: Secret[] }>('vectors', 'sealedsecret-4096', 'key-backup.json');
    const vectorKey = backup.items[0] as Secret;
    const ss = readJsonFixture<SealedSecret>('vectors', 'sealedsecret-4096', 'sealed-cluster-wide.json');
    ss.metadata = { ...ss.metadata, namespace: ns };
    await createSealedSecret(ss);
    await waitForSynced(ns, 'app-credentials', (c) => c.status === 'False');
    await createSecret({ ...vectorKey, metadata: { ...vectorKey.metadata, namespace: ns } });
    // Nothing re-queues the failed object by itself once retries are spent; a spec change does (compat §3.4).
    await waitFor(
      async () =>
        (
          await fetch(`${controller.url}/v1/verify`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(ss),
          })
        ).status === 200,
      { description: 'the new key to be loaded' },
    );
  });
});

describe('key cutoff and ordering (compat §4.4, §4.5)', () => {
  it('--key-cutoff-time of now: the restart generates a new latest key; old SealedSecrets still unseal', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-cutoff-' });
    const first = await startController(ns, ['--key-renew-period', '0']);
    const oldCert = await (await fetch(`${first.url}/v1/cert.pem`)).text();
    const old = await sealWith(first, plainSecret(ns, 'before-cutoff', { foo: 'old' }));
    expect(await first.stop()).toBe(0);
    // Certificates have whole-second NotBefore: make "now" strictly later than the first key.
    await new Promise((r) => setTimeout(r, 1100));
    const cutoff = rfc1123z(new Date());

    const second = await startController(ns, ['--key-renew-period', '0', '--key-cutoff-time', cutoff]);
    try {
      expect(await listSecrets(ns, `${KEY_LABEL}=active`)).toHaveLength(2);
      const newCert = await (await fetch(`${second.url}/v1/cert.pem`)).text();
      expect(newCert).not.toBe(oldCert);
      await createSealedSecret(old);
      await waitForSynced(ns, 'before-cutoff', (c) => c.status === 'True');
      expect(decode((await getSecret(ns, 'before-cutoff'))?.data)).toEqual({ foo: 'old' });
      await createSealedSecret(await sealWith(second, plainSecret(ns, 'after-cutoff', { foo: 'new' })));
      await waitForSynced(ns, 'after-cutoff', (c) => c.status === 'True');
    } finally {
      expect(await second.stop()).toBe(0);
    }

    // The same cutoff again: the latest key is now newer than it, so no third key.
    const third = await controllerIn(ns, ['--key-renew-period', '0', '--key-cutoff-time', cutoff]);
    expect(await listSecrets(ns, `${KEY_LABEL}=active`)).toHaveLength(2);
    expect(third.output()).not.toContain('Certificate generated');
  });

  it('--key-order-priority=SecretCreationTimestamp picks the newest Secret, the default the newest NotBefore', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-order-' });
    const keySecret = async (name: string, notBefore: Date): Promise<string> => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const certPem = createSelfSignedCertificate({
        privateKey,
        publicKey,
        commonName: name,
        notBefore,
        validityMs: 10 * 86_400_000,
        serial: new Uint8Array(16).fill(name.length),
      });
      await createSecret({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name, namespace: ns, labels: { [KEY_LABEL]: 'active' } },
        data: {
          'tls.crt': Buffer.from(certPem).toString('base64'),
          'tls.key': Buffer.from(privateKeyToPkcs1Pem(privateKey)).toString('base64'),
        },
      });
      return certPem;
    };
    const newerCert = await keySecret('newer-cert', new Date(Date.now() - 60_000));
    // creationTimestamp has whole seconds: the second Secret must be created in a later second.
    await new Promise((r) => setTimeout(r, 1100));
    const newerSecret = await keySecret('newer-secret', new Date(Date.now() - 86_400_000));

    const byCert = await startController(ns, ['--key-renew-period', '0']);
    try {
      expect(await (await fetch(`${byCert.url}/v1/cert.pem`)).text()).toBe(newerCert);
    } finally {
      expect(await byCert.stop()).toBe(0);
    }
    const bySecret = await controllerIn(ns, [
      '--key-renew-period',
      '0',
      '--key-order-priority',
      'SecretCreationTimestamp',
    ]);
    expect(await (await fetch(`${bySecret.url}/v1/cert.pem`)).text()).toBe(newerSecret);
    expect(await listSecrets(ns, `${KEY_LABEL}=active`)).toHaveLength(2);
  });
});

describe('compatibility with the Go implementation', () => {
  it('unseals the independent RSA-4096 vectors with the backed-up key into exactly expected-data.json', async () => {
    const ctrlNs = await createTestNamespace({ prefix: 'ctl-compat-' });
    const cwNs = await createTestNamespace({ prefix: 'ctl-compat-cw-' });
    // The strict and namespace-wide vectors are bound to namespace `web`.
    const web = 'web';
    const created = await kubeRequest(kubeEndpoint(), 'POST', '/api/v1/namespaces', {
      body: { metadata: { name: web } },
    });
    if (created.status === 201)
      onTestFinished(() =>
        coreApi()
          .deleteNamespace({ name: web })
          .then(
            () => undefined,
            () => undefined,
          ),
      );
    const backup = readJsonFixture<{ items: Secret[] }>('vectors', 'sealedsecret-4096', 'key-backup.json');
    for (const key of backup.items)
      await createSecret({ ...key, metadata: { ...key.metadata, namespace: ctrlNs } });
    const controller = await controllerIn(ctrlNs, [
      '--key-renew-period',
      '0',
      '--key-size',
      '4096',
      '--additional-namespaces',
      `${web},${cwNs}`,
    ]);
    expect(await listSecrets(ctrlNs, `${KEY_LABEL}=active`)).toHaveLength(1);
    expect(await (await fetch(`${controller.url}/v1/cert.pem`)).text()).toBe(
      Buffer.from(backup.items[0]?.data?.['tls.crt'] ?? '', 'base64').toString(),
    );
    const expected = readJsonFixture<Record<string, string>>(
      'vectors',
      'sealedsecret-4096',
      'expected-data.json',
    );
    const vector = (scope: string) =>
      readJsonFixture<SealedSecret>('vectors', 'sealedsecret-4096', `sealed-${scope}.json`);

    const strict = vector('strict');
    const namespaceWide = vector('namespace-wide');
    namespaceWide.metadata = { ...namespaceWide.metadata, name: `app-credentials-nsw-${cwNs.slice(-5)}` };
    const clusterWide = vector('cluster-wide');
    clusterWide.metadata = { ...clusterWide.metadata, namespace: cwNs, name: 'anything' };
    await deleteSealedSecret(web, 'app-credentials');
    await waitFor(async () => (await getSecret(web, 'app-credentials')) === undefined, { timeoutMs: 45_000 });
    onTestFinished(() => deleteSealedSecret(web, 'app-credentials'));
    onTestFinished(() => deleteSealedSecret(web, namespaceWide.metadata.name ?? ''));

    for (const ss of [strict, namespaceWide, clusterWide]) {
      await createSealedSecret(ss);
      const namespace = ss.metadata.namespace ?? '';
      const name = ss.metadata.name ?? '';
      await waitForSynced(namespace, name, (c) => c.status === 'True', 60_000);
      const secret = await getSecret(namespace, name);
      expect(secret?.data).toEqual(expected);
      expect(secret?.metadata.labels).toEqual({ app: 'web' });
      expect(secret?.type).toBe('Opaque');
    }

    const moved = vector('strict');
    moved.metadata = { ...moved.metadata, namespace: cwNs };
    await createSealedSecret(moved);
    const failed = await waitForSynced(cwNs, 'app-credentials', (c) => c.status === 'False');
    // Strict scope binds the namespace: moved elsewhere, every item fails (item order follows Go map order).
    const match = /^no key could decrypt secret \((.+)\)$/.exec(
      failed.status?.conditions?.[0]?.message ?? '',
    );
    expect(match?.[1]?.split(', ').sort()).toEqual(['multi-line', 'password', 'username']);
    expect(await getSecret(cwNs, 'app-credentials')).toBeUndefined();
  });
});
