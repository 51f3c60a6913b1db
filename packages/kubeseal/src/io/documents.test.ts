import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocuments } from './documents.js';

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

  it('accepts a BOM and a single JSON document', async () => {
    expect(await parseDocuments('\uFEFF {"a":1}')).toEqual([{ index: 1, value: { a: 1 } }]);
  });

  it('names the malformed document', async () => {
    await expect(parseDocuments('{"a":1}{"b":')).rejects.toThrow(/^document 2: invalid JSON: /);
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
});

describe('parseDocuments properties', () => {
  const object = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 });

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
});
