// Compat §9.1 item 6 with the real template engine (unseal-template.test.ts covers the same path with a fake).
import { describe, expect, it } from 'vitest';
import type { SealedSecret } from '../model/types.js';
import { sealSecret } from '../seal/seal.js';
import { vectorKey2048 } from '../test-helpers/keys.js';
import { keysDecryptor, unsealSealedSecret } from './unseal.js';

const { privateKey, publicKey } = vectorKey2048();
const decrypt = keysDecryptor([privateKey]);
const text = (base64: string | undefined) => Buffer.from(base64 ?? '', 'base64').toString('utf8');

function withTemplates(
  stringData: Record<string, string>,
  data: Record<string, string | null>,
): SealedSecret {
  const ss = sealSecret({ metadata: { name: 'n', namespace: 'ns' }, stringData }, { publicKey });
  return { ...ss, spec: { ...ss.spec, template: { ...ss.spec.template, data } } };
}

describe('template.data rendered by the engine', () => {
  it('index and toJson examples of compat §2.7', async () => {
    const ss = withTemplates(
      { foo: 'bar', password: 'a<b>"&c' },
      { greeting: 'secret {{ index . "foo" }} !', json: '{{ toJson .password }}' },
    );
    const secret = await unsealSealedSecret(ss, { decrypt });
    expect(text(secret.data?.['greeting'])).toBe('secret bar !');
    expect(text(secret.data?.['json'])).toBe('"a\\u003cb\\u003e\\"\\u0026c"');
    expect(text(secret.data?.['foo'])).toBe('bar');
  });

  it('a decrypted item wins over a template of the same name (v0.37, addendum §2.1)', async () => {
    const secret = await unsealSealedSecret(withTemplates({ foo: 'bar' }, { foo: 'x{{ .foo }}x' }), {
      decrypt,
    });
    expect(text(secret.data?.['foo'])).toBe('bar');
  });

  it('a template-only SealedSecret unseals without keys', async () => {
    const ss: SealedSecret = {
      metadata: { name: 'n', namespace: 'ns' },
      spec: { template: { data: { config: 'static {{ "text" }}' } }, encryptedData: {} },
    };
    const secret = await unsealSealedSecret(ss, { decrypt: keysDecryptor([]) });
    expect(text(secret.data?.['config'])).toBe('static text');
  });

  it('reports an unknown function by key', async () => {
    const ss = withTemplates({ foo: 'bar' }, { foo: '{{ bar }}' });
    await expect(unsealSealedSecret(ss, { decrypt })).rejects.toThrow(/^template: foo:1: .*bar.* \(foo\)$/);
  });
});

// Addendum §2.1: encryptedData password=hunter2, shared=from-encrypted, foo=bar; the v0.40.0 column of its table
// (verified there against the Go binaries; e2e/specs/interop/template-parity checks the same rows against Go).
describe('v0.37/v0.40 template semantics (addendum §2.1, §2.2)', () => {
  const encrypted = { password: 'hunter2', shared: 'from-encrypted', foo: 'bar' };
  const unseal = async (data: Record<string, string | null>) => {
    const secret = await unsealSealedSecret(withTemplates(encrypted, data), { decrypt });
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, text(v)]));
  };

  it('row 1: plaintext entries are variables', async () => {
    const data = await unseal({
      username: 'myUsername',
      settings: '<u>{{ .username }}</u><p>{{ .password }}</p>',
    });
    expect(data['settings']).toBe('<u>myUsername</u><p>hunter2</p>');
    expect(data['username']).toBe('myUsername');
  });

  it('row 2: decrypted values win over a same-named plaintext entry, as output and as variable', async () => {
    const data = await unseal({ shared: 'from-plaintext', out: '{{ .shared }}' });
    expect(data['shared']).toBe('from-encrypted');
    expect(data['out']).toBe('from-encrypted');
  });

  it('row 3: variables are the raw, unrendered template text', async () => {
    const data = await unseal({ a: '{{ "x" }}', b: '{{ .a }}' });
    expect(data['a']).toBe('x');
    expect(data['b']).toBe('{{ "x" }}');
  });

  it('row 4: a failing template over an encryptedData key still fails the unseal', async () => {
    await expect(unseal({ shared: '{{ fail "boom" }}' })).rejects.toThrow(
      /^template: shared:1:3: executing "shared" at <fail "boom">: error calling fail: .* \(shared\)$/,
    );
  });

  it('a missing name still renders <no value>; so does a name that exists only as a null entry', async () => {
    const data = await unseal({ only: null, out: '{{ .missing }}|{{ .only }}' });
    expect(data['out']).toBe('<no value>|<no value>');
    expect(data).not.toHaveProperty('only');
  });

  it('null rule (§2.2): foo: null removes foo from the output but other templates still see it', async () => {
    const data = await unseal({ foo: null, bar2: 'x{{ .foo }}x' });
    expect(data).toStrictEqual({ bar2: 'xbarx', password: 'hunter2', shared: 'from-encrypted' });
  });
});
