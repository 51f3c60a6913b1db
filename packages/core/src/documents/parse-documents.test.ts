import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DocumentError } from './document-error.js';
import { parseDocuments } from './parse-documents.js';

/** Every hostile input must end in a DocumentError with this code, not a crash, a RangeError or a stall. */
async function rejection(input: string, limits = {}): Promise<DocumentError> {
  const error: unknown = await parseDocuments(input, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DocumentError);
  return error as DocumentError;
}

describe('parseDocuments', () => {
  it('reads multi-document YAML, skipping empty and comment-only documents', async () => {
    const docs = await parseDocuments('---\na: 1\n---\n# nothing\n---\n\n---\nb: 2\n');
    expect(docs).toEqual([
      { index: 1, value: { a: 1 } },
      { index: 4, value: { b: 2 } },
    ]);
  });

  it('reads concatenated and newline-separated JSON objects', async () => {
    const docs = await parseDocuments('{"a":"}{"}{"b":[1,{"c":"\\""}]}\n\n{"d":null}\n');
    expect(docs.map((d) => d.value)).toEqual([{ a: '}{' }, { b: [1, { c: '"' }] }, { d: null }]);
  });

  it('accepts a BOM, bytes and a single JSON document', async () => {
    expect(await parseDocuments('\uFEFF {"a":1}')).toEqual([{ index: 1, value: { a: 1 } }]);
    expect(await parseDocuments(Buffer.from('a: b\n'))).toEqual([{ index: 1, value: { a: 'b' } }]);
  });

  it('names the malformed document without quoting it', async () => {
    await expect(parseDocuments('{"a":1}{"b":')).rejects.toThrow(
      'document 2: invalid JSON: Unexpected end of JSON input',
    );
    await expect(parseDocuments('{"secret":"hunter2",}')).rejects.toThrow(
      /^document 1: invalid JSON: syntax error$/,
    );
    await expect(parseDocuments('a: 1\n---\nb: [x\n')).rejects.toThrow(/^document 2: invalid YAML: /);
    await expect(parseDocuments('a: 1\n---\n- x\n')).rejects.toThrow(
      'document 2: expected an object, found a list',
    );
    await expect(parseDocuments('just text')).rejects.toThrow(
      'document 1: expected an object, found a string',
    );
  });

  it('returns nothing for empty input', async () => {
    expect(await parseDocuments('')).toEqual([]);
    expect(await parseDocuments('\n---\n')).toEqual([]);
  });

  it('reads a realistic SealedSecret with long values and nested metadata', async () => {
    const value = 'A'.repeat(700_000);
    const yaml = [
      'apiVersion: bitnami.com/v1alpha1',
      'kind: SealedSecret',
      'metadata: {name: s, namespace: n, annotations: {a: "1"}}',
      'spec:',
      '  encryptedData:',
      ...Array.from({ length: 500 }, (_, i) => `    k${i}: ${i === 0 ? value : 'AgBy'}`),
      '  template:',
      '    metadata:',
      '      labels:',
      '        deep: {a: {b: {c: {d: [1, [2, [3]]]}}}}',
    ].join('\n');
    const [doc] = await parseDocuments(yaml);
    expect((doc?.value as { spec: { encryptedData: Record<string, string> } }).spec.encryptedData.k0).toBe(
      value,
    );
  });
});

describe('parseDocuments bounds (hostile inputs)', () => {
  it('refuses 2 000 nested [ (JSON and YAML), twice in a row, without a crash', async () => {
    for (let round = 0; round < 2; round++) {
      expect((await rejection('['.repeat(2000))).message).toBe('document 1: nested deeper than 100 levels');
      expect((await rejection(`{"a":${'['.repeat(2000)}`)).message).toBe(
        'document 1: nested deeper than 100 levels',
      );
      expect((await rejection(`a: ${'{b: '.repeat(2000)}`)).code).toBe('DOCUMENT_LIMIT');
    }
  });

  it('refuses an 800 KB nested body quickly (bounded before the parser builds anything)', async () => {
    const error = await rejection('['.repeat(800_000));
    expect(error.message).toMatch(/nested deeper/);
  });

  it('refuses a three-document YAML stream whose last document is deeply nested', async () => {
    const deep = `x: ${'['.repeat(6000)}${']'.repeat(6000)}\n`;
    expect((await rejection(`a: 1\n---\nb: 2\n---\n${deep}`)).message).toBe(
      'document 3: nested deeper than 100 levels',
    );
  });

  it('refuses compact block nesting (- - - …) and deep indentation', async () => {
    expect((await rejection(`${'- '.repeat(50_000)}a\n`)).code).toBe('DOCUMENT_LIMIT');
    const indented = Array.from({ length: 1500 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    expect((await rejection(`${indented} v\n`)).message).toBe('document 1: nested deeper than 100 levels');
  });

  it('refuses the billion laughs', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      lines.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    expect((await rejection(lines.join('\n'))).code).toBe('DOCUMENT_LIMIT');
  });

  it('refuses inputs over the size, token and document bounds', async () => {
    expect((await rejection('a: b\n', { maxBytes: 4 })).message).toBe('the input is larger than 4 bytes');
    expect((await rejection(`a: ${'x'.repeat(9 << 20)}`)).message).toBe('the input is larger than 8 MiB');
    expect((await rejection('a: [1, 2, 3, 4]\n', { maxYamlTokens: 10 })).message).toBe(
      'document 1: more than 10 YAML tokens',
    );
    expect((await rejection('a: 1\n---\nb: 1\n---\nc: 1\n', { maxDocuments: 2 })).message).toBe(
      'the input holds more than 2 documents',
    );
    expect((await rejection('{}{}{}', { maxDocuments: 2 })).message).toBe(
      'the input holds more than 2 documents',
    );
  });
});

describe('parseDocuments properties', () => {
  const object = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 5 }), { maxKeys: 5 });

  it('splits any concatenation of JSON objects back into the same objects', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(object, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('', '\n', ' \n\t'),
        async (objects, sep) => {
          const text = objects.map((o) => JSON.stringify(o)).join(sep);
          const docs = await parseDocuments(text);
          expect(docs.map((d) => d.value)).toEqual(
            objects.map((o) => JSON.parse(JSON.stringify(o)) as unknown),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never throws anything but a DocumentError on arbitrary text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (text) => {
        await parseDocuments(text).catch((error: unknown) => {
          expect(error).toBeInstanceOf(DocumentError);
        });
      }),
      { numRuns: 300 },
    );
  });
});
