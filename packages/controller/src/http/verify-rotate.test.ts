import type { SealedSecret } from '@ssts/core';
import { describe, expect, it } from 'vitest';
import { decryptItems } from './decrypt-items.js';
import { NO_LATEST_KEY_MESSAGE } from './sealed-secret-actions.js';
import {
  legacySealed,
  post,
  sealedFor,
  testKey,
  testServer,
  unsealWithTestKey,
} from './test-helpers/api-server.js';
import { keysDecryptor } from '@ssts/core';

const DATA = { foo: 'bar', password: 'hunter2', shared: 'from-encrypted' };
const FAIL = '{{ fail "always" }}';
const UNPARSABLE = '{{ .password ';
const probe = (guess: string) => `{{ if eq .password "${guess}" }}{{ fail "hit" }}{{ end }}`;
const ss = (templateData?: Record<string, string | null>) => sealedFor('default', 'ss', DATA, templateData);
/** Plenty of burst: these tests are about the answers, not the limiter. */
const unlimited = () => testServer({ rateLimitBurst: 1000, rateLimit: 1000 });

describe('/v1/verify decrypts only (addendum §1.1, §8 item 1)', () => {
  it.each<[string, SealedSecret, number]>([
    ['untouched SealedSecret', ss(), 200],
    ['+ a template that always calls fail', ss({ probe: FAIL }), 200],
    ['+ a template that does not parse', ss({ probe: UNPARSABLE }), 200],
    ['+ a probe that fails on the right guess', ss({ probe: probe('hunter2') }), 200],
    ['+ the same probe with a wrong guess', ss({ probe: probe('wrong') }), 200],
    [
      'metadata.name changed (label mismatch)',
      { ...ss(), metadata: { name: 'other', namespace: 'default' } },
      409,
    ],
    [
      'one encryptedData value not valid base64',
      { ...ss(), spec: { ...ss().spec, encryptedData: { ...ss().spec.encryptedData, foo: 'not base64!' } } },
      409,
    ],
    [
      'encryptedData: {} plus a template that calls fail',
      { ...ss(), spec: { encryptedData: {}, template: { data: { probe: FAIL } } } },
      200,
    ],
  ])('%s → %i', async (_name, body, code) => {
    const response = await unlimited().app.inject(post('/v1/verify', body));
    expect(response.statusCode).toBe(code);
    expect(response.body).toBe('');
  });

  it('answers the oracle probe the same for a right and a wrong guess', async () => {
    const { app } = unlimited();
    const right = await app.inject(post('/v1/verify', ss({ probe: probe('hunter2') })));
    const wrong = await app.inject(post('/v1/verify', ss({ probe: probe('hunter3') })));
    expect([right.statusCode, right.body]).toEqual([wrong.statusCode, wrong.body]);
  });

  it('legacy spec.data: a blob that decrypts to non-JSON is valid; the flag and both fields are 409', async () => {
    const legacy = legacySealed('default', 'old', 'this is not a Secret');
    expect((await unlimited().app.inject(post('/v1/verify', legacy))).statusCode).toBe(200);
    const off = testServer({ acceptDeprecatedV1Data: false, rateLimitBurst: 100 });
    expect((await off.app.inject(post('/v1/verify', legacy))).statusCode).toBe(409);
    const both = { ...legacy, spec: { ...legacy.spec, encryptedData: ss().spec.encryptedData } };
    expect((await unlimited().app.inject(post('/v1/verify', both))).statusCode).toBe(409);
    const renamed = { ...legacy, metadata: { name: 'other', namespace: 'default' } };
    expect((await unlimited().app.inject(post('/v1/verify', renamed))).statusCode).toBe(409);
  });

  it('never reads spec.template: decryptItems succeeds even when reading it would throw', async () => {
    const sealed = ss();
    const spec = { encryptedData: sealed.spec.encryptedData };
    Object.defineProperty(spec, 'template', {
      enumerable: true,
      get: () => {
        throw new Error('spec.template was read');
      },
    });
    const result = await decryptItems({ ...sealed, spec } as SealedSecret, {
      decrypt: keysDecryptor([testKey]),
      acceptDeprecatedV1Data: true,
    });
    expect(result.kind).toBe('encryptedData');
    expect(
      result.kind === 'encryptedData' && Buffer.from(result.items.get('password') ?? []).toString(),
    ).toBe('hunter2');
  });

  it('reports failing items like the unseal, grouped and sorted, without values', async () => {
    const sealed = ss();
    const broken: SealedSecret = {
      ...sealed,
      spec: {
        encryptedData: { ...sealed.spec.encryptedData, zz: 'AgA=', aa: 'AgA=', bad: '!!' },
      },
    };
    await expect(
      decryptItems(broken, { decrypt: keysDecryptor([testKey]), acceptDeprecatedV1Data: true }),
    ).rejects.toThrow(
      /^no key could decrypt secret \(aa, zz\)\nillegal base64 data at input byte 0 \(bad\)$/,
    );
  });
});

