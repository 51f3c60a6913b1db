import { readFixture } from '@ssts/test-utils';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../test-helpers/errors.js';
import { parseSealedSecret, parseSecret } from './parse.js';

const minimal = () => ({
  apiVersion: 'bitnami.com/v1alpha1',
  kind: 'SealedSecret',
  metadata: { name: 'n', namespace: 'ns' },
  spec: { encryptedData: { foo: 'AgA=' } },
});

describe('parseSealedSecret', () => {
  it('parses the 4096 vectors', () => {
    const ss = parseSealedSecret(
      JSON.parse(readFixture('vectors', 'sealedsecret-4096', 'sealed-strict.json')),
    );
    expect(ss.metadata).toStrictEqual({ name: 'app-credentials', namespace: 'web' });
    expect(ss.spec.template?.metadata?.labels).toStrictEqual({ app: 'web' });
    expect(ss.spec.template?.type).toBe('Opaque');
    expect(Object.keys(ss.spec.encryptedData).sort()).toStrictEqual(['multi-line', 'password', 'username']);
  });

  it.each([
    [[], 'SealedSecret: expected an object, got an array'],
    ['x', 'SealedSecret: expected an object, got a string'],
    [{ ...minimal(), spec: undefined }, 'spec: required'],
    [{ ...minimal(), spec: [] }, 'spec: expected an object, got an array'],
    [{ ...minimal(), kind: 'Secret' }, 'kind: expected "SealedSecret", got "Secret"'],
    [{ ...minimal(), apiVersion: 'v1' }, 'apiVersion: expected "bitnami.com/v1alpha1", got "v1"'],
    [{ ...minimal(), metadata: { name: 3 } }, 'metadata.name: expected a string, got a number'],
    [
      { ...minimal(), metadata: { labels: { a: true } } },
      'metadata.labels.a: expected a string, got a boolean',
    ],
    [
      { ...minimal(), metadata: { annotations: { 'x.io/y': 1 } } },
      'metadata.annotations["x.io/y"]: expected a string, got a number',
    ],
    [
      { ...minimal(), metadata: { generation: 1.5 } },
      'metadata.generation: expected an integer, got a number',
    ],
    [
      { ...minimal(), metadata: { finalizers: ['a', 2] } },
      'metadata.finalizers[1]: expected a string, got a number',
    ],
    [
      { ...minimal(), spec: { encryptedData: { foo: 1 } } },
      'spec.encryptedData.foo: expected a string, got a number',
    ],
    [
      { ...minimal(), spec: { encryptedData: ['a'] } },
      'spec.encryptedData: expected an object, got an array',
    ],
    [{ ...minimal(), spec: { encryptedData: {}, data: 5 } }, 'spec.data: expected a string, got a number'],
    [
      { ...minimal(), spec: { encryptedData: {}, template: { data: { k: {} } } } },
      'spec.template.data.k: expected a string or null, got an object',
    ],
    [
      { ...minimal(), spec: { encryptedData: {}, template: { immutable: 'yes' } } },
      'spec.template.immutable: expected a boolean, got a string',
    ],
    [
      {
        ...minimal(),
        spec: { encryptedData: {}, template: { metadata: { ownerReferences: [{ uid: 1 }] } } },
      },
      'spec.template.metadata.ownerReferences[0].uid: expected a string, got a number',
    ],
    [{ ...minimal(), status: { conditions: 'x' } }, 'status.conditions: expected an array, got a string'],
  ])('rejects %j with a precise path', (input, message) => {
    const error = errorOf(() => parseSealedSecret(input));
    expect(error.code).toBe('INVALID_OBJECT');
    expect(error.message).toBe(message);
  });

  it('quotes hostile names and values in 20 characters, so an 800 KB key or apiVersion gives a short message', () => {
    const huge = 'k'.repeat(800_000);
    const cut = `"${'k'.repeat(20)}"...`;
    expect(errorOf(() => parseSealedSecret({ ...minimal(), apiVersion: huge })).message).toBe(
      `apiVersion: expected "bitnami.com/v1alpha1", got ${cut}`,
    );
    expect(
      errorOf(() => parseSealedSecret({ ...minimal(), spec: { encryptedData: { [huge]: 1 } } })).message,
    ).toBe(`spec.encryptedData[${cut}]: expected a string, got a number`);
    expect(
      errorOf(() => parseSealedSecret({ ...minimal(), metadata: { labels: { 'a\nb': 1 } } })).message,
    ).toBe('metadata.labels["a\\nb"]: expected a string, got a number');
  });

  it('requires apiVersion and kind only when asked', () => {
    const { apiVersion: _a, kind: _k, ...bare } = minimal();
    const parsed = parseSealedSecret(bare);
    expect(parsed.apiVersion).toBeUndefined();
    expect(parsed.kind).toBeUndefined();
    expect(errorOf(() => parseSealedSecret(bare, { requireTypeMeta: true })).message).toBe(
      'apiVersion: required (expected "bitnami.com/v1alpha1")',
    );
    expect(parseSealedSecret(minimal(), { requireTypeMeta: true }).kind).toBe('SealedSecret');
  });

  it('accepts creationTimestamp: null in both metadata blocks (old kubeseal output)', () => {
    const input = {
      ...minimal(),
      metadata: { name: 'n', namespace: 'ns', creationTimestamp: null },
      spec: { template: { metadata: { name: 'n', creationTimestamp: null } }, encryptedData: {} },
    };
    const parsed = parseSealedSecret(input);
    expect(parsed.metadata).toStrictEqual({ name: 'n', namespace: 'ns' });
    expect(parsed.spec.template?.metadata).toStrictEqual({ name: 'n' });
  });

  it('treats a missing or null encryptedData and null maps as empty/absent', () => {
    const parsed = parseSealedSecret({
      metadata: { name: 'n', labels: null },
      spec: { data: 'AAAA', encryptedData: null, template: { metadata: null, data: null } },
    });
    expect(parsed.spec).toStrictEqual({ template: {}, data: 'AAAA', encryptedData: {} });
    expect(parsed.metadata).toStrictEqual({ name: 'n' });
  });

  it('keeps null template.data items (v0.40 null rule, addendum §2.2)', () => {
    const parsed = parseSealedSecret({
      metadata: { name: 'n' },
      spec: { encryptedData: { foo: 'AgA=' }, template: { data: { foo: null, bar: 'x{{ .foo }}x' } } },
    });
    expect(parsed.spec.template?.data).toStrictEqual({ foo: null, bar: 'x{{ .foo }}x' });
  });

  it('keeps unknown metadata fields as deep copies and never shares or mutates the input', () => {
    const input = {
      ...minimal(),
      metadata: { name: 'n', custom: { nested: ['x'] }, labels: { a: 'b' } },
      spec: { encryptedData: { foo: 'AgA=' }, template: { metadata: { extra: 1 } }, unknown: 1 },
      unknownTop: true,
    };
    const snapshot = structuredClone(input);
    const parsed = parseSealedSecret(input);
    expect(parsed.metadata['custom']).toStrictEqual({ nested: ['x'] });
    expect(parsed.spec.template?.metadata?.['extra']).toBe(1);
    expect(parsed.spec).not.toHaveProperty('unknown');
    expect(parsed).not.toHaveProperty('unknownTop');
    (parsed.metadata['custom'] as { nested: string[] }).nested.push('y');
    parsed.metadata.labels!['a'] = 'changed';
    parsed.spec.encryptedData['foo'] = 'changed';
    expect(input).toStrictEqual(snapshot);
  });

  it('keeps "__proto__" keys as data and does not pollute prototypes', () => {
    const input = JSON.parse(
      '{"metadata":{"name":"n","labels":{"__proto__":"x"}},"spec":{"encryptedData":{"__proto__":"AgA="}}}',
    ) as unknown;
    const parsed = parseSealedSecret(input);
    expect(Object.keys(parsed.spec.encryptedData)).toStrictEqual(['__proto__']);
    expect(Object.getPrototypeOf(parsed.spec.encryptedData)).toBe(Object.prototype);
    expect(Object.keys(parsed.metadata.labels ?? {})).toStrictEqual(['__proto__']);
  });

  it('parses status conditions', () => {
    const parsed = parseSealedSecret({
      ...minimal(),
      status: {
        observedGeneration: 2,
        conditions: [{ type: 'Synced', status: 'False', message: 'no key could decrypt secret (foo)' }],
      },
    });
    expect(parsed.status).toStrictEqual({
      observedGeneration: 2,
      conditions: [{ type: 'Synced', status: 'False', message: 'no key could decrypt secret (foo)' }],
    });
  });
});

