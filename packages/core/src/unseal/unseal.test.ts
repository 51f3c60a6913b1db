import { readJsonFixture, readFixture } from '@ssts/test-utils';
import { describe, expect, it } from 'vitest';
import { SealedSecretsError, UnsealError } from '../errors.js';
import { keyEntryFromSecret, secretsFromDocument } from '../keys/key-secret.js';
import { parsePrivateKeyPem } from '../keys/pem.js';
import {
  ANNOTATION_CLUSTER_WIDE,
  ANNOTATION_NAMESPACE_WIDE,
  ANNOTATION_SKIP_SET_OWNER_REFERENCES,
} from '../model/annotations.js';
import { parseSealedSecret } from '../model/parse.js';
import type { SealedSecret, Secret } from '../model/types.js';
import { sealSecret } from '../seal/seal.js';
import { SCOPES, withScopeAnnotations } from '../scope/scope.js';
import { independentEncrypt } from '../test-helpers/independent-crypto.js';
import { smallKey, vectorKey2048 } from '../test-helpers/keys.js';
import { knownAnswer2048 } from '../test-helpers/vectors.js';
import { keysDecryptor, unsealSealedSecret } from './unseal.js';

const VECTOR = ['vectors', 'sealedsecret-4096'] as const;
const expectedData = readJsonFixture<Record<string, string>>(...VECTOR, 'expected-data.json');
const key4096 = parsePrivateKeyPem(readFixture(...VECTOR, 'tls.key'));
const vectorSs = (scope: string): SealedSecret =>
  parseSealedSecret(readJsonFixture(...VECTOR, `sealed-${scope}.json`), { requireTypeMeta: true });

async function unsealError(run: Promise<unknown>): Promise<UnsealError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof UnsealError) return error;
    throw error;
  }
  throw new Error('expected an UnsealError');
}

function moved(ss: SealedSecret, meta: { name?: string; namespace?: string }): SealedSecret {
  return { ...ss, metadata: { ...ss.metadata, ...meta } };
}

describe('the sealedsecret-4096 vectors', () => {
  const decryptWithTlsKey = () => ({ decrypt: keysDecryptor([key4096]), keyCount: 1 });
  const decryptWithBackup = () => {
    const entries = secretsFromDocument(readJsonFixture(...VECTOR, 'key-backup.json')).map((s) =>
      keyEntryFromSecret(s),
    );
    return { decrypt: keysDecryptor(entries), keyCount: entries.length };
  };

  it.each(
    SCOPES.flatMap(
      (scope) =>
        [
          [scope, 'tls.key', decryptWithTlsKey],
          [scope, 'key-backup.json', decryptWithBackup],
        ] as const,
    ),
  )('%s unseals with %s into the expected Secret', async (scope, _source, options) => {
    const ss = vectorSs(scope);
    const secret = await unsealSealedSecret({ ...ss, metadata: { ...ss.metadata, uid: 'uid-1' } }, options());
    expect(secret.data).toStrictEqual(expectedData);
    expect(secret.type).toBe('Opaque');
    expect(secret.metadata.labels).toStrictEqual({ app: 'web' });
    expect(secret.metadata.name).toBe('app-credentials');
    expect(secret.metadata.namespace).toBe('web');
    expect(secret.metadata.ownerReferences).toStrictEqual([
      {
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        name: 'app-credentials',
        uid: 'uid-1',
        controller: true,
      },
    ]);
    expect(Object.keys(secret)).toStrictEqual(['kind', 'apiVersion', 'metadata', 'data', 'type']);
  });

  it.each([
    ['strict', { name: 'renamed' }, false],
    ['strict', { namespace: 'other' }, false],
    ['namespace-wide', { name: 'renamed' }, true],
    ['namespace-wide', { namespace: 'other' }, false],
    ['cluster-wide', { name: 'renamed' }, true],
    ['cluster-wide', { name: 'renamed', namespace: 'other' }, true],
  ] as const)('%s moved to %j unseals: %s', async (scope, target, works) => {
    const meta: { name?: string; namespace?: string } = target;
    const run = unsealSealedSecret(moved(vectorSs(scope), meta), decryptWithTlsKey());
    if (works) {
      const secret = await run;
      expect(secret.data).toStrictEqual(expectedData);
      expect(secret.metadata).toMatchObject({
        name: meta.name ?? 'app-credentials',
        namespace: meta.namespace ?? 'web',
      });
    } else {
      const error = await unsealError(run);
      expect(error.message).toBe('no key could decrypt secret (multi-line, password, username)');
      expect(error.code).toBe('UNSEAL_FAILED');
      expect(error.failures.map((f) => f.key)).toStrictEqual(['multi-line', 'password', 'username']);
    }
  });

  it('fails without any key, and says how many keys were tried and with which label', async () => {
    const error = await unsealError(
      unsealSealedSecret(vectorSs('namespace-wide'), { decrypt: keysDecryptor([]) }),
    );
    expect(error.message).toBe('no key could decrypt secret (multi-line, password, username)');
    expect(error.diagnostics).toStrictEqual({ scope: 'namespace-wide', label: 'web', keysTried: 0 });
  });

  it('fails when the scope annotation is set to "false" (label changes)', async () => {
    for (const annotation of [ANNOTATION_CLUSTER_WIDE, ANNOTATION_NAMESPACE_WIDE]) {
      const scope = annotation === ANNOTATION_CLUSTER_WIDE ? 'cluster-wide' : 'namespace-wide';
      const ss = vectorSs(scope);
      const flipped = { ...ss, metadata: { ...ss.metadata, annotations: { [annotation]: 'false' } } };
      const error = await unsealError(unsealSealedSecret(flipped, decryptWithTlsKey()));
      expect(error.diagnostics).toMatchObject({
        scope: 'strict',
        label: 'web/app-credentials',
        keysTried: 1,
      });
    }
  });
});

