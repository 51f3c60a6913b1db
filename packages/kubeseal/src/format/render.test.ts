import type { SealedSecret } from '@ssts/core';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { orderSealedSecret, orderSecret, type Ordered, type OrderedMap } from './go-order.js';
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
  const at = (value: Ordered | undefined, ...path: string[]): OrderedMap => {
    let node = value;
    for (const key of path) node = (node as OrderedMap).get(key);
    return node as OrderedMap;
  };

  it('orders a SealedSecret like the Go structs and sorts map keys', () => {
    const out = orderSealedSecret(ss);
    expect(out.keys()).toEqual(['kind', 'apiVersion', 'metadata', 'spec']);
    expect(at(out, 'metadata').entries).toEqual([
      ['name', 'n'],
      ['namespace', 'ns'],
    ]);
    expect(at(out, 'spec').keys()).toEqual(['template', 'encryptedData']);
    expect(at(out, 'spec', 'template').keys()).toEqual(['metadata', 'type']);
    expect(at(out, 'spec', 'encryptedData').keys()).toEqual(['alpha', 'zeta']);
    expect(at(out, 'spec', 'template', 'metadata').keys()).toEqual([
      'name',
      'namespace',
      'labels',
      'annotations',
    ]);
    expect(at(out, 'spec', 'template', 'metadata', 'labels').keys()).toEqual(['a', 'b']);
  });

  it('keeps integer-like keys in Go order (JavaScript objects would move them first) and __proto__', () => {
    const out = orderSealedSecret({
      ...ss,
      spec: {
        encryptedData: Object.fromEntries([
          ['b', 'x'],
          ['10', 'x'],
          ['__proto__', 'x'],
          ['9', 'x'],
          ['a', 'x'],
        ]),
      },
    });
    expect(at(out, 'spec', 'encryptedData').keys()).toEqual(['10', '9', '__proto__', 'a', 'b']);
    expect(renderJson(out)).toMatch(/"10": "x",\n\s+"9": "x",\n\s+"__proto__": "x",\n\s+"a": "x"/);
  });

  it('orders managedFields entries like the Go struct and writes metav1.Time in UTC seconds', () => {
    const out = orderSecret({
      metadata: {
        name: 'n',
        creationTimestamp: '2020-01-01T01:00:00.5+01:00',
        managedFields: [
          {
            time: '2020-01-01T00:00:00Z',
            fieldsV1: { 'f:z': {}, 'f:a': {} },
            manager: 'm',
            junk: 1,
            operation: 'Update',
          },
        ],
      },
    });
    const entry = (at(out, 'metadata').get('managedFields') as OrderedMap[])[0];
    expect(entry?.keys()).toEqual(['manager', 'operation', 'time', 'fieldsV1']);
    expect((entry?.get('fieldsV1') as OrderedMap).keys()).toEqual(['f:z', 'f:a']);
    expect(at(out, 'metadata').get('creationTimestamp')).toBe('2020-01-01T00:00:00Z');
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
    expect(out.keys()).toEqual(['kind', 'apiVersion', 'metadata', 'immutable', 'data', 'type']);
    const refs = at(out, 'metadata').get('ownerReferences') as OrderedMap[];
    expect(refs[0]?.keys()).toEqual(['apiVersion', 'kind', 'name', 'uid', 'controller']);
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
