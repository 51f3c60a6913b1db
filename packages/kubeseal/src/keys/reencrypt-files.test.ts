import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ControllerClient } from '../cluster/controller-client.js';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { publicKeyFingerprint, sealRawValue } from '@ssts/core';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { reencryptFiles } from './reencrypt-files.js';
import { offlineReencryptor } from './reencrypt-offline.js';
import { onlineReencryptor } from './reencrypt-online.js';

/** A controller whose /v1/rotate answers `new-<value>` for each value; `bad` is refused as upstream does. */
const rotating: ControllerClient = {
  fetchCertificate: () => Promise.reject(new Error('unused')),
  verify: () => Promise.reject(new Error('unused')),
  get: () => Promise.reject(new Error('unused')),
  rotate: (json) => {
    const ss = JSON.parse(json) as { spec: { encryptedData: Record<string, string> } };
    if (Object.values(ss.spec.encryptedData).includes('bad'))
      return Promise.resolve({ status: 500, body: Buffer.from('') });
    const encryptedData = Object.fromEntries(
      Object.entries(ss.spec.encryptedData).map(([k, v]) => [k, `new-${v}`]),
    );
    return Promise.resolve({
      status: 200,
      body: Buffer.from(JSON.stringify({ spec: { encryptedData, template: {} } })),
    });
  },
};

const NEW = 'SHA256:eFfoSlxB0tKQFWKv9VsMU6Mwg+Gz+4lFSm+LaXD9alk';
const controller = onlineReencryptor(rotating, NEW);

function memoryFs(files: Record<string, string>) {
  const written: string[] = [];
  return {
    written,
    fs: {
      readFile: (path: string) =>
        path in files
          ? Promise.resolve(Buffer.from(files[path] ?? ''))
          : Promise.reject(new Error(`ENOENT ${path}`)),
      writeFileAtomic: (path: string, data: string | Uint8Array) => {
        files[path] = Buffer.from(data).toString();
        written.push(path);
        return Promise.resolve();
      },
    },
  };
}

