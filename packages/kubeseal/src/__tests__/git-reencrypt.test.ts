// kubeseal reencrypt on a Git repository as teams keep one (the fixture: nested folders, a multi-document file with
// comments, a JSON file, kustomizations, a file that is not YAML): offline, with the old key's backup and a second
// key's certificate. `git diff` shows exactly what changed: the stale ciphertexts and the hint lines, nothing else.
// The online run against the local control plane, and the second controller unsealing the offline result, are in
// e2e/specs/kubeseal/reencrypt-repo.e2e.test.ts.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptionLabelText, issueCertificate, publicKeyFingerprint } from '@ssts/core';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { nodeIo } from '../io/node-io.js';
import { run } from '../main.js';
import { materializeRepo, REENCRYPT_REPO_DIFF, type SealedItem } from '../test-helpers/fixture-repo.js';
import { independentDecrypt } from '../test-helpers/independent-crypto.js';
import { scrubbedGitDiff } from '../test-helpers/git-diff.js';

const OLD_KEY = join(VECTOR_4096_DIR, 'tls.key');
const OLD = 'SHA256:eFfoSlxB0tKQFWKv9VsMU6Mwg+Gz+4lFSm+LaXD9alk';

let dir: string;
let repo: string;
let items: SealedItem[];
let newKeyPem: string;
let newCert: string;
let NEW: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });

async function kubeseal(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const io = {
    ...nodeIo(),
    stdout: { isTTY: false, write: (c: string | Uint8Array) => void (stdout += String(c)) },
    stderr: { isTTY: false, write: (c: string | Uint8Array) => void (stderr += String(c)) },
  };
  const code = await run(args, io, {});
  return { code, stdout: stdout.replaceAll(repo, 'REPO').replaceAll(NEW, 'NEW'), stderr };
}

/** `git diff` of the working tree (scrubbed), the keys' fingerprints named NEW and OLD. */
function diff(): string {
  return scrubbedGitDiff(repo).replaceAll(NEW, 'NEW').replaceAll(OLD, 'OLD');
}

