import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { emitGoYaml } from './go-yaml.js';
import { goYamlKeyLess, isGoLetter } from './go-yaml-key-order.js';
import {
  YAML11_NON_STRING,
  YAML12_NON_STRING,
  goWritesPlain,
  mayWritePlain,
  readsAsNonString,
} from './go-yaml-scalar.js';
import { OrderedMap, type Ordered } from './ordered.js';

interface Expected {
  readonly strings: readonly { s: string; yaml: string; err?: string }[];
  readonly keyOrder: readonly { keys: string[]; yaml: string }[];
}

// Produced by testdata/generate.mjs with sigs.k8s.io/yaml v1.6.0 + go.yaml.in/yaml/v2 v2.4.4 (what upstream
// kubeseal v0.40.0 links): each string in several positions of one document, written by JSONToYAML.
const expected = JSON.parse(
  readFileSync(new URL('./testdata/go-expected.json', import.meta.url), 'utf8'),
) as Expected;

const map = (entries: [string, Ordered][]): OrderedMap => new OrderedMap(entries);
const docFor = (s: string): OrderedMap =>
  map([
    ['a', s],
    ['b', map([['c', map([['d', s]])]])],
    ['e', [s, [s], map([['f', s]])]],
    [
      'key',
      map([
        [s, 'v'],
        ['z', s],
      ]),
    ],
  ]);

/**
 * Where we write something else than Go, on purpose (packages/kubeseal/README.md, "Deliberate differences"):
 * Go writes U+2028/U+2029 raw (YAML 1.2 readers then read other text), turns NEL into a space while reading its own
 * JSON, refuses DEL, C1 controls and U+FFFE/U+FFFF, and leaves unquoted a few texts other YAML readers take for
 * numbers, booleans, timestamps or merge/value keys.
 */
function deliberateDifference(s: string): string | undefined {
  if (/[\u2028\u2029]/.test(s)) return 'line/paragraph separator escaped';
  if (s.includes('\u0085')) return 'NEL kept (Go turns it into a space)';
  if (/[\u007f-\u009f\ufffe\uffff]/.test(s)) return 'control character escaped (Go fails)';
  if (goWritesPlain(s) && !mayWritePlain(s)) return 'quoted for YAML 1.1/1.2 readers';
  return undefined;
}

describe('YAML output, byte for byte as upstream kubeseal (go-yaml v2) writes it', () => {
  const same = expected.strings.filter((c) => deliberateDifference(c.s) === undefined);
  const different = expected.strings.filter((c) => deliberateDifference(c.s) !== undefined);

  it(`writes ${same.length} tricky strings in values, nested values, sequences and keys like Go`, () => {
    expect(same.length).toBeGreaterThan(1000);
    const mismatches = same
      .filter((c) => c.err === undefined && emitGoYaml(docFor(c.s)) !== c.yaml)
      .map((c) => ({ s: c.s, ours: emitGoYaml(docFor(c.s)), go: c.yaml }));
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(same.filter((c) => c.err !== undefined)).toEqual([]);
  });

  it(`writes the ${different.length} deliberate differences so that a YAML reader gets the same strings back`, () => {
    expect(different.length).toBeGreaterThan(50);
    for (const c of different) {
      const ours = emitGoYaml(docFor(c.s));
      expect(parse(ours, { version: '1.2' })).toEqual(parse(ours, { version: '1.1' }));
      expect(parse(ours)).toEqual({
        a: c.s,
        b: { c: { d: c.s } },
        e: [c.s, [c.s], { f: c.s }],
        key: { [c.s]: 'v', z: c.s },
      });
    }
  });

  it('sorts keys in go-yaml natural order (digits by value, letters last)', () => {
    // go-yaml's order is not transitive for some sets (`2` < `10` < `1x0` < `2`); Go then prints them in an order
    // that depends on its random map iteration, so only consistent sets have one right answer.
    const consistent = (keys: string[]): boolean =>
      keys.every((a) =>
        keys.every((b) =>
          keys.every((c) => !(goYamlKeyLess(a, b) && goYamlKeyLess(b, c)) || goYamlKeyLess(a, c)),
        ),
      );
    const comparable = expected.keyOrder.filter(
      (c) => consistent(c.keys) && c.keys.every((k) => deliberateDifference(k) === undefined),
    );
    expect(comparable.length).toBeGreaterThan(200);
    for (const c of comparable) expect(emitGoYaml(map(c.keys.map((k) => [k, 1])))).toBe(c.yaml);
  });

  it('escapes line and paragraph separators, NEL and C1 controls in double quotes', () => {
    expect(emitGoYaml(map([['k', 'a\u2028b\u2029c\u0085d\u007fe\u0080']]))).toBe(
      'k: "a\\Lb\\Pc\\Nd\\x7Fe\\x80"\n',
    );
    // Go writes such a key in the explicit form (it counts as multi-line); we keep the form, escaped.
    expect(emitGoYaml(map([['a\u2028b', 'v']]))).toBe('? "a\\Lb"\n: v\n');
  });

  it('quotes what YAML 1.1 readers other than Go take for a merge key, a value, an int or a timestamp', () => {
    for (const s of ['<<', '=', '0b_', '2001-13-45', '1e400']) {
      expect(goWritesPlain(s)).toBe(true);
      expect(emitGoYaml(map([[s, s]]))).toBe(`"${s}": "${s}"\n`);
    }
  });

  it('writes empty collections, nested sequences, numbers, booleans and null like Go', () => {
    const doc = map([
      ['empty', map([])],
      ['list', []],
      ['seq', [[1, 2], map([['x', null]]), true, 1.5, 1e21, 1e-7, 100]],
    ]);
    expect(emitGoYaml(doc)).toBe(
      'empty: {}\nlist: []\nseq:\n- - 1\n  - 2\n- x: null\n- true\n- 1.5\n- 1e+21\n- 1e-07\n- 100\n',
    );
  });

  it('writes keys over 128 bytes or with line breaks as explicit keys', () => {
    const long = 'k'.repeat(129);
    expect(emitGoYaml(map([[long, 'v']]))).toBe(`? ${long}\n: v\n`);
    expect(emitGoYaml(map([['a\nb', map([['c', 'd']])]]))).toBe('? |-\n  a\n  b\n: c: d\n');
  });
});

