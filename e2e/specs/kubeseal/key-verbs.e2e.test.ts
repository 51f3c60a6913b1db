// Issue 14's kubeseal library functions (the `kubeseal keys` and `kubeseal reencrypt` verbs call them) against our
// built controller, reached the way kubeseal reaches it: through the API server's service proxy with kubeconfig
// credentials. After one key renewal the inventory shows both keys with the right object counts; reencrypt moves
// every object to the new key, after which the old key has 0 objects and is reported as retirable; the renewed
// certificate is linked from the pinned one by /v1/cert-chain.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCertificatePem, publicKeyFingerprint, sealSecret } from '@ssts/core';
import { apiClient, connectController } from '../../../packages/kubeseal/src/cluster/connect.js';
import type { ClusterFlags } from '../../../packages/kubeseal/src/cluster/controller-client.js';
import { nodeIo } from '../../../packages/kubeseal/src/io/node-io.js';
import { fetchKeyInventory, renderKeyInventory } from '../../../packages/kubeseal/src/keys/inventory.js';
import {
  controllerIdentity,
  decideTrust,
  EMPTY_KNOWN_CERTS,
  fetchCertChain,
  pin,
} from '../../../packages/kubeseal/src/keys/known-certs.js';
import { reencryptCluster } from '../../../packages/kubeseal/src/keys/reencrypt.js';
import { listManifestTree } from '../../../packages/kubeseal/src/io/manifest-files.js';
import { reencryptFiles } from '../../../packages/kubeseal/src/keys/reencrypt-files.js';
import { clusterFlags } from '../../../packages/kubeseal/src/test-helpers/cluster-flags.js';
import { onlineReencryptor } from '../../../packages/kubeseal/src/keys/reencrypt-online.js';
import { parse as parseYaml } from 'yaml';
import { e2eCluster, waitFor } from '../../helpers/index.js';
import { decode, getSecret, plainSecret, waitForSynced, type SealedSecret } from '../controller/support.js';
import {
  applySealedSecret,
  expectOk,
  firstContactNotice,
  kubeseal,
  useOurController,
  writeKubeconfigFile,
  type ProxiedController,
} from './support.js';

let ns: string;
let controller: ProxiedController;
let dir: string;
let flags: ClusterFlags;

const fixture = useOurController('kubeseal-keys-', { args: ['--key-renew-period', '0'] });

beforeAll(async () => {
  ({ ns, controller, dir } = fixture);
  flags = clusterFlags({ kubeconfig: writeKubeconfigFile(dir, 'kubeconfig'), controllerNamespace: ns });
});

function sealed(certPem: string, name: string, data: Record<string, string>): SealedSecret {
  return {
    ...sealSecret(plainSecret(ns, name, data), { publicKey: parseCertificatePem(certPem).publicKey }),
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
  };
}