/** The ciphertext of each item in the working tree, by `file name item`. */
function ciphertexts(): Map<string, string> {
  const out = new Map<string, string>();
  for (const { file } of items) {
    const text = readFileSync(join(repo, file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const value = doc.toJS() as {
        kind?: string;
        metadata?: { name?: string };
        spec?: { encryptedData?: Record<string, string> };
      };
      if (value?.kind !== 'SealedSecret') continue;
      for (const [item, c] of Object.entries(value.spec?.encryptedData ?? {}))
        out.set(`${file} ${value.metadata?.name ?? ''} ${item}`, c);
    }
  }
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubeseal-reencrypt-git-'));
  repo = join(dir, 'repo');
  const oldPublic = createPublicKey(createPrivateKey(readFileSync(OLD_KEY, 'utf8')));
  items = materializeRepo(repo, 'shop', oldPublic);
  // The second cluster's key: its private half stays with the test (the "other controller").
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  newKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  newCert = join(dir, 'new-cluster.pem');
  writeFileSync(
    newCert,
    issueCertificate({
      key: privateKey,
      selfSignKey: privateKey,
      commonName: 'sealed-secret',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 3600_000),
      serial: randomBytes(16),
      usage: 'ca',
    }),
  );
  NEW = publicKeyFingerprint(createPublicKey(privateKey));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kubeseal reencrypt DIR --recovery-private-key OLD --cert NEW (offline, a Git repository)', () => {
  it('--dry-run lists every SealedSecret that would move, from which key to which, and writes nothing', async () => {
    const dry = await kubeseal(
      'reencrypt',
      repo,
      '--dry-run',
      '--recovery-private-key',
      OLD_KEY,
      '--cert',
      newCert,
    );
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      `REPO/apps/billing/nested/deep/shared.yml: document 1: shop/shared (1 item): ${OLD} -> NEW\n` +
        `REPO/apps/billing/stripe.json: document 1: shop/stripe (1 item): ${OLD} -> NEW\n` +
        `REPO/apps/shop/sealed.yaml: document 1: shop/db (2 items): ${OLD} -> NEW\n` +
        `REPO/apps/shop/sealed.yaml: document 3: shop/api (1 item): ${OLD} -> NEW\n` +
        'Would re-encrypt 4 SealedSecrets in 3 files, 0 already on the newest key, 0 failed; nothing was written.\n',
    );
    expect(git('status', '--porcelain')).toBe('');
  });

  it('rewrites only the ciphertexts and the hint lines; the second key opens every value', async () => {
    const before = ciphertexts();
    const result = await kubeseal('reencrypt', repo, '--recovery-private-key', OLD_KEY, '--cert', newCert);
    expect(result).toEqual({
      code: 0,
      stdout:
        'Re-encrypted 4 SealedSecrets in 3 files, 0 already on the newest key, 3 files without SealedSecrets, 0 failed.\n',
      stderr: '',
    });
    expect(diff()).toBe(readFileSync(REENCRYPT_REPO_DIFF, 'utf8'));
    // Every value changed and is opened by the second key (an independent decryption) under its own label.
    const after = ciphertexts();
    expect(after.size).toBe(items.length);
    for (const { file, scope, namespace, name, item, value } of items) {
      const ciphertext = after.get(`${file} ${name} ${item}`) ?? '';
      expect(ciphertext).not.toBe(before.get(`${file} ${name} ${item}`));
      const label = encryptionLabelText(namespace, name, scope);
      expect(independentDecrypt(newKeyPem, ciphertext, label).toString('utf8')).toBe(value);
    }
    // No value was printed, nothing else was written (no temporary file left next to the edited ones).
    for (const { value } of items) expect(result.stdout).not.toContain(value);
    expect(git('status', '--porcelain', '--untracked-files=all')).toBe(
      ' M apps/billing/nested/deep/shared.yml\n M apps/billing/stripe.json\n M apps/shop/sealed.yaml\n',
    );
  });

  it('a second run changes nothing: every item already uses the newest key', async () => {
    const snapshot = git('diff', '--no-color');
    const again = await kubeseal('reencrypt', repo, '--recovery-private-key', OLD_KEY, '--cert', newCert);
    expect(again).toEqual({
      code: 0,
      stdout:
        'Re-encrypted 0 SealedSecrets in 0 files, 4 already on the newest key, 3 files without SealedSecrets, 0 failed.\n',
      stderr: '',
    });
    expect(git('diff', '--no-color')).toBe(snapshot);
    const dry = await kubeseal(
      'reencrypt',
      repo,
      '--dry-run',
      '--recovery-private-key',
      OLD_KEY,
      '--cert',
      newCert,
    );
    expect(dry.stdout).toBe(
      'Would re-encrypt 0 SealedSecrets in 0 files, 4 already on the newest key, 0 failed; nothing was written.\n',
    );
  });

  it('a key that opens nothing: each file fails with a one-line reason naming items and label, nothing written', async () => {
    git('checkout', '-q', '.');
    const wrong = join(dir, 'wrong.pem');
    writeFileSync(wrong, newKeyPem);
    const failed = await kubeseal('reencrypt', repo, '--recovery-private-key', wrong, '--cert', newCert);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe(
      'Re-encrypted 0 SealedSecrets in 0 files, 0 already on the newest key, 3 files without SealedSecrets, 3 failed.\n',
    );
    expect(failed.stderr.replaceAll(repo, 'REPO')).toBe(
      'failed: REPO/apps/billing/nested/deep/shared.yml: no given private key decrypts "ca.crt" as sealed for cluster-wide "" (tried 1 key)\n' +
        'failed: REPO/apps/billing/stripe.json: no given private key decrypts "key" as sealed for namespace-wide "shop" (tried 1 key)\n' +
        'failed: REPO/apps/shop/sealed.yaml: no given private key decrypts "password", "user" as sealed for strict "shop/db" (tried 1 key)\n' +
        'error: 3 files could not be re-encrypted (run again to retry them)\n',
    );
    expect(git('status', '--porcelain')).toBe('');
  });
});