describe('/v1/rotate decrypts without the template (addendum §1.2, §8 item 2)', () => {
  const rotate = async (body: SealedSecret | string) => {
    const response = await unlimited().app.inject(post('/v1/rotate', body));
    return {
      response,
      rotated: response.statusCode === 200 ? (JSON.parse(response.body) as SealedSecret) : undefined,
    };
  };

  it.each([
    ['a template that always calls fail', { probe: FAIL }],
    ['a probe that fails on the right guess', { probe: probe('hunter2') }],
    ['a probe with a wrong guess', { probe: probe('nope') }],
    ['a derived key and a template for a posted key', { dsn: 'u:{{ .password }}', foo: 'x{{ .foo }}' }],
  ])('+ %s → 200 with exactly the posted keys and no template.data', async (_name, templateData) => {
    const { response, rotated } = await rotate(ss(templateData));
    expect(response.statusCode).toBe(200);
    expect(Object.keys(rotated?.spec.encryptedData ?? {}).sort()).toEqual(['foo', 'password', 'shared']);
    expect(rotated?.spec.template?.data).toBeUndefined();
    expect(response.body).not.toContain('"data"');
    // Re-encrypted, and the new ciphertext holds the same values.
    expect(rotated?.spec.encryptedData['password']).not.toBe(ss().spec.encryptedData['password']);
    const secret = await unsealWithTestKey(rotated as SealedSecret);
    expect(secret.data).toEqual({
      foo: Buffer.from('bar').toString('base64'),
      password: Buffer.from('hunter2').toString('base64'),
      shared: Buffer.from('from-encrypted').toString('base64'),
    });
  });

  it('the right and the wrong guess give the same status', async () => {
    const right = await rotate(ss({ probe: probe('hunter2') }));
    const wrong = await rotate(ss({ probe: probe('hunter1') }));
    expect(right.response.statusCode).toBe(wrong.response.statusCode);
  });

  it('keeps template metadata, type and immutable; aligns metadata as before', async () => {
    const sealed = ss();
    const body: SealedSecret = {
      ...sealed,
      metadata: { ...sealed.metadata, labels: { top: 'x' } },
      spec: {
        ...sealed.spec,
        template: {
          metadata: { name: 'ss', namespace: 'default', labels: { app: 'web' } },
          type: 'kubernetes.io/basic-auth',
          immutable: true,
          data: { probe: FAIL },
        },
      },
    };
    const { response, rotated } = await rotate(body);
    expect(response.statusCode).toBe(200);
    // Upstream quirk kept: differing metadata → the template metadata becomes a copy of the top-level one.
    expect(rotated?.spec.template?.metadata?.labels).toEqual({ top: 'x' });
    expect(rotated?.spec.template?.type).toBe('kubernetes.io/basic-auth');
    expect(rotated?.spec.template?.immutable).toBe(true);
  });

  it('metadata.name changed → 500 "error decrypting secret."; encryptedData {} with a fail template → 200 {}', async () => {
    const renamed = await rotate({ ...ss(), metadata: { name: 'x', namespace: 'default' } });
    expect(renamed.response.statusCode).toBe(500);
    expect(renamed.response.body).toBe(
      'error decrypting secret. no key could decrypt secret (foo, password, shared)\n',
    );
    const empty = await rotate({ ...ss(), spec: { encryptedData: {}, template: { data: { probe: FAIL } } } });
    expect(empty.response.statusCode).toBe(200);
    expect(empty.rotated?.spec.encryptedData).toEqual({});
    expect(empty.rotated?.spec.template?.data).toBeUndefined();
  });

  it("with no key to seal with → 500 and upstream's log line", async () => {
    const { app, lines } = testServer({ latestPublicKey: () => undefined });
    const response = await app.inject(post('/v1/rotate', ss()));
    expect(response.statusCode).toBe(500);
    expect(response.body).toBe(`${NO_LATEST_KEY_MESSAGE}\n`);
    expect(lines.join('')).toContain(NO_LATEST_KEY_MESSAGE);
  });

  it('legacy spec.data is unchanged: the blob must be a Secret, and it is re-sealed as encryptedData', async () => {
    const secret = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'old', namespace: 'default' },
      data: { k: Buffer.from('v').toString('base64') },
    });
    const { response, rotated } = await rotate(legacySealed('default', 'old', secret));
    expect(response.statusCode).toBe(200);
    expect(Object.keys(rotated?.spec.encryptedData ?? {})).toEqual(['k']);
    const notJson = await rotate(legacySealed('default', 'old', 'not json'));
    expect(notJson.response.statusCode).toBe(500);
  });
});
