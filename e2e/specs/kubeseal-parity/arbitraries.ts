import fc from 'fast-check';

// Generated inputs for the differential suite: Secrets whose names, keys, labels and annotations hold the YAML 1.1
// traps and other text that a YAML writer must quote or escape, and YAML documents that hold unquoted numbers and
// booleans where Kubernetes expects strings.

/** Text a YAML 1.1 or 1.2 reader would take for something else when written unquoted. */
export const YAML_TRAPS = [
  'yes',
  'No',
  'ON',
  'off',
  'y',
  'N',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '',
  '0',
  '01',
  '017',
  '08',
  '0x1F',
  '0o17',
  '0b101',
  '1_000',
  '1e3',
  '1.',
  '.5',
  '-',
  '.inf',
  '-.Inf',
  '.NaN',
  '1:20',
  '190:20:30',
  '2001-12-14',
  '2001-12-14T21:59:43Z',
  '2001-02-29',
  '=',
  '<<',
  '12e400',
  '-0',
  '1.5',
  '0b_',
  '._5',
  '---',
  '...',
  ': x',
  'x: y',
  '#c',
  'a #b',
  '- x',
  '? x',
  '[x',
  '{x',
  '|',
  '>',
  "'q",
  '"q',
  '@x',
  '`x',
  '%x',
  '!x',
  '&x',
  '*x',
  ' lead',
  'trail ',
  'a\tb',
  'a\nb',
  'a\n',
  '\n',
  'a\u2028b',
  'a\u2029',
  'a\u0085b',
  '\ufeffx',
  'é',
  '😀',
  'x'.repeat(130),
  'a long text with spaces that goes well past the eighty column limit of the writer so that it folds somewhere',
] as const;

/** Code points Go's YAML reader refuses raw; upstream then fails to write -o yaml at all (checked separately). */
const GO_YAML_UNWRITABLE = /[\u007f-\u0084\u0086-\u009f\ufffe\uffff]/;

/** Any text that appears in the output (names, keys, labels, annotations): traps, fragments of them, Unicode. */
export const outputText = (minLength = 0): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 3, arbitrary: fc.constantFrom(...YAML_TRAPS) },
      {
        weight: 2,
        arbitrary: fc
          .array(fc.constantFrom(...YAML_TRAPS), { minLength: 1, maxLength: 3 })
          .map((p) => p.join('')),
      },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
      { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,20}[a-z0-9])?$/) },
    )
    .filter((s) => s.length >= minLength && !GO_YAML_UNWRITABLE.test(s));

/** A secret value: any bytes, any text (never in the output, only sealed). */
const secretValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 64 }), fc.constantFrom(...YAML_TRAPS));

export interface SecretCase {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly stringData: Record<string, string>;
  readonly data: Record<string, string>;
  readonly type?: string | undefined;
  readonly immutable?: boolean | undefined;
  readonly scope: 'strict' | 'namespace-wide' | 'cluster-wide';
}

const SCOPE_ANNOTATIONS: Record<SecretCase['scope'], Record<string, string>> = {
  strict: {},
  'namespace-wide': { 'sealedsecrets.bitnami.com/namespace-wide': 'true' },
  'cluster-wide': { 'sealedsecrets.bitnami.com/cluster-wide': 'true' },
};

export const secretCase: fc.Arbitrary<SecretCase> = fc
  .record({
    name: outputText(1),
    namespace: outputText(1),
    labels: fc.dictionary(outputText(), outputText(), { maxKeys: 4 }),
    annotations: fc.dictionary(outputText(), outputText(), { maxKeys: 4 }),
    stringData: fc.dictionary(outputText(1), secretValue, { minKeys: 1, maxKeys: 4 }),
    data: fc.dictionary(
      outputText(1),
      fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b).toString('base64')),
      {
        maxKeys: 3,
      },
    ),
    type: fc.option(fc.constantFrom('Opaque', 'kubernetes.io/tls', 'yes', '1.0'), { nil: undefined }),
    immutable: fc.option(fc.boolean(), { nil: undefined }),
    scope: fc.constantFrom('strict', 'namespace-wide', 'cluster-wide'),
  })
  .map((c) => {
    // A stringData key wins over the same data key, in both tools.
    const data = Object.fromEntries(Object.entries(c.data).filter(([k]) => !(k in c.stringData)));
    return { ...c, data, annotations: { ...c.annotations, ...SCOPE_ANNOTATIONS[c.scope] } };
  });

