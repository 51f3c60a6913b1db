// `kubeseal reencrypt` (issues 14 and 15) on the local control plane, through the built CLI and the API server's
// service proxy. Controller A renews its key once: `kubeseal keys` shows both keys with the right object counts
// and /metrics agrees; `kubeseal reencrypt` (the cluster) moves every object to the new key, after which the old
// key has 0 objects in both. The fixture repository (nested folders, a multi-document file with comments, a JSON
// file, kustomizations) is re-encrypted online to A's new key and offline, with A's key backup, to controller B's
// key: each time `git diff` is exactly the golden diff (the stale ciphertexts and the hint lines), a second run
// changes nothing, and the controller holding the new key unseals every value.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseCertificatePem, publicKeyFingerprint, sealSecret } from '@ssts/core';
import {
  materializeRepo,
  REENCRYPT_REPO_DIFF,
  type SealedItem,
} from '../../../packages/kubeseal/src/test-helpers/fixture-repo.js';
import { scrubCiphertexts } from '../../../packages/kubeseal/src/test-helpers/independent-crypto.js';
import { coreApi, createTestNamespace, waitFor } from '../../helpers/index.js';
import {
  decode,
  getSealedSecret,
  getSecret,
  keyMetricAt,
  plainSecret,
  replaceSealedSecret,
  waitForSynced,
  type SealedSecret,
} from '../controller/support.js';
import {
  applySealedSecret,
  backupList,
  expectOk,
  firstContactNotice,
  keySecrets,
  kubeseal,
  startOurController,
  writeKubeconfigFile,
  type ProxiedController,
} from './support.js';

