import { describe, expect, it } from 'vitest';
import { parseDocuments } from '../documents/parse-documents.js';
import { SEALED_SECRET_SHAPE, SECRET_SHAPE, coerceToKubectlShape } from './kubectl-shape.js';
import { formatPath } from './reader.js';

async function coerce(yaml: string, shape = SECRET_SHAPE) {
  const [doc] = await parseDocuments(yaml, {}, { dialect: 'kubectl' });
  const { value, conversions } = coerceToKubectlShape(doc?.value, shape);
  return { value, changed: conversions.filter((c) => c.changed).map((c) => formatPath(c.path)) };
}

describe('coerceToKubectlShape (what kubectl makes of unquoted scalars at string positions)', () => {
  it('turns numbers and booleans into Go text in Secret fields, maps and lists', async () => {
    const { value, changed } = await coerce(
      [
        'metadata: {name: 5432, labels: {version: 1.0, big: 12345678901234567890, f: 123456789.0}, finalizers: [1e3, ~]}',
        'stringData: {port: 5432, on: true, pin: 017, n: ~}',
        'data: {a: 1234}',
        'immutable: true',
        'type: 0x1F',
      ].join('\n'),
    );
    expect(value).toEqual({
      metadata: {
        name: '5432',
        labels: { version: '1', big: '12345678901234567890', f: '1.2345679e+08' },
        finalizers: ['1000', ''],
      },
      stringData: { port: '5432', on: 'true', pin: '15', n: '' },
      data: { a: '1234' },
      immutable: true,
      type: '31',
    });
    expect(changed).toEqual([
      'metadata.labels.version',
      'metadata.labels.f',
      'metadata.finalizers[0]',
      'stringData.pin',
      'type',
    ]);
  });

  it('keeps null template.data entries of a SealedSecret, and numbers outside string positions as numbers', async () => {
    const { value } = await coerce(
      'spec: {encryptedData: {a: 5}, template: {data: {keep: null, t: 1}}}\nstatus: {observedGeneration: 3}\nmetadata: {generation: 2}',
      SEALED_SECRET_SHAPE,
    );
    expect(value).toEqual({
      spec: { encryptedData: { a: '5' }, template: { data: { keep: null, t: '1' } } },
      status: { observedGeneration: 3 },
      metadata: { generation: 2 },
    });
  });

  it('leaves values of the wrong kind for the parser to report, and ignores inherited field names', async () => {
    const { value } = await coerce('metadata: {labels: [1, 2], constructor: 5, __proto__: {a: 1}}');
    expect(value).toEqual({
      metadata: Object.fromEntries([
        ['labels', [1, 2]],
        ['constructor', 5],
        ['__proto__', { a: 1 }],
      ]),
    });
  });
});
