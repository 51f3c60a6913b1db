import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSelfSignedCertificate, parseCertificatePem, publicKeyFingerprint } from '@ssts/core';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { run } from '../main.js';
import { independentDecrypt } from '../test-helpers/independent-crypto.js';
import { memoryIo } from '../test-helpers/memory-io.js';

const CERT = readFileSync(join(VECTOR_4096_DIR, 'tls.crt'));
const KEY = readFileSync(join(VECTOR_4096_DIR, 'tls.key'), 'utf8');
const FINGERPRINT = publicKeyFingerprint(parseCertificatePem(CERT.toString('utf8')).publicKey);
const UPDATE_KEY = 'q2Jb0cS0VjYfQGm0y3v6lqj8mX1pWd2rN7tKc5uH9eA=\n';
const OTHER_UPDATE_KEY = 'Zm9yZWlnbiB1cGRhdGUga2V5LCAzMiBieXRlcyBsb25nIQ==\n';

const SEALED = `# Secrets of the shop
apiVersion: v1
kind: ConfigMap
metadata:
  name: db
data:
  host: db.local
---
# the database
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: db
  namespace: shop
spec:
  encryptedData:
    host: AgAAAAold-host
    # rotated 2026-01
    password: AgAAAAold-password
    user: AgAAAAold-user # the login
  template:
    metadata:
      name: db
      namespace: shop
`;

function secret(values: Record<string, string>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'shop' },
    stringData: values,
    ...extra,
  });
}

const VALUES = { host: 'db.local', password: 'hunter2', user: 'admin' };

async function update(
  file: string,
  stdin: string,
  extraArgs: string[] = [],
  files: Record<string, string | Buffer> = {},
) {
  const mem = memoryIo({
    stdin,
    files: {
      '/cert.pem': CERT,
      '/sealed.yaml': file,
      '/update.key': UPDATE_KEY,
      '/other.key': OTHER_UPDATE_KEY,
      ...files,
    },
  });
  const args = [
    'seal',
    '--update',
    '/sealed.yaml',
    '--cert',
    '/cert.pem',
    '--update-key-file',
    '/update.key',
  ];
  const code = await run([...args, ...extraArgs], mem.io, {});
  return {
    code,
    file: mem.files.get('/sealed.yaml')?.toString('utf8') ?? '',
    stderr: mem.stderr(),
    stdout: mem.stdout(),
    written: mem.written,
  };
}

function sealedDoc(text: string) {
  const docs = parseAllDocuments(text).map(
    (d) =>
      d.toJS() as {
        kind: string;
        metadata: { annotations?: Record<string, string> };
        spec: { encryptedData: Record<string, string> };
      },
  );
  const doc = docs.find((d) => d.kind === 'SealedSecret');
  if (doc === undefined) throw new Error('no SealedSecret');
  return doc;
}

function decrypted(text: string, label = 'shop/db'): Record<string, string> {
  const { encryptedData } = sealedDoc(text).spec;
  return Object.fromEntries(
    Object.entries(encryptedData).map(([k, v]) => [k, independentDecrypt(KEY, v, label).toString('utf8')]),
  );
}

/** The lines of `after` that are not in `before` and the lines of `before` gone from `after` (a line diff). */
function lineDiff(before: string, after: string) {
  const a = before.split('\n');
  const b = after.split('\n');
  return { removed: a.filter((l) => !b.includes(l)), added: b.filter((l) => !a.includes(l)) };
}

/** Another controller's certificate (a key renewal elsewhere). */
function newCertificate(): { pem: string; fingerprint: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = createSelfSignedCertificate({
    privateKey,
    publicKey,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    validityMs: 100 * 365 * 86_400_000,
    serial: new Uint8Array(16).fill(1),
  });
  return { pem, fingerprint: publicKeyFingerprint(publicKey) };
}

/** A file whose every item has a tag: the first --update of SEALED. */
async function tagged(): Promise<string> {
  const first = await update(SEALED, secret(VALUES));
  expect(first.code, first.stderr).toBe(0);
  return first.file;
}

