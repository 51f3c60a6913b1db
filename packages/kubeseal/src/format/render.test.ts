import type { SealedSecret } from '@ssts/core';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { orderSealedSecret, orderSecret } from './go-order.js';
import { renderJson, renderYaml, resolveFormat } from './render.js';

const ss: SealedSecret = {
  apiVersion: 'bitnami.com/v1alpha1',
  kind: 'SealedSecret',
  spec: {
    encryptedData: { zeta: 'AgZ', alpha: 'AgA' },
    template: {
      data: null,
      type: 'Opaque',
      metadata: { labels: { b: '2', a: '1' }, namespace: 'ns', name: 'n', annotations: { x: '<&>' } },
    },
  },
  metadata: { namespace: 'ns', name: 'n', uid: '', generation: 0, creationTimestamp: null },
};

describe('Go field order', () => {
  it('orders a SealedSecret like the Go structs and sorts map keys', () => {
    const out = orderSealedSecret(ss);
    expect(Object.keys(out)).toEqual(['kind', 'apiVersion', 'metadata', 'spec']);
    expect(out.metadata).toEqual({ name: 'n', namespace: 'ns' });
    const spec = out.spec as Record<string, Record<string, unknown>>;
    expect(Object.keys(spec)).toEqual(['template', 'encryptedData']);
    expect(Object.keys(spec.template ?? {})).toEqual(['metadata', 'type']);
    expect(Object.keys(spec.encryptedData ?? {})).toEqual(['alpha', 'zeta']);
    const meta = (spec.template?.metadata ?? {}) as Record<string, Record<string, string>>;
    expect(Object.keys(meta)).toEqual(['name', 'namespace', 'labels', 'annotations']);
    expect(Object.keys(meta.labels ?? {})).toEqual(['a', 'b']);
  });

  it('orders a Secret: kind, apiVersion, metadata, immutable, data, stringData, type', () => {
    const out = orderSecret({
      type: 'Opaque',
      data: { b: 'Yg==', a: 'YQ==' },
      immutable: true,
      metadata: {
        name: 'n',
        ownerReferences: [
          { uid: 'u', name: 'n', kind: 'SealedSecret', apiVersion: 'bitnami.com/v1alpha1', controller: true },
        ],
      },
      apiVersion: 'v1',
      kind: 'Secret',
    });
    expect(Object.keys(out)).toEqual(['kind', 'apiVersion', 'metadata', 'immutable', 'data', 'type']);
    const refs = (out.metadata as Record<string, Record<string, unknown>[]>).ownerReferences ?? [];
    expect(Object.keys(refs[0] ?? {})).toEqual(['apiVersion', 'kind', 'name', 'uid', 'controller']);
  });
});

describe('rendering', () => {
  it('writes 2-space JSON with a trailing newline and Go HTML escaping', () => {
    const json = renderJson(orderSealedSecret(ss));
    expect(json.endsWith('}\n')).toBe(true);
    expect(json).toContain('\n  "kind": "SealedSecret",\n');
    expect(json).toContain('"x": "\\u003c\\u0026\\u003e"');
    expect(
      (JSON.parse(json) as { spec: { template: { metadata: { annotations: { x: string } } } } }).spec.template
        .metadata.annotations.x,
    ).toBe('<&>');
  });

  it('writes YAML with a leading ---, sorted keys, no trailing --- and unfolded long strings', async () => {
    const long = 'A'.repeat(500);
    const yaml = await renderYaml(
      orderSealedSecret({ ...ss, spec: { ...ss.spec, encryptedData: { k: long } } }),
    );
    expect(yaml.startsWith('---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n')).toBe(
      true,
    );
    expect(yaml.endsWith('---\n')).toBe(false);
    expect(yaml).toContain(`k: ${long}\n`);
    expect(parse(yaml)).toEqual(
      JSON.parse(renderJson(orderSealedSecret({ ...ss, spec: { ...ss.spec, encryptedData: { k: long } } }))),
    );
  });

  it('resolves formats case-insensitively; .yaml/.yml output files force YAML', () => {
    expect(resolveFormat('JSON', undefined)).toBe('json');
    expect(resolveFormat('Yaml', undefined)).toBe('yaml');
    expect(resolveFormat('json', 'out.yml')).toBe('yaml');
    expect(resolveFormat('json', 'out.YAML')).toBe('yaml');
    expect(resolveFormat('json', 'out.txt')).toBe('json');
    expect(() => resolveFormat('xml', undefined)).toThrow('unsupported output format: xml');
  });
});
