import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeIo } from '../io/node-io.js';
import { run } from '../main.js';
import { scrubbedGitDiff } from '../test-helpers/git-diff.js';

// A repository as teams keep one: nested folders, a multi-document file with comments, a kustomization. The verbs
// run against the real file system, and `git diff` shows exactly what they changed.
const REPO_FILES: Record<string, string> = {
  'apps/shop/kustomization.yaml': 'resources:\n  - sealed.yaml\n  - deployment.yaml\n',
  'apps/shop/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n',
  'apps/shop/sealed.yaml': `# Managed by the platform team.
# Re-seal with: kubeseal set NAME KEY -f apps/shop/sealed.yaml
---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: db
  namespace: shop
spec:
  encryptedData:
    # the login of the shop service
    password: AgAAAAold-password
    user: AgAAAAold-user
  template:
    metadata:
      name: db
      namespace: shop
---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: api
  namespace: shop
spec:
  encryptedData:
    token: AgAAAAold-token # rotated every 90 days
`,
};

let repo: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });

async function kubeseal(...args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const io = {
    ...nodeIo(),
    stderr: { isTTY: false, write: (c: string | Uint8Array) => void (stderr += String(c)) },
  };
  const code = await run(args, io, {});
  return { code, stderr };
}

const diff = () => scrubbedGitDiff(repo);

describe('a Git repository through kubeseal set and unset', () => {
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'kubeseal-git-'));
    for (const [path, text] of Object.entries(REPO_FILES)) {
      mkdirSync(dirname(join(repo, path)), { recursive: true });
      writeFileSync(join(repo, path), text);
    }
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  const file = () => join(repo, 'apps/shop/sealed.yaml');
  const cert = join(VECTOR_4096_DIR, 'tls.crt');

  it('set replaces one ciphertext: the diff is that line and the seal hints', async () => {
    expect(
      await kubeseal('set', 'db', 'password', '-f', file(), '--from-literal', 'n3w', '--cert', cert),
    ).toEqual({
      code: 0,
      stderr: '',
    });
    expect(diff()).toBe(`diff --git a/apps/shop/sealed.yaml b/apps/shop/sealed.yaml
--- a/apps/shop/sealed.yaml
+++ b/apps/shop/sealed.yaml
@@ -6,2 +6,5 @@ kind: SealedSecret
 metadata:
+  annotations:
+    sealed-secrets-ts/sealed-for: strict shop/db
+    sealed-secrets-ts/sealed-with: SHA256:eFfoSlxB0tKQFWKv9VsMU6Mwg+Gz+4lFSm+LaXD9alk
   name: db
@@ -11,3 +14,3 @@ spec:
     # the login of the shop service
-    password: AgAAAAold-password
+    password: <ciphertext>
     user: AgAAAAold-user
`);
    git('checkout', '-q', '.');
  });

  it('set (without hints) adds a key in sorted position and unset removes one: only those lines change', async () => {
    expect(
      (
        await kubeseal(
          'set',
          'db',
          'host',
          '-f',
          file(),
          '--from-literal',
          'db.local',
          '--cert',
          cert,
          '--no-seal-hints',
        )
      ).code,
    ).toBe(0);
    expect((await kubeseal('unset', 'api', 'token', '-f', file())).code).toBe(0);
    expect(diff()).toBe(`diff --git a/apps/shop/sealed.yaml b/apps/shop/sealed.yaml
--- a/apps/shop/sealed.yaml
+++ b/apps/shop/sealed.yaml
@@ -10,2 +10,3 @@ spec:
   encryptedData:
+    host: <ciphertext>
     # the login of the shop service
@@ -24,3 +25,2 @@ metadata:
 spec:
-  encryptedData:
-    token: AgAAAAold-token # rotated every 90 days
+  encryptedData: {}
`);
    expect(git('status', '--porcelain')).toBe(' M apps/shop/sealed.yaml\n');
    expect(readFileSync(file(), 'utf8').startsWith('# Managed by the platform team.\n')).toBe(true);
  });
});

describe('a Git repository through kubeseal seal --update', () => {
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'kubeseal-git-update-'));
    for (const [path, text] of Object.entries(REPO_FILES)) {
      mkdirSync(dirname(join(repo, path)), { recursive: true });
      writeFileSync(join(repo, path), text);
    }
    git('init', '-q');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('one value rotated: the diff is its ciphertext and its tag line, nothing else', async () => {
    const file = join(repo, 'apps/shop/sealed.yaml');
    const cert = join(VECTOR_4096_DIR, 'tls.crt');
    // The plain Secret and the update key live outside the repository.
    const outside = mkdtempSync(join(tmpdir(), 'kubeseal-git-update-outside-'));
    const secret = join(outside, 'db.yaml');
    const key = join(outside, 'update.key');
    writeFileSync(key, 'git-workflow-update-key-0123456789abcdef\n');
    const write = (password: string) =>
      writeFileSync(
        secret,
        `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\nstringData:\n  password: ${password}\n  user: shop\n`,
      );
    const update = () =>
      kubeseal('seal', '--update', file, '-f', secret, '--update-key-file', key, '--cert', cert);
    write('s3cr3t');
    expect((await update()).code).toBe(0);
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'tagged');

    write('r0tated');
    expect(await update()).toEqual({ code: 0, stderr: 'db: 1 kept, 1 re-sealed, 0 added, 0 removed\n' });
    const tags = diff().replace(
      /\bv1\.([A-Za-z0-9_-]{8})\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![\w-])/g,
      'v1.$1.<tag>',
    );
    expect(tags).toBe(`diff --git a/apps/shop/sealed.yaml b/apps/shop/sealed.yaml
--- a/apps/shop/sealed.yaml
+++ b/apps/shop/sealed.yaml
@@ -9,3 +9,3 @@ metadata:
     sealed-secrets-ts/sealed-with: SHA256:eFfoSlxB0tKQFWKv9VsMU6Mwg+Gz+4lFSm+LaXD9alk
-    sealed-secrets-ts/tag.password: v1.y8Fay_k2.<tag>
+    sealed-secrets-ts/tag.password: v1.y8Fay_k2.<tag>
     sealed-secrets-ts/tag.user: v1.y8Fay_k2.<tag>
@@ -16,3 +16,3 @@ spec:
     # the login of the shop service
-    password: <ciphertext>
+    password: <ciphertext>
     user: <ciphertext>
`);
    rmSync(outside, { recursive: true, force: true });
  });
});