describe('the known-answer vector wrapped in a SealedSecret', () => {
  it('unseals to data.foo = YmFy', async () => {
    const vector = knownAnswer2048();
    const strict = vector.values.find((v) => v.scope === 'strict')?.ciphertext_base64 ?? '';
    const ss: SealedSecret = {
      metadata: { name: 'myname', namespace: 'myns' },
      spec: { encryptedData: { foo: strict } },
    };
    const secret = await unsealSealedSecret(ss, { decrypt: keysDecryptor([vectorKey2048().privateKey]) });
    expect(secret.data).toStrictEqual({ foo: 'YmFy' });
    expect(secret.metadata.ownerReferences?.[0]).toStrictEqual({
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      name: 'myname',
      uid: '',
      controller: true,
    });
  });
});

describe('seal → unseal round trips', () => {
  const { privateKey, publicKey } = vectorKey2048();
  const decrypt = keysDecryptor([smallKey().privateKey, privateKey]);
  const input = (scope: (typeof SCOPES)[number]): Secret => ({
    metadata: {
      name: 'mysecret',
      namespace: 'myns',
      labels: { a: 'b' },
      annotations: withScopeAnnotations({ note: 'x' }, scope),
    },
    type: 'kubernetes.io/basic-auth',
    immutable: true,
    data: {
      username: Buffer.from('admin').toString('base64'),
      shared: Buffer.from('data').toString('base64'),
    },
    stringData: { shared: 'stringData wins', empty: '' },
  });

  it.each(SCOPES)('%s', async (scope) => {
    const secret = await unsealSealedSecret(sealSecret(input(scope), { publicKey }), { decrypt });
    expect(secret.data).toStrictEqual({
      empty: '',
      shared: Buffer.from('stringData wins').toString('base64'),
      username: Buffer.from('admin').toString('base64'),
    });
    expect(secret.type).toBe('kubernetes.io/basic-auth');
    expect(secret.immutable).toBe(true);
    expect(secret.metadata.labels).toStrictEqual({ a: 'b' });
    expect(secret.metadata.annotations).toStrictEqual(withScopeAnnotations({ note: 'x' }, scope));
    expect(Object.keys(secret)).toStrictEqual([
      'kind',
      'apiVersion',
      'metadata',
      'immutable',
      'data',
      'type',
    ]);
  });

  it('reports which key worked', async () => {
    const used: number[] = [];
    const ss = sealSecret(input('strict'), { publicKey });
    await unsealSealedSecret(ss, {
      decrypt: keysDecryptor([smallKey().privateKey, privateKey], (i) => used.push(i)),
    });
    expect(used).toStrictEqual([1, 1, 1]);
  });

  it('names the item of each value it asks the decryptor for (the key inventory needs it)', async () => {
    const items: (string | undefined)[] = [];
    const inner = keysDecryptor([privateKey]);
    const ss = sealSecret(input('strict'), { publicKey });
    await unsealSealedSecret(ss, {
      decrypt: (ciphertext, label, item) => {
        items.push(item);
        return inner(ciphertext, label);
      },
    });
    expect(items.sort()).toStrictEqual(['empty', 'shared', 'username']);
  });
});

