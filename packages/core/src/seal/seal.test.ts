import { describe, expect, it } from 'vitest';
import { errorOf } from '../test-helpers/errors.js';
import {
  ANNOTATION_CLUSTER_WIDE,
  ANNOTATION_NAMESPACE_WIDE,
  LAST_APPLIED_ANNOTATIONS,
} from '../model/annotations.js';
import type { Secret } from '../model/types.js';
import { independentDecrypt } from '../test-helpers/independent-crypto.js';
import { vectorKey2048 } from '../test-helpers/keys.js';
import { sealedSecretEnvelope, sealTarget } from './envelope.js';
import { sealRawValue, sealSecret, stripServerSideFields } from './seal.js';

const { privateKey, publicKey } = vectorKey2048();
const b64 = (text: string) => Buffer.from(text).toString('base64');

function open(ciphertext: string | undefined, label: string): string {
  return independentDecrypt(privateKey, Buffer.from(ciphertext ?? '', 'base64'), label).toString('utf8');
}

const secret = (): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 'mysecret',
    namespace: 'myns',
    labels: { app: 'x' },
    annotations: {
      foo: 'bar',
      'foo.bar.io/foo-bar-baz': 'qux',
      [LAST_APPLIED_ANNOTATIONS[0]]: '{"data":{"password":"cGxhaW4="}}',
      [LAST_APPLIED_ANNOTATIONS[1]]: '{"stringData":{"password":"plain"}}',
    },
    ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'u' }],
  },
  type: 'Opaque',
  data: { password: b64('hunter2'), both: b64('from data') },
  stringData: { both: 'from stringData', token: 'tök' },
});

describe('sealSecret', () => {
  it('produces the kubeseal shape, in Go field order, readable by an independent decryption', () => {
    const ss = sealSecret(secret(), { publicKey });
    expect(Object.keys(ss)).toStrictEqual(['kind', 'apiVersion', 'metadata', 'spec']);
    expect(Object.keys(ss.spec)).toStrictEqual(['template', 'encryptedData']);
    expect(Object.keys(ss.spec.template ?? {})).toStrictEqual(['metadata', 'type']);
    expect(ss.kind).toBe('SealedSecret');
    expect(ss.apiVersion).toBe('bitnami.com/v1alpha1');
    expect(ss.metadata).toStrictEqual({ name: 'mysecret', namespace: 'myns' });
    expect(Object.keys(ss.spec.encryptedData)).toStrictEqual(['both', 'password', 'token']);
    expect(open(ss.spec.encryptedData['password'], 'myns/mysecret')).toBe('hunter2');
    expect(open(ss.spec.encryptedData['both'], 'myns/mysecret')).toBe('from stringData');
    expect(open(ss.spec.encryptedData['token'], 'myns/mysecret')).toBe('tök');
    for (const value of Object.values(ss.spec.encryptedData)) expect(value.startsWith('AQ')).toBe(true);
  });

  it('keeps arbitrary annotations in the template, drops the last-applied ones and owner references', () => {
    const template = sealSecret(secret(), { publicKey }).spec.template;
    expect(template?.metadata).toStrictEqual({
      name: 'mysecret',
      namespace: 'myns',
      labels: { app: 'x' },
      annotations: { foo: 'bar', 'foo.bar.io/foo-bar-baz': 'qux' },
    });
    expect(JSON.stringify(template)).not.toContain('cGxhaW4=');
    expect(JSON.stringify(template)).not.toContain('plain');
  });

  it('does not mutate its input', () => {
    const input = secret();
    const before = structuredClone(input);
    sealSecret(input, { publicKey });
    expect(input).toStrictEqual(before);
  });

  it.each([
    [ANNOTATION_NAMESPACE_WIDE, 'myns'],
    [ANNOTATION_CLUSTER_WIDE, ''],
  ])('uses the scope of the %s annotation for the label and the top-level metadata', (annotation, label) => {
    const input = secret();
    input.metadata.annotations = { [annotation]: 'true' };
    const ss = sealSecret(input, { publicKey });
    expect(ss.metadata.annotations).toStrictEqual({ [annotation]: 'true' });
    expect(ss.spec.template?.metadata?.annotations).toStrictEqual({ [annotation]: 'true' });
    expect(open(ss.spec.encryptedData['password'], label)).toBe('hunter2');
  });

  it('copies type and immutable into the template', () => {
    const ss = sealSecret({ ...secret(), type: 'kubernetes.io/tls', immutable: false }, { publicKey });
    expect(ss.spec.template).toMatchObject({ type: 'kubernetes.io/tls', immutable: false });
    expect(Object.keys(ss.spec.template ?? {})).toStrictEqual(['metadata', 'type', 'immutable']);
  });

  it('requires a name, and a namespace unless cluster-wide', () => {
    expect(
      errorOf(() => sealSecret({ metadata: { namespace: 'n' }, data: {} }, { publicKey })),
    ).toMatchObject({
      code: 'MISSING_NAME',
      message: 'missing metadata.name in input Secret',
    });
    expect(errorOf(() => sealSecret({ metadata: { name: 'n' }, data: {} }, { publicKey }))).toMatchObject({
      code: 'MISSING_NAMESPACE',
      message: 'secret must declare a namespace',
    });
    const clusterWide = sealSecret(
      { metadata: { name: 'n', annotations: { [ANNOTATION_CLUSTER_WIDE]: 'true' } }, stringData: { a: 'b' } },
      { publicKey },
    );
    expect(clusterWide.metadata).toStrictEqual({
      name: 'n',
      annotations: { [ANNOTATION_CLUSTER_WIDE]: 'true' },
    });
    expect(open(clusterWide.spec.encryptedData['a'], '')).toBe('b');
  });

  it('rejects empty data only when asked to', () => {
    const empty: Secret = { metadata: { name: 'n', namespace: 'ns' } };
    expect(sealSecret(empty, { publicKey }).spec.encryptedData).toStrictEqual({});
    expect(errorOf(() => sealSecret(empty, { publicKey, allowEmptyData: false })).message).toBe(
      'secret.data is empty in input Secret, assuming this is an error and aborting. To work with empty data, ' +
        '--allow-empty-data can be used',
    );
  });

  it('names the key of a data value that is not base64', () => {
    const error = errorOf(() =>
      sealSecret({ metadata: { name: 'n', namespace: 'ns' }, data: { k: 'a_b=' } }, { publicKey }),
    );
    expect(error).toMatchObject({
      code: 'INVALID_BASE64',
      message: 'illegal base64 data at input byte 1 (k)',
    });
  });
});

