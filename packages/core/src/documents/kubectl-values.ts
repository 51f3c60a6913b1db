import type { ScalarTag } from 'yaml';
import { DocumentError } from './document-error.js';
import { GoScalar, isYaml11OnlyBoolean, resolveGoPlain } from './go-scalars.js';

/**
 * The `kubectl` reading of YAML (what kubeseal uses): unquoted numbers as go-yaml v2 reads them (`0x1F`, `017`
 * octal, `1_000`, `0b101`, big and float forms) and `true`/`false` (YAML 1.2's spellings) kept as GoScalar, so that
 * they can become the exact text kubectl makes of them; `~`/`null`/empty as null; `<<` merge keys. The YAML
 * 1.1-only booleans (`yes`, `on`, `y`, …) stay strings on purpose, as YAML 1.2 reads them.
 */
function resolveKubectlScalar(text: string): GoScalar | string | null {
  if (isYaml11OnlyBoolean(text)) return text;
  return resolveGoPlain(text).value;
}

export const KUBECTL_SCALAR_TAGS: ScalarTag[] = [
  {
    tag: 'tag:yaml.org,2002:null',
    default: true,
    test: /^(?:~|[Nn]ull|NULL)?$/,
    resolve: () => null,
  },
  {
    tag: 'tag:yaml.org,2002:bool',
    default: true,
    test: /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
    resolve: resolveKubectlScalar,
  },
  {
    tag: 'tag:yaml.org,2002:int',
    default: true,
    test: /^[-+.0-9]/,
    resolve: resolveKubectlScalar,
  },
  {
    // Only reached through an explicit `!!float` tag (plain scalars stop at the int tag above).
    tag: 'tag:yaml.org,2002:float',
    test: /^[-+.0-9]/,
    resolve: resolveKubectlScalar,
  },
];

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** Lone surrogates (from `\ud800`-style escapes) become U+FFFD, as Go's decoders do. */
function wellFormed(text: string): string {
  return LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATES, '\uFFFD') : text;
}

/** A mapping key as sigs.k8s.io/yaml converts it to a JSON object key. */
function goKey(key: unknown, index: number): string {
  if (typeof key === 'string') return wellFormed(key);
  if (key instanceof GoScalar) return key.toGoKey();
  const what = key === null || key === undefined ? 'null' : Array.isArray(key) ? 'a list' : 'a mapping';
  throw new DocumentError('INVALID_DOCUMENT', `document ${index}: a mapping key is ${what}`);
}

/**
 * Converts what `Document.toJS({ mapAsMap: true })` returns into JSON-like values: Maps become plain objects with
 * Go's key conversion, strings are made well-formed (lone surrogates become U+FFFD, as Go's decoders do). Shared
 * (aliased) nodes are converted once.
 */
export function normalizeKubectlValue(root: unknown, index: number): unknown {
  const done = new Map<object, unknown>();
  const convert = (value: unknown): unknown => {
    if (typeof value === 'string') return wellFormed(value);
    if (value === null || typeof value !== 'object' || value instanceof GoScalar) return value;
    const seen = done.get(value);
    if (seen !== undefined) return seen;
    let out: unknown;
    if (value instanceof Map) {
      out = Object.fromEntries([...value.entries()].map(([k, v]) => [goKey(k, index), convert(v)]));
    } else if (Array.isArray(value)) out = value.map(convert);
    else out = value;
    done.set(value, out);
    return out;
  };
  return convert(root);
}

/** wellFormed() over every string and key of a JSON value. */
export function wellFormedJson(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (Array.isArray(value)) return value.map(wellFormedJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), wellFormedJson(v)]));
  }
  return value;
}
