// Compat §9.1 item 6 with the real template engine (unseal-template.test.ts covers the same path with a fake).
import { describe, expect, it } from 'vitest';
import type { SealedSecret } from '../model/types.js';
import { sealSecret } from '../seal/seal.js';
import { vectorKey2048 } from '../test-helpers/keys.js';
import { keysDecryptor, unsealSealedSecret } from './unseal.js';

const { privateKey, publicKey } = vectorKey2048();
const decrypt = keysDecryptor([privateKey]);
const text = (base64: string | undefined) => Buffer.from(base64 ?? '', 'base64').toString('utf8');

function withTemplates(stringData: Record<string, string>, data: Record<string, string>): SealedSecret {
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

  it('a template overrides the decrypted item of the same name', async () => {
    const secret = await unsealSealedSecret(withTemplates({ foo: 'bar' }, { foo: 'x{{ .foo }}x' }), {
      decrypt,
    });
    expect(text(secret.data?.['foo'])).toBe('xbarx');
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
