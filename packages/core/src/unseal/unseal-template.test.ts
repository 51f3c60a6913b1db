// The template path of unseal, isolated from the template engine: TemplateRenderer is replaced by a fake whose
// render() is a mock, so these tests pin what unseal does with rendered values and template errors, whatever the
// engine supports.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { TemplateError } from '@ssts/template';
import type * as TemplateModule from '@ssts/template';
import { UnsealError } from '../errors.js';
import type { SealedSecret } from '../model/types.js';
import { sealSecret } from '../seal/seal.js';
import { vectorKey2048 } from '../test-helpers/keys.js';
import { keysDecryptor, unsealSealedSecret } from './unseal.js';

const render = vi.fn<(name: string, source: string, context: ReadonlyMap<string, Uint8Array>) => Buffer>();
vi.mock('@ssts/template', async (importOriginal) => ({
  TemplateError: (await importOriginal<typeof TemplateModule>()).TemplateError,
  TemplateRenderer: class {
    constructor(private readonly context: ReadonlyMap<string, Uint8Array>) {}
    render(name: string, source: string): Buffer {
      return render(name, source, this.context);
    }
  },
}));

const { privateKey, publicKey } = vectorKey2048();
const decrypt = keysDecryptor([privateKey]);

function withTemplates(
  data: Record<string, string | null>,
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
  it('renders each entry with the decrypted bytes and the raw plaintext entries as context; decrypted items win', async () => {
    const ss = withTemplates({ foo: 'override', extra: 'x {{ .foo }}' }, { foo: 'bar', binary: '\u00ff' });
    const secret = await unsealSealedSecret(ss, { decrypt });
    // `foo` still runs (its errors would count) although its output is discarded.
    expect(render.mock.calls.map(([n]) => n)).toStrictEqual(['extra', 'foo']);
    const [name, source, context] = render.mock.calls.find(([n]) => n === 'extra') ?? [];
    expect(name).toBe('extra');
    expect(source).toBe('x {{ .foo }}');
    expect([...(context?.keys() ?? [])].sort()).toStrictEqual(['binary', 'extra', 'foo']);
    expect(Buffer.from(context?.get('foo') ?? []).toString()).toBe('bar');
    expect(Buffer.from(context?.get('extra') ?? []).toString()).toBe('x {{ .foo }}');
    expect(Buffer.from(context?.get('binary') ?? [])).toStrictEqual(Buffer.from([0xc3, 0xbf]));
    expect(Object.keys(secret.data ?? {})).toStrictEqual(['binary', 'extra', 'foo']);
    expect(Buffer.from(secret.data?.['foo'] ?? '', 'base64').toString()).toBe('bar');
    expect(Buffer.from(secret.data?.['extra'] ?? '', 'base64').toString()).toMatch(/^extra:/);
  });

  it('a null entry removes the decrypted item but keeps it as a variable, and is never rendered', async () => {
    const ss = withTemplates({ foo: null, gone: null, out: '{{ .foo }}' }, { foo: 'bar', kept: 'k' });
    const secret = await unsealSealedSecret(ss, { decrypt });
    expect(render.mock.calls.map(([n]) => n)).toStrictEqual(['out']);
    const context = render.mock.calls[0]?.[2];
    expect([...(context?.keys() ?? [])].sort()).toStrictEqual(['foo', 'kept', 'out']);
    expect(Buffer.from(context?.get('foo') ?? []).toString()).toBe('bar');
    expect(Object.keys(secret.data ?? {})).toStrictEqual(['kept', 'out']);
  });

  it('an undecryptable item is an empty variable, bad base64 none; the unseal still fails', async () => {
    const ss = withTemplates({ t: '' });
    ss.spec.encryptedData['broken'] = 'AgA=';
    ss.spec.encryptedData['notbase64'] = '!!';
    await unsealError(unsealSealedSecret(ss, { decrypt }));
    const context = render.mock.calls[0]?.[2];
    expect([...(context?.keys() ?? [])].sort()).toStrictEqual(['broken', 'foo', 't']);
    expect(context?.get('broken')).toStrictEqual(new Uint8Array());
  });

  it('a template error counts even when the output would have been discarded', async () => {
    render.mockImplementation((name) => {
      throw new TemplateError('TEMPLATE', `template: ${name}:1:3: executing "${name}" at <fail "x">: failed`);
    });
    const error = await unsealError(
      unsealSealedSecret(withTemplates({ foo: '{{ fail "x" }}' }), { decrypt }),
    );
    expect(error.message).toBe('template: foo:1:3: executing "foo" at <fail "x">: failed (foo)');
  });

  it('stops at the time budget: one failure, TEMPLATE_TIME_BUDGET, naming the limit and the key', async () => {
    render.mockImplementation(() => {
      throw new TemplateError('TEMPLATE_TIME_BUDGET', 'template rendering exceeded its time budget of 2s');
    });
    const ss = withTemplates({ a: '{{ bar }}', b: '{{ bar }}' });
    ss.spec.encryptedData['broken'] = 'AgA=';
    const error = await unsealError(
      unsealSealedSecret(ss, { decrypt, templateTimeBudget: { ms: 2000, now: () => 0 } }),
    );
    expect(error.message).toBe('template rendering exceeded its time budget of 2s (a)');
    expect(error.failures).toStrictEqual([
      {
        key: 'a',
        source: 'template',
        code: 'TEMPLATE_TIME_BUDGET',
        message: 'template rendering exceeded its time budget of 2s',
      },
    ]);
    expect(render).toHaveBeenCalledTimes(1);
  });

  it('announces each template before rendering it', async () => {
    const seen: string[] = [];
    await unsealSealedSecret(withTemplates({ b: 'x', a: 'y', c: null }), {
      decrypt,
      onTemplate: (key) => seen.push(key),
    });
    expect(seen).toStrictEqual(['a', 'b']);
  });

  it('works for a template-only SealedSecret without any key', async () => {
    const ss: SealedSecret = {
      metadata: { name: 'n', namespace: 'ns' },
      spec: { template: { data: { config: 'static' } }, encryptedData: {} },
    };
    const secret = await unsealSealedSecret(ss, { decrypt: keysDecryptor([]) });
    expect(secret.data).toStrictEqual({ config: Buffer.from('config:static').toString('base64') });
  });

  it('reports template errors by key, after the encryptedData errors', async () => {
    render.mockImplementation((name) => {
      throw new TemplateError('TEMPLATE', `template: ${name}:1: function "bar" not defined`);
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
      throw new TemplateError('TEMPLATE', 'template: unsupported');
    });
    const error = await unsealError(unsealSealedSecret(withTemplates({ y: '', x: '' }), { decrypt }));
    expect(error.message).toBe('template: unsupported (x, y)');
  });
});
