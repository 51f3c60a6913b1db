import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { DocumentError } from './document-error.js';
import { GoScalar } from './go-scalars.js';
import { splitJsonStream } from './json-stream.js';
import { DEFAULT_DOCUMENT_LIMITS } from './limits.js';
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
      { index: 1, value: { a: 1 }, format: 'yaml' },
      { index: 4, value: { b: 2 }, format: 'yaml' },
    ]);
  });

  it('reads concatenated and newline-separated JSON objects', async () => {
    const docs = await parseDocuments('{"a":"}{"}{"b":[1,{"c":"\\""}]}\n\n{"d":null}\n');
    expect(docs.map((d) => d.value)).toEqual([{ a: '}{' }, { b: [1, { c: '"' }] }, { d: null }]);
  });

  it('accepts a BOM, bytes and a single JSON document', async () => {
    expect(await parseDocuments('\uFEFF {"a":1}')).toEqual([{ index: 1, value: { a: 1 }, format: 'json' }]);
    expect(await parseDocuments(Buffer.from('a: b\n'))).toEqual([
      { index: 1, value: { a: 'b' }, format: 'yaml' },
    ]);
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

  // The `yaml` library quotes the input in some of its messages; in a Secret that text is the value.
  const SECRET = 'CANARY-s3cr3t';
  const head = 'kind: Secret\nstringData:\n';
  it.each([
    ['an escape', `${head}  pw: "\\U${SECRET}"\n`, 'Invalid escape sequence at line 3, column 8'],
    [
      'a block scalar header',
      `${head}  pw: |${SECRET}\n`,
      'Block scalar header includes extra characters at line 3, column 8',
    ],
    ['a folded header', `${head}  pw: > ${SECRET}\n`, 'Not a YAML token at line 3, column 9'],
    ['an alias', `${head}  pw: *${SECRET}\n`, 'Unresolved alias (the anchor must be set before the alias)'],
    ['a tag', `${head}  pw: !!${SECRET}!x y\n`, 'Could not resolve tag at line 3, column 7'],
    ['a tag handle', `${head}  pw: !${SECRET}!\n`, 'A tag has no suffix at line 3, column 7'],
    ['a version', `%YAML ${SECRET}\n---\n${head}  pw: x\n`, 'Unsupported YAML version at line 1, column 7'],
    [
      'a stray token',
      `[? ]\n\n"${SECRET}"\n`,
      'Unexpected double-quoted-scalar token in YAML stream at line 3, column 1',
    ],
  ])('never quotes the input in a YAML error: %s', async (_what, input, reason) => {
    for (const dialect of ['kubectl', 'yaml-1.2'] as const) {
      const error: unknown = await parseDocuments(input, {}, { dialect }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DocumentError);
      expect((error as Error).message).toBe(`document 1: invalid YAML: ${reason}`);
    }
  });

  it('emits no process warning, which would print the text (a mapping key that is a collection)', async () => {
    const warn = vi.spyOn(process, 'emitWarning');
    try {
      expect(await parseDocuments(`? [${SECRET}]\n: x\n`)).toEqual([
        { index: 1, value: { [`[ ${SECRET} ]`]: 'x' }, format: 'yaml' },
      ]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('keeps documents that are not objects when asked (files of any kind), refuses them otherwise', async () => {
    const text = '- a list\n---\nkind: Secret\n---\njust text\n';
    expect(await parseDocuments(text, {}, { keepNonObjects: true })).toEqual([
      { index: 1, value: ['a list'], format: 'yaml' },
      { index: 2, value: { kind: 'Secret' }, format: 'yaml' },
      { index: 3, value: 'just text', format: 'yaml' },
    ]);
    await expect(parseDocuments(text)).rejects.toThrow('document 1: expected an object, found a list');
  });

  it('gives each JSON value of a stream its offset', () => {
    const text = ' {"a":1}\n\n{"b":[2]}{"c":"}"}';
    expect(splitJsonStream(text, DEFAULT_DOCUMENT_LIMITS).map((p) => [p.start, p.text])).toEqual([
      [1, '{"a":1}'],
      [10, '{"b":[2]}'],
      [19, '{"c":"}"}'],
    ]);
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

describe('parseDocuments, kubectl dialect', () => {
  const read = async (input: string | Buffer) =>
    (await parseDocuments(input, {}, { dialect: 'kubectl' })).map((d) => d.value);

  it('keeps unquoted numbers and booleans as GoScalar with their source and Go text', async () => {
    const [doc] = (await read('a: 017\nb: 1.0\nc: True\nd: 0b101\ne: 1_000\nf: 12345678901234567890\n')) as [
      Record<string, GoScalar>,
    ];
    const texts = Object.fromEntries(
      Object.entries(doc).map(([k, v]) => [k, [v.kind, v.source, v.toGoString()]]),
    );
    expect(texts).toEqual({
      a: ['int', '017', '15'],
      b: ['float', '1.0', '1'],
      c: ['bool', 'True', 'true'],
      d: ['int', '0b101', '5'],
      e: ['int', '1_000', '1000'],
      f: ['uint', '12345678901234567890', '12345678901234567890'],
    });
  });

  it('reads yes/no/on/off/y/n, timestamps, too large floats and quoted text as strings', async () => {
    expect(await read('a: yes\nb: "5"\nc: 2001-12-14\nd: 1e400\ne: on\n')).toEqual([
      { a: 'yes', b: '5', c: '2001-12-14', d: '1e400', e: 'on' },
    ]);
  });

  it('converts non-string keys like Go, merges << keys, and refuses null and collection keys', async () => {
    expect(
      await read('base: &b {x: 1}\nm:\n  <<: *b\n  1: a\n  1.5: b\n  true: c\n  .inf: d\n'),
    ).toMatchObject([{ m: { '1': 'a', '1.5': 'b', true: 'c', '.inf': 'd' } }]);
    await expect(read('~: a\n')).rejects.toThrow('document 1: a mapping key is null');
    await expect(read('[a]: b\n')).rejects.toThrow('document 1: a mapping key is a list');
  });

  it('reads JSON with numbers through the same rules, and JSON without numbers with JSON.parse', async () => {
    const [withNumber] = (await read('{"a": 1.0, "b": "x", "c": true}')) as [Record<string, unknown>];
    expect(withNumber['a']).toBeInstanceOf(GoScalar);
    expect(withNumber['c']).toBeInstanceOf(GoScalar);
    expect(await read('{"a": "\\ud800x", "b": [true]}')).toEqual([{ a: '\uFFFDx', b: [true] }]);
  });

  it('reads raw NEL, U+2028 and U+2029 as the line breaks they are for Go (YAML 1.1)', async () => {
    // What upstream kubeseal writes for "a\u2028b" (single-quoted, the separator raw, then indentation).
    expect(await read("k:\n  v: 'a\u2028      b'\n")).toEqual([{ k: { v: 'a\u2028b' } }]);
    expect(await read('a: "x\u0085  y"\nb: |\n  x\u0085  y\n')).toEqual([{ a: 'x y', b: 'x\ny\n' }]);
    // Escapes are not raw characters.
    expect(await read('a: "x\\L  y"\n')).toEqual([{ a: 'x\u2028  y' }]);
  });

  it('refuses invalid UTF-8 and raw control characters in YAML, with what Go calls them', async () => {
    const utf8 = await parseDocuments(
      Buffer.from([0x61, 0x3a, 0x20, 0x0a, 0x62, 0x3a, 0x20, 0xff]),
      {},
      { dialect: 'kubectl' },
    ).catch((e: unknown) => e);
    expect(utf8).toBeInstanceOf(DocumentError);
    expect((utf8 as DocumentError).code).toBe('INVALID_ENCODING');
    expect((utf8 as DocumentError).reason).toBe('invalid leading UTF-8 octet');
    expect((utf8 as DocumentError).message).toBe(
      'the input is not valid UTF-8: invalid leading UTF-8 octet at byte 7 (line 2)',
    );
    const control = await read('a: "\x7f"\n').catch((e: unknown) => e);
    expect((control as DocumentError).reason).toBe('control characters are not allowed');
    // Escapes are fine, and JSON may hold DEL (Go's JSON reader accepts it).
    expect(await read('a: "\\x7f"\n')).toEqual([{ a: '\x7f' }]);
    expect(await read('{"a": "\x7f"}')).toEqual([{ a: '\x7f' }]);
  });
});