describe('item failures', () => {
  const { privateKey, publicKey } = vectorKey2048();
  const decrypt = keysDecryptor([privateKey]);

  function mixed(): SealedSecret {
    const good = sealSecret(
      { metadata: { name: 'n', namespace: 'ns' }, stringData: { good: 'ok', tampered: 'x', truncated: 'y' } },
      { publicKey },
    );
    const foreign = sealSecret(
      { metadata: { name: 'n', namespace: 'ns' }, stringData: { foreign: 'z' } },
      { publicKey: smallKey().publicKey },
    );
    const tampered = Buffer.from(good.spec.encryptedData['tampered'] ?? '', 'base64');
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    const truncated = Buffer.from(good.spec.encryptedData['truncated'] ?? '', 'base64').subarray(0, 100);
    return {
      ...good,
      spec: {
        ...good.spec,
        encryptedData: {
          good: good.spec.encryptedData['good'] ?? '',
          tampered: tampered.toString('base64'),
          truncated: truncated.toString('base64'),
          foreign: foreign.spec.encryptedData['foreign'] ?? '',
          urlsafe: 'AgA-_w==',
          nopad: 'AgA',
        },
      },
    };
  }

  it('groups identical messages with sorted keys and lists distinct ones line by line, bad base64 not decrypted', async () => {
    const error = await unsealError(unsealSealedSecret(mixed(), { decrypt, keyCount: 1 }));
    expect(error.message).toBe(
      [
        // groups in the order of their first key (keys sorted: foreign, good, nopad, …)
        'no key could decrypt secret (foreign, tampered, truncated)',
        'illegal base64 data at input byte 0 (nopad)',
        'illegal base64 data at input byte 3 (urlsafe)',
      ].join('\n'),
    );
    expect(error.failures).toContainEqual({
      key: 'urlsafe',
      source: 'encryptedData',
      code: 'INVALID_BASE64',
      message: 'illegal base64 data at input byte 3',
    });
    expect(error.diagnostics).toStrictEqual({ scope: 'strict', label: 'ns/n', keysTried: 1 });
  });

  it('reports bad base64 by key without the word "decrypt"', async () => {
    const ss: SealedSecret = {
      metadata: { name: 'n', namespace: 'ns' },
      spec: { encryptedData: { foo: 'AgA@' } },
    };
    const calls: number[] = [];
    const error = await unsealError(
      unsealSealedSecret(ss, {
        decrypt: () => {
          calls.push(1);
          return new Uint8Array();
        },
      }),
    );
    expect(error.message).toBe('illegal base64 data at input byte 3 (foo)');
    expect(error.message).not.toContain('decrypt');
    expect(calls).toHaveLength(0);
  });

  it('never leaks a decrypted value of the items that did decrypt', async () => {
    const error = await unsealError(unsealSealedSecret(mixed(), { decrypt }));
    expect(error.message).not.toContain('ok');
    expect(JSON.stringify(error.failures)).not.toContain('ok');
  });

  it('rethrows decryptor errors that are not DECRYPT_FAILED', async () => {
    const ss: SealedSecret = {
      metadata: { name: 'n', namespace: 'ns' },
      spec: { encryptedData: { foo: 'AgA=' } },
    };
    await expect(
      unsealSealedSecret(ss, {
        decrypt: () => Promise.reject(new SealedSecretsError('INVALID_KEY', 'worker pool is gone')),
      }),
    ).rejects.toThrow('worker pool is gone');
  });

  it('works with an async decryptor', async () => {
    const ss = sealSecret(
      { metadata: { name: 'n', namespace: 'ns' }, stringData: { a: 'b' } },
      { publicKey },
    );
    const secret = await unsealSealedSecret(ss, { decrypt: async (c, l) => Promise.resolve(decrypt(c, l)) });
    expect(secret.data).toStrictEqual({ a: 'Yg==' });
  });
});

