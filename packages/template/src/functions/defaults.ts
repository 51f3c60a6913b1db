import { FuncError } from '../engine/errors.js';
import { LIMITS } from '../engine/limits.js';
import type { Value } from '../engine/values.js';
import { JsonUnsupportedError, marshalJson, unmarshalJson } from '../go/json.js';
import { asFuncError, empty, str, type FuncTable } from './types.js';

function toJson(v: Value, escapeHTML: boolean, indent?: string): string {
  return marshalJson(
    v,
    indent === undefined ? { escapeHTML } : { escapeHTML, indent, maxBytes: LIMITS.maxValueBytes },
  );
}

/** sprig's toJson family swallows errors (returns ""); the `must` variants report them. */
function swallow(f: () => string): string {
  try {
    return f();
  } catch (e) {
    if (e instanceof JsonUnsupportedError) return '';
    throw e;
  }
}

const mustJson = (f: () => string): string => asFuncError(JsonUnsupportedError, f);

export const DEFAULTS: FuncTable = {
  all: { params: [], variadic: 'any', cost: 'self', call: (args) => args.every((a) => !empty(a)) },
  any: { params: [], variadic: 'any', cost: 'self', call: (args) => args.some((a) => !empty(a)) },
  default: {
    params: ['any'],
    variadic: 'any',
    cost: 'self',
    call: ([d, ...given]) => (given.length === 0 || empty(given[0] ?? null) ? d : (given[0] ?? null)),
  },
  empty: { params: ['any'], cost: 'self', call: ([v]) => empty(v) },
  coalesce: {
    params: [],
    variadic: 'any',
    cost: 'self',
    call: (args) => args.find((a) => !empty(a)) ?? null,
  },
  ternary: { params: ['any', 'any', 'bool'], cost: 'self', call: ([t, f, c]) => (c === true ? t : f) },
  toJson: { params: ['any'], call: ([v]) => swallow(() => toJson(v, true)) },
  toPrettyJson: { params: ['any'], call: ([v]) => swallow(() => toJson(v, true, '  ')) },
  toRawJson: { params: ['any'], call: ([v]) => mustJson(() => toJson(v, false)) },
  mustToJson: { params: ['any'], call: ([v]) => mustJson(() => toJson(v, true)) },
  mustToPrettyJson: { params: ['any'], call: ([v]) => mustJson(() => toJson(v, true, '  ')) },
  mustToRawJson: { params: ['any'], call: ([v]) => mustJson(() => toJson(v, false)) },
  fromJson: { params: ['string'], call: ([s]) => unmarshalJson(str(s))?.value ?? null },
  mustFromJson: {
    params: ['string'],
    call: ([s]) => {
      const parsed = unmarshalJson(str(s));
      // Go's decoder error quotes the offending input character; report only that the JSON is invalid.
      if (parsed === undefined) throw new FuncError('invalid JSON (details withheld)');
      return parsed.value;
    },
  },
  fail: {
    params: ['string'],
    cost: 'self',
    call: () => {
      throw new FuncError('template called fail (message withheld: it may contain secret data)');
    },
  },
};
