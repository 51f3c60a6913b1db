// The template path of unseal, isolated from the template engine: renderTemplate is replaced by a fake, so these
// tests pin what unseal does with rendered values and template errors, whatever the engine supports.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SealedSecretsError, UnsealError } from '../errors.js';
import type { SealedSecret } from '../model/types.js';
import { sealSecret } from '../seal/seal.js';
import { vectorKey2048 } from '../test-helpers/keys.js';
import { renderTemplate } from '../template/render.js';
import { keysDecryptor, unsealSealedSecret } from './unseal.js';

vi.mock('../template/render.js', () => ({ renderTemplate: vi.fn() }));
const render = vi.mocked(renderTemplate);

const { privateKey, publicKey } = vectorKey2048();
const decrypt = keysDecryptor([privateKey]);

function withTemplates(
  data: Record<string, string>,
  encrypted: Record<string, string> = { foo: 'bar' },
): SealedSecret {
  const ss = sealSecret({ metadata: { name: 'n', namespace: 'ns' }, stringData: encrypted }, { publicKey });
  return { ...ss, spec: { ...ss.spec, template: { ...ss.spec.template, data } } };
}

async function unsealError(run: Promise<unknown>): Promise<UnsealError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof UnsealError) return error;
    throw error;
  }
  throw new Error('expected an UnsealError');
}

beforeEach(() => {
  render.mockReset();
  render.mockImplementation((name, _source, context) =>
    Buffer.concat([Buffer.from(`${name}:`), ...[...context.values()].map((v) => Buffer.from(v))]),
  );
});

describe('template.data in unseal', () => {
  it('renders each entry with the decrypted bytes as context and overrides a decrypted item of the same key', async () => {
    const ss = withTemplates({ foo: 'override', extra: 'x {{ .foo }}' }, { foo: 'bar', binary: '\u00ff' });
    const secret = await unsealSealedSecret(ss, { decrypt });
    expect(render).toHaveBeenCalledTimes(2);
    const [name, source, context] = render.mock.calls.find(([n]) => n === 'extra') ?? [];
    expect(name).toBe('extra');
    expect(source).toBe('x {{ .foo }}');
    expect([...(context?.keys() ?? [])].sort()).toStrictEqual(['binary', 'foo']);
    expect(Buffer.from(context?.get('foo') ?? []).toString()).toBe('bar');
    expect(Buffer.from(context?.get('binary') ?? [])).toStrictEqual(Buffer.from([0xc3, 0xbf]));
    expect(Object.keys(secret.data ?? {})).toStrictEqual(['binary', 'extra', 'foo']);
    expect(Buffer.from(secret.data?.['foo'] ?? '', 'base64').toString()).toMatch(/^foo:/);
  });

  it('works for a template-only SealedSecret without any key', async () => {
    const ss: SealedSecret = {
      metadata: { name: 'n', namespace: 'ns' },
      spec: { template: { data: { config: 'static' } }, encryptedData: {} },
    };
    const secret = await unsealSealedSecret(ss, { decrypt: keysDecryptor([]) });
    expect(secret.data).toStrictEqual({ config: Buffer.from('config:').toString('base64') });
  });

  it('reports template errors by key, after the encryptedData errors', async () => {
    render.mockImplementation((name) => {
      throw new SealedSecretsError('TEMPLATE', `template: ${name}:1: function "bar" not defined`);
    });
    const ss = withTemplates({ b: '{{ bar }}', a: '{{ bar }}' });
    ss.spec.encryptedData['broken'] = 'AgA=';
    const error = await unsealError(unsealSealedSecret(ss, { decrypt }));
    expect(error.message).toBe(
      [
        'no key could decrypt secret (broken)',
        'template: a:1: function "bar" not defined (a)',
        'template: b:1: function "bar" not defined (b)',
      ].join('\n'),
    );
    expect(error.failures.map((f) => [f.source, f.key, f.code])).toStrictEqual([
      ['encryptedData', 'broken', 'DECRYPT_FAILED'],
      ['template', 'a', 'TEMPLATE'],
      ['template', 'b', 'TEMPLATE'],
    ]);
  });

  it('groups identical template messages', async () => {
    render.mockImplementation(() => {
      throw new SealedSecretsError('TEMPLATE', 'template: unsupported');
    });
    const error = await unsealError(unsealSealedSecret(withTemplates({ y: '', x: '' }), { decrypt }));
    expect(error.message).toBe('template: unsupported (x, y)');
  });
});