let dir: string;
let kubeconfig: string;
let nsA: string;
let nsB: string;
let controllerA: ProxiedController;
let controllerB: ProxiedController;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ssts-reencrypt-repo-'));
  kubeconfig = writeKubeconfigFile(dir, 'kubeconfig');
  nsA = await createTestNamespace({ prefix: 'reenc-a-', deleteAfterTest: false });
  nsB = await createTestNamespace({ prefix: 'reenc-b-', deleteAfterTest: false });
  // A's metrics listen on its network namespace's address, which the host reaches.
  [controllerA, controllerB] = await Promise.all([
    startOurController(nsA, { args: ['--key-renew-period', '0', '--listen-metrics-addr', '{host}:8081'] }),
    startOurController(nsB),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([controllerA?.stop(), controllerB?.stop()]);
  for (const ns of [nsA, nsB])
    if (ns !== undefined)
      await coreApi()
        .deleteNamespace({ name: ns })
        .catch(() => undefined);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const fingerprintOf = (pem: string) => publicKeyFingerprint(parseCertificatePem(pem).publicKey);

const cli = (args: readonly string[], controllerNamespace: string) =>
  kubeseal([...args, '--kubeconfig', kubeconfig, '--controller-namespace', controllerNamespace], {
    timeoutMs: 120_000,
  });

/** The SealedSecret documents of the repository's files. */
function sealedSecretsIn(repo: string, items: readonly SealedItem[]): SealedSecret[] {
  const out: SealedSecret[] = [];
  for (const file of new Set(items.map((i) => i.file))) {
    for (const doc of parseAllDocuments(readFileSync(join(repo, file), 'utf8'))) {
      const value = doc.toJS() as SealedSecret & { kind?: string };
      if (value.kind === 'SealedSecret') out.push(value);
    }
  }
  return out;
}

/** The values the repository's items hold, by SealedSecret name. */
function expectedData(items: readonly SealedItem[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const { name, item, value } of items) out.set(name, { ...out.get(name), [item]: value });
  return out;
}

/** `git diff` normalized like the golden file: ciphertexts scrubbed, keys named OLD and NEW, namespace `shop`. */
function normalizedDiff(repo: string, ns: string, from: string, to: string): string {
  const diff = execFileSync('git', ['diff', '--no-color', '--unified=1'], { cwd: repo, encoding: 'utf8' });
  return scrubCiphertexts(diff)
    .replaceAll(from, 'OLD')
    .replaceAll(to, 'NEW')
    .replaceAll(ns, 'shop')
    .split('\n')
    .filter((line) => !line.startsWith('index '))
    .join('\n');
}

const keyMetric = (name: string) => keyMetricAt(`http://${controllerA.exposure.podIp}:8081`, name);

interface KeysJson {
  keys: { fingerprint: string; state: string; objects: number }[];
  objects: number;
  objectsWithoutKey: number;
}

const keysJson = async (): Promise<KeysJson> =>
  JSON.parse(expectOk(await cli(['keys', '-o', 'json'], nsA), 'kubeseal keys -o json')) as KeysJson;

/** Each SealedSecret of `ns` named in `names` unsealed by the key `fingerprint`, its Secret holding `data`. */
async function expectUnsealed(ns: string, data: Map<string, Record<string, string>>, fingerprint: string) {
  for (const [name, values] of data) {
    const ss = await waitForSynced(
      ns,
      name,
      (c, s) =>
        c.status === 'True' &&
        s.status?.observedGeneration === s.metadata.generation &&
        s.status?.decryptionKeys?.length === 1 &&
        s.status.decryptionKeys[0]?.fingerprint === fingerprint,
    );
    expect(ss.status?.decryptionKeys?.[0]?.fingerprint).toBe(fingerprint);
    await waitFor(
      async () => JSON.stringify(decode((await getSecret(ns, name))?.data)) === JSON.stringify(values),
      {
        description: `the Secret ${ns}/${name} to hold its values`,
      },
    );
  }
}

describe('kubeseal reencrypt: the cluster and a repository, online after a renewal and offline to another controller', () => {
  let first: string;
  let second: string;

  it(
    'after one renewal `kubeseal keys` and /metrics count both keys; reencrypt moves every object; the old key has 0',
    { timeout: 240_000 },
    async () => {
      const firstPem = await controllerA.certPem();
      first = fingerprintOf(firstPem);
      // The cluster's objects: the repository's SealedSecrets, sealed with the first key, applied.
      const repo = join(dir, 'cluster-copy');
      const items = materializeRepo(repo, nsA, parseCertificatePem(firstPem).publicKey);
      const objects = sealedSecretsIn(repo, items);
      expect(objects.map((o) => o.metadata.name)).toEqual(['shared', 'stripe', 'db', 'api']);
      for (const ss of objects) await applySealedSecret(ss);
      await expectUnsealed(nsA, expectedData(items), first);

      process.kill(controllerA.pid, 'SIGUSR1');
      const secondPem = await waitFor(
        async () => {
          const pem = await controllerA.certPem();
          return pem !== firstPem && pem;
        },
        { description: 'the renewed certificate' },
      );
      second = fingerprintOf(secondPem);
      const fresh = sealSecret(plainSecret(nsA, 'fresh', { v: 'new' }), {
        publicKey: parseCertificatePem(secondPem).publicKey,
      });
      await applySealedSecret({ ...fresh, apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret' });
      await expectUnsealed(nsA, new Map([['fresh', { v: 'new' }]]), second);

      const before = await waitFor(async () => {
        const inventory = await keysJson();
        return inventory.objects === 5 && inventory.objectsWithoutKey === 0 && inventory;
      });
      expect(before.keys.map((k) => [k.fingerprint, k.state, k.objects])).toEqual([
        [first, 'active', 4],
        [second, 'sealing', 1],
      ]);
      expect(await keyMetric('key_objects')).toEqual({ [first]: 4, [second]: 1 });
      expect(await keyMetric('key_sealing')).toEqual({ [first]: 0, [second]: 1 });

      const dry = await cli(['reencrypt', '-n', nsA, '--dry-run'], nsA);
      expect(dry.stderr).toBe('');
      expect(dry.code).toBe(0);
      expect(dry.stdout).toBe(
        ['api', 'db', 'shared', 'stripe'].map((n) => `${nsA}/${n}: ${first} -> ${second}\n`).join('') +
          'Would re-encrypt 4 SealedSecrets, 1 already on the sealing key; nothing was changed.\n',
      );

      const moved = await cli(['reencrypt', '-n', nsA], nsA);
      expect(moved.stderr).toBe('');
      expect(moved.code).toBe(0);
      expect(moved.stdout).toMatch(
        /^Re-encrypted 4 SealedSecrets, 1 already on the sealing key, 0 failed\.\n/,
      );
      expect(moved.stdout).toContain(`No watched SealedSecret needs: ${first}.`);
      const after = await keysJson();
      expect(after.keys.map((k) => [k.fingerprint, k.state, k.objects])).toEqual([
        [first, 'active', 0],
        [second, 'sealing', 5],
      ]);
      await waitFor(async () => (await keyMetric('key_objects'))[first] === 0, {
        description: '/metrics to count 0 objects for the old key',
      });
      expect(await keyMetric('key_objects')).toEqual({ [first]: 0, [second]: 5 });
      await expectUnsealed(nsA, expectedData(items), second);
    },
  );

  it(
    'online: the repository moves to the renewed key with the golden git diff, a second run changes nothing, A unseals it',
    { timeout: 240_000 },
    async () => {
      const repo = join(dir, 'online');
      const items = materializeRepo(repo, nsA, parseCertificatePem(await certPemOf(first)).publicKey);
      const result = await cli(['reencrypt', repo], nsA);
      // The first command that fetches A's certificate: it pins it (issue 14 key continuity); the rerun is silent.
      expect(result.stderr).toMatch(firstContactNotice(nsA));
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(
        'Re-encrypted 4 SealedSecrets in 3 files, 0 already on the newest key, 3 files without SealedSecrets, 0 failed.\n' +
          "Once they are applied, 'kubeseal keys' says which old keys no SealedSecret needs any more.\n",
      );
      expect(normalizedDiff(repo, nsA, first, second)).toBe(readFileSync(REENCRYPT_REPO_DIFF, 'utf8'));

      const snapshot = normalizedDiff(repo, nsA, first, second);
      const again = await cli(['reencrypt', repo], nsA);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^Re-encrypted 0 SealedSecrets in 0 files, 4 already on the newest key, /);
      expect(normalizedDiff(repo, nsA, first, second)).toBe(snapshot);

      // The files' SealedSecrets replace the cluster's: A unseals them with the renewed key.
      for (const ss of sealedSecretsIn(repo, items)) {
        const stored = await getSealedSecret(nsA, ss.metadata.name ?? '');
        await replaceSealedSecret({
          ...ss,
          metadata: { ...ss.metadata, resourceVersion: stored?.metadata.resourceVersion ?? '' },
        });
      }
      await expectUnsealed(nsA, expectedData(items), second);
    },
  );

  it(
    "offline: A's key backup and B's certificate move the repository to B (golden git diff), and B unseals it",
    { timeout: 240_000 },
    async () => {
      const repo = join(dir, 'offline');
      // Sealed with A's first key, for B's namespace: the repository of a cluster that moves to B.
      const items = materializeRepo(repo, nsB, parseCertificatePem(await certPemOf(first)).publicKey);
      const backup = join(dir, 'a-keys.json');
      writeFileSync(backup, backupList(await keySecrets(nsA)), { mode: 0o600 });
      const bPem = await controllerB.certPem();
      const bCert = join(dir, 'b.pem');
      writeFileSync(bCert, bPem);
      const target = fingerprintOf(bPem);

      // No cluster needed: no kubeconfig at all.
      const offline = (...extra: string[]) =>
        kubeseal(['reencrypt', repo, '--recovery-private-key', backup, '--cert', bCert, ...extra]);
      const result = await offline();
      expect(result).toEqual({
        code: 0,
        stdout:
          'Re-encrypted 4 SealedSecrets in 3 files, 0 already on the newest key, 3 files without SealedSecrets, 0 failed.\n',
        stderr: '',
      });
      expect(normalizedDiff(repo, nsB, first, target)).toBe(readFileSync(REENCRYPT_REPO_DIFF, 'utf8'));
      const snapshot = normalizedDiff(repo, nsB, first, target);
      const again = await offline();
      expect(again.stdout).toMatch(/^Re-encrypted 0 SealedSecrets in 0 files, 4 already on the newest key, /);
      expect(normalizedDiff(repo, nsB, first, target)).toBe(snapshot);

      for (const ss of sealedSecretsIn(repo, items)) await applySealedSecret(ss);
      await expectUnsealed(nsB, expectedData(items), target);
    },
  );
});

/** A's certificate of `fingerprint`, from its key Secrets. */
async function certPemOf(fingerprint: string): Promise<string> {
  for (const secret of await keySecrets(nsA)) {
    const pem = Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
    if (pem !== '' && fingerprintOf(pem) === fingerprint) return pem;
  }
  throw new Error(`no key Secret of ${nsA} holds ${fingerprint}`);
}
