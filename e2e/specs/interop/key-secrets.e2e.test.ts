import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createTestNamespace } from '../../helpers/index.js';
import { getSecret, waitForSynced, type SealedSecret, type Secret } from '../controller/support.js';
import {
  KEY_LABEL,
  applySealedSecret,
  backupList,
  expectOk,
  keySecrets,
  kubeseal,
  secretText,
  startOurController,
  type ProxiedController,
} from '../kubeseal/support.js';
import { UPSTREAM_BUILD_TIMEOUT_MS, goKubeseal, startGoController, upstreamBinaries } from './upstream.js';

// Key Secrets are the state shared by the Go and the TS controller (compat §4.1, §4.8): each must load the
// other's RSA-4096 key Secret from the same namespace and unseal what was sealed for it; backups of either must
// work with either kubeseal --recovery-unseal, offline.

let dir: string;

beforeAll(async () => {
  await upstreamBinaries();
  dir = mkdtempSync(join(tmpdir(), 'ssts-interop-keys-'));
}, UPSTREAM_BUILD_TIMEOUT_MS);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const SECRET = (name: string, namespace: string): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { origin: 'interop' } },
    stringData: { user: 'alice', 'key.pem': '-----BEGIN NOTHING-----\nnot a key\n-----END NOTHING-----\n' },
    data: { raw: Buffer.from([0, 1, 2, 253, 254, 255]).toString('base64') },
  });

const EXPECTED = {
  user: Buffer.from('alice').toString('base64'),
  'key.pem': Buffer.from('-----BEGIN NOTHING-----\nnot a key\n-----END NOTHING-----\n').toString('base64'),
  raw: Buffer.from([0, 1, 2, 253, 254, 255]).toString('base64'),
};

function stopAfterTest(controller: ProxiedController): ProxiedController {
  onTestFinished(async (ctx) => {
    if (ctx.task.result?.state === 'fail')
      process.stderr.write(`--- controller log ---\n${controller.exposure.logsTail(40)}\n`);
    await controller.stop();
  });
  return controller;
}

async function onlyKey(namespace: string): Promise<Secret> {
  const keys = await keySecrets(namespace);
  expect(keys.map((k) => k.metadata.name)).toHaveLength(1);
  return keys[0] as Secret;
}

async function expectUnsealed(ss: SealedSecret): Promise<void> {
  const namespace = ss.metadata.namespace ?? '';
  const name = ss.metadata.name ?? '';
  await applySealedSecret(ss);
  const synced = await waitForSynced(namespace, name, (c) => c.status !== 'Unknown', 45_000);
  expect(synced.status?.conditions?.[0]).toMatchObject({ status: 'True' });
  expect((await getSecret(namespace, name))?.data).toEqual(EXPECTED);
}

/** `--recovery-unseal` of `sealed` by both CLIs with the same key file: identical output, the expected data. */
async function expectRecoveryBoth(sealed: string, keyFile: string): Promise<void> {
  const args = ['--recovery-unseal', '--recovery-private-key', keyFile, '--kubeconfig', '/nonexistent'];
  const go = await goKubeseal(args, { input: sealed });
  const ours = await kubeseal(args, { input: sealed });
  expect(go.stderr).toBe('');
  expect(go.code).toBe(0);
  const secret = JSON.parse(go.stdout) as Secret;
  expect(secret.data).toEqual(EXPECTED);
  expect(ours).toEqual(go);
}

describe('key Secrets and backups shared between the Go and the TS implementation', () => {
  it('our controller loads the Go controller key Secret and unseals what Go kubeseal sealed with its cert', async () => {
    const ns = await createTestNamespace({ prefix: 'interop-gokey-' });
    const go = await startGoController(ns, { args: ['--key-size', '4096', '--key-renew-period', '0'] });
    const goKey = await onlyKey(ns);
    expect(goKey.metadata.labels?.[KEY_LABEL]).toBe('active');
    const certFile = join(dir, `${ns}.crt`);
    writeFileSync(certFile, secretText(goKey, 'tls.crt'));
    expect(await go.certPem()).toBe(secretText(goKey, 'tls.crt'));
    await go.stop();

    const sealed = expectOk(
      await goKubeseal(['--cert', certFile], { input: SECRET('from-go', ns) }),
      'go kubeseal',
    );
    const ss = JSON.parse(sealed) as SealedSecret;
    // 4096-bit RSA block: every value starts with 0x0200 (compat §1.1).
    expect(Object.values(ss.spec.encryptedData ?? {}).every((v) => v.startsWith('Ag'))).toBe(true);

    const ours = stopAfterTest(await startOurController(ns, { args: ['--key-renew-period', '0'] }));
    expect((await onlyKey(ns)).metadata.name).toBe(goKey.metadata.name);
    expect(await ours.certPem()).toBe(secretText(goKey, 'tls.crt'));
    await expectUnsealed(ss);

    // Offline: a backup of the Go key (kubectl get -o json List) and its PEM tls.key, with either kubeseal.
    const backup = join(dir, `${ns}-backup.json`);
    writeFileSync(backup, backupList(await keySecrets(ns)));
    await expectRecoveryBoth(sealed, backup);
    const pem = join(dir, `${ns}.key`);
    writeFileSync(pem, secretText(goKey, 'tls.key'));
    await expectRecoveryBoth(sealed, pem);
  }, 180_000);

  it('the Go controller loads our key Secret and unseals what our kubeseal sealed with its cert', async () => {
    const ns = await createTestNamespace({ prefix: 'interop-tskey-' });
    const ours = await startOurController(ns, { args: ['--key-size', '4096', '--key-renew-period', '0'] });
    const ourKey = await onlyKey(ns);
    const certFile = join(dir, `${ns}.crt`);
    writeFileSync(certFile, secretText(ourKey, 'tls.crt'));
    await ours.stop();

    const sealed = expectOk(
      await kubeseal(['--cert', certFile], { input: SECRET('from-ts', ns) }),
      'kubeseal',
    );
    const ss = JSON.parse(sealed) as SealedSecret;
    expect(Object.values(ss.spec.encryptedData ?? {}).every((v) => v.startsWith('Ag'))).toBe(true);

    const go = stopAfterTest(await startGoController(ns, { args: ['--key-renew-period', '0'] }));
    expect((await onlyKey(ns)).metadata.name).toBe(ourKey.metadata.name);
    expect(await go.certPem()).toBe(secretText(ourKey, 'tls.crt'));
    await expectUnsealed(ss);

    const backup = join(dir, `${ns}-backup.json`);
    writeFileSync(backup, backupList(await keySecrets(ns)));
    await expectRecoveryBoth(sealed, backup);
    const pem = join(dir, `${ns}.key`);
    writeFileSync(pem, secretText(ourKey, 'tls.key'));
    await expectRecoveryBoth(sealed, pem);
  }, 180_000);
});