/** The v1 Secret of a case, as an object (written as JSON, which both tools read byte for byte alike). */
export function secretObject(c: SecretCase): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: c.name, namespace: c.namespace, labels: c.labels, annotations: c.annotations },
    ...(c.immutable !== undefined && { immutable: c.immutable }),
    ...(Object.keys(c.data).length > 0 && { data: c.data }),
    stringData: c.stringData,
    ...(c.type !== undefined && { type: c.type }),
  };
}

/** Go's JSON escaping, so that the input bytes are the same whoever wrote them. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/**
 * Unquoted scalars kubectl converts to text at string positions (YAML 1.1-only booleans such as `yes` are left out:
 * we keep them as text on purpose, see README).
 */
export const PLAIN_SCALARS = [
  '5432',
  '1.5',
  '1.0',
  '1e3',
  '1E+3',
  '12345678901234567890',
  '-12345678901234567890123',
  '0x1F',
  '0o17',
  '017',
  '08',
  '1_000',
  '0b101',
  '-0b101',
  '.inf',
  '-.inf',
  '.nan',
  '-0',
  '0.1e-7',
  '1.0e+20',
  '123456789.0',
  '16777217.0',
  '3.0000000000000001',
  '.5',
  '+1',
  '+.5',
  '12e400',
  '1e-400',
  '9007199254740993',
  '1000000.0',
  '0.00001',
  '3.14159265358979',
  'true',
  'True',
  'FALSE',
  '~',
  'null',
  '',
  '2001-12-14',
  '1:20',
  '2001-12-14 21:59:43.10',
] as const;

export const plainScalar = fc.oneof(
  fc.constantFrom(...PLAIN_SCALARS),
  fc
    .tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom('', '.0', 'e0'))
    .map(([x, suffix]) => `${x}${Number.isInteger(x) && !String(x).includes('e') ? suffix : ''}`),
  fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }).map(String),
);

export interface ScalarCase {
  readonly name: string;
  readonly labelKey: string;
  readonly labelValue: string;
  readonly values: Record<string, string>;
}

/** Words Go reads as booleans and we keep as text (a deliberate difference, tested on its own). */
const YAML11_BOOLEAN_WORD = /^(?:y|n|yes|no|on|off)$/;
const word = (re: RegExp) => fc.stringMatching(re).filter((w) => !YAML11_BOOLEAN_WORD.test(w));

export const scalarCase: fc.Arbitrary<ScalarCase> = fc.record({
  name: word(/^[a-z][a-z0-9]{0,10}$/),
  // Go cannot use null or a uint64 (an integer above int64) as a map key and fails the whole stream.
  labelKey: plainScalar.filter(
    (s) =>
      !['', '~', 'null'].includes(s) &&
      !(/^[0-9]+$/.test(s) && BigInt(s) >= 1n << 63n && BigInt(s) < 1n << 64n),
  ),
  labelValue: plainScalar,
  values: fc.dictionary(word(/^[a-z][a-z0-9]{0,8}$/), plainScalar, { minKeys: 1, maxKeys: 4 }),
});

/** A YAML Secret whose scalars are written unquoted (flow maps, one per line). */
export function scalarYaml(c: ScalarCase): string {
  const values = Object.entries(c.values)
    .map(([k, v]) => `  ${k}: ${v}`)
    .join('\n');
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${c.name}\n  namespace: ns\n  labels: {${c.labelKey}: ${c.labelValue}}\nstringData:\n${values}\n`;
}