describe('kubeseal reencrypt <dir> (library)', () => {
  it('rewrites only the values of each SealedSecret, keeping comments, templates and other documents', async () => {
    const files: Record<string, string> = {
      'app.yaml': [
        '# the database password, sealed for prod',
        'apiVersion: bitnami.com/v1alpha1',
        'kind: SealedSecret',
        'metadata:',
        '  name: db',
        '  namespace: prod',
        'spec:',
        '  encryptedData:',
        '    password: AgOld1 # rotated yearly',
        '  template:',
        '    data:',
        '      url: "postgres://{{ .password }}@db"',
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: settings',
        'data:',
        '  a: b',
        '',
      ].join('\n'),
      'one.json': JSON.stringify({
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        metadata: { name: 'x', namespace: 'ns' },
        spec: { encryptedData: { k: 'AgOld2' } },
      }),
      'plain.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
      'broken.yaml': 'kind: SealedSecret\nspec:\n  encryptedData:\n    k: bad\n',
      'bomb.yaml': 'kind: SealedSecret\nspec:\n  encryptedData: &a {k: v}\n  other: *a\n',
    };
    const appBefore = files['app.yaml'] ?? '';
    const jsonBefore = files['one.json'] ?? '';
    const { fs, written } = memoryFs(files);
    const progress: string[] = [];
    const result = await reencryptFiles(fs, Object.keys(files), controller, {
      onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.file} ${p.outcome}`),
      sealHints: false,
    });
    expect(result.reencrypted).toEqual([
      { file: 'app.yaml', sealedSecrets: 1 },
      { file: 'one.json', sealedSecrets: 1 },
    ]);
    expect(result.untouched).toEqual(['plain.yaml']);
    expect(result.failed.map((f) => f.file)).toEqual(['broken.yaml', 'bomb.yaml']);
    expect(result.failed[0]?.error).toMatch(/^the controller cannot re-encrypt it/);
    // The report line (`failed: FILE: ERROR`) names the file once: no error starts with it again.
    for (const { file, error } of result.failed) expect(error.startsWith(file)).toBe(false);
    expect(result.failed[1]?.error).toMatch(/alias/i);
    expect(written).toEqual(['app.yaml', 'one.json']);
    expect(progress).toHaveLength(5);
    // Byte-minimal (format/edit-in-place.ts): only the ciphertexts changed.
    expect(files['app.yaml']).toBe(appBefore.replace('password: AgOld1', 'password: new-AgOld1'));
    expect(files['one.json']).toBe(jsonBefore.replace('"AgOld2"', '"new-AgOld2"'));
    expect(files['broken.yaml']).toBe('kind: SealedSecret\nspec:\n  encryptedData:\n    k: bad\n');
  });

  it('reports a file of the tree that does not parse by position, never by its text (it may be a plain Secret)', async () => {
    const secret = 'CANARY-s3cr3t';
    const head = 'apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData:\n';
    const { fs, written } = memoryFs({
      'frame.yaml': `${head}  pw: ${secret}\n   x: y\n`,
      'escape.yaml': `${head}  pw: "\\U${secret}"\n`,
      'header.yaml': `${head}  pw: |${secret}\n`,
      'broken.json': `{"kind": "Secret", "stringData": {"pw": ${secret}}}`,
    });
    const result = await reencryptFiles(
      fs,
      ['frame.yaml', 'escape.yaml', 'header.yaml', 'broken.json'],
      controller,
    );
    expect(result.failed).toEqual([
      {
        file: 'frame.yaml',
        error: 'Nested mappings are not allowed in compact mappings at line 5, column 7',
      },
      { file: 'escape.yaml', error: 'Invalid escape sequence at line 5, column 8' },
      { file: 'header.yaml', error: 'Block scalar header includes extra characters at line 5, column 8' },
      { file: 'broken.json', error: 'document 1: invalid JSON: syntax error' },
    ]);
    expect(written).toEqual([]);
  });

  it('names the file once in a failure that the in-place editor reports about it', async () => {
    // Two SealedSecrets with one name and no namespace: the editor cannot tell which one to splice.
    const twice = 'kind: SealedSecret\nmetadata:\n  name: db\nspec:\n  encryptedData:\n    k: AgA\n';
    const { fs } = memoryFs({ 'twice.yaml': `${twice}---\n${twice}` });
    const result = await reencryptFiles(fs, ['twice.yaml'], controller);
    expect(result.failed).toEqual([{ file: 'twice.yaml', error: 'more than one SealedSecret named db' }]);
  });

  it('writes a legacy spec.data SealedSecret again through the document model (no minimal edit for it)', async () => {
    const legacy: ControllerClient = {
      ...rotating,
      rotate: () =>
        Promise.resolve({ status: 200, body: Buffer.from(JSON.stringify({ spec: { data: 'AgNewBlob' } })) }),
    };
    const files: Record<string, string> = {
      'old.yaml': '# legacy\nkind: SealedSecret\nmetadata:\n  name: old\nspec:\n  data: AgOldBlob\n',
    };
    const { fs } = memoryFs(files);
    const result = await reencryptFiles(fs, ['old.yaml'], onlineReencryptor(legacy, NEW), {
      sealHints: false,
    });
    expect(result.reencrypted).toEqual([{ file: 'old.yaml', sealedSecrets: 1 }]);
    expect(files['old.yaml']).toBe(
      '# legacy\nkind: SealedSecret\nmetadata:\n  name: old\nspec:\n  data: AgNewBlob\n',
    );
  });

  it('an interrupted run leaves every file whole; running again finishes the rest and leaves the done ones alone', async () => {
    const oldKey = createPrivateKey(readFileSync(join(VECTOR_4096_DIR, 'tls.key'), 'utf8'));
    const oldPublic = createPublicKey(oldKey);
    const target = createPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    const doc = (name: string) =>
      `kind: SealedSecret\nmetadata:\n  name: ${name}\n  namespace: ns\nspec:\n  encryptedData:\n` +
      `    k: ${sealRawValue(oldPublic, Buffer.from(name), { namespace: 'ns', name, scope: 'strict' })}\n`;
    const files: Record<string, string> = { 'a.yaml': doc('a'), 'b.yaml': doc('b') };
    const original = { ...files };
    const { fs, written } = memoryFs(files);
    // The run stops while writing b.yaml (a full disk, a signal): the atomic write leaves it as it was.
    const failing = {
      ...fs,
      writeFileAtomic: (path: string, data: string | Uint8Array) =>
        path === 'b.yaml' ? Promise.reject(new Error('ENOSPC')) : fs.writeFileAtomic(path, data),
    };
    const reencryptor = offlineReencryptor(
      [{ fingerprint: publicKeyFingerprint(oldPublic), privateKey: oldKey, source: 'tls.key' }],
      target,
    );
    const first = await reencryptFiles(failing, ['a.yaml', 'b.yaml'], reencryptor);
    expect(first.failed).toEqual([{ file: 'b.yaml', error: 'ENOSPC' }]);
    expect(files['b.yaml']).toBe(original['b.yaml']);
    const aAfterFirst = files['a.yaml'];
    expect(aAfterFirst).not.toBe(original['a.yaml']);

    const second = await reencryptFiles(fs, ['a.yaml', 'b.yaml'], reencryptor);
    expect(second).toMatchObject({
      failed: [],
      current: 1,
      reencrypted: [{ file: 'b.yaml', sealedSecrets: 1 }],
    });
    expect(files['a.yaml']).toBe(aAfterFirst);
    expect(written).toEqual(['a.yaml', 'b.yaml']);
  });

  it('offline, after `set` with the new key: only the item still on the old key changes, and the dry run counts it alone', async () => {
    const oldKey = createPrivateKey(readFileSync(join(VECTOR_4096_DIR, 'tls.key'), 'utf8'));
    const oldPublic = createPublicKey(oldKey);
    const target = createPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    const seal = (key: typeof target, value: string) =>
      sealRawValue(key, Buffer.from(value), { namespace: 'ns', name: 'db', scope: 'strict' });
    const onNew = seal(target, 'set after the renewal');
    const text =
      'kind: SealedSecret\nmetadata:\n  annotations:\n    sealed-secrets-ts/sealed-for: strict ns/db\n' +
      `    sealed-secrets-ts/sealed-with: ${publicKeyFingerprint(target)}\n  name: db\n  namespace: ns\n` +
      `spec:\n  encryptedData:\n    a: ${seal(oldPublic, 'old')}\n    b: ${onNew}\n`;
    const files: Record<string, string> = { 'db.yaml': text };
    const { fs } = memoryFs(files);
    const reencryptor = offlineReencryptor(
      [{ fingerprint: publicKeyFingerprint(oldPublic), privateKey: oldKey, source: 'tls.key' }],
      target,
    );
    const dry = await reencryptFiles(fs, ['db.yaml'], reencryptor, { dryRun: true });
    expect(dry.changes).toEqual([
      {
        file: 'db.yaml',
        document: 1,
        object: 'ns/db',
        items: 1,
        from: [publicKeyFingerprint(oldPublic)],
        to: publicKeyFingerprint(target),
      },
    ]);
    await reencryptFiles(fs, ['db.yaml'], reencryptor);
    const after = files['db.yaml'] ?? '';
    const [, a = ''] = /\n {4}a: (\S+)\n/.exec(after) ?? [];
    expect(after).toBe(text.replace(/\n {4}a: \S+\n/, `\n    a: ${a}\n`));
    expect(after).not.toBe(text);
    expect(after).toContain(`    b: ${onNew}\n`);
  });
});