describe('which strings a YAML reader takes for another type', () => {
  it('tries the patterns only where they can match, with the same answers', () => {
    const samples = [
      ...'yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF ~ null Null NULL << ='.split(
        ' ',
      ),
      ...[
        'y',
        'n',
        'yES',
        'nULL',
        'none',
        'Nope',
        'truee',
        'offset',
        '<',
        '==',
        '',
        ' ',
        'data',
        'token',
        'v1',
      ],
      ...[
        '0',
        '-1',
        '+2',
        '.5',
        '-.inf',
        '.NaN',
        '.nan',
        '0x1F',
        '0o17',
        '017',
        '0b101',
        '1_000',
        '1e3',
        '1.5e+3',
      ],
      ...[
        '12:30',
        '1:20:30.5',
        '2001-12-14',
        '2001-12-14t21:59:43.10-05:00',
        '2001-1-2 3:04:05',
        '-',
        '+',
        '.',
      ],
      ...[
        '0123456789abcdef',
        '1.2.3',
        '-a',
        '.x',
        '9z',
        'AgBy3i4OJSWK+PiTySYZZA==',
        'bench-secret',
        'Opaque',
      ],
    ];
    const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i));
    samples.push(...ascii, ...ascii.flatMap((a) => ascii.map((b) => a + b)));
    for (const text of samples) {
      const expected =
        YAML11_NON_STRING.some((re) => re.test(text)) || YAML12_NON_STRING.some((re) => re.test(text));
      expect([text, readsAsNonString(text)]).toEqual([text, expected]);
    }
  });
});

describe("go-yaml's key order with Go's Unicode tables", () => {
  it('takes ASCII letters without the regular expression, as \\p{L} does', () => {
    const letter = /^\p{L}$/u;
    for (let c = 0; c < 0x800; c++)
      expect([c, isGoLetter(c)]).toEqual([c, letter.test(String.fromCodePoint(c))]);
  });

  it('treats characters assigned after Unicode 15.0 (Go 1.26) as neither letters nor digits', () => {
    // U+18DDF (Tangut Components Supplement, Unicode 16) sorts before digits in Go, as a non-letter.
    const keys = ['a', '2z', '\u{18DDF}', '`x'];
    expect(
      emitGoYaml(map(keys.map((k) => [k, 1])))
        .split('\n')
        .slice(0, 4),
    ).toEqual(["'`x': 1", '"\\U00018DDF": 1', '2z: 1', 'a: 1']);
  });
});