describe('metadata of the produced Secret', () => {
  const { privateKey, publicKey } = vectorKey2048();
  const decrypt = keysDecryptor([privateKey]);

  function sealed(annotations: Record<string, string> = {}): SealedSecret {
    const ss = sealSecret(
      { metadata: { name: 'n', namespace: 'ns', annotations }, stringData: { a: 'b' } },
      { publicKey },
    );
    const template = ss.spec.template ?? {};
    return {
      ...ss,
      metadata: { ...ss.metadata, uid: 'ss-uid' },
      spec: {
        ...ss.spec,
        template: {
          ...template,
          metadata: {
            ...template.metadata,
            name: 'ignored',
            namespace: 'ignored',
            finalizers: ['f'],
            ownerReferences: [{ apiVersion: 'v1', kind: 'Other', name: 'o', uid: 'o-uid' }],
            junk: 'not ObjectMeta',
          },
        },
      },
    };
  }

  it('forces name and namespace, keeps ObjectMeta fields, replaces owner references by the SealedSecret', async () => {
    const secret = await unsealSealedSecret(sealed(), { decrypt });
    expect(secret.metadata).toStrictEqual({
      name: 'n',
      namespace: 'ns',
      ownerReferences: [
        {
          apiVersion: 'bitnami.com/v1alpha1',
          kind: 'SealedSecret',
          name: 'n',
          uid: 'ss-uid',
          controller: true,
        },
      ],
      finalizers: ['f'],
    });
  });

  it('with skip-set-owner-references keeps the template owner references as they are', async () => {
    const secret = await unsealSealedSecret(sealed({ [ANNOTATION_SKIP_SET_OWNER_REFERENCES]: 'true' }), {
      decrypt,
    });
    expect(secret.metadata.ownerReferences).toStrictEqual([
      { apiVersion: 'v1', kind: 'Other', name: 'o', uid: 'o-uid' },
    ]);
  });

  it('with skip-set-owner-references and no template references has none', async () => {
    const ss = sealSecret(
      {
        metadata: {
          name: 'n',
          namespace: 'ns',
          annotations: { [ANNOTATION_SKIP_SET_OWNER_REFERENCES]: 'true' },
        },
        stringData: { a: 'b' },
      },
      { publicKey },
    );
    const secret = await unsealSealedSecret(ss, { decrypt });
    expect(secret.metadata.ownerReferences).toBeUndefined();
  });

  it('uses the apiVersion/kind the object carries for the owner reference', async () => {
    const ss = { ...sealed(), apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret' };
    const { apiVersion: _a, kind: _k, ...bare } = ss;
    const [a, b] = await Promise.all([
      unsealSealedSecret(ss, { decrypt }),
      unsealSealedSecret(bare as SealedSecret, { decrypt }),
    ]);
    expect(a.metadata.ownerReferences).toStrictEqual(b.metadata.ownerReferences);
  });

  it('does not mutate the SealedSecret', async () => {
    const ss = sealed();
    const before = structuredClone(ss);
    await unsealSealedSecret(ss, { decrypt });
    expect(ss).toStrictEqual(before);
  });
});

describe('legacy spec.data (v1 format)', () => {
  const { privateKey, publicKey } = vectorKey2048();
  const decrypt = keysDecryptor([privateKey]);

  // Made with plain node:crypto (test helper), not with the core's hybridEncrypt.
  function legacy(inner: object, label = 'ns/n', template?: SealedSecret['spec']['template']): SealedSecret {
    const blob = independentEncrypt(publicKey, Buffer.from(JSON.stringify(inner)), label);
    return {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 'n', namespace: 'ns', uid: 'u' },
      spec: { data: blob.toString('base64'), encryptedData: {}, ...(template && { template }) },
    };
  }

  const inner = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'old-name',
      namespace: 'old-ns',
      labels: { from: 'blob' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'x' }],
    },
    type: 'Opaque',
    data: { foo: 'YmFy' },
    stringData: { plain: 'text' },
  };

  it('is accepted by default: the Secret in the blob, renamed to the SealedSecret, owned by it', async () => {
    const secret = await unsealSealedSecret(legacy(inner), { decrypt });
    expect(secret).toStrictEqual({
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: {
        name: 'n',
        namespace: 'ns',
        labels: { from: 'blob' },
        ownerReferences: [
          { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name: 'n', uid: 'u', controller: true },
        ],
      },
      data: { foo: 'YmFy', plain: 'dGV4dA==' },
      type: 'Opaque',
    });
  });

  it('ignores the template except skip-set-owner-references', async () => {
    const template = {
      metadata: {
        labels: { from: 'template' },
        annotations: { [ANNOTATION_SKIP_SET_OWNER_REFERENCES]: 'true' },
      },
      type: 'kubernetes.io/tls',
      data: { never: 'rendered' },
    };
    const secret = await unsealSealedSecret(legacy(inner, 'ns/n', template), { decrypt });
    expect(secret.metadata.labels).toStrictEqual({ from: 'blob' });
    expect(secret.metadata.ownerReferences).toStrictEqual(inner.metadata.ownerReferences);
    expect(secret.type).toBe('Opaque');
    expect(Object.keys(secret.data ?? {})).toStrictEqual(['foo', 'plain']);
  });

  it('is rejected when disabled, before the both-fields check', async () => {
    const ss = legacy(inner);
    const off = { decrypt, acceptDeprecatedV1Data: false };
    const error = await unsealError(unsealSealedSecret(ss, off));
    expect(error.message).toBe(`using deprecated 'data' field, use 'encryptedData' or flip the feature flag`);
    expect(error.code).toBe('LEGACY_DATA');
    const both = { ...ss, spec: { ...ss.spec, encryptedData: { foo: 'AgA=' } } };
    expect((await unsealError(unsealSealedSecret(both, off))).message).toContain('deprecated');
    expect((await unsealError(unsealSealedSecret(both, { decrypt }))).message).toBe(
      `cannot use the field 'encryptedData' and the deprecated field 'data' at the same time`,
    );
  });

  it('counts an empty string as present', async () => {
    const ss: SealedSecret = {
      metadata: { name: 'n', namespace: 'ns' },
      spec: { data: '', encryptedData: {} },
    };
    const error = await unsealError(unsealSealedSecret(ss, { decrypt }));
    expect(error.message).toBe('no key could decrypt secret');
  });

  it('fails like any value with a wrong label or key, without leaking the blob', async () => {
    expect((await unsealError(unsealSealedSecret(legacy(inner, 'ns/other'), { decrypt }))).message).toBe(
      'no key could decrypt secret',
    );
    const notJson = legacy({});
    notJson.spec.data = independentEncrypt(publicKey, Buffer.from('{"data": secret-value'), 'ns/n').toString(
      'base64',
    );
    const error = await unsealError(unsealSealedSecret(notJson, { decrypt }));
    expect(error.message).toBe(`the deprecated 'data' field does not hold a JSON Secret`);
    expect(error.message).not.toContain('secret-value');
  });
});

describe('keysDecryptor', () => {
  it('throws DECRYPT_FAILED "no key could decrypt secret" when no key works, even for garbage', () => {
    const decrypt = keysDecryptor([smallKey().privateKey, vectorKey2048().privateKey]);
    for (const blob of [new Uint8Array(), new Uint8Array([1]), new Uint8Array(600)]) {
      expect(() => decrypt(blob, Buffer.alloc(0))).toThrow(
        new SealedSecretsError('DECRYPT_FAILED', 'no key could decrypt secret'),
      );
    }
  });
});