describe('stripServerSideFields', () => {
  it('removes the server-side fields but keeps managedFields and everything else', () => {
    const stripped = stripServerSideFields({
      name: 'n',
      namespace: 'ns',
      selfLink: '/x',
      uid: 'u',
      resourceVersion: '1',
      generation: 2,
      creationTimestamp: '2026-01-01T00:00:00Z',
      deletionTimestamp: null,
      deletionGracePeriodSeconds: 30,
      labels: { a: 'b' },
      managedFields: [{ manager: 'kubectl' }],
    });
    expect(stripped).toStrictEqual({
      name: 'n',
      namespace: 'ns',
      labels: { a: 'b' },
      managedFields: [{ manager: 'kubectl' }],
    });
  });
});

describe('sealRawValue', () => {
  it.each([
    ['strict', 'myns/mysecret'],
    ['namespace-wide', 'myns'],
    ['cluster-wide', ''],
  ] as const)('seals for %s with label %j', (scope, label) => {
    const value = sealRawValue(publicKey, Buffer.from('raw'), { namespace: 'myns', name: 'mysecret', scope });
    expect(value).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(open(value, label)).toBe('raw');
  });
});

describe('JSON layout', () => {
  it('matches kubeseal’s output of compat §2.3 once ciphertexts are scrubbed', () => {
    const ss = sealSecret(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'mysecret',
          namespace: 'myns',
          labels: { app: 'x' },
          annotations: { [ANNOTATION_NAMESPACE_WIDE]: 'true' },
        },
        type: 'Opaque',
        data: { password: b64('pw') },
      },
      { publicKey },
    );
    const scrubbed = JSON.stringify(ss, (key, value: unknown) => (key === 'password' ? 'AgB3…==' : value), 2);
    expect(scrubbed).toBe(`{
  "kind": "SealedSecret",
  "apiVersion": "bitnami.com/v1alpha1",
  "metadata": {
    "name": "mysecret",
    "namespace": "myns",
    "annotations": {
      "sealedsecrets.bitnami.com/namespace-wide": "true"
    }
  },
  "spec": {
    "template": {
      "metadata": {
        "name": "mysecret",
        "namespace": "myns",
        "labels": {
          "app": "x"
        },
        "annotations": {
          "sealedsecrets.bitnami.com/namespace-wide": "true"
        }
      },
      "type": "Opaque"
    },
    "encryptedData": {
      "password": "AgB3…=="
    }
  }
}`);
  });
});

describe('sealTarget and sealedSecretEnvelope (the crypto-free half, shared with the browser page)', () => {
  it('computes the label text per scope from the annotations', () => {
    const meta = (annotations: Record<string, string>) => ({
      metadata: { name: 'n', namespace: 'ns', annotations },
    });
    expect(sealTarget(meta({}))).toEqual({ name: 'n', namespace: 'ns', scope: 'strict', label: 'ns/n' });
    expect(sealTarget(meta({ [ANNOTATION_NAMESPACE_WIDE]: 'true' })).label).toBe('ns');
    expect(sealTarget(meta({ [ANNOTATION_CLUSTER_WIDE]: 'true' })).label).toBe('');
    expect(
      sealTarget({ metadata: { name: 'n', annotations: { [ANNOTATION_CLUSTER_WIDE]: 'true' } } }),
    ).toEqual({
      name: 'n',
      namespace: undefined,
      scope: 'cluster-wide',
      label: '',
    });
  });

  it('wraps given ciphertexts exactly as sealSecret does, keys sorted, `__proto__` kept as an item', () => {
    const input = secret();
    const encryptedData = Object.fromEntries([
      ['zeta', 'Zg=='],
      ['__proto__', 'cA=='],
      ['alpha', 'YQ=='],
    ]);
    const ss = sealedSecretEnvelope(input, sealTarget(input), encryptedData);
    expect(Object.keys(ss.spec.encryptedData)).toEqual(['__proto__', 'alpha', 'zeta']);
    expect(Object.getPrototypeOf(ss.spec.encryptedData)).toBe(Object.prototype);
    const sealed = sealSecret(input, { publicKey });
    expect({ ...ss, spec: { ...ss.spec, encryptedData: {} } }).toStrictEqual({
      ...sealed,
      spec: { ...sealed.spec, encryptedData: {} },
    });
  });
});