describe('kubeseal keys / reencrypt / key continuity through the service proxy', () => {
  it(
    'after one renewal: both keys with their objects; reencrypt moves all to the new key; the old key is free',
    { timeout: 120_000 },
    async () => {
      const env = { HOME: dir };
      const client = await connectController(nodeIo().fs, flags, env);
      const api = await apiClient(nodeIo().fs, flags, env);
      const firstPem = await controller.certPem();
      const first = publicKeyFingerprint(parseCertificatePem(firstPem).publicKey);
      for (const name of ['one', 'two']) await applySealedSecret(sealed(firstPem, name, { v: name }));

      process.kill(controller.pid, 'SIGUSR1');
      const secondPem = await waitFor(
        async () => {
          const pem = await controller.certPem();
          return pem !== firstPem && pem;
        },
        { description: 'the renewed certificate' },
      );
      const second = publicKeyFingerprint(parseCertificatePem(secondPem).publicKey);
      await applySealedSecret(sealed(secondPem, 'three', { v: 'three' }));
      for (const name of ['one', 'two', 'three'])
        await waitForSynced(
          ns,
          name,
          (c, ss) => c.status === 'True' && ss.status?.decryptionKeys !== undefined,
        );

      // kubeseal keys
      const before = await waitFor(async () => {
        const inventory = await fetchKeyInventory(client);
        return inventory.objectsWithoutKey === 0 && inventory;
      });
      expect(before.keys.map((k) => [k.fingerprint, k.state, k.objects, k.linked])).toEqual([
        [first, 'active', 2, false],
        [second, 'sealing', 1, true],
      ]);
      const table = renderKeyInventory(before, 'text');
      expect(table).toContain('3 SealedSecrets watched, 0 without a known key.');
      expect(table).toContain('Every old key is still needed by at least one SealedSecret.');

      // Key continuity: a client that pinned the first certificate accepts the second through the chain.
      const chain = await fetchCertChain(client);
      expect('chain' in chain).toBe(true);
      const identity = controllerIdentity({
        server: e2eCluster().server,
        namespace: ns,
        name: flags.controllerName,
      });
      const decision = decideTrust({
        known: pin(EMPTY_KNOWN_CERTS, identity, [first]),
        identity,
        fingerprint: second,
        chain: 'chain' in chain ? chain.chain : undefined,
        trustNew: false,
      });
      expect(decision.kind).toBe('linked');

      // kubeseal reencrypt
      const progress: string[] = [];
      const result = await reencryptCluster(api, client, {
        namespace: ns,
        onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.object} ${p.outcome}`),
      });
      // The API server lists by name; `three` is on the sealing key already (its status says so) and is not sent.
      expect(progress).toEqual([
        `1/3 ${ns}/one reencrypted`,
        `2/3 ${ns}/three current`,
        `3/3 ${ns}/two reencrypted`,
      ]);
      expect([...result.reencrypted].sort()).toEqual([`${ns}/one`, `${ns}/two`]);
      expect(result.failed).toEqual([]);
      expect(result.retirable.map((k) => k.fingerprint)).toEqual([first]);
      expect(result.inventory?.keys.map((k) => [k.fingerprint, k.objects])).toEqual([
        [first, 0],
        [second, 3],
      ]);
      expect(renderKeyInventory(result.inventory ?? before, 'text')).toContain(
        `No watched SealedSecret needs: ${first}.`,
      );
      // reencrypt <dir>: a file sealed with the old key, rewritten in place, unseals with the new key.
      const file = join(dir, 'repo', 'apps', 'four.yaml');
      mkdirSync(join(dir, 'repo', 'apps'), { recursive: true });
      const four = sealed(firstPem, 'four', { v: 'four' });
      writeFileSync(file, `# sealed in 2026\n${JSON.stringify(four)}\n`);
      const { files } = await listManifestTree([join(dir, 'repo')]);
      expect(files).toEqual([file]);
      const rewritten = await reencryptFiles(nodeIo().fs, files, onlineReencryptor(client, second));
      expect(rewritten).toEqual({
        reencrypted: [{ file, sealedSecrets: 1 }],
        failed: [],
        untouched: [],
        current: 0,
        changes: [{ file, document: 1, object: `${ns}/four`, items: 1, from: ['unknown'], to: second }],
      });
      expect(readFileSync(file, 'utf8')).toMatch(/^# sealed in 2026\n/);
      await applySealedSecret(parseYaml(readFileSync(file, 'utf8')) as SealedSecret);
      const fourSynced = await waitForSynced(
        ns,
        'four',
        (c, ss) => c.status === 'True' && ss.status?.decryptionKeys !== undefined,
      );
      expect(fourSynced.status?.decryptionKeys).toEqual([
        { fingerprint: second, itemCount: 1, items: ['v'] },
      ]);
      expect(decode((await getSecret(ns, 'four'))?.data)).toEqual({ v: 'four' });

      // The Secrets still hold the same values.
      for (const name of ['one', 'two', 'three'])
        expect(decode((await getSecret(ns, name))?.data)).toEqual({ v: name });
    },
  );

  it(
    'the verbs: kubeseal keys (table, -o json) and kubeseal reencrypt (cluster, then a tree) after one more renewal',
    { timeout: 120_000 },
    async () => {
      const cli = (args: readonly string[]) =>
        kubeseal([...args, '--kubeconfig', flags.kubeconfig, '--controller-namespace', ns]);
      const keysJson = async () =>
        JSON.parse(expectOk(await cli(['keys', '-o', 'json']), 'keys -o json')) as {
          keys: { fingerprint: string; state: string; objects: number }[];
          objects: number;
          objectsWithoutKey: number;
        };
      const secondPem = await controller.certPem();
      const second = publicKeyFingerprint(parseCertificatePem(secondPem).publicKey);
      process.kill(controller.pid, 'SIGUSR1');
      const thirdPem = await waitFor(
        async () => {
          const pem = await controller.certPem();
          return pem !== secondPem && pem;
        },
        { description: 'the second renewed certificate' },
      );
      const third = publicKeyFingerprint(parseCertificatePem(thirdPem).publicKey);
      expect(third).not.toBe(second);
      const before = await waitFor(async () => {
        const inventory = await keysJson();
        return inventory.keys.length === 3 && inventory;
      });
      // The first test left one, two, three and four on the second key.
      expect(before.keys.map((k) => [k.state, k.objects])).toEqual([
        ['active', 0],
        ['active', 4],
        ['sealing', 0],
      ]);
      expect(before.keys[1]?.fingerprint).toBe(second);
      const table = expectOk(await cli(['keys']), 'keys');
      expect(table).toMatch(/^FINGERPRINT +STATE +CREATED +OBJECTS +ITEMS +LINKED +SECRET\n/);
      expect(table).toContain(`${second}  active`);

      // The cluster: stderr is a pipe here, so no progress bar.
      const moved = await cli(['reencrypt', '-n', ns]);
      expect(moved.stderr).toBe('');
      expect(moved.code).toBe(0);
      expect(moved.stdout).toMatch(
        /^Re-encrypted 4 SealedSecrets, 0 already on the sealing key, 0 failed\.\n/,
      );
      const [first] = before.keys.map((k) => k.fingerprint);
      expect(moved.stdout).toContain(`No watched SealedSecret needs: ${first}, ${second}.`);
      const after = await keysJson();
      expect(after.keys.map((k) => [k.fingerprint, k.objects])).toEqual([
        [first, 0],
        [second, 0],
        [third, 4],
      ]);
      for (const name of ['one', 'two', 'three', 'four'])
        expect(decode((await getSecret(ns, name))?.data)).toEqual({ v: name });

      // A tree: four.yaml (from the first test) and five.yaml, both on the second key; only their ciphertexts
      // change (comments and layout stay), and the file without a SealedSecret is not written.
      const repo = join(dir, 'repo');
      const fourFile = join(repo, 'apps', 'four.yaml');
      const fiveFile = join(repo, 'apps', 'five.yaml');
      writeFileSync(
        fiveFile,
        `# five\n${JSON.stringify(sealed(secondPem, 'five', { v: 'five' }), null, 2)}\n`,
      );
      writeFileSync(join(repo, 'notes.yaml'), 'kind: ConfigMap # not a secret\n');
      const ciphertext = (text: string) => (parseYaml(text) as SealedSecret).spec.encryptedData['v'] ?? '';
      const before4 = readFileSync(fourFile, 'utf8');
      const before5 = readFileSync(fiveFile, 'utf8');
      // --no-seal-hints: five.yaml gets no hints; four.yaml's (written by the first test) is refreshed.
      const files = await cli(['reencrypt', repo, '--no-seal-hints']);
      // The first command of this file that fetches the certificate: it pins it (issue 14 key continuity).
      expect(files.stderr).toMatch(firstContactNotice(ns));
      expect(files.stdout).toMatch(
        /^Re-encrypted 2 SealedSecrets in 2 files, 0 already on the newest key, 1 file without SealedSecrets, 0 failed\.\n/,
      );
      expect(before4).toContain(second);
      for (const [file, text] of [
        [fourFile, before4],
        [fiveFile, before5],
      ] as const) {
        const rewritten = readFileSync(file, 'utf8');
        expect(ciphertext(rewritten)).not.toBe(ciphertext(text));
        expect(rewritten).toBe(text.replace(ciphertext(text), ciphertext(rewritten)).replace(second, third));
      }
      expect(readFileSync(join(repo, 'notes.yaml'), 'utf8')).toBe('kind: ConfigMap # not a secret\n');
      await applySealedSecret(parseYaml(readFileSync(fiveFile, 'utf8')) as SealedSecret);
      await waitForSynced(
        ns,
        'five',
        (c, ss) => c.status === 'True' && ss.status?.decryptionKeys?.[0]?.fingerprint === third,
      );
      expect(decode((await getSecret(ns, 'five'))?.data)).toEqual({ v: 'five' });
    },
  );
});