describe('kubeseal seal --update', () => {
  it('the first update seals every value (no tags yet) and says why; comments and other documents stay', async () => {
    const result = await update(SEALED, secret(VALUES));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'db: 0 kept, 3 re-sealed, 0 added, 0 removed\n' +
        'notice: db: 3 items had no update tag, sealed again: host, password, user\n',
    );
    expect(decrypted(result.file)).toEqual(VALUES);
    const annotations = sealedDoc(result.file).metadata.annotations ?? {};
    expect(Object.keys(annotations)).toEqual([
      'sealed-secrets-ts/sealed-for',
      'sealed-secrets-ts/sealed-with',
      'sealed-secrets-ts/tag.host',
      'sealed-secrets-ts/tag.password',
      'sealed-secrets-ts/tag.user',
    ]);
    expect(annotations['sealed-secrets-ts/sealed-with']).toBe(FINGERPRINT);
    const { removed } = lineDiff(SEALED, result.file);
    expect(removed).toEqual([
      '    host: AgAAAAold-host',
      '    password: AgAAAAold-password',
      '    user: AgAAAAold-user # the login',
    ]);
    expect(result.file).toContain('    # rotated 2026-01\n    password: ');
    expect(result.file).toMatch(/\n {4}user: [A-Za-z0-9+/=]+ # the login\n/);
    expect(result.file.startsWith('# Secrets of the shop\napiVersion: v1\nkind: ConfigMap\n')).toBe(true);
  });

  it('nothing changed: the file is not even written', async () => {
    const file = await tagged();
    const again = await update(file, secret(VALUES));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('db: 3 kept, 0 re-sealed, 0 added, 0 removed\n');
    expect(again.written).toEqual([]);
    expect(again.file).toBe(file);
  });

  it('one value changed, one added, one removed: exactly their item and tag lines change', async () => {
    const file = await tagged();
    const result = await update(file, secret({ password: 'hunter3', user: 'admin', port: '5432' }));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('db: 1 kept, 1 re-sealed, 1 added, 1 removed\n');
    const before = sealedDoc(file);
    const after = sealedDoc(result.file);
    expect(after.spec.encryptedData.user).toBe(before.spec.encryptedData.user);
    expect(decrypted(result.file)).toEqual({ password: 'hunter3', user: 'admin', port: '5432' });
    const { removed, added } = lineDiff(file, result.file);
    expect(removed.map((l) => l.split(':')[0])).toEqual([
      '    sealed-secrets-ts/tag.host',
      '    sealed-secrets-ts/tag.password',
      '    host',
      '    password',
    ]);
    expect(added.map((l) => l.split(':')[0])).toEqual([
      '    sealed-secrets-ts/tag.password',
      '    sealed-secrets-ts/tag.port',
      '    password',
      '    port',
    ]);
    // Sorted keys stay sorted; the comment above password stays above it.
    expect(result.file).toMatch(
      /\n {2}encryptedData:\n {4}# rotated 2026-01\n {4}password: \S+\n {4}port: \S+\n {4}user: /,
    );
  });

  it('several Secrets update their SealedSecrets of a multi-document file, each with its own scope', async () => {
    const file = `${SEALED}---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: api\n  namespace: shop\n  annotations:\n    sealedsecrets.bitnami.com/namespace-wide: "true"\nspec:\n  encryptedData:\n    token: AgAAAAold-token\n`;
    const api = JSON.stringify({
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'api' },
      stringData: { token: 't0ken' },
    });
    const result = await update(file, `${secret(VALUES)}\n${api}`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(
      'db: 0 kept, 3 re-sealed, 0 added, 0 removed\n' +
        'notice: db: 3 items had no update tag, sealed again: host, password, user\n' +
        'api: 0 kept, 1 re-sealed, 0 added, 0 removed\n' +
        'notice: api: 1 item had no update tag, sealed again: token\n',
    );
    const [, , third] = parseAllDocuments(result.file).map(
      (d) =>
        d.toJS() as {
          metadata: { annotations?: Record<string, string> };
          spec: { encryptedData: Record<string, string> };
        },
    );
    expect(independentDecrypt(KEY, third?.spec.encryptedData.token ?? '', 'shop').toString()).toBe('t0ken');
    expect(third?.metadata.annotations?.['sealed-secrets-ts/sealed-for']).toBe('namespace-wide shop');
  });

  it('equal values in two items get unrelated tags', async () => {
    const result = await update(SEALED, secret({ host: 'same', password: 'same', user: 'same' }));
    const annotations = sealedDoc(result.file).metadata.annotations ?? {};
    const tags = ['host', 'password', 'user'].map((i) => annotations[`sealed-secrets-ts/tag.${i}`]);
    expect(new Set(tags).size).toBe(3);
    expect(new Set(tags.map((t) => t?.split('.')[3])).size).toBe(3);
  });

  it('a new certificate: every value sealed again, with a notice naming both fingerprints', async () => {
    const file = await tagged();
    const { pem, fingerprint: newFingerprint } = newCertificate();
    const result = await update(file, secret(VALUES), ['--cert', '/new.pem'], { '/new.pem': pem });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(
      'db: 0 kept, 3 re-sealed, 0 added, 0 removed\n' +
        `notice: db was sealed with ${FINGERPRINT}, the certificate is now ${newFingerprint}: every value is sealed again\n`,
    );
    const after = sealedDoc(result.file);
    expect(after.metadata.annotations?.['sealed-secrets-ts/sealed-with']).toBe(newFingerprint);
    for (const item of Object.keys(VALUES))
      expect(after.spec.encryptedData[item]).not.toBe(sealedDoc(file).spec.encryptedData[item]);
  });

  it('a new certificate without seal hints: the tags bind the fingerprint, so every value is sealed again', async () => {
    const first = await update(SEALED, secret(VALUES), ['--no-seal-hints']);
    expect(sealedDoc(first.file).metadata.annotations?.['sealed-secrets-ts/sealed-with']).toBeUndefined();
    const { pem } = newCertificate();
    const result = await update(first.file, secret(VALUES), ['--no-seal-hints', '--cert', '/new.pem'], {
      '/new.pem': pem,
    });
    expect(result.stderr).toBe('db: 0 kept, 3 re-sealed, 0 added, 0 removed\n');
  });

  it('tags of another update key, or malformed ones: those values are sealed again, with a notice', async () => {
    const file = await tagged();
    const foreign = await update(file, secret(VALUES), ['--update-key-file', '/other.key']);
    expect(foreign.code, foreign.stderr).toBe(0);
    const mine = (sealedDoc(file).metadata.annotations?.['sealed-secrets-ts/tag.host'] ?? '').split('.')[1];
    expect(foreign.stderr).toMatch(
      new RegExp(
        `^db: 0 kept, 3 re-sealed, 0 added, 0 removed\\n` +
          `notice: db: 3 items had a tag of another update key \\(${mine}; yours is [A-Za-z0-9_-]{8}\\), ` +
          'sealed again: host, password, user\\n$',
      ),
    );
    const broken = file.replace(/(sealed-secrets-ts\/tag\.user: )\S+/, '$1not-a-tag');
    const malformed = await update(broken, secret(VALUES));
    expect(malformed.stderr).toBe(
      'db: 2 kept, 1 re-sealed, 0 added, 0 removed\n' +
        'notice: db: 1 item had a malformed update tag, sealed again: user\n',
    );
  });

  it('a tag copied onto another ciphertext does not match: a swapped ciphertext is sealed again', async () => {
    const file = await tagged();
    const { password, user } = sealedDoc(file).spec.encryptedData;
    const swapped = file.replace(`password: ${password}`, `password: ${user}`);
    const result = await update(swapped, secret(VALUES));
    expect(result.stderr).toBe('db: 2 kept, 1 re-sealed, 0 added, 0 removed\n');
    expect(decrypted(result.file)).toEqual(VALUES);
  });

  it('updates a JSON file in place, keeping its layout', async () => {
    const json = `${JSON.stringify(
      {
        kind: 'SealedSecret',
        apiVersion: 'bitnami.com/v1alpha1',
        metadata: { name: 'db', namespace: 'shop', creationTimestamp: null },
        spec: {
          template: { metadata: { name: 'db', namespace: 'shop' } },
          encryptedData: { user: 'AgAAAA' },
        },
      },
      null,
      2,
    )}\n`;
    const first = await update(json, secret({ user: 'admin', password: 'pw' }));
    expect(first.code, first.stderr).toBe(0);
    const parsed = JSON.parse(first.file) as { metadata: { annotations: Record<string, string> } };
    expect(Object.keys(parsed.metadata.annotations)).toContain('sealed-secrets-ts/tag.password');
    expect(decrypted(first.file)).toEqual({ user: 'admin', password: 'pw' });
    const second = await update(first.file, secret({ user: 'admin', password: 'pw2' }));
    expect(second.stderr).toBe('db: 1 kept, 1 re-sealed, 0 added, 0 removed\n');
    expect(lineDiff(first.file, second.file).removed.map((l) => l.trim().split('"')[1])).toEqual([
      'sealed-secrets-ts/tag.password',
      'password',
    ]);
  });

  it('labels, annotations and type of the Secret: only those template lines change, template data stays', async () => {
    const withData = SEALED.replace(
      '      namespace: shop\n',
      '      namespace: shop\n    data:\n      # rendered by the controller\n      dsn: "postgres://{{ .user }}@db"\n      hidden: null\n',
    );
    const file = (await update(withData, secret(VALUES))).file;
    const result = await update(
      file,
      secret(VALUES, {
        metadata: { name: 'db', namespace: 'shop', labels: { app: 'shop' }, annotations: { note: 'x' } },
        type: 'kubernetes.io/basic-auth',
      }),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(
      'db: 3 kept, 0 re-sealed, 0 added, 0 removed\ndb: spec.template metadata, type updated\n',
    );
    const { removed, added } = lineDiff(file, result.file);
    expect(removed).toEqual([]);
    expect(added).toEqual([
      '      annotations:',
      '        note: x',
      '      labels:',
      '        app: shop',
      '    type: kubernetes.io/basic-auth',
    ]);
    expect(result.file).toContain(
      '      namespace: shop\n    type: kubernetes.io/basic-auth\n    data:\n      # rendered by the controller\n      dsn: "postgres://{{ .user }}@db"\n      hidden: null\n',
    );
    // And back: the labels and the type go again, the rest stays.
    const back = await update(result.file, secret(VALUES));
    expect(back.stderr).toBe(
      'db: 3 kept, 0 re-sealed, 0 added, 0 removed\ndb: spec.template metadata, type updated\n',
    );
    expect(back.file).toBe(file);
  });

  it('template changes in a JSON file stay JSON at their indentation', async () => {
    const json = `${JSON.stringify(
      {
        kind: 'SealedSecret',
        apiVersion: 'bitnami.com/v1alpha1',
        metadata: { name: 'db', namespace: 'shop' },
        spec: {
          template: { metadata: { name: 'db', namespace: 'shop' } },
          encryptedData: { user: 'AgAAAA' },
        },
      },
      null,
      2,
    )}\n`;
    const first = await update(json, secret({ user: 'admin' }));
    const result = await update(
      first.file,
      secret(
        { user: 'admin' },
        { metadata: { name: 'db', namespace: 'shop', labels: { app: 'shop' } }, immutable: true },
      ),
    );
    expect(result.stderr).toBe(
      'db: 1 kept, 0 re-sealed, 0 added, 0 removed\ndb: spec.template metadata, immutable updated\n',
    );
    const parsed = JSON.parse(result.file) as { spec: { template: unknown } };
    expect(parsed.spec.template).toEqual({
      metadata: { name: 'db', namespace: 'shop', labels: { app: 'shop' } },
      immutable: true,
    });
    expect(result.file).toContain('\n    "template": {\n      "metadata": {\n        "name": "db",\n');
  });

  describe('errors (the file is never written)', () => {
    const cases: [string, () => Promise<Awaited<ReturnType<typeof update>>>, string][] = [
      [
        'no SealedSecret of that name',
        () =>
          update(
            SEALED,
            JSON.stringify({
              kind: 'Secret',
              apiVersion: 'v1',
              metadata: { name: 'dbx', namespace: 'shop' },
              stringData: { a: 'b' },
            }),
          ),
        'error: /sealed.yaml: no SealedSecret named dbx\n' +
          'hint: --update keeps the name and namespace; seal a new SealedSecret with: kubeseal seal\n',
      ],
      [
        'the Secret in another namespace',
        () =>
          update(
            SEALED,
            JSON.stringify({
              kind: 'Secret',
              apiVersion: 'v1',
              metadata: { name: 'db', namespace: 'prod' },
              stringData: { a: 'b' },
            }),
          ),
        'error: /sealed.yaml: SealedSecret db is in namespace shop, the Secret in prod\n' +
          'hint: --update keeps the name and namespace; seal a new SealedSecret with: kubeseal seal\n',
      ],
      [
        'another scope on the command line',
        () => update(SEALED, secret(VALUES), ['--scope', 'cluster-wide']),
        'error: cannot update db in /sealed.yaml, sealed with scope strict, from a Secret of scope cluster-wide\n' +
          'hint: --update keeps the scope; seal a new SealedSecret with: kubeseal seal --scope\n',
      ],
      [
        'another scope in the Secret',
        () =>
          update(
            SEALED,
            secret(VALUES, {
              metadata: {
                name: 'db',
                namespace: 'shop',
                annotations: { 'sealedsecrets.bitnami.com/namespace-wide': 'true' },
              },
            }),
          ),
        'error: cannot update db in /sealed.yaml, sealed with scope strict, from a Secret of scope namespace-wide\n' +
          'hint: --update keeps the scope; seal a new SealedSecret with: kubeseal seal --scope\n',
      ],
      [
        'an update key that is too short',
        () => update(SEALED, secret(VALUES), [], { '/update.key': 'password\n' }),
        'error: /update.key: an update key needs at least 32 bytes (make one with: openssl rand -base64 32)\n',
      ],
      [
        'no update key file',
        () => update(SEALED, secret(VALUES), ['--update-key-file', '/missing.key']),
        'error: open /missing.key: no such file or directory\n',
      ],
      [
        'no input Secret',
        () => update(SEALED, ''),
        'error: no secrets found. Ensure the input is valid and UTF-8 encoded\n',
      ],
    ];
    it.each(cases)('%s', async (_name, go, stderr) => {
      const result = await go();
      expect(result.stderr).toBe(stderr);
      expect(result.code).toBe(1);
      expect(result.written).toEqual([]);
    });

    it('--update without --update-key-file, or with -w / --merge-into, is a usage error', async () => {
      for (const [args, message] of [
        [['seal', '--update', '/sealed.yaml'], '--update needs --update-key-file FILE'],
        [['seal', '--update', '/sealed.yaml', '--update-key-file', '/k', '-w', '/o.yaml'], 'it takes no -w'],
        [
          ['seal', '--update', '/s', '--update-key-file', '/k', '--merge-into', '/s'],
          'it takes no --merge-into',
        ],
      ] as const) {
        const mem = memoryIo({ files: { '/sealed.yaml': SEALED } });
        expect(await run(args, mem.io, {})).toBe(2);
        expect(mem.stderr()).toContain(message);
      }
    });

    it('the key file may come from SEALED_SECRETS_UPDATE_KEY_FILE', async () => {
      const mem = memoryIo({
        stdin: secret(VALUES),
        files: { '/cert.pem': CERT, '/sealed.yaml': SEALED, '/update.key': UPDATE_KEY },
      });
      const args = ['seal', '--update', '/sealed.yaml', '--cert', '/cert.pem'];
      expect(await run(args, mem.io, { SEALED_SECRETS_UPDATE_KEY_FILE: '/update.key' })).toBe(0);
      expect(mem.stderr().split('\n')[0]).toBe('db: 0 kept, 3 re-sealed, 0 added, 0 removed');
    });
  });
});
