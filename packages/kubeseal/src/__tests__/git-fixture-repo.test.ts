import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scrubbedGitDiff } from '../test-helpers/git-diff.js';
import { runCaptured } from '../test-helpers/run-captured.js';

// fixtures/git-repo: a repository of SealedSecrets as teams keep one (nested folders, a multi-document file with
// comments, a JSON file, kustomizations, one with a secretGenerator that only sets options). `set` and `unset` run
// on a Git checkout of it and each test asserts the exact `git diff`; `check` passes it, and catches each plain
// Secret that gitleaks-style rules miss once one is added.
const FIXTURE = fileURLToPath(new URL('./fixtures/git-repo', import.meta.url));
const CERT = join(VECTOR_4096_DIR, 'tls.crt');

let repo: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });

const kubeseal = (...args: string[]) => runCaptured(args, repo);

const diff = () => scrubbedGitDiff(repo);

const at = (path: string) => join(repo, path);

describe('a Git repository of SealedSecrets (fixtures/git-repo)', () => {
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'kubeseal-repo-'));
    cpSync(FIXTURE, repo, { recursive: true });
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init');
  });
  afterEach(() => {
    git('checkout', '-q', '.');
    git('clean', '-qfd');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('passes kubeseal check: SealedSecrets only, and a secretGenerator without values', async () => {
    expect(await kubeseal('check', repo)).toEqual({
      code: 0,
      stdout: '',
      stderr: 'checked 6 files: no plain Secret\n',
    });
  });

  it('set in the second document of a file replaces that one quoted ciphertext', async () => {
    const set = await kubeseal(
      'set',
      'api',
      'webhook',
      '-f',
      at('apps/shop/sealed.yaml'),
      '--from-literal',
      'https://hooks.example.com/n3w',
      '--cert',
      CERT,
      '--no-seal-hints',
    );
    expect(set).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(diff()).toBe(`diff --git a/apps/shop/sealed.yaml b/apps/shop/sealed.yaml
--- a/apps/shop/sealed.yaml
+++ b/apps/shop/sealed.yaml
@@ -26,2 +26,2 @@ spec:
     token: AgAAAAold-token # rotated every 90 days
-    webhook: "AgAAAAold-webhook"
+    webhook: "<ciphertext>"
`);
  });

  it('set in a JSON file replaces one value and adds the seal hints, the rest of the file as it was', async () => {
    const set = await kubeseal(
      'set',
      'api-keys',
      'stripe',
      '-f',
      at('apps/api/sealed.json'),
      '--from-literal',
      'sk_n3w',
      '--cert',
      CERT,
    );
    expect(set).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(diff()).toBe(`diff --git a/apps/api/sealed.json b/apps/api/sealed.json
--- a/apps/api/sealed.json
+++ b/apps/api/sealed.json
@@ -4,2 +4,6 @@
   "metadata": {
+    "annotations": {
+      "sealed-secrets-ts/sealed-for": "strict api/api-keys",
+      "sealed-secrets-ts/sealed-with": "SHA256:eFfoSlxB0tKQFWKv9VsMU6Mwg+Gz+4lFSm+LaXD9alk"
+    },
     "name": "api-keys",
@@ -10,3 +14,3 @@
       "github": "AgAAAAold-github",
-      "stripe": "AgAAAAold-stripe"
+      "stripe": "<ciphertext>"
     }
`);
  });

  it('unset in a nested folder removes one item; set and unset in two files touch only those items', async () => {
    expect(
      await kubeseal('unset', 'replica', 'legacy-password', '-f', at('clusters/prod/overlays/db/sealed.yml')),
    ).toEqual({ code: 0, stdout: '', stderr: '' });
    const set = await kubeseal(
      'set',
      'db',
      'password',
      '-f',
      at('apps/shop/sealed.yaml'),
      '--cert',
      CERT,
      '--from-file',
      join(VECTOR_4096_DIR, 'tls.crt'),
      '--no-seal-hints',
    );
    expect(set).toEqual({ code: 0, stdout: '', stderr: '' });
    // The comment above the removed item goes with it; the comment above the replaced one stays.
    expect(diff()).toBe(`diff --git a/apps/shop/sealed.yaml b/apps/shop/sealed.yaml
--- a/apps/shop/sealed.yaml
+++ b/apps/shop/sealed.yaml
@@ -11,3 +11,3 @@ spec:
     # the login of the shop service
-    password: AgAAAAold-password
+    password: <ciphertext>
     user: AgAAAAold-user
diff --git a/clusters/prod/overlays/db/sealed.yml b/clusters/prod/overlays/db/sealed.yml
--- a/clusters/prod/overlays/db/sealed.yml
+++ b/clusters/prod/overlays/db/sealed.yml
@@ -9,4 +9,2 @@ spec:
   encryptedData:
-    # kept until the replica is gone
-    legacy-password: AgAAAAold-legacy
     password: AgAAAAold-replica
`);
    expect((await kubeseal('check', repo)).code).toBe(0);
  });

  it('check catches each plain Secret that gitleaks-style rules miss, naming file and line', async () => {
    writeFileSync(
      at('apps/api/secret.json'),
      `${JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api-keys' }, data: { github: 'Z2g=' } }, null, 2)}\n`,
    );
    writeFileSync(
      at('apps/shop/token.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\nstringData:\n  token: t0ken\n',
    );
    writeFileSync(
      at('clusters/prod/overlays/db/secret.yml'),
      '# written by hand\ndata:\n  password: cmVwbGljYQ==\nkind: Secret\napiVersion: v1\nmetadata:\n  name: replica\n',
    );
    // The kustomization's generator gets values of its own.
    const kustomization = at('apps/shop/kustomization.yaml');
    writeFileSync(
      kustomization,
      execFileSync(
        'sed',
        ['s/    behavior: merge/    literals:\\n      - password=hunter2/', kustomization],
        {
          encoding: 'utf8',
        },
      ),
    );
    const check = await kubeseal('check', repo);
    expect(check.stdout).toBe(
      [
        'apps/api/secret.json:7: Secret "api-keys" holds plain values (data: github)',
        'apps/shop/kustomization.yaml:8: secretGenerator "db" makes a Secret from plain values (literals: password)',
        'apps/shop/token.yaml:5: Secret "api" holds plain values (stringData: token)',
        'clusters/prod/overlays/db/secret.yml:2: Secret "replica" holds plain values (data: password)',
        '',
      ].join('\n'),
    );
    expect(check.stderr.split('\n')[0]).toBe('error: 4 plain Secrets in 4 of 9 files checked');
    expect(check.code).toBe(1);
  });
});
