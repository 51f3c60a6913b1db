import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nodeIo } from '../io/node-io.js';
import { run } from '../main.js';
import { scrubCiphertexts } from '../test-helpers/independent-crypto.js';
import { scrubbedGitDiff } from '../test-helpers/git-diff.js';

// Issue 15 item 2: --merge-into edits FILE in place (format/edit-in-place.ts) when the result reads back equal to
// the full render; otherwise it writes the full render as before.
const COMMENTED = `# Managed by the platform team.
---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: db
  namespace: shop
spec:
  encryptedData:
    # the login of the shop service
    password: "AgAAAAold-password"
    user: AgAAAAold-user # never rotated
  template:
    metadata:
      labels:
        app: shop
      name: db
      namespace: shop
`;

const SECRET = (data: Record<string, string>, labels?: Record<string, string>) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'ignored', namespace: 'ignored', ...(labels !== undefined && { labels }) },
    stringData: data,
  });

let repo: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
const file = () => join(repo, 'sealed.yaml');
const cert = join(VECTOR_4096_DIR, 'tls.crt');

async function mergeInto(stdin: string, ...extra: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const io = {
    ...nodeIo(),
    stdin: { isTTY: false, readAll: async () => Buffer.from(stdin) },
    stderr: { isTTY: false, write: (c: string | Uint8Array) => void (stderr += String(c)) },
  };
  const code = await run(['--cert', cert, '--merge-into', file(), ...extra], io as never, {});
  return { code, stderr };
}

const diff = () => scrubbedGitDiff(repo);

describe('--merge-into edits FILE in place', () => {
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'kubeseal-merge-'));
    writeFileSync(file(), COMMENTED);
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));
  beforeEach(() => git('checkout', '-q', '.'));

  it('replaces one item: comments, quoting and the other ciphertext stay byte for byte', async () => {
    expect(await mergeInto(SECRET({ password: 'n3w' }))).toEqual({ code: 0, stderr: '' });
    expect(diff()).toBe(`diff --git a/sealed.yaml b/sealed.yaml
--- a/sealed.yaml
+++ b/sealed.yaml
@@ -10,3 +10,3 @@ spec:
     # the login of the shop service
-    password: "AgAAAAold-password"
+    password: "<ciphertext>"
     user: AgAAAAold-user # never rotated
`);
  });

  it('replaces and adds several items and merges template labels at their sorted places', async () => {
    expect(
      await mergeInto(
        SECRET({ user: 'u', password: 'p', host: 'h', zone: 'z' }, { tier: 'db', 'a.b/c': 'x y' }),
      ),
    ).toEqual({ code: 0, stderr: '' });
    expect(diff()).toBe(`diff --git a/sealed.yaml b/sealed.yaml
--- a/sealed.yaml
+++ b/sealed.yaml
@@ -9,5 +9,7 @@ spec:
   encryptedData:
+    host: <ciphertext>
     # the login of the shop service
-    password: "AgAAAAold-password"
-    user: AgAAAAold-user # never rotated
+    password: "<ciphertext>"
+    user: <ciphertext> # never rotated
+    zone: <ciphertext>
   template:
@@ -15,3 +17,5 @@ spec:
       labels:
+        a.b/c: "x y"
         app: shop
+        tier: db
       name: db
`);
    expect(readFileSync(file(), 'utf8').startsWith('# Managed by the platform team.\n---\n')).toBe(true);
  });

  it('seal --merge-into adds the seal hints as their own lines', async () => {
    let stderr = '';
    const io = {
      ...nodeIo(),
      stdin: { isTTY: false, readAll: async () => Buffer.from(SECRET({ user: 'u' })) },
      stderr: { isTTY: false, write: (c: string | Uint8Array) => void (stderr += String(c)) },
    };
    expect(await run(['seal', '--cert', cert, '--merge-into', file()], io as never, {})).toBe(0);
    expect(stderr).toBe('');
    expect(diff()).toBe(`diff --git a/sealed.yaml b/sealed.yaml
--- a/sealed.yaml
+++ b/sealed.yaml
@@ -5,2 +5,5 @@ kind: SealedSecret
 metadata:
+  annotations:
+    sealed-secrets-ts/sealed-for: strict shop/db
+    sealed-secrets-ts/sealed-with: SHA256:eFfoSlxB0tKQFWKv9VsMU6Mwg+Gz+4lFSm+LaXD9alk
   name: db
@@ -11,3 +14,3 @@ spec:
     password: "AgAAAAold-password"
-    user: AgAAAAold-user # never rotated
+    user: <ciphertext> # never rotated
   template:
`);
  });

  it('a file in go-yaml form gets the full render, which changes only the merged lines (as Go writes them)', async () => {
    const canonical = COMMENTED.replace(/^# .*\n/, '')
      .replace('    # the login of the shop service\n', '')
      .replace(' # never rotated', '')
      .replace('"AgAAAAold-password"', 'AgAAAAold-password');
    writeFileSync(file(), canonical);
    expect(await mergeInto(SECRET({ host: 'h', user: 'u' }, { tier: 'db' }))).toEqual({
      code: 0,
      stderr: '',
    });
    const edited = readFileSync(file(), 'utf8');
    expect(edited).toContain('    password: AgAAAAold-password\n');
    // The full render of the same SealedSecret, through JSON (-o json, then -o yaml: both full renders).
    expect(await mergeInto(SECRET({}), '--allow-empty-data', '-o', 'json')).toEqual({ code: 0, stderr: '' });
    expect(readFileSync(file(), 'utf8')).toMatch(/^\{/);
    expect(await mergeInto(SECRET({}), '--allow-empty-data', '-o', 'yaml')).toEqual({ code: 0, stderr: '' });
    expect(readFileSync(file(), 'utf8')).toBe(edited);
  });

  it('falls back to the full render when the edit would not read back as the render (no template)', async () => {
    writeFileSync(
      file(),
      '# gone after the render\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\n  namespace: shop\nspec:\n  encryptedData:\n    user: AgAAAAold-user\n',
    );
    expect(await mergeInto(SECRET({ password: 'p' }))).toEqual({ code: 0, stderr: '' });
    expect(scrubCiphertexts(readFileSync(file(), 'utf8'))).toBe(`---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: db
  namespace: shop
spec:
  encryptedData:
    password: <ciphertext>
    user: AgAAAAold-user
  template:
    metadata: {}
`);
  });
});