describe('parseSecret', () => {
  it('parses a Secret without checking its kind', () => {
    const secret = parseSecret({
      apiVersion: 'v1',
      kind: 'Whatever',
      metadata: { name: 's', namespace: 'ns', creationTimestamp: null },
      type: 'Opaque',
      data: { a: 'YWJj', b: null },
      stringData: { c: 'plain' },
      immutable: true,
      extra: 1,
    });
    expect(secret).toStrictEqual({
      kind: 'Whatever',
      apiVersion: 'v1',
      metadata: { name: 's', namespace: 'ns' },
      immutable: true,
      data: { a: 'YWJj', b: '' },
      stringData: { c: 'plain' },
      type: 'Opaque',
    });
  });

  it('normalizes data values wrapped with CR/LF', () => {
    expect(parseSecret({ data: { a: 'YW\nJj' } }).data).toStrictEqual({ a: 'YWJj' });
  });

  it.each([
    [{ data: { a: 'YWJ' } }, 'INVALID_BASE64', 'data.a: illegal base64 data at input byte 0'],
    [{ data: { a: 'YW-j' } }, 'INVALID_BASE64', 'data.a: illegal base64 data at input byte 2'],
    [{ stringData: { port: 8080 } }, 'INVALID_OBJECT', 'stringData.port: expected a string, got a number'],
    [{ metadata: [] }, 'INVALID_OBJECT', 'metadata: expected an object, got an array'],
    [null, 'INVALID_OBJECT', 'Secret: expected an object, got null'],
  ])('rejects %j', (input, code, message) => {
    const error = errorOf(() => parseSecret(input));
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
  });
});
