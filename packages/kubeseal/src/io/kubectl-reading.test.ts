import { readFileSync } from 'node:fs';
import { coerceToKubectlShape, parseDocuments, resolveGoPlain, type KubectlShape } from '@ssts/core';
import { describe, expect, it } from 'vitest';

interface Expected {
  readonly plain: readonly { t: string; go: string; err?: string }[];
  readonly numbers: readonly { t: string; go: string; err?: string }[];
}

// Produced by ../format/testdata/generate.mjs with sigs.k8s.io/yaml v1.6.0 and go.yaml.in/yaml/v2 v2.4.4, the
// readers of upstream kubeseal v0.40.0 and kubectl.
const expected = JSON.parse(
  readFileSync(new URL('../format/testdata/go-expected.json', import.meta.url), 'utf8'),
) as Expected;

// The oracle's target struct: a string, a map of strings (the scalar also as a key) and a list of strings.
const TARGET: KubectlShape = {
  kind: 'object',
  fields: {
    name: { kind: 'string' },
    labels: { kind: 'string-map', nullValues: 'empty' },
    list: { kind: 'list', item: { kind: 'string' } },
  },
};

const GO_TYPES: Record<string, string> = {
  string: 'str',
  bool: 'bool',
  int: 'int',
  uint64: 'uint',
  float64: 'float',
  null: 'null',
};

/** yes/no/on/off/y/n: read as text on purpose (README, "Deliberate differences"). */
const yaml11Boolean = (t: string): boolean =>
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/.test(t);

describe('reading unquoted scalars like kubectl (go-yaml v2 + sigs.k8s.io/yaml as the oracle)', () => {
  it('resolves plain scalars to the same Go type', () => {
    expect(expected.plain.length).toBeGreaterThan(80);
    for (const c of expected.plain) {
      if (c.err !== undefined) {
        // Not a valid YAML value for Go either (`v: %x`).
        expect(() => resolveGoPlain(c.t)).not.toThrow();
        continue;
      }
      const go = (JSON.parse(c.go) as { v: [unknown, { t: string; v?: string }][] }).v[0]?.[1];
      const kind = resolveGoPlain(c.t).kind;
      // go-yaml hands timestamps to interface{} as strings.
      expect({ t: c.t, kind: kind === 'timestamp' ? 'str' : kind }).toEqual({
        t: c.t,
        kind: GO_TYPES[go?.t ?? ''],
      });
    }
  });

  it('turns numbers and booleans at string positions and in keys into the same text', async () => {
    const compared = expected.numbers.filter((c) => !yaml11Boolean(c.t));
    expect(compared.length).toBeGreaterThan(200);
    for (const c of compared) {
      const input = `name: ${c.t}\nlabels: {k: ${c.t}, ${c.t}: key}\nlist: [${c.t}]\n`;
      const ours = await parseDocuments(input, {}, { dialect: 'kubectl' }).then(
        ([doc]) => ({ out: JSON.stringify(coerceToKubectlShape(doc?.value, TARGET).value) }),
        (error: unknown) => ({ err: String(error) }),
      );
      if (c.err !== undefined && /uint64/.test(c.err)) {
        // Deliberate: Go cannot use a uint64 (above int64) as a map key; we use its decimal text.
        expect(ours).toEqual({ out: expect.stringContaining(`"${c.t}":"key"`) });
        continue;
      }
      if (c.err !== undefined) {
        expect({ t: c.t, failed: 'err' in ours }).toEqual({ t: c.t, failed: true });
        continue;
      }
      const go = JSON.parse(c.go) as { name: string; labels: Record<string, string>; list: string[] };
      expect({ t: c.t, ...JSON.parse((ours as { out: string }).out) }).toEqual({ t: c.t, ...go });
    }
  });

  it('keeps yes/no/on/off/y/n as written, where Go reads booleans', async () => {
    for (const c of expected.numbers.filter((n) => yaml11Boolean(n.t))) {
      const [doc] = await parseDocuments(`name: ${c.t}\n`, {}, { dialect: 'kubectl' });
      expect(coerceToKubectlShape(doc?.value, TARGET).value).toEqual({ name: c.t });
    }
  });
});
